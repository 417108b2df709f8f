"""Briefs from results.json: the guardrails on what a sentence may claim, caveats, formats and the templates.

The results fed here are written by hand (no notebook runs), so each test controls exactly what the brief sees.
"""

from __future__ import annotations

import re

import pypdf
import pytest

from evaluation.core.config import load_config
from evaluation.core.record import write_results
from evaluation.reporting import render_run
from evaluation.reporting.brief import brief_content, render_brief
from evaluation.reporting.context import open_run
from evaluation.reporting.findings import CLAIM_WORDS, GuardrailError, check_no_claim
from evaluation.reporting.technical import add_toc

HEADLINE = ("household_income", "business_operating", "consumption_per_capita", "fies_score")
CLAIM_RE = re.compile(r"\b(" + "|".join(CLAIM_WORDS) + r")", re.IGNORECASE)


def _results(scope: str, *, did: bool, lo: float, hi: float, start: str = "2020-02-03", end: str = "2021-03-15"):
    r: dict[str, object] = {
        f"{scope}.meta.synthetic": True,
        f"{scope}.meta.period_start": start,
        f"{scope}.meta.period_end": end,
        f"{scope}.sample.n_families": 200,
        f"{scope}.sample.n_villages": 20,
        f"{scope}.sample.n_prokus_both_waves": 190,
        f"{scope}.sample.attrition_prokus": 0.05,
    }
    for o in HEADLINE:
        scale = 1_000_000 if o in ("household_income", "consumption_per_capita") else 1
        r[f"{scope}.{o}.pre_post.estimate"] = 0.05 * scale
        r[f"{scope}.{o}.pre_post.ci_low"] = -0.02 * scale
        r[f"{scope}.{o}.pre_post.ci_high"] = 0.12 * scale
        if did:
            r[f"{scope}.{o}.did.estimate"] = (lo + hi) / 2 * scale
            r[f"{scope}.{o}.did.ci_low"] = lo * scale
            r[f"{scope}.{o}.did.ci_high"] = hi * scale
            r[f"{scope}.{o}.did.n_clusters"] = 20
            # the analysis plan's checks (issue 15): adjusted p-values and attrition bounds on the interval's side
            for correction in ("holm", "romano_wolf", "fdr_bh"):
                r[f"{scope}.{o}.did.{correction}_p_value"] = 0.01
            r[f"{scope}.{o}.lee.ci_low"] = (lo - 0.05) * scale if lo > 0 else lo * scale
            r[f"{scope}.{o}.lee.ci_high"] = hi * scale
    return r


def _run(tmp_path, results):
    run = tmp_path / "20261128-120000"
    write_results(results, run / "results.json")
    return open_run(run, load_config())


def _texts(ctx, scope, lang):
    files = render_brief(ctx, scope, lang)
    pdf = " ".join(page.extract_text() for page in pypdf.PdfReader(files["pdf"]).pages)
    html = files["html"].read_text(encoding="utf-8")
    return pdf, html


@pytest.mark.parametrize("lang", ["id", "en"])
def test_interval_including_zero_never_claims_an_effect(tmp_path, lang):
    ctx = _run(tmp_path, _results("3402", did=True, lo=-0.1, hi=0.3))
    content = brief_content(ctx, "3402", lang)
    effect_sentences = [s for s in content["findings"] if "%" not in s and ("0" in s)]
    assert effect_sentences
    for s in content["findings"]:
        assert not CLAIM_RE.search(s), s
    pdf, html = _texts(ctx, "3402", lang)
    for text in (pdf, html):
        assert not re.search(r"signifikan|significant|meningkat signifikan", text, re.IGNORECASE)
        assert not re.search(r"menaikkan|menurunkan|raised the average|lowered the average", text)
        assert ("tidak ada bukti dampak program" if lang == "id" else "no evidence of a programme effect") in text
    assert html.count("tidak ada bukti dampak<" if lang == "id" else "no evidence of an effect<") == 4  # table cells


