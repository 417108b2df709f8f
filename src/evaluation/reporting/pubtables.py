"""Publication tables of one scope: the main effects table and the baseline balance table, in LaTeX, Word and HTML.

The tables are the forms evaluators and ministry annexes pass on (esttab, fixest's ``etable``, ietoolkit's
``iebaltab``): each estimate with its standard error in parentheses and its 95% interval in brackets (no
significance stars, which would mark results the plan's correction does not support), the p-value after the
analysis plan's correction for several outcomes, the evidence grade of the plan's rule, the number of families
and of clusters (villages), and notes that name the variance estimator and the clustering. They are built with
``maketables`` (:class:`maketables.MTable`, which renders LaTeX, Word through python-docx, and HTML through
great-tables) from ``results.json`` only, in the run's languages, with the codebook's labels.

Files, in ``<run>/<scope>/tables/``: ``effects_<lang>.{tex,docx,html}`` and ``balance_<lang>.{tex,docx,html}``.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.core.atomic import write_bytes, write_text
from evaluation.core.config import NATIONAL
from evaluation.core.disclosure import MARK
from evaluation.core.keys import key
from evaluation.reporting.context import RunContext
from evaluation.reporting.office import fixed_zip
from evaluation.text.catalogue import t
from evaluation.text.formats import format_number

__all__ = [
    "EFFECT_METHODS",
    "TABLE_DIR",
    "balance_frame",
    "effects_frame",
    "tex_escape",
    "variable_label",
    "write_tables",
]

TABLE_DIR = "tables"
EFFECT_METHODS = ("pre_post", "did", "drdid", "ancova")  # columns of the effects table, when the run has them
ADJUSTED = ("holm", "romano_wolf", "fdr_bh")  # corrections for several outcomes, as stored with the DiD
FORMATS = ("tex", "docx", "html")


def _num(ctx: RunContext, outcome: str, x: Any, lang: str) -> str:
    """An effect or level in the outcome's display unit (0/1 outcomes in percentage points)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    scale, _ = ctx.effect_unit(outcome, lang)
    var = ctx.codebook[outcome]
    decimals = 1 if var.type == "binary" else (0 if var.is_money else 2)
    return format_number(scale * float(x), lang, decimals)


def _label(ctx: RunContext, outcome: str, lang: str) -> str:
    var = ctx.codebook[outcome]
    if var.type == "binary":
        return f"{var.label(lang)} ({t('unit_percentage_points', lang)})"
    return var.label_with_unit(lang)


def variable_label(ctx: RunContext, name: str, lang: str) -> tuple[str, bool]:
    """Label of a balance variable and whether it is a yes/no share (an indicator of one category is one).

    A codebook variable gives its label; ``<variable>_<code>``, the indicator of one category of a categorical
    covariate (``head_education_primary``), gives "<variable label>: <category label>".

    Parameters
    ----------
    ctx : RunContext
        The run (its codebook).
    name : str
        The variable's name in ``results.json``.
    lang : {"id", "en"}
        Language of the label.

    Returns
    -------
    (str, bool)
        The label, and True for a 0/1 variable (shown as a percent of families).
    """
    if name in ctx.codebook:
        var = ctx.codebook[name]
        binary = var.type == "binary"
        return (var.label(lang) if binary or not var.unit(lang) else var.label_with_unit(lang)), binary
    for var_name in sorted((v.name for v in ctx.codebook.variables), key=len, reverse=True):
        if not name.startswith(var_name + "_"):
            continue
        var = ctx.codebook[var_name]
        code = name[len(var_name) + 1 :]
        for cat in var.categories:
            if str(cat.code) == code:
                return f"{var.label(lang)}: {cat.label(lang)}", True
    return name, False


def _outcomes(ctx: RunContext, scope: str) -> list[str]:
    """Outcomes with at least one estimate in the scope, in the plan's (config) order."""
    v = ctx.view
    have = {o for m in EFFECT_METHODS for o in v.outcomes(scope, m)}
    ordered = [o for o in ctx.cfg.analysis.outcomes if o in have and o in ctx.codebook]
    return ordered + sorted(o for o in have - set(ordered) if o in ctx.codebook)


