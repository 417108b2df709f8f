"""Read the numbers, dates and answers that field data really contains, and say what was normalised.

Every parser takes one raw cell (a string from a CSV, or the value openpyxl read from an XLSX cell) and returns
the value in the codebook's canonical form together with the *kind* of normalisation applied (``None`` when the
cell was already canonical). A cell that cannot be read unambiguously raises :class:`ParseError` with the rule
and what to do; nothing is ever guessed silently.

**Numbers** are read by :mod:`evaluation.intake.numeric` (:func:`~evaluation.intake.numeric.parse_number`:
Indonesian ``1.250.000`` and ``2,5``, English ``1,250,000``, ``Rp``, ``jt``/``rb``, decided by the codebook range
when a separator is ambiguous).

**Dates** (:func:`parse_date`). ISO ``YYYY-MM-DD``; ISO date-times (a time without a zone is dropped; with a
zone, ``+07:00`` or ``Z``, the instant is kept so that the intake converts it to the local date of the row's region,
:mod:`evaluation.intake.dates`); numeric ``D/M/YYYY`` or ``M/D/YYYY`` (also with ``-`` or ``.``, a two-digit year,
or a time), in the order the caller decided for the whole column (:func:`evaluation.intake.dates.date_order`:
from the column's values and the study period, never cell by cell); month names in Bahasa Indonesia and English,
``12 Feb 2020``, ``Feb 12, 2020``, ``12 Agustus 2020`` (:data:`MONTHS`); two-digit years read as the one century
inside the study period; Excel serial day numbers in the 1900 system (day 1 = 1900-01-01, with Excel's phantom
29 Feb 1900, so serial ``n`` > 60 is 1899-12-30 + n days) or the 1904 system (1904-01-01 + n days), see
:data:`EXCEL_EPOCHS`.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from evaluation.intake.codebook import Variable

__all__ = [
    "DATE_ORDERS",
    "EXCEL_EPOCHS",
    "FALSE_WORDS",
    "MONTHS",
    "NUMERIC_DATE",
    "TRUE_WORDS",
    "ParseError",
    "excel_serial",
    "is_blank",
    "local_date",
    "nik_birth_date",
    "parse_binary",
    "parse_category",
    "parse_date",
    "parse_multiple",
    "parse_text",
    "strip_cell",
    "two_digit_year",
]

EXCEL_EPOCHS = {1900: dt.date(1899, 12, 30), 1904: dt.date(1904, 1, 1)}
TRUE_WORDS = {"1", "ya", "y", "yes", "true", "benar", "t"}
FALSE_WORDS = {"0", "tidak", "tdk", "no", "n", "false", "salah", "f"}
_MONTH_WORDS = (
    ("januari", "january", "jan"),
    ("februari", "pebruari", "february", "feb", "peb"),
    ("maret", "march", "mar"),
    ("april", "apr"),
    ("mei", "may"),
    ("juni", "june", "jun"),
    ("juli", "july", "jul"),
    ("agustus", "august", "agu", "agt", "agus", "aug"),
    ("september", "sep", "sept"),
    ("oktober", "october", "okt", "oct"),
    ("november", "nopember", "nov", "nop"),
    ("desember", "december", "des", "dec"),
)
# Month names and abbreviations in Bahasa Indonesia (with the older spellings Pebruari, Nopember) and English.
MONTHS = {word: i for i, words in enumerate(_MONTH_WORDS, 1) for word in words}


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
        For a serial that is not a finite number from 0 to the last day Excel knows (9999-12-31), and for a
        1900-system serial before 61 (1 March 1900), where Excel's phantom 29 February 1900 makes dates ambiguous.

    References
    ----------
    ECMA-376 (Office Open XML), Part 1, §18.17.4 "Dates and Times" (1900 and 1904 date systems).
    """
    if not math.isfinite(serial) or not 0 <= serial <= (dt.date(9999, 12, 31) - EXCEL_EPOCHS[system]).days:
        raise ParseError(f"{serial:g} is not an Excel serial date", "write the date as YYYY-MM-DD")
    if serial != int(serial):
        serial = math.floor(serial)
    if system == 1900 and serial < 61:
        raise ParseError(
            f"Excel serial {serial:g} lies before March 1900 (Excel's phantom 29 February 1900)",
            "write the date as YYYY-MM-DD",
        )
    return EXCEL_EPOCHS[system] + dt.timedelta(days=int(serial))


