"""The effect sections: before/after change, difference-in-differences, their figures, regions, truth check.

The before/after change of ProKUS families (paired, clustered by village) and the DiD against the comparison group
come from :mod:`evaluation.stats.effects`; the DiD of every outcome and the group means are shared intermediates
(:class:`~evaluation.analysis.context.Intermediates`), computed once whichever section asks first.
"""

from __future__ import annotations

import pandas as pd
from IPython.display import Image

from evaluation.analysis.context import Computed, Context, Intermediates, View
from evaluation.analysis.display import Section
from evaluation.analysis.sections._words import Words
from evaluation.core.config import NATIONAL
from evaluation.core.keys import key
from evaluation.stats import bootstrap
from evaluation.stats import effects as analysis
from evaluation.text import figures
from evaluation.text.formats import format_number, format_percent, format_relative

__all__ = [
    "compute_before_after",
    "compute_did",
    "compute_figure_before_after",
    "compute_figure_effects",
    "compute_regions",
    "compute_truth_check",
    "show_before_after",
    "show_did",
    "show_figure_before_after",
    "show_figure_effects",
    "show_forest_plot",
    "show_region_comparison",
    "show_truth_check",
]


def _figure_path(view: View, name: str) -> str:
    return str(view.output_dir / "figures" / f"{name}.png")


# ----------------------------------------------------------------------------------------------------- before/after
def compute_before_after(ctx: Context, shared: Intermediates) -> Computed:
    """Before/after change of ProKUS families (paired, clustered by village).

    Parameters
    ----------
    ctx : Context
        The scope.
    shared : Intermediates
        The scope's shared estimates (the group means).

    Returns
    -------
    Computed
        Keys of the group means and ``<scope>.<outcome>.pre_post.*``; shown: ``means`` (outcome, group, wave,
        mean) and ``effects`` (:class:`evaluation.stats.effects.Effects`).
    """
    means, mkeys = shared.group_means()
    pre_post = analysis.before_after(ctx.panel, ctx.scope, ctx.outcomes, ctx.design)
    return Computed({**mkeys, **pre_post.keys(ctx.scope)}, {"means": means, "effects": pre_post})


