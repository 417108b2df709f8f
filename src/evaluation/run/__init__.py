"""Running notebooks and checking runs: runner, executor (Dask), warm kernels, manifest, verify.

:mod:`~evaluation.run.runner` plans and executes every notebook of a run (papermill) and renders the reports,
:mod:`~evaluation.run.executor` and :mod:`~evaluation.run.warm_kernels` run notebooks on a Dask cluster,
:mod:`~evaluation.run.manifest` records hashes, versions and parameters, :mod:`~evaluation.run.verify`
re-executes a run and compares it number by number. Orchestration only: no statistics here.

May import: every room below it (analysis, reporting, synthetic, stats, intake, text, core); never the CLI.
"""
