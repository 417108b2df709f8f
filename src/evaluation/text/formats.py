"""Numbers, rupiah, percentages and dates in the reader's language (Babel locales ``id_ID`` and ``en_US``).

``format_rupiah(1250000, "id")`` gives ``Rp1.250.000``; ``format_number(1.5, "id", 1)`` gives ``1,5``.

Percent and percentage points are kept apart everywhere (one place, :func:`format_value`): a *level* of a 0/1
outcome is a share of families, ``45,2%``; a *change or difference* of that share is in percentage points,
``+20,7 poin persen`` / ``+20.7 percentage points`` (:func:`format_points`); a *relative* change (an effect as a
share of the baseline mean) is a percent, ``+32%`` (:func:`format_relative`). Every report, notebook table and
chart label formats through these functions, so the same quantity reads the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import math
import os

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


def format_points(x: float | None, language: str, decimals: int = 1, signed: bool = True) -> str:
    """A change in a share (0.207) in percentage points: ``+20,7 poin persen`` (id), ``+20.7 percentage points`` (en).

    Parameters
    ----------
    x : float or None
        The change as a difference of two shares (0.207 = 20.7 percentage points).
    language : {"id", "en"}
        The reader's language.
    decimals : int
        Decimals of the number of points.
    signed : bool
        Give a plus sign to a positive change.

    Returns
    -------
    str
        The change with the words for percentage points; ``–`` when missing.
    """
    if x is None or not math.isfinite(x):
        return MISSING
    from evaluation.text.catalogue import t

    return f"{format_number(100 * x, language, decimals, signed=signed)} {t('unit_percentage_points', language)}"


def format_relative(x: float | None, language: str, decimals: int = 0, signed: bool = True) -> str:
    """A relative change (0.32 = 32% of the baseline mean) as a percent: ``+32%``.

    Parameters
    ----------
    x : float or None
        The change divided by the baseline value.
    language : {"id", "en"}
        The reader's language.
    decimals : int
        Decimals of the percent.
    signed : bool
        Give a plus sign to a positive change.

    Returns
    -------
    str
        The percent; ``–`` when missing.
    """
    return format_percent(x, language, decimals, signed=signed)


def format_date(d: dt.date | str, language: str) -> str:
    """Long date: ``28 November 2026`` (id) or ``November 28, 2026`` (en)."""
    if isinstance(d, str):
        d = dt.date.fromisoformat(d)
    return _babel_date(d, format="long", locale=_locale(language))


def format_value(x: float | None, language: str, unit_en: str, signed: bool = False, change: bool | None = None) -> str:
    """Format a value of an outcome by its codebook unit: the one formatter of levels and changes.

    Parameters
    ----------
    x : float or None
        The value.
    language : {"id", "en"}
        The reader's language.
    unit_en : str
        The codebook's English unit (``IDR/month`` gives rupiah), or ``"share"`` for a 0/1 outcome.
    signed : bool
        Give a plus sign to a positive value.
    change : bool, optional
        Whether ``x`` is a change or difference of the outcome (an effect, a before/after change, a difference
        between groups) rather than a level. Defaults to ``signed`` (a signed value is a change). A change of a
        share is in percentage points, a level of a share is a percent.

    Returns
    -------
    str
        Rupiah without decimals, a percent (level of a share), percentage points (change of a share), or the
        number with two decimals.
    """
    if change is None:
        change = signed
    if unit_en.startswith("IDR"):
        return format_rupiah(x, language, signed=signed)
    if unit_en == "share":
        return format_points(x, language, 1, signed=signed) if change else format_percent(x, language, 1, signed=signed)
    return format_number(x, language, 2, signed=signed)


def format_path(path: str | os.PathLike[str]) -> str:
    """A file as a reader sees it: relative to the project root, never the machine's absolute path.

    ``data/analysis_plan.toml``; a file outside the project shows its name only.

    Parameters
    ----------
    path : str or os.PathLike
        The file (absolute, or relative to the project root).

    Returns
    -------
    str
        The project-relative POSIX path, or the file name.
    """
    from evaluation.core.paths import PROJ_ROOT, resolve

    p = resolve(path).resolve()
    try:
        return p.relative_to(PROJ_ROOT.resolve()).as_posix()
    except ValueError:
        return p.name
