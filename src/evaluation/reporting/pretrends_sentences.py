"""The brief's sentences on parallel trends: what the design can show, and how large a violation overturns a finding.

Read from ``results.json`` only (the keys of :mod:`evaluation.analysis.sections.pretrends`):
``<scope>.parallel_trends.pre_waves`` says whether the data had a pre-programme wave before baseline, and
``<scope>.<outcome>.did_breakdown.{trend, direction, share_of_gap}`` the breakdown value of each DiD (Rambachan &
Roth 2023): the differential trend between the groups, in the outcome's unit, at which its 95% interval would
include zero. An outcome whose interval already includes zero gets no such sentence (there is no finding to
overturn; the effect sentence already says the evidence is unclear).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from evaluation.core.keys import key
from evaluation.reporting.view import ResultsView
from evaluation.text.catalogue import t
from evaluation.text.pretrends_phrases import share_clause

__all__ = ["parallel_trends_sentences"]


class _Text(Protocol):
    label: str

    def fmt(self, x: float, signed: bool) -> str: ...


def parallel_trends_sentences(
    view: ResultsView, scope: str, headline: Sequence[str], texts: Mapping[str, _Text], lang: str
) -> list[str]:
    """One sentence on what the design can show about parallel trends, then one per headline finding it could overturn.

    Parameters
    ----------
    view : ResultsView
        The run's results.
    scope : str
        A region code or ``national``.
    headline : sequence of str
        The headline outcomes, in order.
    texts : mapping
        Each outcome's label and value format (:class:`evaluation.reporting.findings.OutcomeText`).
    lang : str
        ``id`` or ``en``.

    Returns
    -------
    list of str
        Empty when the scope has no parallel-trends keys (the section did not run).
    """
    n_pre = view.get(key(scope, "parallel_trends", "pre_waves"))
    if n_pre is None:
        return []
    out = [t("pt_design_pre" if int(n_pre) > 0 else "pt_design_one", lang)]
    for outcome in headline:
        b = view.topic(scope, outcome, "did_breakdown")
        if outcome not in texts or not b or not b.get("direction"):
            continue
        share = b.get("share_of_gap")
        clause = share_clause(share, lang)
        out.append(
            t(
                "pt_breakdown_up" if b["direction"] > 0 else "pt_breakdown_down",
                lang,
                label=texts[outcome].label,
                trend=texts[outcome].fmt(float(b["trend"]), False),
                share_clause=clause,
            )
        )
    return out
