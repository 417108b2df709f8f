"""A run owns its run id and its files (issue 14): a checked name, an exclusive lock, cleaned leftovers.

* :func:`check_run_id`: ``--run-id`` is a plain name (letters, digits, ``.``, ``_``, ``-``), never a path, never
  ``latest`` or a name ending in ``.partial``, so a run is always built in ``<reports>/<run-id>.partial/`` and
  nothing outside the reports folder is ever touched.
* :class:`RunLock`: an exclusive :func:`fcntl.flock` on ``<reports>/.<run-id>.lock`` (holding the process id) for
  the whole run. A second run with the same id is refused while the first runs; the operating system releases the
  lock when a process dies, so a killed run's lock is stale at once and the next run takes it over.
* :func:`clean_leftovers`: folders ``<run-id>.partial/`` whose marker (:data:`evaluation.core.atomic.MARKER`) says
  ``running`` and whose lock is free were left by a killed run; the next run removes them. A failed run's partial
  folder (marker ``failed``) is kept for inspection until a run with the same id replaces it; a partial folder
  without a marker is never touched.
* :func:`kernel_tempdir`: the kernels' connection files (and any other temporary file of the run's process) go to
  ``<tmp>/prokus-run-<pid>-*/``, removed at the end of the run, or by the next run when the process was killed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from evaluation.core.atomic import MARKER, owned_by
from evaluation.core.errors import UserError

__all__ = ["RunLock", "check_run_id", "clean_leftovers", "kernel_tempdir", "mark_partial"]

_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_TMP_PREFIX = "prokus-run-"
_LOCK_NAME = ".lock"


def check_run_id(run_id: str) -> str:
    """Return ``run_id`` when it is a plain name; refuse paths and reserved names.

    Parameters
    ----------
    run_id : str
        The ``--run-id`` given.

    Returns
    -------
    str
        ``run_id`` unchanged.

    Raises
    ------
    UserError
        When it is a path (``/``, a backslash, ``..``), hidden, ``latest``, ends in ``.partial`` or ``.lock``, or is
        longer than 100 characters.
    """
    rid = str(run_id)
    if not _RUN_ID.fullmatch(rid) or ".." in rid or rid == "latest" or rid.endswith((".partial", ".lock")):
        raise UserError(
            f"--run-id {rid!r} is not a plain name",
            rule="a run id is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit, no '..', "
            "not 'latest' and not ending in '.partial'; the run is always written inside the reports folder",
            fix="use e.g. --run-id 2026-11-30-bantul",
        )
    return rid


class RunLock:
    """Exclusive lock on a file, held by this process (``with RunLock(path, what): ...``).

    Parameters
    ----------
    path : pathlib.Path
        The lock file (created when missing; it holds the owner's process id).
    what : str
        What is locked, for the refusal message (e.g. ``"run id 'x'"``).
    """

    def __init__(self, path: Path, what: str) -> None:
        self.path = Path(path)
        self.what = what
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        """Take the lock without waiting.

        Returns
        -------
        bool
            False when another live process holds it.
        """
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    return False
                raise
            try:  # the file may have been removed by its previous owner between open and flock: lock the new one
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if not same:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            self._fd = fd
            return True

    def holder(self) -> str:
        """The process id written by the holder (``"?"`` when unreadable).

        Returns
        -------
        str
            The process id as text.
        """
        try:
            return self.path.read_text(encoding="utf-8").strip() or "?"
        except OSError:
            return "?"

    def release(self) -> None:
        """Remove the lock file and release the lock (no-op when not held)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> RunLock:
        if self._fd is None and not self.try_acquire():
            raise UserError(
                f"{self.what} is in use by another prokus-eval process (process id {self.holder()}) that is still "
                "running; nothing was changed",
                file=str(self.path),
                fix="wait for that run to finish, or choose another --run-id",
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def run_lock(reports: Path, run_id: str) -> RunLock:
    """The lock of run id ``run_id`` in ``reports`` (``.<run-id>.lock``).

    Parameters
    ----------
    reports : pathlib.Path
        The reports folder.
    run_id : str
        A checked run id.

    Returns
    -------
    RunLock
        Not yet acquired.
    """
    return RunLock(reports / f".{run_id}.lock", f"run id '{run_id}'")


def mark_partial(partial: Path, state: str) -> None:
    """Write the runner's marker into a partial run folder: ``run <state>`` (``running`` or ``failed``).

    Parameters
    ----------
    partial : pathlib.Path
        The ``<run-id>.partial`` folder.
    state : str
        ``running`` while the run works in it, ``failed`` when it stopped with an error (kept for inspection).
    """
    (partial / MARKER).write_text(
        f"run {state}\nThis unfinished run folder was written by prokus-eval run (process {os.getpid()}); a killed "
        "run's folder is removed by the next run, a failed one is kept for inspection.\n",
        encoding="utf-8",
    )


def clean_leftovers(reports: Path) -> list[Path]:
    """Remove what killed runs left: their partial run folders and their temporary folders.

    Parameters
    ----------
    reports : pathlib.Path
        The reports folder.

    Returns
    -------
    list of pathlib.Path
        The folders removed.
    """
    removed: list[Path] = []
    if reports.is_dir():
        for partial in sorted(reports.glob("*.partial")):
            if partial.is_symlink() or not partial.is_dir() or owned_by(partial) != "run running":
                continue
            lock = run_lock(reports, partial.name.removesuffix(".partial"))
            if lock.try_acquire():  # no live run holds it: its process was killed
                try:
                    shutil.rmtree(partial, ignore_errors=True)
                    removed.append(partial)
                finally:
                    lock.release()
    tmp = Path(tempfile.gettempdir())
    if tmp.name.startswith(_TMP_PREFIX):  # called inside a run's kernel_tempdir: look beside it
        tmp = tmp.parent
    for folder in sorted(tmp.glob(f"{_TMP_PREFIX}*")):
        if folder.is_symlink() or not folder.is_dir() or owned_by(folder) != "run tempdir":
            continue
        lock = RunLock(folder / _LOCK_NAME, "temporary folder")
        if lock.try_acquire():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
            lock.release()
    return removed


@contextlib.contextmanager
def kernel_tempdir() -> Iterator[Path]:
    """Send this process's temporary files (the kernels' connection files among them) to a folder of the run.

    The folder ``<tmp>/prokus-run-<pid>-*`` is marked and locked while the run lasts and removed at its end; when
    the process is killed, :func:`clean_leftovers` of the next run removes it.

    Yields
    ------
    pathlib.Path
        The folder (:data:`tempfile.tempdir` points at it inside the block).
    """
    saved = tempfile.tempdir
    folder = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-"))
    (folder / MARKER).write_text("run tempdir\nTemporary files of a prokus-eval run.\n", encoding="utf-8")
    lock = RunLock(folder / _LOCK_NAME, "temporary folder")
    lock.try_acquire()
    tempfile.tempdir = str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        lock.release()
        shutil.rmtree(folder, ignore_errors=True)
