"""Phrases of the parallel-trends sensitivity shared by the notebook section and the brief."""

from __future__ import annotations

import math

from evaluation.text.catalogue import t
from evaluation.text.formats import format_number, format_percent

__all__ = ["share_clause"]


def share_clause(share: float | None, lang: str) -> str:
    """The clause comparing a breakdown value with the baseline gap: a percentage below 2, "n times" from 2 on.

    Parameters
    ----------
    share : float or None
        Breakdown value divided by the absolute baseline gap; ``None`` (gap 0) gives no clause.
    lang : str
        ``id`` or ``en``.

    Returns
    -------
    str
        The clause with its leading space and parentheses, or ``""``.
    """
    if share is None or not math.isfinite(share):
        return ""
    if share >= 2:
        return t("pt_share_times", lang, times=format_number(share, lang, 1))
    return t("pt_share_clause", lang, share=format_percent(share, lang, 0))
