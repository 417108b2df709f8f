"""Raw survey exports in: find the files of each table and read them as the exporting tool wrote them.

Which file holds which table: ``roster.*`` (one row per family), ``programme.*`` or ``monitoring*.*`` (the
monitoring checklist), ``survey*.*`` (household survey; several files are stacked by the pipeline, e.g. one export
per wave). Files are CSV (UTF-8 with or without byte-order mark; delimiter ``,``, ``;`` or tab) or XLSX (the first
sheet, with the workbook's 1900 or 1904 date system). Cells are kept as the file holds them (strings of a CSV,
cell values of an XLSX); typing them is :mod:`evaluation.intake.columns`' work. Everything unusual is reported to
the intake's :class:`~evaluation.intake.problems.Report`, never silently changed (DESIGN §6).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from evaluation.core.paths import PROJ_ROOT
from evaluation.intake.formulas import unsaved_formulas
from evaluation.intake.parsing import is_blank
from evaluation.intake.problems import Problem, Report

__all__ = [
    "EXTENSIONS",
    "FILE_PREFIXES",
    "PROBLEMS_FILE",
    "TABLES",
    "RawFile",
    "discover",
    "read_csv",
    "read_export",
    "read_xlsx",
    "shown_path",
]

TABLES = ("roster", "programme", "survey")
FILE_PREFIXES = {"roster": ("roster",), "programme": ("programme", "monitoring"), "survey": ("survey",)}
EXTENSIONS = (".csv", ".xlsx")
PROBLEMS_FILE = "validation_problems.csv"


@dataclass
class RawFile:
    """One export as read: string (CSV) or cell (XLSX) values, the sheet row of each record, the date system.

    Parameters
    ----------
    path : pathlib.Path
        The export file.
    table : str
        ``roster``, ``programme`` or ``survey`` (empty until the pipeline assigns it).
    frame : pandas.DataFrame
        One row per record (blank rows dropped), one object column per header cell, values as the file holds
        them.
    rows : list of int
        The 1-based file row of each record of ``frame`` (the header is row 1).
    date_system : {1900, 1904}, optional
        The workbook's Excel date system (1900 for a CSV).
    shown : str, optional
        The file as problems show it (:func:`shown_path`).
    """

    path: Path
    table: str
    frame: pd.DataFrame
    rows: list[int]
    date_system: int = 1900
    shown: str = ""


def shown_path(path: Path) -> str:
    """Write a path as problems and manifests show it: relative to the project root when inside it.

    Parameters
    ----------
    path : pathlib.Path
        A file or directory.

    Returns
    -------
    str
        The path relative to the project root, or as given when it lies outside.
    """
    try:
        return str(path.resolve().relative_to(PROJ_ROOT))
    except ValueError:
        return str(path)


def read_csv(path: Path, report: Report) -> RawFile | None:
    """Read a CSV as strings: UTF-8 (with or without byte-order mark), delimiter ``,`` ``;`` or tab.

    The delimiter is the one of the three that occurs most often in the header row.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file.
    report : Report
        Receives an ``encoding`` or ``header`` error, a ``field_count`` error per row whose field count differs
        from the header's, and notes on a removed byte-order mark and a delimiter other than ``,``.

    Returns
    -------
    RawFile or None
        The records (all values str; ``table`` still empty); None when the file is not UTF-8 or has no header.

    Raises
    ------
    OSError
        When the file cannot be read.

    References
    ----------
    RFC 4180, "Common Format and MIME Type for Comma-Separated Values (CSV) Files"; Excel's "CSV UTF-8" export
    (byte-order mark) and Indonesian-locale Excel's ``;`` delimiter.
    """
    shown = shown_path(path)
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        report.add(Problem("note", shown, None, "", "", "utf8_bom", "UTF-8 byte-order mark removed", "", count=1))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        report.add(
            Problem(
                "error", shown, row, "", "", "encoding", "the file is not UTF-8 text",
                "save it as 'CSV UTF-8 (Comma delimited)' from Excel, or export CSV again from KoboToolbox",
            )
        )  # fmt: skip
        return None
    first = text.split("\n", 1)[0]
    if not first.strip():
        report.add(Problem("error", shown, 1, "", "", "header", "the file has no header row", "export it again"))
        return None
    delim = max((",", ";", "\t"), key=first.count)
    if delim != ",":
        report.add(
            Problem("note", shown, None, "", "", "delimiter", f"{delim!r} read as the column delimiter", "", count=1)
        )
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    header = [h.strip() for h in records[0]]
    rows, data = [], []
    for i, rec in enumerate(records[1:], start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            report.add(
                Problem(
                    "error", shown, i, "", "", "field_count",
                    f"the row has {len(rec)} fields but the header has {len(header)}",
                    f"check the row for a stray {delim!r} or an unclosed quote",
                )
            )  # fmt: skip
            continue
        rows.append(i)
        data.append(rec)
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(columns=header, dtype=object)
    return RawFile(path, "", frame, rows, 1900, shown)


def read_xlsx(path: Path, report: Report) -> RawFile | None:
    """Read the first sheet of an XLSX (Kobo puts the main records there) with the workbook's date system.

    Parameters
    ----------
    path : pathlib.Path
        The workbook.
    report : Report
        Receives an ``xlsx`` error (the workbook cannot be opened) or a ``header`` error, and a note when the
        workbook uses the 1904 date system.

    Returns
    -------
    RawFile or None
        The records with openpyxl's cell values (str, int, float, datetime or None); None when the workbook cannot
        be opened or has no header row.

    References
    ----------
    ECMA-376 (Office Open XML), Part 1, §18.2.28 ``workbookPr/@date1904``; KoboToolbox help, "Exporting and
    downloading your data" (XLSX: main records on the first sheet, repeat groups on further sheets).
    """
    import openpyxl

    shown = shown_path(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-XLSX file
        report.add(
            Problem("error", shown, None, "", "", "xlsx", f"the workbook cannot be opened ({type(exc).__name__})",
                    "save it again as .xlsx from Excel or export it again")
        )  # fmt: skip
        return None
    system = 1904 if wb.epoch == dt.datetime(1904, 1, 1) else 1900
    if system == 1904:
        report.add(Problem("note", shown, None, "", "", "excel_1904", "workbook uses the 1904 date system", ""))
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header_row = next(it, None)
    if header_row is None or all(h is None for h in header_row):
        report.add(Problem("error", shown, 1, "", "", "header", "the sheet has no header row", "export it again"))
        wb.close()
        return None
    header = ["" if h is None else str(h).strip() for h in header_row]
    rows, data = [], []
    for i, rec in enumerate(it, start=2):
        if rec is None or all(is_blank(c) for c in rec):
            continue
        vals = list(rec[: len(header)]) + [None] * max(0, len(header) - len(rec))
        rows.append(i)
        data.append(vals)
    wb.close()
    report.extend(unsaved_formulas(path, shown, header, dict(zip(rows, data, strict=True))))  # issue 14, kind 5
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(columns=header, dtype=object)
    return RawFile(path, "", frame, rows, system, shown)


def read_export(path: Path, report: Report) -> RawFile | None:
    """Read one export file with :func:`read_xlsx` (``.xlsx``) or :func:`read_csv` (any other suffix).

    Parameters
    ----------
    path : pathlib.Path
        The export file.
    report : Report
        Receives the file-level errors and notes.

    Returns
    -------
    RawFile or None
        The file's records (``table`` still empty), or None when it cannot be read (the error is in ``report``).

    Raises
    ------
    OSError
        When the file cannot be read.
    """
    from evaluation.intake import guard  # issue 14: size, zip-bomb, unclosed-quote and duplicate-header guards

    if not guard.admissible(path, shown_path(path), report):
        return None
    return guard.checked(read_xlsx(path, report) if path.suffix.lower() == ".xlsx" else read_csv(path, report), report)


def discover(data_dir: Path) -> dict[str, list[Path]]:
    """Find the export files of each table in a data directory (see the module docstring for the names).

    Parameters
    ----------
    data_dir : pathlib.Path
        The raw data directory.

    Returns
    -------
    dict of str to list of pathlib.Path
        For each of :data:`TABLES`, its ``.csv`` and ``.xlsx`` files in name order (hidden files, Excel lock
        files and :data:`PROBLEMS_FILE` excluded); an empty list when the table has none.

    Raises
    ------
    OSError
        When the directory cannot be listed.
    """
    found: dict[str, list[Path]] = {t: [] for t in TABLES}
    for p in sorted(data_dir.iterdir()):
        if not p.is_file() or p.suffix.lower() not in EXTENSIONS or p.name.startswith((".", "~$")):
            continue
        if p.name == PROBLEMS_FILE:
            continue
        stem = p.stem.lower()
        for table, prefixes in FILE_PREFIXES.items():
            if stem.startswith(prefixes):
                found[table].append(p)
    return found
