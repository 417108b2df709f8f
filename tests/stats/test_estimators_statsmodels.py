"""Agreement of :mod:`evaluation.estimators` with statsmodels 0.15 OLS on random data.

Reference: ``statsmodels.api.OLS(y, X).fit(cov_type='HC1', use_t=True)`` for HC1 and
``OLS(y, X).fit(cov_type='cluster', cov_kwds={'groups': codes}, use_t=True)`` for CRV1 (statsmodels 0.15.0).
statsmodels' cluster covariance applies the small-sample factor G/(G-1) * (n-1)/(n-k)
(``sandwich_covariance.cov_cluster(use_correction=True)``) and, because ``df_correction`` defaults to True,
sets ``df_resid_inference = G - 1`` so that t-based CIs and p-values use G - 1 degrees of freedom -- the
convention :mod:`evaluation.stats.inference` implements (as Stata's ``regress, vce(cluster)``). With HC1 the
reference distribution is t with n - k degrees of freedom.

The reference design matrices are built independently of the package, from ``DataFrame.pivot`` (panel
designs) or boolean row filters (cross-sections), with ``dropna`` for missing values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels
import statsmodels.api as sm

from evaluation.estimators import ancova, did, diff_in_means, pre_post

# Tolerances (relative): both sides solve the same least-squares problem in double precision.
RTOL_COEF = 1e-8
RTOL_SE = 1e-8
RTOL_CI = 1e-8
RTOL_P = 1e-8
P_ABS_FLOOR = 1e-300  # p-values below this are compared as equal (both underflow to ~0)

SIZES = (25, 200, 3000)  # number of units
CLUSTERINGS = (None, "int", "str")  # no clustering, integer village codes, string village names
SEEDS = {25: 101, 200: 202, 3000: 303}


def test_reference_version() -> None:
    """Reference: the statsmodels version these comparisons were written against is 0.15."""
    assert statsmodels.__version__.startswith("0.15")


def make_panel(n_units: int, seed: int, cluster_kind: str | None) -> pd.DataFrame:
    """Random long panel: unbalanced clusters, attrition, missing outcomes and covariates, shuffled rows."""
    rng = np.random.default_rng(seed)
    n_clusters = max(4, n_units // 15)
    # Unbalanced cluster sizes: gamma-distributed cluster weights.
    weights = rng.gamma(0.8, size=n_clusters)
    village = rng.choice(n_clusters, size=n_units, p=weights / weights.sum())
    treated = rng.integers(0, 2, n_units)
    treated[:2] = [0, 1]
    x1_b = rng.normal(size=n_units)
    x2_b = rng.exponential(size=n_units)
    v_eff = rng.normal(size=n_clusters)[village]
    y_b = 10 + x1_b + v_eff + rng.normal(size=n_units) * (1 + x2_b)
    y_a = y_b + 0.7 + 1.3 * treated + 0.4 * x1_b + 0.5 * v_eff + rng.normal(size=n_units) * (1 + treated)
    unit = np.arange(n_units) * 7 + 3  # non-contiguous ids
    base = pd.DataFrame({"unit": unit, "wave": "baseline", "y": y_b, "treated": treated, "x1": x1_b,
                         "x2": x2_b, "village": village})
    end = pd.DataFrame({"unit": unit, "wave": "endline", "y": y_a, "treated": treated,
                        "x1": x1_b + rng.normal(size=n_units), "x2": x2_b * 2, "village": village})
    end = end[rng.random(n_units) > 0.08]  # attrition
    df = pd.concat([base, end], ignore_index=True)
    df.loc[rng.random(len(df)) < 0.04, "y"] = np.nan
    df.loc[rng.random(len(df)) < 0.02, "x1"] = np.nan
    if cluster_kind == "str":
        df["village"] = np.asarray([f"desa-{v:03d}" for v in df["village"]], dtype=object)
        df["village"] = df["village"].astype("str")
    elif cluster_kind is None:
        df = df.drop(columns="village")
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def fit_reference(y: np.ndarray, X: np.ndarray, groups: np.ndarray | None, alpha: float) -> dict:
    """Fit the reference: statsmodels 0.15 OLS with HC1 or CRV1 (cluster) covariance and t inference."""
    model = sm.OLS(np.asarray(y, float), np.asarray(X, float))
    if groups is None:
        res = model.fit(cov_type="HC1", use_t=True)
        df_ref = res.df_resid
    else:
        codes = pd.factorize(pd.Series(groups))[0]
        res = model.fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)
        df_ref = res.df_resid_inference
        assert df_ref == len(np.unique(codes)) - 1  # statsmodels' convention: G - 1
    return {"res": res, "df": df_ref, "ci": res.conf_int(alpha=alpha), "nobs": int(res.nobs)}


def assert_matches(est, ref: dict, idx: int) -> None:
    res = ref["res"]
    np.testing.assert_allclose(est.estimate, res.params[idx], rtol=RTOL_COEF, atol=0)
    np.testing.assert_allclose(est.se, res.bse[idx], rtol=RTOL_SE, atol=0)
    np.testing.assert_allclose([est.ci_low, est.ci_high], ref["ci"][idx], rtol=RTOL_CI, atol=0)
    np.testing.assert_allclose(est.p_value, res.pvalues[idx], rtol=RTOL_P, atol=P_ABS_FLOOR)
    assert est.df_resid == round(ref["df"])


def wide(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Independent reshaping for the reference: one row per unit, ``<col>_baseline`` / ``<col>_endline``."""
    w = df.pivot(index="unit", columns="wave", values=cols)
    w.columns = [f"{c}_{p}" for c, p in w.columns]
    return w


