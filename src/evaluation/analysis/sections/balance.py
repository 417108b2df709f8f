"""The analysis plan, baseline balance (iebaltab style) and few-cluster inference (wild cluster bootstrap).

The plan (``data/analysis_plan.toml``) says which outcomes, families, subgroups and corrections were pre-specified;
every table of the inference sections says whether a row was pre-specified or is exploratory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evaluation.analysis.context import Computed, Context, Intermediates, View
from evaluation.analysis.display import Section
from evaluation.analysis.sections._words import Words
from evaluation.core.config import NATIONAL
from evaluation.core.disclosure import MARK
from evaluation.core.keys import key
from evaluation.stats import balance, bootstrap, small_cells
from evaluation.text.formats import format_number

__all__ = [
    "compute_analysis_plan",
    "compute_balance_table",
    "compute_few_clusters",
    "show_analysis_plan",
    "show_balance_table",
    "show_few_clusters",
]


def compute_analysis_plan(ctx: Context) -> Computed:
    """The plan's registration date and number of primary outcomes.

    Parameters
    ----------
    ctx : Context
        The scope (its ``plan``).

    Returns
    -------
    Computed
        Keys ``<scope>.plan.{registered,n_primary,estimator}``; shown: ``plan``.
    """
    p = ctx.plan
    keys = {
        key(ctx.scope, "plan", "registered"): p.registered or "unknown",
        key(ctx.scope, "plan", "n_primary"): len(p.primary),
        key(ctx.scope, "plan", "estimator"): p.estimator,
    }
    return Computed(keys, {"plan": p})


def show_analysis_plan(result: Computed, view: View) -> Section:
    """What the plan pre-specifies: outcomes by role, index families, subgroups, doses, corrections.

    Parameters
    ----------
    result : Computed
        What :func:`compute_analysis_plan` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    p = result.shown["plan"]
    rows = [
        (w.x("role_primary"), ", ".join(w.label(o) for o in p.primary)),
        (w.x("role_secondary"), ", ".join(w.label(o) for o in p.secondary)),
        *[(w.x("role_index"), f"{w.x(f)}: " + ", ".join(w.label(o) for o in m)) for f, m in p.families.items()],
        (w.x("role_subgroups"), ", ".join(p.subgroups)),
        (w.x("role_doses"), ", ".join(p.doses)),
        (w.x("role_corrections"), ", ".join(p.corrections)),
        (w.x("role_estimator"), w.x("estimator_roles", primary=p.estimator, checks=", ".join(p.checks))),
    ]
    table = pd.DataFrame(rows, columns=[w.x("col_role"), w.x("col_items")])
    return w.section(w.x("plan_title"), table, [w.x("plan_note", path=p.path, date=p.registered)])


# ----------------------------------------------------------------------------------------------------- balance
def compute_balance_table(ctx: Context) -> Computed:
    """Baseline balance of the plan's covariates and the outcomes, with the joint F test; small cells hidden.

    National: pooled with region fixed effects (:func:`evaluation.stats.balance.balance_table`).

    Parameters
    ----------
    ctx : Context
        The scope.

    Returns
    -------
    Computed
        Keys ``<scope>.balance.*`` of the cells shown; shown: ``table`` (one row per variable; ``attrs["joint"]``
        the joint test) and ``mask`` (hidden cells).
    """
    plan = ctx.plan
    table, keys = balance.balance_table(
        ctx.panel, ctx.scope, ctx.design, plan.balance, ctx.outcomes, plan.primary, fixed_effects=ctx.fixed_effects
    )
    cats = small_cells.balance_categories(ctx.panel, tuple(plan.balance), table)
    mask, keys = small_cells.balance_suppression(table, ctx.scope, keys, ctx.k, cats)
    return Computed(dict(keys), {"table": table, "mask": mask, "outcomes": ctx.outcomes})


