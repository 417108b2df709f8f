"""Intake derives the indicators from the questions an export holds (issue 12)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from evaluation.intake.derive import Item, evaluate
from evaluation.intake.pipeline import ValidationFailed, prepare, read_intake
from evaluation.intake.questions import load_questions, parse_formula
from evaluation.synthetic.demo import OUTCOMES, generate


@pytest.fixture(scope="module")
def small():
    return generate(families_per_region=12, comparison_per_region=12, seed=7)


def _tables(d):
    return {t: pd.read_csv(d / f"{t}.csv") for t in ("roster", "programme", "survey")}


def test_items_alone_give_the_indicators_of_the_old_shape(tmp_path, small):
    """Questions only (no indicator column), questions and indicators, and indicators only: the same tables."""
    items_only = small.write(tmp_path / "raw" / "items_only")
    df = pd.read_csv(items_only / "survey.csv", dtype=str, keep_default_na=False)
    df.drop(columns=list(OUTCOMES)).to_csv(items_only / "survey.csv", index=False)
    both = small.write(tmp_path / "raw" / "both")
    old = dataclasses.replace(small, items=None).write(tmp_path / "raw" / "old")
    assert "fies_1" not in pd.read_csv(old / "survey.csv").columns
    out = {name: _tables(prepare(d, tmp_path / "processed")[0]) for name, d in
           (("items_only", items_only), ("both", both), ("old", old))}  # fmt: skip
    for t in ("roster", "programme", "survey"):
        pd.testing.assert_frame_equal(out["items_only"][t], out["old"][t])
        pd.testing.assert_frame_equal(out["both"][t], out["old"][t])
    intake = read_intake(items_only)
    assert {"indicators_derived", "dk_refused"} <= {p.rule for p in intake.report.notes}


def test_disagreeing_indicator_and_items_is_a_warning_naming_both_and_the_exports_value_is_kept(tmp_path, small):
    """A total the export delivers is never overwritten by the value computed from the answers.

    The device's calculate, or a data manager's correction, is kept; the disagreement is a warning per row naming
    both, counted for the report.
    """
    from evaluation.intake.pseudonymise import ENV_KEY

    d = small.write(tmp_path / "raw")
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    i = int(np.flatnonzero((df["fies_score"] != "").to_numpy())[0])
    changed = (int(df.loc[i, "fies_score"]) + 1) % 9
    df.loc[i, "fies_score"] = str(changed)
    df.to_csv(d / "survey.csv", index=False)
    intake = read_intake(d)
    assert not intake.report.errors
    hit = [p for p in intake.report.warnings if p.rule == "indicator_mismatch"]
    assert len(hit) == 1 and hit[0].row == i + 2 and hit[0].column == "fies_score"
    assert "fies_1" in hit[0].message and "fies_8" in hit[0].message and "export's value is used" in hit[0].message
    quality = intake.report.data_quality()
    assert quality[(quality["rule"] == "indicator_mismatch")]["count"].sum() == 1
    survey = intake.tables["survey"]
    row = survey.index[survey["_row"] == i + 2][0]
    assert int(survey.at[row, "fies_score"]) == changed  # the export's value, as delivered
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_KEY, "derive-test-key-4f9c2e7a1b8d3c6e5a0f")
        out, _ = prepare(d, tmp_path / "processed")
    before = pd.read_csv(small.write(tmp_path / "raw0") / "survey.csv", dtype=str, keep_default_na=False)
    processed = pd.read_csv(out / "survey.csv")
    # one family's score moved from its computed value to the delivered one, nothing else changed
    counts = processed["fies_score"].value_counts().sort_index()
    expected = before["fies_score"].replace("", np.nan).dropna().astype(int).value_counts().sort_index()
    expected.loc[changed] = expected.get(changed, 0) + 1
    expected.loc[changed - 1 if changed else 8] -= 1
    pd.testing.assert_series_equal(counts, expected[expected > 0], check_names=False, check_index_type=False)


def test_dont_know_codes_are_missing_and_impossible_answers_are_errors(tmp_path, small):
    d = small.write(tmp_path / "raw")
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    df.loc[0, "savings_cash"] = "-99"  # refused: savings becomes missing (its column emptied, as the form would)
    df.loc[0, "savings"] = ""
    df.to_csv(d / "survey.csv", index=False)
    out, _ = prepare(d, tmp_path / "processed")
    got = pd.read_csv(out / "survey.csv")
    assert got["savings"].isna().sum() == small.survey["savings"].isna().sum() + 1
    df.loc[1, "who5_3"] = "7"  # not an answer of the WHO-5 scale
    df.loc[2, "food_cereals"] = "-5"  # below the hard range, not a code
    df.to_csv(d / "survey.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        prepare(d, tmp_path / "processed2")
    rules = {(p.rule, p.row, p.column) for p in err.value.report.errors}
    assert ("question_choice", 3, "who5_3") in rules and ("question_range", 4, "food_cereals") in rules


def test_a_refused_interview_is_recorded_not_analysed(tmp_path, small):
    d = small.write(tmp_path / "raw")
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    items = [c for c in small.items.columns if c not in ("enumerator_code", "supervisor_code", "consent")]
    df.loc[0, "consent"] = "0"
    df.loc[0, items + list(OUTCOMES)] = ""
    df.to_csv(d / "survey.csv", index=False)
    out, intake = prepare(d, tmp_path / "processed")
    assert len(pd.read_csv(out / "survey.csv")) == len(small.survey) - 1
    assert [p.count for p in intake.report.notes if p.rule == "interview_refused"] == [1]


def test_partial_items_are_an_error(tmp_path, small):
    d = small.write(tmp_path / "raw")
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    df.drop(columns=["who5_5"]).to_csv(d / "survey.csv", index=False)
    with pytest.raises(ValidationFailed) as err:
        prepare(d, tmp_path / "processed")
    hit = [p for p in err.value.report.errors if p.rule == "incomplete_items"]
    assert hit and "who5_5" in hit[0].column and "wellbeing_score" in hit[0].message


def test_formula_semantics():
    def item(values, dk=()):
        v = np.array(values, dtype=float)
        return Item(value=v, blank=np.isnan(v) & ~np.isin(np.arange(v.size), dk), dk=np.isin(np.arange(v.size), dk))

    items = {"a": item([1, np.nan, 2, np.nan], dk=[3]), "b": item([0, 1, np.nan, 1])}
    np.testing.assert_array_equal(evaluate(parse_formula("sum(a, b)"), items), [1, 1, 2, np.nan])
    np.testing.assert_array_equal(evaluate(parse_formula("count(1, a, b)"), items), [1, 1, 0, np.nan])
    np.testing.assert_array_equal(evaluate(parse_formula("any(1, a, b)"), items), [1, 1, 0, 1])
    np.testing.assert_array_equal(evaluate(parse_formula("a - b"), items), [1, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(evaluate(parse_formula("coalesce(a - b, 4 * b)"), items), [1, 4, np.nan, 4])
    np.testing.assert_array_equal(evaluate(parse_formula("(a * 30 / 7 + b) / 2"), items)[:1], [(30 / 7) / 2])


def test_every_indicator_formula_uses_survey_questions_only():
    bank = load_questions()
    survey = {q.name for q in bank.form("survey")}
    for ind in bank.indicators:
        assert set(ind.tree.names()) <= survey, ind.name


def test_the_latest_monitoring_visit_of_a_family_is_used(tmp_path, small):
    from evaluation.synthetic.kobo import write_kobo_demo

    d = write_kobo_demo(small, tmp_path / "kobo")
    ref, _ = prepare(d, tmp_path / "processed_ref")
    mon = pd.read_csv(d / "monitoring.csv", dtype=str, keep_default_na=False)
    earlier = mon.iloc[:3].copy()
    earlier["identitas/visit_round"] = "1"
    earlier["pendampingan/tksk_sessions"] = "0"
    earlier["_uuid"] = earlier["_uuid"] + "-r1"
    pd.concat([earlier, mon]).to_csv(d / "monitoring.csv", index=False)
    out, intake = prepare(d, tmp_path / "processed")
    assert (out / "programme.csv").read_bytes() == (ref / "programme.csv").read_bytes()
    assert [p.count for p in intake.report.notes if p.rule == "earlier_visits"] == [3]


def test_a_question_held_twice_is_refused_naming_the_columns(tmp_path, small):
    d = small.write(tmp_path / "raw")
    lines = (d / "survey.csv").read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("fies_2", "fies_1")
    (d / "survey.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        prepare(d, tmp_path / "processed")
    hit = [p for p in err.value.report.errors if p.rule == "duplicate_column"]
    assert hit and hit[0].column == "fies_1" and "fies_1" in hit[0].message


def test_a_lost_answer_makes_the_sum_missing_never_zero(tmp_path, small):
    """An answer asked of everyone (required, no relevance) left empty is lost, not 0.

    The indicator is missing there, with a warning naming the question; an answer not asked (relevance false)
    still counts 0.
    """
    d = small.write(tmp_path / "raw")
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    i = int(np.flatnonzero(((df["income_wages"] != "") & (df["income_wages"] != "0")).to_numpy())[0])
    df.loc[i, ["income_wages", "household_income"]] = ""  # cleared by hand, total too
    j = int(np.flatnonzero((df["fies_3"] != "").to_numpy())[0])
    df.loc[j, ["fies_3", "fies_score"]] = ""
    df.to_csv(d / "survey.csv", index=False)
    intake = read_intake(d)
    survey = intake.tables["survey"].set_index("_row")
    assert pd.isna(survey.at[i + 2, "household_income"]) and pd.isna(survey.at[j + 2, "fies_score"])
    lost = {p.column: p for p in intake.report.warnings if p.rule == "item_lost"}
    assert lost["income_wages"].row == i + 2 and lost["fies_3"].row == j + 2
    # a family without a running business was not asked its business income: its household income is computed
    not_asked = (df["income_business"] == "") & (df["income_wages"] != "")
    assert not_asked.any()
    k = int(np.flatnonzero(not_asked.to_numpy())[0])
    assert not pd.isna(survey.at[k + 2, "household_income"])


def test_sentinel_like_computed_values_are_values_and_markers_in_questions_are_empty(tmp_path, small):
    """98 hours computed from 56 + 42 is a long week, not the codebook's don't-know code 98 of hours_worked.

    A missing marker typed in a question column is an empty answer, counted, never a type error.
    """
    d = small.write(tmp_path / "raw")
    df = pd.read_csv(d / "survey.csv", dtype=str, keep_default_na=False)
    i = int(np.flatnonzero((df["other_work_hours"] != "").to_numpy())[0])
    df.loc[i, ["business_hours", "other_work_hours"]] = ["56", "42"] if df.loc[i, "business_hours"] != "" else [
        "", "98"]
    df.loc[i, "hours_worked"] = "98"
    j = int(np.flatnonzero((df["food_other"] != "").to_numpy())[1])
    df.loc[j, "food_other"] = "n/a"
    df.loc[j, "consumption_per_capita"] = ""
    df.to_csv(d / "survey.csv", index=False)
    intake = read_intake(d)
    assert not intake.report.errors
    survey = intake.tables["survey"].set_index("_row")
    assert survey.at[i + 2, "hours_worked"] == 98
    assert any(p.rule == "missing_marker" and p.column == "food_other" for p in intake.report.notes)
    assert pd.isna(survey.at[j + 2, "consumption_per_capita"])  # food_other is asked of everyone: lost