# ----------------------------------------------------------------------------------------------------
# panel estimators
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cluster_kind", CLUSTERINGS)
@pytest.mark.parametrize("n_units", SIZES)
def test_pre_post_matches_statsmodels(n_units: int, cluster_kind: str | None) -> None:
    """Reference: statsmodels 0.15 OLS of the change on a constant (HC1 / CRV1, use_t=True)."""
    df = make_panel(n_units, SEEDS[n_units], cluster_kind)
    cluster = None if cluster_kind is None else "village"
    est = pre_post(df, "y", "unit", "wave", "baseline", "endline", cluster=cluster)
    cols = ["y"] + ([cluster] if cluster else [])
    w = wide(df, cols).dropna()
    d = (w["y_endline"] - w["y_baseline"]).to_numpy(float)
    groups = None if cluster is None else w["village_baseline"].to_numpy()
    ref = fit_reference(d, np.ones((len(d), 1)), groups, 0.05)
    assert_matches(est, ref, 0)
    assert est.n_units == len(d)
    assert est.n_obs == 2 * len(d)
    assert est.n_dropped == df["unit"].nunique() - len(d)
    assert est.n_clusters == (None if cluster is None else w["village_baseline"].nunique())


@pytest.mark.parametrize("covariates", [(), ("x1", "x2")])
@pytest.mark.parametrize("cluster_kind", CLUSTERINGS)
@pytest.mark.parametrize("n_units", SIZES)
def test_did_panel_matches_statsmodels(n_units: int, cluster_kind: str | None, covariates: tuple) -> None:
    """Reference: statsmodels 0.15 OLS of the first difference on [1, treated, baseline covariates]."""
    df = make_panel(n_units, SEEDS[n_units], cluster_kind)
    cluster = None if cluster_kind is None else "village"
    est = did(df, "y", "wave", "treated", "baseline", "endline", unit="unit", cluster=cluster,
              covariates=covariates, alpha=0.10)
    cols = ["y", "treated", *covariates] + ([cluster] if cluster else [])
    w = wide(df, cols)
    need = ["y_baseline", "y_endline"] + [f"{c}_baseline" for c in covariates]
    w = w.dropna(subset=need)
    d = (w["y_endline"] - w["y_baseline"]).to_numpy(float)
    X = np.column_stack([np.ones(len(w)), w["treated_baseline"].to_numpy(float)]
                        + [w[f"{c}_baseline"].to_numpy(float) for c in covariates])
    groups = None if cluster is None else w["village_baseline"].to_numpy()
    ref = fit_reference(d, X, groups, 0.10)
    assert_matches(est, ref, 1)
    assert est.n_units == len(d)
    assert est.n_dropped == df["unit"].nunique() - len(d)


