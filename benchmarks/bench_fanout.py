"""Per-report overhead and speed-up of the notebook fan-out (papermill + HTML rendering on Dask workers).

1. A bare papermill run of a trivial one-cell notebook (kernel start and shutdown only): the floor.
2. D district reports (``--districts``, small synthetic districts, ``prokus-eval demo-data --districts``) run with
   ``evaluation.runner.run`` on 1 worker and on 2 workers (thread workers, and process workers with
   ``--processes``).

Prints, per configuration: wall seconds, seconds per report, overhead per report relative to the bare papermill
run, and the speed-up of 2 workers over 1. Then where the time of one district report goes (from the 1-worker
run; each part measured alone, medians of ``REPEATS``):

* kernel start/shutdown and papermill: the executed notebook's papermill duration minus its cells' durations;
* imports: ``import evaluation.notebook`` in a fresh interpreter (the first cell's import, without the data);
* data load: the first cell's duration minus the imports;
* analysis and figures: the other cells' durations (cells calling ``figure_*`` count as figures);
* HTML export: the technical report (``evaluation.reporting.technical``) of the executed notebook;
* briefs: the two policy briefs (PDF + HTML, charts) and the workbook of that scope (``evaluation.reporting``).

Usage::

    python benchmarks/bench_fanout.py --districts 8
"""

from __future__ import annotations

import argparse
import json
import os
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

    from evaluation.config import load_config
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
    return {
        "kernel_and_papermill": total - sum(dur),
        "imports": imports,
        "data_load": max(0.0, dur[first] - imports),
        "analysis": analysis,
        "figures": figures,
        "html_export": html,
        "briefs_and_workbook": briefs,
        "total": total + html + briefs,
        # fixed cost of a report whatever its data: kernel, imports, HTML and brief rendering (the goal)
        "overhead": total - sum(dur) + imports + html + briefs,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--districts", type=int, default=8, help="district reports per run (default 8)")
    p.add_argument("--families", type=int, default=400, help="families per district (default 400)")
    p.add_argument("--processes", action="store_true", help="also measure process workers")
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args(argv)

    from evaluation.executor import dask_client  # noqa: F401  (fail early without dask)
    from evaluation.runner import run
    from evaluation.synthetic_national import district_codes, generate_national

    out: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="prokus-fanout-") as tmpdir:
        tmp = Path(tmpdir)
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        bare = bare_papermill(tmp)
        out["bare_papermill_seconds"] = bare
        data = tmp / "data"
        generate_national(data, families=args.families * args.districts, districts=args.districts, seed=1,
                          config_data_dir=str(data))  # fmt: skip
        cfg = tmp / "config.toml"
        text = (data / "config.toml").read_text()
        cfg.write_text(text.replace('reports_dir = "reports"', f'reports_dir = "{tmp / "reports"}"'))
        n_reports = args.districts + 1  # districts + national
        configs = [("threads", 1, False), ("threads", 2, False)]
        if args.processes:
            configs += [("processes", 1, True), ("processes", 2, True)]
        import evaluation.executor as ex

        original = ex.dask_client
        for kind, jobs, processes in configs:

            def client(n, scheduler=None, _p=processes):
                return original(n, scheduler, processes=_p)

            ex.dask_client = client
            t0 = time.perf_counter()
            codes = district_codes(args.districts)
            run(config=str(cfg), jobs=jobs, run_id=f"{kind}-{jobs}", progress=False, regions=codes)
            wall = time.perf_counter() - t0
            out[f"{kind}_{jobs}"] = {
                "wall_seconds": wall,
                "seconds_per_report": wall / n_reports,
                "worker_seconds_per_report": wall * jobs / n_reports,
                "overhead_vs_bare": wall * jobs / n_reports / bare,
            }
        ex.dask_client = original
        scope = district_codes(args.districts)[0]
        out["breakdown"] = {"scope": scope, **breakdown(tmp / "reports" / "threads-1", cfg, scope)}
        for kind in ("threads", "processes"):
            if f"{kind}_2" in out:
                out[f"{kind}_speedup_2_over_1"] = out[f"{kind}_1"]["wall_seconds"] / out[f"{kind}_2"]["wall_seconds"]
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"bare papermill run (trivial notebook): {bare:.2f} s; {n_reports} reports per run")
    print(f"{'config':<14}{'wall s':>8}{'s/report':>10}{'worker s/report':>17}{'x bare':>8}")
    for key, r in out.items():
        if isinstance(r, dict) and "wall_seconds" in r:
            print(f"{key:<14}{r['wall_seconds']:>8.1f}{r['seconds_per_report']:>10.2f}"
                  f"{r['worker_seconds_per_report']:>17.2f}{r['overhead_vs_bare']:>8.2f}")  # fmt: skip
    for key, v in out.items():
        if key.endswith("speedup_2_over_1"):
            print(f"{key}: {v:.2f}x")
    b = out["breakdown"]
    print(f"one district report ({b['scope']}), seconds by part (each measured alone):")
    for k, v in b.items():
        if k != "scope":
            print(f"  {k:<22}{v:>7.2f}" + (f"  ({v / bare:.2f}x bare papermill)" if k in ("total", "overhead") else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
