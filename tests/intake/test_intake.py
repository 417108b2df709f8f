"""Intake: Kobo/ODK exports -> validated, pseudonymous, analysis-ready tables (issue 3)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import openpyxl
import pandas as pd
import pytest

from evaluation.core.errors import UserError
from evaluation.intake.pipeline import ValidationFailed, prepare, read_intake
from evaluation.intake.pseudonymise import ENV_KEY, ENV_KEY_FILE, Key, load_key, pseudonym
from evaluation.synthetic.demo import generate
from evaluation.synthetic.kobo import write_kobo_demo

REAL_KEY = "a-test-key-of-at-least-thirty-two-characters"


@pytest.fixture(scope="module")
def small():
    return generate(families_per_region=12, comparison_per_region=12, seed=7)


def test_kobo_export_round_trips_to_the_canonical_tables(tmp_path, demo):
    """Demo in Kobo export shape -> import -> validate -> the same analysis-ready tables as the canonical demo."""
    canonical = demo.write(tmp_path / "canonical")
    kobo = write_kobo_demo(demo, tmp_path / "kobo")
    a, _ = prepare(canonical, tmp_path / "processed")
    b, intake = prepare(kobo, tmp_path / "processed")
    for table in ("roster", "programme", "survey"):
        assert (a / f"{table}.csv").read_bytes() == (b / f"{table}.csv").read_bytes(), table
    rules = {p.rule for p in intake.report.notes}
    # the export shapes were really exercised (not a copy of the canonical files)
    assert {"utf8_bom", "delimiter", "decimal_comma", "day_first_date", "multiple_columns", "column_mapped",
            "wave_from_file_name", "not_relevant_filled"} <= rules  # fmt: skip
    survey = pd.read_csv(b / "survey.csv")
    assert len(survey) == len(demo.survey)
    assert json.loads((b / "intake.json").read_text())["pseudonym_key"].startswith("public demo key")


def test_one_point_two_five_zero_is_one_thousand_two_hundred_fifty_rupiah(tmp_path, small, monkeypatch):
    """Pandas reads '1.250' as 1.25; the intake reads the rupiah amount 1250 and says so."""
    monkeypatch.setenv(ENV_KEY, REAL_KEY)  # changed demo files are no longer proven synthetic: a key is needed
    d = small.write(tmp_path / "raw")
    survey = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    assert pd.read_csv(pd.io.common.StringIO("x\n1.250\n"))["x"].iloc[0] == 1.25  # the trap being avoided
    survey.loc[0, "household_income"] = "1.250"
    survey.loc[1, "household_income"] = "Rp 1.250.000"
    survey.loc[2, "household_income"] = "1,5 jt"
    survey.to_csv(d / "survey.csv", index=False)
    out, intake = prepare(d, tmp_path / "processed")
    got = pd.read_csv(out / "survey.csv")
    fid = {pseudonym(x, Key(REAL_KEY.encode(), "test"), "family"): x for x in small.roster["family_id"]}
    got["raw_id"] = got["family_id"].map(fid)
    for i, expected in ((0, 1250), (1, 1_250_000), (2, 1_500_000)):
        row = got[(got["raw_id"] == survey.loc[i, "family_id"]) & (got["wave"] == survey.loc[i, "wave"])]
        assert row["household_income"].iloc[0] == expected
    assert "indonesian_thousands" in {p.rule for p in intake.report.notes}


def test_pseudonym_is_keyed_not_a_plain_hash():
    nik = "3402011203850001"
    key = Key(REAL_KEY.encode(), "test")
    p = pseudonym(nik, key, "nik")
    plain = hashlib.sha256(nik.encode()).hexdigest()
    assert p[1:] not in plain and plain[:20] != p[1:]
    assert p[1:] != hashlib.sha256(f"nik:{nik}".encode()).hexdigest()[:20]
    assert p == "P" + hmac.new(key.secret, f"nik:{nik}".encode(), hashlib.sha256).hexdigest()[:20]
    assert pseudonym(nik, Key(b"another key of at least thirty-two chars", "x"), "nik") != p
    assert pseudonym(nik, key, "family") != p


def test_real_data_needs_a_key(tmp_path, monkeypatch, small):
    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.delenv(ENV_KEY_FILE, raising=False)
    d = small.write(tmp_path / "raw")
    (d / "dataset.json").unlink()  # no longer marked synthetic: real data
    with pytest.raises(UserError, match=ENV_KEY):
        prepare(d, tmp_path / "processed")
    assert not (tmp_path / "processed").exists()
    monkeypatch.setenv(ENV_KEY, "short")
    with pytest.raises(UserError, match="too short"):
        load_key(False)
    keyfile = tmp_path / "key.txt"
    keyfile.write_text(REAL_KEY + "\n")
    monkeypatch.delenv(ENV_KEY)
    monkeypatch.setenv(ENV_KEY_FILE, str(keyfile))
    assert load_key(False).secret == REAL_KEY.encode()
    out, _ = prepare(d, tmp_path / "processed")
    assert "key file" in json.loads((out / "intake.json").read_text())["pseudonym_key"]
    assert REAL_KEY not in "".join(p.read_text() for p in out.iterdir())


def test_key_file_inside_the_repository_is_refused(monkeypatch):
    from evaluation.core.paths import PROJ_ROOT

    monkeypatch.delenv(ENV_KEY, raising=False)
    monkeypatch.setenv(ENV_KEY_FILE, str(PROJ_ROOT / "data" / "key.txt"))
    with pytest.raises(UserError, match="inside the project directory"):
        load_key(False)


def test_processed_tables_keep_only_the_pseudonymous_id(tmp_path, small):
    out, _ = prepare(small.write(tmp_path / "raw"), tmp_path / "processed")
    raw_ids = set(small.roster["family_id"])
    for table in ("roster", "programme", "survey"):
        df = pd.read_csv(out / f"{table}.csv", dtype=str)
        assert df["family_id"].str.fullmatch(r"P[0-9a-f]{20}").all()
        assert not raw_ids & set(df["family_id"])


def test_odk_central_xlsx_in_1904_system_with_per_choice_columns(tmp_path, small, monkeypatch):
    """XLSX with '-' group separators, Excel serial dates in the 1904 system and select_multiple per choice."""
    monkeypatch.setenv(ENV_KEY, REAL_KEY)  # changed demo files are no longer proven synthetic; a set key always wins
    d = small.write(tmp_path / "raw")
    prog = pd.read_csv(d / "programme.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    codes = ["equipment", "stock", "premises", "transport", "other"]
    cols = [c for c in prog.columns if c not in ("grant_use", "disbursement_date")]
    ws.append(
        [f"bantuan-{c}" for c in cols] + ["bantuan-disbursement_date"] + [f"bantuan-grant_use/{c}" for c in codes]
    )
    for _, r in prog.iterrows():
        serial = (
            (dt.date.fromisoformat(r["disbursement_date"]) - dt.date(1904, 1, 1)).days
            if r["disbursement_date"]
            else None
        )
        uses = r["grant_use"].split()
        ws.append([r[c] for c in cols] + [serial] + [(int(c in uses) if r["grant_use"] else None) for c in codes])
    (d / "programme.csv").unlink()
    wb.save(d / "monitoring.xlsx")
    out, intake = prepare(d, tmp_path / "processed")
    got = pd.read_csv(out / "programme.csv", dtype=str, keep_default_na=False)
    want = prepare(small.write(tmp_path / "raw2"), tmp_path / "processed")[0] / "programme.csv"
    assert got.equals(pd.read_csv(want, dtype=str, keep_default_na=False))
    assert {"excel_1904", "excel_serial_1904", "multiple_columns"} <= {p.rule for p in intake.report.notes}


def test_validation_failure_writes_the_problem_list_beside_the_data(tmp_path, small):
    d = small.write(tmp_path / "raw")
    survey = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    survey.loc[3, "fies_score"] = "12"
    survey.loc[4, "wave"] = "final"
    survey.to_csv(d / "survey.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        prepare(d, tmp_path / "processed")
    assert not (tmp_path / "processed").exists()
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str)
    errors = problems[problems["severity"] == "error"]
    assert set(errors["column"]) == {"fies_score", "wave"}
    assert set(errors["row"]) == {"5", "6"}
    text = str(err.value)
    assert "survey.csv" in text and "fies_score" in text and "2 error(s)" in text


def test_terminal_table_fits_a_screen(tmp_path, small):
    d = small.write(tmp_path / "raw")
    survey = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    survey["wellbeing_score"] = "999"
    survey.to_csv(d / "survey.csv", index=False)
    intake = read_intake(d)
    text = intake.report.terminal("x.csv")
    assert len(text.splitlines()) <= 24
    shown = len(intake.report.errors) + len(intake.report.warnings)
    assert len(intake.report.errors) >= len(survey)  # every row reported, not only the first
    assert f"and {shown - 15} more problem(s)" in text


def test_a_refusal_on_the_terminal_says_what_to_do_whole():
    """A few problems are shown whole (wrapped, never cut with an ellipsis): the fix is readable on the screen."""
    from evaluation.intake.problems import Problem, Report

    fix = "export the dates as YYYY-MM-DD (ISO, e.g. 2020-09-07), or as real date cells of an XLSX file"
    what = "day/month order unproven: " + "both readings lie inside the study period " * 3
    column = "bantuan/disbursement_date"
    report = Report([Problem("error", "monitoring.csv", None, column, "", "date_order", what, fix)])
    text = report.terminal("x.csv")
    assert "…" not in text
    flat = " ".join(text.split())
    assert fix in flat and "monitoring.csv" in text and "bantuan/disbursement_date" in text
