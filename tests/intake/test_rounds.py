"""Intake of monitoring rounds (issue 17): stacking round exports, cross-round rules, pseudonyms.

Each damaged copy of the synthetic rounds must fail with one clear error naming the file, row, column, rule and
what to do (a UserError, exit code 2 in the CLI), and the fix must never ask to delete a visit.
"""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest

from evaluation.core.errors import UserError
from evaluation.core.monitoring_plan import load_monitoring_plan
from evaluation.intake.pseudonymise import DEMO_KEY, Key, pseudonym
from evaluation.intake.rounds import read_rounds, round_files
from evaluation.synthetic.demo import generate
from evaluation.synthetic.rounds import ROUNDS_DIR

KEY = Key(DEMO_KEY, "public demo key (test)", demo=True)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    data = generate(families_per_region=30, comparison_per_region=10, seed=7)
    out = tmp_path_factory.mktemp("small") / "demo"
    dataclasses.replace(data, rounds=True).write(out)
    return data, out / ROUNDS_DIR


@pytest.fixture
def copy(small, tmp_path):
    data, folder = small
    dst = tmp_path / "rounds"
    shutil.copytree(folder, dst)
    return data, dst


def _edit(path, row, column, value):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 2, column] = value  # file row 2 is the first record
    df.to_csv(path, index=False, lineterminator="\n")


def _error(folder, data):
    with pytest.raises(UserError) as exc:
        read_rounds(folder, load_monitoring_plan(), KEY, roster=data.roster)
    text = str(exc.value)
    assert "delete" not in text.replace("do not delete", "")
    return exc.value


def test_rounds_are_stacked_and_pseudonymous(small):
    data, folder = small
    plan = load_monitoring_plan()
    visits = read_rounds(folder, plan, KEY, roster=data.roster)
    assert len(round_files(folder)) == len(plan.periods)
    assert sorted(visits["period"].unique()) == list(plan.periods)
    assert not visits.duplicated(["family_id", "period"]).any()
    raw_ids = set(data.programme["family_id"])
    assert raw_ids.isdisjoint(set(visits["family_id"]))
    assert set(visits["family_id"]) <= {pseudonym(f, KEY, "family") for f in raw_ids}
    assert all(o.startswith("P") and len(o) == 21 for o in visits["officer"])  # keyed pseudonyms, not P101
    exported = pd.read_csv(folder / "monitoring_2020-08.csv", dtype=str)
    assert set(exported["identitas/officer_code"]).isdisjoint(set(visits["officer"]))
    assert set(visits["region_code"]) == set(data.roster["region_code"])


def test_round_file_submitted_twice(copy):
    data, folder = copy
    shutil.copyfile(folder / "monitoring_2020-09.csv", folder / "monitoring_2020-09 (1).csv")
    err = _error(folder, data)
    assert err.rule == "round_submitted_twice"
    assert "monitoring_2020-09" in err.file and err.row == 2
    assert "move" in err.fix and "keep a copy" in err.fix


def test_family_twice_in_one_round(copy):
    data, folder = copy
    path = folder / "monitoring_2020-10.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    second = df.iloc[[0]].copy()
    second["_uuid"] = "00000000-0000-4000-8000-000000000000"
    pd.concat([df, second]).to_csv(path, index=False, lineterminator="\n")
    err = _error(folder, data)
    assert err.rule == "round_submitted_twice"
    assert err.column == "identitas/visit_round" and err.row == len(df) + 2


def test_cumulative_grant_never_falls(copy):
    data, folder = copy
    last = folder / "monitoring_2021-02.csv"
    df = pd.read_csv(last, dtype=str, keep_default_na=False)
    row = int(df.index[df["bantuan/bsimu_disbursed"] == "3500000"][0]) + 2
    _edit(last, row, "bantuan/bsimu_disbursed", "350000")
    err = _error(folder, data)
    assert err.rule == "cumulative_never_falls"
    assert err.file.endswith("monitoring_2021-02.csv") and err.row == row
    assert err.column == "bantuan/bsimu_disbursed"
    assert "3500000" in err.message and "350000" in err.message


