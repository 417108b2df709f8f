"""Policy brief of one scope (a region or the nation), in one language, as PDF (Typst) and HTML (Jinja2).

Both formats are rendered from one content record (:func:`brief_content`), itself built from ``results.json``
through :class:`~evaluation.reporting.context.RunContext`, so the PDF and the HTML cannot disagree with each other
or with the notebook. Files, in ``<run>/<scope>/``: ``brief_<lang>.pdf``, ``brief_<lang>.html``, the editable
``brief_<lang>.docx`` (:mod:`~evaluation.reporting.docx_brief`) and the charts in
``brief_files/<lang>_*.png``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from evaluation.core.atomic import write_bytes, write_text
from evaluation.core.config import NATIONAL
from evaluation.core.disclosure import MARK
from evaluation.core.indicators import INDICATORS, RISK_FLAGS, Indicator
from evaluation.core.keys import key
from evaluation.core.targets import SHOWN, shown, thresholds
from evaluation.reporting import charts
from evaluation.reporting.context import RunContext
from evaluation.reporting.docx_brief import docx_brief_bytes
from evaluation.reporting.findings import build_findings
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import count_text, t, tn
from evaluation.text.formats import format_date, format_number, format_percent, format_rupiah

FIGURE_DIR = "brief_files"
# The brief's headings (template keys) and their phrases; the risk heading is the notebook's risk section title.
HEADINGS = {
    "findings": "h_findings",
    "effects": "h_effects",
    "scorecard": "h_scorecard",
    "charts": "h_charts",
    "risk": "monitoring.risk_title",
    "recommendations": "h_recommendations",
    "methods": "h_methods",
    "source": "h_source",
}
# Legend and axis words of the before/after chart: the notebook's column and group names.
BEFORE_AFTER_WORDS = {
    "before": "col_before",
    "after": "col_after",
    "prokus": "group_prokus",
    "comparison": "group_comparison",
}


@cache
def template_text(name: str) -> str:
    """A template shipped as package data (``evaluation/reporting/templates/<name>``)."""
    return resources.files("evaluation.reporting").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


@cache
def _jinja_env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: template_text(name)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render a Jinja2 HTML template from the package data."""
    return _jinja_env().get_template(name).render(**context)


def _gap_text(kind: str, realisation: float, target: float, lang: str) -> str:
    """Realisation minus target as printed, in the indicator's unit (percentage points for shares and changes)."""
    decimals = SHOWN[kind][1]
    gap = shown(kind, realisation) - shown(kind, target)
    unit = {
        "share": t("unit_percentage_points", lang),
        "relative_change": t("unit_percentage_points", lang),
        "sessions": mt.label("unit_sessions", lang),
        "points": mt.label("unit_points", lang),
    }[kind]
    return f"{format_number(gap, lang, decimals, signed=True)} {unit}"


def _rule_text(ind: Indicator, target: float, ctx: RunContext, lang: str) -> str:
    """The status rule of one indicator in words, with its two limits as printed ("on track at ≥ 72.0%; ...")."""
    th = thresholds(ind, target, ctx.targets.status)
    scale = SHOWN[ind.kind][0]
    return t(
        f"sc_rule_{ind.direction}",
        lang,
        on=mt.format_indicator(ind.kind, th.on_track / scale, lang),
        attention=mt.format_indicator(ind.kind, th.needs_attention / scale, lang),
    )


