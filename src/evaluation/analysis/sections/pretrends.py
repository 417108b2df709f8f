r"""Parallel trends: how large a violation would overturn each DiD conclusion, and, with pre-waves, the event study.

With one pre-programme wave (baseline and endline only) parallel trends cannot be tested; the section gives the
breakdown value of every DiD (:func:`evaluation.stats.pretrends.breakdown`): the differential trend, in the outcome's
unit and as a share of the baseline gap between the groups, at which its 95% interval would include zero. When the
data also hold an earlier wave (a 2019 pre-wave, by the codebook's wave order before ``[design] before``), it adds
the event study of the headline outcomes against the last pre-programme wave with the joint pre-trend test
(:func:`~evaluation.stats.pretrends.event_study`), an event-study figure, and the Rambachan-Roth relative-magnitudes
interval of the endline effect with :math:`\bar M = 1` (:func:`~evaluation.stats.pretrends.relative_magnitudes`).

Keys: ``<scope>.<outcome>.did_breakdown.{trend, baseline_gap, share_of_gap, includes_zero, direction}``,
``<scope>.parallel_trends.{pre_waves, reference}``, and with pre-waves ``<scope>.<outcome>.event_study_<wave>.{
estimate, se, ci_low, ci_high, p_value}``, ``<scope>.<outcome>.pretrend_test.{f_stat, p_value, df_num, df_den}``,
``<scope>.<outcome>.honest_rm.{mbar, max_pre_change, lb, ub, ci_low, ci_high, breakdown_mbar}`` (an outcome whose
event study cannot be estimated: ``<scope>.<outcome>.event_study.status``).
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evaluation.analysis.context import Computed, Context, Intermediates, View
from evaluation.analysis.display import Sections
from evaluation.analysis.sections._words import Words
from evaluation.core.keys import key
from evaluation.stats import pretrends
from evaluation.stats.degenerate import Degeneracy, outcome_degeneracy, reason_of
from evaluation.stats.regression import first_differences
from evaluation.text import figures
from evaluation.text.event_figure import event_study_figure
from evaluation.text.formats import format_number, format_percent
from evaluation.text.pretrends_phrases import share_clause

__all__ = ["MBAR", "AltFigure", "compute_parallel_trends", "show_parallel_trends", "wave_order"]

MBAR = 1.0  # post-programme changes of the differential trend up to the largest pre-programme one (R&R's benchmark)


@dataclass(frozen=True)
class AltFigure:
    """A saved PNG shown with its alternative text (screen readers, the technical report's HTML).

    Attributes
    ----------
    path : pathlib.Path
        The PNG file.
    alt : str
        What the figure shows, in the reader's language.
    """

    path: Path
    alt: str

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.path.read_bytes()).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        return f'<figure><img src="data:image/png;base64,{data}" alt="{alt}" style="max-width:100%"></figure>'

    def __repr__(self) -> str:
        return f"[{self.alt}]"


def wave_order(ctx: Context) -> list[str]:
    """The waves present in the scope's panel, in the codebook's order of the period variable's categories.

    Parameters
    ----------
    ctx : Context
        The scope.

    Returns
    -------
    list of str
        Wave codes in time order (waves the codebook does not list come last, sorted).
    """
    d = ctx.design
    present = sorted({str(w) for w in ctx.panel[d.period].dropna().unique()})
    listed = [c.code for c in ctx.codebook[d.period].categories] if d.period in ctx.codebook else []
    return [w for w in listed if w in present] + [w for w in present if w not in listed]


def _baseline_gap(ctx: Context, outcome: str) -> float:
    """ProKUS minus comparison baseline mean over the families the DiD uses (both waves answered)."""
    fd = first_differences(ctx.panel, outcome, ctx.design)
    t, c = fd.loc[fd["treated"] == 1, "y_before"], fd.loc[fd["treated"] == 0, "y_before"]
    return float(t.mean() - c.mean()) if len(t) and len(c) else float("nan")


def compute_parallel_trends(ctx: Context, shared: Intermediates) -> Computed:
    """Breakdown value of every DiD; with a pre-programme wave, the event study and the relative-magnitudes interval.

    Parameters
    ----------
    ctx : Context
        The scope.
    shared : Intermediates
        The scope's shared estimates (the DiD of every outcome).

    Returns
    -------
    Computed
        The keys of the module docstring; shown: ``breakdown`` (one row per outcome with a DiD), ``headline``,
        ``pre_waves`` (the waves before the reference), ``events`` (one row per headline outcome and wave, empty
        without a pre-wave), ``tests`` and ``robust`` (one row per headline outcome), ``failed`` (outcome: reason).
    """
    d = ctx.design
    keys: dict[str, Any] = {}
    rows = []
    for outcome, e in shared.did().estimates.items():
        try:
            b = pretrends.breakdown(e.estimate, e.ci_low, e.ci_high, _baseline_gap(ctx, outcome))
        except ValueError:
            continue  # no finite interval (a degenerate outcome): the DiD section says why
        for name, value in b.to_dict().items():
            keys[key(ctx.scope, outcome, "did_breakdown", name)] = value
        rows.append({"outcome": outcome, "estimate": e.estimate, "ci_low": e.ci_low, "ci_high": e.ci_high,
                     **b.to_dict()})  # fmt: skip
    waves = wave_order(ctx)
    pre = waves[: waves.index(d.before)] if d.before in waves else []
    keys[key(ctx.scope, "parallel_trends", "pre_waves")] = len(pre)
    keys[key(ctx.scope, "parallel_trends", "reference")] = d.before
    events, tests, robust, failed = [], [], [], {}
    if pre:
        for outcome in ctx.headline:
            degenerate = outcome_degeneracy(ctx.panel, outcome, d)
            if degenerate is not None:  # the DiD section says why in its words; no zero-width interval here
                failed[outcome] = degenerate
                keys[key(ctx.scope, outcome, "event_study", "status")] = f"not estimable: {degenerate.message}"
                continue
            try:
                es = pretrends.event_study(
                    ctx.panel, outcome, d.unit, d.period, "treated", waves, d.before, cluster=d.cluster, alpha=d.alpha
                )
            except ValueError as exc:
                code = reason_of(exc)
                failed[outcome] = (
                    Degeneracy(outcome, code, getattr(exc, "wave", None), getattr(exc, "arm", None))
                    if code
                    else str(exc).split("\n")[0]
                )
                keys[key(ctx.scope, outcome, "event_study", "status")] = f"not estimable: {code or failed[outcome]}"
                continue
            tab = es.table().assign(outcome=outcome)
            events.append(tab)
            for _, r in tab[~tab["reference"]].iterrows():
                for f in ("estimate", "se", "ci_low", "ci_high", "p_value"):
                    if np.isfinite(r[f]):
                        keys[key(ctx.scope, outcome, f"event_study_{r['period']}", f)] = float(r[f])
            test = {"outcome": outcome, "f_stat": es.pretrend_f, "p_value": es.pretrend_p,
                    "df_num": es.pretrend_df[0], "df_den": es.pretrend_df[1]}  # fmt: skip
            tests.append(test)
            for f in ("f_stat", "p_value", "df_num", "df_den"):
                if np.isfinite(test[f]):
                    keys[key(ctx.scope, outcome, "pretrend_test", f)] = test[f]
            if d.after in es.post_periods:
                try:
                    rm = pretrends.relative_magnitudes(es, d.after, MBAR)
                except ValueError as exc:
                    failed[outcome] = str(exc)
                    continue
                robust.append({"outcome": outcome, **rm.to_dict()})
                for f, v in rm.to_dict().items():
                    if f != "target" and np.isfinite(v):
                        keys[key(ctx.scope, outcome, "honest_rm", f)] = v
    shown = {
        "breakdown": pd.DataFrame(rows),
        "headline": list(ctx.headline),
        "pre_waves": pre,
        "reference": d.before,
        "after": d.after,
        "events": pd.concat(events, ignore_index=True) if events else pd.DataFrame(),
        "tests": pd.DataFrame(tests),
        "robust": pd.DataFrame(robust),
        "failed": failed,
    }
    return Computed(keys, shown)


def _share(w: Words, share: float | None) -> str:
    return format_percent(share, w.lang, 0) if share is not None and np.isfinite(share) else "–"


def breakdown_phrase(w: Words, outcome: str, row: pd.Series) -> str | None:
    """The plain sentence of one outcome's breakdown value (``None`` when its interval already includes zero).

    Parameters
    ----------
    w : Words
        The display's words.
    outcome : str
        The outcome.
    row : pandas.Series
        Its row of the ``breakdown`` table (``trend``, ``direction``, ``share_of_gap``).

    Returns
    -------
    str or None
        The sentence.
    """
    if row["direction"] == 0:
        return None
    share = row.get("share_of_gap")
    share = None if share is None or pd.isna(share) else float(share)
    clause = share_clause(share, w.lang)
    return w.t(
        "pt_breakdown_up" if row["direction"] > 0 else "pt_breakdown_down",
        label=w.label(outcome),
        trend=w.val(outcome, row["trend"]),
        share_clause=clause,
    )


def show_parallel_trends(result: Computed, view: View) -> Sections:
    """The breakdown table and sentences; with a pre-wave, the event-study table, figure and robust interval.

    Parameters
    ----------
    result : Computed
        What :func:`compute_parallel_trends` returned.
    view : View
        The display settings (``output_dir/figures/event_study.png`` is written when there is a pre-wave).

    Returns
    -------
    Sections
        One section, or two with the event study, and the figure.
    """
    w, s = Words(view), result.shown
    bd = s["breakdown"]
    rows = [
        {
            w.t("col_outcome"): w.label(r["outcome"]),
            w.t("col_effect"): w.val(r["outcome"], r["estimate"], signed=True),
            w.t("col_ci"): w.interval(r["outcome"], r["ci_low"], r["ci_high"]),
            w.t("pt_col_trend"): w.val(r["outcome"], r["trend"]) if r["direction"] != 0 else w.t("pt_already_zero"),
            w.t("pt_col_share"): _share(w, r.get("share_of_gap")) if r["direction"] != 0 else "–",
        }
        for _, r in bd.iterrows()
    ]
    notes = [w.t("pt_design_pre" if s["pre_waves"] else "pt_design_one"), w.t("pt_breakdown_note")]
    by = {r["outcome"]: r for _, r in bd.iterrows()}
    notes += [p for o in s["headline"] if o in by and (p := breakdown_phrase(w, o, by[o])) is not None]
    first = w.section(w.t("pt_title"), pd.DataFrame(rows), notes)
    if not s["pre_waves"]:
        return Sections([first])
    return Sections([first, *_event_sections(result, view, w)])


def _wave_labels(view: View, w: Words) -> dict[str, str]:
    var = view.codebook[view.cfg.design.period]
    return {c.code: c.label(w.lang) for c in var.categories}


def _event_sections(result: Computed, view: View, w: Words) -> list[Any]:
    s = result.shown
    ev, tests, robust = s["events"], s["tests"], s["robust"]
    waves = _wave_labels(view, w)
    out: list[Any] = []
    rows = []
    test_of = {r["outcome"]: r for _, r in tests.iterrows()} if not tests.empty else {}
    rm_of = {r["outcome"]: r for _, r in robust.iterrows()} if not robust.empty else {}
    for _, r in ev.iterrows() if not ev.empty else []:
        o = r["outcome"]
        rows.append(
            {
                w.t("col_outcome"): w.label(o),
                w.t("pt_col_wave"): waves.get(r["period"], r["period"]),
                w.t("col_effect"): w.t("pt_reference") if r["reference"] else w.val(o, r["estimate"], signed=True),
                w.t("col_ci"): "" if r["reference"] else w.interval(o, r["ci_low"], r["ci_high"]),
            }
        )
    notes = [w.t("pt_event_note", reference=waves.get(s["reference"], s["reference"]))]
    for o in s["headline"]:
        if o in test_of:
            tr = test_of[o]
            notes.append(
                w.t("pt_test", label=w.label(o), f=format_number(tr["f_stat"], w.lang, 2), q=int(tr["df_num"]),
                    g=int(tr["df_den"]), p=w.p(tr["p_value"]))
            )  # fmt: skip
        if o in rm_of:
            rm = rm_of[o]
            brk = rm.get("breakdown_mbar")
            notes.append(
                w.t(
                    "pt_rm" if brk is not None and np.isfinite(brk) and brk > 0 else "pt_rm_zero",
                    label=w.label(o),
                    mbar=format_number(rm["mbar"], w.lang, 0),
                    ci=w.interval(o, rm["ci_low"], rm["ci_high"]),
                    brk=format_number(brk, w.lang, 2) if brk is not None and np.isfinite(brk) else "–",
                )
            )
        if o in s["failed"]:
            why = s["failed"][o]
            text = w.degenerate_why(why) if isinstance(why, Degeneracy) else str(why)
            notes.append(w.t("pt_failed", label=w.label(o), why=text))
    notes.append(w.t("pt_rm_note"))
    out.append(w.section(w.t("pt_event_title"), pd.DataFrame(rows), notes))
    drawn = [o for o in s["headline"] if not ev.empty and (ev["outcome"] == o).any()]
    if drawn:
        fig = event_study_figure(
            ev,
            drawn,
            {o: view.codebook[o].label_with_unit(w.lang) for o in drawn},
            waves,
            w.t("pt_fig_title"),
            w.t("pt_fig_y"),
            w.source,
        )
        path = figures.save_png(fig, view.output_dir / "figures" / "event_study.png")
        out.append(AltFigure(Path(path), w.t("pt_fig_alt", reference=waves.get(s["reference"], ""))))
    return out