_TIME = r"(?:[T ]\d{1,2}[:.]\d{2}(?:[:.]\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)"
_OFFSET = r"(?:\s*(?:Z|UTC|GMT|[+\-]\d{2}(?::?\d{2})?))"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](.*))?$")
_ISO_TIME = re.compile(
    r"^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([AP]\.?M\.?)?\s*(Z|UTC|GMT|[+\-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
NUMERIC_DATE = re.compile(rf"^(\d{{1,2}})([/.\-])(\d{{1,2}})\2(\d{{4}}|\d{{2}})\s*({_TIME}{_OFFSET}?)?$")
_DAY_MONTH = re.compile(rf"^(\d{{1,2}})[\s\-]+([A-Za-z]+)\.?,?[\s\-]+(\d{{4}}|\d{{2}})\s*(,?\s*{_TIME})?$")
_MONTH_DAY = re.compile(rf"^([A-Za-z]+)\.?[\s\-]+(\d{{1,2}}),?[\s\-]+(\d{{4}}|\d{{2}})\s*(,?\s*{_TIME})?$")
_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")
DATE_ORDERS = {"dmy": "day_first_date", "mdy": "month_first_date"}


def two_digit_year(yy: int, period: tuple[str, str] | None) -> int:
    """Read a two-digit year as the one year 19yy or 20yy that lies inside the study period.

    Parameters
    ----------
    yy : int
        The two digits (0-99).
    period : tuple of (str, str) or None
        The first and last ISO date the variable may take (the codebook's ``min`` and ``max``).

    Returns
    -------
    int
        The four-digit year.

    Raises
    ------
    ParseError
        When there is no period, or neither 19yy nor 20yy lies inside it.
    """
    if period and period[0] and period[1]:
        first, last = int(period[0][:4]), int(period[1][:4])
        years = [c + yy for c in (1900, 2000) if first <= c + yy <= last]
        if len(years) == 1:
            return years[0]
    fix = "write the year with four digits (YYYY-MM-DD, e.g. 2020-09-07)"
    if not (period and period[0] and period[1]):
        raise ParseError(f"the two-digit year {yy:02d} cannot be placed: the variable has no study period", fix)
    raise ParseError(
        f"the two-digit year {yy:02d} is neither 19{yy:02d} nor 20{yy:02d} inside the study period "
        f"({period[0]} to {period[1]})",
        fix,
    )


def _year(text: str, period: tuple[str, str] | None, kinds: list[str]) -> int:
    if len(text) == 4:
        return int(text)
    kinds.append("two_digit_year")
    return two_digit_year(int(text), period)


def _offset_minutes(text: str) -> int:
    """Minutes east of UTC of ``Z``, ``UTC``, ``+07:00``, ``+0700`` or ``+07``."""
    if text.upper() in ("Z", "UTC", "GMT"):
        return 0
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * (int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0))


def _iso_datetime(date: dt.date, rest: str, kinds: list[str], utc: bool) -> str:
    """The date of an ISO date-time; with a time zone (or ``utc``), the instant as ``YYYY-MM-DDTHH:MM:SS+HH:MM``."""
    m = _ISO_TIME.match(rest.strip())
    if not m:
        raise ParseError(f"{rest!r} is not a time of day", "write the date as YYYY-MM-DD")
    if not m.group(6) and not utc:
        kinds.append("datetime_date")
        return date.isoformat()
    hour, minute, second = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if m.group(5):  # 12-hour clock: 12 AM is 0 h, 1 PM is 13 h
        hour = hour % 12 + (12 if m.group(5)[0].lower() == "p" else 0)
    offset = _offset_minutes(m.group(6)) if m.group(6) else 0
    tz = dt.timezone(dt.timedelta(minutes=offset))
    moment = dt.datetime.combine(date, dt.time(hour, minute, second), tzinfo=tz)
    kinds.append("datetime_local_date")
    return moment.isoformat()


def local_date(instant: str, utc_offset_hours: int | None = None) -> str:
    """The local date of a date-time with a time zone (as :func:`parse_date` keeps it).

    Parameters
    ----------
    instant : str
        ``YYYY-MM-DDTHH:MM:SS+HH:MM``.
    utc_offset_hours : int or None, optional
        The local time zone's offset from UTC (7 for WIB, 8 for WITA, 9 for WIT); None keeps the instant's own
        offset (the clock of the phone that wrote it).

    Returns
    -------
    str
        The ISO date at that place.
    """
    moment = dt.datetime.fromisoformat(instant)
    if utc_offset_hours is not None:
        moment = moment.astimezone(dt.timezone(dt.timedelta(hours=utc_offset_hours)))
    return moment.date().isoformat()