def effects_frame(ctx: RunContext, scope: str, lang: str) -> tuple[pd.DataFrame, str]:
    """The main effects table of a scope as a frame (rows grouped by outcome, one column per method) and its notes.

    Rows per outcome: the estimate, ``(SE)``, ``[95% interval]``, the p-value after each correction for several
    outcomes stored with the DiD (Holm, Romano-Wolf, Benjamini-Hochberg), the DiD finding's evidence grade by the
    plan's rule, and ``N families (clusters)``.

    Parameters
    ----------
    ctx : RunContext
        The run.
    scope : str
        A region code or ``national``.
    lang : {"id", "en"}
        Language of labels and number format.

    Returns
    -------
    (pandas.DataFrame, str)
        The table (two-level row index: outcome label, row label) and the notes; an empty frame when the scope has
        no estimate.
    """
    v = ctx.view
    methods = [m for m in EFFECT_METHODS if v.outcomes(scope, m)]
    columns = [t(f"pub.method_{m}", lang) for m in methods]
    index: list[tuple[str, str]] = []
    rows: list[list[str]] = []
    vcov = set()
    clusters = set()
    for o in _outcomes(ctx, scope):
        label = _label(ctx, o, lang)
        est, se, ci, n = [], [], [], []
        adjusted: dict[str, list[str]] = {a: [] for a in ADJUSTED}
        for m in methods:
            g = v.topic(scope, o, m)
            if "estimate" not in g:
                for cells in (est, se, ci, n, *adjusted.values()):
                    cells.append("")
                continue
            est.append(_num(ctx, o, g.get("estimate"), lang))
            se.append(f"({_num(ctx, o, g.get('se'), lang)})")
            ci.append(f"[{_num(ctx, o, g.get('ci_low'), lang)}; {_num(ctx, o, g.get('ci_high'), lang)}]")
            units, k = g.get("n_units"), g.get("n_clusters")
            n.append(
                format_number(units, lang) + (f" ({format_number(k, lang)})" if k else "") if units is not None else "–"
            )
            for a in ADJUSTED:
                p = g.get(f"{a}_p_value")
                adjusted[a].append(format_number(p, lang, 3) if isinstance(p, int | float) else "")
            if g.get("vcov"):
                vcov.add(str(g["vcov"]))
            if k:
                clusters.add(int(k))
        lines = [("row_estimate", est), ("row_se", se), ("row_ci", ci)]
        lines += [(f"row_p_{a}", cells) for a, cells in adjusted.items() if any(cells)]
        if "did" in methods:  # the plan's rule grades the primary estimator's finding
            lines.append(("row_evidence", [t(f"ev_{ctx.evidence(scope, o).grade}", lang) if m == "did" else ""
                                           for m in methods]))  # fmt: skip
        lines.append(("row_n", n))
        for msgid, cells in lines:
            index.append((label, t(f"pub.{msgid}", lang)))
            rows.append(cells)
    frame = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index), columns=columns)
    notes = [
        t(
            "pub.effects_note",
            lang,
            vcov=", ".join(sorted(vcov)) or "CRV1",
            clusters=format_number(max(clusters), lang) if clusters else "–",
        )
    ]
    notes.extend(t(f"pub.about_{m}", lang) for m in methods)
    if scope == NATIONAL:
        notes.append(t("pub.national_note", lang))
    if v.synthetic(scope):
        notes.append(t("banner_synthetic", lang))
    return frame, " ".join(notes)


BALANCE_FIELDS = ("n_prokus", "mean_prokus", "n_comparison", "mean_comparison", "difference", "normalised_difference")


