"""Reused ("warm") Jupyter kernels for the notebook fan-out: one kernel per worker thread, reset between notebooks.

Why: a bare papermill run costs about 1 s here (kernel start and shutdown) and importing the statistics stack
another 1.6 s, before a notebook reads any data. A national run executes 514 district notebooks, so the runner
(``[run] kernels = "warm"``, the default) keeps one kernel per worker: started once, it imports
``evaluation.notebook`` once (:func:`evaluation.run.kernel_state.preload`) and is reset before every notebook
(:func:`evaluation.run.kernel_state.reset`: namespace, output cache, execution counter, figures, warnings registries,
working directory). papermill drives it through the engine :class:`WarmKernelEngine`, which hands nbclient the
running kernel manager instead of letting it start (and shut down) a kernel of its own.

Safety rules:

* A kernel is used by one thread only (:func:`warm_kernel` keeps it in thread-local storage; the executor gives each
  Dask worker thread one persistent notebook thread and event loop, :mod:`evaluation.run.executor`).
* After any failure other than an error raised by a notebook cell (kernel died, cell timeout, lost connection), the
  kernel is shut down and the next notebook gets a new one.
* A kernel is replaced after :data:`MAX_NOTEBOOKS` notebooks or when its resident memory exceeds
  :data:`MAX_RSS_BYTES` (the national-scale notebook, which holds every district's arrays, always leaves a large
  kernel behind), so memory stays bounded however many districts run.
* ``[run] kernels = "fresh"`` starts a new kernel for every notebook (papermill's default), and
  ``prokus-eval verify`` always does: a reviewer's re-execution never depends on this module.
"""

from __future__ import annotations

import atexit
import threading
from typing import Any

from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines

__all__ = ["ENGINE", "MAX_NOTEBOOKS", "MAX_RSS_BYTES", "WarmKernel", "WarmKernelEngine", "shutdown_all", "warm_kernel"]

ENGINE = "prokus-warm"
MAX_NOTEBOOKS = 200
MAX_RSS_BYTES = 1536 * 2**20
STARTUP_TIMEOUT = 120

_PRELOAD = "__import__('evaluation.run.kernel_state').run.kernel_state.preload()"
_RESET = "__import__('evaluation.run.kernel_state').run.kernel_state.reset()"

_local = threading.local()
_all: set[WarmKernel] = set()
_all_lock = threading.Lock()


class WarmKernelError(RuntimeError):
    """The warm kernel could not be started, preloaded or reset."""


class WarmKernel:
    """A running kernel that has imported the notebook libraries; :meth:`prepare` resets it for the next notebook."""

    def __init__(self, kernel_name: str, cwd: str) -> None:
        from jupyter_client.manager import AsyncKernelManager

        self.kernel_name = kernel_name
        self.cwd = cwd
        self.uses = 0
        self.killed = False
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        # As nbclient does for the kernels it starts: no SQLite history file shared between kernels.
        run_sync(self.km.start_kernel)(cwd=cwd, extra_arguments=["--HistoryManager.hist_file=:memory:"])
        try:
            self._silent(_PRELOAD)
        except BaseException:
            self.shutdown()
            raise
        with _all_lock:
            _all.add(self)

    def _silent(self, code: str) -> None:
        """Execute ``code`` without output, history or a step of the execution counter; raise if it fails."""

        async def go() -> dict[str, Any]:
            kc = self.km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
                return await kc.execute_interactive(
                    code,
                    silent=True,
                    store_history=False,
                    allow_stdin=False,
                    timeout=STARTUP_TIMEOUT,
                    output_hook=lambda msg: None,
                )
            finally:
                kc.stop_channels()

        reply = run_sync(go)()
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise WarmKernelError(f"{code!r} failed in the kernel: {content.get('ename')}: {content.get('evalue')}")

    def prepare(self) -> None:
        """Reset the kernel's state before a notebook (:func:`evaluation.run.kernel_state.reset`)."""
        self._silent(_RESET)
        self.uses += 1

    def alive(self) -> bool:
        """Whether the kernel process is still running."""
        return not self.killed and bool(run_sync(self._is_alive)())

    async def _is_alive(self) -> bool:
        return bool(await self.km.is_alive())

    def rss(self) -> int:
        """Resident memory of the kernel process in bytes (0 when unknown)."""
        import psutil

        pid = getattr(self.km.provisioner, "pid", None)
        try:
            return int(psutil.Process(pid).memory_info().rss) if pid else 0
        except psutil.Error:
            return 0

    def worn_out(self) -> bool:
        """Used :data:`MAX_NOTEBOOKS` times, or grown beyond :data:`MAX_RSS_BYTES`: replace it."""
        return self.uses >= MAX_NOTEBOOKS or self.rss() > MAX_RSS_BYTES

    def shutdown(self) -> None:
        """Stop the kernel from the thread that owns it (its event loop); fall back to :meth:`kill`."""
        with _all_lock:
            _all.discard(self)
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already dead, or its loop is gone
            self.kill()

    def kill(self) -> None:
        """Kill the kernel process from any thread and remove its connection file."""
        import psutil

        with _all_lock:
            _all.discard(self)
        self.killed = True
        pid = getattr(self.km.provisioner, "pid", None)
        if pid:
            try:
                psutil.Process(pid).kill()
            except psutil.Error:
                pass
        try:
            self.km.cleanup_connection_file()
        except OSError:
            pass


def warm_kernel(kernel_name: str, cwd: str) -> WarmKernel:
    """Return this thread's warm kernel, reset for a notebook; start one, or replace a dead or worn-out one."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    if kernel is not None:
        if (kernel.kernel_name, kernel.cwd) == (kernel_name, cwd) and kernel.alive() and not kernel.worn_out():
            try:
                kernel.prepare()
                return kernel
            except Exception:  # died or hung since its last notebook: replace it below
                pass
        discard()
    kernel = WarmKernel(kernel_name, cwd)
    _local.kernel = kernel
    try:
        kernel.prepare()
    except BaseException:
        discard()
        raise
    return kernel


def discard() -> None:
    """Shut down this thread's warm kernel (after a failure that may have left it busy or broken)."""
    kernel: WarmKernel | None = getattr(_local, "kernel", None)
    _local.kernel = None
    if kernel is not None:
        kernel.shutdown()


def shutdown_all() -> None:
    """Kill every warm kernel of this process, from any thread (end of a run; also registered with :mod:`atexit`)."""
    with _all_lock:
        kernels = list(_all)
    for kernel in kernels:
        kernel.kill()


atexit.register(shutdown_all)


class WarmKernelEngine(NBClientEngine):
    """papermill engine that runs the notebook on an already running kernel (``km=``) and leaves it running."""

    @classmethod
    def execute_managed_notebook(  # type: ignore[override]
        cls,
        nb_man: Any,
        kernel_name: str,
        log_output: bool = False,
        stdout_file: Any = None,
        stderr_file: Any = None,
        start_timeout: int = 60,
        execution_timeout: int | None = None,
        km: Any = None,
        **kwargs: Any,
    ) -> Any:
        """Execute ``nb_man``'s notebook on the running kernel of ``km`` (nbclient does not start or stop it)."""
        if km is None:
            raise WarmKernelError("the warm-kernel engine needs the running kernel manager (km=)")
        kwargs.pop("input_path", None)
        client = PapermillNotebookClient(
            nb_man,
            km=km,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
            **kwargs,
        )
        try:
            return client.execute()
        finally:
            if client.kc is not None:  # nbclient keeps the client of a kernel it does not own: close it here
                client.kc.stop_channels()
                client.kc = None


papermill_engines.register(ENGINE, WarmKernelEngine)
