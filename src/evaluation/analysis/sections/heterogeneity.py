"""Who gains more: effects by pre-specified subgroup with interaction tests, and dose-response among ProKUS families.

Small subgroups and doses are hidden (``[c]``) with their keys (:mod:`evaluation.stats.small_cells`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from evaluation.analysis.context import Computed, Context, View
from evaluation.analysis.display import Section
from evaluation.analysis.sections._words import Words
from evaluation.core.config import NATIONAL, REGION_COLUMN
from evaluation.core.disclosure import MARK
from evaluation.core.keys import key
from evaluation.stats import dose, heterogeneity, small_cells
from evaluation.stats.degenerate import outcome_degeneracy
from evaluation.text.formats import format_number

__all__ = ["compute_dose_response", "compute_heterogeneity", "show_dose_response", "show_heterogeneity"]


def compute_heterogeneity(ctx: Context) -> Computed:
    """Effects of the primary outcomes by subgroup, interaction tests and Holm over all of them.

    Parameters
    ----------
    ctx : Context
        The scope (the plan's primary outcomes and subgroups).

    Returns
    -------
    Computed
        Keys ``<scope>.<outcome>.het_<subgroup>.*`` of the cells shown; shown: ``table`` (one row per outcome,
        subgroup and level, with a ``suppressed`` column), ``tests`` (interaction p-values by outcome and
        subgroup) and ``left_out`` (the degenerate primary outcomes and why, :mod:`evaluation.stats.degenerate`).
    """
    plan = ctx.plan
    # within a region the region subgroup has one level; the national synthesis compares regions
    subgroups = [sg for sg in plan.subgroups if ctx.scope == NATIONAL or sg != REGION_COLUMN]
    table, keys = heterogeneity.heterogeneity(
        ctx.panel, ctx.scope, plan.primary, ctx.design, subgroups, fixed_effects=ctx.fixed_effects
    )
    tests = table.attrs["tests"].set_index(["outcome", "subgroup"])
    table, keys = small_cells.heterogeneity_suppression(ctx.panel, ctx.scope, ctx.design, table, keys, ctx.k)
    left_out = _degenerate(ctx.panel, plan.primary, ctx)
    return Computed(dict(keys), {"table": table, "tests": tests, "left_out": left_out})


def _degenerate(panel: pd.DataFrame, outcomes: Sequence[str], ctx: Context, arms: tuple[int, ...] = (1, 0)) -> dict:
    """The outcomes of ``outcomes`` no estimator can use in ``panel`` (:mod:`evaluation.stats.degenerate`), and why."""
    found = {o: outcome_degeneracy(panel, o, ctx.design, arms=arms) for o in outcomes}
    return {o: why for o, why in found.items() if why is not None}


def show_heterogeneity(result: Computed, view: View) -> Section:
    """The subgroup table (effect, interval, N, interaction p, Holm p; small levels as ``[c]``).

    Parameters
    ----------
    result : Computed
        What :func:`compute_heterogeneity` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    table, tests = result.shown["table"], result.shown["tests"]
    rows = []
    for _, r in table.iterrows():
        o, sg = r["outcome"], r["subgroup"]
        pair = (o, sg)
        hide = bool(r["suppressed"])
        rows.append(
            {
                w.t("col_outcome"): w.label(o),
                w.x("col_subgroup"): w.var(sg),
                w.x("col_level"): w.level(sg, r["level"]),
                w.t("col_effect"): MARK if hide else w.val(o, r["estimate"], signed=True),
                w.t("col_ci"): MARK if hide else w.interval(o, r["ci_low"], r["ci_high"]),
                "N": MARK if hide else f"{r['n_prokus']:.0f} / {r['n_comparison']:.0f}",
                w.x("col_p_inter"): w.p(tests.loc[pair, "p_value"]) if pair in tests.index else "–",
                w.x("col_p_inter_holm"): w.p(tests.loc[pair, "holm_p_value"]) if pair in tests.index else "–",
            }
        )
    notes = [w.x("het_note", n=len(tests)), *w.small_note(bool(table["suppressed"].any()))]
    notes += [w.degenerate_note(o, why) for o, why in result.shown.get("left_out", {}).items()]
    return w.section(w.x("het_title"), pd.DataFrame(rows), notes)


def compute_dose_response(ctx: Context) -> Computed:
    """Dose-response of the primary outcomes among ProKUS families (mentoring sessions, grant).

    Parameters
    ----------
    ctx : Context
        The scope (the plan's doses).

    Returns
    -------
    Computed
        Keys ``<scope>.<outcome>.dose.*`` of the rows shown and ``<scope>.disclosure.dose_suppressed``; shown:
        ``table`` (one row per outcome and dose, hidden rows removed), ``hidden`` (whether any was hidden),
        ``per_million`` (the doses measured per Rp1 juta) and ``left_out`` (the primary outcomes degenerate among
        ProKUS families, and why).
    """
    table, keys = dose.dose_response(
        ctx.panel, ctx.scope, ctx.plan.primary, ctx.design, ctx.plan.doses, fixed_effects=ctx.fixed_effects
    )
    table, keys = small_cells.dose_suppression(table, ctx.scope, keys, ctx.k)
    table = table[~table["suppressed"]] if not table.empty else table
    hidden = bool(keys.get(key(ctx.scope, "disclosure", "dose_suppressed")))
    prokus = ctx.panel[ctx.panel["treated"] == 1]
    shown = {
        "table": table, "hidden": hidden, "per_million": frozenset(dose.GRANT_SCALE),
        "left_out": _degenerate(prokus, ctx.plan.primary, ctx, arms=(1,)),
    }  # fmt: skip
    return Computed(dict(keys), shown)


def show_dose_response(result: Computed, view: View) -> Section:
    """The dose-response table with the not-randomised caveat.

    Parameters
    ----------
    result : Computed
        What :func:`compute_dose_response` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w, lang = Words(view), view.lang
    scaled = result.shown["per_million"]
    rows = [
        {
            w.t("col_outcome"): w.label(r["outcome"]),
            w.x("col_dose"): view.codebook[r["dose"]].label(lang) + (" (Rp1 juta)" if r["dose"] in scaled else ""),
            w.x("col_mean_dose"): format_number(r["mean_dose"], lang, 1),
            w.x("col_coef"): w.val(r["outcome"], r["estimate"], signed=True),
            w.t("col_ci"): w.interval(r["outcome"], r["ci_low"], r["ci_high"]),
            w.t("col_p"): w.p(r["p_value"]),
        }
        for _, r in result.shown["table"].iterrows()
    ]
    notes = [w.x("dose_note"), *w.small_note(result.shown["hidden"])]
    notes += [w.degenerate_note(o, why) for o, why in result.shown.get("left_out", {}).items()]
    return w.section(w.x("dose_title"), pd.DataFrame(rows), notes)
