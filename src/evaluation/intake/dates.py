"""Dates as field exports write them: one reading per column, decided from evidence; local dates by region.

Three rules, each applied to a whole column, never cell by cell:

1. **The order of numeric dates** (``9/7/2020``) is decided per file and column (:func:`date_order`): a value
   whose first field is above 12 proves day-first, one whose second field is above 12 proves month-first (a
   column with both is refused); without such a value, the study period decides (the codebook's ``min`` and
   ``max`` of the variable): the one order that puts every date inside it; a column that stays ambiguous is
   refused, naming the file and column and asking for ISO dates (``YYYY-MM-DD``). Values whose day and month are
   equal read the same either way.
2. **Date-times with a time zone** (``2020-09-07T10:15:00.000+07:00``, ``...Z``) become the local date of the
   row's region (:func:`localise_dates`): the region code's province gives WIB (UTC+7), WITA (UTC+8) or WIT
   (UTC+9) (:data:`PROVINCE_UTC_OFFSET`); a row without a known region keeps the date in the value's own zone.
3. **The interview date** (:func:`interview_dates`) comes from the interview question, else the phone's
   ``today``, else the local date of ``start`` (``starttime``); the server's upload time (``_submission_time``,
   ``SubmissionDate``, UTC) is used only with a warning, as it may be days after the interview.

References
----------
Keputusan Presiden 41/1987 (the three time zones of Indonesia); Kepmendagri 100.1.1-6117/2022 (province codes,
including the Papua provinces of 2022); KoboToolbox and ODK Central export documentation (``start``, ``end``,
``today``, ``_submission_time``, ``SubmissionDate``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from evaluation.intake.codebook import Codebook, Variable
from evaluation.intake.exports import RawFile
from evaluation.intake.parsing import (
    NUMERIC_DATE,
    ParseError,
    is_blank,
    local_date,
    parse_date,
    two_digit_year,
)
from evaluation.intake.problems import Problem, Report

__all__ = [
    "INTERVIEW_SOURCES",
    "PROVINCE_UTC_OFFSET",
    "DateOrder",
    "column_date_order",
    "date_order",
    "interview_dates",
    "localise_dates",
    "utc_offset",
]

_WIB = ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "61", "62")
_WITA = ("51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76")
_WIT = ("81", "82", "91", "92", "93", "94", "95", "96")
# Province code (the first two digits of a region code) -> hours east of UTC: WIB 7, WITA 8, WIT 9.
PROVINCE_UTC_OFFSET = {**dict.fromkeys(_WIB, 7), **dict.fromkeys(_WITA, 8), **dict.fromkeys(_WIT, 9)}

# Where an interview date may come from, in order: the phone's date, the start of the form, the server's upload.
INTERVIEW_SOURCES = (
    ("today", ("today",)),
    ("start", ("start", "starttime")),
    ("submission", ("submission_time", "submissiondate")),
)
_ISO_FIX = "export the dates as YYYY-MM-DD (ISO, e.g. 2020-09-07), or as real date cells of an XLSX file"


def utc_offset(region_code: object) -> int | None:
    """Hours east of UTC of a region's local time, from its province (the code's first two digits).

    Parameters
    ----------
    region_code : object
        A province (``34``) or regency/city code (``3402``), as text or a number.

    Returns
    -------
    int or None
        7 (WIB), 8 (WITA) or 9 (WIT); None for an unknown or missing code.
    """
    if is_blank(region_code) or region_code is pd.NA:
        return None
    return PROVINCE_UTC_OFFSET.get(str(region_code).strip()[:2])


@dataclass(frozen=True)
class DateOrder:
    """The reading of a column's numeric dates.

    Parameters
    ----------
    order : {"dmy", "mdy"}
        Day-first or month-first.
    reason : {"none", "evidence", "period", "equal"}
        ``none``: the column has no numeric date; ``evidence``: a value with a field above 12 proves the order;
        ``period``: only this order puts every date inside the study period; ``equal``: every numeric date has
        equal day and month (either order reads the same).
    count : int
        The numeric dates of the column.
    """

    order: str
    reason: str
    count: int = 0


def _fits(cells: list[tuple[int, int, str]], order: str, period: tuple[str, str]) -> bool:
    for first, second, year in cells:
        day, month = (first, second) if order == "dmy" else (second, first)
        try:
            yyyy = int(year) if len(year) == 4 else two_digit_year(int(year), period)
            iso = dt.date(yyyy, month, day).isoformat()
        except ValueError:  # ParseError included
            return False
        if not period[0] <= iso <= period[1]:
            return False
    return True


def _shape(text: str) -> tuple[str, str, int]:
    """How a numeric date is written: separator, zero-padding (``padded``, ``unpadded``, ``""`` when unknown), year."""
    m = NUMERIC_DATE.match(text)
    assert m is not None
    first, second = m.group(1), m.group(3)
    if (len(first) == 2 and first[0] == "0") or (len(second) == 2 and second[0] == "0"):
        pad = "padded"
    elif (len(first) == 1) or (len(second) == 1):
        pad = "unpadded"
    else:
        pad = ""  # both fields 10-12 or above: could be either
    return m.group(2), pad, len(m.group(4))


def _decide(found: list[tuple[int, int, str, str]], period: tuple[str, str]) -> DateOrder:
    day_first = [c for c in found if c[0] > 12]
    month_first = [c for c in found if c[1] > 12]
    if day_first and month_first:
        raise ParseError(
            f"the column mixes day-first dates ({day_first[0][3]!r}) and month-first dates "
            f"({month_first[0][3]!r}): {len(day_first)} value(s) can only be DD/MM, {len(month_first)} only MM/DD",
            f"{_ISO_FIX}; if the column was put together from several sheets, check each sheet's date order",
        )
    if day_first or month_first:
        return DateOrder("dmy" if day_first else "mdy", "evidence", len(found))
    unequal = [c for c in found if c[0] != c[1]]
    if not unequal:
        return DateOrder("dmy", "equal", len(found))
    if period[0] and period[1]:
        triples = [(a, b, y) for a, b, y, _ in unequal]
        fits = {o: _fits(triples, o, period) for o in ("dmy", "mdy")}
        if fits["dmy"] != fits["mdy"]:
            return DateOrder("dmy" if fits["dmy"] else "mdy", "period", len(found))
    example = unequal[0]
    shown = f" ({period[0]} to {period[1]})" if period[0] and period[1] else ""
    raise ParseError(
        f"day/month order unproven: {example[3]!r} is {example[0]} {_MONTH[example[1]]} (day-first) or "
        f"{example[1]} {_MONTH[example[0]]} (month-first); {len(unequal)} such date(s), no value with a day above 12, "
        f"and both readings lie inside the study period{shown}",
        _ISO_FIX,
    )


def _refuse_locale_swap(found: list[tuple[int, int, str, str]], cells: list[object]) -> None:
    """Refuse the signature of dates typed in one order into a spreadsheet set to the other (module rule 1).

    Excel set to month-first reads ``07/09/2020`` (7 September typed day-first) as the date cell 9 July and keeps
    ``25/08/2020`` as text, since it has no month 25. A column whose text dates all have a first field above 12
    (or all a second field above 12) beside real date cells whose day is never above 12 is that case: the date
    cells are very likely swapped, and nothing in the file can tell which are.
    """
    real = [c for c in cells if isinstance(c, (dt.date, dt.datetime))]
    if not real or len(found) < 2 or max(c.day for c in real) > 12:
        return
    for side, other in ((0, "day"), (1, "month")):
        if all(f[side] > 12 for f in found):
            example = found[0][3]
            raise ParseError(
                f"the column mixes {len(found)} text date(s) that fit only {other}-first (e.g. {example!r}) with "
                f"{len(real)} date cell(s) whose day is never above 12: the sign of {other}-first dates typed "
                "into a spreadsheet set to the other order, which turned the dates it could read into swapped date "
                "cells (7/9 became 9 July) and kept the others as text",
                f"{_ISO_FIX}; re-export from the survey tool (KoboToolbox/ODK keep ISO dates), or re-enter the "
                "column as text in the order it was typed",
            )


def date_order(cells: list[object], var: Variable) -> DateOrder:
    """Decide the order of a column's numeric dates from its values and the study period (module rule 1).

    When a value proves the order, dates written in another shape (another separator, zero-padding or year length,
    as when sheets typed in different places were put together) must be proved too, by a value of their own or by
    the study period: ``03/09/2020`` with a day above 12 elsewhere proves nothing about ``9/7/2020``.

    Parameters
    ----------
    cells : list of object
        The column's cells as read (only text cells of the form ``D/M/Y``, ``D-M-Y`` or ``D.M.Y`` count).
    var : Variable
        The codebook variable; its ``min`` and ``max`` are the study period.

    Returns
    -------
    DateOrder
        The order and what decided it.

    Raises
    ------
    ParseError
        When the column holds both a value that is only day-first and one that is only month-first, or when
        neither the values nor the period decide (both orders give real dates inside the period), also for the
        dates of one shape; the message names an example value.
    """
    found: list[tuple[int, int, str, str]] = []
    for cell in cells:
        if not isinstance(cell, str):
            continue
        text = cell.strip(" \t\r\n\u00a0\u202f")
        m = NUMERIC_DATE.match(text)
        if m:
            found.append((int(m.group(1)), int(m.group(3)), m.group(4), text))
    if not found:
        return DateOrder("dmy", "none")
    _refuse_locale_swap(found, cells)
    period = (var.min, var.max)
    decided = _decide(found, period)
    if decided.reason != "evidence":
        return decided
    groups: dict[tuple[str, str, int], list[tuple[int, int, str, str]]] = {}
    for c in found:
        groups.setdefault(_shape(c[3]), []).append(c)
    proved = {k for k, g in groups.items() if any(a > 12 or b > 12 for a, b, _, _ in g)}
    for k, g in sorted(groups.items()):
        if k in proved or not k[1]:
            continue  # proved by a value of its own shape, or of unknown padding (follows the column)
        try:
            own = _decide(g, period)
        except ParseError:
            proof = next(c[3] for c in found if c[0] > 12 or c[1] > 12)
            a, b, _, text = next(c for c in g if c[0] != c[1])
            raise ParseError(
                f"the column holds dates written in two ways: {proof!r} proves "
                f"{'day' if decided.order == 'dmy' else 'month'}-first, but nothing proves the order of the "
                f"{len(g)} date(s) written like {text!r}, which can be read day-first ({a} {_MONTH[b]}) or "
                f"month-first ({b} {_MONTH[a]})",
                f"{_ISO_FIX}; if the column was put together from several sheets, check each sheet's date order",
            ) from None
        if own.reason == "period" and own.order != decided.order:
            first = "day" if own.order == "dmy" else "month"
            raise ParseError(
                f"dates written like {g[0][3]!r} fit the study period only {first}-first, while other values of "
                "the column prove the other order",
                f"{_ISO_FIX}; check each sheet's date order",
            )
    return decided


def column_date_order(raw: RawFile, col: str, var: Variable, report: Report) -> str | None:
    """Decide one export column's order of numeric dates (:func:`date_order`) and report how.

    Parameters
    ----------
    raw : RawFile
        The export.
    col : str
        The column as the export names it.
    var : Variable
        Its codebook variable (a date).
    report : Report
        Receives a ``date_order`` error (file and column named) when the order is refused, or a
        ``day_first_by_period`` / ``month_first_by_period`` note when the study period decided it.

    Returns
    -------
    str or None
        ``"dmy"`` or ``"mdy"``; None when the column is refused.
    """
    try:
        decided = date_order(raw.frame[col].tolist(), var)
    except ParseError as exc:
        report.add(Problem("error", raw.shown, None, col, "", "date_order", exc.rule, exc.fix, raw.table))
        return None
    if decided.reason == "period":
        first = "day" if decided.order == "dmy" else "month"
        report.add(
            Problem(
                "note", raw.shown, None, col, "", f"{first}_first_by_period",
                f"{decided.count} numeric date(s) read {first}-first: the only order that puts every date inside "
                f"the study period ({var.min} to {var.max})",
                "nothing (read automatically); export dates as YYYY-MM-DD to be sure", raw.table, count=decided.count,
            )
        )  # fmt: skip
    return decided.order


_MONTH = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# ------------------------------------------------------------------------------------------------ interview date
def _bare(column: str) -> str:
    return re.split(r"[/\-:.]", column)[-1].lstrip("_").lower()


def interview_dates(frame: pd.DataFrame, rows: list[int], present: list[object] | None, file: str, table: str,
                    report: Report, system: int = 1900) -> list[object] | None:  # fmt: skip
    """Fill the interview date of each row from the interview question, else ``today``, else ``start`` (rule 3).

    The server's upload time (``_submission_time``, ``SubmissionDate``) fills a row only when no other source
    does, with a warning; a date-time with a time zone is kept as such for :func:`localise_dates`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The export as read (one column per header).
    rows : list of int
        The file row of each record.
    present : list of object or None
        The parsed ``interview_date`` column, None when the export has none.
    file : str
        The file as problems show it.
    table : str
        The table (``survey``).
    report : Report
        Receives a ``date_from_today`` / ``date_from_start`` note, a ``date_from_submission`` warning, or the
        errors of an unreadable source cell.
    system : {1900, 1904}, optional
        The Excel date system.

    Returns
    -------
    list of object or None
        The interview date of every row (None where no source has one); None when the export has neither the
        question nor any source column.
    """
    by_name: dict[str, str] = {}
    for col in frame.columns:
        by_name.setdefault(_bare(str(col)), str(col))
    sources = [(src, by_name[n]) for src, names in INTERVIEW_SOURCES for n in names if n in by_name]
    if present is None and not sources:
        return None
    values = list(present) if present is not None else [None] * len(rows)
    filled: dict[str, list[int]] = {}
    for src, col in sources:
        todo = [i for i, v in enumerate(values) if v is None]
        if not todo:
            break
        cells = frame[col].tolist()
        for i in todo:
            if is_blank(cells[i]):
                continue
            try:
                value, _ = parse_date(cells[i], system, keep_offset=True, utc=src == "submission")
            except ParseError as exc:
                report.add(Problem("error", file, rows[i], col, str(cells[i]), "type_date", exc.rule, exc.fix, table))
                continue
            values[i] = value
            filled.setdefault(src, []).append(i)
    for src, col in sources:
        hits = filled.get(src, [])
        if not hits:
            continue
        what = "no interview_date column" if present is None else "interview_date empty"
        if src == "submission":
            report.add(
                Problem(
                    "warning", file, rows[hits[0]], col, "", "date_from_submission",
                    f"{len(hits)} interview date(s) taken from the server's upload time ({what}, no 'today' or "
                    "'start'): it may be days after the interview",
                    "add the interview date question, or export the form's 'today' or 'start' fields", table,
                    count=len(hits),
                )
            )  # fmt: skip
        else:
            report.add(
                Problem(
                    "note", file, rows[hits[0]], col, "", f"date_from_{src}",
                    f"{len(hits)} interview date(s) taken from the phone's '{col}' field ({what})",
                    "nothing (read automatically)", table, count=len(hits),
                )
            )  # fmt: skip
    return values


# ------------------------------------------------------------------------------------------------ local dates
def localise_dates(df: pd.DataFrame, codebook: Codebook) -> None:
    """Turn every date-time with a time zone of a typed table into the local date of its row's region (rule 2).

    Parameters
    ----------
    df : pandas.DataFrame
        A typed table; changed in place. ``_region`` (when present) gives each row's region code.
    codebook : Codebook
        The codebook (which columns are dates).
    """
    regions = df["_region"] if "_region" in df else pd.Series(pd.NA, index=df.index)
    for name in df.columns:
        if name not in codebook or codebook[name].type != "date":
            continue
        col = df[name]
        hit = col.notna() & col.astype("string").str.contains("T", regex=False).fillna(False)
        if not hit.any():
            continue
        df[name] = col.astype("object")
        for i in df.index[hit]:
            df.at[i, name] = local_date(str(col.at[i]), utc_offset(regions.at[i]))
        df[name] = df[name].astype("string")
