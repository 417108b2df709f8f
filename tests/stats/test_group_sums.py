"""The O(N) group-sum path of ``pre_post`` and ``did`` (panel, no covariates) against statsmodels and by hand.

References: statsmodels 0.15 ``OLS(d, X).fit(cov_type='HC1' | 'cluster', use_t=True)`` on the first differences
(X = constant for ``pre_post``, X = [1, treated] for ``did``), whose CRV1 factor is G/(G-1) (n-1)/(n-k) with
t(G-1) inference, as Stata's ``regress, vce(cluster)``; and the package's own QR path
(:func:`evaluation.stats.inference.ols` + ``vcov_hc1`` / ``vcov_crv1``). The data are laid out as national-scale data
arrive: ids dictionary-encoded (pandas ``Categorical``, also after a Parquet round trip through pyarrow), rows
either in unit pairs (the strided fast layout) or shuffled (the general scatter/gather layout).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import statsmodels.api as sm

from evaluation.estimators import did, pre_post
from evaluation.stats.group_sums import column_codes, paired_mean, two_group_difference
from evaluation.stats.inference import ols, vcov_crv1, vcov_hc1

RTOL = 1e-8  # relative agreement of estimate and SE with statsmodels (the equality criterion)
RTOL_HAND = 1e-12  # closed forms against a hand computation on a few numbers
SIZES = (40, 2_000, 200_000)  # units
SEEDS = {40: 11, 2_000: 22, 200_000: 33}
COVERAGE_REPS = 400
COVERAGE_BAND = (0.92, 0.98)  # 400 draws: 0.95 +/- about 2.5 binomial SEs


def national_panel(n_units: int, seed: int, layout: str, offset: float = 0.0) -> pd.DataFrame:
    """Long panel with Categorical ids and villages; ``layout`` 'pairs' (unit by unit) or 'shuffled'."""
    rng = np.random.default_rng(seed)
    n_villages = max(3, n_units // 120)
    village = rng.integers(0, n_villages, n_units)
    treated = (rng.random(n_units) < 0.4).astype(np.int8)
    treated[:2] = [0, 1]
    v_eff = rng.normal(size=n_villages)[village]
    y_b = offset + 5 + v_eff + rng.normal(size=n_units)
    y_a = y_b + 0.5 + 0.8 * treated + 0.3 * v_eff + rng.normal(size=n_units) * (1 + treated)
    ids = pd.Index([f"F{i:07d}" for i in range(n_units)])
    villages = pd.Index([f"V{i:05d}" for i in range(n_villages)])
    df = pd.DataFrame(
        {
            "family_id": pd.Categorical.from_codes(np.repeat(np.arange(n_units), 2), categories=ids),
            "wave": pd.Categorical.from_codes(np.tile([0, 1], n_units), categories=["baseline", "endline"]),
            "village": pd.Categorical.from_codes(np.repeat(village, 2), categories=villages),
            "treated": np.repeat(treated, 2),
            "y": np.column_stack([y_b, y_a]).ravel(),
        }
    )
    if layout == "shuffled":
        df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return df


def reference(df: pd.DataFrame, with_treated: bool, cluster: bool) -> sm.regression.linear_model.RegressionResults:
    """Reference fit: statsmodels on first differences built independently by ``pivot``."""
    w = df.assign(family_id=df["family_id"].astype(str)).pivot(index="family_id", columns="wave", values="y")
    units = df.drop_duplicates("family_id").set_index(df.drop_duplicates("family_id")["family_id"].astype(str))
    units = units.loc[w.index]
    d = (w["endline"] - w["baseline"]).to_numpy(float)
    X = np.ones((d.size, 1))
    if with_treated:
        X = np.column_stack([X, units["treated"].to_numpy(float)])
    model = sm.OLS(d, X)
    if not cluster:
        return model.fit(cov_type="HC1", use_t=True)
    groups = pd.factorize(units["village"].astype(str))[0]
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups}, use_t=True)


@pytest.mark.parametrize("layout", ["pairs", "shuffled"])
@pytest.mark.parametrize("cluster", [False, True])
@pytest.mark.parametrize("n_units", SIZES)
def test_did_and_pre_post_match_statsmodels(n_units: int, cluster: bool, layout: str) -> None:
    """Reference: statsmodels 0.15 OLS on first differences, HC1 or CRV1, t inference (module docstring)."""
    df = national_panel(n_units, SEEDS[n_units], layout)
    clu = "village" if cluster else None
    est = did(df, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster=clu)
    ref = reference(df, True, cluster)
    np.testing.assert_allclose(est.estimate, ref.params[1], rtol=RTOL)
    np.testing.assert_allclose(est.se, ref.bse[1], rtol=RTOL)
    np.testing.assert_allclose([est.ci_low, est.ci_high], ref.conf_int()[1], rtol=RTOL)
    np.testing.assert_allclose(est.p_value, ref.pvalues[1], rtol=RTOL, atol=1e-300)
    assert est.n_units == n_units and est.n_obs == 2 * n_units and est.n_dropped == 0

    treated_only = df[df["treated"] == 1]
    est = pre_post(treated_only, "y", "family_id", "wave", "baseline", "endline", cluster=clu)
    ref = reference(treated_only, False, cluster)
    np.testing.assert_allclose(est.estimate, ref.params[0], rtol=RTOL)
    np.testing.assert_allclose(est.se, ref.bse[0], rtol=RTOL)
    assert est.n_units == treated_only["family_id"].nunique()
    assert est.n_dropped == 0  # categories of the comparison families are not units of this sample
    if cluster:
        assert est.n_clusters == treated_only["village"].nunique()
        assert est.df_resid == est.n_clusters - 1


@pytest.mark.parametrize("cluster", [False, True])
def test_large_offset_keeps_precision(cluster: bool) -> None:
    """Reference: statsmodels 0.15; outcomes around 1e9 (rupiah) with small changes test the two-pass means."""
    df = national_panel(20_000, 5, "pairs", offset=1e9)
    clu = "village" if cluster else None
    est = did(df, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster=clu)
    ref = reference(df, True, cluster)
    np.testing.assert_allclose(est.estimate, ref.params[1], rtol=RTOL)
    np.testing.assert_allclose(est.se, ref.bse[1], rtol=RTOL)


def test_parquet_dictionary_columns(tmp_path) -> None:
    """Reference: statsmodels 0.15; ids written dictionary-encoded by pyarrow come back Categorical and agree."""
    df = national_panel(3_000, 8, "pairs")
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, tmp_path / "panel.parquet")
    back = pd.read_parquet(tmp_path / "panel.parquet")
    assert isinstance(back["family_id"].dtype, pd.CategoricalDtype)
    est = did(back, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster="village")
    ref = reference(df, True, True)
    np.testing.assert_allclose(est.estimate, ref.params[1], rtol=RTOL)
    np.testing.assert_allclose(est.se, ref.bse[1], rtol=RTOL)


def test_fast_path_equals_qr_path() -> None:
    """Reference: the package's QR path (ols + vcov_hc1 / vcov_crv1) on the same first differences."""
    rng = np.random.default_rng(3)
    n = 5_000
    d = rng.normal(size=n) * 3 + 1
    t = (rng.random(n) < 0.3).astype(int)
    d += 2 * t
    c = rng.integers(0, 200, n)
    X = np.column_stack([np.ones(n), t])
    beta, e = ols(d, X)
    for clusters, V in ((None, vcov_hc1(X, e)), (c, vcov_crv1(X, e, c))):
        fit = two_group_difference(d, t, clusters)
        np.testing.assert_allclose(fit.estimate, beta[1], rtol=RTOL)
        np.testing.assert_allclose(fit.se, np.sqrt(V[1, 1]), rtol=RTOL)
    beta, e = ols(d, np.ones((n, 1)))
    for clusters, V in ((None, vcov_hc1(np.ones((n, 1)), e)), (c, vcov_crv1(np.ones((n, 1)), e, c))):
        fit = paired_mean(d, clusters)
        np.testing.assert_allclose(fit.estimate, beta[0], rtol=RTOL)
        np.testing.assert_allclose(fit.se, np.sqrt(V[0, 0]), rtol=RTOL)


