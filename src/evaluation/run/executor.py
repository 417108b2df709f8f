"""Where the runner's notebook executions run: a local Dask cluster, or an existing one (``tcp://host:port``).

The runner submits one task per notebook (papermill execution plus HTML rendering, both in the worker) and waits
for them as they finish; the first failure cancels what has not started and is raised. ``dask.distributed`` is an
existing engine for this: the same code runs on a laptop (:class:`~distributed.LocalCluster`, one single-threaded
worker per job) and on a cluster of machines (``--scheduler tcp://host:port``; the workers need the project on a
shared file system at the same path, and this environment).

The local cluster uses thread workers (``processes=False``): the notebooks run in kernel processes anyway (one
reused kernel per worker with ``[run] kernels = "warm"``, :mod:`evaluation.run.warm_kernels`), so the worker only
drives its kernel and renders HTML; thread workers start in milliseconds where process workers take about a
second each (``benchmarks/bench_fanout.py`` measures both). At the end of a run every worker's warm kernel and
notebook thread is stopped (:func:`shutdown_notebook_threads`, also on the workers of an existing cluster).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

__all__ = ["call_with_environment", "dask_client", "run_all", "shutdown_notebook_threads"]

_threads: dict[str, ThreadPoolExecutor] = {}
_threads_lock = threading.Lock()


def _notebook_thread() -> ThreadPoolExecutor:
    """The calling thread's persistent notebook thread (created on first use), with its own asyncio event loop."""
    import asyncio

    key = threading.current_thread().name
    with _threads_lock:
        pool = _threads.get(key)
        if pool is None:
            pool = ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix=f"prokus-notebook-{len(_threads)}",
                initializer=lambda: asyncio.set_event_loop(asyncio.new_event_loop()),
            )
            _threads[key] = pool
    return pool


def call_with_environment(env: Mapping[str, str], fn: Callable[..., Any], *args: Any) -> Any:
    """Set ``env`` in the worker's process (kernels inherit it), then call ``fn(*args)`` in a notebook thread.

    papermill drives the kernel through an asyncio loop per thread (``jupyter_core.utils.run_sync``); a Dask
    thread worker's thread may already be tied to a loop, so each worker thread hands its notebooks to one
    persistent thread of its own with its own loop. That thread also owns the worker's warm kernel
    (:mod:`evaluation.run.warm_kernels`), which must always be driven from the same thread and loop.
    """
    os.environ.update(env)
    return _notebook_thread().submit(fn, *args).result()


def shutdown_notebook_threads() -> None:
    """Stop the warm kernels and the notebook threads of this process (end of a run, or after a failure).

    The kernels are killed first, so that a notebook still running in one of them fails at once instead of
    keeping the run waiting.
    """
    import sys

    if "evaluation.run.warm_kernels" in sys.modules:
        sys.modules["evaluation.run.warm_kernels"].shutdown_all()
    with _threads_lock:
        pools = list(_threads.values())
        _threads.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def dask_client(jobs: int, scheduler: str | None = None, processes: bool = False) -> Iterator[Any]:
    """A ``dask.distributed.Client``: connected to ``scheduler``, or to a new local cluster of ``jobs`` workers."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler, set_as_default=False)
        try:
            yield client
        finally:
            _stop_workers_kernels(client)
            client.close()
        return
    with (
        LocalCluster(
            n_workers=jobs,
            threads_per_worker=1,
            processes=processes,
            **({"host": "127.0.0.1"} if processes else {}),  # thread workers talk in-process, no socket
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        try:
            yield client
        finally:
            _stop_workers_kernels(client)
    shutdown_notebook_threads()  # thread workers: their notebook threads and kernels live in this process


def _stop_workers_kernels(client: Any) -> None:
    """Stop the warm kernels and notebook threads on every worker of ``client`` (best effort)."""
    try:
        client.run(shutdown_notebook_threads)
    except Exception:  # a worker already gone has no kernels left; its kernels exit with their parent
        pass


def run_all(
    client: Any,
    fn: Callable[..., Any],
    items: list[tuple[str, tuple[Any, ...]]],
    env: Mapping[str, str],
    on_done: Callable[[str], None] | None = None,
    prefix: str = "prokus",
) -> None:
    """Run ``fn(*args)`` for every ``(label, args)`` on ``client``; raise the first failure, cancel the rest."""
    from dask.distributed import as_completed

    futures = {
        client.submit(call_with_environment, dict(env), fn, *args, key=f"{prefix}-{label}", pure=False): label
        for label, args in items
    }
    with client.as_current():
        for f in as_completed(list(futures)):
            exc = f.exception()
            if exc is not None:
                client.cancel([g for g in futures if g is not f])
                raise exc
            if on_done is not None:
                on_done(futures[f])
