"""The doubly robust DiD of a scope (every outcome, the plan's covariates) and the plan's estimator keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.core.errors import UserError
from evaluation.core.plan import DEFAULT_PLAN, load_plan
from evaluation.estimators import drdid
from evaluation.stats.effects import covariate_columns, doubly_robust_did
from tests.stats.designs import DEMO_DESIGN

DESIGN = DEMO_DESIGN


def _panel(seed: int = 9, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    edu = rng.choice(["none", "primary", "secondary", "tertiary"], n, p=[0.2, 0.4, 0.39, 0.01])
    age = rng.normal(44, 10, n)
    index = -0.3 + 0.6 * (edu == "secondary") - 0.02 * (age - 44)
    d = (rng.random(n) < 1 / (1 + np.exp(-index))).astype(int)
    y0 = 100 + 3 * (edu == "secondary") + rng.normal(0, 5, n)
    y1 = y0 + 4 + 6 * (edu == "secondary") + 2.0 * d + rng.normal(0, 5, n)
    flat = np.full(n, 7.0)
    return pd.DataFrame(
        {
            "family_id": np.repeat(np.arange(n), 2),
            "wave": np.tile(["baseline", "endline"], n),
            "treated": np.repeat(d, 2),
            "village": np.repeat(rng.integers(0, 20, n).astype(str), 2),
            "head_age": np.repeat(age, 2),
            "head_education": np.repeat(edu, 2),
            "income": np.column_stack([y0, y1]).ravel(),
            "flat": np.repeat(flat, 2),
        }
    )


def test_covariate_columns_indicators_and_rare_levels():
    pan = _panel()
    out, names = covariate_columns(pan, DESIGN, ["head_age", "head_education"])
    base = pan[pan["wave"] == "baseline"]
    counts = base.groupby(["head_education", "treated"]).size().unstack(fill_value=0).min(axis=1)
    expected = [f"head_education_{lv}" for lv in ["primary", "secondary", "tertiary"] if counts[lv] >= 5]
    assert names == ("head_age", *expected)  # "none" is the reference; a level under 5 families of an arm merged
    assert "head_education_tertiary" not in names  # 1% of 400 families: fewer than 5 in an arm
    end = out[out["wave"] == "endline"]
    assert (end["head_education_secondary"].to_numpy() == (end["head_education"] == "secondary").to_numpy()).all()


def test_doubly_robust_did_of_a_scope_equals_the_estimator_and_records_keys():
    pan = _panel()
    eff, used = doubly_robust_did(pan, "s", ["income", "flat"], DESIGN, ["head_age", "head_education"])
    out, names = covariate_columns(pan, DESIGN, ["head_age", "head_education"])
    direct = drdid(out, "income", "family_id", "wave", "treated", "baseline", "endline", names, cluster="village")
    assert used == names
    assert eff.estimates["income"].estimate == pytest.approx(direct.estimate, rel=1e-12)
    assert eff.estimates["income"].se == pytest.approx(direct.se, rel=1e-12)
    keys = eff.keys("s")
    assert keys["s.income.drdid.estimate"] == pytest.approx(direct.estimate)
    assert keys["s.income.drdid.vcov"] == "IF-cluster"
    assert keys["s.flat.drdid.reason"] == "no_variation"  # a constant outcome: a reason, no numbers
    assert not any(k.startswith("s.flat.drdid.estimate") for k in keys)


def test_doubly_robust_did_of_a_scope_without_overlap_says_so():
    pan = _panel()
    pan["only_prokus"] = np.where(pan["treated"] == 1, np.where(pan["family_id"] % 2 == 0, "a", "b"), "a")
    eff, _ = doubly_robust_did(pan, "s", ["income"], DESIGN, ["only_prokus"])
    # level "b" occurs among ProKUS families only: fewer than 5 comparison families, merged into the reference,
    # so the estimate exists; forced in as a numeric indicator it has no overlap
    assert "income" in eff.estimates
    pan["only_prokus_b"] = (pan["only_prokus"] == "b").astype(float)
    eff, _ = doubly_robust_did(pan, "s", ["income"], DESIGN, ["only_prokus_b"])
    assert eff.reasons["income"].reason == "no_overlap"
    assert eff.keys("s")["s.income.drdid.status"].startswith("not estimable")


def test_plan_states_the_primary_estimator_and_its_checks(tmp_path):
    plan = load_plan(None)
    assert plan.estimator == "did" and plan.checks == ("drdid", "ancova")
    text = DEFAULT_PLAN.read_text(encoding="utf-8")
    bad = tmp_path / "plan.toml"
    bad.write_text(text.replace('estimator = "did"', 'estimator = "drdid"'), encoding="utf-8")
    with pytest.raises(UserError, match="estimator"):
        load_plan(bad)
    bad.write_text(text.replace('checks = ["drdid", "ancova"]', 'checks = ["drdid", "ols"]'), encoding="utf-8")
    with pytest.raises(UserError, match="ols"):
        load_plan(bad)
