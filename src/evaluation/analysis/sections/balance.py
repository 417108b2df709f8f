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
from evaluation.text.formats import format_number, format_path

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
        (w.x("role_subgroups"), ", ".join(w.var(g) for g in p.subgroups)),
        (w.x("role_doses"), ", ".join(w.var(d) for d in p.doses)),
        (w.x("role_corrections"), ", ".join(w.var(c) for c in p.corrections)),
        (
            w.x("role_estimator"),
            w.x("estimator_roles", primary=w.var(p.estimator), checks=", ".join(w.var(c) for c in p.checks)),
        ),
    ]
    table = pd.DataFrame(rows, columns=[w.x("col_role"), w.x("col_items")])
    return w.section(w.x("plan_title"), table, [w.x("plan_note", path=format_path(p.path), date=p.registered)])


# ----------------------------------------------------------------------------------------------------- balance
_ACROSS: list = []  # the last data set's cross-scope balance masks (the data set itself, settings, masks)


def _balance_across_scopes(ctx: Context) -> dict[str, dict[str, bool]]:
    """Balance cells of the scope hidden across scopes: variable -> column -> hidden.

    Every scope's balance cells (N, mean, SD by group; no tests) are computed from the data and protected with
    complementary suppression across scopes (:func:`evaluation.stats.small_cells.balance_across_scopes`: a region's
    hidden count is not the national count minus the other regions'); computed once per data set.
    """
    from evaluation.core.config import REGION_COLUMN, select_scope
    from evaluation.intake.tables import analysis_table

    plan, d = ctx.plan, ctx.design
    tag = (ctx.k, ctx.cfg.region_codes, tuple(plan.balance), tuple(ctx.outcomes), tuple(plan.primary), d)
    if not (_ACROSS and _ACROSS[0] is ctx.dataset and _ACROSS[1] == tag):
        everything = analysis_table(ctx.dataset.roster, ctx.dataset.programme, ctx.dataset.survey, d.treated_value)
        present = set(everything[REGION_COLUMN].astype(str))
        regions = [r for r in ctx.cfg.region_codes if r in present]
        tables, cats = {}, {}
        for scope in [*regions, NATIONAL]:
            panel = select_scope(everything, scope)
            tables[scope] = balance.balance_table(panel, scope, d, plan.balance, ctx.outcomes, plan.primary)[0]
            cats[scope] = small_cells.balance_categories(panel, tuple(plan.balance), tables[scope])
        masks = small_cells.balance_across_scopes(tables, cats, ctx.k, regions)
        by_scope = {
            s: {v: m.loc[i].to_dict() for i, v in tables[s]["variable"].items() if i in m.index and m.loc[i].any()}
            for s, m in masks.items()
        }
        _ACROSS[:] = [ctx.dataset, tag, by_scope]
    return _ACROSS[2].get(ctx.scope, {})


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
    across = _balance_across_scopes(ctx)  # cells the run hides across scopes (issue 15)
    withheld = pd.DataFrame([across.get(v, {}) for v in table["variable"]], index=table.index).eq(True)
    mask, keys = small_cells.balance_suppression(table, ctx.scope, keys, ctx.k, cats, withheld)
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
            w.x("col_variable"): [
                w.label(v) if o else w.var(v) for v, o in zip(table["variable"], is_outcome, strict=True)
            ],
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
        Keys ``<scope>.inference.{n_clusters,wild_bootstrap}`` and, when run, the DiD keys,
        ``<scope>.<outcome>.did.wcr_*`` and the cluster-jackknife ``<scope>.<outcome>.did.crv3_*``
        (:func:`evaluation.stats.bootstrap.crv3_did`) of every estimable outcome and index; shown: ``g``, ``limit``,
        ``draws`` and, when run, ``table`` (one row per outcome and weight type), ``crv3`` (one row per outcome),
        ``did`` (estimates), ``names`` and ``left_out`` (the degenerate outcomes and why,
        :class:`evaluation.stats.degenerate.Degeneracy`).
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
    crv3, ckeys = bootstrap.crv3_did(shared.indexed()[0], ctx.scope, names, ctx.design, fixed_effects=ctx.fixed_effects)
    left_out = shared.did().reasons
    shown = {**shown, "table": table, "did": did, "names": names, "left_out": left_out, "crv3": crv3}
    return Computed({**keys, **dkeys, **wkeys, **ckeys}, shown)


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
    crv3 = result.shown["crv3"].set_index("outcome")
    rows = []
    for o in result.shown["names"]:
        r = table[(table["outcome"] == o) & (table["weights"] == "rademacher")]
        wb = table[(table["outcome"] == o) & (table["weights"] == "webb")]
        if r.empty or o not in did:
            continue
        r, wb = r.iloc[0], wb.iloc[0]
        c3 = crv3.loc[o] if o in crv3.index else None
        rows.append(
            {
                w.t("col_outcome"): w.olabel(o),
                w.x("col_role"): w.role(o),
                w.t("col_effect"): w.val(o, did[o].estimate, signed=True),
                w.x("col_p_crv"): w.p(did[o].p_value),
                w.x("col_p_crv3"): w.p(c3["crv3_p_value"]) if c3 is not None else "–",
                w.x("col_ci_crv3"): w.interval(o, c3["crv3_ci_low"], c3["crv3_ci_high"]) if c3 is not None else "–",
                w.x("col_p_wcr"): w.p(r["p_value"]),
                w.x("col_ci_wcr"): w.interval(o, r["ci_low"], r["ci_high"]),
                w.x("col_p_webb"): w.p(wb["p_value"]),
                w.x("col_ci_webb"): w.interval(o, wb["ci_low"], wb["ci_high"]),
            }
        )
    notes = [w.x("wcr_note", g=g, k=limit, b=result.shown["draws"]), w.x("crv3_note", g=g)]
    if result.shown.get("left_out"):
        notes.append(w.t("degenerate_left_out_wcr", items=w.degenerate_list(result.shown["left_out"])))
    return w.section(w.x("wcr_title"), pd.DataFrame(rows), notes)
