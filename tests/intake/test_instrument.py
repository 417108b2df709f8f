"""The XLSForm instrument is generated from the codebook and converts with pyxform (ODK's converter)."""

from __future__ import annotations

import openpyxl
from pyxform.xls2xform import convert

from evaluation.intake.codebook import load_codebook
from evaluation.intake.instrument import LANGS, write_instrument


def _sheet(path, name):
    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def test_both_forms_convert_with_pyxform(tmp_path):
    survey, monitoring = write_instrument(tmp_path / "form.xlsx")
    for path in (survey, monitoring):
        warnings: list[str] = []
        result = convert(xlsform=str(path), warnings=warnings, validate=False)
        assert "<h:html" in result.xform and not warnings, warnings
        assert 'lang="Bahasa Indonesia (id)"' in result.xform and 'lang="English (en)"' in result.xform


def test_survey_questions_follow_the_codebook(tmp_path):
    cb = load_codebook()
    survey, monitoring = write_instrument(tmp_path / "form.xlsx")
    rows = {r["name"]: r for r in _sheet(survey, "survey") if r["name"]}
    for v in cb.table("survey"):
        assert v.name in rows, v.name
        assert rows[v.name][f"label::{LANGS[0]}"] == v.label_id
        assert rows[v.name][f"label::{LANGS[1]}"] == v.label_en
    assert rows["business_profit"]["relevant"] == "${business_operating} = 1"
    assert rows["household_income"]["constraint"] == ". >= 0 and . <= 200000000"
    assert rows["interview_date"]["constraint"].startswith(". >= date('2020-01-01')")
    assert rows["wave"]["type"] == "select_one wave"
    names = [r["name"] for r in _sheet(survey, "survey")]
    assert names.index("business_operating") < names.index("business_profit")  # asked before it is relied on
    assert not set(cb.personal) & set(names)
    mon = {r["name"]: r for r in _sheet(monitoring, "survey") if r["name"]}
    for name in ("grant_received", "bsimu_disbursed", "disbursement_date", "grant_use", "tksk_sessions",
                 "business_mentoring_sessions", "grant_report_submitted", "receipts_kept"):  # fmt: skip
        assert name in mon, name
    assert mon["grant_use"]["type"] == "select_multiple grant_use"
    choices = _sheet(monitoring, "choices")
    assert {c["name"] for c in choices if c["list_name"] == "grant_use"} == {c.code for c in cb["grant_use"].categories}
    settings = _sheet(survey, "settings")[0]
    assert settings["default_language"] == LANGS[0] and settings["form_id"] == "prokus_household_survey"


def test_cli_instrument(tmp_path, capsys):
    from evaluation.cli import main

    assert main(["instrument", "--out", str(tmp_path / "x.xlsx")]) == 0
    assert (tmp_path / "x.xlsx").is_file() and (tmp_path / "x_monitoring.xlsx").is_file()
    assert "XLSForm" in capsys.readouterr().out
