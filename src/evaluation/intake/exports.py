"""Raw survey exports in: find the files of each table and read them as the exporting tool wrote them.

Which file holds which table: ``roster.*`` (one row per family), ``programme.*`` or ``monitoring*.*`` (the
monitoring checklist), ``survey*.*`` (household survey; several files are stacked by the pipeline, e.g. one export
per wave). Files are CSV (UTF-8 with or without byte-order mark; delimiter ``,``, ``;`` or tab), XLSX (the first
sheet, with the workbook's 1900 or 1904 date system) or an ODK Central ``.csv.zip`` export given as downloaded
(its main CSV is read in memory, never extracted; see :func:`read_zip`). Cells are kept as the file holds them
(strings of a CSV, cell values of an XLSX); typing them is :mod:`evaluation.intake.columns`' work. Everything
unusual is reported to the intake's :class:`~evaluation.intake.problems.Report`, never silently changed
(DESIGN §6).

Shapes recognised on the way in:

* columns without a header (Excel's trailing ``;;;``, a remark typed beside an export) are dropped with a note
  when empty, and dropped with a warning naming the column letter when they hold values;
* two columns with the very same header are an error naming both column letters (rename one; the intake then
  combines two columns of one question when no row fills both, :mod:`evaluation.intake.columns`);
* a repeat-group file (ODK Central / Briefcase ``<form>-<repeat>.csv``, SurveyCTO long repeat files: a
  ``PARENT_KEY`` column; KoboToolbox ``<form>-<repeat>.csv`` or repeat sheets: ``_parent_index`` /
  ``_parent_table_name``) is reported as not used and not read as a table of its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.core.paths import PROJ_ROOT
from evaluation.intake.formulas import unsaved_formulas
from evaluation.intake.parsing import is_blank
from evaluation.intake.problems import Problem, Report

__all__ = [
    "EXTENSIONS",
    "FILE_PREFIXES",
    "MAX_ZIP_BYTES",
    "PROBLEMS_FILE",
    "TABLES",
    "RawFile",
    "discover",
    "read_csv",
    "read_export",
    "read_xlsx",
    "read_zip",
    "shown_path",
]

TABLES = ("roster", "programme", "survey")
FILE_PREFIXES = {"roster": ("roster",), "programme": ("programme", "monitoring"), "survey": ("survey", "survei")}
# Files a data directory may hold beside the exports, never read as data (the demo's description and truth, the
# problem list intake writes, the ownership marker of a folder the package wrote).
KNOWN_OTHER_FILES = frozenset({"dataset.json", "truth.json", "validation_problems.csv", ".prokus-owned"})
EXTENSIONS = (".csv", ".xlsx", ".zip")
PROBLEMS_FILE = "validation_problems.csv"
# An ODK Central export is a few megabytes; a member that unpacks to more than this is refused (a zip bomb or the
# wrong file), and so is an archive with more members than MAX_ZIP_MEMBERS.
MAX_ZIP_BYTES = 256 * 1024 * 1024
MAX_ZIP_MEMBERS = 1000
REPEAT_KEYS = ("parent_key", "_parent_index", "_parent_table_name")  # ODK/SurveyCTO; KoboToolbox


def column_letter(index: int) -> str:
    """Name a 0-based column index as a spreadsheet does (0 -> A, 26 -> AA).

    Parameters
    ----------
    index : int
        The 0-based column index.

    Returns
    -------
    str
        The column letter(s).
    """
    letters = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _repeat_key(header: list[str]) -> str:
    """The column that links a repeat-group file to its parent (empty for a main table)."""
    return next((h.strip() for h in header if h.strip().lower() in REPEAT_KEYS), "")


def _is_repeat(header: list[str]) -> bool:
    return bool(_repeat_key(header))


def _clean_header(header: list[str], data: list[list], shown: str, report: Report) -> tuple[list[str], list[list]]:
    """Drop header-less columns and report them; report two columns with one header (the second is dropped).

    An empty header-less column gets a note, one holding values a warning naming its letter.
    """
    keep = []
    for j, h in enumerate(header):
        if h:
            keep.append(j)
            continue
        filled = [i for i, rec in enumerate(data) if j < len(rec) and not is_blank(rec[j])]
        letter = column_letter(j)
        if filled:
            report.add(
                Problem(
                    "warning", shown, None, f"column {letter}", "", "unnamed_column",
                    f"column {letter} has no header but holds {len(filled)} value(s); it was not read",
                    f"give column {letter} the codebook name of its question if it holds one, or delete it",
                    count=len(filled),
                )
            )  # fmt: skip
        else:
            report.add(
                Problem("note", shown, None, f"column {letter}", "", "empty_column",
                        f"empty column {letter} without a header ignored", "", count=1)
            )  # fmt: skip
    seen: dict[str, int] = {}
    for j in list(keep):
        if header[j] in seen:
            keep.remove(j)  # reported as an error (the intake stops); the frame keeps one column per header
            first = column_letter(seen[header[j]])
            report.add(
                Problem(
                    "error", shown, 1, header[j], "", "duplicate_column",
                    f"columns {first} and {column_letter(j)} have the same header {header[j]!r}",
                    f"rename one of them (e.g. {header[j]}_2) so that both are kept; two columns of one question "
                    "are combined when no row fills both",
                )
            )  # fmt: skip
        else:
            seen[header[j]] = j
    if len(keep) == len(header):
        return header, data
    return [header[j] for j in keep], [[rec[j] if j < len(rec) else None for j in keep] for rec in data]


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
    computed : dict of str to frozenset of int, optional
        Column -> export rows whose value :mod:`evaluation.intake.derive` computed from the answers to its questions
        (the codebook's don't-know / refused codes of the indicator do not apply to them).
    """

    path: Path
    table: str
    frame: pd.DataFrame
    rows: list[int]
    date_system: int = 1900
    shown: str = ""
    computed: dict[str, frozenset[int]] = field(default_factory=dict)


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


