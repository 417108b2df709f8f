"""Read the numbers, dates and answers that field data really contains, and say what was normalised.

Every parser takes one raw cell (a string from a CSV, or the value openpyxl read from an XLSX cell) and returns
the value in the codebook's canonical form together with the *kind* of normalisation applied (``None`` when the
cell was already canonical). A cell that cannot be read unambiguously raises :class:`ParseError` with the rule
and what to do; nothing is ever guessed silently.

**Numbers** (:func:`parse_number`). Indonesian-locale spreadsheets write ``1.250.000`` for one million two
hundred fifty thousand and ``2,5`` for two and a half; machine exports (KoboToolbox, ODK Central) write
``1250000`` and ``2.5``. pandas' default reads ``1.250`` as 1.25: a thousandfold error in rupiah. The rules, in
order:

1. Spaces (also non-breaking), a currency prefix (``Rp``, ``Rp.``, ``IDR``) and a trailing ``,-`` are removed;
   a suffix ``jt``/``juta`` multiplies by 10^6, ``rb``/``ribu`` by 10^3 (``1,5 jt`` = 1.500.000).
2. Dot-grouped digits ``d{1,3}(.ddd)+`` with an optional decimal comma (``1.250``, ``1.250.000``, ``1.250,5``)
   are Indonesian thousands separators. For rupiah amounts and whole-number variables this is the only reading.
   For other numbers a single group (``3.125``) is ambiguous; it is read the one way that lies inside the
   codebook range, and is an error when both or neither do (never a guess).
3. Plain digits with an optional decimal point (``1250000``, ``2.5``) are read as written.
4. A single decimal comma (``2,5``) is a decimal comma. One comma followed by exactly three digits (``75,000``) could
   be either mark: for rupiah and whole numbers it is an error (never 75 for seventy-five thousand); for other
   numbers it is read the one way inside the codebook range, an error when both or neither fit.
5. Comma-grouped digits with two or more groups or a decimal point (``1,250,000``, ``1,250.50``) are English
   thousands separators.
6. Rupiah amounts are whole numbers: a rupiah value with a fraction (``1,250`` = 1,25 or ``1.5`` without ``jt``)
   is an error, because it almost certainly means a misplaced separator. Whole-number variables likewise.

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
from dataclasses import dataclass

from evaluation.intake.codebook import Variable

EXCEL_EPOCHS = {1900: dt.date(1899, 12, 30), 1904: dt.date(1904, 1, 1)}
MULTIPLIERS = {"jt": 1_000_000, "juta": 1_000_000, "rb": 1_000, "ribu": 1_000}
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


@dataclass(frozen=True)
class NumberKind:
    """How a number column is read: rupiah amount, whole number, and the valid range (None: unbounded).

    Parameters
    ----------
    money : bool, optional
        A rupiah amount (IDR): whole numbers, dot-grouped digits are always thousands.
    integer : bool, optional
        A whole-number variable (counts, 0/1).
    lo, hi : float or None, optional
        The codebook range in the variable's unit, used to decide ambiguous separators; None for unbounded.
    """

    money: bool = False
    integer: bool = False
    lo: float | None = None
    hi: float | None = None

    @classmethod
    def of(cls, var: Variable) -> NumberKind:
        """Derive the reading rules of a codebook variable.

        Parameters
        ----------
        var : Variable
            The codebook variable (its type, unit and range).

        Returns
        -------
        NumberKind
            Money when the unit is IDR, integer for integer and binary variables, the range from ``min``/``max``
            (none for dates).
        """
        lo = float(var.min) if var.min and var.type != "date" else None
        hi = float(var.max) if var.max and var.type != "date" else None
        return cls(money=var.is_money, integer=var.type in ("integer", "binary"), lo=lo, hi=hi)

    def inside(self, x: float) -> bool:
        """Tell whether ``x`` lies in the valid range.

        Parameters
        ----------
        x : float
            A value in the variable's unit.

        Returns
        -------
        bool
            True when ``lo <= x <= hi`` (an absent bound does not limit).
        """
        return (self.lo is None or x >= self.lo) and (self.hi is None or x <= self.hi)


_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PREFIX = re.compile(r"^(rp\.?|idr)", re.IGNORECASE)
_SUFFIX = re.compile(r"(jt|juta|rb|ribu)$", re.IGNORECASE)
_ID_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_DEC_COMMA = re.compile(r"^\d*,\d+$")
_EN_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACE_GROUPED = re.compile(r"^\d{1,3}( \d{3})+$")


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


def _strip(value: str, kinds: list[str]) -> str:
    s = value.strip(" \t\r\n\u00a0\u202f")
    if s != value:
        kinds.append("trailing_spaces")
    return s


def _digits(s: str, kind: NumberKind, kinds: list[str]) -> float:
    """Rules 2-5 on a string of digits and separators (no sign, prefix or suffix)."""
    if _SPACE_GROUPED.match(s):
        kinds.append("space_thousands")
        return float(s.replace(" ", ""))
    if _ID_GROUPED.match(s):
        int_part, _, frac = s.partition(",")
        thousands = float(int_part.replace(".", "") + ("." + frac if frac else ""))
        single_group = int_part.count(".") == 1 and not frac
        if single_group and not (kind.money or kind.integer):
            decimal = float(int_part)
            if kind.inside(decimal) and not kind.inside(thousands):
                kinds.append("dot_decimal_by_range")
                return decimal
            if kind.inside(decimal) and kind.inside(thousands):
                raise ParseError(
                    f"{s!r} is ambiguous: {thousands:g} (dot as thousands separator) and {decimal:g} (dot as decimal "
                    "point) are both valid",
                    "write the number without a thousands separator and with a decimal point, e.g. 1250 or 1.25",
                )
        kinds.append("indonesian_thousands")
        if frac:
            kinds.append("decimal_comma")
        return thousands
    if _PLAIN.match(s):
        return float(s)
    if _DEC_COMMA.match(s):
        decimal = float(s.replace(",", "."))
        int_part, _, frac = s.partition(",")
        if len(frac) == 3 and len(int_part) <= 3 and int_part != "0":
            # '75,000' is 75 with a decimal comma or 75000 with an English thousands comma.
            thousands = float(int_part + frac)
            if kind.money or kind.integer or kind.inside(thousands) == kind.inside(decimal):
                raise ParseError(
                    f"{s!r} is ambiguous: {thousands:g} (comma as thousands separator) and {decimal:g} (comma as "
                    "decimal mark) are both possible readings",
                    "write the number without a thousands separator, e.g. 75000, or as 75.000 (Indonesian)",
                )
            if kind.inside(thousands):
                kinds.append("english_thousands")
                return thousands
        kinds.append("decimal_comma")
        return decimal
    if _EN_GROUPED.match(s):
        kinds.append("english_thousands")
        return float(s.replace(",", ""))
    raise ParseError(
        f"{s!r} is not a number",
        "write a number such as 1250000, 1.250.000, Rp 1.250.000 or 1,5 jt",
    )


def parse_number(value: object, kind: NumberKind | None = None) -> tuple[float | None, str | None]:
    """Read one numeric cell by the rules of the module docstring.

    Parameters
    ----------
    value : object
        The cell (str from a CSV; int, float or bool from an XLSX).
    kind : NumberKind, optional
        How the column is read (rupiah, whole number, range); a plain unbounded number when None.

    Returns
    -------
    tuple of (float or None, str or None)
        The value (None for a blank cell) and the kinds of normalisation applied, joined by ``+`` (None when the
        cell was already canonical; the kinds are the keys of :data:`evaluation.core.quality.KIND_TEXT`).

    Raises
    ------
    ParseError
        When the cell is not a number, is ambiguous between separators, is not finite, or is a rupiah amount or
        whole number with a fraction.

    References
    ----------
    Unicode CLDR, locale ``id`` (Indonesian): grouping separator ``.``, decimal separator ``,``. KoboToolbox and
    ODK Central export numbers without grouping and with ``.`` as decimal point.
    """
    kind = kind or NumberKind()
    if is_blank(value):
        return None, None
    if isinstance(value, bool):
        x, kinds = float(value), []
    elif isinstance(value, (int, float)):
        x, kinds = float(value), []
    else:
        kinds: list[str] = []
        s = _strip(str(value), kinds)
        sign = 1.0
        if s[:1] in ("-", "\u2212"):
            sign, s = -1.0, s[1:].lstrip()
        if _PREFIX.match(s):
            s = _PREFIX.sub("", s).strip()
            kinds.append("currency_prefix")
            if s[:1] in ("-", "\u2212"):
                sign, s = -sign, s[1:].lstrip()
        if s.endswith((",-", ".-")):
            s = s[:-2]
        mult = 1.0
        m = _SUFFIX.search(s)
        if m:
            mult = float(MULTIPLIERS[m.group(1).lower()])
            s = s[: m.start()].strip()
            kinds.append("multiplier")
        s = s.strip()
        if not s:
            raise ParseError(f"{value!r} has no digits", "write the amount, e.g. 1.250.000")
        inner = NumberKind() if mult != 1.0 else kind
        x = sign * _digits(s, inner, kinds) * mult
    if not math.isfinite(x):
        raise ParseError(f"{value!r} is not a finite number", "write a number")
    if (kind.money or kind.integer) and abs(x - round(x)) > 1e-6:
        what = "rupiah amounts" if kind.money else "values of this variable"
        raise ParseError(
            f"{what} are whole numbers, but {value!r} reads as {x:g} (a misplaced separator?)",
            "write the whole amount, e.g. 1.250.000, 1250000 or 1,25 jt",
        )
    if kind.money or kind.integer:
        x = float(round(x))
    return x, "+".join(dict.fromkeys(kinds)) or None


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
    s = _strip(str(value), kinds).lower()
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
    return _strip(str(value), kinds)


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
    s = _strip(str(value), kinds)
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
    s = _strip(str(value), kinds)
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
