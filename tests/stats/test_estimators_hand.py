"""Hand-computed checks of :mod:`evaluation.estimators` and :mod:`evaluation.stats.results`.

Every expected number below is worked out by hand in the comments (cell means, residuals, sandwich
formulas). Quantiles of the t distribution are textbook table values (e.g. t_{0.975, 3} = 3.18245); for
2 degrees of freedom the two-sided p-value has the closed form p = 1 - |t| / sqrt(2 + t^2).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from evaluation import Estimate
from evaluation.estimators import ancova, did, diff_in_means, pre_post
from evaluation.stats.inference import ols, t_inference, vcov_crv1, vcov_hc1

# Tolerances: hand results are exact rationals, so only floating-point rounding separates them.
EXACT = 1e-12  # relative tolerance for estimates and standard errors
QUANTILE = 1e-9  # relative tolerance for numbers involving t quantiles / p-values typed with 10+ digits

# Two-sided 95% t quantiles t_{0.975, df} (t tables).
T975 = {1: 12.706204736174694, 2: 4.302652729749462, 3: 3.1824463052837078, 4: 2.7764451051977934,
        5: 2.5705818356363146}


def approx(x: float, rel: float = EXACT) -> object:
    return pytest.approx(x, rel=rel, abs=0.0)


# ----------------------------------------------------------------------------------------------------
# data
# ----------------------------------------------------------------------------------------------------


def pre_post_frame() -> pd.DataFrame:
    """Four complete units plus two incomplete ones.

    unit  before  after  change  village
    1     10      13     3       A
    2     20      21     1       B
    3     30      34     4       B
    4     40      40     0       C
    5     50      -      -       C   (no endline row: dropped)
    6     60      NaN    -       C   (missing endline outcome: dropped)
    """
    return pd.DataFrame(
        {
            "family_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6],
            "wave": ["baseline", "endline"] * 4 + ["baseline", "baseline", "endline"],
            "income": [10, 13, 20, 21, 30, 34, 40, 40, 50, 60, np.nan],
            "village": ["A", "A", "B", "B", "B", "B", "C", "C", "C", "C", "C"],
        }
    )


def rcs_frame() -> pd.DataFrame:
    """Repeated cross-sections, two respondents per group and period.

    group      period   values   mean   residuals
    control    before   10, 12   11     -1, +1
    control    after    15, 17   16     -1, +1
    treated    before   20, 24   22     -2, +2
    treated    after    30, 32   31     -1, +1
    """
    return pd.DataFrame(
        {
            "wave": [2020, 2020, 2021, 2021, 2020, 2020, 2021, 2021],
            "treated": [0, 0, 0, 0, 1, 1, 1, 1],
            "y": [10.0, 12.0, 15.0, 17.0, 20.0, 24.0, 30.0, 32.0],
        }
    )


def panel_did_frame() -> pd.DataFrame:
    """Five units; changes: control 1, 3, 5 (mean 3); treated 6, 10 (mean 8)."""
    before = [5.0, 7.0, 9.0, 2.0, 4.0]
    change = [1.0, 3.0, 5.0, 6.0, 10.0]
    treated = [0, 0, 0, 1, 1]
    rows = []
    for i, (b, d, t) in enumerate(zip(before, change, treated, strict=True)):
        rows.append({"unit": f"u{i}", "wave": "baseline", "y": b, "treated": t})
        rows.append({"unit": f"u{i}", "wave": "endline", "y": b + d, "treated": t})
    return pd.DataFrame(rows)


def cross_section_frame() -> pd.DataFrame:
    """Treated 5, 7, 9 (mean 7, residuals -2, 0, 2); control 2, 4 (mean 3, residuals -1, 1)."""
    return pd.DataFrame(
        {
            "y": [5.0, 7.0, 9.0, 2.0, 4.0],
            "treated": [1, 1, 1, 0, 0],
            "village": ["A", "B", "C", "A", "B"],
        }
    )


def ancova_frame() -> pd.DataFrame:
    """(baseline, endline) pairs; baseline is balanced across groups.

    control: (0, 1), (0, 3), (2, 4), (2, 6)     cell means of endline: y_b=0 -> 2, y_b=2 -> 5
    treated: (0, 4), (0, 6), (2, 7), (2, 9)                            y_b=0 -> 5, y_b=2 -> 8
    The additive model y_a = 2 + 3 D + 1.5 y_b fits all four cell means, so residuals are -1, +1 in each cell.
    """
    pairs = [(0, 1), (0, 3), (2, 4), (2, 6), (0, 4), (0, 6), (2, 7), (2, 9)]
    treated = [0, 0, 0, 0, 1, 1, 1, 1]
    rows = []
    for i, ((b, a), t) in enumerate(zip(pairs, treated, strict=True)):
        rows.append({"fid": i, "wave": "baseline", "y": float(b), "treated": t})
        rows.append({"fid": i, "wave": "endline", "y": float(a), "treated": t})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------------
# pre_post
# ----------------------------------------------------------------------------------------------------


def test_pre_post_hand_hc1() -> None:
    """Hand computation: paired mean change and its HC1 (= s_d / sqrt(n)) standard error.

    changes 3, 1, 4, 0 -> mean 2; deviations 1, -1, 2, -2 -> sum of squares 10; s_d^2 = 10/3;
    SE = sqrt(10/3 / 4) = sqrt(5/6). HC1: n/(n-k) (X'X)^-1 sum e^2 (X'X)^-1 = 4/3 * 10/16 = 5/6 (same).
    df = 3; CI = 2 -/+ 3.18245 sqrt(5/6); p = 0.116157... (t = 2.19089, df 3).
    """
    est = pre_post(pre_post_frame(), "income", "family_id", "wave", "baseline", "endline")
    se = math.sqrt(5 / 6)
    assert est.estimate == approx(2.0)
    assert est.se == approx(se)
    assert est.ci_low == approx(2.0 - T975[3] * se, QUANTILE)
    assert est.ci_high == approx(2.0 + T975[3] * se, QUANTILE)
    assert est.p_value == approx(0.11615752834753827, QUANTILE)
    assert (est.n_units, est.n_obs, est.n_dropped, est.df_resid) == (4, 8, 2, 3)
    assert (est.n_clusters, est.vcov, est.method, est.design) == (None, "HC1", "pre_post", "panel")


def test_pre_post_hand_crv1() -> None:
    """Hand computation: CRV1 of the paired mean, clusters A = {1}, B = {2, 3}, C = {4} (string ids).

    Residuals of the changes: 1 | -1, 2 | -2 -> cluster sums u = 1, 1, -2, sum u^2 = 6.
    V = G/(G-1) (n-1)/(n-k) (1/n^2) sum u^2 = 3/2 * 1 * 6/16 = 9/16 -> SE = 0.75; df = G-1 = 2.
    t = 2/0.75 = 8/3; p = 1 - t/sqrt(2+t^2) = 1 - 8/sqrt(82).
    """
    est = pre_post(pre_post_frame(), "income", "family_id", "wave", "baseline", "endline", cluster="village")
    assert est.estimate == approx(2.0)
    assert est.se == approx(0.75)
    assert est.df_resid == 2
    assert est.n_clusters == 3
    assert est.vcov == "CRV1"
    assert est.ci_low == approx(2.0 - T975[2] * 0.75, QUANTILE)
    assert est.p_value == approx(1.0 - 8.0 / math.sqrt(82.0), QUANTILE)
    assert est.n_dropped == 2


def test_pre_post_equals_ols_of_change_on_constant() -> None:
    """Hand identity: paired mean = OLS of the change on a constant; HC1 SE = sd/sqrt(n) (random data)."""
    rng = np.random.default_rng(11)
    n = 37
    b = rng.normal(size=n)
    a = b + 0.3 + rng.normal(size=n)
    df = pd.DataFrame(
        {"u": np.r_[np.arange(n), np.arange(n)], "t": ["pre"] * n + ["post"] * n, "y": np.r_[b, a]}
    )
    est = pre_post(df, "y", "u", "t", "pre", "post")
    d = a - b
    assert est.estimate == approx(d.mean(), 1e-12)
    assert est.se == approx(d.std(ddof=1) / math.sqrt(n), 1e-10)
    beta, _ = ols(d, np.ones((n, 1)))
    assert est.estimate == approx(beta[0], 1e-12)


# ----------------------------------------------------------------------------------------------------
# did
# ----------------------------------------------------------------------------------------------------


def test_did_repeated_cross_section_hand() -> None:
    """Hand computation: 2x2 DiD = (31 - 22) - (16 - 11) = 4 with integer periods (2020, 2021).

    The interaction model is saturated, so the HC0 variance of the interaction is the sum over the four
    cells of sum(e^2)/n_c^2 = 2/4 + 2/4 + 8/4 + 2/4 = 3.5; HC1 multiplies by n/(n-k) = 8/4 -> V = 7.
    df = 8 - 4 = 4.
    """
    est = did(rcs_frame(), "y", "wave", "treated", before=2020, after=2021)
    assert est.estimate == approx(4.0)
    assert est.se == approx(math.sqrt(7.0))
    assert est.df_resid == 4
    assert est.ci_high == approx(4.0 + T975[4] * math.sqrt(7.0), QUANTILE)
    assert est.p_value == approx(0.20510645520407766, QUANTILE)
    assert (est.n_obs, est.n_units, est.n_dropped, est.design) == (8, 8, 0, "repeated_cross_section")


def test_did_equals_four_cell_means_and_interaction() -> None:
    """Hand identity on random data: 2x2 DiD = difference of the four cell means = interaction coefficient."""
    rng = np.random.default_rng(5)
    n = 301
    df = pd.DataFrame(
        {
            "wave": rng.choice(["baseline", "endline"], n),
            "treated": rng.integers(0, 2, n),
            "y": rng.normal(size=n) * 3 + 1,
        }
    )
    est = did(df, "y", "wave", "treated", "baseline", "endline")
    m = df.groupby(["treated", "wave"])["y"].mean()
    cells = (m[(1, "endline")] - m[(1, "baseline")]) - (m[(0, "endline")] - m[(0, "baseline")])
    assert est.estimate == approx(cells, 1e-10)
    post = (df.wave == "endline").to_numpy(float)
    t = df.treated.to_numpy(float)
    X = np.column_stack([np.ones(n), t, post, t * post])
    beta, _ = ols(df.y.to_numpy(), X)
    assert est.estimate == approx(beta[3], 1e-10)


def test_did_panel_hand() -> None:
    """Hand computation: panel DiD = mean change treated - mean change control = 8 - 3 = 5.

    Residuals of the first differences: control -2, 0, 2; treated -2, 2. HC0 = 8/3^2 + 8/2^2 = 26/9;
    HC1 = n/(n-k) * HC0 = 5/3 * 26/9 = 130/27; df = 5 - 2 = 3.
    """
    est = did(panel_did_frame(), "y", "wave", "treated", "baseline", "endline", unit="unit")
    assert est.estimate == approx(5.0)
    assert est.se == approx(math.sqrt(130 / 27))
    assert est.df_resid == 3
    assert est.ci_low == approx(5.0 - T975[3] * math.sqrt(130 / 27), QUANTILE)
    assert (est.n_units, est.n_obs, est.design) == (5, 10, "panel")


def test_did_panel_equals_difference_of_mean_changes_and_balanced_rcs() -> None:
    """Hand identity on random data: panel DiD = difference of mean changes = RCS DiD on a balanced panel."""
    rng = np.random.default_rng(8)
    n = 120
    t = rng.integers(0, 2, n)
    b = rng.normal(size=n)
    a = b + 0.5 * t + rng.normal(size=n)
    df = pd.DataFrame(
        {
            "unit": np.r_[np.arange(n), np.arange(n)],
            "wave": ["baseline"] * n + ["endline"] * n,
            "treated": np.r_[t, t].astype(bool),  # bool treatment columns are accepted
            "y": np.r_[b, a],
        }
    )
    panel = did(df, "y", "wave", "treated", "baseline", "endline", unit="unit")
    rcs = did(df, "y", "wave", "treated", "baseline", "endline")
    d = a - b
    expected = d[t == 1].mean() - d[t == 0].mean()
    assert panel.estimate == approx(expected, 1e-10)
    assert rcs.estimate == approx(expected, 1e-10)


def test_did_panel_drops_incomplete_units_and_takes_baseline_covariates() -> None:
    """Hand check: units missing a period, an outcome or a baseline covariate are dropped and counted."""
    df = panel_did_frame()
    df["x"] = [1.0, 99.0, 2.0, 99.0, 3.0, 99.0, 4.0, 99.0, 5.0, 99.0]  # endline x must be ignored
    extra = pd.DataFrame(
        {
            "unit": ["v1", "v2", "v2", "v3", "v3"],
            "wave": ["baseline", "baseline", "endline", "baseline", "endline"],
            "y": [1.0, 1.0, np.nan, 1.0, 2.0],
            "treated": [1, 0, 0, 1, 1],
            "x": [1.0, 1.0, 1.0, np.nan, 1.0],
        }
    )
    full = pd.concat([df, extra], ignore_index=True)
    est = did(full, "y", "wave", "treated", "baseline", "endline", unit="unit", covariates=["x"])
    ref = did(df.assign(x=np.repeat([1.0, 2.0, 3.0, 4.0, 5.0], 2)), "y", "wave", "treated", "baseline",
              "endline", unit="unit", covariates=("x",))
    assert est.n_dropped == 3
    assert est.n_units == 5
    assert est.estimate == approx(ref.estimate, 1e-12)
    assert est.se == approx(ref.se, 1e-12)


# ----------------------------------------------------------------------------------------------------
# diff_in_means and ancova
# ----------------------------------------------------------------------------------------------------


def test_diff_in_means_hand_hc1() -> None:
    """Hand computation: 7 - 3 = 4; HC0 = 8/3^2 + 2/2^2 = 25/18; HC1 = 5/3 * 25/18 = 125/54; df = 3."""
    est = diff_in_means(cross_section_frame(), "y", "treated")
    assert est.estimate == approx(4.0)
    assert est.se == approx(math.sqrt(125 / 54))
    assert est.df_resid == 3
    assert est.p_value == approx(0.07838784022864619, QUANTILE)
    assert (est.n_obs, est.n_units, est.design, est.method) == (5, 5, "cross_section", "diff_in_means")


def test_diff_in_means_hand_crv1() -> None:
    """Hand computation of CRV1 for the difference in means (clusters A, B, C).

    Row i moves the slope by e_i/n_1 (treated) or -e_i/n_0 (control): cluster sums of these influences:
    A: -2/3 + (-1)(-1/2) = -1/6; B: 0 + (1)(-1/2) = -1/2; C: 2/3. Sum of squares 26/36 = 13/18.
    Factor G/(G-1) (n-1)/(n-k) = 3/2 * 4/3 = 2 -> V = 13/9, SE = sqrt(13)/3; df = 2,
    p = 1 - t/sqrt(2+t^2) with t = 12/sqrt(13).
    """
    est = diff_in_means(cross_section_frame(), "y", "treated", cluster="village")
    se = math.sqrt(13) / 3
    tstat = 4.0 / se
    assert est.estimate == approx(4.0)
    assert est.se == approx(se)
    assert (est.df_resid, est.n_clusters, est.vcov) == (2, 3, "CRV1")
    assert est.p_value == approx(1.0 - tstat / math.sqrt(2.0 + tstat**2), QUANTILE)


def test_diff_in_means_drops_missing_rows() -> None:
    """Hand check: rows with a missing outcome or cluster are dropped and counted (rows)."""
    df = pd.concat(
        [
            cross_section_frame(),
            pd.DataFrame({"y": [np.nan, 100.0], "treated": [1, 0], "village": ["A", None]}),
        ],
        ignore_index=True,
    )
    est = diff_in_means(df, "y", "treated", cluster="village")
    assert est.n_dropped == 2
    assert est.estimate == approx(4.0)
    assert est.se == approx(math.sqrt(13) / 3)


def test_ancova_hand() -> None:
    """Hand computation: tau = 3 (theta = 1.5); residuals all +-1, so HC0 = (X'X)^-1.

    By Frisch-Waugh-Lovell, [(X'X)^-1]_DD = 1/||M D||^2 where M D = D - 1/2 (baseline is balanced), so
    ||M D||^2 = 8/4 = 2 -> HC0 = 1/2; HC1 = 8/(8-3) * 1/2 = 0.8; df = 5.
    """
    est = ancova(ancova_frame(), "y", "fid", "wave", "treated", "baseline", "endline")
    assert est.estimate == approx(3.0)
    assert est.se == approx(math.sqrt(0.8))
    assert est.df_resid == 5
    assert est.ci_low == approx(3.0 - T975[5] * math.sqrt(0.8), QUANTILE)
    assert est.p_value == approx(0.02023787887316542, QUANTILE)
    assert (est.n_units, est.n_obs, est.method) == (8, 16, "ancova")


# ----------------------------------------------------------------------------------------------------
# inference helpers and the Estimate record
# ----------------------------------------------------------------------------------------------------


def test_inference_helpers_hand() -> None:
    """Hand computation: HC1 and CRV1 of a mean with e = 1, -1, 2, -2; t CI/p at df = 2."""
    X = np.ones((4, 1))
    e = np.array([1.0, -1.0, 2.0, -2.0])
    # HC1: 4/3 * 10/16 = 5/6; CRV1 with clusters {0}, {1, 2}, {3}: 3/2 * 3/3 * (1 + 1 + 4)/16 = 9/16.
    assert vcov_hc1(X, e)[0, 0] == approx(5 / 6)
    assert vcov_crv1(X, e, np.array([0, 1, 1, 2]))[0, 0] == approx(9 / 16)
    assert vcov_crv1(X, e, np.array(["a", "b", "b", "c"]))[0, 0] == approx(9 / 16)
    lo, hi, p = t_inference(2.0, 0.75, 2)
    assert (lo, hi) == (approx(2.0 - T975[2] * 0.75, QUANTILE), approx(2.0 + T975[2] * 0.75, QUANTILE))
    assert p == approx(1.0 - 8.0 / math.sqrt(82.0), QUANTILE)


def test_estimate_record_hand() -> None:
    """Hand check of the Estimate record: to_dict types, conf_int, text and HTML summaries, immutability."""
    est = pre_post(pre_post_frame(), "income", "family_id", "wave", "baseline", "endline", cluster="village")
    d = est.to_dict()
    assert list(d) == [
        "estimate", "se", "ci_low", "ci_high", "p_value", "n_obs", "n_units", "n_clusters", "method",
        "outcome", "vcov", "df_resid", "alpha", "n_dropped", "design",
    ]
    assert type(d["estimate"]) is float and type(d["n_obs"]) is int and type(d["n_clusters"]) is int
    json.dumps(d)  # plain Python types only
    assert est.conf_int() == (est.ci_low, est.ci_high)
    text = str(est)
    for token in ("income", "2", "0.75", "CRV1", "Clusters", "95% CI", "pre_post"):
        assert token in text
    html = est._repr_html_()
    assert html.startswith("<table") and "CRV1" in html and "<td" in html
    with pytest.raises(AttributeError):
        est.estimate = 0.0  # type: ignore[misc]
    hc1 = diff_in_means(cross_section_frame(), "y", "treated")
    assert hc1.to_dict()["n_clusters"] is None
    assert "not clustered" in str(hc1)
    assert isinstance(hc1, Estimate)


def test_alpha_changes_interval_hand() -> None:
    """Hand computation: alpha = 0.10 uses t_{0.95, 3} = 2.35336 (t tables) for the paired mean."""
    est = pre_post(pre_post_frame(), "income", "family_id", "wave", "baseline", "endline", alpha=0.10)
    assert est.ci_high == approx(2.0 + 2.3533634348018233 * math.sqrt(5 / 6), QUANTILE)
    assert est.alpha == 0.10


# ----------------------------------------------------------------------------------------------------
# errors
# ----------------------------------------------------------------------------------------------------


def test_error_missing_column() -> None:
    """Hand check: a missing column raises a ValueError naming the column and its role."""
    df = panel_did_frame()
    with pytest.raises(ValueError, match="outcome column 'income' not found"):
        did(df, "income", "wave", "treated", "baseline", "endline", unit="unit")
    with pytest.raises(ValueError, match="cluster column 'village' not found"):
        pre_post(df, "y", "unit", "wave", "baseline", "endline", cluster="village")
    with pytest.raises(ValueError, match="covariates column 'age' not found"):
        ancova(df, "y", "unit", "wave", "treated", "baseline", "endline", covariates=["age"])
    with pytest.raises(ValueError, match="treated column 'd' not found"):
        diff_in_means(df, "y", "d")


def test_error_treated_not_binary() -> None:
    """Hand check: a treated column with values other than 0/1 (or strings) raises a ValueError."""
    df = cross_section_frame()
    with pytest.raises(ValueError, match=r"treated column 'treated' must contain only 0 and 1, found 2"):
        diff_in_means(df.assign(treated=[1, 2, 1, 0, 0]), "y", "treated")
    with pytest.raises(ValueError, match="treated column 'group' must be 0/1 integers or booleans"):
        diff_in_means(df.assign(group=["t", "t", "t", "c", "c"]), "y", "group")
    with pytest.raises(ValueError, match="treated column 'treated' has 1 missing value"):
        diff_in_means(df.assign(treated=[1, np.nan, 1, 0, 0]), "y", "treated")


def test_error_treated_varies_within_unit() -> None:
    """Hand check: in the panel case, treatment must be constant within unit; the message names the unit."""
    df = panel_did_frame()
    df.loc[(df.unit == "u1") & (df.wave == "endline"), "treated"] = 1
    with pytest.raises(ValueError, match=r"constant within unit 'unit'.*'u1'"):
        did(df, "y", "wave", "treated", "baseline", "endline", unit="unit")
    with pytest.raises(ValueError, match=r"constant within unit.*'u1'"):
        ancova(df, "y", "unit", "wave", "treated", "baseline", "endline")


def test_error_duplicate_unit_period() -> None:
    """Hand check: duplicate (unit, period) rows raise a ValueError naming the unit."""
    df = pd.concat([pre_post_frame(), pre_post_frame().iloc[[2]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"duplicate \('family_id', 'wave'\) rows.*e\.g\. 2"):
        pre_post(df, "income", "family_id", "wave", "baseline", "endline")


def test_error_no_treated_or_no_control() -> None:
    """Hand check: an empty treated or comparison group raises a ValueError."""
    df = cross_section_frame()
    with pytest.raises(ValueError, match="no treated observations"):
        diff_in_means(df.assign(treated=0), "y", "treated")
    with pytest.raises(ValueError, match="no comparison units"):
        did(panel_did_frame().assign(treated=1), "y", "wave", "treated", "baseline", "endline", unit="unit")
    rcs = rcs_frame()
    rcs = rcs[~((rcs.treated == 1) & (rcs.wave == 2020))]
    with pytest.raises(ValueError, match=r"no treated observations .* in period 2020"):
        did(rcs, "y", "wave", "treated", 2020, 2021)


def test_error_fewer_than_two_clusters() -> None:
    """Hand check: CRV1 with a single cluster raises a ValueError."""
    df = cross_section_frame().assign(village="A")
    with pytest.raises(ValueError, match="cluster column 'village' has 1 distinct value"):
        diff_in_means(df, "y", "treated", cluster="village")


def test_error_too_few_observations() -> None:
    """Hand check: n <= k raises a ValueError (2 units for the 2 parameters of the panel DiD)."""
    df = panel_did_frame()
    df = df[df.unit.isin(["u0", "u3"])]
    with pytest.raises(ValueError, match="too few observations for did: 2 observation"):
        did(df, "y", "wave", "treated", "baseline", "endline", unit="unit")
    with pytest.raises(ValueError, match="too few observations for pre_post: 1 observation"):
        pre_post(df[df.unit == "u0"], "y", "unit", "wave", "baseline", "endline")


def test_error_periods() -> None:
    """Hand check: unknown or identical period values raise a ValueError listing the values present."""
    df = pre_post_frame()
    with pytest.raises(ValueError, match=r"no rows with period column 'wave' == 'midline'.*'baseline'"):
        pre_post(df, "income", "family_id", "wave", "baseline", "midline")
    with pytest.raises(ValueError, match="must be different periods"):
        pre_post(df, "income", "family_id", "wave", "baseline", "baseline")
    with pytest.raises(ValueError, match="no rows with period column 'wave' == 1"):
        pre_post(df, "income", "family_id", "wave", 1, 2)


def test_error_cluster_varies_within_unit() -> None:
    """Hand check: a panel cluster must be constant within unit; the message names the unit."""
    df = pre_post_frame()
    df.loc[1, "village"] = "Z"
    with pytest.raises(ValueError, match=r"cluster column 'village' must be constant within unit.*1"):
        pre_post(df, "income", "family_id", "wave", "baseline", "endline", cluster="village")


def test_error_bad_alpha_and_outcome_dtype() -> None:
    """Hand check: alpha outside (0, 1) and a non-numeric outcome raise a ValueError."""
    df = cross_section_frame()
    with pytest.raises(ValueError, match="alpha must be strictly between 0 and 1"):
        diff_in_means(df, "y", "treated", alpha=5)
    with pytest.raises(ValueError, match="outcome column 'village' must be numeric"):
        diff_in_means(df, "village", "treated")


def test_error_collinear_or_non_numeric_covariate() -> None:
    """Hand check: a constant covariate (collinear with the intercept) or a text covariate is rejected."""
    df = panel_did_frame().assign(const_x=1.0, label="a")
    with pytest.raises(ValueError, match="rank deficient"):
        did(df, "y", "wave", "treated", "baseline", "endline", unit="unit", covariates=["const_x"])
    with pytest.raises(ValueError, match="covariate column 'label' must be numeric"):
        did(df, "y", "wave", "treated", "baseline", "endline", unit="unit", covariates=["label"])
