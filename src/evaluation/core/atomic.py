"""Atomic writes: a file or a folder is either the old one or the complete new one, never half-written.

Every file the package writes itself goes through here (papermill writes the executed notebooks):
:func:`replacing_file` (and its shorthands :func:`write_text` and :func:`write_bytes`) for one file,
:func:`replacing_dir` for a folder written whole (demo data, processed tables).
The new content is written beside the target (same folder, so same file system) under a hidden temporary name and
renamed over the target with :func:`os.replace`, which POSIX makes atomic; on any error the temporary is removed
and the target is left as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing_dir", "replacing_file", "write_bytes", "write_text"]


@contextmanager
def replacing_file(target: str | Path, mode: int = 0o644) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` that replaces ``target`` when the block succeeds.

    Parameters
    ----------
    target : str or pathlib.Path
        The file to write; its folder is created when missing.
    mode : int, default 0o644
        Permission bits of the new file (``mkstemp`` would leave 0o600).

    Yields
    ------
    pathlib.Path
        An empty temporary file in the target's folder; write the new content to it (any library may).

    Raises
    ------
    OSError
        When the folder cannot be created or the rename fails; the target is then unchanged.
    """
    out = Path(target)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (see :func:`replacing_file`).

    Parameters
    ----------
    target : str or pathlib.Path
        The file to write.
    text : str
        Its whole new content.
    encoding : str, default "utf-8"
        The text encoding.

    Returns
    -------
    pathlib.Path
        ``target`` as a path.

    Raises
    ------
    OSError
        When the file cannot be written; the target is then unchanged.
    """
    with replacing_file(target) as tmp:
        tmp.write_text(text, encoding=encoding)
    return Path(target)


def write_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`replacing_file`).

    Parameters
    ----------
    target : str or pathlib.Path
        The file to write.
    data : bytes
        Its whole new content.

    Returns
    -------
    pathlib.Path
        ``target`` as a path.

    Raises
    ------
    OSError
        When the file cannot be written; the target is then unchanged.
    """
    with replacing_file(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


@contextmanager
def replacing_dir(out: Path) -> Iterator[Path]:
    """Yield a temporary directory beside ``out`` that replaces ``out`` whole when the block succeeds.

    On any error the temporary directory is removed and ``out`` is left as it was: a directory is never
    half-written (the data, processed-table and demo writers all go through here).

    Parameters
    ----------
    out : pathlib.Path
        The folder to write; its parent is created when missing.

    Yields
    ------
    pathlib.Path
        An empty temporary folder beside ``out``.

    Raises
    ------
    OSError
        When a rename fails; ``out`` is then unchanged.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        old = None
        if out.exists():
            old = out.with_name(f".{out.name}.old-{os.getpid()}")
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