def show_balance_table(result: Computed, view: View) -> Section:
    """The balance table (N, mean, SD by group, difference, normalised difference, p) and the joint test.

    Parameters
    ----------
    result : Computed
        What :func:`compute_balance_table` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w, lang = Words(view), view.lang
    table, mask = result.shown["table"], result.shown["mask"]
    j = table.attrs["joint"]
    is_outcome = table["variable"].isin(result.shown["outcomes"])
    out = pd.DataFrame(
        {
            w.x("col_variable"): [w.label(v) if o else v for v, o in zip(table["variable"], is_outcome, strict=True)],
            "N ProKUS": [format_number(x, lang) for x in table["n_prokus"]],
            w.t("col_mean_prokus"): [format_number(x, lang, 2) for x in table["mean_prokus"]],
            w.x("col_sd_prokus"): [format_number(x, lang, 2) for x in table["sd_prokus"]],
            "N " + w.t("group_comparison"): [format_number(x, lang) for x in table["n_comparison"]],
            w.t("col_mean_comparison"): [format_number(x, lang, 2) for x in table["mean_comparison"]],
            w.x("col_sd_comparison"): [format_number(x, lang, 2) for x in table["sd_comparison"]],
            "Δ": [format_number(x, lang, 2, signed=True) for x in table["difference"]],
            "Δ/SD": [format_number(x, lang, 2, signed=True) for x in table["normalised_difference"]],
            "p": [w.p(x) if np.isfinite(x) else "–" for x in table["p_value"]],
        }
    )
    shown = dict(zip(out.columns[1:], mask.columns, strict=True))
    for col, src in shown.items():
        out[col] = out[col].where(~mask[src].to_numpy(), MARK)
    note = w.x(
        "balance_note",
        fe=w.x("fe_note") if view.scope == NATIONAL else "",
        f=format_number(j["f_stat"], lang, 2),
        p=w.p(j["p_value"]),
        q=j["df_num"],
        df=j["df_den"],
        n=format_number(j["n_obs"], lang),
    )
    return w.section(w.x("balance_title"), out, [note, *w.small_note(bool(mask.to_numpy().any()))])


# ----------------------------------------------------------------------------------------------------- few clusters
def compute_few_clusters(ctx: Context, shared: Intermediates) -> Computed:
    """Wild cluster restricted bootstrap p-values and intervals of every DiD effect, when clusters are few.

    Below the plan's ``few_clusters`` limit, every outcome's and index's DiD gets WCR (Rademacher and Webb
    weights, :func:`evaluation.stats.bootstrap.wcr_did`); at or above it, only the cluster count is recorded.

    Parameters
    ----------
    ctx : Context
        The scope (seed and draws from the plan).
    shared : Intermediates
        The scope's shared estimates (the DiD of outcomes and indices, the indexed panel).

    Returns
    -------
    Computed
        Keys ``<scope>.inference.{n_clusters,wild_bootstrap}`` and, when run, the DiD keys and
        ``<scope>.<outcome>.did.wcr_*`` of every estimable outcome and index; shown: ``g``, ``limit``, ``draws``
        and, when run, ``table`` (one row per outcome and weight type), ``did`` (estimates), ``names`` and
        ``left_out`` (the degenerate outcomes and why, :class:`evaluation.stats.degenerate.Degeneracy`).
    """
    g, limit = int(ctx.panel[ctx.design.cluster].nunique()), ctx.plan.inference.few_clusters
    draws = ctx.plan.inference.bootstrap_draws
    keys: dict[str, Any] = {
        key(ctx.scope, "inference", "n_clusters"): g,
        key(ctx.scope, "inference", "wild_bootstrap"): g < limit,
    }
    shown: dict[str, Any] = {"g": g, "limit": limit, "draws": draws}
    if g >= limit:
        return Computed(keys, shown)
    did, dkeys = shared.did_all()
    # only the estimable effects get a bootstrap; a degenerate outcome keeps its DiD reason ("did not vary")
    names = [n for n in (*ctx.outcomes, *ctx.plan.families) if n in did]
    table, wkeys = bootstrap.wcr_did(
        shared.indexed()[0], ctx.scope, names, ctx.design, n_boot=draws, seed=ctx.seed, fixed_effects=ctx.fixed_effects
    )
    left_out = shared.did().reasons
    shown = {**shown, "table": table, "did": did, "names": names, "left_out": left_out}
    return Computed({**keys, **dkeys, **wkeys}, shown)


def show_few_clusters(result: Computed, view: View) -> Section:
    """The WCR table beside the cluster-robust p-values, or a note that the clusters are enough.

    Parameters
    ----------
    result : Computed
        What :func:`compute_few_clusters` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    g, limit = result.shown["g"], result.shown["limit"]
    if "table" not in result.shown:
        return w.section(w.x("wcr_title"), None, [w.x("wcr_not_needed", g=g, k=limit)])
    table, did = result.shown["table"], result.shown["did"]
    rows = []
    for o in result.shown["names"]:
        r = table[(table["outcome"] == o) & (table["weights"] == "rademacher")]
        wb = table[(table["outcome"] == o) & (table["weights"] == "webb")]
        if r.empty or o not in did:
            continue
        r, wb = r.iloc[0], wb.iloc[0]
        rows.append(
            {
                w.t("col_outcome"): w.olabel(o),
                w.x("col_role"): w.role(o),
                w.t("col_effect"): w.val(o, did[o].estimate, signed=True),
                w.x("col_p_crv"): w.p(did[o].p_value),
                w.x("col_p_wcr"): w.p(r["p_value"]),
                w.x("col_ci_wcr"): w.interval(o, r["ci_low"], r["ci_high"]),
                w.x("col_p_webb"): w.p(wb["p_value"]),
                w.x("col_ci_webb"): w.interval(o, wb["ci_low"], wb["ci_high"]),
            }
        )
    notes = [w.x("wcr_note", g=g, k=limit, b=result.shown["draws"])]
    if result.shown.get("left_out"):
        notes.append(w.t("degenerate_left_out_wcr", items=w.degenerate_list(result.shown["left_out"])))
    return w.section(w.x("wcr_title"), pd.DataFrame(rows), notes)