def balance_frame(ctx: RunContext, scope: str, lang: str) -> tuple[pd.DataFrame, str]:
    """The baseline balance table of a scope (iebaltab layout) as a frame and its notes.

    One row per baseline variable: N, mean and (SD) of the ProKUS families and of the comparison group, the
    difference of means, the normalised difference (difference over the pooled SD; Imbens & Rubin 2015, above 0.25
    in absolute value is a sizeable imbalance) and the p-value of the difference (clustered by village); the notes
    give the joint F test. A cell hidden by disclosure control in ``results.json`` (absent) shows as the
    suppression mark.

    Parameters
    ----------
    ctx : RunContext
        The run.
    scope : str
        A region code or ``national``.
    lang : {"id", "en"}
        Language of labels and number format.

    Returns
    -------
    (pandas.DataFrame, str)
        The table (row index: variable label; two-level columns: group, statistic) and the notes.
    """
    v = ctx.view
    table = v.nested(scope, "balance")
    names = [n for n in table if n != "joint"]
    order = [*(b for b in ctx.cfg.analysis.outcomes if b in names)]
    order = [*sorted((n for n in names if n not in order), key=str), *order]
    prokus, comparison, diff = (t(f"pub.group_{g}", lang) for g in ("prokus", "comparison", "difference"))
    columns = pd.MultiIndex.from_tuples(
        [
            (prokus, "N"),
            (prokus, t("pub.col_mean_sd", lang)),
            (comparison, "N"),
            (comparison, t("pub.col_mean_sd", lang)),
            (diff, t("pub.col_difference", lang)),
            (diff, t("pub.col_normalised", lang)),
            (diff, "p"),
        ]
    )
    rows, index = [], []
    for name in order:
        c = table[name]
        label, binary = variable_label(ctx, name, lang)
        decimals = 0 if name in ctx.codebook and ctx.codebook[name].is_money else 2

        def level(x: Any, sd: Any, binary: bool = binary, decimals: int = decimals) -> str:
            if x is None:
                return MARK
            if binary:
                return format_number(100 * float(x), lang, 1) + "%"
            text = format_number(float(x), lang, decimals)
            return text + (f" ({format_number(float(sd), lang, decimals)})" if sd is not None else "")

        def count(x: Any) -> str:
            return MARK if x is None else format_number(x, lang)

        diff_value = c.get("difference")
        rows.append(
            [
                count(c.get("n_prokus")),
                level(c.get("mean_prokus"), c.get("sd_prokus")),
                count(c.get("n_comparison")),
                level(c.get("mean_comparison"), c.get("sd_comparison")),
                MARK
                if diff_value is None
                else (
                    format_number(100 * float(diff_value), lang, 1, signed=True) + " " + t("unit_pp_short", lang)
                    if binary
                    else format_number(float(diff_value), lang, decimals, signed=True)
                ),
                MARK
                if c.get("normalised_difference") is None
                else format_number(float(c["normalised_difference"]), lang, 2, signed=True),
                MARK if c.get("p_value") is None else format_number(float(c["p_value"]), lang, 3),
            ]
        )
        index.append(label)
    frame = pd.DataFrame(rows, index=pd.Index(index), columns=columns)
    joint = table.get("joint", {})
    notes = [t("pub.balance_note", lang)]
    if joint.get("p_value") is not None:
        notes.append(
            t(
                "pub.balance_joint",
                lang,
                f=format_number(joint.get("f_stat"), lang, 2),
                df1=joint.get("df_num"),
                df2=joint.get("df_den"),
                p=format_number(joint["p_value"], lang, 3),
            )
        )
    k = v.get(key(scope, "disclosure", "k"), ctx.cfg.run.min_cell_size)
    if any(MARK in r for r in rows):
        notes.append(t("disclosure_note", lang, mark=MARK, k=k))
    if v.synthetic(scope):
        notes.append(t("banner_synthetic", lang))
    return frame, " ".join(notes)


TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\u2212": "$-$",  # minus sign: no glyph in the default LaTeX fonts
    "\u2013": "--",
    "\u2014": "---",
    "<": "$<$",  # the text font of LaTeX's default encoding prints "<" as an inverted exclamation mark
    ">": "$>$",
    "\u2265": r"$\geq$",
    "\u2264": r"$\leq$",
}