def test_visit_dates_move_forward(copy):
    data, folder = copy
    path = folder / "monitoring_2020-11.csv"
    _edit(path, 3, "identitas/visit_date", "2020-09-01")
    err = _error(folder, data)
    assert err.rule == "dates_move_forward"
    assert err.file.endswith("monitoring_2020-11.csv") and err.row == 3 and err.column == "identitas/visit_date"


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("identitas/visit_round", "9", "round_in_plan"),
        ("identitas/visit_date", "12/31/2020", "date_format"),
        ("pendampingan/tksk_sessions", "dua", "whole_number"),
        ("bantuan/grant_received", "maybe", "yes_no"),
        ("identitas/family_id", "F99-9999", "family_in_roster"),
        ("identitas/officer_code", "", "required"),
        ("tindak_lanjut/problems_observed", "grant_not_received nama_ibu", "choice_in_list"),
        ("tindak_lanjut/follow_up_agreed", "none remind_lpj", "none_alone"),
    ],
)
def test_bad_cells(copy, column, value, rule):
    data, folder = copy
    _edit(folder / "monitoring_2020-08.csv", 4, column, value)
    err = _error(folder, data)
    assert err.rule == rule
    assert err.file.endswith("monitoring_2020-08.csv") and err.row == 4
    assert err.fix


def test_missing_question_column(copy):
    data, folder = copy
    path = folder / "monitoring_2020-12.csv"
    pd.read_csv(path, dtype=str).drop(columns=["pendampingan/tksk_sessions"]).to_csv(path, index=False)
    err = _error(folder, data)
    assert err.rule == "round_columns" and err.column == "tksk_sessions"


# Planted family rule of the truth file -> the code the visit records (choice lists masalah, tindak_lanjut).
PROBLEM = {"grant_late": "grant_not_received", "lpj_overdue": "lpj_not_made", "business_closed": "business_closed",
           "sessions_low": "sessions_missed"}  # fmt: skip
FOLLOW = {"grant_late": "contact_bank", "lpj_overdue": "remind_lpj", "business_closed": "business_mentoring",
          "sessions_low": "repeat_visit"}  # fmt: skip


def test_problems_observed_are_the_planted_problems(small):
    """Each visit records exactly the family problems the truth file plants on it, and 'none' otherwise."""
    data, folder = small
    visits = read_rounds(folder, load_monitoring_plan(), KEY, roster=data.roster)
    truth = pd.read_csv(folder / "truth_rounds.csv", dtype=str)
    fam = truth[truth["unit"] == "family"].copy()
    fam["family_id"] = [pseudonym(f, KEY, "family") for f in fam["id"]]
    order = list(PROBLEM)
    for v in visits.itertuples(index=False):
        rules = set(fam.loc[(fam["period"] == v.period) & (fam["family_id"] == v.family_id), "rule"])
        planted = [r for r in order if r in rules]
        assert v.problems_observed == (" ".join(PROBLEM[r] for r in planted) or "none")
        assert v.follow_up_agreed == (" ".join(FOLLOW[r] for r in planted) or "none")
    found = visits["problems_observed"] != "none"
    assert 0 < found.sum() < len(visits)  # the demo plants some problems, not on every visit
    assert set(visits["business_operating"]) == {0, 1}


def test_problems_exported_one_column_per_choice(copy):
    """The same answers exported as one 0/1 column per choice (KoboToolbox's other layout) read the same."""
    data, folder = copy
    plan = load_monitoring_plan()
    before = read_rounds(folder, plan, KEY, roster=data.roster)
    path = folder / "monitoring_2020-10.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    codes = ["none", "grant_not_received", "lpj_not_made", "business_closed", "sessions_missed", "business_loss",
             "health_family", "other"]  # fmt: skip
    for code in codes:
        df[f"tindak_lanjut/problems_observed/{code}"] = [
            str(int(code in a.split())) for a in df["tindak_lanjut/problems_observed"]
        ]
    df.drop(columns=["tindak_lanjut/problems_observed"]).to_csv(path, index=False, lineterminator="\n")
    after = read_rounds(folder, plan, KEY, roster=data.roster)
    pd.testing.assert_frame_equal(before, after)
    assert (after.loc[after["period"] == "2020-10", "problems_observed"] != "none").any()
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[2, "tindak_lanjut/problems_observed/none"] = "1"
    df.loc[2, "tindak_lanjut/problems_observed/other"] = "1"
    df.to_csv(path, index=False, lineterminator="\n")
    err = _error(folder, data)
    assert err.rule == "none_alone" and err.row == 4 and err.column == "tindak_lanjut/problems_observed/none"


def test_rounds_without_problem_columns_still_read(copy):
    """An export of an older form version without the two select_multiple questions is read; they are left out."""
    data, folder = copy
    for path in round_files(folder):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        df.drop(columns=["tindak_lanjut/problems_observed", "tindak_lanjut/follow_up_agreed"]).to_csv(
            path, index=False, lineterminator="\n"
        )
    visits = read_rounds(folder, load_monitoring_plan(), KEY, roster=data.roster)
    assert "problems_observed" not in visits and "follow_up_agreed" not in visits
    assert len(visits) > 0
