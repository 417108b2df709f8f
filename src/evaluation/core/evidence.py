"""Evidence grade of a finding: one documented rule, read from ``results.json`` and the analysis plan.

Every report that says what the programme did (policy brief, landing page, technical report) words a finding by the
grade :func:`grade` gives it, so no document calls something an effect that the analysis plan's corrections and
robustness checks do not support (issue 15). The rule lives here, in ``core``, so that the reports and the
notebooks read the same grade and a test can recompute every grade a brief shows from ``results.json`` alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evaluation.core.keys import key
from evaluation.core.plan import AnalysisPlan

__all__ = ["DEFAULT_ALPHA", "FWER_CORRECTIONS", "GRADES", "REASONS", "Evidence", "grade"]

DEFAULT_ALPHA = 0.05  # the config's default [design] alpha

# Grades, strongest first. "before_after": only a before/after change (no comparison group), never an effect.
GRADES: tuple[str, ...] = ("strong", "suggestive", "none", "before_after", "not_estimated")
# Corrections the rule requires a finding to survive, among those the plan lists (in this order).
FWER_CORRECTIONS: tuple[str, ...] = ("holm", "romano_wolf", "fdr_bh")
# Why a finding with an interval excluding zero is only "suggestive" (reason codes, worded by the catalogue).
REASONS: tuple[str, ...] = (
    "exploratory",
    "holm",
    "romano_wolf",
    "fdr_bh",
    "correction_missing",
    "bounds",
    "bounds_missing",
)


@dataclass(frozen=True)
class Evidence:
    """The grade of one outcome in one scope, and why.

    ``grade`` is one of :data:`GRADES`; ``reasons`` are the reason codes (:data:`REASONS`) that kept an interval
    excluding zero from "strong", in the rule's order; ``direction`` is ``"up"`` or ``"down"`` (the sign of the DiD
    estimate) when the grade is ``strong`` or ``suggestive``, else ``""``.
    """

    grade: str
    reasons: tuple[str, ...] = ()
    direction: str = ""

    @property
    def is_effect(self) -> bool:
        """True only for ``strong``: the one grade a report may word as an effect of the programme."""
        return self.grade == "strong"


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _group(plan: AnalysisPlan, outcome: str) -> str | None:
    """The plan's multiple-testing group of an outcome (``primary``, ``secondary``, ``index``), or None."""
    status = plan.status(outcome)
    return None if status == "exploratory" else status


def grade(
    results: Mapping[str, Any], scope: str, outcome: str, plan: AnalysisPlan, alpha: float | None = None
) -> Evidence:
    """Grade the evidence that the programme changed ``outcome`` in ``scope``.

    The rule, applied in this order to the keys of ``results.json``:

    1. No ``<scope>.<outcome>.did`` estimate with a finite interval: ``before_after`` when a before/after change
       (``pre_post``) exists (no comparison group, so never an effect), else ``not_estimated``.
    2. The 95% DiD interval (``did.ci_low``, ``did.ci_high``) includes zero: ``none`` (no evidence of an effect).
    3. Otherwise the finding is ``strong`` only when all of these hold, and ``suggestive`` when any fails (each
       failure is a reason):

       * the outcome is pre-specified in the analysis plan (primary, secondary or a family index), else
         ``exploratory``;
       * for every correction the plan lists (``[plan] corrections``: Holm, Romano-Wolf, Benjamini-Hochberg),
         the adjusted p-value of the outcome within its plan group (``did.<correction>_p_value``) is below
         the significance level ``alpha``, else the correction's name; an adjusted p-value missing or not finite is
         ``correction_missing`` (a correction that could not be checked is not passed);
       * the attrition (Lee 2009) bounds' interval (``lee.ci_low``, ``lee.ci_high``) excludes zero on the same side
         as the DiD interval, else ``bounds``; bounds missing are ``bounds_missing``.

    Parameters
    ----------
    results : Mapping
        The flat ``results.json`` mapping.
    scope : str
        Region code or ``national``.
    outcome : str
        Outcome or family index name.
    plan : AnalysisPlan
        The pre-analysis plan (pre-specified outcomes, groups and corrections).
    alpha : float, optional
        Significance level of the corrections; default: the run's own ``<scope>.<outcome>.did.alpha`` (the
        config's ``[design] alpha``), else 0.05.

    Returns
    -------
    Evidence
        The grade, the reasons and the direction.

    Raises
    ------
    ValueError
        When ``alpha`` is not in (0, 1).

    Notes
    -----
    Source: the analysis plan's corrections (Holm 1979; Romano and Wolf 2005; Benjamini and Hochberg 1995) and
    attrition bounds (Lee 2009), as pre-specified in ``data/analysis_plan.toml``; Casey, Glennerster and Miguel
    (2012) on reading results by the plan.
    """

    def get(*parts: str) -> float | None:
        return _finite(results.get(key(scope, outcome, *parts)))

    if alpha is None:
        alpha = get("did", "alpha") or DEFAULT_ALPHA
    if not 0 < alpha < 1:
        raise ValueError(f"alpha = {alpha} is outside (0, 1)")

    est, lo, hi = get("did", "estimate"), get("did", "ci_low"), get("did", "ci_high")
    if est is None or lo is None or hi is None:
        pre = get("pre_post", "estimate")
        return Evidence("before_after" if pre is not None else "not_estimated")
    if lo <= 0 <= hi:
        return Evidence("none")
    up = lo > 0
    reasons: list[str] = []
    if _group(plan, outcome) is None:
        reasons.append("exploratory")
    else:
        for name in (c for c in FWER_CORRECTIONS if c in plan.corrections):
            p = get("did", f"{name}_p_value")
            if p is None:
                if "correction_missing" not in reasons:
                    reasons.append("correction_missing")
            elif not p < alpha:
                reasons.append(name)
    lee_lo, lee_hi = get("lee", "ci_low"), get("lee", "ci_high")
    if lee_lo is None or lee_hi is None:
        reasons.append("bounds_missing")
    elif not (lee_lo > 0 if up else lee_hi < 0):
        reasons.append("bounds")
    return Evidence("suggestive" if reasons else "strong", tuple(reasons), "up" if up else "down")
