"""Atomic writes: a file or a folder is either the old one or the complete new one, never half-written.

Every file the package writes itself goes through here (papermill writes the executed notebooks):
:func:`replacing_file` (and its shorthands :func:`write_text` and :func:`write_bytes`) for one file,
:func:`replacing_dir` for a folder written whole (demo data, processed tables).
The new content is written beside the target (same folder, so same file system) under a hidden temporary name and
renamed over the target with :func:`os.replace`, which POSIX makes atomic; on any error the temporary is removed
and the target is left as it was.

Every write owns its target (issue 14): :func:`replacing_dir` replaces only a folder the package made itself, known
by the marker file :data:`MARKER` it writes into every such folder (with the name of the writer), or an empty
folder; any other folder, a file or a symbolic link in the way is refused with :class:`NotOwned` (a
:class:`~evaluation.core.errors.UserError`: exit code 2, nothing touched). :func:`owns_file` tells whether a single
file may be replaced. :func:`describe_os_error` turns a failed write or read (disk full, no permission, read-only
file system) into a one-paragraph :class:`~evaluation.core.errors.UserError` naming the path.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from evaluation.core.errors import UserError

__all__ = [
    "MARKER",
    "NotOwned",
    "describe_os_error",
    "owned_by",
    "owns_file",
    "replaceable",
    "replacing_dir",
    "replacing_file",
    "write_bytes",
    "write_marker",
    "write_text",
]

MARKER = ".prokus-owned"  # written into every folder the package makes whole; its first line names the writer


class NotOwned(UserError):
    """A write would replace a folder or file the package did not make (issue 14): refused, nothing touched."""


def owned_by(folder: str | Path) -> str | None:
    """Name the writer recorded in ``folder``'s :data:`MARKER`, or None when the folder has none.

    Parameters
    ----------
    folder : str or pathlib.Path
        A folder.

    Returns
    -------
    str or None
        The first line of the marker (e.g. ``"demo-data"``); None when there is no marker (or it is unreadable).
    """
    marker = Path(folder) / MARKER
    try:
        if marker.is_file() and not marker.is_symlink():
            return marker.read_text(encoding="utf-8", errors="replace").split("\n", 1)[0].strip() or "prokus-eval"
    except OSError:
        return None
    return None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _listing(folder: Path) -> list[str]:
    """``<sha256> <relative path>`` of every file below ``folder`` except the marker, sorted (deterministic)."""
    rows = []
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.is_symlink() and p.name != MARKER:
            rows.append(f"{_sha256(p)} {p.relative_to(folder).as_posix()}")
    return rows


def write_marker(folder: str | Path, writer: str, files: bool = True) -> Path:
    """Write :data:`MARKER` into ``folder``: the folder is the package's own, and ``writer`` made it.

    Parameters
    ----------
    folder : str or pathlib.Path
        An existing folder the package has just written.
    writer : str
        What wrote it (a command or module name), on the marker's first line.
    files : bool, default True
        List every file of the folder (SHA-256 and path): the folder then stays replaceable only while it holds
        exactly those files, unchanged (:func:`replaceable`). The marker is deterministic (no times).

    Returns
    -------
    pathlib.Path
        The marker file.

    Raises
    ------
    OSError
        When the marker cannot be written.
    """
    folder = Path(folder)
    listing = _listing(folder) if files else []
    marker = folder / MARKER
    marker.write_text(
        f"{writer}\nThis folder was written by prokus-eval ({writer}); prokus-eval replaces it whole only while it "
        "holds exactly the files below, unchanged. Remove this file to keep prokus-eval from ever replacing it.\n"
        "files:\n" + "".join(f"{row}\n" for row in listing),
        encoding="utf-8",
    )
    return marker


# Files the package adds to a folder it wrote (a problem list beside demo data), known by their first bytes; the
# name is intake.exports.PROBLEMS_FILE (core cannot import intake).
_ADDED_BY_PACKAGE = {"validation_problems.csv": b"severity,file,row,column,"}


def replaceable(folder: str | Path) -> bool:
    """Tell whether ``folder`` is the package's own and unchanged: replacing it loses nothing of the user's.

    Parameters
    ----------
    folder : str or pathlib.Path
        An existing folder.

    Returns
    -------
    bool
        True when its :data:`MARKER` lists every file it holds, each with the SHA-256 written (a problem list the
        package added is allowed too); False when there is no marker, or a file was added,
        changed or replaced (e.g. a copied demo folder whose files were replaced by real exports).
    """
    folder = Path(folder)
    if owned_by(folder) is None:
        return _generated_unchanged(folder)
    try:
        text = (folder / MARKER).read_text(encoding="utf-8", errors="replace")
        _, sep, listed = text.partition("\nfiles:\n")
        if not sep:
            return False
        recorded = set(listed.splitlines())
        for row in _listing(folder):
            if row in recorded:
                continue
            name = row.split(" ", 1)[1]
            signature = _ADDED_BY_PACKAGE.get(name)
            if signature is None or not owns_file(folder / name, signature):
                return False
    except (OSError, IndexError):
        return False
    return True


def _generated_unchanged(folder: Path) -> bool:
    """Tell whether ``folder`` is a demo written before :data:`MARKER` existed, unchanged since.

    Its ``dataset.json`` (the generator's record, ``files_sha256``, :mod:`evaluation.intake.provenance`) lists
    every other file it holds with the SHA-256 read now, so replacing it loses nothing (a problem list the package
    added is allowed too).
    """
    try:
        meta = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        recorded = meta.get("files_sha256") if isinstance(meta, dict) and meta.get("synthetic") is True else None
        if not isinstance(recorded, dict) or not recorded:
            return False
        seen = set()
        for row in _listing(folder):
            digest, name = row.split(" ", 1)
            if name == "dataset.json":
                continue
            signature = _ADDED_BY_PACKAGE.get(name)
            if recorded.get(name) == digest:
                seen.add(name)
            elif signature is None or not owns_file(folder / name, signature):
                return False
        return seen == set(recorded)
    except (OSError, ValueError, AttributeError):
        return False


def _shown(p: Path) -> str:
    """``p`` relative to the project root when inside it, for messages."""
    from evaluation.core.paths import PROJ_ROOT

    try:
        return str(p.resolve().relative_to(PROJ_ROOT))
    except ValueError:
        return str(p)


def _check_replaceable(out: Path, writer: str, owned_if: Sequence[str]) -> None:
    """Refuse (:class:`NotOwned`) unless ``out`` is missing, an empty folder, or a folder the package made."""
    if out.is_symlink():
        raise NotOwned(
            f"{writer} would replace a symbolic link; it replaces only folders it made itself",
            file=_shown(out),
            fix="choose another output folder, or remove the link yourself",
        )
    if not out.exists():
        return
    if not out.is_dir():
        raise NotOwned(
            f"{writer} writes a folder here, but this is an existing file; it is left as it is",
            file=_shown(out),
            fix="choose another output folder (e.g. --out data/raw/demo), or move the file away yourself",
        )
    if replaceable(out) or any((out / name).is_file() for name in owned_if):
        return
    try:
        empty = next(out.iterdir(), None) is None
    except OSError as exc:
        raise describe_os_error(exc, out, "reading") from None
    if not empty:
        raise NotOwned(
            f"{writer} would replace this folder, but prokus-eval did not make it, or files were added or changed "
            f"in it since (its {MARKER} file lists what it wrote): it may hold your own files, so nothing was changed",
            file=_shown(out),
            rule="a command replaces only a folder it made itself and nobody changed since (its .prokus-owned file "
            "lists the files), or an empty one",
            fix="choose a new or empty output folder (e.g. --out data/raw/demo2); to replace this one, move "
            "its files away yourself first",
        )


def owns_file(path: str | Path, signature: bytes | None = None) -> bool:
    """Tell whether the package may replace the file ``path``: it is missing, or it is the package's own.

    A file is the package's own when it begins with ``signature`` (a header line only the package writes, e.g. the
    problem list's).

    Parameters
    ----------
    path : str or pathlib.Path
        The file about to be written.
    signature : bytes, optional
        The first bytes every version of this file written by the package begins with.

    Returns
    -------
    bool
        False for a folder, a symbolic link or a foreign file in the way.
    """
    p = Path(path)
    if p.is_symlink():
        return False
    if not p.exists():
        return True
    if not p.is_file():
        return False
    if signature is None:
        return False
    try:
        with p.open("rb") as fh:
            head = fh.read(len(signature) + 3)
    except OSError:
        return False
    return head.removeprefix(b"\xef\xbb\xbf").startswith(signature)


_OS_ADVICE = {
    errno.ENOSPC: ("the disk is full", "free space on that disk (or point the output elsewhere) and run again"),
    errno.EDQUOT: ("the disk quota is used up", "free space within your quota and run again"),
    errno.EACCES: ("permission denied", "make the folder writable for this user, or choose another folder"),
    errno.EPERM: ("operation not permitted", "make the folder writable for this user, or choose another folder"),
    errno.EROFS: ("the file system is read-only", "choose a folder on a writable disk (or remount it)"),
    errno.ENAMETOOLONG: ("the name is too long", "choose a shorter name"),
    errno.EISDIR: ("a folder is in the way where a file is expected", "choose another name, or move the folder"),
    errno.ENOTDIR: ("a file is in the way where a folder is expected", "choose another name, or move the file"),
}


def describe_os_error(exc: OSError, path: str | Path | None = None, doing: str = "writing") -> UserError:
    """Turn an :class:`OSError` into a one-paragraph :class:`~evaluation.core.errors.UserError` naming the path.

    Parameters
    ----------
    exc : OSError
        The error (disk full, permission denied, read-only file system, ...).
    path : str or pathlib.Path, optional
        The path being written or read, when the error names no file of its own.
    doing : str, default "writing"
        What was being done (``"writing"``, ``"reading"``), for the message.

    Returns
    -------
    UserError
        The message: what happened, at which path, and what to do; nothing half-written is left behind by the
        package's writers (they write beside the target and rename).
    """
    where = str(exc.filename or path or "the output folder")
    what, fix = _OS_ADVICE.get(exc.errno or -1, (exc.strerror or type(exc).__name__, "check the path and try again"))
    return UserError(
        f"{doing} failed: {what} ({exc.strerror or exc}); files the command had finished are complete, the rest "
        "was not written",
        file=where,
        fix=fix,
    )


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
def replacing_dir(out: Path, writer: str = "prokus-eval", owned_if: Sequence[str] = ()) -> Iterator[Path]:
    """Yield a temporary directory beside ``out`` that replaces ``out`` whole when the block succeeds.

    On any error the temporary directory is removed and ``out`` is left as it was: a directory is never
    half-written (the data, processed-table and demo writers all go through here). ``out`` is replaced only when
    the package made it (its :data:`MARKER`, written into every folder made here) or it is empty; anything else is
    refused before anything is written.

    Parameters
    ----------
    out : pathlib.Path
        The folder to write; its parent is created when missing.
    writer : str, default "prokus-eval"
        What writes the folder (named in the marker and in a refusal).
    owned_if : sequence of str, optional
        File names that also prove an existing folder is the package's own (folders written before the marker
        existed, e.g. ``intake.json`` of processed data).

    Yields
    ------
    pathlib.Path
        An empty temporary folder beside ``out``.

    Raises
    ------
    NotOwned
        When ``out`` is a file, a link, or a non-empty folder the package did not make.
    OSError
        When a rename fails; ``out`` is then unchanged.
    """
    out = Path(out)
    _check_replaceable(out, writer, owned_if)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        write_marker(tmp, writer)
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
