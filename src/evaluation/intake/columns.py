"""Export columns to codebook variables, and cells to typed values: one export becomes one typed table.

:func:`map_columns` says what each export column holds: a codebook variable (group prefixes such as
``bantuan/grant_received`` or ``bantuan-grant_received`` dropped, names matched without regard to case), one choice
of a select_multiple question (``bantuan/grant_use/modal``), or KoboToolbox / ODK Central metadata. :func:`type_file`
parses every cell with :mod:`evaluation.intake.parsing` and reports each normalisation and each unreadable cell; it
also joins select_multiple choice columns, takes a survey's wave from the file name and its interview date from the
submission time when the export has no such column, and flags a submission exported twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.core.quality import KIND_TEXT
from evaluation.intake.codebook import Codebook, Variable
from evaluation.intake.dates import column_date_order, interview_dates
from evaluation.intake.exports import RawFile
from evaluation.intake.numeric import NumberKind, parse_number
from evaluation.intake.parsing import (
    ParseError,
    excel_serial,
    is_blank,
    parse_binary,
    parse_category,
    parse_date,
    parse_multiple,
    parse_text,
)
from evaluation.intake.problems import Problem, Report
from evaluation.intake.pseudonymise import mask

__all__ = ["META_NAMES", "WAVES", "ColumnMap", "map_columns", "table_variables", "type_file"]

WAVES = ("baseline", "midline", "endline")
# KoboToolbox, ODK Central / Briefcase and SurveyCTO metadata columns (not questions): kept out of the analysis
# tables. SurveyCTO adds KEY, SubmissionDate, CompletionDate, formdef_version, duration and the review workflow's
# review_status / review_comments / review_quality / review_corrections.
META_NAMES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "audit",
    "instanceid", "instancename", "uuid", "submissiondate", "key", "submitterid", "submittername",
    "attachmentspresent", "attachmentsexpected", "status", "reviewstate", "formversion", "edits", "version",
    "completiondate", "formdef_version", "duration", "caseid", "devicephonenum", "text_audit", "review_status",
    "review_comments", "review_quality", "review_corrections", "parent_key", "submission_time",
}  # fmt: skip
# Missing markers that exports and data-entry staff write for "no answer" (case and surrounding spaces ignored):
# KoboToolbox's n/a for a question not asked, R's NA, Excel's #N/A and #NULL!, pandas' nan, Stata's '.', a dash.
# A marker is read as a missing value (and counted) unless it is one of the variable's category codes.
MISSING_MARKERS = frozenset({"n/a", "na", "n.a.", "#n/a", "#null!", "null", "nan", "-", "--", ".", "?"})
# Values that instruments typically use as don't-know / refused codes. Such a value that passes the range check
# and is not a declared missing code of the variable gets a warning (never a silent change).
SENTINELS = frozenset(
    {float(sign * (10**k - d)) for k in range(2, 10) for d in (1, 2) for sign in (1, -1)} | {-9.0, -8.0}
)
_SEP = r"[^0-9A-Za-z_]+"  # a group separator: any run of characters other than letters, digits and '_'
_LABEL_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ColumnMap:
    """What each export column holds: a codebook variable, one choice of a select_multiple, or metadata.

    Parameters
    ----------
    variables : dict of str to str
        Export column -> codebook variable (two columns may hold one variable: a question that moved between
        groups in a KoboToolbox "all versions" export; :func:`type_file` combines them).
    choices : dict of str to tuple of (str, str)
        Export column -> (select_multiple variable, choice code), for exports with one 0/1 column per choice.
    meta : dict of str to str
        Export column -> metadata name, lower case without leading ``_`` (``uuid``, ``submission_time``).
    unknown : tuple of str, optional
        Export columns that are neither (ignored with a note; named again when an analysed outcome is missing).
    """

    variables: dict[str, str]  # raw column -> variable
    choices: dict[str, tuple[str, str]]  # raw column -> (variable, choice code)
    meta: dict[str, str]  # raw column -> metadata name (uuid, submission_time)
    unknown: tuple[str, ...] = ()


def table_variables(codebook: Codebook, table: str) -> dict[str, Variable]:
    """List the variables an export of ``table`` may hold (``family_id`` keys the programme and survey tables).

    Parameters
    ----------
    codebook : Codebook
        The codebook.
    table : {"roster", "programme", "survey"}
        The table.

    Returns
    -------
    dict of str to Variable
        Name -> variable in codebook order, ``family_id`` first for the programme and survey tables.
    """
    out = {v.name: v for v in codebook.table(table)}
    if table != "roster":
        out = {"family_id": codebook["family_id"], **out}
    return out


def _norm_label(text: str) -> str:
    return _LABEL_SPACE.sub(" ", str(text)).strip().lower()


def _suffix_match(header: str, names: dict[str, str], groups: set[str]) -> tuple[str, str] | None:
    """The longest key of ``names`` (lower case) that ends ``header`` after a group separator (or is all of it).

    The part before the name must end in a separator (any character other than a letter or digit). A prefix that
    ends in ``_`` counts only when it is made of known group names, so that ``spouse_household_income`` is not read
    as ``household_income``. Returns (matched key, prefix) or None.
    """
    low = header.lower()
    best: tuple[str, str] | None = None
    for key in names:
        if not low.endswith(key):
            continue
        prefix = header[: len(header) - len(key)]
        if prefix:
            if prefix[-1].isalnum():
                continue
            if prefix[-1] == "_":
                rest = prefix.lower().rstrip("_")
                if not (rest in groups or all(p in groups for p in re.split(r"[^0-9a-z_]+|__+", rest) if p)):
                    continue
        if best is None or len(key) > len(best[0]):
            best = (key, prefix)
    return best


def map_columns(raw: RawFile, codebook: Codebook, report: Report) -> ColumnMap:
    """Map export columns to codebook names, whatever group separator or header style the export uses.

    A column is, in this order:

    * metadata when it starts with ``_`` (KoboToolbox's ``_uuid``, ``_submission_time``, ``__version__``);
    * a variable when it is a variable's name, or ends with it after a group prefix and any separator (``/``,
      ``-``, ``.``, ``:``, ``>``, a space, or ``_`` after known group names: ``rumah_tangga/household_income``,
      ``usaha-business_profit``, ``Usaha: hours_worked``), without regard to case; the longest name wins;
    * a choice column when it ends with a select_multiple variable's name, a separator and one of its codes
      (``bantuan/grant_use/stock``);
    * a variable or choice column of a label export: its header is the variable's ``label_id`` or ``label_en``
      (spaces and case ignored), possibly after a group label and a separator; a label two variables share is
      not used;
    * metadata when its last part is a KoboToolbox / ODK Central / SurveyCTO name (:data:`META_NAMES`) or it
      lies in the ``meta`` or ``formhub`` group;
    * anything else is ignored with a note (and named again when an analysed outcome is missing,
      :mod:`evaluation.intake.coverage`).

    Two columns holding one variable are kept both (:func:`type_file` combines them when no row fills both).

    Parameters
    ----------
    raw : RawFile
        The export, its ``table`` set.
    codebook : Codebook
        The codebook.
    report : Report
        Receives ``column_mapped``, ``column_label`` and ``unknown_column`` notes.

    Returns
    -------
    ColumnMap
        What each column holds.

    References
    ----------
    KoboToolbox help, "Exporting and downloading your data" (XML values and headers or labels, group separator,
    select_multiple as separate columns, "include data from all versions", ``_uuid``, ``_submission_time``); ODK
    Central API documentation, "Submissions" CSV export (``meta-instanceID``, ``SubmissionDate``, ``KEY``);
    SurveyCTO documentation, "Exported data format" (``KEY``, ``SubmissionDate``, review columns).
    """
    allowed = table_variables(codebook, raw.table)
    names = {k.lower(): k for k in allowed}
    groups = {v.group.lower() for v in codebook.variables if v.group} | {"meta", "formhub", "group"}
    multiples = {n: v for n, v in allowed.items() if v.type == "multiple"}
    choice_keys: dict[str, tuple[str, str]] = {}
    for n, v in multiples.items():
        for c in v.categories:
            for sep in ("/", "-", ".", ":", "_", " "):
                choice_keys[f"{n}{sep}{c.code}".lower()] = (n, c.code)
    label_count: dict[str, list[str]] = {}
    for n, v in allowed.items():
        for lab in {_norm_label(v.label_id), _norm_label(v.label_en)}:
            if lab:
                label_count.setdefault(lab, []).append(n)
    labels = {lab: ns[0] for lab, ns in label_count.items() if len(ns) == 1}
    choice_labels: dict[str, tuple[str, str]] = {}
    for n, v in multiples.items():
        for vlab in {_norm_label(v.label_id), _norm_label(v.label_en)}:
            for c in v.categories:
                for clab in {_norm_label(c.label_id), _norm_label(c.label_en), c.code.lower()}:
                    for sep in ("/", "-", ".", ":", " / ", " - ", " "):
                        choice_labels[f"{vlab}{sep}{clab}"] = (n, c.code)
    variables: dict[str, str] = {}
    choices: dict[str, tuple[str, str]] = {}
    meta: dict[str, str] = {}
    unknown: list[str] = []
    for col in raw.frame.columns:
        col = str(col)
        if col.startswith("_"):
            meta[col] = col.lstrip("_").lower()
            continue
        hit = _suffix_match(col, names, groups)
        if hit is not None:
            name = names[hit[0]]
            variables[col] = name
            if col != name:
                report.add(
                    Problem("note", raw.shown, 1, col, "", "column_mapped", f"column read as {name}", "", raw.table)
                )
            continue
        hit = _suffix_match(col, {k: k for k in choice_keys}, groups)
        if hit is not None:
            choices[col] = choice_keys[hit[0]]
            continue
        norm = _norm_label(col)
        lab = _suffix_match(norm, {k: k for k in labels}, {_norm_label(g) for g in groups})
        if lab is not None and (not lab[1] or re.search(r"[/\-.:>|]\s*$", lab[1])):
            name = labels[lab[0]]
            variables[col] = name
            report.add(
                Problem("note", raw.shown, 1, col, "", "column_label",
                        f"question label read as the column {name} (a 'Labels' export)", "", raw.table)
            )  # fmt: skip
            continue
        lab = _suffix_match(norm, {k: k for k in choice_labels}, set())
        if lab is not None and (not lab[1] or re.search(r"[/\-.:>|]\s*$", lab[1])):
            choices[col] = choice_labels[lab[0]]
            report.add(
                Problem("note", raw.shown, 1, col, "", "column_label",
                        f"choice label read as {choices[col][0]}/{choices[col][1]} (a 'Labels' export)", "",
                        raw.table)
            )  # fmt: skip
            continue
        tokens = [t for t in re.split(_SEP, col) if t]
        last = tokens[-1].lower() if tokens else ""
        if last.endswith("_text") and last.removesuffix("_text") in names:
            meta[col] = last  # the form's read-back of an indicator in words (business_operating_text): not data
            continue
        if last in META_NAMES or (tokens and tokens[0].lower() in ("meta", "formhub")):
            meta[col] = col.lstrip("_").lower() if last not in META_NAMES else last
            continue
        unknown.append(col)
        report.add(
            Problem("note", raw.shown, 1, col, "", "unknown_column", "column is not in the codebook; ignored", "",
                    raw.table)
        )  # fmt: skip
    return ColumnMap(variables, choices, meta, tuple(unknown))


# ------------------------------------------------------------------------------------------------ values
Parser = Callable[[object], tuple[object, str | None]]


_FLOAT_INT = re.compile(r"^\s*(-?\d+)\.0+\s*$")
_SCIENTIFIC = re.compile(r"^\s*\d(?:[.,]\d+)?[eE]\+?\d+\s*$")
_NIK_GROUPS = re.compile(r"\d+(?:[ .\-]+\d+)*")


def nik_stray(cell: str) -> str:
    """Name the characters that are neither digits nor separators in a NIK cell of 15 to 17 digits.

    Parameters
    ----------
    cell : str
        The NIK cell as exported.

    Returns
    -------
    str
        E.g. ``"the letter 'O' (a zero typed as the letter O?)"``; empty when there is no such character or the
        cell is not a NIK with a stray character (then the ``nik_format`` rule speaks).
    """
    text = cell.strip(" \t\u00a0\u202f").removeprefix("'")
    stray = sorted({c for c in text if not c.isdigit() and c not in " .-"})
    if not stray or not 15 <= sum(c.isdigit() for c in text) <= 17 or len(stray) > 2:
        return ""
    words = []
    for c in stray:
        kind = "the letter" if c.isalpha() else "the character"
        hint = {"O": " (a zero typed as the letter O?)", "o": " (a zero typed as the letter o?)",
                "l": " (a one typed as the letter l?)", "I": " (a one typed as the letter I?)"}.get(c, "")  # fmt: skip
        words.append(f"{kind} {c!r}{hint}")
    return " and ".join(words)


def nik_digits(cell: str) -> str | None:
    """Read the 16 digits of a NIK written with separators, or None when the text is something else.

    Removed: a leading apostrophe (Excel's mark for text), spaces, dots and dashes between digit groups
    (``3171 0141 0782 0001``, ``3171.0141.0782.0001``) and a trailing ``.0`` (a number cell saved as text) only when
    the rest has 16 digits. A 15-digit number followed by ``.0`` is never read as 16 digits.

    Parameters
    ----------
    cell : str
        The NIK cell as exported.

    Returns
    -------
    str or None
        The 16 digits when the separators are the only extra characters and were present; None otherwise (the
        cell is then checked as written by the ``nik_format`` rule).
    """
    stripped = cell.strip(" \t\u00a0\u202f")
    text = stripped.removeprefix("'").strip()
    if re.fullmatch(r"\d{16}", text):
        return text if stripped.startswith("'") else None  # surrounding spaces alone: the usual trimming
    if re.fullmatch(r"\d+\.0+", text):  # a number cell written as text: the part before the point is the NIK
        head = text.split(".")[0]
        return head if len(head) == 16 else None
    if _NIK_GROUPS.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        return digits if len(digits) == 16 else None
    return None


def _parser(var: Variable, date_system: int, order: str = "dmy") -> Parser:
    if var.type in ("integer", "number"):
        kind = NumberKind.of(var)
        return lambda x: parse_number(x, kind)
    if var.type == "binary":
        return parse_binary
    if var.type == "category":
        codes = {c.code for c in var.categories}

        def category(x: object) -> tuple[object, str | None]:
            m = _FLOAT_INT.match(x) if isinstance(x, str) else None
            if m and x.strip() not in codes and m.group(1) in codes:  # 3402.0 written by pandas: code 3402
                value, kind = parse_category(m.group(1), var)
                return value, "+".join(k for k in ("excel_number", kind) if k)
            return parse_category(x, var)

        return category
    if var.type == "multiple":
        return lambda x: parse_multiple(x, var)
    if var.type == "date":
        return lambda x: parse_date(x, date_system, order, (var.min, var.max), keep_offset=True)
    return parse_text


def is_missing_marker(cell: object, var: Variable) -> bool:
    """Tell whether a cell is one of the missing markers (:data:`MISSING_MARKERS`) for this variable.

    Parameters
    ----------
    cell : object
        The cell as the export holds it.
    var : Variable
        The codebook variable (a marker that is one of its category codes is a code, not a marker).

    Returns
    -------
    bool
        True when the cell's text, without surrounding spaces and case, is a missing marker.
    """
    if not isinstance(cell, str):
        return False
    s = cell.strip(" \t\r\n\u00a0\u202f").lower()
    return s in MISSING_MARKERS and s not in {c.code.lower() for c in var.categories}


def _parse_column(
    raw: RawFile, col: str, var: Variable, report: Report, system: int, order: str = "dmy"
) -> tuple[list[object], dict[str, list]]:
    parse = _parser(var, system, order)
    values: list[object] = []
    kinds: dict[str, list] = {}
    codes = set(var.missing_codes)
    sentinels: list[tuple[int, object]] = []
    numeric = var.type in ("integer", "number")
    computed = raw.computed.get(col, frozenset())  # values derived from questions: never read as codes
    lo = float(var.min) if numeric and var.min else -np.inf
    hi = float(var.max) if numeric and var.max else np.inf
    for row, cell in zip(raw.rows, raw.frame[col].tolist(), strict=True):
        if is_missing_marker(cell, var):
            values.append(None)
            kinds.setdefault("missing_marker", []).append((row, cell))
            continue
        if (
            var.name == "nik"
            and not is_blank(cell)
            and (
                (isinstance(cell, (int, float)) and not isinstance(cell, bool))
                or (isinstance(cell, str) and _SCIENTIFIC.match(cell))
            )
        ):
            scientific = isinstance(cell, str) or "e" in repr(cell).lower()
            report.add(
                Problem(
                    "error", raw.shown, row, col, "", "nik_as_number",
                    "the NIK was stored as a number"
                    + (" and written in scientific notation (e.g. 3.17E+15): its last digits are lost"
                       if scientific else " (Excel keeps 15 digits and silently zeroes the 16th)"),
                    "format the NIK column as Text before typing or pasting (or import the CSV in Excel with "
                    "Data > From Text/CSV, NIK column type Text), then enter the NIKs again from the family cards; "
                    "re-saving the damaged file cannot restore the digits",
                    raw.table,
                )
            )  # fmt: skip
            values.append(None)
            continue
        if var.name == "nik" and isinstance(cell, str) and (digits := nik_digits(cell)) is not None:
            values.append(digits)
            kinds.setdefault("nik_separators", []).append((row, cell))
            continue
        if var.name == "nik" and isinstance(cell, str) and (stray := nik_stray(cell)):
            report.add(
                Problem(
                    "error", raw.shown, row, col, mask(cell, 4), "nik_format",
                    f"the NIK holds {stray} besides its digits",
                    "correct the NIK from the family card (Kartu Keluarga): 16 digits, no other character",
                    raw.table,
                )
            )  # fmt: skip
            values.append(None)
            continue
        try:
            value, kind = parse(cell)
        except ParseError as exc:
            shown = mask(str(cell), 4 if var.name == "nik" else 0) if var.personal else str(cell)
            report.add(Problem("error", raw.shown, row, col, shown, f"type_{var.type}", exc.rule, exc.fix, raw.table))
            values.append(None)
            continue
        except (ArithmeticError, ValueError) as exc:  # a cell no parser rule foresaw (a date serial of 1e16)
            shown = mask(str(cell), 4 if var.name == "nik" else 0) if var.personal else str(cell)[:40]
            report.add(
                Problem(
                    "error", raw.shown, row, col, shown, f"type_{var.type}",
                    f"the value cannot be read as a {var.type} ({type(exc).__name__})",
                    "correct the value in the export", raw.table,
                )
            )  # fmt: skip
            values.append(None)
            continue
        if numeric and value is not None and row not in computed:
            if value in codes:
                values.append(None)
                kinds.setdefault("missing_code", []).append((row, cell))
                continue
            if value in SENTINELS and lo <= value <= hi:
                sentinels.append((row, cell))
        values.append(value)
        if kind:
            for k in kind.split("+"):
                kinds.setdefault(k, []).append((row, cell))
    if sentinels:
        row, cell = sentinels[0]
        found = ", ".join(sorted({str(c).strip() for _, c in sentinels}))
        report.add(
            Problem(
                "warning", raw.shown, row, col, str(cell).strip(), "sentinel_value",
                f"{len(sentinels)} value(s) ({found}) look like a don't-know/refused code, though inside the valid "
                "range; they are analysed as real answers",
                f"if they are codes, add them to the missing_codes of {var.name} in data/codebook.csv (they are then "
                "read as missing and counted); if they are real answers, nothing",
                raw.table, count=len(sentinels),
            )
        )  # fmt: skip
    return values, kinds


def _note_kinds(raw: RawFile, col: str, var: Variable, kinds: dict[str, list], report: Report) -> None:
    for k, hits in kinds.items():
        row, cell = hits[0]
        example = mask(str(cell), 4 if var.name == "nik" else 0) if var.personal else str(cell)
        report.add(
            Problem(
                "note", raw.shown, row, col, example, k,
                f"{len(hits)} value(s): {KIND_TEXT.get(k, k)}", "nothing (normalised automatically)",
                raw.table, count=len(hits),
            )
        )  # fmt: skip


def _serial_system(raw: RawFile, col: str, var: Variable) -> int:
    """The date system of a CSV column of serials: 1904 only when every serial fits the period in 1904, not 1900."""
    if raw.path.suffix.lower() != ".csv" or not (var.min and var.max):
        return raw.date_system
    cells = [c for c in raw.frame[col].tolist() if isinstance(c, str) and re.fullmatch(r"\s*\d{4,5}\s*", c)]
    if not cells:
        return raw.date_system

    def fits(system: int) -> bool:
        return all(var.min <= excel_serial(float(c), system).isoformat() <= var.max for c in cells)

    return 1904 if (fits(1904) and not fits(1900)) else 1900


def type_file(raw: RawFile, codebook: Codebook, report: Report) -> pd.DataFrame | None:
    """Type one export: codebook column names, parsed values, plus ``_file`` and ``_row``.

    Besides the mapped columns: select_multiple choice columns are joined into one space-separated answer (when
    the export lacks the joined column); a survey export without ``wave`` takes the one wave named in its file
    name; a survey's interview date comes from the question, else the phone's ``today``, else ``start``, else the
    upload time with a warning (:func:`evaluation.intake.dates.interview_dates`); the order of a column's numeric
    dates is decided for the whole column (:func:`evaluation.intake.dates.date_order`); a submission id (``uuid``,
    ``instanceID``, ``KEY``) seen twice is an error.

    Parameters
    ----------
    raw : RawFile
        The export, its ``table`` set.
    codebook : Codebook
        The codebook.
    report : Report
        Receives every unreadable cell (``type_<type>``, ``nik_as_number``), every normalisation (one note per
        column and kind), ``required_column`` and ``duplicate_submission`` errors and the export's column names.

    Returns
    -------
    pandas.DataFrame or None
        One row per record of ``raw``: one column per variable present (values as the parsers return them,
        None for blank or unreadable cells), ``_file`` (str) and ``_row`` (int); None when a required column is
        missing.
    """
    cmap = map_columns(raw, codebook, report)
    allowed = table_variables(codebook, raw.table)
    present = set(cmap.variables.values())
    out: dict[str, list[object]] = {}
    by_name: dict[str, list[str]] = {}
    for col, name in cmap.variables.items():
        by_name.setdefault(name, []).append(col)
    for name, cols in by_name.items():
        var = allowed[name]
        parsed = []
        for col in cols:
            system = _serial_system(raw, col, var) if var.type == "date" else raw.date_system
            order = column_date_order(raw, col, var, report) if var.type == "date" else "dmy"
            if order is None:  # refused for the whole column (reported once, not cell by cell)
                parsed.append((col, [None] * len(raw.rows)))
                continue
            values, kinds = _parse_column(raw, col, var, report, system, order)
            parsed.append((col, values))
            _note_kinds(raw, col, var, kinds, report)
        out[name] = parsed[0][1] if len(parsed) == 1 else _combine(raw, name, parsed, report)
    # select_multiple as one 0/1 column per choice (when the space-separated column is absent)
    by_var: dict[str, list[tuple[str, str]]] = {}
    for col, (name, code) in cmap.choices.items():
        by_var.setdefault(name, []).append((col, code))
    for name, cols in by_var.items():
        if name in present:
            continue
        var = allowed[name]
        order = [c.code for c in var.categories]
        chosen: list[list[str]] = [[] for _ in raw.rows]
        answered = [False] * len(raw.rows)
        markers = 0
        for col, code in cols:
            for i, (row, cell) in enumerate(zip(raw.rows, raw.frame[col].tolist(), strict=True)):
                if is_missing_marker(cell, var):
                    markers += 1
                    continue
                try:
                    flag, _ = parse_binary(cell)
                except ParseError as exc:
                    report.add(Problem("error", raw.shown, row, col, str(cell), "type_binary", exc.rule, exc.fix))
                    continue
                if flag is not None:
                    answered[i] = True
                    if flag == 1:
                        chosen[i].append(code)
        out[name] = [
            " ".join(c for c in order if c in ch) if a else None for ch, a in zip(chosen, answered, strict=True)
        ]
        report.add(
            Problem(
                "note", raw.shown, 1, f"{name}/*", "", "multiple_columns",
                f"{len(cols)} choice columns joined into one space-separated answer", "", raw.table,
                count=len(raw.rows),
            )
        )  # fmt: skip
        if markers:
            report.add(
                Problem(
                    "note", raw.shown, 1, f"{name}/*", "n/a", "missing_marker",
                    f"{markers} value(s): {KIND_TEXT.get('missing_marker', 'missing marker read as missing')}",
                    "nothing (normalised automatically)", raw.table, count=markers,
                )
            )  # fmt: skip
        present.add(name)
    if raw.table == "survey" and "wave" not in present:
        waves = [w for w in WAVES if w in raw.path.stem.lower()]
        if len(waves) == 1:
            out["wave"] = [waves[0]] * len(raw.rows)
            present.add("wave")
            report.add(
                Problem("note", raw.shown, None, "wave", waves[0], "wave_from_file_name",
                        f"no wave column: wave '{waves[0]}' taken from the file name", "", raw.table,
                        count=len(raw.rows))
            )  # fmt: skip
    if raw.table == "survey":  # from the question, else today, else start, else the upload time with a warning
        dates = interview_dates(raw.frame, raw.rows, out.get("interview_date"), raw.shown, raw.table, report,
                                raw.date_system)  # fmt: skip
        if dates is not None:
            out["interview_date"] = dates
            present.add("interview_date")
    required = [n for n, v in allowed.items() if v.required and not v.personal]
    missing = [n for n in required if n not in present]
    labels = [c for c in cmap.unknown if " " in c.strip()]
    for n in missing:
        fix = "add the column, or rename the export's column to the codebook name"
        if labels:  # headers with spaces: a 'Labels' export whose labels are not the codebook's
            fix += (
                f" (headers such as {labels[0]!r} are question labels: for a KoboToolbox 'Labels' export, download "
                "it again with 'XML values and headers')"
            )
        report.add(
            Problem(
                "error", raw.shown, 1, n, "", "required_column",
                f"the required column {n} is missing (codebook: {allowed[n].label_en})", fix, raw.table,
            )
        )  # fmt: skip
    if missing:
        return None
    frame = pd.DataFrame(out, index=range(len(raw.rows)))
    uuid = next((c for c, m in cmap.meta.items() if m in ("uuid", "instanceid", "key")), None)
    if uuid is not None:
        ids = raw.frame[uuid].astype("string").str.strip()
        dup = ids.notna() & ids.duplicated(keep=False)
        for i in np.flatnonzero(dup.to_numpy()):
            report.add(
                Problem(
                    "error", raw.shown, raw.rows[i], uuid, str(ids.iloc[i]), "duplicate_submission",
                    "the same submission appears twice (the export was stacked twice?)",
                    "remove the repeated rows", raw.table,
                )
            )  # fmt: skip
    frame["_file"] = raw.shown
    frame["_row"] = raw.rows
    report.columns.update({(raw.shown, n): " + ".join(cs) for n, cs in by_name.items() if cs != [n]})
    return frame


def _combine(raw: RawFile, name: str, parsed: list[tuple[str, list[object]]], report: Report) -> list[object]:
    """Combine the columns of one question (moved between groups across form versions): one answer per row.

    When no row fills two of them (a KoboToolbox "all versions" export), they are combined with a note. Otherwise
    the file is refused (``duplicate_column``, naming the columns and the rows that fill both) and every row with
    two different answers is named (``conflicting_columns``); the advice never drops a column.
    """
    cols = [c for c, _ in parsed]
    out: list[object] = []
    both: list[int] = []
    for i, row in enumerate(raw.rows):
        answers = [(c, v[i]) for c, v in parsed if v[i] is not None]
        distinct = list(dict.fromkeys(v for _, v in answers))
        if len(answers) > 1:
            both.append(row)
        if len(distinct) > 1:
            report.add(
                Problem(
                    "error", raw.shown, row, " / ".join(c for c, _ in answers), " / ".join(map(str, distinct)),
                    "conflicting_columns",
                    f"the columns {', '.join(repr(c) for c, _ in answers)} all hold {name} and give different "
                    "answers in this row",
                    "check the interview, keep the right answer and empty the other cell (keep both columns)",
                    raw.table,
                )
            )  # fmt: skip
        out.append(distinct[0] if distinct else None)
    shown_cols = ", ".join(repr(c) for c in cols)
    if both:
        rows = ", ".join(map(str, both[:10])) + (" ..." if len(both) > 10 else "")
        report.add(
            Problem(
                "error", raw.shown, 1, cols[-1], "", "duplicate_column",
                f"the columns {shown_cols} all hold {name}, and {len(both)} row(s) fill more than one (rows {rows})",
                "keep one answer per row: where two columns are filled, empty the cell that is wrong or a copy of "
                "the other (keep both columns; the intake combines them when no row fills both, as in a "
                "KoboToolbox 'all versions' export)",
                raw.table,
            )
        )  # fmt: skip
        return out
    report.add(
        Problem(
            "note", raw.shown, 1, " + ".join(cols), "", "columns_combined",
            f"the columns {shown_cols} hold {name} (a question that moved between groups: an 'all versions' "
            "export); no row fills more than one, so they were combined",
            "nothing (combined automatically)", raw.table, count=len(raw.rows),
        )
    )  # fmt: skip
    return out
