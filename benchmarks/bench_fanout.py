"""Per-report overhead and speed-up of the notebook fan-out (papermill + HTML rendering on Dask workers).

1. A bare papermill run of a trivial one-cell notebook (kernel start and shutdown only): the floor.
2. D district reports (``--districts``, small synthetic districts, ``prokus-eval demo-data --districts``) run with
   ``evaluation.runner.run`` on 1 worker and on 2 workers (thread workers, and process workers with
   ``--processes``).

Prints, per configuration: wall seconds, seconds per report, overhead per report relative to the bare papermill
run, and the speed-up of 2 workers over 1. Usage::

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
        for kind in ("threads", "processes"):
            if f"{kind}_2" in out:
                out[f"{kind}_speedup_2_over_1"] = out[f"{kind}_1"]["wall_seconds"] / out[f"{kind}_2"]["wall_seconds"]
    if args.json:
        print(json.dumps(out, indent=1))
        return 0
    print(f"bare papermill run (trivial notebook): {bare:.2f} s; {n_reports} reports per run")
    print(f"{'config':<14}{'wall s':>8}{'s/report':>10}{'worker s/report':>17}{'x bare':>8}")
    for key, r in out.items():
        if isinstance(r, dict):
            print(f"{key:<14}{r['wall_seconds']:>8.1f}{r['seconds_per_report']:>10.2f}"
                  f"{r['worker_seconds_per_report']:>17.2f}{r['overhead_vs_bare']:>8.2f}")  # fmt: skip
    for key, v in out.items():
        if key.endswith("speedup_2_over_1"):
            print(f"{key}: {v:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