def test_hand_computed() -> None:
    """Reference: hand computation. d = (1, 3, 2, 6), D = (0, 0, 1, 1), clusters (0, 1, 0, 1).

    Means 2 (D=0) and 4 (D=1), tau = 2; residuals (-1, 1, -2, 2); a = e (D/n1 - (1-D)/n0) with n0 = n1 = 2:
    (0.5, -0.5, -1, 1). HC1: 4/2 * (0.25 + 0.25 + 1 + 1) = 5, se = sqrt(5). CRV1: cluster sums (-0.5, 0.5),
    G/(G-1) (n-1)/(n-k) = 2 * 3/2 = 3, V = 3 * 0.5 = 1.5. Paired mean of d: 3, residuals (-2, 0, -1, 3),
    HC1 4/3 * 14/16 = 7/6; CRV1 clusters (-3, 3)/4: 2 * 3/3 * (9/16 + 9/16) = 9/4.
    """
    d = np.array([1.0, 3.0, 2.0, 6.0])
    t = np.array([0, 0, 1, 1])
    c = np.array([0, 1, 0, 1])
    fit = two_group_difference(d, t)
    assert fit.estimate == pytest.approx(2.0, rel=RTOL_HAND)
    assert fit.se == pytest.approx(np.sqrt(5.0), rel=RTOL_HAND)
    assert fit.df_resid == 2 and fit.n_clusters is None
    fit = two_group_difference(d, t, c)
    assert fit.se == pytest.approx(np.sqrt(1.5), rel=RTOL_HAND)
    assert fit.df_resid == 1 and fit.n_clusters == 2
    fit = paired_mean(d)
    assert fit.estimate == pytest.approx(3.0, rel=RTOL_HAND)
    assert fit.se == pytest.approx(np.sqrt(7 / 6), rel=RTOL_HAND)
    fit = paired_mean(d, c)
    assert fit.se == pytest.approx(np.sqrt(9 / 4), rel=RTOL_HAND)
    with pytest.raises(ValueError, match="at least 2 clusters"):
        paired_mean(d, np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match="both groups"):
        two_group_difference(d, np.ones(4, dtype=int))


