"""The main tables of one scope as Excel workbooks (openpyxl) for a ministry analyst, one per language.

``<run>/<scope>/tables_<scope>_id.xlsx`` (Bahasa Indonesia) and ``tables_<scope>_en.xlsx`` (English), from
``results.json`` only. Sheets (names in the workbook's language): a README sheet (what each sheet holds, source,
units, the suppression symbol, how to cite), sample, baseline, before/after change, DiD effects, scorecard, risk
flags.

What an analyst gets, and why:

* **labels, not keys**: every header and row label comes from the catalogue or the codebook in the workbook's
  language (``Pendapatan rumah tangga per bulan``, ``Batas bawah interval 95%``), never a results key such as
  ``ci_low`` or ``household_income``; each outcome row names its unit in a unit column;
* **numbers stay numbers**: cells hold numbers an analyst can compute with, rounded to the precision the number
  format shows (rupiah to the rupiah, shares to a tenth of a percent, scores to two decimals, p-values to three), so
  a cell never holds float noise such as ``0.06499999999999995``;
* **units right**: a *level* of a 0/1 outcome is a share shown as a percent (``0.0%``); a *change*, *difference* or
  *effect* on it is in percentage points (the cell holds points, ``20.7``, unit column "poin persen"); rupiah use a
  rupiah number format without decimals (see :mod:`evaluation.text.formats`);
* **suppressed cells** show :data:`~evaluation.core.disclosure.MARK` as text, explained on the README sheet;
* text that a spreadsheet would read as a formula is written as a text cell
  (:func:`evaluation.core.cellsafe.safe_cell`); the file's bytes depend on the tables only (fixed zip times).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evaluation.core.atomic import replacing_file
from evaluation.core.cellsafe import safe_cell
from evaluation.core.disclosure import MARK
from evaluation.core.indicators import INDICATORS, RISK_FLAGS
from evaluation.reporting.context import LANGUAGES, RunContext
from evaluation.text import monitoring as mt
from evaluation.text.catalogue import t
from evaluation.text.degenerate import reason_cell
from evaluation.text.formats import format_date

# Number formats (Excel shows them with the reader's own separators: 1.250.000 in an Indonesian Excel).
FORMATS = {
    "rupiah_id": '"Rp"#,##0;-"Rp"#,##0',
    "rupiah_en": '"IDR "#,##0;-"IDR "#,##0',
    "rupiah_signed_id": '+"Rp"#,##0;-"Rp"#,##0;"Rp"0',
    "rupiah_signed_en": '+"IDR "#,##0;-"IDR "#,##0;"IDR "0',
    "percent": "0.0%",
    "points": "+0.0;-0.0;0.0",
    "points_plain": "0.0",
    "decimal": "0.00",
    "decimal_signed": "+0.00;-0.00;0.00",
    "p": "0.000",
    "count": "#,##0",
}
DIGITS = {  # decimals a cell is rounded to, so that the stored number is the number shown
    "rupiah_id": 0,
    "rupiah_en": 0,
    "rupiah_signed_id": 0,
    "rupiah_signed_en": 0,
    "percent": 3,
    "points": 1,
    "points_plain": 1,
    "decimal": 2,
    "decimal_signed": 2,
    "p": 3,
    "count": 0,
}
HEADER_FILL = "EEF2F6"


def workbook_path(run_dir: Path, scope: str, lang: str = "id") -> Path:
    """Where the workbook of ``scope`` in ``lang`` is written (``<scope>/tables_<scope>_<lang>.xlsx``)."""
    return run_dir / scope / f"tables_{scope}_{lang}.xlsx"


def _status(e: dict, lang: str) -> str:
    """The status cell of an estimate: the reason in words for a degenerate outcome ("tidak bervariasi")."""
    reason = e.get("reason")
    if not reason:
        return str(e.get("status", ""))
    return reason_cell(str(reason), lang, str(e.get("reason_wave", "")) or None, str(e.get("reason_arm", "")) or None)


def rounded(x: Any, fmt: str) -> Any:
    """``x`` rounded to the decimals number format ``fmt`` shows (text, None and non-numbers unchanged).

    Parameters
    ----------
    x : Any
        A cell value.
    fmt : str
        A key of :data:`FORMATS`.

    Returns
    -------
    Any
        An int for formats without decimals, a float rounded to the shown decimals, or ``x`` itself; a number that
        is not finite becomes None (an empty cell).
    """
    if isinstance(x, bool) or not isinstance(x, int | float):
        return x
    if not math.isfinite(x):
        return None
    digits = DIGITS[fmt]
    value = round(float(x), digits)
    if digits == 0:
        return int(value)
    return value + 0.0  # -0.0 reads as 0


class _Sheet:
    """Rows of one sheet, each cell with its number format."""

    def __init__(self, title: str, header: list[str]) -> None:
        self.title = title
        self.header = header
        self.rows: list[list[tuple[Any, str | None]]] = []

    def add(self, *cells: tuple[Any, str | None] | Any) -> None:
        row = []
        for c in cells:
            value, fmt = c if isinstance(c, tuple) else (c, None)
            row.append((rounded(value, fmt) if fmt else value, fmt))
        self.rows.append(row)


def _write(wb: Any, sheet: _Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    ws = wb.create_sheet(sheet.title[:31])
    ws.append(sheet.header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r in sheet.rows:
        ws.append([v for v, _ in r])
        for cell, (value, fmt) in zip(ws[ws.max_row], r, strict=True):
            if fmt and isinstance(value, int | float) and not isinstance(value, bool):
                cell.number_format = FORMATS[fmt]
            elif value == MARK:
                cell.alignment = Alignment(horizontal="right")
    for row in ws.iter_rows():  # text such as =HYPERLINK(...) from the data stays text, never a live formula
        for cell in row:
            safe_cell(cell)
    for i, name in enumerate(sheet.header, start=1):
        cells = [str(r[i - 1][0]) for r in sheet.rows if i - 1 < len(r) and r[i - 1][0] is not None]
        width = max([min(len(str(name)), 28), *(len(c) + 3 for c in cells)] or [8])
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(10, width + 2), 70)
    ws.freeze_panes = "A2"


class _Units:
    """The unit word and number formats of each outcome in one language."""

    def __init__(self, ctx: RunContext, lang: str) -> None:
        self.ctx, self.lang = ctx, lang

    def binary(self, outcome: str) -> bool:
        return self.ctx.codebook[outcome].type == "binary"

    def money(self, outcome: str) -> bool:
        return self.ctx.codebook[outcome].is_money

    def level(self, outcome: str, x: Any) -> tuple[tuple[Any, str], str]:
        """A level of ``outcome``: (cell, format) and its unit word."""
        if self.binary(outcome):
            return (x, "percent"), t("wb_unit_percent_families", self.lang)
        if self.money(outcome):
            return (x, f"rupiah_{self.lang}"), self.ctx.codebook[outcome].unit(self.lang)
        return (x, "decimal"), self.ctx.codebook[outcome].unit(self.lang)

    def change(self, outcome: str, x: Any, signed: bool = True) -> tuple[tuple[Any, str], str]:
        """A change, difference or effect on ``outcome`` (0/1 outcomes in percentage points)."""
        if self.binary(outcome):
            pts = 100 * x if isinstance(x, int | float) and not isinstance(x, bool) else x
            return (pts, "points" if signed else "points_plain"), t("unit_percentage_points", self.lang)
        if self.money(outcome):
            return (x, f"rupiah_signed_{self.lang}" if signed else f"rupiah_{self.lang}"), self.ctx.codebook[
                outcome
            ].unit(self.lang)
        return (x, "decimal_signed" if signed else "decimal"), self.ctx.codebook[outcome].unit(self.lang)


def _sheet_notes(ctx: RunContext, scope: str, lang: str, sheets: list[tuple[str, str]]) -> _Sheet:
    """The README sheet: title, what each sheet holds, source, units, suppression, how to cite."""
    v = ctx.view
    name = ctx.scope_label(scope, lang)
    s = _Sheet(t("wb_readme", lang), [t("wb_readme_title", lang, name=name), ""])
    if v.synthetic(scope):
        s.add(t("banner_synthetic", lang), "")
    s.add("", "")
    s.add(t("wb_col_sheet", lang), t("wb_col_contents", lang))
    for title, about in sheets:
        s.add(title, about)
    s.add("", "")
    s.add(t("wb_source_title", lang), ctx.source_line(scope, lang))
    s.add(t("wb_units_title", lang), t("wb_units", lang))
    s.add(t("wb_suppression_title", lang), t("wb_suppression", lang, mark=MARK, k=ctx.cfg.run.min_cell_size))
    s.add(t("wb_notes_title", lang), mt.label("scorecard_note", lang))
    s.add("", mt.label("risk_note", lang))
    s.add(
        t("wb_cite_title", lang),
        t("wb_cite", lang, name=name, run_id=ctx.results_id, date=format_date(ctx.run_date, lang)),
    )
    return s


def _sheet_sample(ctx: RunContext, scope: str, lang: str) -> _Sheet:
    sample = ctx.view.topic(scope, "sample")
    s = _Sheet(t("s_sample", lang), [t("wb_col_item", lang), t("wb_col_value", lang), t("wb_col_unit", lang)])
    families = t("wb_unit_families", lang)
    share = t("wb_unit_percent_families", lang)
    groups = {"prokus": t("group_prokus", lang), "comparison": t("group_comparison", lang)}
    waves = {
        "enrolled": t("col_enrolled", lang),
        "baseline": t("col_baseline", lang),
        "endline": t("col_endline", lang),
        "both_waves": t("col_both", lang),
    }
    rows: list[tuple[str, tuple[Any, str], str]] = []
    if "n_families" in sample:
        rows.append((t("wb_n_families", lang), (sample["n_families"], "count"), families))
    if "n_villages" in sample:
        rows.append((t("col_villages", lang), (sample["n_villages"], "count"), t("wb_unit_villages", lang)))
    for g, gname in groups.items():
        for w, wname in waves.items():
            k = f"n_{g}_{w}"
            if k in sample:
                rows.append((f"{gname} — {wname}", (sample[k], "count"), families))
    for g, gname in groups.items():
        k = f"attrition_{g}"
        if k in sample:
            rows.append((f"{t('col_attrition', lang)} — {gname}", (sample[k], "percent"), share))
    if "attrition_difference" in sample:
        x = sample["attrition_difference"]
        rows.append(
            (
                t("wb_attrition_difference", lang),
                (100 * x if isinstance(x, int | float) else x, "points"),
                t("unit_percentage_points", lang),
            )
        )
    for label, cell, unit in rows:
        s.add(label, cell if cell[0] is not None else MARK, unit)
    return s


def _sheet_baseline(ctx: RunContext, scope: str, lang: str, units: _Units) -> _Sheet:
    s = _Sheet(
        t("s_baseline", lang),
        [
            t("col_outcome", lang),
            t("wb_col_unit", lang),
            t("col_mean_prokus", lang),
            t("wb_col_sd_prokus", lang),
            t("col_n_prokus", lang),
            t("col_mean_comparison", lang),
            t("wb_col_sd_comparison", lang),
            t("wb_col_n_comparison", lang),
            t("col_difference", lang),
            t("wb_col_difference_unit", lang),
            t("col_norm_diff", lang),
        ],
    )
    for o in ctx.cfg.analysis.outcomes:
        b = ctx.view.topic(scope, o, "baseline")
        if not b:
            continue
        mp, unit = units.level(o, b.get("mean_prokus"))
        mc, _ = units.level(o, b.get("mean_comparison"))
        sdp, _ = units.change(o, b.get("sd_prokus"), signed=False)
        sdc, _ = units.change(o, b.get("sd_comparison"), signed=False)
        diff, diff_unit = units.change(o, b.get("difference"))
        s.add(
            ctx.codebook[o].label(lang),
            unit,
            mp,
            sdp,
            (b.get("n_prokus"), "count"),
            mc,
            sdc,
            (b.get("n_comparison"), "count"),
            diff,
            diff_unit,
            (b.get("normalised_difference"), "decimal_signed"),
        )
    return s


def _sheet_estimates(ctx: RunContext, scope: str, lang: str, units: _Units, method: str, title: str) -> _Sheet:
    did = method == "did"  # the plan's correction for testing several outcomes and the bootstrap: DiD only
    s = _Sheet(
        title,
        [
            t("col_outcome", lang),
            t("wb_col_unit", lang),
            t("col_change" if method == "pre_post" else "col_effect", lang),
            t("wb_col_se", lang),
            t("wb_col_ci_low", lang),
            t("wb_col_ci_high", lang),
            t("col_p", lang),
            *((t("wb_col_p_holm", lang), t("wb_col_p_wcr", lang)) if did else ()),
            t("col_n", lang),
            t("wb_col_n_obs", lang),
            t("col_clusters", lang),
            t("wb_col_vcov", lang),
            t("wb_col_status", lang),
        ],
    )
    for o in ctx.cfg.analysis.outcomes:
        e = ctx.view.topic(scope, o, method)
        if not e:
            continue
        est, unit = units.change(o, e.get("estimate"))
        se, _ = units.change(o, e.get("se"), signed=False)
        lo, _ = units.change(o, e.get("ci_low"))
        hi, _ = units.change(o, e.get("ci_high"))
        s.add(
            ctx.codebook[o].label(lang),
            unit,
            est,
            se,
            lo,
            hi,
            (e.get("p_value"), "p"),
            *(((e.get("holm_p_value"), "p"), (e.get("wcr_p_value"), "p")) if did else ()),
            (e.get("n_units"), "count"),
            (e.get("n_obs"), "count"),
            (e.get("n_clusters"), "count"),
            e.get("vcov"),
            _status(e, lang) if e.get("reason") else "",
        )
    return s


def _indicator_cell(kind: str, x: Any) -> tuple[Any, str]:
    if kind in ("share", "relative_change"):
        return (x, "percent")
    if kind == "points":
        return (x, "decimal_signed")
    return (x, "decimal")


def _sheet_scorecard(ctx: RunContext, scope: str, lang: str) -> _Sheet:
    s = _Sheet(
        t("s_scorecard", lang),
        [
            mt.label("col_component", lang),
            mt.label("col_indicator", lang),
            t("wb_col_direction", lang),
            mt.label("col_target", lang),
            mt.label("col_realisation", lang),
            mt.label("col_ratio", lang),
            mt.label("col_status", lang),
            t("col_n", lang),
        ],
    )
    card = ctx.view.nested(scope, "scorecard")
    for name, ind in INDICATORS.items():
        c = card.get(name)
        if not c:
            continue
        hidden = bool(c.get("suppressed"))
        s.add(
            mt.label(ind.component, lang),
            mt.label(name, lang),
            t(f"wb_{ind.direction}", lang),
            _indicator_cell(ind.kind, c.get("target")),
            MARK if hidden else _indicator_cell(ind.kind, c.get("realisation")),
            MARK if hidden else (c.get("ratio"), "percent"),
            MARK if hidden else mt.status_text(str(c.get("status")), lang),
            MARK if hidden else (c.get("n"), "count"),
        )
    return s


def _sheet_risk(ctx: RunContext, scope: str, lang: str) -> _Sheet:
    s = _Sheet(
        t("s_risk", lang),
        [mt.label(c, lang) for c in ("col_risk_type", "col_flag", "col_count", "col_rate")],
    )
    risk = ctx.view.nested(scope, "risk")
    for f in [*RISK_FLAGS, "any"]:
        if f not in risk:
            continue
        hidden = bool(risk[f].get("suppressed"))
        s.add(
            mt.label(RISK_FLAGS.get(f, "any"), lang),
            mt.label("flag_any" if f == "any" else f, lang),
            MARK if hidden else (risk[f].get("count"), "count"),
            MARK if hidden else (risk[f].get("rate"), "percent"),
        )
    return s


def _sheets(ctx: RunContext, scope: str, lang: str) -> list[_Sheet]:
    units = _Units(ctx, lang)
    builders: list[tuple[str, Callable[[], _Sheet]]] = [
        ("wb_about_sample", lambda: _sheet_sample(ctx, scope, lang)),
        ("wb_about_baseline", lambda: _sheet_baseline(ctx, scope, lang, units)),
        ("wb_about_pre_post", lambda: _sheet_estimates(ctx, scope, lang, units, "pre_post", t("s_pre_post", lang))),
        ("wb_about_did", lambda: _sheet_estimates(ctx, scope, lang, units, "did", t("s_did", lang))),
        ("wb_about_scorecard", lambda: _sheet_scorecard(ctx, scope, lang)),
        ("wb_about_risk", lambda: _sheet_risk(ctx, scope, lang)),
    ]
    built = [(about, make()) for about, make in builders]
    readme = _sheet_notes(ctx, scope, lang, [(sh.title, t(about, lang)) for about, sh in built])
    return [readme, *(sh for _, sh in built)]


def write_workbook(ctx: RunContext, scope: str, lang: str) -> Path:
    """Write the workbook of one scope in one language and return its path.

    Parameters
    ----------
    ctx : RunContext
        The run (results, config, codebook).
    scope : str
        A region code or ``national``.
    lang : {"id", "en"}
        The workbook's language (sheet names, headers, labels).

    Returns
    -------
    pathlib.Path
        ``<run>/<scope>/tables_<scope>_<lang>.xlsx``.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for sheet in _sheets(ctx, scope, lang):
        _write(wb, sheet)
    readme = wb[wb.sheetnames[0]]  # long sentences: wrapped in a wide second column
    readme.column_dimensions["A"].width = 30
    readme.column_dimensions["B"].width = 110
    for row in readme.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row[0].font = Font(bold=True)
    out = workbook_path(ctx.run_dir, scope, lang)
    wb.properties.creator = "ProKUS Evaluation"
    wb.properties.title = t("wb_readme_title", lang, name=ctx.scope_label(scope, lang))
    wb.properties.language = lang
    wb.properties.created = wb.properties.modified = FIXED_TIME
    with replacing_file(out) as tmp:
        wb.save(tmp)
        _normalise_zip(tmp)
    return out


def write_workbooks(ctx: RunContext, scope: str) -> list[Path]:
    """Write the workbook of one scope in every report language (:data:`LANGUAGES`); return their paths."""
    return [write_workbook(ctx, scope, lang) for lang in LANGUAGES]


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