def read_csv(path: Path, report: Report, data: bytes | None = None, shown: str | None = None) -> RawFile | None:
    """Read a CSV as strings: UTF-8 (with or without byte-order mark), delimiter ``,`` ``;`` or tab.

    The delimiter is the one of the three that occurs most often in the header row outside quotes. Header-less
    columns and repeated headers are handled as the module docstring says.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file.
    report : Report
        Receives an ``encoding`` or ``header`` error, a ``field_count`` error per row whose field count differs
        from the header's, and notes on a removed byte-order mark and a delimiter other than ``,``.
    data : bytes, optional
        The file's content when it does not come from ``path`` itself (a member of a zip archive).
    shown : str, optional
        The file as problems show it; :func:`shown_path` of ``path`` when None.

    Returns
    -------
    RawFile or None
        The records (all values str; ``table`` still empty); None when the file is not UTF-8 or has no header, or
        is a repeat-group file (reported as not used).

    Raises
    ------
    OSError
        When the file cannot be read.

    References
    ----------
    RFC 4180, "Common Format and MIME Type for Comma-Separated Values (CSV) Files"; Excel's "CSV UTF-8" export
    (byte-order mark) and Indonesian-locale Excel's ``;`` delimiter.
    """
    shown = shown or shown_path(path)
    raw = path.read_bytes() if data is None else data
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
    bare = re.sub(r'"(?:[^"]|"")*"', "", first)  # a label header may hold commas inside its quotes
    delim = max((",", ";", "\t"), key=bare.count)
    if delim != ",":
        report.add(
            Problem("note", shown, None, "", "", "delimiter", f"{delim!r} read as the column delimiter", "", count=1)
        )
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    except csv.Error as exc:  # a NUL byte, a field larger than the csv module's limit
        report.add(
            Problem("error", shown, None, "", "", "header", f"the file cannot be read as CSV ({exc})",
                    "export it again as CSV from the collection tool, or save it again as 'CSV UTF-8' from Excel")
        )  # fmt: skip
        return None
    header = [h.strip() for h in records[0]]
    if _is_repeat(header):
        _repeat_note(shown, report, _repeat_key(header))
        return None
    rows, data = [], []
    for i, rec in enumerate(records[1:], start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) > len(header) and all(not c.strip() for c in rec[len(header) :]):
            rec = rec[: len(header)]  # trailing empty fields (Excel's ';;;' beyond the header)
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
    header, data = _clean_header(header, data, shown, report)
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(columns=header, dtype=object)
    return RawFile(path, "", frame, rows, 1900, shown)


