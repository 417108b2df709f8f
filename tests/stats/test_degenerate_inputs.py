"""Degenerate inputs to the public statistics (issue 16, item 1).

Missing p-values, NaN statistics and outcomes, missing cluster labels, an outcome without variance, one village
per arm.

Multiple-testing corrections follow R's ``p.adjust`` for ``NA`` (documented in ``?p.adjust``: the default
``n = length(p)`` is evaluated after the ``NA`` are removed, so they are not counted and stay ``NA``); Romano-Wolf
leaves a hypothesis without a statistic out of the step-down; everything else refuses what it cannot use with a
``ValueError`` naming the argument.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from evaluation.core.config import DesignSettings
from evaluation.stats.bootstrap import wcr_did, wcr_test, wild_tstats
from evaluation.stats.degenerate import REASONS, NotEstimable
from evaluation.stats.multiple import adjust, adjusted_table, benjamini_hochberg, holm, romano_wolf, romano_wolf_did
from evaluation.stats.regression import cluster_codes, first_differences

NA = np.nan
DESIGN = DesignSettings()


# ------------------------------------------------------------------------------------------ p.adjust semantics
@pytest.mark.parametrize(
    ("p", "method", "expected"),
    [
        # the example: R> p.adjust(c(0.01, NA, 0.03), "holm") -> 0.02 NA 0.03; "BH" -> 0.02 NA 0.03
        ([0.01, NA, 0.03], "holm", [0.02, NA, 0.03]),
        ([0.01, NA, 0.03], "fdr_bh", [0.02, NA, 0.03]),
        # hand: m = 3 observed, sorted 0.01, 0.02, 0.04; Holm 3*0.01, max(0.03, 2*0.02), max(0.04, 1*0.04);
        # BH from the top: 3*0.04/3 = 0.04, min(0.04, 3*0.02/2) = 0.03, min(0.03, 3*0.01/1) = 0.03
        ([NA, 0.04, 0.01, NA, 0.02], "holm", [NA, 0.04, 0.03, NA, 0.04]),
        ([NA, 0.04, 0.01, NA, 0.02], "fdr_bh", [NA, 0.04, 0.03, NA, 0.03]),
        # R returns a single observed p-value unchanged (n <= 1) and all-NA as NA
        ([NA, 0.2], "holm", [NA, 0.2]),
        ([NA, 0.2], "fdr_bh", [NA, 0.2]),
        ([NA, NA], "holm", [NA, NA]),
        ([NA, NA], "fdr_bh", [NA, NA]),
    ],
)
def test_missing_p_values_follow_r_p_adjust(p, method, expected):
    np.testing.assert_allclose(adjust(p, method), expected, rtol=0, atol=1e-15)


def test_missing_p_values_leave_the_others_as_without_them():
    """Library: the observed p-values get what statsmodels gives the same p-values without the NaN."""
    rng = np.random.default_rng(16)
    for _ in range(50):
        p = rng.uniform(0, 0.2, size=8)
        gap = rng.random(8) < 0.3
        with_na = np.where(gap, np.nan, p)
        for ours, theirs in ((holm, "holm"), (benjamini_hochberg, "fdr_bh")):
            got = ours(with_na)
            assert np.isnan(got[gap]).all()
            if (~gap).any():
                np.testing.assert_allclose(got[~gap], multipletests(p[~gap], method=theirs)[1], atol=1e-15)


@pytest.mark.parametrize("bad", [[0.1, 1.2], [-0.01, 0.3], [np.inf, 0.2]])
def test_corrections_refuse_p_values_outside_the_unit_interval(bad):
    for f in (holm, benjamini_hochberg):
        with pytest.raises(ValueError, match="pvalues must lie in"):
            f(bad)


def test_adjusted_table_keeps_a_family_with_a_missing_p_value():
    """One NaN p-value no longer spoils the family: the others are corrected over the observed ones."""
    _, keys = adjusted_table({"a": 0.01, "b": np.nan, "c": 0.03}, {"primary": ["a", "b", "c"]}, {}, "S")
    assert keys["S.a.did.holm_p_value"] == pytest.approx(0.02)
    assert keys["S.c.did.holm_p_value"] == pytest.approx(0.03)
    assert keys["S.a.did.fdr_bh_p_value"] == pytest.approx(0.02)
    assert keys["S.c.did.fdr_bh_survives"] is True
    assert not any(k.startswith("S.b.did.") for k in keys)
    assert keys["S.multiple_testing.left_out.b"] == "no_p_value"


# ------------------------------------------------------------------------------------------------ Romano-Wolf
def test_romano_wolf_leaves_out_a_missing_statistic():
    """A NaN statistic gets NaN; the others equal the step-down over the remaining hypotheses alone."""
    rng = np.random.default_rng(3)
    t = np.array([np.nan, 0.5, 3.0, 1.8])
    tb = rng.normal(size=(4, 499))
    got = romano_wolf(t, tb)
    assert np.isnan(got[0])
    np.testing.assert_allclose(got[1:], romano_wolf(t[1:], tb[1:]))
    assert got[1] > 0.3  # t = 0.5 is not significant (was 1/(B+1) on main)
    tb_bad = tb.copy()
    tb_bad[3, 7] = np.nan  # a hypothesis whose bootstrap statistics are not all defined is left out too
    got = romano_wolf(t, tb_bad)
    assert np.isnan(got[[0, 3]]).all()
    np.testing.assert_allclose(got[1:3], romano_wolf(t[1:3], tb[1:3]))
    assert np.isnan(romano_wolf(np.array([np.nan]), tb[:1])).all()


def test_romano_wolf_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="t_boot must have shape"):
        romano_wolf(np.ones(3), np.ones((2, 10)))
    with pytest.raises(ValueError, match="t_stats must be finite"):
        romano_wolf(np.array([np.inf, 1.0]), np.ones((2, 10)))


# ------------------------------------------------------------------------------------ wild bootstrap inputs
def _design(seed=0, n=60, G=6):
    rng = np.random.default_rng(seed)
    cl = np.repeat(np.arange(G), n // G)
    treat = (cl % 2).astype(float)
    X = np.column_stack([np.ones(n), treat])
    return rng.normal(size=n), X, cl


def test_wcr_refuses_a_missing_outcome_or_cluster():
    y, X, cl = _design()
    y[3] = np.nan
    with pytest.raises(ValueError, match=r"^y has 1 missing"):
        wcr_test(y, X, cl, 1, n_boot=99)  # was p = 0 on main
    y, X, cl = _design()
    X[5, 1] = np.inf
    with pytest.raises(ValueError, match=r"^X has 1 missing"):
        wcr_test(y, X, cl, 1, n_boot=99)
    labels = cl.astype(object)
    labels[2] = None
    with pytest.raises(ValueError, match="missing label"):
        wcr_test(_design()[0], _design()[1], labels, 1, n_boot=99)


def test_wcr_of_an_outcome_without_variance_is_not_estimable():
    """A constant outcome: CRV1 SE 0, every statistic 0/0 (ZeroDivisionError on main)."""
    _, X, cl = _design()
    with pytest.raises(NotEstimable) as err:
        wcr_test(np.full(len(cl), 2.5), X, cl, 1, n_boot=99)
    assert err.value.reason == "no_cluster_variation"
    v = np.ones((6, 4))
    with pytest.raises(NotEstimable):
        wild_tstats(np.zeros(len(cl)), X, cl, 1, v)


def test_wcr_with_one_village_per_arm_is_not_estimable():
    """Two villages, each one arm: the residuals sum to zero within each village, so CRV1 SE is 0."""
    rng = np.random.default_rng(5)
    cl = np.repeat([0, 1], 10)
    X = np.column_stack([np.ones(20), cl.astype(float)])
    with pytest.raises(NotEstimable) as err:
        wcr_test(rng.normal(size=20), X, cl, 1, n_boot=99)
    assert err.value.reason == "no_cluster_variation"
    with pytest.raises(NotEstimable) as err:
        wcr_test(rng.normal(size=20), X, np.zeros(20, int), 1, n_boot=99)
    assert err.value.reason == "one_cluster"


def _panel(per_arm_villages=1, n=12, fe_constant=False):
    """Two waves; ProKUS families in villages V0.., comparison in W0..; outcome 'y' random, 'c' constant."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(n):
        arm = i % 2
        vil = f"{'V' if arm else 'W'}{i % per_arm_villages}"
        for wave in ("baseline", "endline"):
            rows.append({"family_id": f"F{i:02d}", "wave": wave, "village": vil, "treated": arm,
                         "y": rng.normal(), "c": 1.0})  # fmt: skip
    return pd.DataFrame(rows)


