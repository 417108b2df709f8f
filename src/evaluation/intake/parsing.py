"""Read the numbers, dates and answers that field data really contains, and say what was normalised.

Every parser takes one raw cell (a string from a CSV, or the value openpyxl read from an XLSX cell) and returns
the value in the codebook's canonical form together with the *kind* of normalisation applied (``None`` when the
cell was already canonical). A cell that cannot be read unambiguously raises :class:`ParseError` with the rule
and what to do; nothing is ever guessed silently.

**Numbers** are read by :mod:`evaluation.intake.numeric` (:func:`~evaluation.intake.numeric.parse_number`:
Indonesian ``1.250.000`` and ``2,5``, English ``1,250,000``, ``Rp``, ``jt``/``rb``, decided by the codebook range
when a separator is ambiguous).

**Dates** (:func:`parse_date`). ISO ``YYYY-MM-DD`` (a time part, as in ``_submission_time``, is dropped);
day-first ``DD/MM/YYYY``, ``DD-MM-YYYY`` or ``DD.MM.YYYY`` (the Indonesian order); ``3 Februari 2020`` or
``3 Feb 2020``; Excel serial day numbers in the 1900 system (day 1 = 1900-01-01, with Excel's phantom
29 Feb 1900, so serial ``n`` > 60 is 1899-12-30 + n days) or the 1904 system (1904-01-01 + n days), see
:data:`EXCEL_EPOCHS`.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from evaluation.intake.codebook import Variable

__all__ = [
    "EXCEL_EPOCHS",
    "FALSE_WORDS",
    "MONTHS",
    "TRUE_WORDS",
    "ParseError",
    "excel_serial",
    "is_blank",
    "nik_birth_date",
    "parse_binary",
    "parse_category",
    "parse_date",
    "parse_multiple",
    "parse_text",
    "strip_cell",
]

EXCEL_EPOCHS = {1900: dt.date(1899, 12, 30), 1904: dt.date(1904, 1, 1)}
TRUE_WORDS = {"1", "ya", "y", "yes", "true", "benar", "t"}
FALSE_WORDS = {"0", "tidak", "tdk", "no", "n", "false", "salah", "f"}
_MONTHS_ID = ("jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des")
_MONTHS_EN = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
MONTHS = {**{m: i for i, m in enumerate(_MONTHS_ID, 1)}, **{m: i for i, m in enumerate(_MONTHS_EN, 1)}, "agt": 8}


class ParseError(ValueError):
    """A cell that cannot be read unambiguously; ``rule`` and ``fix`` go into the problem report.

    Parameters
    ----------
    rule : str
        What is wrong with the cell (the problem's message).
    fix : str
        What to do.
    """

    def __init__(self, rule: str, fix: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.fix = fix


def is_blank(value: object) -> bool:
    """Tell whether a cell is empty (None, NaN, or only spaces).

    Parameters
    ----------
    value : object
        A cell as read from a CSV (str) or an XLSX (str, number, date or None).

    Returns
    -------
    bool
        True for an empty cell.
    """
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def strip_cell(value: str, kinds: list[str]) -> str:
    """Remove spaces (also non-breaking and narrow no-break) around a cell's text, noting when there were any.

    Parameters
    ----------
    value : str
        The cell's text.
    kinds : list of str
        The normalisations of the cell so far; ``"trailing_spaces"`` is appended when spaces were removed.

    Returns
    -------
    str
        The text without surrounding spaces.
    """
    s = value.strip(" \t\r\n\u00a0\u202f")
    if s != value:
        kinds.append("trailing_spaces")
    return s


def parse_binary(value: object) -> tuple[float | None, str | None]:
    """Read a 0/1 answer; yes/no words in Bahasa Indonesia or English are accepted and reported.

    Parameters
    ----------
    value : object
        The cell: 0/1 (number or text), ``ya``/``tidak``, ``yes``/``no``, ``true``/``false`` and similar.

    Returns
    -------
    tuple of (float or None, str or None)
        The value (None for a blank cell) and the kinds of normalisation applied, joined by ``+`` (None when the
        cell was already canonical; the kinds are the keys of :data:`evaluation.core.quality.KIND_TEXT`).

    Raises
    ------
    ParseError
        When the cell is neither 0, 1 nor a known yes/no word.
    """
    if is_blank(value):
        return None, None
    if isinstance(value, (bool, int, float)) and not isinstance(value, str):
        x = float(value)
        if x in (0.0, 1.0):
            return x, None
        raise ParseError(f"{value!r} is not 0 or 1", "write 1 for yes and 0 for no")
    kinds: list[str] = []
    s = strip_cell(str(value), kinds).lower()
    if s in ("1", "0", "1.0", "0.0"):
        return float(s[0]), "+".join(kinds) or None
    if s in TRUE_WORDS | FALSE_WORDS:
        kinds.append("binary_word")
        return (1.0 if s in TRUE_WORDS else 0.0), "+".join(kinds)
    raise ParseError(f"{value!r} is not 0 or 1", "write 1 for yes and 0 for no (ya/tidak and yes/no are accepted)")


def _code_text(value: object, kinds: list[str]) -> str:
    if isinstance(value, float) and value.is_integer():
        kinds.append("excel_number")
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        kinds.append("excel_number")
        return str(value)
    return strip_cell(str(value), kinds)


def parse_category(value: object, var: Variable) -> tuple[str | None, str | None]:
    """Read a category code; the case of a code and the id/en label of a category are accepted and reported.

    Parameters
    ----------
    value : object
        The cell (a spreadsheet number such as ``31.0`` is read as ``"31"``).
    var : Variable
        The codebook variable and its categories.

    Returns
    -------
    tuple of (str or None, str or None)
        The value (None for a blank cell) and the kinds of normalisation applied, joined by ``+`` (None when the
        cell was already canonical; the kinds are the keys of :data:`evaluation.core.quality.KIND_TEXT`).

    Raises
    ------
    ParseError
        When the cell matches no code or label of the variable.
    """
    if is_blank(value):
        return None, None
    kinds: list[str] = []
    s = _code_text(value, kinds)
    codes = {c.code: c.code for c in var.categories}
    if s in codes:
        return s, "+".join(kinds) or None
    low = {c.code.lower(): c.code for c in var.categories}
    if s.lower() in low:
        kinds.append("category_case")
        return low[s.lower()], "+".join(kinds)
    labels = {lab.lower(): c.code for c in var.categories for lab in (c.label_id, c.label_en)}
    if s.lower() in labels:
        kinds.append("category_label")
        return labels[s.lower()], "+".join(kinds)
    raise ParseError(
        f"{s!r} is not one of the categories {', '.join(c.code for c in var.categories)}",
        "use one of the codes of the codebook (data/codebook.csv)",
    )


def parse_multiple(value: object, var: Variable) -> tuple[str | None, str | None]:
    """Read a select_multiple answer: codes separated by spaces (ODK), commas or semicolons.

    Parameters
    ----------
    value : object
        The cell.
    var : Variable
        The codebook variable and its choices.

    Returns
    -------
    tuple of (str or None, str or None)
        The chosen codes in codebook order, separated by spaces (None for a blank cell), and the kinds of
        normalisation applied, joined by ``+`` (None when the cell was already canonical; the kinds are the keys
        of :data:`evaluation.core.quality.KIND_TEXT`).

    Raises
    ------
    ParseError
        When a part is not one of the variable's choice codes.

    References
    ----------
    XLSForm specification, "select_multiple" (https://xlsform.org/en/): choices exported space-separated.
    """
    if is_blank(value):
        return None, None
    kinds: list[str] = []
    s = strip_cell(str(value), kinds)
    parts = [p for p in re.split(r"[\s,;]+", s) if p]
    if re.search(r"[,;]", s):
        kinds.append("multiple_separator")
    order = [c.code for c in var.categories]
    low = {c.lower(): c for c in order}
    chosen = set()
    for p in parts:
        if p in order:
            chosen.add(p)
        elif p.lower() in low:
            kinds.append("category_case")
            chosen.add(low[p.lower()])
        else:
            raise ParseError(
                f"{p!r} is not one of the choices {', '.join(order)}",
                "use the choice codes of the codebook, separated by spaces",
            )
    return " ".join(c for c in order if c in chosen), "+".join(dict.fromkeys(kinds)) or None


def excel_serial(serial: float, system: int = 1900) -> dt.date:
    """Convert an Excel serial day number in the 1900 or 1904 date system to a date (see the module docstring).

    Parameters
    ----------
    serial : float
        Days since the epoch (a fraction, the time of day, is dropped).
    system : {1900, 1904}, optional
        The workbook's date system.

    Returns
    -------
    datetime.date
        The date.

    Raises
    ------
    ParseError
        For a 1900-system serial before 61 (1 March 1900), where Excel's phantom 29 February 1900 makes dates
        ambiguous.

    References
    ----------
    ECMA-376 (Office Open XML), Part 1, §18.17.4 "Dates and Times" (1900 and 1904 date systems).
    """
    if serial != int(serial):
        serial = math.floor(serial)
    if system == 1900 and serial < 61:
        raise ParseError(
            f"Excel serial {serial:g} lies before March 1900 (Excel's phantom 29 February 1900)",
            "write the date as YYYY-MM-DD",
        )
    return EXCEL_EPOCHS[system] + dt.timedelta(days=int(serial))


_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})([T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_NAMED = re.compile(r"^(\d{1,2})[\s\-]+([A-Za-z]+)\.?[\s\-]+(\d{4})$")
_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")


def parse_date(value: object, system: int = 1900) -> tuple[str | None, str | None]:
    """Read a date cell to ISO ``YYYY-MM-DD``.

    Parameters
    ----------
    value : object
        The cell: text (ISO, ``DD/MM/YYYY``, ``3 Februari 2020``), a date or datetime from an XLSX, or an Excel
        serial number.
    system : {1900, 1904}, optional
        The Excel date system for serial numbers.

    Returns
    -------
    tuple of (str or None, str or None)
        The value (None for a blank cell) and the kinds of normalisation applied, joined by ``+`` (None when the
        cell was already canonical; the kinds are the keys of :data:`evaluation.core.quality.KIND_TEXT`).

    Raises
    ------
    ParseError
        When the cell is not a date in one of the accepted forms, or not a real calendar date.

    References
    ----------
    ISO 8601 (``YYYY-MM-DD``); ECMA-376 Part 1, §18.17.4 (Excel serial dates).
    """
    if is_blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date().isoformat(), "datetime_date" if value.time() != dt.time() else None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    kinds: list[str] = []
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        kinds.append(f"excel_serial_{system}")
        return excel_serial(float(value), system).isoformat(), "+".join(kinds)
    s = strip_cell(str(value), kinds)
    try:
        m = _ISO.match(s)
        if m:
            if m.group(4):
                kinds.append("datetime_date")
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return d.isoformat(), "+".join(kinds) or None
        m = _DMY.match(s)
        if m:
            kinds.append("day_first_date")
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat(), "+".join(kinds)
        m = _NAMED.match(s)
        if m and m.group(2)[:3].lower() in MONTHS:
            kinds.append("month_name_date")
            month = MONTHS[m.group(2)[:3].lower()]
            return dt.date(int(m.group(3)), month, int(m.group(1))).isoformat(), "+".join(kinds)
    except ValueError:
        raise ParseError(f"{s!r} is not a real calendar date", "correct the day or month") from None
    if _SERIAL.match(s):
        kinds.append(f"excel_serial_{system}")
        return excel_serial(float(s), system).isoformat(), "+".join(kinds)
    raise ParseError(
        f"{s!r} is not a date",
        "write the date as YYYY-MM-DD (e.g. 2020-02-03) or DD/MM/YYYY",
    )


def parse_text(value: object) -> tuple[str | None, str | None]:
    """Read text and ids: spaces around the value removed; spreadsheet numbers such as 31.0 written as 31.

    Parameters
    ----------
    value : object
        The cell.

    Returns
    -------
    tuple of (str or None, str or None)
        The value (None for a blank cell) and the kinds of normalisation applied, joined by ``+`` (None when the
        cell was already canonical; the kinds are the keys of :data:`evaluation.core.quality.KIND_TEXT`).
    """
    if is_blank(value):
        return None, None
    kinds: list[str] = []
    return _code_text(value, kinds), "+".join(kinds) or None


def nik_birth_date(nik: str) -> tuple[dt.date | None, bool]:
    """Extract the birth date embedded in a 16-digit NIK and whether it marks a woman (day of birth + 40).

    NIK layout (Permendagri 7/2019 on population registration): digits 1-6 the place of registration
    (province, regency, district), 7-12 the birth date DDMMYY with 40 added to the day for women, 13-16 a serial
    number. The year has two digits, so the date is real when it exists in 19YY or 20YY.

    Parameters
    ----------
    nik : str
        A NIK of 16 digits (not checked here; see the ``nik_format`` rule).

    Returns
    -------
    tuple of (datetime.date or None, bool)
        The birth date (19YY tried first, then 20YY; None when neither is a real date) and whether the day
        marks a woman.

    References
    ----------
    Peraturan Menteri Dalam Negeri (Permendagri) 7/2019, on the NIK (Nomor Induk Kependudukan).
    """
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    if female:
        day -= 40
    for century in (1900, 2000):
        try:
            return dt.date(century + yy, month, day), female
        except ValueError:
            continue
    return None, female
