"""core.keys: the one owner of the results-key format (DESIGN §5)."""

from __future__ import annotations

import pytest

from evaluation.core.keys import is_key, key, prefix, split
from evaluation.core.record import ResultsRecorder


def test_a_key_is_its_parts_joined_by_dots_and_splits_back():
    k = key("3402", "household_income", "did", "ci_low")
    assert k == "3402.household_income.did.ci_low"
    assert split(k) == ("3402", "household_income", "did", "ci_low")
    assert key("national", "sample", "n_families") == "national.sample.n_families"
    assert key("31", "monitoring", "2020-09", "visits") == "31.monitoring.2020-09.visits"  # periods keep their dash
    assert key(3402, "x", 1) == "3402.x.1"  # parts are converted with str


@pytest.mark.parametrize("bad", ["a.b", "", "with space", "ümlaut", "x/y"])
def test_a_part_that_would_shift_the_fields_is_refused(bad):
    with pytest.raises(ValueError, match="results key part"):
        key("3402", bad, "did")


def test_fewer_than_three_parts_is_refused_and_split_checks_its_input():
    with pytest.raises(ValueError, match="fewer than three parts"):
        key("3402", "sample")
    with pytest.raises(ValueError, match="not a results key"):
        split("3402.sample")
    assert not is_key("3402..x") and is_key("3402.sample.n")


def test_prefix_selects_exactly_the_keys_below_it():
    keys = ["3402.balance.joint.p_value", "3402.balance_x.y", "3402.balance.age.p_value", "31.balance.joint.p_value"]
    p = prefix("3402", "balance")
    assert p == "3402.balance."
    assert [k for k in keys if k.startswith(p)] == ["3402.balance.joint.p_value", "3402.balance.age.p_value"]


def test_the_recorder_refuses_what_the_key_builder_would_refuse():
    rec = ResultsRecorder()
    with pytest.raises(ValueError):
        rec.add("3402.sample", 1)
    rec.add(key("3402", "sample", "n"), 1)
    assert rec.as_dict() == {"3402.sample.n": 1}
