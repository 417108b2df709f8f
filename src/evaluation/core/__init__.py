"""The floor every room stands on: paths, errors, configuration and the results-file format.

Holds the project's paths (:mod:`~evaluation.core.paths`), the user-facing error (:mod:`~evaluation.core.errors`),
the strict TOML reader and the typed configuration (:mod:`~evaluation.core.config`), the analysis plan
(:mod:`~evaluation.core.plan`), the targets and the monitoring indicator definitions
(:mod:`~evaluation.core.targets`, :mod:`~evaluation.core.indicators`), the disclosure marker and the
results-file format: key builder, reader, writer and recorder (:mod:`~evaluation.core.keys`,
:mod:`~evaluation.core.record`), the one atomic-write helper (:mod:`~evaluation.core.atomic`) and the names of
intake's data-quality normalisations (:mod:`~evaluation.core.quality`).

May import: the standard library and third-party libraries only; nothing else of ``evaluation``.
"""
