"""Design checks: ANCOVA and the doubly robust DiD beside DiD, the event study, and the minimum detectable effects."""

from __future__ import annotations

from typing import Any

import pandas as pd

from evaluation.analysis.context import Computed, Context, View
from evaluation.analysis.display import Section, Sections
from evaluation.analysis.sections._words import Words
from evaluation.core.keys import key
from evaluation.stats import designs
from evaluation.stats import effects as effects_mod
from evaluation.stats import power as power_mod
from evaluation.stats.degenerate import Degeneracy, outcome_degeneracy
from evaluation.text.formats import format_number, format_percent

__all__ = ["compute_ancova_did", "compute_power", "show_ancova_did", "show_power"]


def _degenerate(ctx: Context) -> dict[str, Degeneracy]:
    """The scope's outcomes that no estimator can use (:mod:`evaluation.stats.degenerate`), and why."""
    found = {o: outcome_degeneracy(ctx.panel, o, ctx.design) for o in ctx.outcomes}
    return {o: why for o, why in found.items() if why is not None}


def compute_ancova_did(ctx: Context) -> Computed:
    """ANCOVA and DiD of every outcome, and the event study of the primary outcomes when there is a midline.

    Parameters
    ----------
    ctx : Context
        The scope.

    Returns
    -------
    Computed
        Keys ``<scope>.<outcome>.ancova.*``, ``<scope>.<outcome>.drdid.*`` (the doubly robust DiD on the plan's
        baseline covariates, :func:`evaluation.stats.effects.doubly_robust_did`; ``status``/``reason`` when not
        estimable), ``<scope>.drdid.n_covariates`` and the event study's keys; shown: ``table`` (one row per
        outcome: DiD, ANCOVA, intervals, autocorrelation, SE ratio), ``drdid``
        (:class:`evaluation.stats.effects.Effects`), ``covariates`` (the plan's covariates), ``events`` (one row
        per outcome and wave; empty without a midline) and ``left_out`` (the degenerate outcomes and why,
        :mod:`evaluation.stats.degenerate`).
    """
    d = ctx.design
    table, keys = designs.ancova_vs_did(ctx.panel, ctx.scope, ctx.outcomes, d, fixed_effects=ctx.fixed_effects)
    dr, dr_columns = effects_mod.doubly_robust_did(
        ctx.panel, ctx.scope, ctx.outcomes, d, ctx.plan.balance, fixed_effects=ctx.fixed_effects
    )
    keys = {**keys, **dr.keys(ctx.scope), key(ctx.scope, "drdid", "n_covariates"): len(dr_columns)}
    waves = [str(w) for w in ctx.panel[d.period].dropna().unique()]
    order = ["midline", d.after]
    waves = sorted(waves, key=lambda w: order.index(w) if w in order else -1)
    events, ekeys = designs.event_study(
        ctx.panel, ctx.scope, ctx.plan.primary, d, waves, fixed_effects=ctx.fixed_effects
    )
    shown = {"table": table, "drdid": dr, "covariates": ctx.plan.balance, "events": events}
    return Computed({**keys, **ekeys}, {**shown, "left_out": _degenerate(ctx)})


