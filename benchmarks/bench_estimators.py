"""Time the panel difference-in-differences at national scale against its peers and a one-pass floor.

For each size N (families, two waves each, about 80,000 village clusters) the script writes one Parquet file
(ids dictionary-encoded, rows ordered family by family, baseline then endline, as the district generator
writes them), then runs each method in its own Python process on the same file:

=================  ==========================================================================================
method             what is timed (the data are already loaded as pandas, ids Categorical as Parquet gives them)
=================  ==========================================================================================
floor              one numpy pass over the same rows: ``np.bincount(village_codes, weights=y)``
prokus did         ``evaluation.estimators.did(df, ..., unit='family_id', cluster='village')`` (CRV1)
sm first diff      statsmodels ``OLS(dy, [1, treated]).fit(cov_type='cluster')``, dy from the ordered rows
sm pooled          statsmodels ``OLS(y, [1, T, P, T*P]).fit(cov_type='cluster')`` on all 2N rows
linearmodels       ``PanelOLS(y, T*P, entity_effects=True, time_effects=True).fit(cov_type='clustered')``
                   (the entity-time MultiIndex is built inside the timing)
pyfixest           ``feols('y ~ did | family_id + wave', vcov={'CRV1': 'village'})``
=================  ==========================================================================================

Seconds are the median of ``--repeats`` runs (one run when a run takes more than ``SLOW_SECONDS``). Memory is
reported three ways, each relative to ``data``, the in-memory size of the loaded input frame
(``DataFrame.memory_usage(deep=True)``: the ids as Categorical codes plus their dictionaries, the numeric columns):

``peak/data``
    the peak resident set size (VmHWM) of the method's process, reset (``/proc/self/clear_refs``) after the data
    are loaded, over the data. It counts everything the process holds: the interpreter and imported libraries
    (about 0.2-0.3 GB), pyarrow's read buffers still mapped after ``read_parquet`` and the data, so even the floor
    is several times the data and this column says little about an estimator.
``+rss/data``
    what the method adds to the resident set: that peak minus the resident set size right before the first call,
    over the data. Memory freed by the loading and reused by the method is not counted here.
``+alloc/data``
    the peak of the memory the method *allocates* while it runs (``tracemalloc``, which numpy and pandas report
    their array buffers to; measured in one extra, untimed call), over the data. This is the estimator's own
    working memory whatever the allocator reuses; the goal "peak memory under 2x the input data" is read on the
    larger of the two added columns.

A peer whose memory, extrapolated linearly from the previous size, would exceed ``MEMORY_SHARE`` of the memory
available is skipped and marked so.

Usage::

    python benchmarks/bench_estimators.py                      # sizes 1e4 1e5 1e6 1e7, table
    python benchmarks/bench_estimators.py --sizes 1e4 1e5 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

METHODS = ("floor", "prokus did", "sm first diff", "sm pooled", "linearmodels", "pyfixest")
PROJECT = "prokus did"
VILLAGES = 80_000
SLOW_SECONDS = 10.0
MEMORY_SHARE = 0.8
INTERPRETER_BYTES = 256 * 2**20  # resident set of Python + the libraries, before data
SEED = 20201


# ------------------------------------------------------------------------------------------------ data
def write_data(path: Path, n: int, seed: int = SEED) -> int:
    """Write N families x 2 waves to ``path`` (Parquet, dictionary-encoded ids); return the village count."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    g = min(VILLAGES, max(2, n // 2))
    village = rng.integers(0, g, n)
    treated = (rng.random(n) < 0.5).astype(np.int8)
    v_eff = rng.normal(0, 0.3, g)[village]
    y_b = 1_500_000 * np.exp(0.5 * rng.normal(size=n) + v_eff)
    y_a = y_b * np.exp(-0.15 + 0.1 * treated + 0.2 * rng.normal(size=n))
    ids = pc.binary_join_element_wise("F", pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 8, "0"), "")
    vnames = pc.binary_join_element_wise("V", pc.utf8_lpad(pc.cast(pa.array(np.arange(g)), pa.string()), 5, "0"), "")
    fam_codes = np.repeat(np.arange(n, dtype=np.int32), 2)
    table = pa.table(
        {
            "family_id": pa.DictionaryArray.from_arrays(pa.array(fam_codes), ids),
            "wave": pa.DictionaryArray.from_arrays(
                pa.array(np.tile(np.array([0, 1], dtype=np.int8), n)), pa.array(["baseline", "endline"])
            ),
            "village": pa.DictionaryArray.from_arrays(pa.array(np.repeat(village.astype(np.int32), 2)), vnames),
            "treated": np.repeat(treated, 2),
            "y": np.column_stack([y_b, y_a]).ravel(),
        }
    )
    pq.write_table(table, path, row_group_size=4_000_000)
    return g