def show_before_after(result: Computed, view: View) -> Section:
    """ProKUS means before and after, the change, its interval and p-value, with the COVID-19 caveat.

    Parameters
    ----------
    result : Computed
        What :func:`compute_before_after` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    means, pre_post = result.shown["means"], result.shown["effects"]
    rows = []
    for o, e in pre_post.estimates.items():
        m = means[(means["outcome"] == o) & (means["group"] == "prokus")].set_index("wave")["mean"]
        rows.append(
            {
                w.t("col_outcome"): w.label(o),
                w.t("col_before"): w.fmt(o, w.get(m, "before")),
                w.t("col_after"): w.fmt(o, w.get(m, "after")),
                w.t("col_change"): w.fmt(o, e.estimate, signed=True),
                w.t("col_ci"): w.ci(o, e.ci_low, e.ci_high),
                w.t("col_p"): w.p(e.p_value),
                w.t("col_n"): format_number(e.n_units, w.lang),
                w.t("col_reading"): w.reading(e.ci_low, e.ci_high),
            }
        )
    for o, why in pre_post.reasons.items():  # a degenerate outcome: a row that says why, no numbers
        rows.append(
            {
                w.t("col_outcome"): w.label(o),
                w.t("col_before"): "–",
                w.t("col_after"): "–",
                w.t("col_change"): "–",
                w.t("col_ci"): "–",
                w.t("col_p"): "–",
                w.t("col_n"): "–",
                w.t("col_reading"): w.degenerate_cell(why),
            }
        )
    notes = [w.t("change_caveat")]
    notes += _failure_notes(w, pre_post)
    return Section(w.t("change_title"), pd.DataFrame(rows), notes)


def _failure_notes(w: Words, effects: analysis.Effects) -> list[str]:
    """One note per outcome without an estimate: in words for a degenerate outcome, else the technical reason."""
    return [
        w.degenerate_note(o, effects.reasons[o]) if o in effects.reasons else f"{w.label(o)}: {why}"
        for o, why in effects.failures.items()
    ]


# ----------------------------------------------------------------------------------------------------- DiD
def compute_did(ctx: Context, shared: Intermediates) -> Computed:
    """Difference-in-differences of every outcome against the comparison group, clustered by village.

    Parameters
    ----------
    ctx : Context
        The scope.
    shared : Intermediates
        The scope's shared estimates (the DiD).

    Returns
    -------
    Computed
        Keys ``<scope>.<outcome>.did.*``, with the cluster-jackknife interval beside the CRV1 one
        (``did.crv3_{se,ci_low,ci_high,p_value}``, :func:`evaluation.stats.bootstrap.crv3_did`); shown: ``effects``
        (:class:`evaluation.stats.effects.Effects`) and ``crv3`` (one row per outcome with a CRV3 interval).
    """
    did = shared.did()
    crv3, ckeys = bootstrap.crv3_did(
        ctx.panel, ctx.scope, list(did.estimates), ctx.design, fixed_effects=ctx.fixed_effects
    )
    return Computed({**did.keys(ctx.scope), **ckeys}, {"effects": did, "crv3": crv3})


def show_did(result: Computed, view: View) -> Section:
    """The DiD table: effect, interval, p-value, families, villages, reading; with the caveat.

    Parameters
    ----------
    result : Computed
        What :func:`compute_did` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    did = result.shown["effects"]
    crv3 = result.shown["crv3"].set_index("outcome")

    def ci3(o: str) -> str:
        return w.ci(o, crv3.at[o, "crv3_ci_low"], crv3.at[o, "crv3_ci_high"]) if o in crv3.index else "–"

    rows = [
        {
            w.t("col_outcome"): w.label(o),
            w.t("col_effect"): w.fmt(o, e.estimate, signed=True),
            w.t("col_ci"): w.ci(o, e.ci_low, e.ci_high),
            w.x("col_ci_crv3"): ci3(o),
            w.t("col_p"): w.p(e.p_value),
            w.t("col_n"): format_number(e.n_units, w.lang),
            w.t("col_clusters"): format_number(e.n_clusters or 0, w.lang),
            w.t("col_reading"): w.reading(e.ci_low, e.ci_high),
        }
        for o, e in did.estimates.items()
    ]
    rows += [
        {
            w.t("col_outcome"): w.label(o),
            w.t("col_effect"): "–",
            w.t("col_ci"): "–",
            w.x("col_ci_crv3"): "–",
            w.t("col_p"): "–",
            w.t("col_n"): "–",
            w.t("col_clusters"): "–",
            w.t("col_reading"): w.degenerate_cell(why),
        }
        for o, why in did.reasons.items()
    ]  # a degenerate outcome: a row that says why ("did not vary"), no numbers
    notes = [w.t("did_caveat"), w.x("did_crv3_note")]
    notes += _failure_notes(w, did)
    return Section(w.t("did_title"), pd.DataFrame(rows), notes)


# ----------------------------------------------------------------------------------------------------- figures
def compute_figure_before_after(ctx: Context, shared: Intermediates) -> Computed:
    """The group means the before/after figure draws.

    Parameters
    ----------
    ctx : Context
        The scope.
    shared : Intermediates
        The scope's shared estimates (the group means).

    Returns
    -------
    Computed
        Keys of the group means; shown: ``means`` and ``headline`` (the outcomes drawn).
    """
    means, mkeys = shared.group_means()
    return Computed(dict(mkeys), {"means": means, "headline": ctx.headline})


def show_figure_before_after(result: Computed, view: View) -> Image:
    """Headline outcomes before and after, both groups, 95% intervals of the means (saved as a PNG).

    Parameters
    ----------
    result : Computed
        What :func:`compute_figure_before_after` returned.
    view : View
        The display settings (``output_dir/figures/before_after.png`` is written).

    Returns
    -------
    IPython.display.Image
        The figure.
    """
    w = Words(view)
    headline = result.shown["headline"]
    means = result.shown["means"]
    binary = [o for o in headline if view.codebook[o].type == "binary"]
    drawn = means.copy()  # 0/1 outcomes are drawn as percent of families, labelled (%)
    drawn.loc[drawn["outcome"].isin(binary), ["mean", "ci_half"]] *= 100
    labels = {o: f"{view.codebook[o].label(w.lang)} (%)" if o in binary else w.label(o) for o in headline}
    groups = {"prokus": w.t("group_prokus"), "comparison": w.t("group_comparison")}
    fig = figures.before_after_figure(
        drawn,
        headline,
        labels,
        groups,
        {"before": w.t("col_before"), "after": w.t("col_after")},
        w.t("fig_before_after"),
        w.source,
    )
    items = []
    for o in headline:
        parts = []
        for group, name in groups.items():
            g = means[(means["outcome"] == o) & (means["group"] == group)].set_index("wave")["mean"]
            if "before" in g.index and "after" in g.index:
                parts.append(f"{name} {w.fmt(o, g['before'])} → {w.fmt(o, g['after'])}")
        items.append(f"{view.codebook[o].label(w.lang)}: {', '.join(parts)}" if parts else "")
    alt = figures.alt_text(w.t("fig_before_after"), items)
    return Image(filename=str(figures.save_png(fig, _figure_path(view, "before_after"))), metadata={"alt": alt})


