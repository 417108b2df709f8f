"""Doubly robust DiD (Sant'Anna & Zhao 2020, improved estimator): hand examples, moderndid, input errors.

Three checks of :func:`evaluation.estimators.drdid`:

* by hand: without covariates it is the plain DiD (difference of mean changes) and its variance is the DiD's
  HC1 / CRV1 variance times (n-2)/(n-1); with one saturated binary covariate it is the cell-by-cell DiD weighted by
  the treated families' shares of the cells, with the influence function written out;
* against an independent implementation of the same estimator on the same data: ``moderndid`` 0.2.0 (pinned in
  requirements.lock), ``moderndid.drdid.estimators.drdid_imp_panel.drdid_imp_panel``, the Python port of R
  ``DRDID::drdid_imp_panel`` (estimate to 1e-8; its standard error is ``sqrt(sum psi^2)/n``, ours has the
  ``n/(n-1)`` factor of R's ``sd``), with and without sampling weights, with and without trimmed comparison units;
* the simulation with a misspecified model is in ``test_drdid_simulation.py``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from evaluation.estimators import did, drdid
from evaluation.stats.degenerate import NotEstimable, reason_of
from evaluation.stats.drdid import drdid_panel, influence_se


def _long(y0, y1, d, **unit_cols) -> pd.DataFrame:
    """A long panel (two rows per unit) from unit-level arrays."""
    n = len(y0)
    out = {
        "id": np.repeat(np.arange(n), 2),
        "wave": np.tile(["baseline", "endline"], n),
        "y": np.column_stack([y0, y1]).ravel(),
        "t": np.repeat(np.asarray(d, dtype=int), 2),
    }
    for name, values in unit_cols.items():
        out[name] = np.repeat(np.asarray(values), 2)
    return pd.DataFrame(out)


def _random_panel(seed: int = 3, n: int = 400, strong: float = 1.0):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.binomial(1, 0.4, n).astype(float)
    x3 = rng.gamma(2.0, 1.0, n)
    index = strong * (0.8 * x1 - 0.5 * x2 + 0.3 * x3 - 0.6)
    d = (rng.random(n) < 1 / (1 + np.exp(-index))).astype(int)
    y0 = 2 * x1 + x3 + rng.normal(size=n)
    y1 = y0 + 1.5 * x1 - x2 + 0.5 * x3**2 + 2.0 * d + rng.normal(size=n)
    w = rng.uniform(0.5, 3.0, n)
    village = rng.integers(0, 25, n)
    return y0, y1, d, np.column_stack([x1, x2, x3]), w, village


def _frame(seed: int = 3, n: int = 400, strong: float = 1.0) -> pd.DataFrame:
    y0, y1, d, X, w, village = _random_panel(seed, n, strong)
    return _long(y0, y1, d, x1=X[:, 0], x2=X[:, 1], x3=X[:, 2], w=w, village=village)


COMMON = dict(unit="id", period="wave", treated="t", before="baseline", after="endline")


# --------------------------------------------------------------------------------------------------- by hand
def test_without_covariates_it_is_the_plain_did():
    df = _frame()
    n = df["id"].nunique()
    for cluster in (None, "village"):
        dr = drdid(df, "y", covariates=(), cluster=cluster, **COMMON)
        plain = did(df, "y", period="wave", treated="t", before="baseline", after="endline", unit="id",
                    cluster=cluster)  # fmt: skip
        assert dr.estimate == pytest.approx(plain.estimate, rel=1e-12)
        # IF variance = HC1 (or CRV1) variance of the two-group regression times (n-2)/(n-1)
        assert dr.se == pytest.approx(plain.se * np.sqrt((n - 2) / (n - 1)), rel=1e-10)
        assert dr.method == "drdid" and dr.n_units == n and dr.n_obs == 2 * n
    assert drdid(df, "y", covariates=(), cluster="village", **COMMON).vcov == "IF-cluster"
    assert drdid(df, "y", covariates=(), **COMMON).df_resid == n - 1


def test_saturated_binary_covariate_gives_the_cell_weighted_did():
    # cell x=0: treated changes 1, 3 (mean 2), comparison 0, 1, 2 (mean 1): DiD 1
    # cell x=1: treated changes 4, 6, 8 (mean 6), comparison 2, 4 (mean 3): DiD 3
    # treated shares of the cells 2/5 and 3/5: DR-DiD = 2/5 * 1 + 3/5 * 3 = 2.2 (the plain DiD is 4.4 - 1.8 = 2.6)
    change = np.array([1, 3, 4, 6, 8, 0, 1, 2, 2, 4], dtype=float)
    d = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    x = np.array([0, 0, 1, 1, 1, 0, 0, 0, 1, 1], dtype=float)
    y0 = np.arange(10, dtype=float) ** 1.5  # any baseline level: only the change enters
    df = _long(y0, y0 + change, d, x=x)
    est = drdid(df, "y", covariates=["x"], **COMMON)
    assert est.estimate == pytest.approx(2.2, abs=1e-10)
    assert did(df, "y", period="wave", treated="t", before="baseline", after="endline", unit="id").estimate == (
        pytest.approx(2.6)
    )
    # influence function by hand: treated (dy - m(x) - att) / (5/10); comparison -(odds)(dy - m(x)) / (5/10),
    # m(x) the comparison mean change of the cell (1 and 3), odds = treated/comparison count of the cell (2/3, 3/2)
    m = np.where(x == 1, 3.0, 1.0)
    odds = np.where(x == 1, 3 / 2, 2 / 3)
    psi = np.where(d == 1, (change - m - 2.2) / 0.5, -odds * (change - m) / 0.5)
    se = np.sqrt(10 / 9 * np.sum(psi**2)) / 10
    assert est.se == pytest.approx(se, rel=1e-9)
    # treated psi: -4.4, -0.4, -2.4, 1.6, 5.6 (squares 59.2); comparison: 4/3 * (1, 0, -1) and 3 * (1, -1)
    # (squares 32/9 + 18); se = sqrt(10/9 * 80.7556) / 10
    assert se == pytest.approx(np.sqrt(10 / 9 * (59.2 + 32 / 9 + 18)) / 10, rel=1e-12)
    assert se == pytest.approx(0.947251, abs=1e-6)


def test_sampling_weights_of_whole_numbers_equal_repeated_units():
    # weight 2 on a unit = the unit twice (the estimate; the variance differs, as for any pweight)
    change = np.array([1, 3, 4, 6, 8, 0, 1, 2, 2, 4, 5, 1], dtype=float)
    d = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1])
    x = np.array([0.1, 0.5, 1.2, 1.0, 1.9, 0.0, 0.4, 0.8, 1.1, 1.5, 2.0, 0.7])
    w = np.array([1, 2, 1, 3, 1, 2, 1, 1, 2, 1, 1, 2])
    weighted = drdid(_long(np.zeros(12), change, d, x=x, w=w), "y", covariates=["x"], weights="w", **COMMON)
    rep = np.repeat(np.arange(12), w)
    repeated = drdid(_long(np.zeros(rep.size), change[rep], d[rep], x=x[rep]), "y", covariates=["x"], **COMMON)
    assert weighted.estimate == pytest.approx(repeated.estimate, rel=1e-9)


# --------------------------------------------------------------------------------------------------- moderndid
moderndid_imp = pytest.importorskip("moderndid.drdid.estimators.drdid_imp_panel")


def _trimmed_panel():
    """A panel where one comparison unit's propensity score exceeds the trimming level 0.995.

    Cell ``x2 = 1`` holds 300 treated units and a single comparison unit: the calibrated score of that unit is
    about 300/301 > 0.995, so R's ``DRDID`` (and moderndid) give it no weight in the estimate.
    """
    y0, y1, d, X, w, village = _random_panel(seed=11, n=500)
    rng = np.random.default_rng(2)
    m = 301
    x1 = rng.normal(size=m)
    x3 = rng.gamma(2.0, 1.0, m)
    d_new = np.r_[np.ones(m - 1, dtype=int), 0]
    y0_new = 2 * x1 + x3 + rng.normal(size=m)
    y1_new = y0_new + 1.5 * x1 + 0.5 * x3**2 + 2.0 * d_new + rng.normal(size=m)
    X0 = X.copy()
    X0[:, 1] = 0.0
    X_new = np.column_stack([x1, np.ones(m), x3])
    return (np.r_[y0, y0_new], np.r_[y1, y1_new], np.r_[d, d_new], np.vstack([X0, X_new]),
            np.r_[w, rng.uniform(0.5, 3.0, m)], np.r_[village, rng.integers(0, 25, m)])  # fmt: skip


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("data", ["moderate", "strong", "trimmed"])
def test_matches_moderndid_drdid_imp_panel(weighted: bool, data: str):
    if data == "trimmed":
        y0, y1, d, X, w, _ = _trimmed_panel()
    else:
        y0, y1, d, X, w, _ = _random_panel(seed=11, n=500, strong=1.0 if data == "moderate" else 5.0)
    ref = moderndid_imp.drdid_imp_panel(y1, y0, d, np.column_stack([np.ones(d.size), X]),
                                        i_weights=w.copy() if weighted else None)  # fmt: skip
    df = _long(y0, y1, d, x1=X[:, 0], x2=X[:, 1], x3=X[:, 2], w=w)
    ours = drdid(df, "y", covariates=["x1", "x2", "x3"], weights="w" if weighted else None, **COMMON)
    n = d.size
    assert ours.estimate == pytest.approx(ref.att, rel=1e-8, abs=1e-10)
    assert ours.se == pytest.approx(ref.se * np.sqrt(n / (n - 1)), rel=1e-7)
    fit = drdid_panel(y1 - y0, d, X, w if weighted else None)
    assert fit.n_trimmed == (1 if data == "trimmed" else 0)
    assert abs(fit.influence.mean()) < 1e-10
    # the calibration: the comparison units reweighted by the odds of the score have the treated covariate means
    ww = (w if weighted else np.ones(n)) / (w if weighted else np.ones(n)).mean()
    odds = fit.pscore / (1 - fit.pscore)
    assert (ww * odds)[d == 0] @ X[d == 0] == pytest.approx(ww[d == 1] @ X[d == 1], rel=1e-8)


def test_clustered_se_sums_the_influence_function_by_village():
    y0, y1, d, X, _, village = _random_panel(seed=5, n=300)
    fit = drdid_panel(y1 - y0, d, X)
    se, G = influence_se(fit.influence, village)
    sums = pd.Series(fit.influence).groupby(village).sum().to_numpy()
    assert G == np.unique(village).size
    assert se == pytest.approx(np.sqrt(G / (G - 1) * np.sum(sums**2)) / d.size, rel=1e-12)
    df = _long(y0, y1, d, x1=X[:, 0], x2=X[:, 1], x3=X[:, 2], village=village)
    est = drdid(df, "y", covariates=["x1", "x2", "x3"], cluster="village", **COMMON)
    assert est.se == pytest.approx(se, rel=1e-12) and est.n_clusters == G and est.df_resid == G - 1


# --------------------------------------------------------------------------------------------------- refusals
def test_missing_outcome_or_covariate_drops_the_unit_and_counts_it():
    df = _frame()
    df.loc[(df["id"] == 3) & (df["wave"] == "endline"), "y"] = np.nan
    df.loc[(df["id"] == 7) & (df["wave"] == "baseline"), "x1"] = np.nan
    est = drdid(df, "y", covariates=["x1", "x2"], **COMMON)
    assert est.n_dropped == 2 and est.n_units == df["id"].nunique() - 2


@pytest.mark.parametrize(
    ("bad", "count"),
    [(np.nan, "1 row(s) missing"), (0.0, "1 row(s) zero or negative"), (np.inf, "1 row(s) infinite")],
)
def test_bad_weights_name_the_column_and_the_rows(bad: float, count: str):
    df = _frame()
    df.loc[5, "w"] = bad
    with pytest.raises(ValueError, match=rf"weights column .w. .*{re.escape(count)}"):
        drdid(df, "y", covariates=["x1"], weights="w", **COMMON)


def test_nan_treatment_is_refused():
    df = _frame()
    df["t"] = df["t"].astype(float)
    df.loc[0, "t"] = np.nan
    with pytest.raises(ValueError, match="treated column 't'"):
        drdid(df, "y", covariates=["x1"], **COMMON)


def test_a_category_only_treated_families_have_is_no_overlap():
    y0, y1, d, X, _, _ = _random_panel()
    only_treated = ((d == 1) & (np.arange(d.size) % 3 == 0)).astype(float)  # some treated, no comparison unit
    df = _long(y0, y1, d, x1=X[:, 0], z=only_treated)
    with pytest.raises(NotEstimable) as info:
        drdid(df, "y", covariates=["x1", "z"], **COMMON)
    assert info.value.reason == "no_overlap"


def test_treated_covariates_outside_the_comparison_range_is_no_overlap():
    y0, y1, d, X, _, _ = _random_panel()
    x = np.where(d == 1, 10.0 + X[:, 0] ** 2, -10.0 - X[:, 0] ** 2)  # perfect separation on a continuous covariate
    with pytest.raises(NotEstimable) as info:
        drdid(_long(y0, y1, d, x=x), "y", covariates=["x"], **COMMON)
    assert info.value.reason == "no_overlap"


def test_a_constant_outcome_is_not_estimable():
    df = _frame()
    df["y"] = 4.0
    with pytest.raises(NotEstimable) as info:
        drdid(df, "y", covariates=["x1"], **COMMON)
    assert info.value.reason == "no_variation"


def test_one_cluster_and_collinear_covariates_are_refused():
    df = _frame()
    df["one"] = "A"
    with pytest.raises(ValueError, match="at least 2 clusters") as info:
        drdid(df, "y", covariates=["x1"], cluster="one", **COMMON)
    assert reason_of(info.value) == "one_cluster"
    df["x1_copy"] = 2 * df["x1"]
    with pytest.raises(ValueError, match="collinear"):
        drdid(df, "y", covariates=["x1", "x1_copy"], **COMMON)


def test_missing_columns_and_empty_groups_are_refused():
    df = _frame()
    with pytest.raises(ValueError, match="covariates column 'nope'"):
        drdid(df, "y", covariates=["nope"], **COMMON)
    with pytest.raises(ValueError, match="no comparison units"):
        drdid(df.assign(t=1), "y", covariates=["x1"], **COMMON)
