"""The XLSForm instrument is generated from the questions layer, converts with pyxform and passes ODK Validate."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pyxform.xls2xform import convert

from evaluation.core.errors import UserError
from evaluation.intake.codebook import load_codebook
from evaluation.intake.instrument import LANGS, PRELOAD, write_instrument, write_preload, xpath
from evaluation.intake.questions import FILES, files_version, load_questions, parse_formula

ID, EN = (f"label::{lang}" for lang in LANGS)


def _sheet(path, name):
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    return write_instrument(tmp_path_factory.mktemp("forms") / "form.xlsx")


def test_both_forms_convert_with_pyxform_and_pass_odk_validate(forms):
    """ODK Validate (JavaRosa, shipped with pyxform) needs java: `make test` installs it when missing."""
    assert shutil.which("java"), "ODK Validate needs java: `make java` installs default-jre-headless"
    for path in forms:
        warnings: list[str] = []
        result = convert(xlsform=str(path), warnings=warnings, validate=True)
        assert "<h:html" in result.xform and not warnings, warnings
        assert 'lang="Bahasa Indonesia (id)"' in result.xform and 'lang="English (en)"' in result.xform


def test_survey_asks_questions_and_calculates_every_indicator(forms):
    survey, _ = forms
    cb = load_codebook()
    bank = load_questions()
    rows = {r["name"]: r for r in _sheet(survey, "survey") if r["name"]}
    names = [r["name"] for r in _sheet(survey, "survey")]
    for q in bank.form("survey"):
        assert rows[q.name][ID] == q.label_id and rows[q.name][EN] == q.label_en, q.name
        if q.recall and "wawancara" not in q.recall:  # the recall period is in the question as read out
            assert "terakhir" in q.label_id.lower() and ("last" in q.label_en or "past" in q.label_en), q.name
    indicators = [v.name for v in cb.table("survey") if v.name not in ("wave", "interview_date")]
    assert {i.name for i in bank.indicators} == set(indicators)
    for ind in bank.indicators:
        assert rows[ind.name]["type"] == "calculate" and rows[ind.name]["calculation"] == xpath(
            ind, bank, cb[ind.name].is_money
        )
        # the read-back note shows the total; a yes/no indicator in words (its `_text` calculate), never the code
        shown = f"{ind.name}_text" if cb[ind.name].type == "binary" else ind.name
        assert (f"{ind.name}_text" in rows) == (cb[ind.name].type == "binary"), ind.name
        assert rows[f"total_{ind.name}"]["type"] == "note" and f"${{{shown}}}" in rows[f"total_{ind.name}"][ID]
        assert all(names.index(n) < names.index(ind.name) for n in ind.tree.names())  # asked before computed
    assert not set(cb.personal) & set(names)
    # no question reads out an indicator's name any more
    assert "Skor kerawanan pangan" not in {r[ID] for r in rows.values()}


def test_field_features(forms):
    survey, _ = forms
    rows = {r["name"]: r for r in _sheet(survey, "survey") if r["name"]}
    # consent: every module but the identity group is asked only on consent; a refusal is saved with its reason
    groups = [r for r in _sheet(survey, "survey") if r["type"] == "begin_group"]
    assert [g["relevant"] for g in groups if g["name"] != "identitas"] == ["${consent} = '1'"] * (len(groups) - 1)
    assert rows["refusal_reason"]["relevant"] == "${consent} = '0'"
    assert rows["refused_end"]["type"] == "note"
    assert rows["enumerator_code"]["constraint"] == "regex(., '^E[0-9]{3}$')"
    assert rows["supervisor_code"]["required"] == "yes"
    assert rows["family_id"]["type"] == f"select_one_from_file {PRELOAD}"
    # don't-know / refused codes allowed next to the hard range, and a soft check above soft_max
    assert rows["business_sales"]["constraint"] == "(. >= 0 and . <= 500000000) or . = -98 or . = -99"
    check = rows["check_business_sales"]
    assert (
        check["type"] == "acknowledge"
        and check["required"] == "yes"
        and "${business_sales} > 50000000" in check["relevant"]
    )
    assert rows["business_profit_stated"]["relevant"].startswith("${business_sales} < 0")
    assert {c["name"] for c in _sheet(survey, "choices") if c["list_name"] == "ya_tidak_tt"} == {"1", "0", "98", "99"}
    # every module names its source
    notes = {r["name"]: r[EN] for r in rows.values() if r["name"].startswith("source_")}
    assert "FAO" in notes["source_fies"] and "WHO" in notes["source_who5"] and "SUSENAS" in notes["source_konsumsi"]
    settings = _sheet(survey, "settings")[0]
    assert settings["default_language"] == LANGS[0] and settings["form_id"] == "prokus_household_survey"
    assert settings["version"] == files_version([Path(load_codebook().path), *load_questions().paths])


def test_the_respondent_is_recorded_and_yes_no_totals_are_read_back_in_words(forms):
    """Review 18 and 19: who answered is a required choice before consent; a yes/no total shows its label."""
    survey, _ = forms
    rows = {r["name"]: r for r in _sheet(survey, "survey") if r["name"]}
    names = [r["name"] for r in _sheet(survey, "survey") if r["name"]]
    who = rows["respondent"]
    assert who["type"] == "select_one responden" and who["required"] == "yes" and not who["relevant"]
    assert names.index("interview_date") < names.index("respondent") < names.index("consent")
    choices = {c["name"]: (c[ID], c[EN]) for c in _sheet(survey, "choices") if c["list_name"] == "responden"}
    assert choices == {
        "1": ("Kepala keluarga", "Head of household"),
        "2": ("Suami atau istri kepala keluarga", "Spouse of the head of household"),
        "3": ("Anggota rumah tangga dewasa lainnya", "Another adult household member"),
    }
    # the questions about the head of household work whoever answers
    for name in ("business_hours", "other_work_hours"):
        assert "(kepala keluarga)" not in rows[name][ID] and "kepala keluarga bekerja" in rows[name][ID]
        assert "did you" not in rows[name][EN] and "the head of household work" in rows[name][EN]
    # read-back: a yes/no indicator is shown as the label of its code, never the bare code
    assert rows["business_operating_text"]["calculation"] == (
        "jr:choice-name(${business_running}, '${business_running}')"
    )
    assert rows["receives_social_assistance_text"]["calculation"] == (
        "jr:choice-name(${receives_social_assistance}, '${assist_pkh}')"
    )
    assert rows["total_business_operating"][EN].startswith("Business operating: ${business_operating_text}.")
    assert rows["total_receives_social_assistance"][EN].startswith("Receives social assistance again: ${receives_")
    assert rows["total_receives_social_assistance"][ID].startswith("Menerima bantuan sosial lagi: ${receives_")
    assert rows["total_household_income"][EN].startswith("Monthly household income: ${household_income} ")


def test_monitoring_is_a_visit_form(forms):
    cb = load_codebook()
    _, monitoring = forms
    mon = {r["name"]: r for r in _sheet(monitoring, "survey") if r["name"]}
    for name in ("officer_code", "visit_round", "visit_date", "grant_received", "bsimu_disbursed",
                 "disbursement_date", "grant_use", "tksk_sessions", "business_mentoring_sessions",
                 "grant_report_submitted", "receipts_kept"):  # fmt: skip
        assert name in mon, name
    assert mon["grant_use"]["type"] == "select_multiple grant_use"
    assert mon["bsimu_disbursed"]["relevant"] == "${grant_received} = '1'"
    assert mon["tksk_sessions"]["constraint"] == ". >= 0 and . <= 24"
    assert mon["check_bsimu_disbursed"]["type"] == "acknowledge"
    assert not mon["grant_received"][ID].startswith("BSIMU sudah diterima")  # a question, not a variable name
    choices = _sheet(monitoring, "choices")
    assert {c["name"] for c in choices if c["list_name"] == "grant_use"} == {c.code for c in cb["grant_use"].categories}
    assert _sheet(monitoring, "settings")[0]["instance_name"] == "concat(${family_id}, '-r', ${visit_round})"


def test_form_version_follows_the_formulas(tmp_path):
    """A changed formula is a changed codebook: a new form version."""
    d = tmp_path / "data"
    d.mkdir()
    cb = load_codebook()
    shutil.copy(cb.path, d / "codebook.csv")
    for f in FILES:
        shutil.copy(load_questions().paths[0].parent / f, d / f)
    a, _ = write_instrument(tmp_path / "a.xlsx", load_codebook(d / "codebook.csv"))
    toml = (d / "indicators.toml").read_text(encoding="utf-8")
    (d / "indicators.toml").write_text(toml.replace('formula = "4 * sum(', 'formula = "4.0 * sum('), encoding="utf-8")
    b, _ = write_instrument(tmp_path / "b.xlsx", load_codebook(d / "codebook.csv"))
    assert _sheet(a, "settings")[0]["version"] != _sheet(b, "settings")[0]["version"]


def test_formulas_are_parsed_not_executed():
    assert parse_formula("count(1, a, b)").names() == ["a", "b"]
    bad_formulas = ("__import__('os').system('true')", "a.b", "a ** 2", "open('x')", "sum(1, a)", "coalesce(a)",
                    "a if b else c")  # fmt: skip
    for bad in bad_formulas:
        with pytest.raises(ValueError):
            parse_formula(bad)


def test_malformed_questions_file_is_a_clear_error(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    shutil.copy(load_codebook().path, d / "codebook.csv")
    for f in FILES:
        shutil.copy(load_questions().paths[0].parent / f, d / f)
    text = (d / "indicators.toml").read_text(encoding="utf-8")
    (d / "indicators.toml").write_text(text.replace("fies_8)", "fies_9)"), encoding="utf-8")
    with pytest.raises(UserError, match=r"fies_score: uses fies_9") as err:
        load_questions(d / "codebook.csv")
    assert "indicators.toml" in str(err.value)
    q = (d / "questions.csv").read_text(encoding="utf-8")
    q = q.replace(",survey,aset,select_one,", ",survey,aset,pilihan,", 1)
    (d / "questions.csv").write_text(q, encoding="utf-8")
    with pytest.raises(UserError, match=r"row \d+, column 'type'"):
        load_questions(d / "codebook.csv")


def test_cli_instrument_and_preload(tmp_path, capsys):
    from evaluation.cli import main

    roster = tmp_path / "roster.csv"
    pd.DataFrame({"family_id": ["F2", "F1"], "nik": ["3402011203850001", "3402011203850002"],
                  "head_name": ["Siti", "Budi"], "village": ["3402.01.001", "3402.01.002"]}
                 ).to_csv(roster, index=False)  # fmt: skip
    assert main(["instrument", "--out", str(tmp_path / "x.xlsx"), "--roster", str(roster),
                 "--preload-dir", str(tmp_path / "deploy")]) == 0  # fmt: skip
    assert (tmp_path / "x.xlsx").is_file() and (tmp_path / "x_monitoring.xlsx").is_file()
    out = capsys.readouterr().out
    assert "XLSForm" in out and PRELOAD in out
    pre = pd.read_csv(tmp_path / "deploy" / PRELOAD, dtype=str)
    assert list(pre.columns) == ["name", "label", "village"] and list(pre["name"]) == ["F1", "F2"]
    text = (tmp_path / "deploy" / PRELOAD).read_text()
    assert "3402011203850001" not in text and "Siti" not in text
    with pytest.raises(UserError, match="no column village"):
        write_preload(_roster_without_village(tmp_path), tmp_path / "d2")


def _roster_without_village(tmp_path):
    p = tmp_path / "r2.csv"
    pd.DataFrame({"family_id": ["F1"]}).to_csv(p, index=False)
    return p
