"""results.json: flat dotted keys, sorted, no NaN, byte-identical for identical content (DESIGN §5)."""

from __future__ import annotations

import json
import math

import pytest

from evaluation.core.record import ResultsRecorder, dumps_results, merge_results, read_results
from evaluation.stats.results import Estimate


def _estimate(**kw) -> Estimate:
    base = dict(
        estimate=1.5,
        se=0.5,
        ci_low=0.5,
        ci_high=2.5,
        p_value=0.01,
        n_obs=20,
        n_units=10,
        n_clusters=None,
        method="pre_post",
        outcome="household_income",
        vcov="HC1",
        df_resid=9,
        alpha=0.05,
        n_dropped=0,
        design="panel",
    )
    base.update(kw)
    return Estimate(**base)


def test_keys_are_sorted_and_text_is_canonical(tmp_path):
    r = ResultsRecorder()
    r.add("3402.sample.n_families", 200)
    r.add("31.household_income.did.estimate", 1.25)
    r.add("3217.meta.synthetic", True)
    path = r.write(tmp_path / "results.json")
    text = path.read_text()
    assert list(json.loads(text)) == sorted(json.loads(text))
    assert text == dumps_results(
        {"3217.meta.synthetic": True, "31.household_income.did.estimate": 1.25, "3402.sample.n_families": 200}
    )
    assert read_results(path)["3402.sample.n_families"] == 200


def test_nan_and_infinity_are_refused():
    r = ResultsRecorder()
    with pytest.raises(ValueError, match="not finite"):
        r.add("3402.x.did.se", math.nan)
    with pytest.raises(ValueError, match="not finite"):
        r.add("3402.x.did.se", math.inf)


def test_bad_keys_and_types_are_refused():
    r = ResultsRecorder()
    with pytest.raises(ValueError, match="not of the form"):
        r.add("estimate", 1.0)
    with pytest.raises(TypeError):
        r.add("3402.x.did.estimate", [1, 2])


def test_same_key_twice_must_agree():
    r = ResultsRecorder()
    r.add("3402.sample.n_families", 200)
    r.add("3402.sample.n_families", 200)
    with pytest.raises(ValueError, match="recorded twice"):
        r.add("3402.sample.n_families", 199)


def test_estimate_fields_become_dotted_keys_and_none_is_skipped():
    r = ResultsRecorder()
    r.add_estimate("3402", _estimate())
    d = r.as_dict()
    assert d["3402.household_income.pre_post.estimate"] == 1.5
    assert d["3402.household_income.pre_post.vcov"] == "HC1"
    assert "3402.household_income.pre_post.n_clusters" not in d  # None: not clustered


def test_merge_refuses_disagreeing_notebooks():
    assert merge_results([{"a.b.c": 1}, {"a.b.c": 1, "d.e.f": 2}]) == {"a.b.c": 1, "d.e.f": 2}
    with pytest.raises(ValueError, match="differs"):
        merge_results([{"a.b.c": 1}, {"a.b.c": 2}])


def test_negative_zero_is_written_as_zero():
    assert dumps_results({"a.b.c": -0.0}) == dumps_results({"a.b.c": 0.0})
