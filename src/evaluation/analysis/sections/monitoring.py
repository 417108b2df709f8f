"""The monitoring sections: the M&E scorecard (PP 39/2006) and the risk flags, with small cells hidden.

The pseudonymous ids of flagged families go only to a restricted annex (:func:`write_restricted_annex`), never into
a notebook's output or a public report.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from evaluation.analysis.context import Computed, Context, View
from evaluation.analysis.display import Section
from evaluation.analysis.sections._words import Words
from evaluation.core.atomic import replacing_file, write_text
from evaluation.core.cellsafe import write_csv
from evaluation.core.config import NATIONAL, REGION_COLUMN, select_scope
from evaluation.core.disclosure import MARK
from evaluation.intake.tables import analysis_table
from evaluation.stats import monitoring, small_cells
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import t
from evaluation.text.formats import format_number, format_percent

__all__ = ["compute_risk_flags", "compute_scorecard", "show_risk_flags", "show_scorecard", "write_restricted_annex"]


def _programme(ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    prog = monitoring.programme_families(
        select_scope(ctx.dataset.roster, ctx.scope), ctx.dataset.programme, treated_value=ctx.design.treated_value
    )
    return prog, ctx.panel[ctx.panel["treated"] == 1]


def _across_scopes(ctx: Context) -> set[tuple[str, str]]:
    """Rows of this scope hidden by disclosure control across the run (issue 15).

    Every scope's monitoring tables are computed here, protected as each notebook protects them, and
    :func:`evaluation.stats.small_cells.hidden_across_scopes` says which of this scope's rows the run hides (a
    region's count the national total minus the other regions would give), so this notebook hides them too.
    """
    d = ctx.design
    tag = (ctx.k, ctx.cfg.region_codes, ctx.targets, d)
    if _ACROSS and _ACROSS[0] is ctx.dataset and _ACROSS[1] == tag:  # both tables of one notebook: computed once
        keys, regions = _ACROSS[2]
        return small_cells.hidden_across_scopes(keys, ctx.scope, ctx.k, regions)
    everything = analysis_table(ctx.dataset.roster, ctx.dataset.programme, ctx.dataset.survey, d.treated_value)
    present = set(everything[REGION_COLUMN].astype(str))
    regions = [r for r in ctx.cfg.region_codes if r in present]
    keys: dict[str, dict[str, object]] = {}
    for scope in [*regions, NATIONAL]:
        prog = monitoring.programme_families(
            select_scope(ctx.dataset.roster, scope), ctx.dataset.programme, treated_value=d.treated_value
        )
        panel = select_scope(everything, scope)
        treated = panel[panel["treated"] == 1]
        design = {"unit": d.unit, "period": d.period, "before": d.before}
        table, sc = monitoring.scorecard(prog, treated, scope, ctx.targets, **design, after=d.after)
        summary, _, risk = monitoring.risk_flags(prog, treated, scope, ctx.targets, **design)
        keys[scope] = {
            **small_cells.scorecard_suppression(table, scope, sc, ctx.k)[1],
            **small_cells.risk_suppression(summary, scope, risk, ctx.k)[1],
        }
    _ACROSS[:] = [ctx.dataset, tag, (keys, regions)]
    return small_cells.hidden_across_scopes(keys, ctx.scope, ctx.k, regions)


_ACROSS: list = []  # the last data set's monitoring keys of every scope (the data set itself, settings, keys)


def compute_scorecard(ctx: Context) -> Computed:
    """Input, output and outcome indicators of ProKUS families against the targets file.

    Parameters
    ----------
    ctx : Context
        The scope (its ``targets``).

    Returns
    -------
    Computed
        Keys ``<scope>.scorecard.<indicator>.*`` of the rows shown; shown: ``table`` (one row per indicator,
        :func:`evaluation.stats.monitoring.scorecard`, with a ``suppressed`` column).
    """
    prog, treated = _programme(ctx)
    d = ctx.design
    table, keys = monitoring.scorecard(
        prog, treated, ctx.scope, ctx.targets, unit=d.unit, period=d.period, before=d.before, after=d.after
    )
    table, keys = small_cells.scorecard_suppression(table, ctx.scope, keys, ctx.k)
    table, keys = small_cells.hide_rows(table, "indicator", ctx.scope, "scorecard", keys, _across_scopes(ctx))
    return Computed(dict(keys), {"table": table})


def show_scorecard(result: Computed, view: View) -> Section:
    """The scorecard table (target, realisation, ratio, status, n; hidden rows as ``[c]``).

    Parameters
    ----------
    result : Computed
        What :func:`compute_scorecard` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w, lang = Words(view), view.lang
    table = result.shown["table"]
    out = pd.DataFrame(
        {
            mt.label("col_component", lang): [mt.label(c, lang) for c in table["component"]],
            mt.label("col_indicator", lang): [mt.label(i, lang) for i in table["indicator"]],
            mt.label("col_target", lang): [
                mt.format_indicator(k, v, lang) for k, v in zip(table["kind"], table["target"], strict=True)
            ],
            mt.label("col_realisation", lang): [
                mt.format_indicator(k, v, lang) for k, v in zip(table["kind"], table["realisation"], strict=True)
            ],
            mt.label("col_ratio", lang): [mt.format_ratio(r, lang) for r in table["ratio"]],
            mt.label("col_status", lang): [mt.status_text(s, lang) for s in table["status"]],
            w.t("col_n"): [format_number(n, lang) for n in table["n"]],
        }
    )
    hide = table["suppressed"].to_numpy()
    for col in out.columns[3:]:
        out[col] = out[col].where(~hide, MARK)
    notes = [mt.label("scorecard_note", lang), *w.disclosure_notes(pd.DataFrame({"x": hide}))]
    return Section(mt.label("scorecard_title", lang), out, notes)


