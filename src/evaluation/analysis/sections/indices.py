"""Summary indices (Anderson 2008) and multiple-testing corrections (Holm, Benjamini-Hochberg, Romano-Wolf)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evaluation.analysis.context import Computed, Context, Intermediates, View
from evaluation.analysis.display import Section
from evaluation.analysis.sections._words import Words
from evaluation.core.keys import key
from evaluation.stats import indices as stats_indices
from evaluation.stats import multiple
from evaluation.text.formats import format_number

__all__ = ["compute_multiple_testing", "compute_summary_indices", "show_multiple_testing", "show_summary_indices"]


def compute_summary_indices(ctx: Context, shared: Intermediates) -> Computed:
    """DiD effects on the plan's family indices (SD units) and each index's item weights.

    Parameters
    ----------
    ctx : Context
        The scope (the plan's families).
    shared : Intermediates
        The scope's shared estimates (DiD of outcomes and indices, index weights).

    Returns
    -------
    Computed
        The DiD keys of outcomes and indices, ``<scope>.<index>.weights.<outcome>`` and, for each component an
        index leaves out (:func:`evaluation.stats.indices.left_out_components`: no data, no variation),
        ``<scope>.<index>.left_out.<outcome> = <reason>``; shown: ``did`` (estimates), ``families`` (index:
        items), ``weights`` (index: {outcome: weight}) and ``left_out`` (index: {outcome: reason}).
    """
    did, keys = shared.did_all()
    weights = shared.indexed()[1]
    left_out = stats_indices.left_out_components(ctx.panel, ctx.plan.families, ctx.design)
    out = dict(keys)
    for f, ws in weights.items():
        for o, v in ws.items():
            out[key(ctx.scope, f, "weights", o)] = v
    for f, reasons in left_out.items():
        for o, reason in reasons.items():
            out[key(ctx.scope, f, "left_out", o)] = reason
    shown = {"did": did, "families": dict(ctx.plan.families), "weights": weights, "left_out": left_out}
    return Computed(out, shown)


def show_summary_indices(result: Computed, view: View) -> Section:
    """The index effects (items, effect, interval, p, n) and the weights.

    Parameters
    ----------
    result : Computed
        What :func:`compute_summary_indices` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w, lang = Words(view), view.lang
    did, families = result.shown["did"], result.shown["families"]
    left_out: dict[str, dict[str, str]] = result.shown.get("left_out", {})
    rows, notes = [], []
    for name, items in families.items():
        if name not in did:
            if name in left_out:
                notes.append(w.t("degenerate_index_not_computed", index=w.olabel(name)))
            continue
        e = did[name]
        used = [o for o in items if o not in left_out.get(name, {})]
        rows.append(
            {
                w.t("col_outcome"): w.olabel(name),
                w.x("col_items"): ", ".join(view.codebook[o].label(lang) for o in used),
                w.t("col_effect"): w.val(name, e.estimate, signed=True),
                w.t("col_ci"): w.interval(name, e.ci_low, e.ci_high),
                w.t("col_p"): w.p(e.p_value),
                w.t("col_n"): format_number(e.n_units, lang),
            }
        )
    weights = "; ".join(
        f"{w.x(f)}: " + ", ".join(f"{w.var(o)} {format_number(v, lang, 2)}" for o, v in ws.items())
        for f, ws in result.shown["weights"].items()
    )
    dropped = [
        f"{w.x(f)}: "
        + ", ".join(f"{view.codebook[o].label(lang)} ({w.t(f'degenerate_cell_{r}')})" for o, r in rs.items())
        for f, rs in left_out.items()
    ]
    if dropped:
        notes.append(w.t("degenerate_left_out_index", items="; ".join(dropped)))
    return w.section(w.x("index_title"), pd.DataFrame(rows), [w.x("index_note", weights=weights), *notes])


def compute_multiple_testing(ctx: Context, shared: Intermediates) -> Computed:
    """Holm, BH and Romano-Wolf adjusted DiD p-values within the primary, secondary and index groups.

    Parameters
    ----------
    ctx : Context
        The scope (the plan's groups, draws and seed).
    shared : Intermediates
        The scope's shared estimates (DiD of outcomes and indices, the indexed panel).

    Returns
    -------
    Computed
        The DiD keys and ``<scope>.<outcome>.did.{holm,fdr_bh,romano_wolf}_*``, computed within each group over
        its estimable outcomes, and ``<scope>.multiple_testing.left_out.<outcome> = <reason>`` for each outcome
        of a group left out as degenerate; shown: ``table`` (one row per outcome: group, p-value and the three
        adjusted p-values), ``alpha``, ``draws`` and ``left_out`` (outcome: Degeneracy).
    """
    did, dkeys = shared.did_all()
    plan = ctx.plan
    groups = {"primary": list(plan.primary), "secondary": list(plan.secondary), "index": list(plan.families)}
    panel = shared.indexed()[0]
    rw: dict[str, float] = {}
    for members in groups.values():
        rw.update(
            multiple.romano_wolf_did(
                panel,
                ctx.scope,
                [m for m in members if m in did],
                ctx.design,
                n_boot=plan.inference.romano_wolf_draws,
                seed=ctx.seed,
                fixed_effects=ctx.fixed_effects,
            )
        )
    pvals = {o: e.p_value for o, e in did.items()}
    table, keys = multiple.adjusted_table(pvals, groups, rw, ctx.scope, ctx.design.alpha)
    # the corrections run over the estimable outcomes; the others are named, with why
    left_out = {o: why for o, why in shared.did().reasons.items() if any(o in m for m in groups.values())}
    for o, why in left_out.items():
        keys[key(ctx.scope, "multiple_testing", "left_out", o)] = why.reason
    shown: dict[str, Any] = {
        "table": table, "alpha": ctx.design.alpha, "draws": plan.inference.romano_wolf_draws, "left_out": left_out,
    }  # fmt: skip
    return Computed({**dkeys, **keys}, shown)


def show_multiple_testing(result: Computed, view: View) -> Section:
    """The adjusted p-values and which outcomes survive each correction.

    Parameters
    ----------
    result : Computed
        What :func:`compute_multiple_testing` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    table, alpha = result.shown["table"], result.shown["alpha"]
    rows = [
        {
            w.t("col_outcome"): w.olabel(r["outcome"]),
            w.x("col_family"): w.x(f"role_{r['group']}"),
            w.t("col_p"): w.p(r["p_value"]),
            w.x("col_p_holm"): w.p(r["holm_p_value"]),
            w.x("col_p_bh"): w.p(r["fdr_bh_p_value"]),
            w.x("col_p_rw"): w.p(r["romano_wolf_p_value"]),
        }
        for _, r in table.iterrows()
    ]

    def survivors(col: str) -> str:
        names = [w.olabel(o) for o, p in zip(table["outcome"], table[col], strict=True) if p < alpha]
        return ", ".join(names) if names else w.x("none")

    note = w.x(
        "multiple_note",
        b=result.shown["draws"],
        holm=survivors("holm_p_value"),
        rw=survivors("romano_wolf_p_value"),
        bh=survivors("fdr_bh_p_value"),
    )
    notes = [note]
    if result.shown.get("left_out"):
        notes.append(w.t("degenerate_left_out_tests", items=w.degenerate_list(result.shown["left_out"])))
    return w.section(w.x("multiple_title"), pd.DataFrame(rows), notes)
