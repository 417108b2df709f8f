"""The opening sections: title, sample and attrition, intake data quality, baseline means by group.

The sample and baseline tables hide (``[c]``) every cell that describes fewer than k families, and every cell from
which a hidden one could be worked out (:mod:`evaluation.stats.disclosure`); their keys are dropped with the cells.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.analysis.context import Computed, Context, View
from evaluation.analysis.display import Banner, Section
from evaluation.analysis.sections._words import Words
from evaluation.core.config import NATIONAL, select_scope
from evaluation.core.keys import key
from evaluation.core.paths import resolve
from evaluation.stats import disclosure
from evaluation.stats import effects as analysis
from evaluation.text.catalogue import rule_text
from evaluation.text.formats import format_number, format_percent

__all__ = [
    "compute_baseline",
    "compute_data_quality",
    "compute_sample",
    "show_baseline",
    "show_data_quality",
    "show_header",
    "show_sample",
]

_SAMPLE_COLUMNS = ("enrolled", "villages", "baseline", "endline", "both_waves", "attrition")
_SAMPLE_HEADERS = ("col_enrolled", "col_villages", "col_baseline", "col_endline", "col_both", "col_attrition")
_BASELINE_COLUMNS = ("mean_prokus", "mean_comparison", "difference", "normalised_difference")
_BASELINE_HEADERS = ("col_mean_prokus", "col_mean_comparison", "col_difference", "col_norm_diff")


def show_header(view: View) -> Banner:
    """Title, and the synthetic-data banner when the data are synthetic.

    Parameters
    ----------
    view : View
        The display settings.

    Returns
    -------
    Banner
        The notebook's title banner.
    """
    w = Words(view)
    name = view.cfg.scope_name(view.scope) if view.scope != NATIONAL else ""
    title = w.t("title_national") if view.scope == NATIONAL else w.t("title_region", name=name)
    return Banner(text=w.t("banner_synthetic") if view.synthetic else "", title=title)


# ----------------------------------------------------------------------------------------------------- sample
def compute_sample(ctx: Context) -> Computed:
    """Families enrolled and interviewed, and attrition, by group, with small cells hidden.

    Parameters
    ----------
    ctx : Context
        The scope.

    Returns
    -------
    Computed
        Keys ``<scope>.sample.*`` (counts, attrition shares) of the cells shown and ``<scope>.disclosure.{k,
        sample_suppressed}``; shown: ``table`` (one row per group, :func:`evaluation.stats.effects.sample_summary`)
        and ``mask`` (its hidden cells).
    """
    table, keys = analysis.sample_summary(ctx.panel, select_scope(ctx.dataset.roster, ctx.scope), ctx.scope, ctx.design)
    n = pd.DataFrame(index=table.index)
    n["enrolled"] = table["enrolled"]
    n["villages"] = table["enrolled"]  # the village count describes the group's families
    n["baseline"] = table["baseline"]
    n["endline"] = table["endline"]
    n["both_waves"] = table["both_waves"]
    n["attrition"] = table["baseline"]  # a share of the baseline families
    # baseline, both waves and attrition: any two give the third
    rel = disclosure.row_relations(table.index, ["both_waves", "attrition", "baseline"])
    mask = disclosure.suppression_mask(n, ctx.k, rel)
    out = {
        key(ctx.scope, "disclosure", "k"): ctx.k,
        key(ctx.scope, "disclosure", "sample_suppressed"): int(mask.to_numpy().sum()),
    }
    out.update(disclosure.drop_keys(keys, mask, _sample_keys(ctx, table)))
    return Computed(out, {"table": table, "mask": mask})


def _sample_keys(ctx: Context, table: pd.DataFrame) -> dict:
    out = {}
    for i in table.index:
        g = table.at[i, "group"]
        tag = "prokus" if g == ctx.design.treated_value else g
        s = ctx.scope
        out[(i, "enrolled")] = [key(s, "sample", f"n_{tag}_enrolled")] + (
            [key(s, "sample", "n_families")] if tag == "prokus" else []
        )
        out[(i, "villages")] = []
        out[(i, "baseline")] = [key(s, "sample", f"n_{tag}_baseline")]
        out[(i, "endline")] = [key(s, "sample", f"n_{tag}_endline")]
        out[(i, "both_waves")] = [key(s, "sample", f"n_{tag}_both_waves")]
        out[(i, "attrition")] = [key(s, "sample", f"attrition_{tag}"), key(s, "sample", "attrition_difference")]
    return out


def _suppress(w: Words, out: pd.DataFrame, mask: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    shown = mask.rename(columns={c: w.t(h) for c, h in headers.items()})
    shown.index = out.index
    return disclosure.apply(out, shown)


def show_sample(result: Computed, view: View) -> Section:
    """The sample table (hidden cells as ``[c]``) and the disclosure note.

    Parameters
    ----------
    result : Computed
        What :func:`compute_sample` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    table, mask = result.shown["table"], result.shown["mask"]
    treated = view.cfg.design.treated_value
    out = pd.DataFrame(
        {
            w.t("col_group"): [
                w.t(f"group_{g}") if g in ("prokus", "comparison") else g
                for g in table["group"].map(lambda g: "prokus" if g == treated else g)
            ],
            w.t("col_enrolled"): [format_number(x, w.lang) for x in table["enrolled"]],
            w.t("col_villages"): [format_number(x, w.lang) for x in table["villages"]],
            w.t("col_baseline"): [format_number(x, w.lang) for x in table["baseline"]],
            w.t("col_endline"): [format_number(x, w.lang) for x in table["endline"]],
            w.t("col_both"): [format_number(x, w.lang) for x in table["both_waves"]],
            w.t("col_attrition"): [format_percent(x, w.lang) for x in table["attrition"]],
        }
    )
    out = _suppress(w, out, mask, dict(zip(_SAMPLE_COLUMNS, _SAMPLE_HEADERS, strict=True)))
    return Section(w.t("sample_title"), out, w.disclosure_notes(mask))


