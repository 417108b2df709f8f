"""Sampling weights in the balance table and the power calculation: hand examples and statsmodels WLS."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.stats.balance import balance_table, weighted_mean_sd
from evaluation.stats.power import kish_effective_n, mde, power_table
from tests.stats.designs import DEMO_DESIGN

DESIGN = DEMO_DESIGN


def _panel(seed: int = 4, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = rng.binomial(1, 0.5, n)
    village = rng.integers(0, 20, n)
    size = rng.poisson(3 + d, n).astype(float) + 1
    sex = np.where(rng.random(n) < 0.3 + 0.2 * d, "female", "male")
    y0 = 5 + size + rng.normal(size=n) + village / 10
    y1 = 0.7 * y0 + 2 + d + rng.normal(size=n)
    w = np.where(d == 1, 1.0, rng.choice([1.0, 2.0, 4.0], n))
    return pd.DataFrame(
        {
            "family_id": np.repeat(np.arange(n), 2),
            "wave": np.tile(["baseline", "endline"], n),
            "treated": np.repeat(d, 2),
            "village": np.repeat(village.astype(str), 2),
            "household_size": np.repeat(size, 2),
            "head_sex": np.repeat(sex, 2),
            "y": np.column_stack([y0, y1]).ravel(),
            "w": np.repeat(w, 2),
        }
    )


def test_weighted_mean_and_sd_by_hand():
    # x = 1, 2, 4 with weights 1, 1, 2: mean 11/4 = 2.75; sum w (x - m)^2 = 3.0625 + 0.5625 + 2 * 1.5625 = 6.75;
    # V1 = 4, V2 = 6: variance 6.75 / (4 - 6/4) = 2.7
    mean, sd = weighted_mean_sd(np.array([1.0, 2.0, 4.0]), np.array([1.0, 1.0, 2.0]))
    assert mean == pytest.approx(2.75) and sd == pytest.approx(np.sqrt(2.7))
    x = np.random.default_rng(0).normal(size=50)
    assert weighted_mean_sd(x, np.full(50, 3.0)) == (pytest.approx(x.mean()), pytest.approx(x.std(ddof=1)))


def test_balance_table_with_weights_matches_numpy_and_statsmodels_wls():
    pan = _panel()
    table, keys = balance_table(pan, "s", DESIGN, ["household_size", "head_sex"], weights="w")
    base = pan[pan["wave"] == "baseline"]
    row = table.set_index("variable").loc["household_size"]
    for g, tag in ((1, "prokus"), (0, "comparison")):
        part = base[base["treated"] == g]
        assert row[f"mean_{tag}"] == pytest.approx(np.average(part["household_size"], weights=part["w"]))
    res = sm.WLS(base["household_size"].to_numpy(float), sm.add_constant(base["treated"].to_numpy(float)),
                 weights=base["w"].to_numpy(float)).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(base["village"])[0]}, use_t=True
    )  # fmt: skip
    assert row["p_value"] == pytest.approx(res.pvalues[1], rel=1e-8)
    assert row["difference"] == pytest.approx(res.params[1], rel=1e-10)
    # the joint test: treated on both covariates (female indicator left out as the first level), weighted
    X = sm.add_constant(np.column_stack([base["household_size"], (base["head_sex"] == "male").astype(float)]))
    joint = sm.WLS(base["treated"].to_numpy(float), X, weights=base["w"].to_numpy(float)).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(base["village"])[0]}, use_t=True
    )
    f = joint.f_test(np.eye(3)[1:])
    assert keys["s.balance.joint.f_stat"] == pytest.approx(float(np.squeeze(f.fvalue)), rel=1e-8)
    assert keys["s.balance.joint.p_value"] == pytest.approx(float(f.pvalue), rel=1e-7)


def test_balance_table_with_equal_weights_is_the_unweighted_table():
    pan = _panel()
    _, plain_keys = balance_table(pan, "s", DESIGN, ["household_size", "head_sex"])
    _, equal_keys = balance_table(pan.assign(w=2.5), "s", DESIGN, ["household_size", "head_sex"], weights="w")
    assert plain_keys.keys() == equal_keys.keys()
    for k, v in plain_keys.items():
        assert equal_keys[k] == pytest.approx(v, rel=1e-9, abs=1e-12), k


def test_kish_effective_n_by_hand():
    # half the units weight 1, half weight 3: (4k)^2 / (10k) = 1.6k of 2k units
    assert kish_effective_n(np.r_[np.ones(50), np.full(50, 3.0)]) == pytest.approx(160.0 / 2)
    assert kish_effective_n(np.full(7, 0.3)) == pytest.approx(7)


def test_power_table_with_weights():
    pan = _panel()
    plain, _ = power_table(pan, "s", ["y"], DESIGN)
    equal, _ = power_table(pan.assign(w=4.0), "s", ["y"], DESIGN, weights="w")
    for col in ("sd", "mde_did", "mde_ancova", "mde_endline", "n_prokus", "n_comparison"):
        assert equal[col].iloc[0] == pytest.approx(plain[col].iloc[0], rel=1e-10), col
    weighted, keys = power_table(pan, "s", ["y"], DESIGN, weights="w")
    base = pan[pan["wave"] == "baseline"]
    comparison_w = base.loc[base["treated"] == 0, "w"].to_numpy()
    assert weighted["n_comparison"].iloc[0] == pytest.approx(comparison_w.sum() ** 2 / (comparison_w**2).sum())
    assert weighted["n_prokus"].iloc[0] == pytest.approx((base["treated"] == 1).sum())  # treated weights all 1
    assert weighted["sd"].iloc[0] == pytest.approx(weighted_mean_sd(base["y"].to_numpy(), base["w"].to_numpy())[1])
    r = weighted.iloc[0]
    # the MDE formula with the effective sizes and the weighted SD (ICC and autocorrelation unweighted, as plain)
    assert r["icc"] == pytest.approx(plain["icc"].iloc[0]) and r["autocorrelation"] == plain["autocorrelation"].iloc[0]
    expected = mde(r["n_prokus"], r["n_comparison"], int(r["n_clusters"]), r["sd"], r["icc"], r["autocorrelation"],
                   "did", 0.05, 0.8, treat_icc=r["treatment_icc"])  # fmt: skip
    assert r["mde_did"] == pytest.approx(expected, rel=1e-12)
    assert keys["s.y.power.n_comparison"] == weighted["n_comparison"].iloc[0]


@pytest.mark.parametrize("bad", [np.nan, 0.0, -1.0, np.inf])
def test_bad_weights_refused_by_balance_and_power(bad):
    pan = _panel()
    pan.loc[0, "w"] = bad
    with pytest.raises(ValueError, match="weights column 'w' must be positive and finite"):
        balance_table(pan, "s", DESIGN, ["household_size"], weights="w")
    with pytest.raises(ValueError, match="weights column 'w' must be positive and finite"):
        power_table(pan, "s", ["y"], DESIGN, weights="w")