def test_wcr_did_and_romano_wolf_did_skip_an_outcome_with_one_village_per_arm():
    pan = _panel(per_arm_villages=1)
    table, keys = wcr_did(pan, "S", ["y", "c"], DESIGN, n_boot=99, seed=1)
    assert table.empty
    assert keys == {"S.y.did.wcr_reason": "no_cluster_variation"}
    assert romano_wolf_did(pan, "S", ["y", "c"], DESIGN, n_boot=99, seed=1) == {}


def test_missing_cluster_labels():
    """cluster_codes refuses a missing label (was a cluster named 'nan'); first_differences drops it, as did."""
    with pytest.raises(ValueError, match="missing label"):
        cluster_codes(["a", None, "b"])
    with pytest.raises(ValueError, match="missing label"):
        cluster_codes(pd.Series(["a", pd.NA, "b"], dtype="string"))
    np.testing.assert_array_equal(cluster_codes(["b", "a", "b"]), [1, 0, 1])
    pan = _panel(per_arm_villages=3)
    pan.loc[pan["family_id"] == "F03", "village"] = None
    fd = first_differences(pan, "y", DESIGN)
    assert "F03" not in set(fd["unit"]) and "nan" not in set(fd["cluster"])
    assert len(fd) == 11


def test_reason_codes_are_checked():
    with pytest.raises(ValueError, match="reason must be one of"):
        NotEstimable("not_a_reason", "x")
    for r in REASONS:
        assert NotEstimable(r, "x").reason == r


