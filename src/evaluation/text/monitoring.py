"""Labels and number formats of the monitoring indicators (scorecard, risk flags) in Bahasa Indonesia and English.

The words are the phrase catalogue's ``monitoring.<key>`` messages (:mod:`evaluation.text.catalogue`).

Shared by the notebooks' scorecard and risk sections and by the briefs, so that both name an indicator and show its
value the same way. A missing key or language is a KeyError, never a silently untranslated label.
"""

from __future__ import annotations

import math

from evaluation.text.catalogue import Phrases
from evaluation.text.formats import MISSING, format_number, format_percent, format_relative

# The labels are the catalogue's ``monitoring.<key>`` messages (locale/<lang>/LC_MESSAGES/prokus.po), read as
# LABELS[key][language]: PP 39/2006 components, indicators, statuses, risk types and flags, titles, columns, units.
LABELS = Phrases("monitoring")

# Status symbols: the status never rests on colour alone (readable in greyscale and by colour-blind readers).
SYMBOLS = {"on_track": "✔", "needs_attention": "▲", "off_track": "✖", "no_data": "–"}
# Colour-blind-safe palette (Okabe and Ito 2008): bluish green, orange, vermilion; grey for no data.
COLOURS = {"on_track": "#009E73", "needs_attention": "#E69F00", "off_track": "#D55E00", "no_data": "#999999"}


def label(key: str, language: str) -> str:
    """The label ``key`` (catalogue message ``monitoring.<key>``) in ``language``; KeyError when missing."""
    return LABELS[key][language]


def status_text(status: str, language: str) -> str:
    """Symbol and word of a status, e.g. ``✔ sesuai target``."""
    return f"{SYMBOLS[status]} {label(status, language)}"


def format_indicator(kind: str, value: float | None, language: str) -> str:
    """An indicator value in its unit: shares as %, sessions with one decimal, changes signed."""
    if value is None or not math.isfinite(value):
        return MISSING
    if kind == "share":
        return format_percent(value, language, 1)
    if kind == "sessions":
        return f"{format_number(value, language, 1)} {label('unit_sessions', language)}"
    if kind == "relative_change":
        return format_relative(value, language, 1)
    if kind == "points":
        return f"{format_number(value, language, 2, signed=True)} {label('unit_points', language)}"
    raise KeyError(kind)


def format_ratio(value: float | None, language: str) -> str:
    """Ratio realisation / target as a percentage."""
    return format_percent(value, language, 0)
