"""Wall time and peak memory of a command and every process it starts (kernels, Dask workers, renderers).

``/usr/bin/time -v`` reports the maximum resident set size of the *largest single process* only; a report run
starts one Jupyter kernel per notebook and, for the briefs, worker processes, so the memory the machine needs is
the sum over the process tree at the same moment. This script starts the command, samples the resident set size
(RSS) of the command and all its descendants every ``--interval`` seconds with psutil, and prints:

* ``wall_seconds``: from start to exit of the command;
* ``peak_tree_rss_bytes``: the largest sum of RSS over the process tree seen in one sample (shared pages, e.g.
  of forked workers, are counted once per process, so this is an upper bound of the memory used);
* ``peak_process_rss_bytes``: the largest RSS of one process seen in a sample (compare ``/usr/bin/time -v``);
* ``peak_processes``: the most processes alive at one sample.

Usage::

    python benchmarks/measure_run.py [--interval 1] [--json FILE] -- prokus-eval run --config ... --jobs 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import psutil


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def measure(cmd: list[str], interval: float = 1.0) -> dict[str, float | int]:
    """Run ``cmd`` to completion, sampling the process tree's RSS; see the module docstring for the fields."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    root = psutil.Process(proc.pid)
    peak_tree = peak_one = peak_n = 0
    samples = 0
    while proc.poll() is None:
        total = 0
        procs = _tree(root)
        for p in procs:
            try:
                rss = p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            total += rss
            peak_one = max(peak_one, rss)
        peak_tree = max(peak_tree, total)
        peak_n = max(peak_n, len(procs))
        samples += 1
        try:
            proc.wait(timeout=interval)
        except subprocess.TimeoutExpired:
            pass
    return {
        "returncode": proc.returncode,
        "wall_seconds": time.perf_counter() - t0,
        "peak_tree_rss_bytes": peak_tree,
        "peak_process_rss_bytes": peak_one,
        "peak_processes": peak_n,
        "samples": samples,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: see the module docstring."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--interval", type=float, default=1.0, help="seconds between samples (default 1)")
    p.add_argument("--json", help="also write the result as JSON to this file")
    p.add_argument("cmd", nargs=argparse.REMAINDER, help="the command, after --")
    args = p.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        p.error("no command given (put it after --)")
    r = measure(cmd, args.interval)
    gib = 1024**3
    print(
        f"wall {r['wall_seconds']:.1f} s; peak RSS of the process tree {r['peak_tree_rss_bytes'] / gib:.2f} GiB "
        f"(largest process {r['peak_process_rss_bytes'] / gib:.2f} GiB, up to {r['peak_processes']} processes); "
        f"exit code {r['returncode']}",
        file=sys.stderr,
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"cmd": cmd, **r}, fh, indent=1)
    return int(r["returncode"])


if __name__ == "__main__":
    sys.exit(main())
