"""The workbooks an analyst opens (reporting.workbook), read back with openpyxl from hand-written results.

Checked: one workbook per language with sheets, headers and labels in that language (codebook labels, never a
results key such as ``ci_low``); numbers stay numbers rounded to what their number format shows (no float noise);
rupiah, percent and percentage points in the right cells; a README sheet that explains sheets, units, the
suppression symbol and how to cite; suppressed cells show the symbol.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from evaluation.core.config import load_config
from evaluation.core.disclosure import MARK
from evaluation.core.record import write_results
from evaluation.intake.codebook import load_codebook
from evaluation.reporting.context import open_run
from evaluation.reporting.workbook import DIGITS, FORMATS, rounded, workbook_path, write_workbooks

SCOPE = "3402"
RAW_KEY = re.compile(r"^[a-z]+(_[a-z0-9]+)+$")  # household_income, ci_low, n_units, mean_prokus ...
FORMAT_KEY = {v: k for k, v in FORMATS.items()}


def _results() -> dict[str, object]:
    s = SCOPE
    r: dict[str, object] = {
        f"{s}.meta.synthetic": True,
        f"{s}.sample.n_families": 200,
        f"{s}.sample.n_villages": 20,
        f"{s}.sample.n_prokus_baseline": 200,
        f"{s}.sample.n_prokus_both_waves": 190,
        f"{s}.sample.attrition_prokus": 0.05000000000000004,
        f"{s}.sample.attrition_comparison": 0.06499999999999995,  # the float noise of issue 15
        f"{s}.sample.attrition_difference": -0.0149999999999999,
        # money outcome
        f"{s}.household_income.baseline.mean_prokus": 1490446.700507614,
        f"{s}.household_income.baseline.mean_comparison": 1478282.051282051,
        f"{s}.household_income.baseline.sd_prokus": 1129240.725340314,
        f"{s}.household_income.baseline.sd_comparison": 1212053.734406422,
        f"{s}.household_income.baseline.n_prokus": 197,
        f"{s}.household_income.baseline.n_comparison": 195,
        f"{s}.household_income.baseline.difference": 12164.64922556304,
        f"{s}.household_income.baseline.normalised_difference": 0.01038489356461513,
        f"{s}.household_income.did.estimate": 267160.22099447524,
        f"{s}.household_income.did.se": 163135.4702144797,
        f"{s}.household_income.did.ci_low": -74286.24229164096,
        f"{s}.household_income.did.ci_high": 608606.6842805914,
        f"{s}.household_income.did.p_value": 0.11794825416157961,
        f"{s}.household_income.did.holm_p_value": 0.23589650832315923,
        f"{s}.household_income.did.n_units": 362,
        f"{s}.household_income.did.n_obs": 724,
        f"{s}.household_income.did.n_clusters": 20,
        f"{s}.household_income.did.vcov": "CRV1",
        # 0/1 outcome: level a percent, effect in percentage points
        f"{s}.business_operating.baseline.mean_prokus": 0.6548223350253807,
        f"{s}.business_operating.baseline.mean_comparison": 0.5583756345177665,
        f"{s}.business_operating.baseline.difference": 0.09644670050761417,
        f"{s}.business_operating.did.estimate": 0.20712435233160622,
        f"{s}.business_operating.did.se": 0.0513,
        f"{s}.business_operating.did.ci_low": 0.10000000000000009,
        f"{s}.business_operating.did.ci_high": 0.3142487046632124,
        f"{s}.business_operating.did.p_value": 0.0006,
        f"{s}.business_operating.pre_post.estimate": 0.1,
        f"{s}.business_operating.pre_post.ci_low": 0.05,
        f"{s}.business_operating.pre_post.ci_high": 0.15,
        # scorecard and risk flags, one of them suppressed
        f"{s}.scorecard.bsimu_on_time.target": 0.9,
        f"{s}.scorecard.bsimu_on_time.realisation": 0.9109947643979057,
        f"{s}.scorecard.bsimu_on_time.ratio": 1.012216404886562,
        f"{s}.scorecard.bsimu_on_time.status": "on_track",
        f"{s}.scorecard.bsimu_on_time.n": 191,
        f"{s}.risk.grant_late.count": 17,
        f"{s}.risk.grant_late.rate": 0.085,
        f"{s}.risk.grant_not_disbursed.suppressed": True,
    }
    return r


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    run = tmp_path_factory.mktemp("wb") / "20261128-120000"
    write_results(_results(), run / "results.json")
    ctx = open_run(run, load_config())
    paths = write_workbooks(ctx, SCOPE)
    assert paths == [workbook_path(run, SCOPE, "id"), workbook_path(run, SCOPE, "en")]
    return {lang: load_workbook(workbook_path(run, SCOPE, lang)) for lang in ("id", "en")}


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows()]


def _find(ws, label: str) -> list:
    for row in ws.iter_rows():
        if row[0].value == label:
            return list(row)
    raise AssertionError(f"no row {label!r} in sheet {ws.title!r}")


def test_one_workbook_per_language_with_sheets_in_that_language(books):
    assert books["id"].sheetnames == [
        "Petunjuk", "Sampel", "Baseline", "Sebelum-sesudah", "Dampak DiD", "Kartu kinerja", "Tanda risiko",
    ]  # fmt: skip
    assert books["en"].sheetnames == [
        "README", "Sample", "Baseline", "Before-after", "DiD effects", "Scorecard", "Risk flags",
    ]  # fmt: skip
    assert books["id"].properties.language == "id" and books["en"].properties.language == "en"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_results_key_anywhere_only_labels(books, lang):
    for ws in books[lang]:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not RAW_KEY.match(cell.value), (ws.title, cell.coordinate, cell.value)
    did = books[lang][books[lang].sheetnames[4]]
    header = [c.value for c in did[1]]
    assert ("Batas bawah interval 95%" if lang == "id" else "95% interval, lower bound") in header
    codebook = load_codebook()
    assert did.cell(2, 1).value == codebook["household_income"].label(lang)  # the codebook's label, no unit
    assert did.cell(2, 2).value == codebook["household_income"].unit(lang)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_numbers_are_numbers_rounded_to_what_their_format_shows(books, lang):
    checked = 0
    for ws in books[lang]:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    assert cell.number_format in FORMAT_KEY, (ws.title, cell.coordinate, cell.number_format)
                    digits = DIGITS[FORMAT_KEY[cell.number_format]]
                    assert cell.value == round(cell.value, digits), (ws.title, cell.coordinate, cell.value)
                    shown = repr(cell.value)  # no 0.06499999999999995: at most the shown decimals
                    assert "." not in shown or len(shown.split(".")[1]) <= max(digits, 1), (ws.title, shown)
                    checked += 1
    assert checked > 40
    sample = books[lang][books[lang].sheetnames[1]]
    attrition = [r[1].value for r in sample.iter_rows(min_row=2) if r[1].number_format == FORMATS["percent"]]
    assert attrition == [0.05, 0.065]


def test_rupiah_percent_and_percentage_points_in_the_right_cells(books):
    for lang, rp in (("id", "rupiah_id"), ("en", "rupiah_en")):
        wb = books[lang]
        base = wb[wb.sheetnames[2]]
        income = _find(base, load_codebook()["household_income"].label(lang))
        assert income[2].value == 1490447 and income[2].number_format == FORMATS[rp]
        assert income[8].value == 12165 and income[8].number_format == FORMATS[f"rupiah_signed_{lang}"]
        operating = _find(base, load_codebook()["business_operating"].label(lang))
        assert operating[2].value == 0.655 and operating[2].number_format == FORMATS["percent"]  # a level: percent
        assert operating[8].value == 9.6 and operating[8].number_format == FORMATS["points"]  # a difference: points
        points = "poin persen" if lang == "id" else "percentage points"
        assert operating[9].value == points
        did = wb[wb.sheetnames[4]]
        effect = _find(did, load_codebook()["business_operating"].label(lang))
        assert effect[1].value == points
        assert [c.value for c in effect[2:6]] == [20.7, 5.1, 10.0, 31.4]
        assert effect[2].number_format == FORMATS["points"]
        sample = wb[wb.sheetnames[1]]
        diff = [r for r in sample.iter_rows(min_row=2) if r[1].number_format == FORMATS["points"]]
        assert [(r[1].value, r[2].value) for r in diff] == [(-1.5, points)]


def test_suppressed_cells_show_the_symbol_and_the_readme_explains_it(books):
    for lang in ("id", "en"):
        wb = books[lang]
        risk = wb[wb.sheetnames[6]]
        hidden = [r for r in _rows(risk) if r[2].value == MARK]
        assert len(hidden) == 1 and hidden[0][3].value == MARK
        readme = wb[wb.sheetnames[0]]
        text = " ".join(str(c.value) for row in readme.iter_rows() for c in row if c.value)
        assert f"{MARK}:" in text and "10" in text  # the symbol and the threshold (min_cell_size)
        for sheet in wb.sheetnames[1:]:  # every sheet is described
            assert _find(readme, sheet)[1].value
        cite = "Cara mengutip" if lang == "id" else "How to cite"
        assert "Kabupaten Bantul" in _find(readme, cite)[1].value
        units = _find(readme, "Satuan" if lang == "id" else "Units")[1].value
        assert ("poin persen" if lang == "id" else "percentage points") in units
        assert ("DATA SINTETIS" if lang == "id" else "SYNTHETIC") in text


def test_rounded_keeps_text_and_empties_non_finite_numbers():
    assert rounded(0.06499999999999995, "percent") == 0.065
    assert rounded(1490446.7, "rupiah_id") == 1490447 and isinstance(rounded(1490446.7, "rupiah_id"), int)
    assert rounded(float("nan"), "decimal") is None
    assert rounded(MARK, "percent") == MARK
    assert rounded(True, "count") is True
    assert rounded(-0.0001, "decimal") == 0.0 and str(rounded(-0.0001, "decimal")) == "0.0"
