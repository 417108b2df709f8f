"""The landing page ``<run>/index.html``: every region and the nation, an overview table and links to every file.

Overview per scope: region, number of ProKUS families, the headline effect (first headline outcome, DiD) with its
95% interval, and the scorecard summary (counts by status, symbol and colour). Links: briefs (PDF and HTML, both
languages), technical report, workbook, executed notebook; for the run: ``results.json`` and ``manifest.json``
(when present). The restricted risk-flag annexes are deliberately not linked. Works offline: inline CSS, no
script, no file from the web.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluation.core.atomic import write_text
from evaluation.core.disclosure import MARK
from evaluation.core.keys import key
from evaluation.reporting.brief import render_template
from evaluation.reporting.context import LANGUAGES, RunContext
from evaluation.reporting.findings import reading
from evaluation.reporting.workbook import workbook_path
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import t
from evaluation.text.formats import format_date, format_number

STATUS_ORDER = ("on_track", "needs_attention", "off_track")


def _link(run_dir: Path, rel: str, text: str) -> dict[str, Any]:
    return {"href": rel, "text": text, "exists": (run_dir / rel).is_file()}


def landing_content(ctx: RunContext, lang: str) -> dict[str, Any]:
    """Everything the landing page shows, as plain data."""
    v = ctx.view
    first = ctx.headline[0] if ctx.headline else None
    rows = []
    for scope in ctx.scopes():
        files = []
        for brief_lang in LANGUAGES:
            for ext in ("pdf", "html"):
                files.append(
                    _link(
                        ctx.run_dir,
                        f"{scope}/brief_{brief_lang}.{ext}",
                        f"{t('l_brief', lang)} {brief_lang.upper()} ({ext.upper()})",
                    )
                )
        files.append(_link(ctx.run_dir, f"{scope}/report.html", t("l_technical", lang)))
        wb = workbook_path(ctx.run_dir, scope).relative_to(ctx.run_dir).as_posix()
        files.append(_link(ctx.run_dir, wb, t("l_workbook", lang)))
        files.append(_link(ctx.run_dir, f"{scope}/notebook.ipynb", t("l_notebook", lang)))
        effect = ci = read = ""
        if first is not None:
            iv = v.interval(scope, first, "did")
            o = ctx.outcome_text(first, lang)
            if iv is not None:
                effect = o.fmt(iv.estimate, True)
                ci = t("range", lang, lo=o.fmt(iv.ci_low, False), hi=o.fmt(iv.ci_high, False))
                read = reading(iv, lang)
        summary = v.topic(scope, "scorecard", "summary")
        card = (
            [
                {
                    "symbol": mt.SYMBOLS[s],
                    "count": int(summary.get(s, 0)),
                    "colour": mt.COLOURS[s],
                    "label": mt.label(s, lang),
                }
                for s in STATUS_ORDER
            ]
            if summary
            else []
        )
        rows.append(
            {
                "scope": scope,
                "name": ctx.scope_label(scope, lang),
                "n": format_number(v.get(key(scope, "sample", "n_families")), lang)
                if v.get(key(scope, "sample", "n_families")) is not None
                or not v.get(key(scope, "disclosure", "sample_suppressed"))
                else MARK,
                "effect": effect,
                "ci": ci,
                "reading": read,
                "scorecard": card,
                "files": files,
                "synthetic": v.synthetic(scope),
            }
        )
    run_files = [_link(ctx.run_dir, "results.json", t("l_results", lang))]
    manifest = _link(ctx.run_dir, "manifest.json", t("l_manifest", lang))
    if manifest["exists"]:
        run_files.append(manifest)
    # the instrument a run writes beside its reports (issue 12): the forms and their printable questionnaires
    forms = ctx.run_dir / "instrument"
    if forms.is_dir():
        for f in sorted(forms.iterdir()):
            if f.suffix in (".xlsx", ".pdf", ".docx"):
                run_files.append(_link(ctx.run_dir, f"instrument/{f.name}", t("l_instrument", lang, file=f.name)))
    rounds = _link(ctx.run_dir, "monitoring/index.html", t("mr_rounds", lang))  # issue 17: every monitoring round
    if rounds["exists"]:
        run_files.append(rounds)
    synthetic = any(r["synthetic"] for r in rows)
    headline_label = ctx.outcome_text(first, lang).label if first else ""
    return {
        "lang": lang,
        "title": t("landing_title", lang, run_id=ctx.results_id),
        "intro": t("landing_intro", lang),
        "date_line": t("date_line", lang, date=format_date(ctx.run_date, lang)),
        "banner": t("banner_synthetic", lang) if synthetic else "",
        "columns": {
            "region": t("col_region", lang),
            "n": t("col_n_prokus", lang),
            "headline": t("col_headline", lang, label=headline_label),
            "ci": t("col_ci", lang),
            "reading": t("col_reading", lang),
            "scorecard": t("col_scorecard", lang),
            "files": t("col_files", lang),
        },
        "rows": rows,
        "run_files_title": t("l_run_files", lang),
        "run_files": run_files,
        "restricted": t("l_restricted", lang),
        "source": ctx.source(rows[0]["scope"], lang) if rows else "",
    }


def render_landing(ctx: RunContext, lang: str | None = None) -> Path:
    """Write ``<run>/index.html`` (in the run's language) and return its path."""
    language = lang or ctx.cfg.run.language
    out = ctx.run_dir / "index.html"
    write_text(out, render_template("landing.html.j2", d=landing_content(ctx, language)))
    return out
