"""Guards in front of the export readers (issue 14): refuse before reading what would exhaust memory or crash.

:func:`admissible` runs before a file is read: a file larger than ``[run] max_input_mb`` is refused; an XLSX (a zip
archive) whose parts unpack to more than ``[run] max_unpacked_mb`` or more than ``[run] max_compression_ratio``
times their packed size (a "zip bomb": a 1.2 MB workbook whose shared strings unpack to 348 MB) is refused from
the archive's directory alone, before openpyxl opens it; a CSV whose quote is never closed (one field longer than
the :mod:`csv` module's limit) is refused with the row where the field begins. :func:`checked` runs after: two
columns with the same header are an error naming both positions. Each refusal is an error in the intake's report
(file, row, column, rule, what to do), never a traceback.

The bounds are the config's (:func:`configure`, called by the runner and ``prokus-eval validate``); a notebook that
prepares data by itself uses the defaults of :class:`~evaluation.core.config.RunSettings`.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from evaluation.core.config import RunSettings
from evaluation.intake.problems import Problem, Report

__all__ = ["RULES", "Limits", "admissible", "checked", "configure", "limits"]

RULES = frozenset({"too_large", "xlsx_unpacked", "csv_quote", "duplicate_header"})  # structural: the file is not used

_MB = 2**20


class Limits:
    """Size bounds of the export files (``[run] max_input_mb``, ``max_unpacked_mb``, ``max_compression_ratio``).

    Parameters
    ----------
    max_input_mb : int
        Largest export file, in MiB.
    max_unpacked_mb : int
        Largest total unpacked size of an XLSX's parts, in MiB.
    max_compression_ratio : int
        Largest ratio of unpacked to packed size of an XLSX.
    """

    def __init__(self, max_input_mb: int, max_unpacked_mb: int, max_compression_ratio: int) -> None:
        self.max_input_mb = max_input_mb
        self.max_unpacked_mb = max_unpacked_mb
        self.max_compression_ratio = max_compression_ratio


_DEFAULTS = RunSettings()
_limits = Limits(_DEFAULTS.max_input_mb, _DEFAULTS.max_unpacked_mb, _DEFAULTS.max_compression_ratio)


def configure(run: Any) -> Limits:
    """Take the bounds from the config's ``[run]`` settings for the readers of this process.

    Parameters
    ----------
    run : RunSettings
        ``cfg.run`` (``max_input_mb``, ``max_unpacked_mb``, ``max_compression_ratio``).

    Returns
    -------
    Limits
        The bounds now in force.
    """
    global _limits
    _limits = Limits(run.max_input_mb, run.max_unpacked_mb, run.max_compression_ratio)
    return _limits


def limits() -> Limits:
    """The bounds in force.

    Returns
    -------
    Limits
        Set by :func:`configure`, else the defaults.
    """
    return _limits


def _refuse(report: Report, shown: str, row: int | None, column: str, rule: str, message: str, fix: str) -> bool:
    report.add(Problem("error", shown, row, column, "", rule, message, fix))
    return False


def admissible(path: Path, shown: str, report: Report) -> bool:
    """Check an export before it is read; refusals go to ``report``.

    Parameters
    ----------
    path : pathlib.Path
        The export file (CSV or XLSX).
    shown : str
        The file as problems show it.
    report : Report
        Receives a ``too_large``, ``xlsx_unpacked`` or ``csv_quote`` error.

    Returns
    -------
    bool
        True when the file may be read.

    Raises
    ------
    OSError
        When the file cannot be read.
    """
    lim = _limits
    size = path.stat().st_size
    if size > lim.max_input_mb * _MB:
        return _refuse(report, shown, None, "", "too_large",
                       f"the file is {size / _MB:.0f} MiB, more than [run] max_input_mb = {lim.max_input_mb}",
                       "split the export (one file per wave or region), or raise max_input_mb (config)")  # fmt: skip
    if path.suffix.lower() in (".xlsx", ".zip"):  # both are zip archives: bounds from the zip directory
        return _xlsx_admissible(path, shown, report, size, lim)
    return _csv_admissible(path, shown, report)


def _xlsx_admissible(path: Path, shown: str, report: Report, size: int, lim: Limits) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return True  # not a zip: read_xlsx reports the unreadable workbook
    unpacked = sum(i.file_size for i in infos)
    packed = max(1, sum(i.compress_size for i in infos))
    worst = max(infos, key=lambda i: i.file_size, default=None)
    part = f" (largest part {worst.filename}, {worst.file_size / _MB:.0f} MiB)" if worst else ""
    if unpacked > lim.max_unpacked_mb * _MB:
        return _refuse(report, shown, None, "", "xlsx_unpacked",
                       f"the workbook unpacks to {unpacked / _MB:.0f} MiB{part}, more than [run] max_unpacked_mb = "
                       f"{lim.max_unpacked_mb}; it was not opened",
                       "export the data as CSV or split it; raise max_unpacked_mb only for a trusted file")  # fmt: skip
    if unpacked > 1 * _MB and unpacked / packed > lim.max_compression_ratio:
        return _refuse(report, shown, None, "", "xlsx_unpacked",
                       f"the workbook unpacks to {unpacked / packed:.0f} times its size{part}, more than "
                       f"[run] max_compression_ratio = {lim.max_compression_ratio}; it was not opened",
                       "export the data again (a real export compresses far less), or as CSV")  # fmt: skip
    del size
    return True


def _csv_admissible(path: Path, shown: str, report: Report) -> bool:
    try:
        text = path.read_bytes().removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return True  # read_csv reports the encoding with its row
    first = text.split("\n", 1)[0]
    delim = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    start = 1
    try:
        for _ in reader:
            start = reader.line_num + 1
    except csv.Error as exc:
        return _refuse(report, shown, start, "", "csv_quote",
                       f"a field beginning in this row cannot be read ({exc}): a quote (\") opened here is most "
                       "likely never closed, so the rest of the file runs into one field",
                       "open the file in a text editor, close or remove the stray quote in this row, save and "
                       "run again")  # fmt: skip
    return True


def checked(raw: Any, report: Report) -> Any:
    """Check a file just read: two columns with the same header are an error (the file is then not used).

    Parameters
    ----------
    raw : RawFile or None
        The file as read (:func:`evaluation.intake.exports.read_export`).
    report : Report
        Receives one ``duplicate_header`` error per repeated header.

    Returns
    -------
    RawFile or None
        ``raw``, or None when a header is repeated.
    """
    if raw is None:
        return None
    header = [str(c) for c in raw.frame.columns]
    counts = Counter(h for h in header if h)
    repeated = [h for h, n in counts.items() if n > 1]
    for h in repeated:
        positions = [i + 1 for i, c in enumerate(header) if c == h]
        report.add(
            Problem("error", raw.shown, 1, h, "", "duplicate_header",
                    f"{len(positions)} columns have this header (columns {', '.join(map(str, positions))})",
                    "rename or remove the extra column so that every header is unique, and run again")
        )  # fmt: skip
    return None if repeated else raw