# ------------------------------------------------------------------------------- NaN refused, argument named
def test_public_statistics_refuse_nan_naming_the_argument():
    from evaluation.stats.inference import vcov_crv1, vcov_hc1
    from evaluation.stats.lee_bounds import imbens_manski
    from evaluation.stats.power import icc_anova, mde

    X, e = np.ones((6, 1)), np.array([1.0, 2, np.nan, 4, 5, 6])
    with pytest.raises(ValueError, match=r"^resid has 1 missing"):
        vcov_crv1(X, e, np.array([0, 0, 1, 1, 2, 2]))
    with pytest.raises(ValueError, match=r"^resid has 1 missing"):
        vcov_hc1(X, e)
    with pytest.raises(ValueError, match=r"^se_lower has 1 missing"):
        imbens_manski(0.1, 0.3, np.nan, 0.1)  # was scipy's "function value at x=0.0 is NaN"
    with pytest.raises(ValueError, match=r"^y has 1 missing"):
        icc_anova(e, np.array([0, 0, 1, 1, 2, 2]))
    with pytest.raises(ValueError, match="clusters has missing labels"):
        icc_anova(np.arange(6.0), np.array(["a", "a", None, "b", "c", "c"], dtype=object))
    with pytest.raises(ValueError, match=r"^icc has 1 missing"):
        mde(50, 50, 20, 1.0, np.nan, 0.5)  # was a silent NaN
    assert np.isfinite(mde(50, 50, 20, 1.0, 0.1, 0.5))