def test_interval_above_zero_is_stated_as_an_effect(tmp_path):
    ctx = _run(tmp_path, _results("3402", did=True, lo=0.1, hi=0.3))
    findings = brief_content(ctx, "3402", "id")["findings"]
    assert sum("program menaikkan rata-rata" in s for s in findings) == 4
    assert any("Rp100.000 sampai Rp300.000" in s for s in findings)  # rupiah in Indonesian format
    assert any("+20,0 poin persen" in s or "20,0 poin persen" in s for s in findings)  # 0/1 outcome in points


def test_before_after_only_carries_the_design_caveat(tmp_path):
    ctx = _run(tmp_path, _results("3402", did=False, lo=0, hi=0))
    for lang, caveat, not_effect in (
        ("id", "hanya perbandingan sebelum–sesudah", "ini bukan efek program"),
        ("en", "only a before/after comparison", "this is not a programme effect"),
    ):
        findings = brief_content(ctx, "3402", lang)["findings"]
        text = " ".join(findings)
        assert caveat in text and text.count(not_effect) == 4
        assert not CLAIM_RE.search(text), text
        assert ("tanpa kelompok pembanding, efek program" in text) or ("without a comparison group" in text)


def test_covid_caveat_only_when_the_period_covers_2020(tmp_path):
    ctx = _run(tmp_path, _results("3402", did=True, lo=0.1, hi=0.3))
    assert any("COVID-19" in s for s in brief_content(ctx, "3402", "id")["findings"])
    later = _run(tmp_path / "later", _results("3402", did=True, lo=0.1, hi=0.3, start="2023-02-01", end="2024-02-01"))
    assert not any("COVID-19" in s for s in brief_content(later, "3402", "en")["findings"])


def test_dates_in_indonesian_format(tmp_path):
    ctx = _run(tmp_path, _results("3402", did=True, lo=0.1, hi=0.3))
    c = brief_content(ctx, "3402", "id")
    assert c["date_line"] == "Tanggal laporan: 28 November 2026"
    assert c["period_line"] == "Periode data: 3 Februari 2020 sampai 15 Maret 2021"
    assert c["banner"].startswith("DATA SINTETIS")


def test_guardrail_refuses_a_claim():
    with pytest.raises(GuardrailError):
        check_no_claim("Pendapatan meningkat signifikan (interval -1 sampai 3).")
    assert check_no_claim("belum ada bukti efek program") == "belum ada bukti efek program"


def test_render_run_writes_every_file_and_the_landing_page(tmp_path):
    results = {**_results("3402", did=True, lo=-0.1, hi=0.3), **_results("national", did=True, lo=0.1, hi=0.3)}
    run = tmp_path / "20261128-130000"
    write_results(results, run / "results.json")
    index = render_run(run, load_config())
    for scope in ("3402", "national"):
        for lang in ("id", "en"):
            assert (run / scope / f"brief_{lang}.pdf").read_bytes().startswith(b"%PDF")
            assert (run / scope / f"brief_{lang}.html").is_file()
        assert (run / scope / f"tables_{scope}.xlsx").is_file()
    page = index.read_text(encoding="utf-8")
    assert 'href="3402/brief_id.pdf"' in page and 'href="national/brief_en.html"' in page
    assert 'href="results.json"' in page and "manifest.json" not in page  # linked only when present
    assert "DATA SINTETIS" in page and "restricted/" not in page
    assert not re.search(r"(src|href)=\"https?:", page)


def test_table_of_contents_links_every_section():
    page = "<html><main><h1>T</h1><h2>Sampel dan atrisi</h2><p>x</p><h2 id='k'>Efek</h2><h3>Sub</h3></main></html>"
    out = add_toc(page, "id")
    assert '<a href="#sec-sampel-dan-atrisi">Sampel dan atrisi</a>' in out
    assert out.index("<nav") < out.index("<h1>")
    assert 'id="sec-sampel-dan-atrisi"' in out and "Daftar isi" in out and 'class="toc-3"' in out