def _scorecard_rows(ctx: RunContext, scope: str, lang: str) -> list[dict[str, Any]]:
    """One row per indicator of the brief's scorecard (issue 15: no ratio of changes).

    Cells: component, indicator, target (at least / at most), realisation, the difference from the target as
    printed, the status rule with its limits; then the status.
    """
    card = ctx.view.nested(scope, "scorecard")
    rows = []
    for name, ind in INDICATORS.items():
        if name not in card:
            continue
        c = card[name]
        target = c.get("target")
        target_text = (
            t(f"sc_target_{ind.direction}", lang, target=mt.format_indicator(ind.kind, target, lang))
            if isinstance(target, (int, float))
            else MARK
        )
        rule = _rule_text(ind, float(target), ctx, lang) if isinstance(target, (int, float)) else ""
        if c.get("suppressed"):  # fewer than k families: only the target (a plan figure) is shown
            rows.append(
                {
                    "name": name,
                    "cells": [
                        mt.label(ind.component, lang),
                        mt.label(name, lang),
                        target_text,
                        MARK,
                        MARK,
                        rule,
                    ],
                    "status": "no_data",
                    "status_text": MARK,
                    "colour": mt.COLOURS["no_data"],
                    "suppressed": True,
                }
            )
            continue
        status = str(c.get("status", "no_data"))
        real = c.get("realisation")
        ok = isinstance(real, (int, float)) and isinstance(target, (int, float)) and math.isfinite(real)
        rows.append(
            {
                "name": name,
                "cells": [
                    mt.label(ind.component, lang),
                    mt.label(name, lang),
                    target_text,
                    mt.format_indicator(ind.kind, real, lang),
                    _gap_text(ind.kind, float(real), float(target), lang) if ok else "–",
                    rule,
                ],
                "status": status,
                "status_text": mt.status_text(status, lang),
                "colour": mt.COLOURS[status],
            }
        )
    return rows


def _risk_rule(name: str, ctx: RunContext, lang: str) -> str:
    """The rule of a risk flag in words, with the targets file's values ("attended under 50% of ...")."""
    r, plan = ctx.targets.risk, ctx.targets.plan
    return t(
        f"rf_rule_{name}",
        lang,
        multiple=format_number(r.eligibility_consumption_multiple, lang, 1),
        days=r.grant_late_days,
        date=format_date(plan.reference_date, lang),
        share=format_percent(r.mentoring_min_share, lang, 0),
        tksk=plan.tksk_sessions,
        business=plan.business_mentoring_sessions,
        tolerance=format_rupiah(r.amount_tolerance, lang),
    )


def _risk_rows(ctx: RunContext, scope: str, lang: str) -> list[list[str]]:
    risk = ctx.view.nested(scope, "risk")
    rows = []
    for name in [*RISK_FLAGS, "any"]:
        if name not in risk:
            continue
        kind = RISK_FLAGS.get(name, "any")
        hide = bool(risk[name].get("suppressed"))
        rows.append(
            [
                mt.label(kind, lang),
                mt.label("flag_any" if name == "any" else name, lang),
                _risk_rule(name, ctx, lang),
                MARK if hide else format_number(risk[name].get("count"), lang),
                MARK if hide else format_percent(risk[name].get("rate"), lang),
            ]
        )
    return rows


MAX_COMPARED_SCOPES = 12  # the "effect by region" chart stays readable (and quick to draw) up to this many rows