@pytest.mark.parametrize("covariates", [(), ("x1", "x2")])
@pytest.mark.parametrize("cluster_kind", CLUSTERINGS)
@pytest.mark.parametrize("n_units", SIZES)
def test_ancova_matches_statsmodels(n_units: int, cluster_kind: str | None, covariates: tuple) -> None:
    """Reference: statsmodels 0.15 OLS of endline y on [1, treated, baseline y, baseline covariates]."""
    df = make_panel(n_units, SEEDS[n_units] + 1, cluster_kind)
    cluster = None if cluster_kind is None else "village"
    est = ancova(df, "y", "unit", "wave", "treated", "baseline", "endline", cluster=cluster,
                 covariates=covariates)
    cols = ["y", "treated", *covariates] + ([cluster] if cluster else [])
    w = wide(df, cols)
    w = w.dropna(subset=["y_baseline", "y_endline"] + [f"{c}_baseline" for c in covariates])
    X = np.column_stack([np.ones(len(w)), w["treated_baseline"].to_numpy(float),
                         w["y_baseline"].to_numpy(float)]
                        + [w[f"{c}_baseline"].to_numpy(float) for c in covariates])
    groups = None if cluster is None else w["village_baseline"].to_numpy()
    ref = fit_reference(w["y_endline"].to_numpy(float), X, groups, 0.05)
    assert_matches(est, ref, 1)
    assert est.n_units == len(w)


# ----------------------------------------------------------------------------------------------------
# cross-section estimators
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("covariates", [(), ("x1", "x2")])
@pytest.mark.parametrize("cluster_kind", CLUSTERINGS)
@pytest.mark.parametrize("n_units", SIZES)
def test_did_repeated_cross_section_matches_statsmodels(
    n_units: int, cluster_kind: str | None, covariates: tuple
) -> None:
    """Reference: statsmodels 0.15 OLS of y on [1, treated, post, treated*post, covariates] (rows)."""
    df = make_panel(n_units, SEEDS[n_units] + 2, cluster_kind)
    cluster = None if cluster_kind is None else "village"
    est = did(df, "y", "wave", "treated", "baseline", "endline", cluster=cluster, covariates=covariates)
    rows = df.dropna(subset=["y", *covariates])
    t = rows["treated"].to_numpy(float)
    post = (rows["wave"] == "endline").to_numpy(float)
    X = np.column_stack(
        [np.ones(len(rows)), t, post, t * post] + [rows[c].to_numpy(float) for c in covariates]
    )
    groups = None if cluster is None else rows["village"].to_numpy()
    ref = fit_reference(rows["y"].to_numpy(float), X, groups, 0.05)
    assert_matches(est, ref, 3)
    assert est.n_obs == len(rows)
    assert est.n_dropped == len(df) - len(rows)
    assert est.design == "repeated_cross_section"


@pytest.mark.parametrize("cluster_kind", CLUSTERINGS)
@pytest.mark.parametrize("n_units", SIZES)
def test_diff_in_means_matches_statsmodels(n_units: int, cluster_kind: str | None) -> None:
    """Reference: statsmodels 0.15 OLS of endline y on [1, treated] (HC1 / CRV1, use_t=True)."""
    df = make_panel(n_units, SEEDS[n_units] + 3, cluster_kind)
    end = df[df["wave"] == "endline"]
    cluster = None if cluster_kind is None else "village"
    est = diff_in_means(end, "y", "treated", cluster=cluster, alpha=0.01)
    rows = end.dropna(subset=["y"])
    X = np.column_stack([np.ones(len(rows)), rows["treated"].to_numpy(float)])
    groups = None if cluster is None else rows["village"].to_numpy()
    ref = fit_reference(rows["y"].to_numpy(float), X, groups, 0.01)
    assert_matches(est, ref, 1)
    assert est.n_dropped == len(end) - len(rows)


def test_crv1_with_singleton_and_large_clusters_matches_statsmodels() -> None:
    """Reference: statsmodels 0.15 CRV1 with very unbalanced clusters (singletons and one huge cluster)."""
    rng = np.random.default_rng(77)
    n = 500
    village = np.where(rng.random(n) < 0.6, "big", np.asarray([f"s{i}" for i in range(n)], dtype=object))
    df = pd.DataFrame({"y": rng.standard_t(3, n), "treated": rng.integers(0, 2, n), "village": village})
    est = diff_in_means(df, "y", "treated", cluster="village")
    X = np.column_stack([np.ones(n), df["treated"].to_numpy(float)])
    ref = fit_reference(df["y"].to_numpy(float), X, df["village"].to_numpy(), 0.05)
    assert_matches(est, ref, 1)
    assert est.n_clusters == df["village"].nunique()
