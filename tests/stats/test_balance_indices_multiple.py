"""Balance table (iebaltab), summary indices (Anderson 2008; KLK 2007) and multiple testing (Holm, BH, Romano-Wolf).

Library references: statsmodels OLS(cov_type="cluster") and its f_test; scipy.stats.zscore; statsmodels
multipletests; pyfixest's Romano-Wolf routine (_get_rwolf_pval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from pyfixest.estimation.post_estimation.multcomp import _get_rwolf_pval
from scipy import stats
from statsmodels.stats.multitest import multipletests

from evaluation import estimators
from evaluation.core.config import DesignSettings
from evaluation.stats.balance import balance_table
from evaluation.stats.indices import add_indices, standardised_index
from evaluation.stats.multiple import adjust, adjusted_table, holm, romano_wolf, romano_wolf_did

TOL = 1e-9
DESIGN = DesignSettings()


def _panel(seed: int, n: int = 400, G: int = 40, effect: float = 0.0, k: int = 2) -> pd.DataFrame:
    """Two-wave panel, family-level random assignment, village clusters; outcomes y0..y{k-1} with unit SD."""
    rng = np.random.default_rng(seed)
    vil = rng.integers(0, G, n)
    treat = (rng.random(n) < 0.5).astype(int)
    rows = []
    base = {f"y{j}": rng.normal(size=n) + rng.normal(size=G)[vil] * 0.3 for j in range(k)}
    end = {f"y{j}": base[f"y{j}"] * 0.5 + rng.normal(size=n) + effect * treat for j in range(k)}
    for wave, vals in (("baseline", base), ("endline", end)):
        rows.append(
            pd.DataFrame(
                {
                    "family_id": [f"F{i:04d}" for i in range(n)],
                    "wave": wave,
                    "village": [f"V{v:02d}" for v in vil],
                    "treated": treat,
                    "region_code": "R1",
                    "head_age": rng.normal(44, 10, n) if wave == "baseline" else 0.0,
                    "head_sex": np.where(rng.random(n) < 0.3, "female", "male"),
                    **vals,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


# ----------------------------------------------------------------------------------------------- balance
def test_balance_hand_example():
    """Hand example: means, SDs, difference and normalised difference of a 4 + 4 family table."""
    pan = pd.DataFrame(
        {
            "family_id": list("abcdefgh"),
            "wave": "baseline",
            "village": list("VVWWXXYY"),
            "treated": [1, 1, 1, 1, 0, 0, 0, 0],
            "region_code": "R",
            "x": [1.0, 2, 3, 4, 2, 2, 2, 6],
        }
    )
    table, keys = balance_table(pan, "R", DESIGN, ["x"])
    r = table.iloc[0]
    assert r["mean_prokus"] == 2.5 and r["mean_comparison"] == 3.0 and r["difference"] == -0.5
    sd_t, sd_c = np.std([1, 2, 3, 4], ddof=1), 2.0
    assert r["sd_prokus"] == pytest.approx(sd_t) and r["sd_comparison"] == pytest.approx(sd_c)
    assert r["normalised_difference"] == pytest.approx(-0.5 / np.sqrt((sd_t**2 + sd_c**2) / 2))
    assert keys["R.balance.x.n_prokus"] == 4


def test_balance_matches_statsmodels():
    """Library: each p-value is statsmodels' clustered t test; the joint F is statsmodels' clustered f_test."""
    pan = _panel(3)
    table, keys = balance_table(pan, "R1", DESIGN, ["head_age", "head_sex"], ["y0", "y1"], ["y0"])
    base = pan[pan["wave"] == "baseline"].reset_index(drop=True)
    groups = pd.factorize(base["village"])[0]
    for var in ("head_age", "y0"):
        fit = sm.OLS(base[var], sm.add_constant(base["treated"].astype(float))).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
        )
        assert table.set_index("variable").loc[var, "p_value"] == pytest.approx(fit.pvalues["treated"], rel=1e-8)
    X = sm.add_constant(
        pd.DataFrame({"head_age": base["head_age"], "male": (base["head_sex"] == "male") * 1.0, "y0": base["y0"]})
    )
    fit = sm.OLS(base["treated"].astype(float), X).fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)
    ft = fit.f_test(np.eye(4)[1:])
    assert keys["R1.balance.joint.f_stat"] == pytest.approx(float(ft.fvalue), rel=1e-8)
    assert keys["R1.balance.joint.p_value"] == pytest.approx(float(stats.f.sf(ft.fvalue, 3, 39)), rel=1e-8)


@pytest.mark.slow
def test_balance_joint_test_size_under_random_assignment():
    """Simulation: with random assignment the joint test rejects at 5% in about 5% of samples."""
    rej = [
        balance_table(_panel(s), "R1", DESIGN, ["head_age"], ["y0", "y1"], ["y0", "y1"])[1]["R1.balance.joint.p_value"]
        < 0.05
        for s in range(300)
    ]
    assert 0.02 <= np.mean(rej) <= 0.09


# ----------------------------------------------------------------------------------------------- indices
def test_index_hand_example():
    """Hand example: Anderson weights are the row sums of the inverse covariance; KLK is the mean z-score."""
    Y = np.array([[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 4.0], [5.0, 3.0]])
    ref = np.ones(5, dtype=bool)
    idx, w = standardised_index(Y, ref, method="anderson")
    Z = (Y - Y.mean(0)) / Y.std(0, ddof=1)
    np.testing.assert_allclose(w, np.linalg.inv(np.cov(Z, rowvar=False)).sum(axis=1))
    raw = Z @ w / w.sum()
    np.testing.assert_allclose(idx, (raw - raw.mean()) / raw.std(ddof=1))
    idx_klk, _ = standardised_index(Y, ref, signs=np.array([1.0, -1.0]), method="klk")
    raw = (Z[:, 0] - Z[:, 1]) / 2
    np.testing.assert_allclose(idx_klk, (raw - raw.mean()) / raw.std(ddof=1))
    Y[0, 1] = np.nan  # a missing component: the mean of what is observed
    idx_m, _ = standardised_index(Y, ref, method="klk")
    assert np.isfinite(idx_m).all()


def test_klk_index_equals_scipy_zscores():
    """Library: with the whole sample as reference, KLK = zscore(mean of scipy zscores)."""
    rng = np.random.default_rng(2)
    Y = rng.normal(size=(50, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.3], [0, 0, 1]])
    idx, _ = standardised_index(Y, np.ones(50, bool), method="klk")
    np.testing.assert_allclose(idx, stats.zscore(stats.zscore(Y, ddof=1).mean(axis=1), ddof=1), atol=TOL)


@pytest.mark.slow
def test_index_did_recovers_known_effect():
    """Simulation: outcomes raised by 0.25 each; the KLK index effect is known; no bias, ~95% coverage.

    Known truth: the index is the mean of z = (y - mu)/sd rescaled by the SD of that mean in the reference group,
    so an effect of 0.25 on every y moves it by 0.25 * mean(1/sd) / sd(mean z).
    """
    ests, cover = [], []
    for s in range(200):
        pan = _panel(100 + s, n=600, G=60, effect=0.25)
        pan, _ = add_indices(pan, {"index_y": ["y0", "y1"]}, [], DESIGN, method="klk")
        e = estimators.did(
            pan,
            "index_y",
            period="wave",
            treated="treated",
            before="baseline",
            after="endline",
            unit="family_id",
            cluster="village",
        )
        ref = pan[(pan["wave"] == "baseline") & (pan["treated"] == 0)]
        sd_y = ref[["y0", "y1"]].std(ddof=1).to_numpy()
        zmean = ((ref[["y0", "y1"]] - ref[["y0", "y1"]].mean()) / sd_y).mean(axis=1)
        truth = 0.25 * np.mean(1 / sd_y) / zmean.std(ddof=1)
        ests.append(e.estimate - truth)
        cover.append(e.ci_low <= truth <= e.ci_high)
    assert abs(np.mean(ests)) < 0.02
    assert 0.91 <= np.mean(cover) <= 0.99


# ----------------------------------------------------------------------------------------------- multiple testing
def test_holm_and_bh_hand_example():
    """Hand example: Holm of (0.01, 0.04, 0.03) is (0.03, 0.06, 0.06); BH is (0.03, 0.04, 0.04)."""
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    np.testing.assert_allclose(adjust([0.01, 0.04, 0.03], "fdr_bh"), [0.03, 0.04, 0.04])


def test_holm_matches_statsmodels():
    """Library: Holm equals statsmodels multipletests(method='holm')."""
    rng = np.random.default_rng(5)
    for _ in range(5):  # statsmodels' Holm calls gc.collect() each time: keep this short
        p = rng.random(9) ** 2
        np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], atol=1e-15)


def test_bh_matches_statsmodels():
    """Library: Benjamini-Hochberg equals statsmodels multipletests(method='fdr_bh'), ties and ones included."""
    rng = np.random.default_rng(6)
    cases = [rng.random(9) ** 2 for _ in range(20)] + [np.array([0.2, 0.2, 0.01, 1.0, 0.04])]
    for p in cases:
        np.testing.assert_allclose(adjust(p, "fdr_bh"), multipletests(p, method="fdr_bh")[1], atol=1e-15)
    with pytest.raises(ValueError, match="unknown multiple-testing method"):
        adjust([0.1], "bonferonni")


def test_romano_wolf_hand_example_and_pyfixest():
    """Hand example (2 hypotheses, 4 draws) and library (pyfixest's rwolf routine) on random statistics."""
    t = np.array([3.0, 1.0])
    tb = np.array([[0.5, 2.0, 3.5, 0.1], [1.5, 0.2, 0.3, 2.5]])
    # step 1: max over both = (1.5, 2.0, 3.5, 2.5) >= 3 once -> (1+1)/5 = 0.4
    # step 2: only hypothesis 2: (1.5, 0.2, 0.3, 2.5) >= 1 twice -> 3/5 = 0.6
    np.testing.assert_allclose(romano_wolf(t, tb), [0.4, 0.6])
    rng = np.random.default_rng(0)
    for _ in range(10):
        t = rng.normal(size=6) * 2
        tb = rng.normal(size=(6, 300))
        np.testing.assert_allclose(romano_wolf(t, tb), _get_rwolf_pval(t, tb.T), atol=1e-15)


def test_adjusted_table_survivors():
    """Survival flags follow the adjusted p-values within each group."""
    _, keys = adjusted_table(
        {"a": 0.001, "b": 0.04, "c": 0.5}, {"primary": ["a", "b"], "secondary": ["c"]}, {"a": 0.002, "b": 0.06}, "S"
    )
    assert keys["S.a.did.holm_survives"] and keys["S.b.did.holm_survives"]
    assert not keys["S.b.did.romano_wolf_survives"]
    assert keys["S.b.did.holm_p_value"] == pytest.approx(0.04)  # two tests: max(0.002, 0.04)
    assert "S.c.did.romano_wolf_p_value" not in keys


@pytest.mark.slow
def test_romano_wolf_family_wise_error_under_the_null():
    """Simulation: four correlated outcomes, no effect, 40 villages: FWER of Romano-Wolf at 5% near 5%."""
    rej = []
    for s in range(250):
        rng = np.random.default_rng(s)
        pan = _panel(1000 + s, n=400, G=40, k=4)
        common = rng.normal(size=len(pan))  # correlate the outcomes
        for j in range(4):
            pan[f"y{j}"] = pan[f"y{j}"] + common
        p = romano_wolf_did(pan, "R1", ["y0", "y1", "y2", "y3"], DESIGN, n_boot=199, seed=s)
        rej.append(min(p.values()) < 0.05)
    assert 0.02 <= np.mean(rej) <= 0.09
