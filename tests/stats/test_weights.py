"""Sampling weights (``weights=``) in the estimators: a hand example, statsmodels WLS, refusals.

A comparison sample drawn from a household survey comes with sampling weights. Each estimator runs weighted least
squares and reports the sandwich of the weighted problem; the reference is statsmodels'
``WLS(y, X, weights=w).fit(cov_type='HC1' | 'cluster', use_t=True)`` on the same rows, which is Stata's ``regress
[pweight=w], vce(robust | cluster)`` (scores w_i x_i e_i, factor G/(G-1) (n-1)/(n-k), t with G-1 df).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.estimators import ancova, did, diff_in_means, drdid, pre_post

COMMON = dict(period="wave", before="baseline", after="endline")


def _panel(seed: int = 7, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    village = rng.integers(0, 18, n)
    d = rng.binomial(1, 0.45, n)
    x = rng.normal(size=n)
    y0 = 10 + 2 * x + rng.normal(size=n) + 0.5 * village / 18
    y1 = y0 + 1 + 1.5 * d + x + rng.normal(size=n) * (1 + d)
    w = rng.uniform(0.2, 5.0, n)
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), 2),
            "wave": np.tile(["baseline", "endline"], n),
            "y": np.column_stack([y0, y1]).ravel(),
            "t": np.repeat(d, 2),
            "x": np.repeat(x, 2),
            "w": np.repeat(w, 2),
            "village": np.repeat(village, 2),
        }
    )


def _wide(df: pd.DataFrame) -> pd.DataFrame:
    b = df[df["wave"] == "baseline"].set_index("id")
    a = df[df["wave"] == "endline"].set_index("id")
    return b.assign(y_after=a["y"], dy=a["y"] - b["y"])


def _statsmodels(y, X, w, groups=None):
    model = sm.WLS(np.asarray(y, float), np.asarray(X, float), weights=np.asarray(w, float))
    if groups is None:
        return model.fit(cov_type="HC1", use_t=True)
    return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(np.asarray(groups))[0]}, use_t=True)


def _check(est, res, coef: int) -> None:
    assert est.estimate == pytest.approx(res.params[coef], rel=1e-10)
    assert est.se == pytest.approx(res.bse[coef], rel=1e-9)
    assert est.p_value == pytest.approx(res.pvalues[coef], rel=1e-7, abs=1e-14)
    lo, hi = res.conf_int()[coef]
    assert (est.ci_low, est.ci_high) == (pytest.approx(lo, rel=1e-9), pytest.approx(hi, rel=1e-9))
    assert est.vcov == ("CRV1" if res.cov_type == "cluster" else "HC1")


# --------------------------------------------------------------------------------------------------- by hand
def test_hand_example_weighted_mean_change_and_did():
    # changes 1, 2, 6 with weights 1, 1, 2 (treated) and 0, 2 with weights 3, 1 (comparison)
    df = pd.DataFrame(
        {
            "id": np.repeat(np.arange(5), 2),
            "wave": np.tile(["baseline", "endline"], 5),
            "y": [0, 1, 1, 3, 2, 8, 5, 5, 1, 3],
            "t": np.repeat([1, 1, 1, 0, 0], 2),
            "w": np.repeat([1.0, 1.0, 2.0, 3.0, 1.0], 2),
        }
    )
    treated = df[df["t"] == 1]
    pp = pre_post(treated, "y", unit="id", weights="w", **COMMON)
    assert pp.estimate == pytest.approx((1 + 2 + 2 * 6) / 4)  # 3.75
    # weighted residuals e = (-2.75, -1.75, 2.25); HC1 = n/(n-1) sum w^2 e^2 / (sum w)^2
    assert pp.se == pytest.approx(np.sqrt(3 / 2 * (2.75**2 + 1.75**2 + 4 * 2.25**2) / 16))
    est = did(df, "y", treated="t", unit="id", weights="w", **COMMON)
    assert est.estimate == pytest.approx(3.75 - (3 * 0 + 1 * 2) / 4)  # 3.75 - 0.5 = 3.25
    # unweighted it would be 3 - 1 = 2
    assert did(df, "y", treated="t", unit="id", **COMMON).estimate == pytest.approx(2.0)


def test_whole_number_weights_give_the_estimate_of_repeated_units():
    df = _panel(n=60)
    df["w"] = np.repeat(np.random.default_rng(1).integers(1, 4, 60), 2)
    wide = _wide(df)
    rep = wide.loc[wide.index.repeat(wide["w"])].reset_index(drop=True)
    long = pd.concat(
        [
            pd.DataFrame({"id": rep.index, "wave": "baseline", "y": rep["y"], "t": rep["t"], "x": rep["x"]}),
            pd.DataFrame({"id": rep.index, "wave": "endline", "y": rep["y_after"], "t": rep["t"], "x": rep["x"]}),
        ]
    )
    for f, kw in ((did, {"covariates": ["x"]}), (ancova, {"covariates": ["x"]})):
        a = f(df, "y", treated="t", unit="id", weights="w", **kw, **COMMON)
        b = f(long, "y", treated="t", unit="id", **kw, **COMMON)
        assert a.estimate == pytest.approx(b.estimate, rel=1e-10)


# --------------------------------------------------------------------------------------------------- statsmodels WLS
@pytest.mark.parametrize("cluster", [None, "village"])
def test_pre_post_matches_statsmodels_wls(cluster):
    df = _panel()
    wide = _wide(df)
    est = pre_post(df, "y", unit="id", cluster=cluster, weights="w", **COMMON)
    res = _statsmodels(wide["dy"], np.ones((len(wide), 1)), wide["w"], None if cluster is None else wide[cluster])
    _check(est, res, 0)


@pytest.mark.parametrize("cluster", [None, "village"])
@pytest.mark.parametrize("covariates", [(), ("x",)])
def test_panel_did_matches_statsmodels_wls(cluster, covariates):
    df = _panel()
    wide = _wide(df)
    est = did(df, "y", treated="t", unit="id", cluster=cluster, covariates=covariates, weights="w", **COMMON)
    X = np.column_stack([np.ones(len(wide)), wide["t"], *[wide[c] for c in covariates]])
    res = _statsmodels(wide["dy"], X, wide["w"], None if cluster is None else wide[cluster])
    _check(est, res, 1)


@pytest.mark.parametrize("cluster", [None, "village"])
def test_repeated_cross_section_did_matches_statsmodels_wls(cluster):
    df = _panel()
    post = (df["wave"] == "endline").astype(float)
    est = did(df, "y", treated="t", cluster=cluster, covariates=["x"], weights="w", **COMMON)
    X = np.column_stack([np.ones(len(df)), df["t"], post, df["t"] * post, df["x"]])
    res = _statsmodels(df["y"], X, df["w"], None if cluster is None else df[cluster])
    _check(est, res, 3)


@pytest.mark.parametrize("cluster", [None, "village"])
def test_ancova_matches_statsmodels_wls(cluster):
    df = _panel()
    wide = _wide(df)
    est = ancova(df, "y", unit="id", treated="t", cluster=cluster, covariates=["x"], weights="w", **COMMON)
    X = np.column_stack([np.ones(len(wide)), wide["t"], wide["y"], wide["x"]])
    res = _statsmodels(wide["y_after"], X, wide["w"], None if cluster is None else wide[cluster])
    _check(est, res, 1)


@pytest.mark.parametrize("cluster", [None, "village"])
def test_diff_in_means_matches_statsmodels_wls(cluster):
    end = _panel()
    end = end[end["wave"] == "endline"]
    est = diff_in_means(end, "y", "t", cluster=cluster, weights="w")
    X = np.column_stack([np.ones(len(end)), end["t"]])
    res = _statsmodels(end["y"], X, end["w"], None if cluster is None else end[cluster])
    _check(est, res, 1)


def test_weights_scale_free():
    df = _panel()
    a = did(df, "y", treated="t", unit="id", cluster="village", covariates=["x"], weights="w", **COMMON)
    b = did(df.assign(w=df["w"] * 1000), "y", treated="t", unit="id", cluster="village", covariates=["x"],
            weights="w", **COMMON)  # fmt: skip
    assert (a.estimate, a.se) == (pytest.approx(b.estimate, rel=1e-10), pytest.approx(b.se, rel=1e-10))
    c = drdid(df, "y", "id", "wave", "t", "baseline", "endline", ["x"], cluster="village", weights="w")
    e = drdid(df.assign(w=df["w"] * 1000), "y", "id", "wave", "t", "baseline", "endline", ["x"], cluster="village",
              weights="w")  # fmt: skip
    assert (c.estimate, c.se) == (pytest.approx(e.estimate, rel=1e-10), pytest.approx(e.se, rel=1e-10))


# --------------------------------------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({3: np.nan, 8: np.nan}, "2 row(s) missing"),
        ({3: 0.0}, "1 row(s) zero or negative"),
        ({3: -1.0, 4: -2.0, 5: 0.0}, "3 row(s) zero or negative"),
        ({3: np.inf}, "1 row(s) infinite"),
    ],
)
@pytest.mark.parametrize("estimator", ["pre_post", "did", "did_rcs", "ancova", "diff_in_means", "drdid"])
def test_bad_weights_are_refused_with_the_column_and_row_count(values, words, estimator):
    df = _panel(n=40)
    for row, v in values.items():
        df.loc[row, "w"] = v
    calls = {
        "pre_post": lambda: pre_post(df, "y", unit="id", weights="w", **COMMON),
        "did": lambda: did(df, "y", treated="t", unit="id", weights="w", **COMMON),
        "did_rcs": lambda: did(df, "y", treated="t", weights="w", **COMMON),
        "ancova": lambda: ancova(df, "y", unit="id", treated="t", weights="w", **COMMON),
        "diff_in_means": lambda: diff_in_means(df, "y", "t", weights="w"),
        "drdid": lambda: drdid(df, "y", "id", "wave", "t", "baseline", "endline", ["x"], weights="w"),
    }
    with pytest.raises(ValueError, match=rf"weights column 'w' must be positive and finite.*{re.escape(words)}"):
        calls[estimator]()


def test_weights_must_be_constant_within_unit_and_numeric():
    df = _panel(n=40)
    df.loc[1, "w"] = df.loc[0, "w"] + 1  # unit 0: a different weight at endline
    with pytest.raises(ValueError, match="weights column 'w' must be constant within unit 'id'"):
        did(df, "y", treated="t", unit="id", weights="w", **COMMON)
    with pytest.raises(ValueError, match="weights column 'w' must be numeric"):
        did(_panel(n=40).assign(w="1"), "y", treated="t", unit="id", weights="w", **COMMON)
    with pytest.raises(ValueError, match="weights column 'nope' not found"):
        did(_panel(n=40), "y", treated="t", unit="id", weights="nope", **COMMON)
