"""Read the numbers field data really contains: Indonesian and English separators, rupiah prefixes, ``jt``/``rb``.

Indonesian-locale spreadsheets write ``1.250.000`` for one million two hundred fifty thousand and ``2,5`` for two
and a half; machine exports (KoboToolbox, ODK Central) write ``1250000`` and ``2.5``. pandas' default reads
``1.250`` as 1.25: a thousandfold error in rupiah. The rules, in order:

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

Like every parser of :mod:`evaluation.intake.parsing`, :func:`parse_number` returns the value and the kinds of
normalisation applied, and raises :class:`~evaluation.intake.parsing.ParseError` for a cell it cannot read
unambiguously.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from evaluation.intake.codebook import Variable
from evaluation.intake.parsing import ParseError, is_blank, strip_cell

__all__ = ["MULTIPLIERS", "NumberKind", "parse_number"]

MULTIPLIERS = {"jt": 1_000_000, "juta": 1_000_000, "rb": 1_000, "ribu": 1_000}


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


_PREFIX = re.compile(r"^(rp\.?|idr)", re.IGNORECASE)
_SUFFIX = re.compile(r"(jt|juta|rb|ribu)$", re.IGNORECASE)
_ID_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^(\d+(\.\d*)?|\.\d+)$")
_DEC_COMMA = re.compile(r"^\d*,\d+$")
_EN_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACE_GROUPED = re.compile(r"^\d{1,3}( \d{3})+$")


def _example(kind: NumberKind) -> str:
    """What to write instead of a cell that is not a number: rupiah examples only for rupiah amounts."""
    if kind.money:
        return "write a number such as 1250000, 1.250.000, Rp 1.250.000 or 1,5 jt"
    if kind.integer:
        return "write a whole number in digits, e.g. 42"
    return "write a number in digits, e.g. 42 or 2,5"


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
        _example(kind),
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
        s = strip_cell(str(value), kinds)
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
            raise ParseError(f"{value!r} has no digits", _example(kind))
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
