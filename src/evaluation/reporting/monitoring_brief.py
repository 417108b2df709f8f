"""The monitoring brief: one to two pages per region (and the nation) and round, in Indonesian and English.

Rendered from the round's ``results.json`` (written by the monitoring notebook, :mod:`evaluation.analysis.
monitoring_rounds`), never computed here. It leads with what needs action now (each warning raised this round,
largest first, with the action to take), then the cumulative realisation against the plan to date with the
scorecard's status, the S-curve the notebook drew, the warning counts (``[c]`` below the disclosure threshold), the
follow-up of the previous round's warnings and the quarterly (triwulan) realisation table a unit passes upward.
Files: ``<run>/monitoring/<period>/<scope>/monitoring_brief_{id,en}.{pdf,html}`` and ``<run>/monitoring/index.html``
listing every round.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

from evaluation.core.atomic import write_bytes, write_text
from evaluation.core.config import NATIONAL, Config
from evaluation.core.disclosure import MARK
from evaluation.core.monitoring_plan import SCHEDULE_INDICATORS, WARNING_RULES, MonitoringPlan, load_monitoring_plan
from evaluation.core.record import read_results
from evaluation.reporting.brief import _font_paths, render_template, template_text
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import t
from evaluation.text.formats import format_number, format_percent
from evaluation.text.rounds import format_indicator, rule_label

__all__ = ["LANGUAGES", "brief_content", "render_round_brief", "render_rounds"]

LANGUAGES = ("id", "en")
MONITORING = "monitoring"


def _results(folder: Path) -> dict[str, Any]:
    path = folder / "results.json"
    return read_results(path) if path.is_file() else {}


def brief_content(folder: Path, cfg: Config, plan: MonitoringPlan, period: str, scope: str,
                  lang: str) -> dict[str, Any]:  # fmt: skip
    """The brief's content (words and formatted numbers) from the round's results files.

    Parameters
    ----------
    folder : pathlib.Path
        The round's folder of the scope (``<run>/monitoring/<period>/<scope>``): its ``results.json`` and figure.
    cfg : Config
        The configuration (scope names, disclosure threshold).
    plan : MonitoringPlan
        Periods and warning thresholds (for the labels).
    period : str
        ``YYYY-MM``.
    scope : str
        A region code or ``national``.
    lang : str
        ``id`` or ``en``.

    Returns
    -------
    dict
        The JSON the Typst and HTML templates read.
    """
    res = _results(folder)
    base = f"{scope}.monitoring.{period}"
    k = cfg.run.min_cell_size
    counts: list[tuple[str, int | None]] = []
    for rule in WARNING_RULES:
        c = res.get(f"{base}.warning.{rule}.count")
        counts.append((rule, None if c is None else int(c)))
    actions = []
    for rule, c in sorted(counts, key=lambda rc: -(rc[1] if rc[1] is not None else k - 0.5)):
        what, action = rule_label(rule, plan, lang), t(f"mr_act_{rule}", lang)
        if c is None:
            actions.append(t("mr_action_suppressed", lang, k=k, what=what, action=action))
        elif c > 0:
            actions.append(t("mr_action_line", lang, count=format_number(c, lang), what=what, action=action))
    if not actions:
        actions = [t("mr_no_action", lang)]
    columns = [t(f"mr_col_{c}", lang) for c in ("indicator", "plan", "realisation", "ratio", "status")]
    rows = []
    for name in SCHEDULE_INDICATORS:
        if f"{base}.{name}.status" not in res:
            continue
        status = str(res[f"{base}.{name}.status"])
        rows.append({
            "cells": [t(f"mr_ind_{name}", lang), format_indicator(name, res.get(f"{base}.{name}.plan"), lang),
                      format_indicator(name, res.get(f"{base}.{name}.realisation"), lang),
                      mt.format_ratio(res.get(f"{base}.{name}.ratio"), lang)],
            "status_text": mt.status_text(status, lang),
            "colour": mt.COLOURS.get(status, "#999999"),
        })  # fmt: skip
    warn_rows = [[rule_label(r, plan, lang), MARK if c is None else format_number(c, lang)] for r, c in counts]
    fu_rows: list[list[str]] = []
    if f"{base}.follow_up.new.count" in res or f"{base}.follow_up.new.suppressed" in res:
        for state in ("resolved", "still_open", "new"):
            c = res.get(f"{base}.follow_up.{state}.count")
            fu_rows.append([t(f"mr_fu_{state}", lang), MARK if c is None else format_number(int(c), lang)])
        prefix = f"{base}.follow_up.by_region."
        for code in sorted({k.removeprefix(prefix).split(".")[0] for k in res if k.startswith(prefix)}):
            r = res.get(f"{prefix}{code}.rate")
            shown = MARK if r is None else format_percent(float(r), lang, decimals=0)
            fu_rows.append([f"{t('mr_fu_rate_region', lang)} {cfg.scope_name(code)}", shown])
        rate = res.get(f"{base}.follow_up.resolution_rate.value")
        fu_note = t("mr_fu_rate", lang, rate=MARK if rate is None else format_percent(float(rate), lang, decimals=0))
    else:
        fu_note = t("mr_fu_first", lang)
    quarters = {plan.quarter(p): p for p in plan.periods if p <= period}  # the last period of each quarter so far
    q_cols = [t("mr_col_quarter", lang)] + [t(f"mr_ind_{n}", lang) for n in SCHEDULE_INDICATORS if n in plan.schedule]
    q_rows = []
    for quarter, p in quarters.items():
        b = f"{base}.quarter.{quarter}"
        row = [f"{quarter} ({p})"]
        for n in SCHEDULE_INDICATORS:
            if n in plan.schedule:
                row.append(f"{format_indicator(n, res.get(f'{b}.{n}.realisation'), lang)} / "
                           f"{format_indicator(n, res.get(f'{b}.{n}.plan'), lang)}")  # fmt: skip
        q_rows.append(row)
    figure = f"figures/s_curve_{scope}_{period}.png"
    has_figure = (folder / figure).is_file()
    name = cfg.scope_name(scope) if scope != NATIONAL else ("Nasional" if lang == "id" else "National")
    return {
        "lang": lang,
        "title": t("mr_title", lang, period=period, scope=name),
        "subtitle": t("mr_subtitle", lang),
        "banner": t("banner_synthetic", lang) if res.get(f"{base}.data.synthetic") else "",
        "h": {h: t(f"mr_{h}", lang) for h in ("actions", "progress", "warnings", "follow_up", "quarterly")}
        | {"scurve": t("mr_scurve", lang)},
        "actions": actions,
        "restricted_note": t("mr_restricted_note", lang),
        "progress": {"columns": columns, "rows": rows},
        "figure": figure if has_figure else "",
        "warnings": {"columns": [t("mr_col_rule", lang), t("mr_col_count", lang)], "rows": warn_rows},
        "suppressed_note": t("mr_suppressed_note", lang, k=k),
        "follow_up": {"columns": [t("mr_col_status", lang), t("mr_col_count", lang)], "rows": fu_rows, "note": fu_note},
        "quarterly": {"columns": q_cols, "rows": q_rows},
        "quarterly_note": f"{t('mr_col_realisation', lang)} / {t('mr_col_plan', lang)}",
        "footer": t("mr_title", lang, period=period, scope=name),
    }


def render_round_brief(folder: Path, cfg: Config, plan: MonitoringPlan, period: str, scope: str,
                       lang: str) -> dict[str, Path]:  # fmt: skip
    """Write the PDF (Typst) and HTML brief of one scope, round and language.

    Parameters
    ----------
    folder : pathlib.Path
        The round's folder of the scope (``<run>/monitoring/<period>/<scope>``); the brief is written there.
    cfg : Config
        The configuration.
    plan : MonitoringPlan
        The monitoring plan.
    period : str
        ``YYYY-MM``.
    scope : str
        A region code or ``national``.
    lang : str
        ``id`` or ``en``.

    Returns
    -------
    dict of str to pathlib.Path
        ``pdf`` and ``html``.
    """
    import typst

    content = brief_content(folder, cfg, plan, period, scope, lang)
    pdf = typst.compile(
        template_text("monitoring_brief.typ").encode("utf-8"),
        root=str(folder),
        font_paths=list(_font_paths()),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(content, ensure_ascii=False)},
        timestamp=int(dt.datetime.combine(plan.close_date(period), dt.time(12), tzinfo=dt.UTC).timestamp()),
    )  # the PDF's date is the round's close date: the same bytes every time
    out_pdf = write_bytes(folder / f"monitoring_brief_{lang}.pdf", pdf)
    out_html = write_text(folder / f"monitoring_brief_{lang}.html", render_template("monitoring_brief.html.j2",
                                                                                     d=content))  # fmt: skip
    return {"pdf": out_pdf, "html": out_html}


def render_rounds(root: Path, cfg: Config, tasks: list[str], briefs: bool = True) -> Path:
    """Briefs of every round task (``monitoring/<period>/<scope>``) and the rounds' index page.

    Parameters
    ----------
    root : pathlib.Path
        The folder of the rounds (``<run>/monitoring``, or ``reports/monitoring`` for ``prokus-eval monitor``).
    cfg : Config
        The configuration.
    tasks : list of str
        The monitoring task scopes of the run (``monitoring/<period>/<scope>``).
    briefs : bool, default True
        Render the briefs too (False: only the index, of briefs rendered before).

    Returns
    -------
    pathlib.Path
        ``<root>/index.html``.
    """
    plan = load_monitoring_plan(cfg.run.targets)
    pairs = sorted({tuple(s.split("/")[-2:]) for s in tasks})
    for period, scope in pairs if briefs else []:
        for lang in LANGUAGES:
            render_round_brief(root / period / scope, cfg, plan, period, scope, lang)
    lang = cfg.run.language
    scopes = list(dict.fromkeys(s for _, s in sorted(pairs, key=lambda ps: (ps[1] == NATIONAL, ps[1]))))
    head = "".join(f"<th scope='col'>{html.escape(cfg.scope_name(s))}</th>" for s in scopes)
    body = []
    for period in sorted({p for p, _ in pairs}):
        cells = []
        for s in scopes:
            links = " · ".join(
                f"<a href='{period}/{s}/monitoring_brief_{lg}.html'>{lg}</a> "
                f"(<a href='{period}/{s}/monitoring_brief_{lg}.pdf'>PDF</a>)"
                for lg in LANGUAGES
            )
            cells.append(f"<td>{links}</td>" if (period, s) in pairs else "<td></td>")
        body.append(f"<tr><th scope='row'>{period}</th>{''.join(cells)}</tr>")
    title = html.escape(t("mr_rounds", lang))
    page = (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
            "<style>body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:1.5rem auto;max-width:70rem}"
            "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.3rem .5rem}</style></head>"
            f"<body><h1>{title}</h1><table><tr><th></th>{head}</tr>{''.join(body)}</table></body></html>\n")
    return write_text(root / "index.html", page)
