"""Cost-benefit: cost per family, benefit-cost ratio and internal rate of return with intervals, sensitivity."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from evaluation.analysis.context import Computed, Context, Intermediates, View
from evaluation.analysis.display import Sections
from evaluation.analysis.sections._words import Words
from evaluation.core.keys import key
from evaluation.stats import costbenefit
from evaluation.text.formats import format_number, format_percent, format_rupiah

__all__ = ["compute_cost_benefit", "show_cost_benefit"]

# benefit: its DiD outcome (Rp per month; consumption per capita is scaled to the family by household size)
_MEASURES = {"income": "household_income", "consumption": "consumption_per_capita"}


def compute_cost_benefit(ctx: Context, shared: Intermediates) -> Computed:
    """Cost per family, BCR and IRR of the income and consumption gains (with their DiD intervals), sensitivity.

    The consumption gain per capita is scaled by the mean baseline household size of ProKUS families. Costs and
    assumptions (horizon in years, annual discount rate, annual decay) come from the plan's ``[cost]``.

    Parameters
    ----------
    ctx : Context
        The scope (programme table, plan).
    shared : Intermediates
        The scope's shared estimates (the DiD of income and consumption).

    Returns
    -------
    Computed
        Keys ``<scope>.cost_benefit.*`` (costs in Rp per family, BCR, IRR as annual rates, sensitivity BCRs) and the
        DiD keys; shown: ``cost`` (Rp per family by component), ``measures`` ({benefit: {monthly_gain, bcr, irr
        and their ci_low/ci_high}}), ``settings`` (the plan's cost settings) and ``sensitivity`` (one row per
        horizon, rate and decay; None without an income DiD) and ``left_out`` (the benefit outcomes that are
        degenerate, :mod:`evaluation.stats.degenerate`, and why).
    """
    c, d, s = ctx.plan.cost, ctx.design, ctx.scope
    ids = set(ctx.panel[d.unit])
    prog = ctx.dataset.programme[ctx.dataset.programme[d.unit].isin(ids)]
    cost = costbenefit.cost_per_family(prog, c.tksk_session, c.mentoring_session, c.overhead_per_family)
    keys: dict[str, Any] = {key(s, "cost_benefit", f"cost_{k}"): v for k, v in cost.items()}
    did, dkeys = shared.did_all()
    keys.update(dkeys)
    base = ctx.panel[(ctx.panel[d.period] == d.before) & (ctx.panel["treated"] == 1)]
    hh = float(base["household_size"].astype(float).mean())
    scales = {"income": 1.0, "consumption": hh}
    measures: dict[str, dict[str, float]] = {}
    for name, o in _MEASURES.items():
        if o not in did:
            continue
        e, scale = did[o], scales[name]
        vals = {}
        for tag, gain in (("", e.estimate), ("_ci_low", e.ci_low), ("_ci_high", e.ci_high)):
            vals[f"bcr{tag}"] = costbenefit.bcr(gain * scale, cost["total"], c.horizon_years, c.discount_rate, c.decay)
            vals[f"irr{tag}"] = costbenefit.irr(gain * scale, cost["total"], c.horizon_years, c.decay)
        vals["monthly_gain"] = e.estimate * scale
        for k, v in vals.items():
            if np.isfinite(v):
                keys[key(s, "cost_benefit", f"{name}_{k}")] = v
        measures[name] = vals
    keys[key(s, "cost_benefit", "horizon_years")] = c.horizon_years
    keys[key(s, "cost_benefit", "discount_rate")] = c.discount_rate
    keys[key(s, "cost_benefit", "decay")] = c.decay
    sens = None
    if "household_income" in did:
        sens = costbenefit.sensitivity(
            did["household_income"].estimate,
            cost["total"],
            c.sensitivity_horizons,
            c.sensitivity_discount_rates,
            c.sensitivity_decays,
        )
        for _, r in sens.iterrows():
            name = f"h{int(r['horizon'])}_r{round(r['discount_rate'] * 100)}_d{round(r['decay'] * 100)}_bcr"
            keys[key(s, "cost_benefit", "sensitivity", name)] = float(r["bcr"])
    reasons = shared.did().reasons  # a benefit whose outcome is degenerate has no row; the notes say why
    left_out = {o: reasons[o] for o in _MEASURES.values() if o in reasons}
    shown = {"cost": cost, "measures": measures, "settings": c, "sensitivity": sens, "left_out": left_out}
    return Computed(keys, shown)


def show_cost_benefit(result: Computed, view: View) -> Sections:
    """The BCR/IRR table with the cost sentence, and the sensitivity table.

    Parameters
    ----------
    result : Computed
        What :func:`compute_cost_benefit` returned.
    view : View
        The display settings.

    Returns
    -------
    Sections
        One or two sections.
    """
    w, lang = Words(view), view.lang
    cost, c = result.shown["cost"], result.shown["settings"]
    rows = [
        {
            w.x("col_benefit"): w.x(f"benefit_{name}"),
            w.x("col_monthly"): format_rupiah(vals["monthly_gain"], lang, signed=True),
            w.x("col_bcr"): format_number(vals["bcr"], lang, 2),
            w.x("col_bcr_ci"): f"[{format_number(vals['bcr_ci_low'], lang, 2)}; "
            f"{format_number(vals['bcr_ci_high'], lang, 2)}]",
            w.x("col_irr"): w.pct(vals["irr"]),
            w.x("col_irr_ci"): f"[{w.pct(vals['irr_ci_low'])}; {w.pct(vals['irr_ci_high'])}]",
        }
        for name, vals in result.shown["measures"].items()
    ]
    note = w.x(
        "cba_note",
        cost=format_rupiah(cost["total"], lang),
        grant=format_rupiah(cost["grant"], lang),
        tksk=format_rupiah(cost["tksk"], lang),
        ment=format_rupiah(cost["mentoring"], lang),
        over=format_rupiah(cost["overhead"], lang),
        h=c.horizon_years,
        r=format_percent(c.discount_rate, lang, 0),
        d=format_percent(c.decay, lang, 0),
    )
    notes = [note, *(w.degenerate_note(o, why) for o, why in result.shown.get("left_out", {}).items())]
    parts = [w.section(w.x("cba_title"), pd.DataFrame(rows), notes)]
    sens = result.shown["sensitivity"]
    if sens is not None:
        parts.append(
            w.section(
                w.x("sensitivity_title"),
                pd.DataFrame(
                    {
                        w.x("col_horizon"): sens["horizon"].astype(int),
                        w.x("col_rate"): [format_percent(x, lang, 0) for x in sens["discount_rate"]],
                        w.x("col_decay"): [format_percent(x, lang, 0) for x in sens["decay"]],
                        w.x("col_bcr"): [format_number(x, lang, 2) for x in sens["bcr"]],
                        w.x("col_irr"): [w.pct(x) for x in sens["irr"]],
                    }
                ),
            )
        )
    return Sections(parts)
