"""Summary indices (Anderson 2008) and multiple-testing corrections (Holm, Benjamini-Hochberg, Romano-Wolf)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evaluation.analysis.context import Computed, Context, Intermediates, View
from evaluation.analysis.display import Section
from evaluation.analysis.sections._words import Words
from evaluation.core.keys import key
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
        The DiD keys of outcomes and indices and ``<scope>.<index>.weights.<outcome>``; shown: ``did``
        (estimates), ``families`` (index: items) and ``weights`` (index: {outcome: weight}).
    """
    did, keys = shared.did_all()
    weights = shared.indexed()[1]
    out = dict(keys)
    for f, ws in weights.items():
        for o, v in ws.items():
            out[key(ctx.scope, f, "weights", o)] = v
    return Computed(out, {"did": did, "families": dict(ctx.plan.families), "weights": weights})


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
    rows = []
    for name, items in families.items():
        if name not in did:
            continue
        e = did[name]
        rows.append(
            {
                w.t("col_outcome"): w.olabel(name),
                w.x("col_items"): ", ".join(view.codebook[o].label(lang) for o in items),
                w.t("col_effect"): w.val(name, e.estimate, signed=True),
                w.t("col_ci"): w.interval(name, e.ci_low, e.ci_high),
                w.t("col_p"): w.p(e.p_value),
                w.t("col_n"): format_number(e.n_units, lang),
            }
        )
    weights = "; ".join(
        f"{w.x(f)}: " + ", ".join(f"{o} {format_number(v, lang, 2)}" for o, v in ws.items())
        for f, ws in result.shown["weights"].items()
    )
    return w.section(w.x("index_title"), pd.DataFrame(rows), [w.x("index_note", weights=weights)])


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
        The DiD keys and ``<scope>.<outcome>.did.{holm,fdr_bh,romano_wolf}_*``; shown: ``table`` (one row per
        outcome: group, p-value and the three adjusted p-values), ``alpha`` and ``draws``.
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
    shown: dict[str, Any] = {"table": table, "alpha": ctx.design.alpha, "draws": plan.inference.romano_wolf_draws}
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
    return w.section(w.x("multiple_title"), pd.DataFrame(rows), [note])
