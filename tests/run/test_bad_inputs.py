"""At least 30 distinct bad inputs, each a small fixture run through `prokus-eval run` (issue 3).

For each: exit code 2, the message names the file, row and column, no traceback, and nothing is written to the
processed-data or reports directories (only the problem list beside the raw data).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.intake.pseudonymise import ENV_KEY
from evaluation.synthetic.demo import generate
from tests.conftest import write_config

Mutation = Callable[[Path], None]


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """Six families (three ProKUS, three comparison) in Bantul, two waves, no missing answers."""
    data = generate(families_per_region=3, comparison_per_region=3, seed=11, regions=("3402",), missing_rate=0.0)
    return data.write(tmp_path_factory.mktemp("base") / "raw")


def _edit(table: str, row: int, column: str, value: str) -> Mutation:
    """Set one cell; ``row`` is the file row (header = 1)."""

    def apply(d: Path) -> None:
        df = pd.read_csv(d / f"{table}.csv", dtype=str, keep_default_na=False)
        if column not in df:
            df[column] = ""
        df.loc[row - 2, column] = value
        df.to_csv(d / f"{table}.csv", index=False)

    return apply


def _edits(*muts: Mutation) -> Mutation:
    def apply(d: Path) -> None:
        for m in muts:
            m(d)

    return apply


def _programme_row(d: Path, group: str) -> int:
    ros = pd.read_csv(d / "roster.csv", dtype=str)
    prog = pd.read_csv(d / "programme.csv", dtype=str)
    return int(prog.index[prog["family_id"].isin(ros.loc[ros["group"] == group, "family_id"])][0]) + 2


def _copy_row(table: str, row: int) -> Mutation:
    def apply(d: Path) -> None:
        df = pd.read_csv(d / f"{table}.csv", dtype=str, keep_default_na=False)
        df = pd.concat([df, df.iloc[[row - 2]]], ignore_index=True)
        df.to_csv(d / f"{table}.csv", index=False)

    return apply


def _drop_column(table: str, column: str) -> Mutation:
    def apply(d: Path) -> None:
        df = pd.read_csv(d / f"{table}.csv", dtype=str, keep_default_na=False)
        df.drop(columns=[column]).to_csv(d / f"{table}.csv", index=False)

    return apply


def _with_niks(*niks: str) -> Mutation:
    def apply(d: Path) -> None:
        df = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
        df.insert(1, "nik", [f"34020{i}12038500{i:02d}"[:16] for i in range(len(df))])
        for i, nik in enumerate(niks):
            df.loc[i, "nik"] = nik
        df.to_csv(d / "roster.csv", index=False)

    return apply


def _nik_as_number(d: Path) -> None:
    df = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["nik", *df.columns])
    for i, rec in enumerate(df.itertuples(index=False)):
        ws.append([3402011203850000 + i, *rec])
    (d / "roster.csv").unlink()
    wb.save(d / "roster.xlsx")


def _kobo_duplicate_uuid(d: Path) -> None:
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    df.columns = [f"grup/{c}" for c in df.columns]
    df["_uuid"] = [f"uuid-{i}" for i in range(len(df))]
    df.loc[3, "_uuid"] = "uuid-2"
    df.to_csv(d / "survey.csv", index=False)


def _two_columns_for_one_variable(d: Path) -> None:
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    df["rumah_tangga/household_income"] = df["household_income"]
    df.to_csv(d / "survey.csv", index=False)


def _unknown_family(table: str) -> Mutation:
    return _edit(table, 2, "family_id", "F9999-0001")


# (case id, mutation, file name, row, column); row None when the problem is about a whole column (row 1)
CASES: list[tuple[str, Mutation, str, int, str]] = [
    (
        "income_not_a_number",
        _edit("survey", 2, "household_income", "seratus ribu"),
        "survey.csv",
        2,
        "household_income",
    ),
    ("income_ambiguous_comma", _edit("survey", 3, "household_income", "1,250"), "survey.csv", 3, "household_income"),
    ("income_negative", _edit("survey", 4, "household_income", "-5"), "survey.csv", 4, "household_income"),
    ("income_too_large", _edit("survey", 5, "household_income", "300.000.000"), "survey.csv", 5, "household_income"),
    ("revenue_fraction_rupiah", _edit("survey", 2, "business_revenue", "1.5"), "survey.csv", 2, "business_revenue"),
    ("profit_below_range", _edit("survey", 6, "business_profit", "-60.000.000"), "survey.csv", 6, "business_profit"),
    ("savings_text", _edit("survey", 7, "savings", "ada"), "survey.csv", 7, "savings"),
    ("asset_index_out_of_range", _edit("survey", 2, "asset_index", "12"), "survey.csv", 2, "asset_index"),
    ("hours_over_a_week", _edit("survey", 3, "hours_worked", "200"), "survey.csv", 3, "hours_worked"),
    ("fies_above_eight", _edit("survey", 4, "fies_score", "9"), "survey.csv", 4, "fies_score"),
    ("wellbeing_fraction", _edit("survey", 5, "wellbeing_score", "52,5"), "survey.csv", 5, "wellbeing_score"),
    ("binary_two", _edit("survey", 6, "business_operating", "2"), "survey.csv", 6, "business_operating"),
    (
        "binary_word",
        _edit("survey", 7, "receives_social_assistance", "mungkin"),
        "survey.csv",
        7,
        "receives_social_assistance",
    ),
    ("unknown_wave", _edit("survey", 2, "wave", "final"), "survey.csv", 2, "wave"),
    ("missing_wave", _edit("survey", 3, "wave", ""), "survey.csv", 3, "wave"),
    ("impossible_date", _edit("survey", 4, "interview_date", "31/02/2020"), "survey.csv", 4, "interview_date"),
    ("date_before_programme", _edit("survey", 5, "interview_date", "2019-05-01"), "survey.csv", 5, "interview_date"),
    ("date_not_a_date", _edit("survey", 6, "interview_date", "kemarin"), "survey.csv", 6, "interview_date"),
    ("duplicate_family_wave", _copy_row("survey", 2), "survey.csv", 2, "family_id"),
    ("survey_family_not_in_roster", _unknown_family("survey"), "survey.csv", 2, "family_id"),
    ("duplicate_roster_family", _copy_row("roster", 3), "roster.csv", 3, "family_id"),
    ("unknown_region", _edit("roster", 2, "region_code", "9999"), "roster.csv", 2, "region_code"),
    ("unknown_sex", _edit("roster", 3, "head_sex", "wanita"), "roster.csv", 3, "head_sex"),
    ("household_size_missing", _edit("roster", 4, "household_size", ""), "roster.csv", 4, "household_size"),
    ("household_size_fraction", _edit("roster", 5, "household_size", "2,5"), "roster.csv", 5, "household_size"),
    ("head_age_200", _edit("roster", 6, "head_age", "200"), "roster.csv", 6, "head_age"),
    ("missing_village_column", _drop_column("roster", "village"), "roster.csv", 1, "village"),
    ("programme_family_not_in_roster", _unknown_family("programme"), "programme.csv", 2, "family_id"),
    (
        "disbursed_above_planned",
        _edit("programme", 2, "bsimu_disbursed", "5.000.000"),
        "programme.csv",
        2,
        "bsimu_disbursed",
    ),
    (
        "date_without_disbursement",
        _edits(_edit("programme", 3, "bsimu_disbursed", "0"), _edit("programme", 3, "grant_received", "0")),
        "programme.csv",
        3,
        "disbursement_date",
    ),
    ("received_but_nothing", _edit("programme", 4, "bsimu_disbursed", "0"), "programme.csv", 4, "bsimu_disbursed"),
    (
        "disbursement_after_period",
        _edit("programme", 2, "disbursement_date", "2022-01-01"),
        "programme.csv",
        2,
        "disbursement_date",
    ),
    (
        "lpj_maybe",
        _edit("programme", 3, "grant_report_submitted", "maybe"),
        "programme.csv",
        3,
        "grant_report_submitted",
    ),
    ("grant_use_unknown_choice", _edit("programme", 4, "grant_use", "stock cars"), "programme.csv", 4, "grant_use"),
    ("tksk_sessions_30", _edit("programme", 2, "tksk_sessions", "30"), "programme.csv", 2, "tksk_sessions"),
    ("nik_15_digits", _with_niks("340201120385001"), "roster.csv", 2, "nik"),
    ("nik_no_birth_date", _with_niks("3402013102850001"), "roster.csv", 2, "nik"),
    ("nik_duplicate", _with_niks("3402011203850001", "3402011203850001"), "roster.csv", 3, "nik"),
    ("nik_stored_as_number_in_excel", _nik_as_number, "roster.xlsx", 2, "nik"),
    ("kobo_duplicate_submission", _kobo_duplicate_uuid, "survey.csv", 5, "_uuid"),
    ("two_columns_one_variable", _two_columns_for_one_variable, "survey.csv", 1, "rumah_tangga/household_income"),
]


def test_there_are_at_least_thirty_distinct_cases():
    assert len({c[0] for c in CASES}) == len(CASES) >= 30


def _table_line(stderr: str, file: str, row: int, column: str) -> bool:
    for line in stderr.splitlines():
        cells = line.split()
        if file in cells and str(row) in cells and any(c.startswith(column[:24]) for c in cells):
            return True
    return False


@pytest.mark.parametrize(("case", "mutate", "file", "row", "column"), CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, mutate, file, row, column, base, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(ENV_KEY, "bad-input-tests-key-of-thirty-two-characters")
    monkeypatch.setenv("COLUMNS", "160")
    d = tmp_path / "raw"
    shutil.copytree(base, d)
    mutate(d)
    cfg = write_config(tmp_path / "config.toml", d, tmp_path / "out" / "reports")
    code = main(["run", "--config", str(cfg), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert _table_line(err, file, row, column), f"{case}: no line naming {file}, row {row}, column {column}:\n{err}"
    assert not (tmp_path / "out").exists(), "nothing may be written to processed data or reports"
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str, keep_default_na=False)
    hit = problems[(problems["severity"] == "error") & (problems["row"] == str(row))]
    assert column in set(hit["column"]), f"{case}: {hit}"


def test_cli_subprocess_prints_no_traceback(base, tmp_path):
    d = tmp_path / "raw"
    shutil.copytree(base, d)
    _edit("survey", 2, "household_income", "1,250")(d)
    proc = subprocess.run(
        [sys.executable, "-m", "evaluation", "validate", str(d)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "survey.csv" in proc.stderr and "household_income" in proc.stderr