def compute_figure_effects(ctx: Context, shared: Intermediates) -> Computed:
    """The DiD effects and ProKUS baseline means the effects figure draws.

    Parameters
    ----------
    ctx : Context
        The scope.
    shared : Intermediates
        The scope's shared estimates (DiD and group means).

    Returns
    -------
    Computed
        Keys of the DiD and the group means; shown: ``effects`` (one row per outcome), ``base`` (ProKUS
        baseline mean per outcome) and ``outcomes``.
    """
    did = shared.did()
    means, mkeys = shared.group_means()
    base = means[(means["group"] == "prokus") & (means["wave"] == "before")].set_index("outcome")["mean"].to_dict()
    return Computed({**did.keys(ctx.scope), **mkeys}, {"effects": did.table(), "base": base, "outcomes": ctx.outcomes})


def show_figure_effects(result: Computed, view: View) -> Image:
    """DiD effects of all outcomes as a percentage of the ProKUS baseline mean (saved as a PNG).

    Parameters
    ----------
    result : Computed
        What :func:`compute_figure_effects` returned.
    view : View
        The display settings (``output_dir/figures/effects.png`` is written).

    Returns
    -------
    IPython.display.Image
        The figure.
    """
    w = Words(view)
    labels = {o: view.codebook[o].label(w.lang) for o in result.shown["outcomes"]}
    fig = figures.effects_figure(
        result.shown["effects"], result.shown["base"], labels, w.t("fig_effects"), w.t("fig_effects_x"), w.source
    )
    rel = figures.relative_effects(result.shown["effects"], result.shown["base"], labels)
    items = [
        f"{lab}: {format_relative(est / 100, w.lang)} "
        f"[{format_relative(lo / 100, w.lang)}; {format_relative(hi / 100, w.lang)}]"
        for lab, est, lo, hi in rel
    ]
    alt = figures.alt_text(f"{w.t('fig_effects')} ({w.t('fig_effects_x')})", items)
    return Image(filename=str(figures.save_png(fig, _figure_path(view, "effects"))), metadata={"alt": alt})


# ----------------------------------------------------------------------------------------------------- regions
def compute_regions(ctx: Context, shared: Intermediates) -> Computed:
    """The DiD of every outcome in each region large enough to publish, and nationally.

    Parameters
    ----------
    ctx : Context
        The scope (the national synthesis).
    shared : Intermediates
        The scope's shared estimates (the region effects).

    Returns
    -------
    Computed
        Keys ``<region>.<outcome>.did.*``, ``national.<outcome>.did.*`` and
        ``<scope>.disclosure.regions_suppressed``; shown: ``effects`` (scope, outcome, estimate, ci_low,
        ci_high, p_value, n_units) and ``headline``.
    """
    eff, keys = shared.region_effects()
    return Computed(dict(keys), {"effects": eff, "headline": ctx.headline})