def show_ancova_did(result: Computed, view: View) -> Sections:
    """The ANCOVA-vs-DiD table and the event study (or a note that there is no midline).

    Parameters
    ----------
    result : Computed
        What :func:`compute_ancova_did` returned.
    view : View
        The display settings.

    Returns
    -------
    Sections
        Two sections.
    """
    w, lang = Words(view), view.lang
    dr = result.shown.get("drdid")
    dr_est = dr.estimates if dr is not None else {}

    def dr_cells(o: str) -> dict[str, str]:
        e = dr_est.get(o)
        if e is None:  # not estimable (the note says why)
            return {w.x("col_drdid"): "–", w.x("col_ci_drdid"): "–"}
        return {
            w.x("col_drdid"): w.val(o, e.estimate, signed=True),
            w.x("col_ci_drdid"): w.interval(o, e.ci_low, e.ci_high),
        }

    rows = [
        {
            w.t("col_outcome"): w.label(r["outcome"]),
            w.t("col_effect"): w.val(r["outcome"], r["did"], signed=True),
            w.t("col_ci"): w.interval(r["outcome"], r["did_ci_low"], r["did_ci_high"]),
            **dr_cells(r["outcome"]),
            w.x("col_ancova"): w.val(r["outcome"], r["ancova"], signed=True),
            w.x("col_ci_ancova"): w.interval(r["outcome"], r["ancova_ci_low"], r["ancova_ci_high"]),
            w.x("col_rho"): format_number(r["autocorrelation"], lang, 2),
            w.x("col_se_ratio"): f"{format_number(r['se_ratio'], lang, 2)} "
            f"({format_number(r['theory_se_ratio'], lang, 2)})",
        }
        for _, r in result.shown["table"].iterrows()
    ]
    ev = result.shown["events"]
    if ev.empty:
        event = w.section(w.x("col_wave"), None, [w.x("event_none")])
    else:
        event = w.section(
            "Event study",
            pd.DataFrame(
                {
                    w.t("col_outcome"): [w.label(o) for o in ev["outcome"]],
                    w.x("col_wave"): ev["wave"],
                    w.t("col_effect"): [w.val(o, x, True) for o, x in zip(ev["outcome"], ev["estimate"], strict=True)],
                    w.t("col_ci"): [
                        w.interval(o, lo, hi)
                        for o, lo, hi in zip(ev["outcome"], ev["ci_low"], ev["ci_high"], strict=True)
                    ],
                }
            ),
        )
    notes = [w.x("ancova_note")]
    if dr is not None:
        cb = view.codebook
        names = [cb[c].label(lang).lower() if c in cb else c for c in result.shown.get("covariates", ())]
        notes.append(w.x("drdid_note", covariates=", ".join(names)))
        left_out = result.shown.get("left_out", {})
        notes += [
            w.x("drdid_left_out", label=w.olabel(o), why=w.degenerate_why(dr.reasons[o]) if o in dr.reasons else why)
            for o, why in dr.failures.items()
            if o not in left_out
        ]
    notes += [w.degenerate_note(o, why) for o, why in result.shown.get("left_out", {}).items()]
    return Sections([w.section(w.x("ancova_title"), pd.DataFrame(rows), notes), event])


def compute_power(ctx: Context) -> Computed:
    """Minimum detectable effects of the design at hand (ICC and autocorrelation estimated from the data).

    Parameters
    ----------
    ctx : Context
        The scope (the plan's power).

    Returns
    -------
    Computed
        Keys ``<scope>.<outcome>.power.*``; shown: ``table`` (one row per outcome: SD, ICC, autocorrelation, MDE
        of an endline comparison, DiD and ANCOVA, in the outcome's unit, and the DiD MDE in SD), ``power`` and
        ``primary`` (the outcome of the sentence). ``left_out``: the degenerate outcomes
        (no MDE) and why.
    """
    pw = ctx.plan.inference.power
    table, keys = power_mod.power_table(ctx.panel, ctx.scope, ctx.outcomes, ctx.design, pw)
    shown: dict[str, Any] = {"table": table, "power": pw, "primary": ctx.plan.primary[0], "left_out": _degenerate(ctx)}
    return Computed(dict(keys), shown)


def show_power(result: Computed, view: View) -> Section:
    """The MDE table and a sentence on the first primary outcome.

    Parameters
    ----------
    result : Computed
        What :func:`compute_power` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w, lang = Words(view), view.lang
    table = result.shown["table"]
    rows = [
        {
            w.t("col_outcome"): w.label(r["outcome"]),
            w.x("col_sd"): w.val(r["outcome"], r["sd"]),
            w.x("col_icc"): format_number(r["icc"], lang, 3),
            w.x("col_rho"): format_number(r["autocorrelation"], lang, 2),
            w.x("col_mde_endline"): w.val(r["outcome"], r["mde_endline"]),
            w.x("col_mde_did"): w.val(r["outcome"], r["mde_did"]),
            w.x("col_mde_ancova"): w.val(r["outcome"], r["mde_ancova"]),
            w.x("col_mde_sd"): format_number(r["mde_did_sd"], lang, 2),
        }
        for _, r in table.iterrows()
    ]
    notes = []
    head = table[table["outcome"] == result.shown["primary"]]
    if not head.empty:
        h = head.iloc[0]
        notes.append(
            w.x(
                "power_sentence",
                nt=format_number(h["n_prokus"], lang),
                nc=format_number(h["n_comparison"], lang),
                g=int(h["n_clusters"]),
                icc=format_number(h["icc"], lang, 3),
                rho=format_number(h["autocorrelation"], lang, 2),
                outcome=view.codebook[h["outcome"]].label(lang).lower(),
                pw=format_percent(result.shown["power"], lang, 0),
                did=w.val(h["outcome"], h["mde_did"]),
                anc=w.val(h["outcome"], h["mde_ancova"]),
            )
        )
    if result.shown.get("left_out"):
        notes.append(w.t("degenerate_left_out_power", items=w.degenerate_list(result.shown["left_out"])))
    return w.section(w.x("power_title"), pd.DataFrame(rows), notes)