def _repeat_note(shown: str, report: Report, key: str = "PARENT_KEY") -> None:
    report.add(
        Problem(
            "warning", shown, None, key, "", "repeat_group_file",
            f"a repeat-group file (one row per repeat, linked by {key}) is not used by the evaluation",
            "nothing, unless this is the main export: then export the form's main table again", count=1,
        )
    )  # fmt: skip


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
    if _is_repeat(header):
        wb.close()
        _repeat_note(shown, report, _repeat_key(header))
        return None
    rows, data = [], []
    for i, rec in enumerate(it, start=2):
        if rec is None or all(is_blank(c) for c in rec):
            continue
        vals = list(rec[: len(header)]) + [None] * max(0, len(header) - len(rec))
        if len(rec) > len(header) and any(not is_blank(c) for c in rec[len(header) :]):
            report.add(
                Problem(
                    "warning", shown, i, f"column {column_letter(len(header))}", "", "unnamed_column",
                    "the row holds values right of the last column with a header; they were not read",
                    "give that column a header (the codebook name of its question), or delete the values",
                )
            )  # fmt: skip
        rows.append(i)
        data.append(vals)
    wb.close()
    report.extend(unsaved_formulas(path, shown, header, dict(zip(rows, data, strict=True))))  # issue 14, kind 5
    header, data = _clean_header(header, data, shown, report)
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(columns=header, dtype=object)
    return RawFile(path, "", frame, rows, system, shown)