def _subgroup_scopes(ctx: RunContext, scope: str) -> tuple[list[str], str | None]:
    """Scopes compared in the brief's "effect by region" chart, and the province they were limited to (or None).

    Up to :data:`MAX_COMPARED_SCOPES` scopes with a DiD estimate (the five ProKUS regions and the nation): all of
    them. At district scale (514 districts) a chart of every district is unreadable and takes seconds to draw per
    brief, so a district's brief compares the districts of its own province (at most ``MAX - 1``, a window around
    the district in code order) and the nation; the national brief has no such chart (the landing page and the
    workbook list every district's estimate).
    """
    scopes = [s for s in ctx.scopes() if any(ctx.view.interval(s, o, "did") for o in ctx.headline)]
    if len(scopes) <= MAX_COMPARED_SCOPES:
        return scopes, None
    if scope == NATIONAL or scope not in scopes:
        return [], None
    province = ctx.cfg.region(scope).province
    peers = [s for s in scopes if s != NATIONAL and ctx.cfg.region(s).province == province]
    room = MAX_COMPARED_SCOPES - 1
    at = peers.index(scope)
    start = min(max(0, at - room // 2), max(0, len(peers) - room))
    return [*peers[start : start + room], *([NATIONAL] if NATIONAL in scopes else [])], province


HOUSEHOLD_SUBGROUPS = ("head_sex", "business_type", "income_tercile")
TERCILES = ("T1", "T2", "T3")


def _household_rows(ctx: RunContext, scope: str, outcomes: list[str], lang: str) -> tuple[list, list[str]]:
    """Rows of the family-subgroup chart (headings and levels with an estimate) and the suppressed groups' names.

    Levels are read from the results keys ``<scope>.<outcome>.het_<subgroup>.<level>_estimate``; a subgroup with
    ``suppressed_levels`` > 0 is named in the caption (its hidden levels have no keys, so they cannot be drawn).
    """
    v = ctx.view
    rows: list[tuple[str, str | None, str]] = []
    hidden: list[str] = []
    for sg in HOUSEHOLD_SUBGROUPS:
        levels = sorted(
            {
                rest.removesuffix("_estimate")
                for o in outcomes
                for rest in v.topic(scope, o, f"het_{sg}")
                if rest.endswith("_estimate")
            }
        )
        if sg == "income_tercile":
            levels = [t_ for t_ in TERCILES if t_ in levels]
        elif sg in ctx.codebook:
            order = [c.code for c in ctx.codebook[sg].categories]
            levels = sorted(levels, key=lambda x: order.index(x) if x in order else len(order))
        n_hidden = max((int(v.get(key(scope, o, f"het_{sg}", "suppressed_levels"), 0)) for o in outcomes), default=0)
        if n_hidden:
            hidden.append(t("c_household_levels", lang, group=t(f"g_{sg}", lang).lower(), n=n_hidden))
        # the hidden levels are drawn as rows marked [c] without a point, so the chart agrees with its caption:
        # named when the codebook's categories without keys are exactly the hidden ones, else counted
        marked: list[str] = []
        if n_hidden:
            absent = []
            if sg in ctx.codebook and ctx.codebook[sg].categories:
                absent = [c for c in ctx.codebook[sg].categories if c.code not in levels]
            if len(absent) == n_hidden:
                marked = [f"  {c.label(lang)} {MARK}" for c in absent]
            else:
                marked = [f"  {t('c_household_levels', lang, group=t(f'g_{sg}', lang).lower(), n=n_hidden)} {MARK}"]
        if not levels and not marked:
            continue
        rows.append((sg, None, t(f"g_{sg}", lang)))
        rows.extend((sg, "", text) for text in marked)
        for lv in levels:
            if sg == "income_tercile":
                text = t(lv, lang)
            elif sg in ctx.codebook:
                try:
                    text = ctx.codebook[sg].category(lv).label(lang)
                except (KeyError, ValueError):
                    text = lv
            else:
                text = lv
            rows.append((sg, lv, f"  {text}"))
    return rows, hidden


def _chart_label(ctx: RunContext, outcome: str, lang: str) -> str:
    """An outcome's chart title with its direction of good from the codebook ("Skor FIES (↓ = lebih baik)")."""
    return f"{ctx.codebook[outcome].label(lang)} ({t(f'ev_good_short_{ctx.good(outcome)}', lang)})"


def draw_charts(ctx: RunContext, scope: str, lang: str, out_dir: Path, scorecard_rows: list[dict]) -> list[dict]:
    """Draw the brief's charts into ``out_dir`` and return ``[{file, caption}]`` (paths relative to the scope)."""
    made = []
    source = ctx.source(scope, lang)
    headline = [o for o in ctx.headline if ctx.view.get(key(scope, o, "means", "prokus_before")) is not None]
    if headline:
        fig = charts.before_after_chart(
            ctx.view,
            scope,
            headline,
            {o: _chart_label(ctx, o, lang) for o in headline},
            {o: ctx.axis_unit(o, lang) for o in headline},
            {w: t(k, lang) for w, k in BEFORE_AFTER_WORDS.items()},
            t("c_before_after", lang),
            source,
            lang,
        )
        charts.save(fig, out_dir / f"{lang}_before_after.png")
        made.append({"file": f"{FIGURE_DIR}/{lang}_before_after.png", "caption": t("c_before_after_caption", lang)})
    groups, province = _subgroup_scopes(ctx, scope)
    if groups:
        outcomes = [o for o in ctx.headline if any(ctx.view.interval(s, o, "did") for s in groups)]
        fig = charts.subgroup_chart(
            ctx.view,
            scope,
            groups,
            outcomes,
            {o: _chart_label(ctx, o, lang) for o in outcomes},
            {s: ctx.scope_label(s, lang) for s in groups},
            t("fig_forest", lang) if province is None else t("c_subgroup_province", lang, province=province),
            source,
            {o: ctx.effect_unit(o, lang) for o in outcomes},
            lang,
        )
        charts.save(fig, out_dir / f"{lang}_subgroups.png")
        caption = t("c_subgroup_caption", lang)
        if province is not None:
            caption = t("c_subgroup_province_caption", lang, province=province)
        made.append({"file": f"{FIGURE_DIR}/{lang}_subgroups.png", "caption": caption})
    het = [o for o in ctx.headline if any(ctx.view.topic(scope, o, f"het_{sg}") for sg in HOUSEHOLD_SUBGROUPS)]
    rows, hidden = _household_rows(ctx, scope, het, lang) if het else ([], [])
    if any(lv for _, lv, _ in rows):
        fig = charts.household_subgroup_chart(
            ctx.view,
            scope,
            het,
            {o: _chart_label(ctx, o, lang) for o in het},
            rows,
            t("c_household", lang),
            source,
            {o: ctx.effect_unit(o, lang) for o in het},
            lang,
        )
        charts.save(fig, out_dir / f"{lang}_household.png")
        caption = t("c_household_caption", lang)
        if hidden:
            k = ctx.view.get(key(scope, "disclosure", "k"), ctx.cfg.run.min_cell_size)
            caption += t("c_household_hidden", lang, mark=MARK, groups="; ".join(hidden), k=k)
        made.append({"file": f"{FIGURE_DIR}/{lang}_household.png", "caption": caption})
    return made


def _scope_title(ctx: RunContext, scope: str, lang: str) -> str:
    """The scope's name in the brief's title: the region's name, or the nation with the number of scopes it sums.

    ``Nasional (lima wilayah)`` / ``National (five regions)`` for the five ProKUS regions, ``National (514
    regions)`` for a district-scale run: the count is of the scopes in this run, never a fixed word.
    """
    if scope != NATIONAL:
        return ctx.cfg.region(scope).name
    n = sum(1 for s in ctx.scopes() if s != NATIONAL)
    return tn("national_scopes", n, lang, n=count_text(n, lang))


def brief_content(ctx: RunContext, scope: str, lang: str, figures: list[dict] | None = None) -> dict[str, Any]:
    """Everything the brief says, as plain JSON-able data (both templates render exactly this)."""
    v = ctx.view
    tg = ctx.targets
    name = _scope_title(ctx, scope, lang)
    findings = build_findings(
        v,
        scope,
        ctx.headline,
        {o: ctx.outcome_text(o, lang) for o in ctx.headline},
        lang,
        tg.risk.recommend_rate,
        tg.risk.grant_late_days,
        ctx.plan,
    )
    start, end = v.period(scope)
    scorecard_rows = _scorecard_rows(ctx, scope, lang)
    risk_rows = _risk_rows(ctx, scope, lang)
    k = v.get(key(scope, "disclosure", "k"), ctx.cfg.run.min_cell_size)
    small = " " + t("disclosure_note", lang, mark=MARK, k=k)
    clusters = [v.interval(scope, o, "did") for o in ctx.headline]
    n_clusters = next((c.n_clusters for c in clusters if c is not None and c.n_clusters), None)
    methods = [t("m_design_did" if findings.has_did else "m_design_pre_post", lang)]
    if n_clusters:
        methods.append(t("m_inference", lang, clusters=format_number(n_clusters, lang)))
    # the doubly robust DiD beside the DiD (a robustness check of the plan), for the first headline outcome with both
    both = [(o, v.interval(scope, o, "drdid"), v.interval(scope, o, "did")) for o in ctx.headline]
    both = [(o, dr, did) for o, dr, did in both if dr is not None and did is not None]
    if both:
        o, dr, did = both[0]
        ot = ctx.outcome_text(o, lang)
        methods.append(
            t("m_drdid", lang, label=ot.label, drdid=ot.fmt(dr.estimate, True), low=ot.fmt(dr.ci_low, True),
              high=ot.fmt(dr.ci_high, True), did=ot.fmt(did.estimate, True))
        )  # fmt: skip
    methods.append(
        t(
            "sc_method",
            lang,
            on=ctx.percent(1 - tg.status.on_track, lang),
            attention=ctx.percent(1 - tg.status.needs_attention, lang),
        )
    )
    methods.append(t("m_risk", lang, days=tg.risk.grant_late_days, date=format_date(tg.plan.reference_date, lang)))
    return {
        "lang": lang,
        "scope": scope,
        "home": {"href": f"../{ctx.landing_file(lang)}", "text": t("lp_back", lang)},
        "banner": t("banner_synthetic", lang) if v.synthetic(scope) else "",
        "kind": t("brief_kind", lang),
        "issuer": t("issuer", lang),
        "title": t("title_region", lang, name=name),
        "date_line": t("date_line", lang, date=format_date(ctx.run_date, lang)),
        "period_line": (
            t("period_line", lang, start=format_date(start, lang), end=format_date(end, lang)) if start and end else ""
        ),
        "h": {k: t(mid, lang) for k, mid in HEADINGS.items()},
        "findings": findings.sentences,
        "finding_tags": findings.tags,
        "effects": {
            "columns": [
                t(c, lang)
                for c in ("col_outcome", "ev_col_good", "col_before_after_change", "col_effect", "col_ci", "ev_col")
            ],
            "rows": findings.headline_rows,
            "tags": findings.headline_tags,
        },
        "scorecard": {
            "columns": [
                mt.label("col_component", lang),
                mt.label("col_indicator", lang),
                mt.label("col_target", lang),
                mt.label("col_realisation", lang),
                t("sc_col_gap", lang),
                t("sc_col_rule", lang),
                mt.label("col_status", lang),
            ],
            "rows": scorecard_rows,
        },
        "scorecard_note": mt.label("scorecard_note", lang)
        + (small if any(r.get("suppressed") for r in scorecard_rows) else ""),
        "figures": figures or [],
        "risk": {
            "columns": [
                mt.label("col_risk_type", lang),
                mt.label("col_flag", lang),
                t("rf_col_rule", lang),
                mt.label("col_count", lang),
                mt.label("col_rate", lang),
            ],
            "rows": risk_rows,
        },
        "risk_note": mt.label("risk_note", lang) + (small if any(MARK in r for r in risk_rows) else ""),
        "recommendations": findings.recommendations,
        "methods": methods,
        "source": ctx.source_line(scope, lang),
        "footer": f"{t('brief_kind', lang)} · {name} · results.json {ctx.results_id}",
    }


@cache
def _font_paths() -> tuple[str, ...]:
    import matplotlib

    return (str(Path(matplotlib.get_data_path()) / "fonts" / "ttf"),)


def render_pdf(content: dict[str, Any], root: Path, out: Path, when: dt.date | None = None) -> Path:
    """Compile the Typst template with ``content`` (images relative to ``root``) into ``out``.

    Fonts are DejaVu, shipped with matplotlib (the charts' font too), and system fonts are ignored, so the PDF
    looks the same on every machine.
    """
    import typst

    stamp = dt.datetime.combine(when, dt.time(12), tzinfo=dt.UTC) if when else None
    pdf = typst.compile(
        template_text("brief.typ").encode("utf-8"),
        root=str(root),
        font_paths=list(_font_paths()),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(content, ensure_ascii=False)},
        timestamp=int(stamp.timestamp()) if stamp else None,
    )
    return write_bytes(out, pdf)


def render_html(content: dict[str, Any], out: Path) -> Path:
    """Render the HTML brief (self-contained CSS, images relative to the scope directory, nothing from the web)."""
    return write_text(out, render_template("brief.html.j2", d=content))


def render_brief(ctx: RunContext, scope: str, lang: str) -> dict[str, Path]:
    """Charts, PDF, HTML and Word brief of one scope in one language; returns the files written."""
    scope_dir = ctx.run_dir / scope
    fig_dir = scope_dir / FIGURE_DIR
    fig_dir.mkdir(parents=True, exist_ok=True)
    rows = _scorecard_rows(ctx, scope, lang)
    figs = draw_charts(ctx, scope, lang, fig_dir, rows)
    content = brief_content(ctx, scope, lang, figs)
    pdf = render_pdf(content, scope_dir, scope_dir / f"brief_{lang}.pdf", ctx.run_date)
    html = render_html(content, scope_dir / f"brief_{lang}.html")
    docx = write_bytes(scope_dir / f"brief_{lang}.docx", docx_brief_bytes(content, scope_dir))
    return {"pdf": pdf, "html": html, "docx": docx}
