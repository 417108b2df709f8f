"""Attrition: Lee bounds, trimming, Imbens-Manski intervals, IPW and the differential-attrition test.

Lee (2009) bounds are checked on constructed examples with exactly known bounds and against scipy's trimming;
Imbens and Manski (2004) intervals against their limiting critical values; statsmodels for the clustered test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from evaluation.core.config import DesignSettings, select_scope
from evaluation.stats.attrition import (
    attrition_rates,
    differential_attrition,
    imbens_manski,
    ipw_did,
    lee_bounds,
    lee_bounds_did,
    trimmed_mean,
)
from evaluation.stats.effects import sample_summary

DESIGN = DesignSettings()
EXACT = 1e-12


def test_lee_bounds_constructed_example_integer_trim():
    """Known exactly: q = 0.2, lower = mean(1..8) - 2 = 2.5, upper = mean(3..10) - 2 = 4.5.

    Treated 1..10 all observed; comparison 8 of 10 observed, their mean 2.
    """
    y = np.r_[np.arange(1.0, 11.0), [1, 3, 1, 3, 1, 3, 1, 3, 99, 99]]
    t = np.r_[np.ones(10), np.zeros(10)]
    obs = np.r_[np.ones(10), np.ones(8), np.zeros(2)].astype(bool)
    b = lee_bounds(y, t, obs)
    assert b.trim_share == pytest.approx(0.2, abs=EXACT)
    assert b.trimmed_group == "prokus"
    assert b.lower == pytest.approx(2.5, abs=EXACT) and b.upper == pytest.approx(4.5, abs=EXACT)


def test_lee_bounds_constructed_example_fractional_trim_and_comparison_trimmed():
    """Known exactly: q = 0.15 trims 1.5 of 10 treated values, so lower = (1+...+8 + 0.5*9)/8.5.

    Swapping the groups trims the comparison group and flips the signs of the bounds.
    """
    y = np.r_[np.arange(1.0, 11.0), np.zeros(20)]
    t = np.r_[np.ones(10), np.zeros(20)]
    obs = np.r_[np.ones(10), np.ones(17), np.zeros(3)].astype(bool)
    b = lee_bounds(y, t, obs)
    assert b.trim_share == pytest.approx(0.15, abs=EXACT)
    assert b.lower == pytest.approx((36 + 4.5) / 8.5, abs=EXACT)
    assert b.upper == pytest.approx((0.5 * 2 + 52) / 8.5, abs=EXACT)  # drop 1 and half of 2: (0.5*2 + 3+...+10)
    b2 = lee_bounds(y, 1 - t, obs)
    assert b2.trimmed_group == "comparison"
    assert b2.lower == pytest.approx(-b.upper, abs=EXACT) and b2.upper == pytest.approx(-b.lower, abs=EXACT)


def test_trimmed_mean_matches_scipy_trim1():
    """Library: for whole-observation trimming, scipy.stats.trim1 gives the same trimmed means."""
    rng = np.random.default_rng(3)
    y = rng.normal(size=40)
    w = np.ones(40)
    for share in (0.1, 0.25, 0.5):
        assert trimmed_mean(y, w, share, "top") == pytest.approx(stats.trim1(y, share, tail="right").mean())
        assert trimmed_mean(y, w, share, "bottom") == pytest.approx(stats.trim1(y, share, tail="left").mean())


def test_imbens_manski_hand_values():
    """Width 0: the usual two-sided 1.96; very wide: one-sided 1.645 (Imbens and Manski 2004, section 4)."""
    lo, hi = imbens_manski(1.0, 1.0, 0.5, 0.5)
    assert (1 - lo) / 0.5 == pytest.approx(stats.norm.ppf(0.975), rel=1e-6)
    lo, hi = imbens_manski(0.0, 100.0, 1.0, 1.0)
    assert -lo == pytest.approx(stats.norm.ppf(0.95), rel=1e-6) and hi - 100 == pytest.approx(-lo)


def test_rates_and_differential_attrition_agree_with_sample_summary(demo):
    """The regression difference equals analysis.sample_summary's rates; p is statsmodels' clustered t test."""
    pan = select_scope(demo.panel, "3402")
    table, _ = sample_summary(pan, select_scope(demo.roster, "3402"), "3402", DESIGN)
    keys = differential_attrition(pan, "3402", DESIGN, ["household_size", "head_age", "head_sex"])
    assert keys["3402.attrition.difference.estimate"] == pytest.approx(
        table["attrition"].iloc[0] - table["attrition"].iloc[1], abs=EXACT
    )
    _, rkeys = attrition_rates(pan, "3402", DESIGN, ["head_sex"])
    assert rkeys["3402.attrition.all_all.prokus"] == pytest.approx(table["attrition"].iloc[0], abs=EXACT)
    base = pan[pan["wave"] == "baseline"].reset_index(drop=True)
    a = (~base["family_id"].isin(set(pan.loc[pan["wave"] == "endline", "family_id"]))).astype(float)
    fit = sm.OLS(a, sm.add_constant(base["treated"].astype(float))).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(base["village"])[0]}, use_t=True
    )
    assert keys["3402.attrition.difference.p_value"] == pytest.approx(fit.pvalues["treated"], rel=1e-8)


def _attrition_panel(seed: int, n: int = 1200, G: int = 60) -> tuple[pd.DataFrame, float]:
    """Panel where attrition biases the DiD; returns it and the true ATT over all treated families.

    Effect 1 for old heads, 3 for young; young treated heads attrit with probability 0.5, everyone else 0.05:
    the unweighted DiD is biased, IPW on head age is not.
    """
    rng = np.random.default_rng(seed)
    vil = rng.integers(0, G, n)
    t = (rng.random(n) < 0.5).astype(int)
    young = rng.random(n) < 0.4
    age = np.where(young, rng.uniform(20, 34, n), rng.uniform(35, 70, n))
    effect = np.where(young, 3.0, 1.0)
    y0 = rng.normal(size=n) + rng.normal(size=G)[vil] * 0.3
    y1 = y0 + 0.5 + effect * t + rng.normal(size=n)
    stay = rng.random(n) > np.where((t == 1) & young, 0.5, 0.05)
    ids = np.array([f"F{i:05d}" for i in range(n)])
    common = {
        "village": np.array([f"V{v}" for v in vil]),
        "treated": t,
        "region_code": "R",
        "household_size": rng.integers(1, 7, n).astype(float),
        "head_age": age,
        "head_sex": np.where(rng.random(n) < 0.3, "female", "male"),
    }
    b = pd.DataFrame({"family_id": ids, "wave": "baseline", "y": y0, **common})
    e = pd.DataFrame({"family_id": ids, "wave": "endline", "y": y1, **common})[stay]
    return pd.concat([b, e], ignore_index=True).sort_values(["family_id", "wave"]), float(effect[t == 1].mean())


@pytest.mark.slow
def test_ipw_removes_attrition_bias_and_lee_bounds_cover():
    """Simulation with known truth: IPW is unbiased, the unweighted DiD is not, Lee's interval covers.

    The effect on always-observed families (observed whatever their group; the programme only lowers the
    observation rate of young heads, so monotonicity holds) is (0.6*0.95*1 + 0.4*0.5*3) / (0.6*0.95 + 0.4*0.5).
    """
    ipw_err, raw_err, lee_cover = [], [], []
    for s in range(60):
        pan, att = _attrition_panel(s)
        t, _ = ipw_did(pan, "R", ["y"], DESIGN, ["head_age"])
        ipw_err.append(t["estimate"].iloc[0] - att)
        fd = pan.pivot(index="family_id", columns="wave", values="y").dropna()
        tr = pan.drop_duplicates("family_id").set_index("family_id")["treated"].reindex(fd.index)
        d = fd["endline"] - fd["baseline"]
        raw_err.append(d[tr == 1].mean() - d[tr == 0].mean() - att)
        lee, _ = lee_bounds_did(pan, "R", ["y"], DESIGN, n_boot=99, seed=s)
        always = (0.6 * 0.95 * 1 + 0.4 * 0.5 * 3) / (0.6 * 0.95 + 0.4 * 0.5)
        lee_cover.append(lee["ci_low"].iloc[0] <= always <= lee["ci_high"].iloc[0])
    assert abs(np.mean(ipw_err)) < 0.05
    assert np.mean(raw_err) < -0.15  # young (large-effect) treated families were lost
    assert np.mean(lee_cover) >= 0.95


def test_lee_bounds_did_on_demo(demo):
    """Keys of every outcome; lower <= upper; the bounds bracket the plain DiD when no trimming is needed."""
    pan = select_scope(demo.panel, "3217")
    table, keys = lee_bounds_did(pan, "3217", ["household_income", "asset_index"], DESIGN, n_boot=49, seed=1)
    assert (table["lower"] <= table["upper"]).all()
    assert (table["ci_low"] <= table["lower"]).all() and (table["ci_high"] >= table["upper"]).all()
    assert "3217.household_income.lee.lower" in keys
