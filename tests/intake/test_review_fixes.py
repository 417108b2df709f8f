"""Findings of the fresh-eyes review of the intake (review items 5, 6, 9, 10, 13, 14), one behaviour per test.

Each test names the finding it pins: a name in ``village`` (5), impossible dates (6), NIK spellings (9), a
KoboToolbox repeat-group file (10), message slips (13), names printed in problem reports (14).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evaluation.intake.pipeline import ValidationFailed, prepare, read_intake, validate
from evaluation.intake.pseudonymise import ENV_KEY
from evaluation.synthetic.demo import generate

TEST_KEY = "a-test-key-of-at-least-thirty-two-characters"


@pytest.fixture(autouse=True)
def key(monkeypatch):
    """Changed demo files are no longer proven synthetic: a set key is needed."""
    monkeypatch.setenv(ENV_KEY, TEST_KEY)


@pytest.fixture(scope="module")
def small():
    return generate(families_per_region=6, comparison_per_region=6, seed=11)


@pytest.fixture
def base(tmp_path, small) -> Path:
    return small.write(tmp_path / "raw")


def _roster(d: Path) -> pd.DataFrame:
    return pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)


def _problems(d: Path) -> pd.DataFrame:
    return pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)


def _fails(d: Path) -> tuple[str, pd.DataFrame]:
    with pytest.raises(ValidationFailed) as err:
        validate(d)
    return str(err.value) + err.value.render(), _problems(d)


# ------------------------------------------------------------------------------------------------ 5: village
def test_the_demo_villages_are_codes_of_their_subdistrict(base):
    assert "village_code" not in {p.rule for p in read_intake(base).report.problems}


def test_a_name_in_village_is_an_error_never_shown(base, tmp_path):
    r = _roster(base)
    r.loc[2, "village"] = "Siti Aminah"
    r.loc[3, "village"] = "Sukamaju"
    r.loc[4, "village"] = (
        r.loc[5, "subdistrict"] + ".001" if r.loc[4, "subdistrict"] != r.loc[5, "subdistrict"] else "99.99.001"
    )
    r.to_csv(base / "roster.csv", index=False)
    text, problems = _fails(base)
    hit = problems[problems["rule"] == "village_code"]
    assert sorted(zip(hit["row"], hit["column"], strict=True)) == [("4", "village"), ("5", "village"),
                                                                   ("6", "village")]  # fmt: skip
    assert hit["file"].str.endswith("roster.csv").all() and (hit["value"] == "").all()
    assert "Siti Aminah" not in text + (base / "validation_problems.csv").read_text()
    assert "Sukamaju" not in text + (base / "validation_problems.csv").read_text()
    assert not (tmp_path / "processed").exists()


def test_a_village_code_written_without_dots_is_accepted(base):
    r = _roster(base)
    r["village"] = r["village"].str.replace(".", "", regex=False)
    r.to_csv(base / "roster.csv", index=False)
    assert "village_code" not in {p.rule for p in read_intake(base).report.problems}


# ------------------------------------------------------------------------------------------------ 6: dates
def test_a_baseline_interview_after_the_disbursement_is_a_counted_warning(base, tmp_path):
    prog = pd.read_csv(base / "programme.csv", dtype=str, keep_default_na=False)
    fid = prog.loc[prog["disbursement_date"] != "", "family_id"].iloc[0]
    paid = prog.loc[prog["family_id"] == fid, "disbursement_date"].iloc[0]
    s = pd.read_csv(base / "survey.csv", dtype=str, keep_default_na=False)
    i = s.index[(s["family_id"] == fid) & (s["wave"] == "baseline")][0]
    late = (pd.Timestamp(paid) + pd.Timedelta(days=3)).date().isoformat()
    s.loc[i, "interview_date"] = late
    s.to_csv(base / "survey.csv", index=False)
    warn = [p for p in read_intake(base).report.warnings if p.rule == "baseline_after_disbursement"]
    assert [(p.row, p.column) for p in warn] == [(i + 2, "interview_date")]
    assert warn[0].file.endswith("survey.csv") and paid in warn[0].message
    out, _ = prepare(base, tmp_path / "processed")
    quality = pd.read_csv(out / "data_quality.csv", dtype=str, keep_default_na=False)
    assert "baseline_after_disbursement" in set(quality["rule"])


# ------------------------------------------------------------------------------------------------ 10: Kobo repeat
def test_a_kobo_repeat_group_file_is_reported_as_not_used(base):
    (base / "survey_baseline-anggota.csv").write_text(
        "_index,_parent_index,_parent_table_name,nama_anggota,umur\n1,1,survey,Siti Aminah,34\n", encoding="utf-8"
    )
    intake = read_intake(base)
    assert not intake.report.errors
    warn = [p for p in intake.report.warnings if p.rule == "repeat_group_file"]
    assert [(Path(p.file).name, p.column) for p in warn] == [("survey_baseline-anggota.csv", "_parent_index")]
    assert "_parent_index" in warn[0].message and "Siti" not in warn[0].render()


def test_a_disbursement_after_the_visit_that_records_it_is_a_counted_warning(tmp_path, small):
    """The Kobo demo's visit form: the final visit (2021-01-15) after every disbursement; a later one is warned.

    A grant recorded as received at a visit before it was paid is a warning naming file, row and column (counted
    in the data quality), never an error; the unchanged demo has none.
    """
    from evaluation.synthetic.kobo import write_kobo_demo

    d = write_kobo_demo(small, tmp_path / "kobo")
    m = pd.read_csv(d / "monitoring.csv", dtype=str, keep_default_na=False)
    late = (m["bantuan/grant_received"] == "1") & (m["bantuan/disbursement_date"] > m["identitas/visit_date"])
    assert not late.any()  # the generator's final visit comes after every disbursement
    i = m.index[m["bantuan/grant_received"] == "1"][0]
    m.loc[i, "bantuan/disbursement_date"] = "2021-02-10"  # after the visit of 2021-01-15
    late[i] = True
    m.to_csv(d / "monitoring.csv", index=False)
    intake = read_intake(d)
    assert not intake.report.errors
    warn = [p for p in intake.report.warnings if p.rule == "disbursed_after_visit"]
    assert sorted(p.row for p in warn) == [int(k) + 2 for k in m.index[late]]
    assert all(p.file.endswith("monitoring.csv") and p.column == "bantuan/disbursement_date" for p in warn)
    assert any("2021-02-10" in p.message for p in warn)
    assert "disbursed_after_visit" in set(intake.report.data_quality()["rule"])


# ------------------------------------------------------------------------------------------------ 14: names shown
def test_a_name_in_a_category_column_or_family_id_is_never_printed(base):
    r = _roster(base)
    r.loc[2, "head_education"] = "Siti Aminah binti Ahmad"
    r.loc[3, "head_education"] = "BUDI SANTOSO"
    r.to_csv(base / "roster.csv", index=False)
    s = pd.read_csv(base / "survey.csv", dtype=str, keep_default_na=False)
    s.loc[4, "family_id"] = "Rahmat Hidayat"
    s.loc[5, "family_id"] = "rahmat"  # not id-like: masked although it is one lower-case word
    s.to_csv(base / "survey.csv", index=False)
    text, problems = _fails(base)
    text += (base / "validation_problems.csv").read_text()
    for name in ("Siti Aminah", "Ahmad", "BUDI SANTOSO", "Rahmat Hidayat", "rahmat"):
        assert name not in text
    hit = problems[problems["row"].isin(["4", "5", "6", "7"]) & (problems["severity"] == "error")]
    assert {("roster", "4", "head_education"), ("roster", "5", "head_education"), ("survey", "6", "family_id"),
            ("survey", "7", "family_id")} <= set(zip(hit["table"], hit["row"], hit["column"], strict=True))  # fmt: skip
    assert (hit["value"] == "[not shown: may be a name]").all()


def test_codes_stay_readable_in_problem_reports(base):
    r = _roster(base)
    r.loc[2, "head_education"] = "sma"  # a code the codebook does not know: shown, so it can be corrected
    r.to_csv(base / "roster.csv", index=False)
    _, problems = _fails(base)
    assert "sma" in set(problems.loc[problems["column"] == "head_education", "value"])


# ------------------------------------------------------------------------------------------------ 9: NIK spellings
def _with_niks(d: Path, spelling: str) -> None:
    r = _roster(d)
    niks = [f"317101{(k % 28) + 41:02d}{(k % 12) + 1:02d}{70 + k % 20:02d}{k:04d}" for k in range(len(r))]
    spell = {
        "plain": lambda n: n,
        "apostrophe": lambda n: "'" + n,
        "spaces": lambda n: f"{n[:4]} {n[4:8]} {n[8:12]} {n[12:]}",
        "dots": lambda n: f"{n[:4]}.{n[4:8]}.{n[8:12]}.{n[12:]}",
        "dashes": lambda n: f"{n[:6]}-{n[6:12]}-{n[12:]}",
        "float_text": lambda n: n + ".0",
    }[spelling]
    r["nik"] = [spell(n) for n in niks]
    r["head_sex"] = "female"  # day + 40: every NIK marks a woman
    r.to_csv(d / "roster.csv", index=False)


@pytest.mark.parametrize("spelling", ["apostrophe", "spaces", "dots", "dashes", "float_text"])
def test_a_nik_with_separators_is_read_as_its_16_digits(tmp_path, small, spelling):
    plain, spelled = small.write(tmp_path / "plain"), small.write(tmp_path / "spelled")
    _with_niks(plain, "plain")
    _with_niks(spelled, spelling)
    want, _ = prepare(plain, tmp_path / "p1")
    got, intake = prepare(spelled, tmp_path / "p2")
    for name in ("roster.csv", "programme.csv", "survey.csv"):
        assert (got / name).read_bytes() == (want / name).read_bytes()
    note = [p for p in intake.report.problems if p.rule == "nik_separators"]
    assert len(note) == 1 and note[0].count == len(_roster(spelled)) and note[0].value.startswith(("3171", "'317"))
    assert "4107" not in note[0].value[5:]  # the example is masked after the region code


def test_a_fifteen_digit_nik_with_point_zero_stays_an_error_and_a_stray_letter_is_named(base):
    _with_niks(base, "plain")
    r = _roster(base)
    r.loc[0, "nik"] = r.loc[0, "nik"][:15] + ".0"
    r.loc[1, "nik"] = r.loc[1, "nik"][:5] + "O" + r.loc[1, "nik"][6:]
    r.to_csv(base / "roster.csv", index=False)
    text, problems = _fails(base)
    nik = problems[problems["column"] == "nik"].set_index("row")
    assert nik.loc["2", "rule"] == "nik_format" and nik.loc["3", "rule"] == "nik_format"
    assert "letter 'O'" in nik.loc["3", "message"]
    assert r.loc[1, "nik"] not in text and r.loc[0, "nik"] not in text


# ------------------------------------------------------------------------------------------------ 13: message slips
def test_an_out_of_range_answer_without_codes_does_not_suggest_one(base):
    s = pd.read_csv(base / "survey.csv", dtype=str, keep_default_na=False)
    s.loc[0, "household_members"] = "0"  # range 1 to 20, no don't-know / refused code
    s.to_csv(base / "survey.csv", index=False)
    _, problems = _fails(base)
    p = problems[(problems["rule"] == "question_range") & (problems["column"] == "household_members")]
    assert list(p["row"]) == ["2"]
    assert "write the don't-know" not in p["fix"].iloc[0] and "no don't-know / refused code" in p["fix"].iloc[0]


def test_a_word_in_an_age_cell_gets_no_rupiah_example(base):
    r = _roster(base)
    r.loc[0, "head_age"] = "empat puluh"
    r.to_csv(base / "roster.csv", index=False)
    _, problems = _fails(base)
    p = problems[problems["column"] == "head_age"]
    assert list(p["row"]) == ["2"] and "Rp" not in p["fix"].iloc[0] and "jt" not in p["fix"].iloc[0]


def test_a_duplicate_names_its_rows_in_one_wave_with_their_files(base):
    s = pd.read_csv(base / "survey.csv", dtype=str, keep_default_na=False)
    s = s.sort_values(["wave", "family_id"], kind="mergesort").reset_index(drop=True)
    base_rows, end_rows = s[s["wave"] == "baseline"], s[s["wave"] == "endline"]
    dup = base_rows.iloc[[0]]
    fid = dup["family_id"].iloc[0]
    pd.concat([base_rows, dup]).to_csv(base / "survey_baseline.csv", index=False)
    end_rows.to_csv(base / "survey_endline.csv", index=False)
    (base / "survey.csv").unlink()
    _, problems = _fails(base)
    p = problems[problems["rule"] == "duplicate_family_wave"]
    assert len(p) == 2 and fid in set(p["value"])
    last = len(base_rows) + 2
    assert all(m.endswith(f"(rows 2, {last})") for m in p["message"]), list(p["message"])


def test_validate_given_a_file_names_its_folder(base, capsys):
    from evaluation.cli import main

    assert main(["validate", str(base / "roster.csv")]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a data directory" in err and str(base) in err and "does not exist" not in err


def test_a_family_id_differing_in_case_or_spaces_gets_a_hint(base):
    s = pd.read_csv(base / "survey.csv", dtype=str, keep_default_na=False)
    fid = s.loc[0, "family_id"]
    s.loc[0, "family_id"] = f" {fid.lower()} "
    s.to_csv(base / "survey.csv", index=False)
    _, problems = _fails(base)
    p = problems[problems["rule"] == "family_in_roster"]
    assert list(p["row"]) == ["2"] and "upper/lower case or spaces" in p["message"].iloc[0]
    assert fid in p["fix"].iloc[0]
