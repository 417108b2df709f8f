"""The main tables of one scope as an Excel workbook (openpyxl), one sheet per table, from ``results.json``.

Sheets (names in the run's language): notes, sample, baseline, before/after change, DiD effects, scorecard, risk
flags. Cells hold numbers, not formatted text, so evaluators can compute with them; number formats show rupiah,
percentages and decimals; text that a spreadsheet would read as a formula is written as a text cell
(:func:`evaluation.core.cellsafe.safe_cell`). Written to ``<run>/<scope>/tables_<scope>.xlsx``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from evaluation.core.atomic import replacing_file
from evaluation.core.cellsafe import safe_cell
from evaluation.core.disclosure import MARK
from evaluation.core.indicators import INDICATORS, RISK_FLAGS
from evaluation.reporting.context import RunContext
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import t
from evaluation.text.degenerate import reason_cell

ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "p_value", "n_units", "n_obs", "n_clusters", "vcov")
BASELINE_COLUMNS = (
    "mean_prokus",
    "sd_prokus",
    "n_prokus",
    "mean_comparison",
    "sd_comparison",
    "n_comparison",
    "difference",
    "normalised_difference",
)
SHARE_FORMAT = "0.0%"
MONEY_FORMAT = "#,##0"
DECIMAL_FORMAT = "0.000"


def _status(e: dict, lang: str) -> str:
    """The status cell of an estimate: the reason in words for a degenerate outcome ("tidak bervariasi")."""
    reason = e.get("reason")
    if not reason:
        return str(e.get("status", ""))
    return reason_cell(str(reason), lang, str(e.get("reason_wave", "")) or None, str(e.get("reason_arm", "")) or None)


def workbook_path(run_dir: Path, scope: str) -> Path:
    """Where the workbook of ``scope`` is written."""
    return run_dir / scope / f"tables_{scope}.xlsx"


def _sheet(
    wb: Any, title: str, header: list[str], rows: list[list[Any]], formats: dict[int, str] | None = None
) -> None:
    from openpyxl.styles import Font, PatternFill

    ws = wb.create_sheet(title[:31])
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows():  # text such as =HYPERLINK(...) from the data stays text, never a live formula
        for cell in row:
            safe_cell(cell)
    for col, fmt in (formats or {}).items():
        for row in ws.iter_rows(min_row=2, min_col=col + 1, max_col=col + 1):
            for cell in row:
                cell.number_format = fmt
    for i, name in enumerate(header, start=1):
        width = max([len(str(name)), *(len(str(r[i - 1])) for r in rows if i - 1 < len(r))] or [8])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(10, width + 2), 60)
    ws.freeze_panes = "A2"


def write_workbook(ctx: RunContext, scope: str, lang: str) -> Path:
    """Write the workbook of one scope and return its path."""
    from openpyxl import Workbook

    v = ctx.view
    wb = Workbook()
    wb.remove(wb.active)
    outcomes = list(ctx.cfg.analysis.outcomes)
    label = {o: ctx.codebook[o].label_with_unit(lang) for o in outcomes}
    notes = [
        [t("banner_synthetic", lang) if v.synthetic(scope) else ""],
        [ctx.scope_label(scope, lang)],
        [ctx.source_line(scope, lang)],
        [mt.label("scorecard_note", lang)],
        [mt.label("risk_note", lang)],
    ]
    _sheet(
        wb, t("s_notes", lang), [t("title_region", lang, name=ctx.scope_label(scope, lang))], [n for n in notes if n[0]]
    )
    sample = v.topic(scope, "sample")
    _sheet(wb, t("s_sample", lang), ["key", "value"], [[k, sample[k]] for k in sorted(sample)])
    rows = []
    for o in outcomes:
        b = v.topic(scope, o, "baseline")
        if b:
            rows.append([o, label[o], *(b.get(c) for c in BASELINE_COLUMNS)])
    _sheet(
        wb, t("s_baseline", lang), ["outcome", "label", *BASELINE_COLUMNS], rows, {8: DECIMAL_FORMAT, 9: DECIMAL_FORMAT}
    )
    for method, sheet in (("pre_post", "s_pre_post"), ("did", "s_did")):
        rows = []
        for o in outcomes:
            e = v.topic(scope, o, method)
            if e:
                rows.append([o, label[o], *(e.get(c) for c in ESTIMATE_COLUMNS), _status(e, lang)])
        _sheet(wb, t(sheet, lang), ["outcome", "label", *ESTIMATE_COLUMNS, "status"], rows, {6: DECIMAL_FORMAT})
    card = v.nested(scope, "scorecard")
    rows = []
    for name, ind in INDICATORS.items():
        c = card.get(name)
        if c:
            rows.append(
                [
                    ind.component,
                    name,
                    mt.label(name, lang),
                    ind.direction,
                    c.get("target"),
                    *(
                        [MARK, MARK, MARK, MARK]
                        if c.get("suppressed")
                        else [
                            c.get("realisation"),
                            c.get("ratio"),
                            mt.status_text(str(c.get("status")), lang),
                            c.get("n"),
                        ]
                    ),
                ]
            )
    _sheet(
        wb,
        t("s_scorecard", lang),
        ["component", "indicator", "label", "direction", "target", "realisation", "ratio", "status", "n"],
        rows,
        {6: SHARE_FORMAT},
    )
    risk = v.nested(scope, "risk")
    rows = [
        [
            RISK_FLAGS.get(f, "any"),
            f,
            mt.label("flag_any" if f == "any" else f, lang),
            MARK if risk[f].get("suppressed") else risk[f].get("count"),
            MARK if risk[f].get("suppressed") else risk[f].get("rate"),
        ]
        for f in [*RISK_FLAGS, "any"]
        if f in risk
    ]
    _sheet(wb, t("s_risk", lang), ["type", "flag", "label", "count", "rate"], rows, {4: SHARE_FORMAT})
    out = workbook_path(ctx.run_dir, scope)
    wb.properties.creator = "ProKUS Evaluation"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    with replacing_file(out) as tmp:
        wb.save(tmp)
        _normalise_zip(tmp)
    return out


FIXED_TIME = dt.datetime(2020, 1, 1)  # workbook properties and zip entries: no clock time in an output file


def _normalise_zip(path: Path) -> None:
    """Rewrite the XLSX zip with fixed entry times, so the same tables give the same bytes.

    openpyxl stamps each zip entry with the clock time and docProps/core.xml with the save time (the latter is
    overwritten above, but openpyxl sets ``modified`` to now on save, so it is rewritten here too).
    """
    import re
    import zipfile

    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2020-01-01T00:00:00Z\g<2>", data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            zout.writestr(fixed, data)