def parse_date(
    value: object,
    system: int = 1900,
    order: str = "dmy",
    period: tuple[str, str] | None = None,
    keep_offset: bool = False,
    utc: bool = False,
) -> tuple[str | None, str | None]:
    """Read a date cell to ISO ``YYYY-MM-DD``.

    The order of a numeric date (``9/7/2020``) is never decided here from the cell alone: the caller passes the
    column's order (:func:`evaluation.intake.dates.date_order` decides it from the whole column and the study
    period); a standalone call reads the Indonesian day-first order.

    Parameters
    ----------
    value : object
        The cell: text (ISO ``2020-09-07``, an ISO date-time ``2020-09-07T10:15:00.000+07:00`` or with ``Z``,
        ``7/9/2020``, ``07-09-20``, ``7 Sep 2020``, ``7 September 2020``, ``Sep 7, 2020``, ``12 Agustus 2020``,
        month names in Bahasa Indonesia or English, optionally followed by a time), a date or datetime from an
        XLSX, or an Excel serial number.
    system : {1900, 1904}, optional
        The Excel date system for serial numbers.
    order : {"dmy", "mdy"}, optional
        The order of a numeric date's first two fields (day-first by default).
    period : tuple of (str, str), optional
        The first and last ISO date of the study period; a two-digit year is read as the century that puts it
        inside (refused without a period).
    keep_offset : bool, optional
        Return a date-time with a time zone as ``YYYY-MM-DDTHH:MM:SS+HH:MM`` so that the caller converts it to
        the local date of the row's region (:func:`local_date`); by default its date in its own time zone.
    utc : bool, optional
        Read an ISO date-time without a time zone as UTC (a server's upload time, ``_submission_time``).

    Returns
    -------
    tuple of (str or None, str or None)
        The value (None for a blank cell) and the kinds of normalisation applied, joined by ``+`` (None when the
        cell was already canonical; the kinds are the keys of :data:`evaluation.core.quality.KIND_TEXT`).

    Raises
    ------
    ParseError
        When the cell is not a date in one of the accepted forms, not a real calendar date, or has a two-digit
        year outside the period.

    References
    ----------
    ISO 8601 (``YYYY-MM-DD``, date-times with ``Z`` or ``+hh:mm``); ECMA-376 Part 1, §18.17.4 (Excel serial
    dates); KoboToolbox and ODK Central exports (``start``, ``end``: ISO date-times with the phone's offset;
    ``_submission_time`` in UTC without a zone, ``SubmissionDate`` with ``Z``).
    """
    if is_blank(value):
        return None, None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None and keep_offset:
            return value.replace(microsecond=0).isoformat(), "datetime_local_date"
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
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if not m.group(4):
                return d.isoformat(), "+".join(kinds) or None
            out = _iso_datetime(d, m.group(4), kinds, utc)
            if not keep_offset and "T" in out[10:11]:
                out = local_date(out)
            return out, "+".join(kinds)
        m = NUMERIC_DATE.match(s)
        if m:
            first, second = int(m.group(1)), int(m.group(3))
            day, month = (first, second) if order == "dmy" else (second, first)
            kinds.append(DATE_ORDERS[order])
            if m.group(5):
                kinds.append("datetime_date")
            return dt.date(_year(m.group(4), period, kinds), month, day).isoformat(), "+".join(kinds)
        m = _DAY_MONTH.match(s)
        named = (m.group(1), m.group(2), m.group(3), m.group(4)) if m else None
        if named is None:
            m = _MONTH_DAY.match(s)
            named = (m.group(2), m.group(1), m.group(3), m.group(4)) if m else None
        if named is not None and named[1].lower() in MONTHS:
            kinds.append("month_name_date")
            if named[3]:
                kinds.append("datetime_date")
            month = MONTHS[named[1].lower()]
            return dt.date(_year(named[2], period, kinds), month, int(named[0])).isoformat(), "+".join(kinds)
    except ValueError as exc:
        if isinstance(exc, ParseError):
            raise
        raise ParseError(f"{s!r} is not a real calendar date", "correct the day or month") from None
    if _SERIAL.match(s):
        kinds.append(f"excel_serial_{system}")
        return excel_serial(float(s), system).isoformat(), "+".join(kinds)
    raise ParseError(
        f"{s!r} is not a date",
        "write the date as YYYY-MM-DD (e.g. 2020-02-03)",
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