def test_coverage_by_simulation() -> None:
    """Reference: known truth. Clustered data with true tau = 0.5; CRV1 95% intervals should cover ~95%."""
    rng = np.random.default_rng(20201)
    covered, estimates = 0, []
    n, g = 1_200, 60
    for _ in range(COVERAGE_REPS):
        c = rng.integers(0, g, n)
        t = (rng.random(g) < 0.5).astype(int)[c]  # treatment assigned by cluster
        d = 0.5 * t + rng.normal(size=g)[c] + rng.normal(size=n)
        fit = two_group_difference(d, t, c)
        from scipy import stats

        half = stats.t.ppf(0.975, fit.df_resid) * fit.se
        covered += abs(fit.estimate - 0.5) <= half
        estimates.append(fit.estimate)
    assert COVERAGE_BAND[0] <= covered / COVERAGE_REPS <= COVERAGE_BAND[1]
    assert abs(np.mean(estimates) - 0.5) < 3 * np.std(estimates) / np.sqrt(COVERAGE_REPS)


def test_layout_fallbacks_and_errors() -> None:
    """Reference: hand-built frames. Pair order after/before, repeated ids, unused categories, missing values."""
    df = national_panel(300, 4, "pairs")
    ref = did(df, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster="village")
    # endline row first in every pair: same result
    swapped = df.iloc[np.arange(len(df)).reshape(-1, 2)[:, ::-1].ravel()].reset_index(drop=True)
    est = did(swapped, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster="village")
    assert est.estimate == pytest.approx(ref.estimate, rel=1e-12) and est.se == pytest.approx(ref.se, rel=1e-12)
    # the same unit in two pairs: a duplicate (unit, period) error, not a silent pairing
    dup = pd.concat([df.iloc[:4], df.iloc[:2]], ignore_index=True)
    with pytest.raises(ValueError, match="duplicate"):
        did(dup, "y", "wave", "treated", "baseline", "endline", unit="family_id")
    # missing outcomes and clusters drop their units and are counted
    holes = df.copy()
    holes.loc[[1, 10], "y"] = np.nan
    holes.loc[21, "village"] = np.nan
    est = did(holes, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster="village")
    assert est.n_dropped == 3 and est.n_units == 297
    # a cluster that changes within a unit is refused in the pair layout too
    moved = df.copy()
    moved["village"] = moved["village"].cat.add_categories(["elsewhere"])
    moved.loc[3, "village"] = "elsewhere"
    with pytest.raises(ValueError, match="constant within unit"):
        did(moved, "y", "wave", "treated", "baseline", "endline", unit="family_id", cluster="village")
    # codes of a Categorical column are used as they are
    codes, labels = column_codes(df["village"])
    assert codes.dtype.itemsize <= 2 and len(labels) == df["village"].cat.categories.size
