"""The landing page of a run, in every language: ``<run>/index.html`` (the run's language) and ``index_<lang>.html``.

Two tables. Findings: one row per scope (every region and the nation), one column per headline outcome, each cell
the DiD estimate, its 95% interval and its evidence grade (:func:`evaluation.core.evidence.grade`, worded by the
catalogue), marked ``data-key`` (the results key) and ``data-evidence`` (the grade) like the HTML briefs, so a test
can check every claim against ``results.json``. Files: per scope the number of ProKUS families, the scorecard
summary (counts by status, symbol and colour) and links to the briefs (PDF and HTML, both languages), technical
report, workbook and executed notebook; for the run ``results.json`` and ``manifest.json`` (when present) and the
instrument. The restricted risk-flag annexes are deliberately not linked. Works offline: inline CSS, no script, no
file from the web. Each page links to the other languages' pages, and every HTML brief links back here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evaluation.core.atomic import write_text
from evaluation.core.disclosure import MARK
from evaluation.core.keys import key
from evaluation.reporting.brief import render_template
from evaluation.reporting.context import LANGUAGES, RunContext
from evaluation.reporting.findings import good_text
from evaluation.reporting.workbook import workbook_path
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import t
from evaluation.text.formats import format_date, format_number

STATUS_ORDER = ("on_track", "needs_attention", "off_track")
# Cell colours of the grades (Okabe and Ito palette, as the scorecard); the grade is always written out as well.
GRADE_COLOURS = {
    "strong": "#009E73",
    "suggestive": "#E69F00",
    "none": "#999999",
    "before_after": "#999999",
    "not_estimated": "#999999",
}


def _link(run_dir: Path, rel: str, text: str) -> dict[str, Any]:
    return {"href": rel, "text": text, "exists": (run_dir / rel).is_file()}


def _finding(ctx: RunContext, scope: str, outcome: str, lang: str) -> dict[str, Any]:
    """One cell of the findings table: estimate, interval and evidence grade of ``outcome`` in ``scope``."""
    v = ctx.view
    o = ctx.outcome_text(outcome, lang)
    ev = ctx.evidence(scope, outcome)
    method = "did" if ev.grade not in ("before_after", "not_estimated") else "pre_post"
    iv = v.interval(scope, outcome, method)
    if iv is None:
        return {"key": "", "evidence": ev.grade, "effect": "–", "ci": "", "grade": t(f"ev_{ev.grade}", lang),
                "colour": GRADE_COLOURS[ev.grade]}  # fmt: skip
    return {
        "key": key(scope, outcome, method, "estimate"),
        "evidence": ev.grade,
        "effect": o.fmt(iv.estimate, True),
        "ci": t("range", lang, lo=o.fmt(iv.ci_low, False), hi=o.fmt(iv.ci_high, False)),
        "grade": t(f"ev_{ev.grade}", lang),
        "colour": GRADE_COLOURS[ev.grade],
    }


def landing_content(ctx: RunContext, lang: str) -> dict[str, Any]:
    """Everything the landing page in ``lang`` shows, as plain data."""
    v = ctx.view
    rows = []
    for scope in ctx.scopes():
        files = []
        for brief_lang in LANGUAGES:
            for ext in ("pdf", "html", "docx"):
                files.append(
                    _link(
                        ctx.run_dir,
                        f"{scope}/brief_{brief_lang}.{ext}",
                        f"{t('l_brief', lang)} {brief_lang.upper()} ({t('l_format_' + ext, lang)})",
                    )
                )
        files.append(_link(ctx.run_dir, f"{scope}/report.html", t("l_technical", lang)))
        for wb_lang in LANGUAGES:  # one workbook per language (reporting.workbook)
            wb = workbook_path(ctx.run_dir, scope, wb_lang).relative_to(ctx.run_dir).as_posix()
            files.append(_link(ctx.run_dir, wb, f"{t('l_workbook', lang)} {wb_lang.upper()}"))
        files.append(_link(ctx.run_dir, f"{scope}/notebook.ipynb", t("l_notebook", lang)))
        table_lang = lang if lang in LANGUAGES else LANGUAGES[0]
        for table in ("effects", "balance"):
            for ext in ("html", "docx", "tex"):
                rel = f"{scope}/tables/{table}_{table_lang}.{ext}"
                if (ctx.run_dir / rel).is_file():
                    text = f"{t('l_table_' + table, lang)} ({t('l_format_' + ext, lang)})"
                    files.append(_link(ctx.run_dir, rel, text))
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
                "findings": [_finding(ctx, scope, o, lang) for o in ctx.headline],
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
    return {
        "lang": lang,
        "title": t("landing_title", lang, run_id=ctx.results_id),
        "intro": t("landing_intro", lang),
        "date_line": t("date_line", lang, date=format_date(ctx.run_date, lang)),
        "banner": t("banner_synthetic", lang) if synthetic else "",
        "languages": [
            {"href": ctx.landing_file(other), "text": t("lp_language", other)} for other in LANGUAGES if other != lang
        ],
        "findings_title": t("lp_findings_title", lang),
        "findings_note": t("lp_findings_note", lang),
        "outcomes": [
            {"label": ctx.outcome_text(o, lang).label, "good": good_text(ctx.good(o), lang)} for o in ctx.headline
        ],
        "files_title": t("lp_files_title", lang),
        "columns": {
            "region": t("col_region", lang),
            "n": t("col_n_prokus", lang),
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
    """Write the landing page in every language (``lang``: only that one); return the run language's page."""
    for language in (lang,) if lang else LANGUAGES:
        out = ctx.run_dir / ctx.landing_file(language)
        write_text(out, render_template("landing.html.j2", d=landing_content(ctx, language)))
    return ctx.run_dir / ctx.landing_file(lang or ctx.cfg.run.language)
