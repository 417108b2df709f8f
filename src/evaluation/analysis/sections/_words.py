"""How the ``show_*`` functions put numbers into words: labels, values with units, intervals, p-values, phrases.

Everything here reads a :class:`~evaluation.analysis.context.View` (language, codebook, config, plan) and the
phrases of :mod:`evaluation.text`; nothing here sees a data table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from evaluation.analysis.context import View
from evaluation.analysis.display import Section
from evaluation.core.config import NATIONAL
from evaluation.stats.degenerate import Degeneracy
from evaluation.stats.disclosure import MARK
from evaluation.text.catalogue import has, t
from evaluation.text.degenerate import reason_cell, reason_clause
from evaluation.text.formats import format_number, format_percent, format_value
from evaluation.text.inference_phrases import PHRASES

__all__ = ["Words", "inference_phrase"]


def inference_phrase(key: str, language: str, **fields: object) -> str:
    """A phrase of :mod:`evaluation.text.inference_phrases` in ``language`` with ``fields`` filled in.

    Parameters
    ----------
    key : str
        The phrase's key.
    language : str
        ``id`` or ``en``.
    **fields : object
        Values of the phrase's ``{placeholders}``.

    Returns
    -------
    str
        The phrase.

    Raises
    ------
    KeyError
        When the phrase or language is missing.
    """
    text = PHRASES[key][language]
    return text.format(**fields) if fields else text


class Words:
    """The formatting helpers of one notebook's display (a :class:`View` and its language).

    Parameters
    ----------
    view : View
        The display settings.
    """

    def __init__(self, view: View) -> None:
        self.view = view
        self.lang = view.lang

    # --------------------------------------------------------------------------------------------- phrases
    def t(self, key: str, **fields: object) -> str:
        """A phrase of :mod:`evaluation.text.catalogue`."""
        return t(key, self.lang, **fields)

    def x(self, key: str, **fields: object) -> str:
        """A phrase of :mod:`evaluation.text.inference_phrases`."""
        return inference_phrase(key, self.lang, **fields)

    @property
    def source(self) -> str:
        """Data source line for captions."""
        return t("source_synthetic" if self.view.synthetic else "source_survey", self.lang)

    # --------------------------------------------------------------------------------------------- labels
    def label(self, outcome: str) -> str:
        """Outcome label with unit."""
        return self.view.codebook[outcome].label_with_unit(self.lang)

    def olabel(self, outcome: str) -> str:
        """Label of an outcome or of a summary index (``(SD)``)."""
        if outcome in PHRASES:
            return self.x(outcome) + " (SD)"
        return self.label(outcome)

    def var(self, name: str) -> str:
        """The label of a variable a table names (never its raw name, issue 15).

        A codebook variable gives its codebook label; a dummy ``<variable>_<code>`` of a categorical variable gives
        ``"<label>: <category label>"``; a derived name (``income_tercile``, a method, a correction) its catalogue
        phrase ``g_<name>``, ``var_<name>``, ``method_<name>`` or ``corr_<name>``; anything else its name.
        """
        cb = self.view.codebook
        if name in cb:
            return cb[name].label(self.lang)
        for prefix in ("g_", "var_", "method_", "corr_"):
            if has(prefix + name):
                return t(prefix + name, self.lang)
        base, _, code = name.rpartition("_")
        while base:
            if base in cb and cb[base].categories:
                try:
                    return f"{cb[base].label(self.lang)}: {cb[base].category(code).label(self.lang)}"
                except KeyError:
                    break
            base, _, rest = base.rpartition("_")
            code = f"{rest}_{code}"
        return name

    def level(self, variable: str, level: object) -> str:
        """The label of one level of a subgroup variable (a category, a tercile ``T1``, ``all``)."""
        text = str(level)
        cb = self.view.codebook
        if variable in cb and cb[variable].categories:
            try:
                return cb[variable].category(text).label(self.lang)
            except KeyError:
                pass
        for key_ in (text, f"level_{text}"):
            if has(key_) and key_ not in cb:
                return t(key_, self.lang)
        return text

    def role(self, outcome: str) -> str:
        """Whether the plan pre-specified the outcome (primary, secondary, index) or it is exploratory."""
        return self.x(f"role_{self.view.plan.status(outcome)}")

    def scope_label(self, code: str) -> str:
        """A region's name, or "national"."""
        return t("national", self.lang) if code == NATIONAL else self.view.cfg.region(code).name

    # --------------------------------------------------------------------------------------------- values
    def _unit(self, outcome: str) -> str:
        var = self.view.codebook[outcome]
        return "share" if var.type == "binary" else var.unit_en

    def fmt(self, outcome: str, x: float, signed: bool = False, change: bool | None = None) -> str:
        """A value of ``outcome`` in its unit; a signed value (or ``change=True``) is a change (0/1 in points)."""
        return format_value(x, self.lang, self._unit(outcome), signed=signed, change=change)

    def ci(self, outcome: str, lo: float, hi: float) -> str:
        """An interval ``[lo; hi]`` of a change or effect in the outcome's unit (0/1 outcomes in points)."""
        return f"[{self.fmt(outcome, lo, change=True)}; {self.fmt(outcome, hi, change=True)}]"

    def val(self, outcome: str, x: float, signed: bool = False, change: bool | None = None) -> str:
        """A value of an outcome or index (indices in SD, two decimals); ``–`` when not finite."""
        if not np.isfinite(x):
            return "–"
        if outcome.startswith("index_"):
            return format_number(x, self.lang, 2, signed=signed)
        return self.fmt(outcome, x, signed=signed, change=change)

    def interval(self, outcome: str, lo: float, hi: float) -> str:
        """An interval of a change or effect of an outcome or index."""
        return f"[{self.val(outcome, lo, change=True)}; {self.val(outcome, hi, change=True)}]"

    def p(self, p: float) -> str:
        """A p-value (``< 0.001`` below one in a thousand)."""
        return (
            "< 0,001"
            if (p < 0.001 and self.lang == "id")
            else ("< 0.001" if p < 0.001 else format_number(p, self.lang, 3))
        )

    def pct(self, x: float) -> str:
        """A percentage without decimals; ``–`` when not finite."""
        return format_percent(x, self.lang, 0) if np.isfinite(x) else "–"

    def reading(self, lo: float, hi: float) -> str:
        """Up, down or unclear, from a 95% interval; "did not vary" for a zero-width interval, ``–`` for none.

        An interval ``[0, 0]`` comes from data without variation, not from an unclear effect, so it is never read
        as "not yet clear".
        """
        if not (np.isfinite(lo) and np.isfinite(hi)):
            return "–"
        if lo == hi:
            return t("reading_no_variation", self.lang)
        if lo > 0:
            return t("reading_up", self.lang)
        if hi < 0:
            return t("reading_down", self.lang)
        return t("reading_unclear", self.lang)

    # --------------------------------------------------------------------------------------------- degenerate
    def degenerate_cell(self, why: Degeneracy) -> str:
        """A table cell saying why an outcome has no estimate: "did not vary", "no data in the endline survey"."""
        return reason_cell(why.reason, self.lang, why.wave, why.arm)

    def degenerate_why(self, why: Degeneracy) -> str:
        """The reason of :meth:`degenerate_cell` as a clause (for notes)."""
        return reason_clause(why.reason, self.lang, why.wave, why.arm)

    def degenerate_note(self, outcome: str, why: Degeneracy) -> str:
        """The sentence under a table for an outcome without estimate: which outcome, why, the rest unaffected."""
        return t("degenerate_note", self.lang, label=self.olabel(outcome), why=self.degenerate_why(why))

    def degenerate_list(self, reasons: dict[str, Degeneracy]) -> str:
        """``label (reason); label (reason)`` of the outcomes left out of a table or a correction."""
        return "; ".join(f"{self.olabel(o)} ({self.degenerate_cell(why)})" for o, why in reasons.items())

    def get(self, series: pd.Series, name: str) -> float:
        """``series[name]``, NaN when absent."""
        return series.get(name, math.nan)

    # --------------------------------------------------------------------------------------------- disclosure
    @property
    def k(self) -> int:
        """The disclosure threshold."""
        return self.view.cfg.run.min_cell_size

    def disclosure_notes(self, mask: pd.DataFrame) -> list[str]:
        """The disclosure footnote when ``mask`` hides a cell."""
        if not mask.to_numpy().any():
            return []
        return [t("disclosure_note", self.lang, mark=MARK, k=self.k)]

    def small_note(self, hidden: bool) -> list[str]:
        """The disclosure footnote (``[c]``: fewer than k families) when a table hides a cell."""
        return [self.t("disclosure_note").format(mark=MARK, k=self.k)] if hidden else []

    def section(self, title: str, table: pd.DataFrame | None = None, notes: list[str] | None = None) -> Section:
        """A second-level section."""
        return Section(title, table, notes or [], level=2)