# ------------------------------------------------------------------------------------------------ worker
def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _status_bytes(field: str) -> int | None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return None


def _peak_bytes() -> int:
    peak = _status_bytes("VmHWM")
    if peak is not None:
        return peak
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss_bytes() -> int:
    rss = _status_bytes("VmRSS")
    return rss if rss is not None else _peak_bytes()


def _traced_peak(fn) -> int:
    """Peak bytes allocated (tracemalloc, numpy/pandas buffers included) during one call of ``fn``."""
    import tracemalloc

    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return max(0, peak - base)


def _method(name: str, df):
    import pandas as pd

    y = df["y"].to_numpy()
    vcodes = df["village"].cat.codes.to_numpy()
    if name == "floor":
        return lambda: np.bincount(vcodes, weights=y)
    if name == PROJECT:
        from evaluation.estimators import did

        return lambda: did(df, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster="village")
    if name == "sm first diff":
        import statsmodels.api as sm

        def fd():
            dy = y[1::2] - y[0::2]
            x = np.column_stack([np.ones(dy.size), df["treated"].to_numpy()[0::2]])
            return sm.OLS(dy, x).fit(cov_type="cluster", cov_kwds={"groups": vcodes[0::2]}).bse[1]

        return fd
    if name == "sm pooled":
        import statsmodels.api as sm

        def pooled():
            t = df["treated"].to_numpy().astype(float)
            p = df["wave"].cat.codes.to_numpy().astype(float)
            x = np.column_stack([np.ones(t.size), t, p, t * p])
            return sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": vcodes}).bse[3]

        return pooled
    if name == "linearmodels":
        from linearmodels.panel import PanelOLS

        def lm():
            frame = pd.DataFrame(
                {
                    "y": y,
                    "did": df["treated"].to_numpy() * df["wave"].cat.codes.to_numpy(),
                    "village": vcodes,
                },
                index=pd.MultiIndex.from_arrays(
                    [df["family_id"].cat.codes.to_numpy(), df["wave"].cat.codes.to_numpy()]
                ),
            )
            res = PanelOLS(frame["y"], frame[["did"]], entity_effects=True, time_effects=True).fit(
                cov_type="clustered", clusters=frame["village"]
            )
            return res.std_errors["did"]

        return lm
    if name == "pyfixest":
        import pyfixest as pf

        def fe():
            frame = df.assign(did=df["treated"].to_numpy() * df["wave"].cat.codes.to_numpy())
            return pf.feols("y ~ did | family_id + wave", data=frame, vcov={"CRV1": "village"}).se()["did"]

        return fe
    raise ValueError(f"unknown method {name!r}")


def worker(name: str, path: str, repeats: int) -> dict:
    """Load the data, reset the peak, run ``name`` ``repeats`` times, then once under tracemalloc.

    Returns seconds, peak bytes (process), added bytes (peak minus the resident set before the first call),
    allocated bytes (tracemalloc peak of one call) and data bytes.
    """
    import pandas as pd

    df = pd.read_parquet(path)
    data_bytes = int(df.memory_usage(deep=True).sum())
    fn = _method(name, df)
    _reset_peak()
    before = _rss_bytes()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if times[-1] > SLOW_SECONDS:
            break
    peak = _peak_bytes()
    return {"seconds": statistics.median(times), "runs": len(times), "peak_bytes": peak,
            "added_rss_bytes": max(0, peak - before), "allocated_bytes": _traced_peak(fn),
            "data_bytes": data_bytes}  # fmt: skip


