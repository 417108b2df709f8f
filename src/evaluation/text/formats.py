"""Numbers, rupiah, percentages and dates in the reader's language (Babel locales ``id_ID`` and ``en_US``).

``format_rupiah(1250000, "id")`` gives ``Rp1.250.000``; ``format_number(1.5, "id", 1)`` gives ``1,5``.
"""

from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date as _babel_date
from babel.numbers import format_decimal

LOCALES = {"id": "id_ID", "en": "en_US"}
MISSING = "–"


def _locale(language: str) -> str:
    return LOCALES.get(language, "en_US")


def format_number(x: float | int | None, language: str, decimals: int = 0, signed: bool = False) -> str:
    """A number with the locale's grouping and decimal mark; ``signed`` adds a plus sign to positive values."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return MISSING
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    value = round(float(x), decimals)
    if value == 0:
        value = 0.0
    return format_decimal(value, format=pattern, locale=_locale(language))


def format_rupiah(x: float | int | None, language: str, signed: bool = False) -> str:
    """Rupiah without decimals: ``Rp1.250.000`` (id) or ``IDR 1,250,000`` (en)."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return MISSING
    sign = ""
    if signed and x > 0:
        sign = "+"
    elif x < 0:
        sign = "-"
    body = format_number(abs(x), language, 0)
    return f"{sign}Rp{body}" if language == "id" else f"{sign}IDR {body}"


def format_percent(x: float | None, language: str, decimals: int = 1, signed: bool = False) -> str:
    """A share (0.053) as a percentage (``5,3%`` in id, ``5.3%`` in en)."""
    if x is None or not math.isfinite(x):
        return MISSING
    return format_number(100 * x, language, decimals, signed=signed) + "%"


def format_date(d: dt.date | str, language: str) -> str:
    """Long date: ``28 November 2026`` (id) or ``November 28, 2026`` (en)."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return _babel_date(d, format="long", locale=_locale(language))


def format_value(x: float | None, language: str, unit_en: str, signed: bool = False) -> str:
    """Format by the codebook unit: rupiah for IDR, shares for 0/1 outcomes (unit empty), else 2 decimals."""
    if unit_en.startswith("IDR"):
        return format_rupiah(x, language, signed=signed)
    if unit_en == "share":
        return format_percent(x, language, 1, signed=signed)
    return format_number(x, language, 2, signed=signed)
