"""Where the runner's notebook executions run: a local Dask cluster, or an existing one (``tcp://host:port``).

The runner submits one task per notebook (papermill execution plus HTML rendering, both in the worker) and waits
for them as they finish; the first failure cancels what has not started and is raised. ``dask.distributed`` is an
existing engine for this: the same code runs on a laptop (:class:`~distributed.LocalCluster`, one single-threaded
worker per job) and on a cluster of machines (``--scheduler tcp://host:port``; the workers need the project on a
shared file system at the same path, and this environment).

The local cluster uses thread workers (``processes=False``): each notebook runs in its own kernel process anyway,
so the worker only waits on the kernel and renders HTML; thread workers start in milliseconds where process
workers take about a second each (``benchmarks/bench_fanout.py`` measures both).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

__all__ = ["call_with_environment", "dask_client", "run_all"]


def call_with_environment(env: Mapping[str, str], fn: Callable[..., Any], *args: Any) -> Any:
    """Set ``env`` in the worker's process (kernels inherit it), then call ``fn(*args)`` in a fresh thread.

    papermill drives the kernel through an asyncio loop per thread (``jupyter_core.utils.run_sync``); a Dask
    thread worker's thread may already be tied to a loop, so each notebook gets its own thread and new loop.
    """
    import asyncio
    import threading

    os.environ.update(env)
    box: dict[str, Any] = {}

    def target() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc
        finally:
            asyncio.set_event_loop(None)
            loop.close()

    thread = threading.Thread(target=target, name=f"prokus-notebook-{threading.get_ident()}-{id(box)}")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


@contextmanager
def dask_client(jobs: int, scheduler: str | None = None, processes: bool = False) -> Iterator[Any]:
    """A ``dask.distributed.Client``: connected to ``scheduler``, or to a new local cluster of ``jobs`` workers."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler, set_as_default=False)
        try:
            yield client
        finally:
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
        yield client


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
