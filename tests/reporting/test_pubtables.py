"""Publication tables (issue 18): effects and balance tables in LaTeX, Word and HTML, from results.json only.

The numbers are checked against a small hand-written results.json: every cell is what a reader computes by hand
from the stored values (Indonesian number format: ``.`` for thousands, ``,`` for decimals; 0/1 outcomes in
percentage points; no significance stars: the DiD's evidence grade by the analysis plan's rule instead).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evaluation.core.config import load_config
from evaluation.reporting.context import open_run
from evaluation.reporting.pubtables import balance_frame, effects_frame, tex_escape, write_tables

SCOPE = "3402"


def _results() -> dict:
    r = {
        f"{SCOPE}.meta.synthetic": True,
        f"{SCOPE}.disclosure.k": 10,
    }
    did = {
        "estimate": 267160.22,
        "se": 163135.47,
        "ci_low": -74286.24,
        "ci_high": 608606.68,
        "p_value": 0.1179,
        "holm_p_value": 0.2359,
        "n_units": 362,
        "n_clusters": 20,
        "vcov": "CRV1",
    }
    r.update({f"{SCOPE}.household_income.did.{k}": v for k, v in did.items()})
    pre = {"estimate": 86883.98, "se": 172559.73, "ci_low": -274287.69, "ci_high": 448055.65, "p_value": 0.003}
    r.update({f"{SCOPE}.household_income.pre_post.{k}": v for k, v in pre.items()})
    r.update({f"{SCOPE}.household_income.pre_post.n_units": 181, f"{SCOPE}.household_income.pre_post.n_clusters": 20})
    op = {"estimate": 0.207, "se": 0.05, "ci_low": 0.098, "ci_high": 0.316, "p_value": 0.0004, "n_units": 360}
    r.update({f"{SCOPE}.business_operating.did.{k}": v for k, v in op.items()})
    bal = {
        "n_prokus": 200,
        "mean_prokus": 0.08,
        "sd_prokus": 0.27,
        "n_comparison": 200,
        "mean_comparison": 0.105,
        "sd_comparison": 0.31,
        "difference": -0.025,
        "normalised_difference": -0.09,
        "p_value": 0.472,
    }
    r.update({f"{SCOPE}.balance.business_type_agriculture.{k}": v for k, v in bal.items()})
    money = {"n_prokus": 197, "mean_prokus": 1490446.7, "sd_prokus": 1129240.73, "difference": 12164.65}
    money |= {"n_comparison": 195, "mean_comparison": 1478282.05, "sd_comparison": 1212053.73}
    money |= {"normalised_difference": 0.0104, "p_value": 0.922}
    r.update({f"{SCOPE}.balance.household_income.{k}": v for k, v in money.items()})
    # a suppressed comparison mean: absent keys
    r.update({f"{SCOPE}.balance.head_education_none.{k}": v for k, v in bal.items() if "comparison" not in k})
    del r[f"{SCOPE}.balance.head_education_none.difference"]
    r.update({f"{SCOPE}.balance.joint.{k}": v for k, v in {"f_stat": 2.28, "df_num": 15, "df_den": 19}.items()})
    r[f"{SCOPE}.balance.joint.p_value"] = 0.046
    return r


@pytest.fixture
def ctx(tmp_path: Path):
    run = tmp_path / "20201231-000000"
    run.mkdir()
    (run / "results.json").write_text(json.dumps(_results()), encoding="utf-8")
    return open_run(run, load_config())


def test_effects_table_cells_are_the_stored_values_formatted_by_hand(ctx):
    frame, notes = effects_frame(ctx, SCOPE, "id")
    assert list(frame.columns) == ["Sebelum–sesudah (KPM saja)", "DiD"]  # no DR-DiD or ANCOVA keys: no column
    income = frame.xs("Pendapatan rumah tangga per bulan (Rp/bulan)", level=0)
    did = income["DiD"].tolist()
    # 267160.22 -> 267.160; SE in parentheses; interval in brackets; Holm p; the plan's grade; N (clusters)
    assert did == ["267.160", "(163.135)", "[-74.286; 608.607]", "0,236", "tidak ada bukti dampak", "362 (20)"]
    pre = income["Sebelum–sesudah (KPM saja)"].tolist()
    # p = 0.003 but the before-after change is not a programme effect: no grade in its column
    assert pre == ["86.884", "(172.560)", "[-274.288; 448.056]", "", "", "181 (20)"]
    operating = frame.xs("Usaha berjalan (poin persen)", level=0)["DiD"].tolist()
    assert operating[:3] == ["20,7", "(5,0)", "[9,8; 31,6]"]  # 0/1 outcome: 100 x the share difference
    # the interval excludes zero, but the plan's corrections and Lee bounds are not in results: not "strong"
    assert operating[3] == "indikasi, belum terbukti"
    assert "CRV1" in notes and "20 klaster" in notes and "desa" in notes
    assert "SINTETIS" in notes  # synthetic data say so in the table notes too


def test_balance_table_labels_categories_and_hides_suppressed_cells(ctx):
    frame, notes = balance_frame(ctx, SCOPE, "en")
    rows = frame.index.tolist()
    assert "Business type: Agriculture" in rows and "Education of household head: No schooling" in rows
    agri = frame.loc["Business type: Agriculture"].tolist()
    assert agri == ["200", "8.0%", "200", "10.5%", "-2.5 pp", "-0.09", "0.472"]
    income = frame.loc["Monthly household income (IDR/month)"].tolist()
    assert income[1] == "1,490,447 (1,129,241)" and income[4] == "+12,165"
    hidden = frame.loc["Education of household head: No schooling"].tolist()
    assert hidden[3] == "[c]" and hidden[4] == "[c]"
    assert "F(15, 19) = 2.28, p = 0.046" in notes and "[c]" in notes


def test_tex_escape_makes_labels_and_intervals_safe():
    assert tex_escape("Interval 95% & N_1 #2 $") == r"Interval 95\% \& N\_1 \#2 \$"
    assert tex_escape("[-74.286; 608.607]") == "{[}-74.286; 608.607]"
    assert tex_escape("p < 0,10") == "p $<$ 0,10"
    assert tex_escape("ProKUS − pembanding") == "ProKUS $-$ pembanding"
    assert tex_escape(3) == 3


def test_tables_are_written_in_three_formats_and_read_back(ctx):
    from docx import Document

    files = write_tables(ctx, SCOPE, "id")
    names = sorted(p.name for p in files)
    assert names == sorted(f"{t}_id.{f}" for t in ("effects", "balance") for f in ("tex", "docx", "html"))
    tex = (ctx.run_dir / SCOPE / "tables" / "effects_id.tex").read_text(encoding="utf-8")
    assert r"\begin{table}" in tex and r"\label{tab:effects-3402}" in tex
    # no unescaped % (a LaTeX comment) and no row that starts with "[" (an optional argument of \\)
    assert not re.search(r"(?<!\\)%", tex)
    assert not re.search(r"(?m)^\[", tex)
    doc = Document(str(ctx.run_dir / SCOPE / "tables" / "effects_id.docx"))
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert {"267.160", "(163.135)", "[-74.286; 608.607]", "362 (20)"} <= cells
    html = (ctx.run_dir / SCOPE / "tables" / "balance_id.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and "Jenis usaha: Pertanian" in html
    assert "http" not in html.split("<body")[0]  # nothing fetched from the web
    # the same results give the same bytes (verify compares documents byte for byte)
    before = {p: p.read_bytes() for p in files}
    write_tables(ctx, SCOPE, "id")
    assert all(p.read_bytes() == b for p, b in before.items())