# ----------------------------------------------------------------------------------------------------- baseline
def compute_baseline(ctx: Context) -> Computed:
    """Baseline means by group and normalised differences, with small cells hidden.

    Parameters
    ----------
    ctx : Context
        The scope.

    Returns
    -------
    Computed
        Keys ``<scope>.<outcome>.baseline.*`` of the cells shown and ``<scope>.disclosure.baseline_suppressed``;
        shown: ``table`` (one row per outcome, :func:`evaluation.stats.effects.baseline_balance`) and ``mask``.
    """
    table, keys = analysis.baseline_balance(ctx.panel, ctx.scope, ctx.outcomes, ctx.design)
    s = ctx.scope
    if table.empty:
        mask = pd.DataFrame(columns=list(_BASELINE_COLUMNS), dtype=bool)
        out: dict[str, Any] = {}
    else:
        n = pd.DataFrame(index=table.index)
        n["mean_prokus"] = table["n_prokus"]
        n["mean_comparison"] = table["n_comparison"]
        n["difference"] = table[["n_prokus", "n_comparison"]].min(axis=1)
        n["normalised_difference"] = n["difference"]
        rel = disclosure.row_relations(table.index, ["mean_prokus", "mean_comparison", "difference"])
        mask = disclosure.suppression_mask(n, ctx.k, rel)
        out = {key(s, "disclosure", "baseline_suppressed"): int(mask.to_numpy().sum())}
    hidden = {
        (i, c): [key(s, table.at[i, "outcome"], "baseline", c)]
        + ([key(s, table.at[i, "outcome"], "baseline", f"sd_{c[5:]}")] if c.startswith("mean_") else [])
        for i in table.index
        for c in mask.columns
    }
    out.update(disclosure.drop_keys(keys, mask, hidden))
    return Computed(out, {"table": table, "mask": mask})


def show_baseline(result: Computed, view: View) -> Section:
    """The baseline table (hidden cells as ``[c]``) and the disclosure note.

    Parameters
    ----------
    result : Computed
        What :func:`compute_baseline` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w = Words(view)
    table, mask = result.shown["table"], result.shown["mask"]
    out = pd.DataFrame(
        {
            w.t("col_outcome"): [w.label(o) for o in table["outcome"]],
            w.t("col_mean_prokus"): [w.fmt(o, x) for o, x in zip(table["outcome"], table["mean_prokus"], strict=True)],
            w.t("col_mean_comparison"): [
                w.fmt(o, x) for o, x in zip(table["outcome"], table["mean_comparison"], strict=True)
            ],
            w.t("col_difference"): [
                w.fmt(o, x, signed=True) for o, x in zip(table["outcome"], table["difference"], strict=True)
            ],
            w.t("col_norm_diff"): [format_number(x, w.lang, 2, signed=True) for x in table["normalised_difference"]],
        }
    )
    out = _suppress(w, out, mask, dict(zip(_BASELINE_COLUMNS, _BASELINE_HEADERS, strict=True)))
    return Section(w.t("baseline_title"), out, w.disclosure_notes(mask))


# ----------------------------------------------------------------------------------------------------- data quality
def compute_data_quality(ctx: Context) -> Computed:
    """Warnings and normalisations of the intake, counted per rule (no values), for this scope.

    Parameters
    ----------
    ctx : Context
        The scope; its data folder's ``data_quality.csv`` (written by the intake) is read.

    Returns
    -------
    Computed
        Keys ``<scope>.data_quality.<rule>.count`` and ``<scope>.data_quality.warnings.count``; shown: ``counts``
        (a list of ``(severity, rule, count)``) and ``warnings``.
    """
    path = Path(ctx.dataset.data_dir)
    if not path.is_absolute():
        path = resolve(path)
    file = path / "data_quality.csv"
    dq = pd.read_csv(file, dtype={"region_code": "string"}) if file.is_file() else pd.DataFrame()
    if not dq.empty and ctx.scope != NATIONAL:
        dq = dq[dq["region_code"] == ctx.scope]  # normalisations are counted per column, shown nationally
    keys: dict[str, Any] = {}
    counts = []
    if not dq.empty:
        grouped = dq.groupby(["severity", "rule"], sort=True)["count"].sum()
        for (severity, rule), count in grouped.items():
            keys[key(ctx.scope, "data_quality", rule, "count")] = int(count)
            counts.append((str(severity), str(rule), int(count)))
    n_warn = int(dq.loc[dq["severity"] == "warning", "count"].sum()) if not dq.empty else 0
    keys[key(ctx.scope, "data_quality", "warnings", "count")] = n_warn
    return Computed(keys, {"counts": counts, "warnings": n_warn})


def show_data_quality(result: Computed, view: View) -> Section:
    """The counts per rule and the number of warnings.

    Parameters
    ----------
    result : Computed
        What :func:`compute_data_quality` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section (no table when the intake found nothing).
    """
    w = Words(view)
    rows = [
        {
            w.t("col_severity"): w.t(f"severity_{severity}"),
            w.t("col_rule"): rule_text(rule, w.lang),
            w.t("col_count"): format_number(count, w.lang),
        }
        for severity, rule, count in result.shown["counts"]
    ]
    table = pd.DataFrame(rows) if rows else None
    return Section(w.t("data_quality_title"), table, [w.t("data_quality_note", n=result.shown["warnings"])])