def compute_risk_flags(ctx: Context) -> Computed:
    """Risk flags (administrative, process, accountability): counts and rates, and the flagged families.

    Parameters
    ----------
    ctx : Context
        The scope (its ``targets``: the risk rules).

    Returns
    -------
    Computed
        Keys ``<scope>.risk.<flag>.{count,rate}`` of the rows shown; shown: ``summary`` (one row per flag, with a
        ``suppressed`` column) and ``flagged`` (pseudonymous ids and flags: for the restricted annex only).
    """
    prog, treated = _programme(ctx)
    d = ctx.design
    summary, flagged, keys = monitoring.risk_flags(
        prog, treated, ctx.scope, ctx.targets, unit=d.unit, period=d.period, before=d.before
    )
    summary, keys = small_cells.risk_suppression(summary, ctx.scope, keys, ctx.k)
    summary, keys = small_cells.hide_rows(summary, "flag", ctx.scope, "risk", keys, _across_scopes(ctx))
    return Computed(dict(keys), {"summary": summary, "flagged": flagged})


def show_risk_flags(result: Computed, view: View) -> Section:
    """The risk-flag table (count and rate; hidden rows as ``[c]``); never the flagged ids.

    Parameters
    ----------
    result : Computed
        What :func:`compute_risk_flags` returned.
    view : View
        The display settings.

    Returns
    -------
    Section
        The section.
    """
    w, lang = Words(view), view.lang
    summary = result.shown["summary"]
    out = pd.DataFrame(
        {
            mt.label("col_risk_type", lang): [mt.label(x, lang) for x in summary["type"]],
            mt.label("col_flag", lang): [mt.label("flag_any" if f == "any" else f, lang) for f in summary["flag"]],
            mt.label("col_count", lang): [format_number(c, lang) for c in summary["count"]],
            mt.label("col_rate", lang): [format_percent(r, lang) for r in summary["rate"]],
        }
    )
    hide = summary["suppressed"].to_numpy()
    for col in out.columns[2:]:
        out[col] = out[col].where(~hide, MARK)
    notes = [mt.label("risk_note", lang), *w.disclosure_notes(pd.DataFrame({"x": hide}))]
    return Section(mt.label("risk_title", lang), out, notes)


def write_restricted_annex(flagged: pd.DataFrame, output_dir: Path, scope: str) -> Path:
    """Write the flagged families' pseudonymous ids to ``<output_dir>/restricted/risk_flags_<scope>.csv``.

    The folder is mode 0700 and the file 0600 (for programme staff only), written through a temporary file, with
    a README saying not to publish it.

    Parameters
    ----------
    flagged : pandas.DataFrame
        One row per flagged family (pseudonymous id and flags).
    output_dir : pathlib.Path
        The notebook's output folder.
    scope : str
        The scope (names the file).

    Returns
    -------
    pathlib.Path
        The annex file.
    """
    folder = output_dir / "restricted"
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    path = folder / f"risk_flags_{scope}.csv"
    with replacing_file(path, mode=0o600) as tmp:
        write_csv(flagged, tmp)  # formula-safe (evaluation.core.cellsafe)
    # one notice in both languages: whoever opens the folder reads it in theirs
    write_text(folder / "README.txt", "".join(textwrap.fill(t("restricted_readme", lang), 100) + "\n\n"
                                              for lang in ("id", "en")))
    return path
