"""Synthetic data: whether each interval a notebook reported for its scope holds the generator's true effect."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from evaluation.analysis.context import Computed, Context, View
from evaluation.analysis.display import Section
from evaluation.analysis.sections._words import Words
from evaluation.core.keys import key

__all__ = ["METHODS", "compute_truth_intervals", "show_truth_intervals"]

# method: the (ci_low, ci_high) keys below <scope>.<outcome>
METHODS = {
    "did": (("did", "ci_low"), ("did", "ci_high")),
    "wcr": (("did", "wcr_ci_low"), ("did", "wcr_ci_high")),
    "wcr_webb": (("did", "wcr_webb_ci_low"), ("did", "wcr_webb_ci_high")),
    "ancova": (("ancova", "ci_low"), ("ancova", "ci_high")),
    "drdid": (("drdid", "ci_low"), ("drdid", "ci_high")),
    "ipw_did": (("ipw_did", "ci_low"), ("ipw_did", "ci_high")),
    "lee": (("lee", "ci_low"), ("lee", "ci_high")),
}


def compute_truth_intervals(ctx: Context, recorded: Mapping[str, Any]) -> Computed | None:
    """Whether each interval recorded so far (DiD, WCR, ANCOVA, DR-DiD, IPW, Lee) contains the true effect.

    Parameters
    ----------
    ctx : Context
        The scope (its ``truth``).
    recorded : Mapping[str, Any]
        The keys the notebook's earlier sections recorded; an interval is checked only if both of its ends are
        there, so the result depends on which sections ran before (by design: it checks what was reported).

    Returns
    -------
    Computed or None
        None for survey data. Else ``<scope>.<outcome>.<method>.truth_inside`` and
        ``<scope>.truth_intervals.<method>_{covered,intervals}``; shown: ``rows`` (outcome, method, truth, ci_low,
        ci_high, inside), ``covered`` and ``total``.
    """
    if not ctx.truth:
        return None
    s = ctx.scope
    keys: dict[str, Any] = {}
    rows = []
    counts: dict[str, list[int]] = {}
    for o in ctx.outcomes:
        true = ctx.truth.get(key(s, o, "att"))
        if true is None:
            continue
        for m, (lo_k, hi_k) in METHODS.items():
            lo, hi = recorded.get(key(s, o, *lo_k)), recorded.get(key(s, o, *hi_k))
            if lo is None or hi is None:
                continue
            inside = bool(lo <= true <= hi)
            counts.setdefault(m, [0, 0])
            counts[m][0] += inside
            counts[m][1] += 1
            keys[key(s, o, m, "truth_inside")] = inside
            rows.append({"outcome": o, "method": m, "truth": true, "ci_low": float(lo), "ci_high": float(hi),
                         "inside": inside})  # fmt: skip
    for m, (cov, tot) in counts.items():
        keys[key(s, "truth_intervals", f"{m}_covered")] = cov
        keys[key(s, "truth_intervals", f"{m}_intervals")] = tot
    covered = sum(c for c, _ in counts.values())
    total = sum(n for _, n in counts.values())
    return Computed(keys, {"rows": rows, "covered": covered, "total": total})


def show_truth_intervals(result: Computed | None, view: View) -> Section | None:
    """The table of intervals and truths and the coverage sentence.

    Parameters
    ----------
    result : Computed or None
        What :func:`compute_truth_intervals` returned.
    view : View
        The display settings.

    Returns
    -------
    Section or None
        None when there is no truth to check.
    """
    if result is None:
        return None
    w = Words(view)
    rows = [
        {
            w.t("col_outcome"): w.label(r["outcome"]),
            w.x("col_method"): r["method"],
            w.t("col_truth"): w.val(r["outcome"], r["truth"], signed=True),
            w.t("col_ci"): w.interval(r["outcome"], r["ci_low"], r["ci_high"]),
            w.t("col_covered"): w.t("yes" if r["inside"] else "no"),
        }
        for r in result.shown["rows"]
    ]
    note = w.x("truth2_note", covered=result.shown["covered"], total=result.shown["total"])
    return w.section(w.x("truth2_title"), pd.DataFrame(rows), [note])