# ------------------------------------------------------------------------------------------------ driver
def _available_bytes() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return 1 << 62


def _run(name: str, path: Path, repeats: int) -> dict:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", name, str(path), str(repeats)],
        capture_output=True, text=True, env=env, check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bench(sizes: list[int], methods: list[str], repeats: int, progress: bool) -> dict:
    """Run every method at every size; results[str(N)][method] = {seconds, peak_bytes, ...} or {skipped}."""
    results: dict[str, dict] = {}
    last: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory(prefix="prokus-bench-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"panel_{n}.parquet"
            g = write_data(path, n)
            row: dict[str, dict] = {"_meta": {"families": n, "rows": 2 * n, "villages": g}}
            for m in methods:
                if m in last:
                    n_prev, peak_prev = last[m]
                    # the part of the peak that grows with N (data and working memory), scaled; the interpreter's
                    # fixed share (INTERPRETER_BYTES) is not
                    predicted = INTERPRETER_BYTES + max(0, peak_prev - INTERPRETER_BYTES) * n / n_prev
                    if predicted > MEMORY_SHARE * _available_bytes():
                        row[m] = {"skipped": f"predicted peak {predicted / 2**30:.1f} GiB exceeds available memory"}
                        continue
                if progress:
                    print(f"  N={n:>10,}  {m} ...", file=sys.stderr, flush=True)
                row[m] = _run(m, path, repeats)
                if "peak_bytes" in row[m]:
                    last[m] = (n, row[m]["peak_bytes"])
            path.unlink()
            results[str(n)] = row
    return results


def table(results: dict) -> str:
    """Seconds, ratio to the project's estimator and to the floor, peak memory and its ratio to the data."""
    lines = []
    head = (
        f"{'N families':>11}  {'method':<14} {'seconds':>9} {'x prokus':>9} {'x floor':>8} {'peak GiB':>9} "
        f"{'peak/data':>9} {'+rss/data':>9} {'+alloc/data':>11}"
    )
    lines += [head, "-" * len(head)]
    for n, row in results.items():
        ref = row.get(PROJECT, {}).get("seconds")
        floor = row.get("floor", {}).get("seconds")
        for m, r in row.items():
            if m == "_meta":
                continue
            if "seconds" not in r:
                lines.append(f"{int(n):>11,}  {m:<14} {r.get('skipped') or r.get('error')}")
                continue
            s = r["seconds"]
            xr = f"{s / ref:.1f}" if ref else "-"
            xf = f"{s / floor:.1f}" if floor else "-"
            peak = r["peak_bytes"] / 2**30
            ratio = r["peak_bytes"] / r["data_bytes"]
            added = r["added_rss_bytes"] / r["data_bytes"]
            alloc = r["allocated_bytes"] / r["data_bytes"]
            lines.append(
                f"{int(n):>11,}  {m:<14} {s:>9.4f} {xr:>9} {xf:>8} {peak:>9.2f} {ratio:>9.2f} {added:>9.2f} "
                f"{alloc:>11.2f}"
            )
        meta = row["_meta"]
        data = next((r["data_bytes"] for r in row.values() if "data_bytes" in r), 0)
        lines.append(f"{'':>11}  ({meta['rows']:,} rows, {meta['villages']:,} villages, data {data / 2**20:,.0f} MiB)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5, 1e6, 1e7], help="families (e.g. 1e5)")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS, metavar="METHOD")
    p.add_argument("--repeats", type=int, default=3, help="runs per method (median; default 3)")
    p.add_argument("--json", action="store_true", help="print JSON (per N and method: seconds, peak, added bytes)")
    p.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        name, path, repeats = args.worker
        print(json.dumps(worker(name, path, int(repeats))))
        return 0
    results = bench([int(s) for s in args.sizes], args.methods, args.repeats, progress=not args.json)
    print(json.dumps(results, indent=1) if args.json else table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