def show_region_comparison(result: Computed, view: View) -> Section:
    """DiD effect of each headline outcome in each region and nationally.

    Parameters
    ----------
    result : Computed
        What :func:`compute_regions` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    eff = result.shown["effects"]
    if eff.empty:  # every region and the scope itself below the disclosure threshold: said, not an empty table
        return Section(w.t("region_comparison_title"), None, [w.t("region_comparison_none", k=w.k)])
    rows = [
        {
            w.t("col_outcome"): w.label(r["outcome"]),
            w.t("col_region"): w.scope_label(r["scope"]),
            w.t("col_effect"): w.fmt(r["outcome"], r["estimate"], signed=True),
            w.t("col_ci"): w.ci(r["outcome"], r["ci_low"], r["ci_high"]),
            w.t("col_n"): format_number(r["n_units"], w.lang),
            w.t("col_reading"): w.reading(r["ci_low"], r["ci_high"]),
        }
        for _, r in eff[eff["outcome"].isin(result.shown["headline"])].iterrows()
    ]
    return Section(w.t("region_comparison_title"), pd.DataFrame(rows))


def show_forest_plot(result: Computed, view: View) -> Image | None:
    """Forest plot of headline DiD effects by region and nationally (saved as a PNG).

    Parameters
    ----------
    result : Computed
        What :func:`compute_regions` returned.
    view : View
        The display settings (``output_dir/figures/forest.png`` is written).

    Returns
    -------
    IPython.display.Image or None
        The figure; None when no region (nor the scope) has enough families to publish an effect.
    """
    w = Words(view)
    eff, headline = result.shown["effects"], result.shown["headline"]
    if eff.empty:  # nothing publishable to plot (show_region_comparison says why)
        return None
    scopes = [*dict.fromkeys(s for s in eff["scope"] if s != NATIONAL), NATIONAL]
    binary = [o for o in headline if view.codebook[o].type == "binary"]
    drawn = eff.copy()  # effects on 0/1 outcomes are drawn in percentage points, labelled so
    drawn.loc[drawn["outcome"].isin(binary), ["estimate", "ci_low", "ci_high"]] *= 100
    points = w.t("unit_percentage_points")
    labels = {o: f"{view.codebook[o].label(w.lang)} ({points})" if o in binary else w.label(o) for o in headline}
    fig = figures.forest_figure(
        drawn, headline, labels, {s: w.scope_label(s) for s in scopes}, w.t("fig_forest"), w.source
    )
    items = []
    for o in headline:
        for _, r in eff[eff["outcome"] == o].iterrows():
            items.append(
                f"{view.codebook[o].label(w.lang)}, {w.scope_label(r['scope'])}: "
                f"{w.fmt(o, r['estimate'], signed=True)} {w.ci(o, r['ci_low'], r['ci_high'])}"
            )
    alt = figures.alt_text(w.t("fig_forest"), items)
    return Image(filename=str(figures.save_png(fig, _figure_path(view, "forest"))), metadata={"alt": alt})


# ----------------------------------------------------------------------------------------------------- truth
def compute_truth_check(ctx: Context, shared: Intermediates) -> Computed | None:
    """For synthetic data, whether each regional and national DiD 95% interval contains the true effect.

    Parameters
    ----------
    ctx : Context
        The scope (its ``truth``: the generator's effects).
    shared : Intermediates
        The scope's shared estimates (the region effects).

    Returns
    -------
    Computed or None
        None for survey data (no truth). Else the region effects' keys and
        ``<scope>.truth_check.{did_intervals,did_covered}``; shown: ``rows`` (scope, outcome, truth, estimate,
        ci_low, ci_high, inside), ``covered`` and ``total``.
    """
    if not ctx.truth:
        return None
    eff, keys = shared.region_effects()
    out = dict(keys)
    rows = []
    for _, r in eff.iterrows():
        true = ctx.truth.get(key(r["scope"], r["outcome"], "att"))
        if true is None:
            continue
        inside = bool(r["ci_low"] <= true <= r["ci_high"])
        rows.append({**r[["scope", "outcome", "estimate", "ci_low", "ci_high"]].to_dict(), "truth": true,
                     "inside": inside})  # fmt: skip
    covered = sum(r["inside"] for r in rows)
    out[key(ctx.scope, "truth_check", "did_intervals")] = len(rows)
    out[key(ctx.scope, "truth_check", "did_covered")] = covered
    return Computed(out, {"rows": rows, "covered": covered, "total": len(rows)})


def show_truth_check(result: Computed | None, view: View) -> Section | None:
    """The truth-check table and the coverage sentence.

    Parameters
    ----------
    result : Computed or None
        What :func:`compute_truth_check` returned.
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
            w.t("col_region"): w.scope_label(r["scope"]),
            w.t("col_outcome"): w.label(r["outcome"]),
            w.t("col_truth"): w.fmt(r["outcome"], r["truth"], signed=True),
            w.t("col_effect"): w.fmt(r["outcome"], r["estimate"], signed=True),
            w.t("col_ci"): w.ci(r["outcome"], r["ci_low"], r["ci_high"]),
            w.t("col_covered"): w.t("yes" if r["inside"] else "no"),
        }
        for r in result.shown["rows"]
    ]
    covered, total = result.shown["covered"], result.shown["total"]
    share = format_percent(covered / total, w.lang) if total else "–"
    note = w.t("coverage_sentence", covered=covered, total=total, share=share)
    return Section(w.t("truth_title"), pd.DataFrame(rows), [note])
