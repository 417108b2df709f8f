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
# KoboToolbox and ODK Central metadata columns (not questions): kept out of the analysis tables.
META_NAMES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "audit",
    "instanceid", "instancename", "uuid", "submissiondate", "key", "submitterid", "submittername",
    "attachmentspresent", "attachmentsexpected", "status", "reviewstate", "formversion", "edits", "version",
}  # fmt: skip


@dataclass(frozen=True)
class ColumnMap:
    """What each export column holds: a codebook variable, one choice of a select_multiple, or metadata.

    Parameters
    ----------
    variables : dict of str to str
        Export column -> codebook variable.
    choices : dict of str to tuple of (str, str)
        Export column -> (select_multiple variable, choice code), for exports with one 0/1 column per choice.
    meta : dict of str to str
        Export column -> metadata name, lower case without leading ``_`` (``uuid``, ``submission_time``).
    """

    variables: dict[str, str]  # raw column -> variable
    choices: dict[str, tuple[str, str]]  # raw column -> (variable, choice code)
    meta: dict[str, str]  # raw column -> metadata name (uuid, submission_time)


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


def map_columns(raw: RawFile, codebook: Codebook, report: Report) -> ColumnMap:
    """Map export columns to codebook names: group prefixes (``a/b/name``, ``a-b-name``) are dropped.

    A column is a variable when its last ``/``- or ``-``-separated part is a variable's name (in any case), a
    choice column when its last two parts are a select_multiple variable and one of its codes, metadata when it
    starts with ``_``, is a known KoboToolbox / ODK Central name (:data:`META_NAMES`) or lies in the ``meta`` or
    ``formhub`` group; anything else is ignored with a note.

    Parameters
    ----------
    raw : RawFile
        The export, its ``table`` set.
    codebook : Codebook
        The codebook.
    report : Report
        Receives a ``duplicate_column`` error when two columns hold one variable, and ``column_mapped`` and
        ``unknown_column`` notes.

    Returns
    -------
    ColumnMap
        What each mapped column holds (a column of a duplicate pair is left out).

    References
    ----------
    KoboToolbox help, "Exporting and downloading your data" (group separators ``/`` and ``-``, select_multiple
    as separate columns, ``_uuid``, ``_submission_time``); ODK Central API documentation, "Submissions" CSV
    export (``meta-instanceID``, ``SubmissionDate``, ``KEY``).
    """
    allowed = table_variables(codebook, raw.table)
    lower = {k.lower(): k for k in allowed}
    variables: dict[str, str] = {}
    choices: dict[str, tuple[str, str]] = {}
    meta: dict[str, str] = {}
    for col in raw.frame.columns:
        tokens = [t for t in re.split(r"[/\-]", col) if t]
        last = tokens[-1] if tokens else col
        if last in allowed or last.lower() in lower:
            name = allowed[last].name if last in allowed else lower[last.lower()]
            if name in variables.values():
                other = next(k for k, v in variables.items() if v == name)
                report.add(
                    Problem(
                        "error", raw.shown, 1, col, "", "duplicate_column",
                        f"columns {other!r} and {col!r} both hold {name}",
                        "remove one of the two columns",
                    )
                )  # fmt: skip
                continue
            variables[col] = name
            if (last != name) or len(tokens) > 1:
                report.add(
                    Problem("note", raw.shown, 1, col, "", "column_mapped", f"column read as {name}", "", raw.table)
                )
            continue
        if len(tokens) >= 2 and tokens[-2] in allowed and allowed[tokens[-2]].type == "multiple":
            var = allowed[tokens[-2]]
            if last in {c.code for c in var.categories}:
                choices[col] = (var.name, last)
                continue
        key = col.lstrip("_").lower()
        if col.startswith("_") or last.lower() in META_NAMES or tokens[0].lower() in ("meta", "formhub", "__version__"):
            meta[col] = key
            continue
        report.add(
            Problem("note", raw.shown, 1, col, "", "unknown_column", "column is not in the codebook; ignored", "")
        )
    return ColumnMap(variables, choices, meta)


# ------------------------------------------------------------------------------------------------ values
Parser = Callable[[object], tuple[object, str | None]]


def _parser(var: Variable, date_system: int, order: str = "dmy") -> Parser:
    if var.type in ("integer", "number"):
        kind = NumberKind.of(var)
        return lambda x: parse_number(x, kind)
    if var.type == "binary":
        return parse_binary
    if var.type == "category":
        return lambda x: parse_category(x, var)
    if var.type == "multiple":
        return lambda x: parse_multiple(x, var)
    if var.type == "date":
        return lambda x: parse_date(x, date_system, order, (var.min, var.max), keep_offset=True)
    return parse_text


def _parse_column(
    raw: RawFile, col: str, var: Variable, report: Report, system: int, order: str = "dmy"
) -> tuple[list[object], dict[str, list]]:
    parse = _parser(var, system, order)
    values: list[object] = []
    kinds: dict[str, list] = {}
    for row, cell in zip(raw.rows, raw.frame[col].tolist(), strict=True):
        if var.name == "nik" and isinstance(cell, (int, float)) and not isinstance(cell, bool) and not is_blank(cell):
            report.add(
                Problem(
                    "error", raw.shown, row, col, mask(str(int(cell)), 4), "nik_as_number",
                    "the NIK is stored as a number (Excel keeps 15 digits and silently zeroes the 16th)",
                    "format the NIK column as Text and enter the NIKs again from the family cards", raw.table,
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
        values.append(value)
        if kind:
            for k in kind.split("+"):
                kinds.setdefault(k, []).append((row, cell))
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
    for col, name in cmap.variables.items():
        var = allowed[name]
        system = _serial_system(raw, col, var) if var.type == "date" else raw.date_system
        order = column_date_order(raw, col, var, report) if var.type == "date" else "dmy"
        if order is None:  # refused for the whole column (reported once, not cell by cell)
            out[name] = [None] * len(raw.rows)
            continue
        values, kinds = _parse_column(raw, col, var, report, system, order)
        out[name] = values
        _note_kinds(raw, col, var, kinds, report)
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
        for col, code in cols:
            for i, (row, cell) in enumerate(zip(raw.rows, raw.frame[col].tolist(), strict=True)):
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
    for n in missing:
        report.add(
            Problem(
                "error", raw.shown, 1, n, "", "required_column",
                f"the required column {n} is missing (codebook: {allowed[n].label_en})",
                "add the column, or rename the export's column to the codebook name", raw.table,
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
    report.columns.update({(raw.shown, name): col for col, name in cmap.variables.items() if col != name})
    return frame
