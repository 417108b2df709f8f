"""Per-report overhead and speed-up of the notebook fan-out (papermill + HTML + briefs, on Dask workers).

1. A bare papermill run of a trivial one-cell notebook (kernel start and shutdown only): the yardstick.
2. The *work* of each report: the same notebooks' code cells executed in this (already warm) Python process, one
   after the other, without a kernel, papermill, HTML or briefs: the statistics, tables and figures themselves.
3. D district reports plus the national one (``--districts``, small synthetic districts from
   ``prokus-eval demo-data --districts``) run with ``evaluation.run.runner.run`` on 1 worker, for each kernel mode
   (``[run] kernels``: ``fresh``, a new kernel per notebook, papermill's default; ``warm``, one reused kernel per
   worker, :mod:`evaluation.run.warm_kernels`) and each brief setting (``[run] briefs``: ``all`` draws two policy
   briefs, PDF and HTML, per district; ``national`` only the nation's). Then 2 workers, for the speed-up.

Per-report overhead: each 1-worker configuration also runs half the districts; the extra reports' wall time minus
their work, per extra report, is what the fan-out adds to the statistics of one report (kernel start, imports,
papermill messaging, output formatting, HTML export, briefs and workbook), without what a run pays once (the
Dask cluster, the warm kernel's start and preload, the manifest, the landing page: printed as "per-run s"). It
is printed in seconds and as a multiple of the bare papermill run (the issue's goal: under 2x). Then, from the
fresh 1-worker run, where one district report's time goes (each part measured alone, medians of ``REPEATS``).

Usage::

    python benchmarks/bench_fanout.py --districts 8 [--processes] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path


def bare_papermill(tmp: Path, repeats: int = 3) -> float:
    """Median seconds of papermill running a one-cell notebook (``x = 1``)."""
    import nbformat
    import papermill

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}))
    src = tmp / "trivial.ipynb"
    nbformat.write(nb, src)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        papermill.execute_notebook(str(src), str(tmp / "out.ipynb"), kernel_name="python3", progress_bar=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


REPEATS = 3


def _median_seconds(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def breakdown(run_dir: Path, cfg_path: Path, scope: str) -> dict[str, float]:
    """Seconds of each part of one report (see the module docstring)."""
    import subprocess

    import nbformat

    from evaluation.core.config import load_config
    from evaluation.reporting import _render_one
    from evaluation.reporting.technical import render_technical_report

    nb = nbformat.read(run_dir / scope / "notebook.ipynb", as_version=4)
    total = float(nb.metadata["papermill"]["duration"])
    cells = [c for c in nb.cells if c.cell_type == "code"]
    dur = [float(c.metadata.get("papermill", {}).get("duration") or 0.0) for c in cells]
    first = next(i for i, c in enumerate(cells) if "import" in c.source)
    figures = sum(d for c, d in zip(cells, dur, strict=True) if "figure_" in c.source)
    analysis = sum(dur[first + 1 :]) - figures
    code = "import time; t = time.perf_counter(); import evaluation.notebook; print(time.perf_counter() - t)"
    imports = statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(REPEATS)
    )
    executed = run_dir / scope / "notebook.ipynb"
    with tempfile.TemporaryDirectory() as out:
        render_technical_report(executed, Path(out) / "r.html")  # warm: nbconvert imported, exporter ready
        html = _median_seconds(lambda: render_technical_report(executed, Path(out) / "r.html"))
    cfg = load_config(cfg_path)
    rid = run_dir.name
    _render_one(str(run_dir), cfg, rid, scope, None)  # warm: imports, the run's results read once per process
    briefs = _median_seconds(lambda: [_render_one(str(run_dir), cfg, rid, scope, lang) for lang in ("id", "en", None)])
    # of which the briefs' charts (matplotlib, 4 per language): drawing, like the notebook's figures
    import evaluation.reporting.brief as brief_module

    original, spent = brief_module.draw_charts, []

    def timed_charts(*a, **k):
        t0 = time.perf_counter()
        try:
            return original(*a, **k)
        finally:
            spent.append(time.perf_counter() - t0)

    brief_module.draw_charts = timed_charts
    try:
        for _ in range(REPEATS):
            for lang in ("id", "en"):
                _render_one(str(run_dir), cfg, rid, scope, lang)
    finally:
        brief_module.draw_charts = original
    charts = sum(spent) / REPEATS
    return {
        "kernel_and_papermill": total - sum(dur),
        "imports": imports,
        "data_load": max(0.0, dur[first] - imports),
        "analysis": analysis,
        "figures": figures,
        "html_export": html,
        "briefs_and_workbook": briefs,
        "of_which_brief_charts": charts,
        "total": total + html + briefs,
        # fixed cost of a report whatever its data: kernel, imports, HTML and brief rendering (the goal)
        "overhead": total - sum(dur) + imports + html + briefs,
    }


def work_seconds(tasks: list, out_root: Path) -> float:
    """Seconds to execute the code cells of every task's notebook in this process (imports already done)."""
    import contextlib
    import io

    import nbformat

    import evaluation.notebook  # noqa: F401  (the import is overhead, not work: done before the clock starts)

    total = 0.0
    for task in tasks:
        nb = nbformat.read(task.notebook, as_version=4)
        params = {**task.parameters, "output_dir": str(out_root / task.scope)}
        code = [c.source for c in nb.cells if c.cell_type == "code"]
        namespace: dict[str, object] = {}
        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            exec(code[0], namespace)  # the parameters cell, then papermill's injected values
            namespace.update(params)
            for src in code[1:]:
                exec(src, namespace)
        total += time.perf_counter() - t0
    return total


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--districts", type=int, default=8, help="district reports per run (default 8)")
    p.add_argument("--families", type=int, default=400, help="families per district (default 400)")
    p.add_argument("--processes", action="store_true", help="also measure process workers (warm kernels)")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)

    from evaluation.core.config import load_config
    from evaluation.run.executor import dask_client  # noqa: F401  (fail early without dask)
    from evaluation.run.runner import _kernel_environment, plan, run
    from evaluation.synthetic.national import district_codes, generate_national

    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="prokus-fanout-") as tmpdir:
        tmp = Path(tmpdir)
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        bare = bare_papermill(tmp)
        out["bare_papermill_seconds"] = bare
        data = tmp / "data"
        generate_national(data, families=args.families * args.districts, districts=args.districts, seed=1,
                          config_data_dir=str(data))  # fmt: skip
        base = (data / "config.toml").read_text()
        base = base.replace('reports_dir = "reports"', f'reports_dir = "{tmp / "reports"}"')
        codes = district_codes(args.districts)

        def config(kernels: str, briefs: str) -> Path:
            path = tmp / f"config-{kernels}-{briefs}.toml"
            text = re.sub(r"(?m)^briefs = .*$", f'briefs = "{briefs}"', base)
            path.write_text(re.sub(r"(?m)^kernels = .*$", f'kernels = "{kernels}"', text))
            return path

        cfg0 = load_config(config("warm", "all"))
        _kernel_environment(cfg0)
        tasks = plan(cfg0, codes, str(data), tmp / "work")
        work_seconds(tasks[:1], tmp / "warmup")  # first use: lazy imports, caches
        work = {t.scope: work_seconds([t], tmp / "work") for t in tasks}
        n_reports = len(tasks)
        half = codes[: max(1, len(codes) // 2)]
        out["reports_per_run"] = n_reports
        out["work_seconds_per_report"] = sum(work.values()) / n_reports

        import evaluation.run.executor as ex

        original = ex.dask_client
        configs = [(k, b, 1, False) for k in ("fresh", "warm") for b in ("all", "national")]
        configs += [("fresh", "all", 2, False), ("warm", "all", 2, False)]
        if args.processes:
            configs += [("warm", "all", 1, True), ("warm", "all", 2, True)]

        def timed(kernels: str, briefs: str, jobs: int, processes: bool, regions: list[str], name: str) -> float:
            def client(n, scheduler=None, _p=processes):
                return original(n, scheduler, processes=_p)

            ex.dask_client = client
            t0 = time.perf_counter()
            run(config=str(config(kernels, briefs)), jobs=jobs, run_id=name, progress=False, regions=regions)
            return time.perf_counter() - t0

        for kernels, briefs, jobs, processes in configs:
            name = f"{kernels}-{briefs}-{'processes' if processes else 'threads'}-{jobs}"
            wall = timed(kernels, briefs, jobs, processes, codes, name)
            row = {"wall_seconds": wall, "seconds_per_report": wall / n_reports}
            if jobs == 1:
                # the same with half the districts: the difference is the cost of the extra reports alone,
                # without what a run pays once (cluster, kernel start and preload, manifest, landing page)
                wall_half = timed(kernels, briefs, jobs, processes, half, name + "-half")
                extra = len(codes) - len(half)
                beyond = (wall - wall_half) - sum(work[c] for c in codes if c not in half)
                row["overhead_seconds_per_report"] = beyond / extra
                row["overhead_vs_bare"] = beyond / extra / bare
                row["per_run_fixed_seconds"] = wall - sum(work.values()) - n_reports * beyond / extra
            out[name] = row
        ex.dask_client = original
        for kernels in ("fresh", "warm"):
            one, two = out[f"{kernels}-all-threads-1"], out[f"{kernels}-all-threads-2"]
            out[f"{kernels}_speedup_2_over_1"] = one["wall_seconds"] / two["wall_seconds"]
        scope = codes[0]
        out["breakdown"] = {"scope": scope, **breakdown(tmp / "reports" / "fresh-all-threads-1", config("fresh", "all"),
                                                        scope)}  # fmt: skip
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"bare papermill run (trivial notebook): {bare:.2f} s; {n_reports} reports per run "
          f"({args.districts} districts of {args.families} families + national)")  # fmt: skip
    print(f"work per report (the notebooks' cells run in one warm process): {out['work_seconds_per_report']:.2f} s")
    print(f"{'kernels-briefs-workers':<30}{'wall s':>8}{'s/report':>10}{'overhead s/report':>19}{'x bare':>8}"
          f"{'per-run s':>11}")  # fmt: skip
    for key, r in out.items():
        if isinstance(r, dict) and "wall_seconds" in r:
            extra = (f"{r['overhead_seconds_per_report']:>19.2f}{r['overhead_vs_bare']:>8.2f}"
                     f"{r['per_run_fixed_seconds']:>11.1f}") if "overhead_vs_bare" in r else ""  # fmt: skip
            print(f"{key:<30}{r['wall_seconds']:>8.1f}{r['seconds_per_report']:>10.2f}{extra}")
    for key, v in out.items():
        if key.endswith("speedup_2_over_1"):
            print(f"{key}: {v:.2f}x")
    b = out["breakdown"]
    print(f"one district report ({b['scope']}, fresh kernel), seconds by part (each measured alone):")
    for k, v in b.items():
        if k != "scope":
            print(f"  {k:<22}{v:>7.2f}" + (f"  ({v / bare:.2f}x bare papermill)" if k in ("total", "overhead") else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
