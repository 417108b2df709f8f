"""Export shapes as they arrive from the field (issue 13, kinds 1, 3, 4, 5), one behaviour per test.

Kind 1: any group separator, label headers, an "all versions" export's moved question, analysed outcomes present
and mostly filled per file and wave. Kind 3: missing markers, the codebook's missing codes, sentinel warnings.
Kind 4: header-less columns, ``3402.0`` codes, a NIK in scientific notation. Kind 5: repeat-group files, an ODK
Central ``.csv.zip``, SurveyCTO metadata.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.core.errors import UserError
from evaluation.intake import exports
from evaluation.intake.codebook import load_codebook
from evaluation.intake.columns import MISSING_MARKERS, SENTINELS
from evaluation.intake.coverage import MIN_FILLED, WELL_FILLED, plan_outcomes
from evaluation.intake.pipeline import ValidationFailed, prepare, read_intake
from evaluation.intake.pseudonymise import ENV_KEY
from evaluation.synthetic.demo import generate

ROOT = Path(__file__).resolve().parents[2]
TEST_KEY = "a-test-key-of-at-least-thirty-two-characters"


@pytest.fixture(autouse=True)
def key(monkeypatch):
    """Changed demo files are no longer proven synthetic: a set key (the same for the unchanged copy) is needed."""
    monkeypatch.setenv(ENV_KEY, TEST_KEY)


@pytest.fixture(scope="module")
def small():
    """The demo in the export shape with the indicator columns only (no questions): these shapes are about them."""
    return dataclasses.replace(generate(families_per_region=12, comparison_per_region=12, seed=7), items=None)


@pytest.fixture
def base(tmp_path, small) -> Path:
    return small.write(tmp_path / "raw")


def _survey(d: Path) -> pd.DataFrame:
    return pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)


def _save(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False)


def _rules(intake, severity: str | None = None) -> set[str]:
    return {p.rule for p in intake.report.problems if severity is None or p.severity == severity}


def _processed(d: Path, tmp: Path, name: str) -> pd.DataFrame:
    out, _ = prepare(d, tmp / name)
    return pd.read_csv(out / "survey.csv", dtype=str, keep_default_na=False)


# ------------------------------------------------------------------------------------------------ kind 1
@pytest.mark.parametrize("sep", ["/", "-", ".", ":", " > ", "__", "::"])
def test_any_group_separator_maps_to_the_codebook_name(base, tmp_path, sep):
    want = _processed(base, tmp_path, "want")
    s = _survey(base)
    s = s.rename(columns={"household_income": f"rumah_tangga{sep}household_income",
                          "hours_worked": f"rumah_tangga{sep}usaha{sep}hours_worked",
                          "savings": f"Rumah Tangga{sep}savings" if sep != "__" else "savings"})  # fmt: skip
    _save(s, base / "survey.csv")
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)


def test_a_name_inside_a_longer_word_is_not_mapped(base):
    s = _survey(base)
    s["spouse_household_income"] = s["household_income"]  # another question, not household_income
    _save(s, base / "survey.csv")
    intake = read_intake(base)
    unknown = [p for p in intake.report.notes if p.rule == "unknown_column"]
    assert [p.column for p in unknown] == ["spouse_household_income"]
    assert not intake.report.errors


@pytest.mark.parametrize("language", ["id", "en"])
def test_label_headers_and_label_answers_are_read_through_the_codebook(base, tmp_path, language):
    want = _processed(base, tmp_path, "want")
    cb = load_codebook()
    s = _survey(base)
    s = s.rename(columns={c: cb[c].label(language) for c in s.columns if c != "family_id"})
    s[cb["business_operating"].label(language)] = s[cb["business_operating"].label(language)].map(
        {"1": "Ya", "0": "Tidak", "": ""}
    )
    wave = cb["wave"]
    s[wave.label(language)] = s[wave.label(language)].map({c.code: c.label(language) for c in wave.categories})
    _save(s, base / "survey.csv")
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    intake = read_intake(base)
    assert "column_label" in _rules(intake, "note")


def test_a_label_export_that_cannot_be_read_is_refused_with_the_export_option(base):
    s = _survey(base)
    s = s.rename(columns={"household_income": "Pendapatan RT sebulan (semua sumber)"})  # a label not in the codebook
    _save(s, base / "survey.csv")
    with pytest.raises(ValidationFailed):
        prepare(base, base.parent / "processed")
    intake = read_intake(base)
    err = [p for p in intake.report.errors if p.rule == "outcome_missing"]
    assert err and all(p.column == "household_income" for p in err)
    assert "Pendapatan RT sebulan" in err[0].message and "XML values and headers" in err[0].fix
    assert not (base.parent / "processed" / "raw").exists()


def test_a_question_that_moved_between_groups_is_combined(base, tmp_path):
    want = _processed(base, tmp_path, "want")
    s = _survey(base)
    late = np.arange(len(s)) % 2 == 1
    s["usaha/household_income"] = np.where(late, s["household_income"], "")
    s["rumah_tangga/household_income"] = np.where(late, "", s["household_income"])
    s = s.drop(columns="household_income")
    _save(s, base / "survey.csv")
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    assert "columns_combined" in _rules(read_intake(base), "note")


def test_two_columns_of_one_question_both_filled_are_refused_naming_columns_and_rows(base):
    s = _survey(base)
    s["usaha/household_income"] = ""
    s.loc[[3, 4], "usaha/household_income"] = ["1", s.loc[4, "household_income"]]  # row 5 differs, row 6 a copy
    _save(s, base / "survey.csv")
    intake = read_intake(base)
    conflict = [p for p in intake.report.errors if p.rule == "conflicting_columns"]
    assert len(conflict) == 1 and conflict[0].row == 5
    assert "household_income" in conflict[0].column and "usaha/household_income" in conflict[0].column
    both = [p for p in intake.report.errors if p.rule == "duplicate_column"]
    assert len(both) == 1 and "rows 5, 6" in both[0].message and both[0].column == "usaha/household_income"
    for p in (*conflict, *both):  # the advice keeps both columns: nothing is lost
        assert "delete" not in p.fix and "remove" not in p.fix and "keep both columns" in p.fix


def test_a_renamed_outcome_names_the_unmapped_column_and_the_missing_outcome(base):
    s = _survey(base).rename(columns={"household_income": "pendapatan_rt"})
    _save(s, base / "survey.csv")
    intake = read_intake(base)
    err = [p for p in intake.report.errors if p.rule == "outcome_missing"]
    assert {p.column for p in err} == {"household_income"}
    assert len(err) == 2  # one per wave of the file
    assert all("pendapatan_rt" in p.message and "rename that column to household_income" in p.fix for p in err)


def test_every_plan_outcome_is_checked_and_an_absent_one_without_a_candidate_says_so(base):
    s = _survey(base).drop(columns="wellbeing_score")
    _save(s, base / "survey.csv")
    err = [p for p in read_intake(base).report.errors if p.rule == "outcome_missing"]
    assert {p.column for p in err} == {"wellbeing_score"}
    assert "no column of the file holds it" in err[0].message
    assert set(plan_outcomes()) >= {"household_income", "wellbeing_score", "receives_social_assistance"}


def test_a_half_empty_outcome_is_an_error_and_a_sparse_one_a_warning(base):
    s = _survey(base)
    base_rows = s.index[s["wave"] == "baseline"]
    n = len(base_rows)
    s.loc[base_rows[: int(n * (1 - MIN_FILLED)) + 1], "savings"] = ""  # below half filled
    s.loc[base_rows[: int(n * (1 - WELL_FILLED)) + 1], "asset_index"] = ""  # below 80 % filled, above half
    _save(s, base / "survey.csv")
    intake = read_intake(base)
    assert [(p.column, p.rule) for p in intake.report.errors] == [("savings", "outcome_missing")]
    sparse = [p for p in intake.report.warnings if p.rule == "outcome_sparse"]
    assert [p.column for p in sparse] == ["asset_index"]
    assert "baseline" in sparse[0].message


# ------------------------------------------------------------------------------------------------ kind 3
@pytest.mark.parametrize("marker", [*sorted(MISSING_MARKERS), " N/A ", "#N/A", "NA"])
def test_missing_markers_are_read_as_missing_and_counted(base, tmp_path, marker):
    s = _survey(base)
    empty = s.index[s["savings"] == ""]
    row = empty[0] if len(empty) else 0
    s.loc[row, "savings"] = ""
    _save(s, base / "survey.csv")
    want = _processed(base, tmp_path, "want")
    s.loc[row, "savings"] = marker
    _save(s, base / "survey.csv")
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    notes = [p for p in read_intake(base).report.notes if p.rule == "missing_marker"]
    assert [(p.column, p.count) for p in notes] == [("savings", 1)]


def test_a_marker_that_is_a_category_code_stays_a_code():
    from evaluation.intake.codebook import Category, Variable
    from evaluation.intake.columns import is_missing_marker

    var = Variable("x", "survey", "category", "", "", "", "", "", "", (Category("na", "NA", "not applicable"),),
                   (), False, False, "")  # fmt: skip
    assert not is_missing_marker("NA", var)
    assert is_missing_marker("n/a", var)


def test_codebook_missing_codes_are_read_as_missing_and_counted(base, tmp_path):
    s = _survey(base)
    rows = s.index[s["hours_worked"] != ""][:3]
    s.loc[rows, "hours_worked"] = ""
    _save(s, base / "survey.csv")
    want = _processed(base, tmp_path, "want")
    s.loc[rows, "hours_worked"] = ["99", "-98", "98"]
    _save(s, base / "survey.csv")
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    notes = [p for p in read_intake(base).report.notes if p.rule == "missing_code"]
    assert [(p.column, p.count) for p in notes] == [("hours_worked", 3)]


def test_an_undeclared_sentinel_inside_the_range_is_warned_about(base):
    s = _survey(base)
    s.loc[[0, 1], "household_income"] = "9999999"  # inside 0..200,000,000 and no declared code
    _save(s, base / "survey.csv")
    intake = read_intake(base)
    warn = [p for p in intake.report.warnings if p.rule == "sentinel_value"]
    assert [(p.column, p.count, p.row) for p in warn] == [("household_income", 2, 2)]
    assert "missing_codes" in warn[0].fix
    assert not intake.report.errors
    assert 9999999.0 in SENTINELS and 8.0 not in SENTINELS  # FIES 8 is a real score


def test_the_codebook_loads_without_the_missing_codes_column(tmp_path):
    import csv
    import io

    rows = list(csv.reader(io.StringIO((ROOT / "data" / "codebook.csv").read_text(encoding="utf-8"))))
    at = rows[0].index("missing_codes")
    old = [row[:at] + row[at + 1 :] for row in rows]  # drop the missing_codes column (a codebook of before)
    assert "missing_codes" not in old[0] and "relevant" in old[0]
    path = tmp_path / "codebook.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(old)
    path.write_text(buf.getvalue(), encoding="utf-8")
    cb = load_codebook(path)
    assert cb["hours_worked"].missing_codes == ()
    assert load_codebook()["hours_worked"].missing_codes == (-99.0, -98.0, 99.0, 98.0)


def test_a_malformed_missing_code_is_a_clear_codebook_error(tmp_path):
    text = (ROOT / "data" / "codebook.csv").read_text(encoding="utf-8")
    path = tmp_path / "codebook.csv"
    path.write_text(text.replace("-99|-98|99|98", "-99|dk", 1), encoding="utf-8")
    with pytest.raises(UserError, match="missing_codes") as exc:
        load_codebook(path)
    assert "row" in str(exc.value)


# ------------------------------------------------------------------------------------------------ kind 4
def test_empty_header_less_columns_are_ignored_and_filled_ones_named_by_letter(base, tmp_path):
    want = _processed(base, tmp_path, "want")
    lines = (base / "survey.csv").read_text(encoding="utf-8").splitlines()
    width = lines[0].count(",") + 1
    lines = [lines[0] + ",,,"] + [line + ",,," for line in lines[1:]]
    lines[2] = lines[2][:-3] + ",,remark by the supervisor,"
    (base / "survey.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    intake = read_intake(base)
    warn = [p for p in intake.report.warnings if p.rule == "unnamed_column"]
    letter = exports.column_letter(width + 1)
    assert [p.column for p in warn] == [f"column {letter}"]
    assert len([p for p in intake.report.notes if p.rule == "empty_column"]) == 2


def test_two_columns_with_one_header_are_refused_naming_both_letters(base):
    lines = (base / "survey.csv").read_text(encoding="utf-8").splitlines()
    lines = [lines[0] + ",savings"] + [line + "," for line in lines[1:]]
    (base / "survey.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    intake = read_intake(base)
    err = [p for p in intake.report.errors if p.rule == "duplicate_column"]
    assert len(err) == 1 and err[0].column == "savings"
    assert "columns" in err[0].message and "rename one" in err[0].fix


def test_column_letters():
    assert [exports.column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


def test_float_integers_in_a_csv_are_read_as_integers_and_codes(base, tmp_path):
    want = _processed(base, tmp_path, "want")
    r = pd.read_csv(base / "roster.csv", dtype=str, keep_default_na=False)
    for c in ("region_code", "household_size", "head_age"):
        r[c] = [f"{float(x):.1f}" for x in r[c]]
    _save(r, base / "roster.csv")
    out, _ = prepare(base, tmp_path / "got")
    pd.testing.assert_frame_equal(pd.read_csv(out / "survey.csv", dtype=str, keep_default_na=False), want)
    roster = pd.read_csv(out / "roster.csv", dtype=str)
    assert set(roster["region_code"]) == {"3217", "3210", "3322", "3402", "31"}


def test_a_nik_in_scientific_notation_is_refused_with_the_cause_and_never_printed(base):
    r = pd.read_csv(base / "roster.csv", dtype=str, keep_default_na=False)
    r.insert(1, "nik", [f"3402{i:02d}1203850{i:03d}"[:16] for i in range(len(r))])
    nik = r.loc[0, "nik"]
    r.loc[0, "nik"] = "3.17101E+15"
    _save(r, base / "roster.csv")
    with pytest.raises(ValidationFailed) as exc:
        prepare(base, base.parent / "processed")
    text = exc.value.render()
    err = [p for p in exc.value.report.errors if p.rule == "nik_as_number"]
    assert len(err) == 1 and err[0].row == 2 and err[0].column == "nik" and err[0].value == ""
    assert "scientific notation" in err[0].message and "Text" in err[0].fix
    assert "3.17101E+15" not in text and nik not in text
    assert not (base.parent / "processed").exists()


# ------------------------------------------------------------------------------------------------ kind 5
def test_a_repeat_group_file_beside_the_main_file_is_reported_as_not_used(base, tmp_path):
    want = _processed(base, tmp_path, "want")
    pd.DataFrame({"member_name": ["A", "B"], "member_age": ["30", "4"], "PARENT_KEY": ["uuid:1", "uuid:1"],
                  "KEY": ["uuid:1/members[1]", "uuid:1/members[2]"]}).to_csv(
        base / "survey_baseline-members.csv", index=False)  # fmt: skip
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    warn = [p for p in read_intake(base).report.warnings if p.rule == "repeat_group_file"]
    assert [Path(p.file).name for p in warn] == ["survey_baseline-members.csv"]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_an_odk_central_csv_zip_is_read_as_given(base, tmp_path):
    want = _processed(base, tmp_path, "want")
    data = (base / "survey.csv").read_bytes()
    repeat = b"member_age,PARENT_KEY,KEY\n30,uuid:1,uuid:1/m[1]\n"
    (base / "survey.csv").unlink()
    members = {"prokus_survey.csv": data, "prokus_survey-members.csv": repeat, "media/photo.jpg": b"\xff\xd8",
               "../../evil.csv": b"a,PARENT_KEY\n1,2\n"}  # fmt: skip
    _zip(base / "survey.csv.zip", members)
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    intake = read_intake(base)
    assert "zip_export" in _rules(intake, "note")
    assert sum(p.rule == "repeat_group_file" for p in intake.report.warnings) == 2
    assert not (tmp_path.parent / "evil.csv").exists() and not (base.parent / "evil.csv").exists()


def test_a_zip_that_unpacks_too_large_or_holds_two_main_files_is_refused(base, monkeypatch):
    data = (base / "survey.csv").read_bytes()
    (base / "survey.csv").unlink()
    _zip(base / "survey.csv.zip", {"a.csv": data, "b.csv": data})
    err = [p for p in read_intake(base).report.errors if p.rule == "archive"]
    assert len(err) == 1 and "a.csv, b.csv" in err[0].message and err[0].file.endswith("survey.csv.zip")
    _zip(base / "survey.csv.zip", {"a.csv": data})
    monkeypatch.setattr(exports, "MAX_ZIP_BYTES", 1000)
    err = [p for p in read_intake(base).report.errors if p.rule == "archive"]
    assert len(err) == 1 and "more than the limit" in err[0].message
    (base / "survey.csv.zip").write_bytes(b"PK\x03\x04 not really a zip")
    err = [p for p in read_intake(base).report.errors if p.rule == "archive"]
    assert len(err) == 1 and "cannot be read" in err[0].message


def test_surveycto_metadata_and_review_columns_are_metadata(base, tmp_path):
    want = _processed(base, tmp_path, "want")
    s = _survey(base)
    n = len(s)
    extra = {"SubmissionDate": ["Feb 3, 2020 10:00:00 AM"] * n, "CompletionDate": ["Feb 3, 2020 9:55:00 AM"] * n,
             "KEY": [f"uuid:{i:04d}" for i in range(n)], "formdef_version": ["2001"] * n, "duration": ["1200"] * n,
             "review_status": ["APPROVED"] * n, "review_comments": [""] * n, "review_quality": ["OKAY"] * n,
             "review_corrections": [""] * n, "instanceID": [f"uuid:{i:04d}" for i in range(n)]}  # fmt: skip
    s = pd.concat([s, pd.DataFrame(extra)], axis=1)
    _save(s, base / "survey.csv")
    got = _processed(base, tmp_path, "got")
    pd.testing.assert_frame_equal(got, want)
    assert "unknown_column" not in _rules(read_intake(base))


def test_read_csv_accepts_bytes_of_a_member(tmp_path):
    from evaluation.intake.problems import Report

    report = Report()
    raw = exports.read_csv(tmp_path / "x.csv.zip", report, data=b"a;b\n1;2\n", shown="x.csv.zip:x.csv")
    assert raw is not None and raw.shown == "x.csv.zip:x.csv" and list(raw.frame.columns) == ["a", "b"]
    assert io.StringIO  # the module is used by the zip helper above


def test_map_columns_reads_label_choices_separators_and_metadata_of_every_tool():
    from evaluation.intake.columns import map_columns
    from evaluation.intake.exports import RawFile
    from evaluation.intake.problems import Report

    cols = ["family_id", "Bantuan/Penggunaan dana BSIMU/Peralatan usaha", "Use of the BSIMU grant/Transport",
            "BSIMU sudah diterima", "bantuan:grant_use:stock", "SubmissionDate", "review_status", "CompletionDate",
            "formdef_version", "KEY", "meta-instanceID", "_uuid", "__version__", "spouse_tksk_sessions",
            "pendampingan__tksk_sessions", "Desa/kelurahan"]  # fmt: skip
    raw = RawFile(Path("x.csv"), "programme", pd.DataFrame(columns=cols), [])
    m = map_columns(raw, load_codebook(), Report())
    assert m.variables == {"family_id": "family_id", "BSIMU sudah diterima": "grant_received",
                           "pendampingan__tksk_sessions": "tksk_sessions"}  # fmt: skip
    assert m.choices == {"Bantuan/Penggunaan dana BSIMU/Peralatan usaha": ("grant_use", "equipment"),
                         "Use of the BSIMU grant/Transport": ("grant_use", "transport"),
                         "bantuan:grant_use:stock": ("grant_use", "stock")}  # fmt: skip
    assert set(m.meta) == {"SubmissionDate", "review_status", "CompletionDate", "formdef_version", "KEY",
                           "meta-instanceID", "_uuid", "__version__"}  # fmt: skip
    assert m.unknown == ("spouse_tksk_sessions", "Desa/kelurahan")  # village is a roster column


def test_an_excel_serial_beyond_the_calendar_is_a_parse_error_not_an_overflow():
    """Found by the property-based test: a date serial of 1e16 in a 'start' cell raised OverflowError."""
    from evaluation.intake.parsing import ParseError, excel_serial

    for serial, system in ((1e16, 1900), (float("nan"), 1900), (-5.0, 1900), (2_957_004.0, 1904)):
        with pytest.raises(ParseError, match="not an Excel serial date"):
            excel_serial(serial, system)
    assert excel_serial(2_958_465.0, 1900).isoformat() == "9999-12-31"


def test_a_file_the_intake_does_not_read_is_named_never_skipped_silently(tmp_path):
    """A wave saved as .xls/.ods or named outside the table prefixes is listed for a warning naming it.

    'survei_*' (the Indonesian spelling) is read as a survey file; documentation (.md) and the package's own files
    are quiet.
    """
    from evaluation.intake.exports import discover, unread_files

    for name in ("roster.csv", "monitoring.csv", "survei_baseline.csv", "survey_endline.xlsx", "survey_midline.xls",
                 "hh_baseline.csv", "notes.ods", "README.md", "dataset.json", "validation_problems.csv",
                 ".prokus-owned", "~$survey_endline.xlsx"):  # fmt: skip
        (tmp_path / name).write_text("x\n", encoding="utf-8")
    found = discover(tmp_path)
    assert [p.name for p in found["survey"]] == ["survei_baseline.csv", "survey_endline.xlsx"]
    assert [p.name for p in unread_files(tmp_path)] == ["hh_baseline.csv", "notes.ods", "survey_midline.xls"]


def test_the_delimiter_is_counted_outside_quoted_headers(tmp_path):
    """A ';' Labels export whose quoted headers hold commas (Indonesian Excel) is read with ';', not ','."""
    from evaluation.intake.exports import read_csv
    from evaluation.intake.problems import Report

    p = tmp_path / "survey_baseline.csv"
    p.write_text('"Sewa, listrik, air";"Pangan (beras, jagung, umbi)";wave\n100;200;baseline\n', encoding="utf-8")
    raw = read_csv(p, Report())
    assert list(raw.frame.columns) == ["Sewa, listrik, air", "Pangan (beras, jagung, umbi)", "wave"]
    assert raw.frame.iloc[0].tolist() == ["100", "200", "baseline"]


def test_the_forms_read_back_columns_are_metadata_not_unknown(tmp_path):
    """`<indicator>_text` (the form's yes/no read-back in words, issue 12) is the form's own column, not data."""
    import pandas as pd

    from evaluation.intake.codebook import load_codebook
    from evaluation.intake.columns import map_columns
    from evaluation.intake.exports import RawFile
    from evaluation.intake.problems import Report

    frame = pd.DataFrame({"family_id": ["F1"], "usaha/business_operating": ["1"],
                          "usaha/business_operating_text": ["Ya"], "pendapatan_rt": ["5"]})  # fmt: skip
    raw = RawFile(path=tmp_path / "survey_baseline.csv", table="survey", frame=frame, rows=[2], shown="s.csv")
    cmap = map_columns(raw, load_codebook(), Report())
    assert cmap.meta["usaha/business_operating_text"] == "business_operating_text"
    assert cmap.unknown == ("pendapatan_rt",)