def tex_escape(text: Any) -> Any:
    r"""Text made safe for LaTeX: special characters escaped, a leading ``[`` protected.

    maketables writes cells, labels, caption and notes into the LaTeX source as given; a ``%`` would start a
    comment, ``&`` a new column, and a cell that starts with ``[`` (an interval, the suppression mark) would be read
    as the optional argument of the preceding ``\\``.

    Parameters
    ----------
    text : Any
        A cell; anything but a string is returned unchanged.

    Returns
    -------
    Any
        The escaped string.
    """
    if not isinstance(text, str):
        return text
    out = "".join(TEX_SPECIAL.get(ch, ch) for ch in text)
    return "{[}" + out[1:] if out.startswith("[") else out


def _tex_frame(frame: pd.DataFrame) -> pd.DataFrame:
    def index(ix: pd.Index) -> pd.Index:
        if isinstance(ix, pd.MultiIndex):
            return pd.MultiIndex.from_tuples([tuple(tex_escape(x) for x in t_) for t_ in ix])
        return pd.Index([tex_escape(x) for x in ix])

    out = frame.map(tex_escape)
    out.index, out.columns = index(frame.index), index(frame.columns)
    return out


def _render(frame: pd.DataFrame, notes: str, caption: str, label: str, fmt: str) -> bytes:
    """One table in one format, as bytes (the Word file without clock time)."""
    from maketables import MTable

    if fmt == "tex":
        table = MTable(_tex_frame(frame), notes=tex_escape(notes), caption=tex_escape(caption), tab_label=label)
        return table.make(type="tex").encode("utf-8")
    table = MTable(frame, notes=notes, caption=caption, tab_label=label, rgroup_display=True)
    if fmt == "docx":
        doc = table.make(type="docx", docx_style={"font_name": "Arial", "caption_font_name": "Arial"})
        buf = io.BytesIO()
        doc.save(buf)
        return fixed_zip(buf.getvalue())
    html = table.make(type="gt").as_raw_html()
    # great-tables names each table with a random id (its CSS is scoped by it): a fixed one keeps the bytes stable
    m = re.search(r'<div id="([a-z]+)"', html)
    if m:
        html = html.replace(m.group(1), re.sub(r"[^a-z0-9-]", "-", label.lower()))
    return _html_page(html, caption).encode("utf-8")


def _html_page(body: str, title: str) -> str:
    """A self-contained HTML page around a great-tables table (nothing fetched from the web)."""
    import html as h

    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{h.escape(title)}</title></head>\n'
        f'<body style="font-family: Arial, sans-serif">\n{body}\n</body></html>\n'
    )


def write_tables(ctx: RunContext, scope: str, lang: str) -> list[Path]:
    """Write the effects and balance tables of a scope in LaTeX, Word and HTML; returns the files written.

    Parameters
    ----------
    ctx : RunContext
        The run.
    scope : str
        A region code or ``national``.
    lang : {"id", "en"}
        Language of the tables.

    Returns
    -------
    list of pathlib.Path
        ``<run>/<scope>/tables/{effects,balance}_<lang>.{tex,docx,html}`` (a table with no rows is not written).
    """
    out_dir = ctx.run_dir / scope / TABLE_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    place = ctx.scope_label(scope, lang)
    written = []
    for name, build in (("effects", effects_frame), ("balance", balance_frame)):
        frame, notes = build(ctx, scope, lang)
        if frame.empty:
            continue
        caption = t(f"pub.{name}_title", lang, place=place)
        for fmt in FORMATS:
            data = _render(frame, notes, caption, f"tab:{name}-{scope}", fmt)
            path = out_dir / f"{name}_{lang}.{fmt}"
            written.append(write_bytes(path, data) if fmt == "docx" else write_text(path, data.decode("utf-8")))
    return written