def read_zip(path: Path, report: Report) -> RawFile | None:
    """Read the main CSV of an ODK Central ``.csv.zip`` export in memory (nothing is extracted).

    The archive holds the form's main table ``<form>.csv``, one ``<form>-<repeat>.csv`` per repeat group (a
    ``PARENT_KEY`` column; reported as not used) and possibly media files (ignored). Members are read in memory,
    so a member name such as ``../x`` can never write anywhere; an archive whose members unpack to more than
    :data:`MAX_ZIP_BYTES` each, or with more than :data:`MAX_ZIP_MEMBERS` members, is refused.

    Parameters
    ----------
    path : pathlib.Path
        The ``.zip`` file.
    report : Report
        Receives an ``archive`` error (unreadable archive, too large, no or several main CSV files) and the
        notes and errors of reading the main CSV.

    Returns
    -------
    RawFile or None
        The main CSV's records (``path`` is the archive, ``shown`` names archive and member); None on error.

    References
    ----------
    ODK Central API documentation, "Exporting Form Submissions to CSV" (``.csv.zip`` with the main table and one
    CSV per repeat group, ``PARENT_KEY``); Python ``zipfile`` documentation, "Decompression pitfalls".
    """
    shown = shown_path(path)

    def refuse(message: str, fix: str) -> None:
        report.add(Problem("error", shown, None, "", "", "archive", message, fix))

    try:
        with zipfile.ZipFile(path) as zf:
            infos = [i for i in zf.infolist() if not i.is_dir()]
            if len(infos) > MAX_ZIP_MEMBERS:
                refuse(f"the archive has {len(infos)} files", "unzip it and put the form's main CSV here")
                return None
            csvs = [i for i in infos if i.filename.lower().endswith(".csv") and not i.filename.startswith("__MACOSX")]
            mains: list[tuple[zipfile.ZipInfo, bytes]] = []
            for info in csvs:
                if info.file_size > MAX_ZIP_BYTES:
                    refuse(f"{info.filename} unpacks to {info.file_size} bytes, more than the limit of "
                           f"{MAX_ZIP_BYTES}", "unzip it and put the form's main CSV here")  # fmt: skip
                    return None
                with zf.open(info) as fh:
                    content = fh.read(MAX_ZIP_BYTES + 1)
                if len(content) > MAX_ZIP_BYTES:
                    refuse(f"{info.filename} unpacks to more than {MAX_ZIP_BYTES} bytes",
                           "unzip it and put the form's main CSV here")  # fmt: skip
                    return None
                first = content.split(b"\n", 1)[0].decode("utf-8", "replace").lstrip("\ufeff")
                header = [h.strip().strip('"') for h in first.replace(";", ",").split(",")]
                if _is_repeat(header):
                    _repeat_note(f"{shown}:{info.filename}", report, _repeat_key(header))
                    continue
                mains.append((info, content))
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        refuse(f"the zip archive cannot be read ({type(exc).__name__})", "download the export again")
        return None
    if len(mains) != 1:
        names = ", ".join(i.filename for i, _ in mains) or "none"
        refuse(f"the archive must hold one main CSV file (found: {names})",
               "put each table's export in its own file (roster, monitoring, survey_<wave>)")  # fmt: skip
        return None
    info, content = mains[0]
    member = f"{shown}:{info.filename}"
    report.add(Problem("note", member, None, "", "", "zip_export", f"{info.filename} read from the archive", "",
                       count=1))  # fmt: skip
    return read_csv(path, report, data=content, shown=member)


def read_export(path: Path, report: Report) -> RawFile | None:
    """Read one export file with :func:`read_xlsx` (``.xlsx``), :func:`read_zip` (``.zip``) or :func:`read_csv`.

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
    suffix = path.suffix.lower()
    if suffix == ".zip":
        return guard.checked(read_zip(path, report), report)
    return guard.checked(read_xlsx(path, report) if suffix == ".xlsx" else read_csv(path, report), report)


def discover(data_dir: Path) -> dict[str, list[Path]]:
    """Find the export files of each table in a data directory (see the module docstring for the names).

    Parameters
    ----------
    data_dir : pathlib.Path
        The raw data directory.

    Returns
    -------
    dict of str to list of pathlib.Path
        For each of :data:`TABLES`, its ``.csv``, ``.xlsx`` and ``.zip`` files in name order (hidden files, Excel
        lock files and :data:`PROBLEMS_FILE` excluded); an empty list when the table has none.

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


def unread_files(data_dir: Path) -> list[Path]:
    """List the files of a data directory that :func:`discover` does not read, so that none is skipped silently.

    Parameters
    ----------
    data_dir : pathlib.Path
        The raw data directory.

    Returns
    -------
    list of pathlib.Path
        Every regular file directly in ``data_dir`` that is not an export of :func:`discover`, not one of
        :data:`KNOWN_OTHER_FILES`, not hidden, not an Excel lock file (``~$...``) and not Markdown (``.md``), in name
        order: e.g. a
        ``survey_baseline.xls`` or ``.ods`` (other formats), or ``hh_baseline.csv`` (a name no table starts with).

    Raises
    ------
    OSError
        When the directory cannot be listed.
    """
    read = {p for paths in discover(data_dir).values() for p in paths}
    return [
        p
        for p in sorted(data_dir.iterdir())
        if p.is_file() and p not in read and p.name not in KNOWN_OTHER_FILES and not p.name.startswith((".", "~$"))
        and p.suffix.lower() != ".md"  # a README or notes in Markdown: documentation, not data
    ]
