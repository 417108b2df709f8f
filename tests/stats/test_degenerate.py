"""Degenerate outcomes (issue 13, kind 7): every estimator says per outcome that it is not estimable, and why.

A constant outcome, an outcome without data in a wave, an arm with a single family, a single cluster: each gives a
:class:`NotEstimable` (a ``ValueError``) with a reason code, or a recorded reason, never a zero-width interval or a
ZeroDivisionError, and never a change to the results of the other outcomes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import estimators
from evaluation.core.config import DesignSettings
from evaluation.stats import effects
from evaluation.stats.attrition import ipw_did
from evaluation.stats.bootstrap import wcr_did
from evaluation.stats.degenerate import REASONS, Degeneracy, NotEstimable, outcome_degeneracy, reason_of
from evaluation.stats.designs import ancova_vs_did
from evaluation.stats.dose import dose_response
from evaluation.stats.heterogeneity import heterogeneity
from evaluation.stats.indices import add_indices, left_out_components
from evaluation.stats.lee_bounds import lee_bounds_did
from evaluation.stats.multiple import romano_wolf_did
from evaluation.stats.power import power_table
from evaluation.stats.regression import dummies, identified_dummies

DESIGN = DesignSettings()
COMMON = dict(period="wave", before="baseline", after="endline")


def _panel(seed: int = 3, n: int = 120, G: int = 12) -> pd.DataFrame:
    """Two waves, family-level assignment in village clusters; ``y`` and ``z`` vary, ``flat`` is 0 everywhere."""
    rng = np.random.default_rng(seed)
    vil = rng.integers(0, G, n)
    treat = np.arange(n) % 2
    base_y, base_z = rng.normal(size=n), rng.normal(size=n)
    frames = []
    for wave, y, z in (
        ("baseline", base_y, base_z),
        ("endline", 0.5 * base_y + rng.normal(size=n) + 0.3 * treat, 0.5 * base_z + rng.normal(size=n)),
    ):
        frames.append(
            pd.DataFrame(
                {
                    "family_id": [f"F{i:04d}" for i in range(n)],
                    "wave": wave,
                    "village": [f"V{v:02d}" for v in vil],
                    "treated": treat,
                    "y": y,
                    "z": z,
                    "flat": 0.0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _did(df: pd.DataFrame, outcome: str, **kw: object):
    return estimators.did(df, outcome, treated="treated", unit="family_id", cluster="village", **COMMON, **kw)


# ----------------------------------------------------------------------------------------------------- estimators
@pytest.mark.parametrize("covariates", [(), ("z",)])
def test_did_of_a_constant_outcome_is_not_estimable_never_a_zero_width_interval(covariates):
    with pytest.raises(NotEstimable) as info:
        _did(_panel(), "flat", covariates=covariates)
    assert info.value.reason == "no_variation"
    assert isinstance(info.value, ValueError)  # callers that catch ValueError for degenerate designs still do


def test_did_of_a_change_that_is_the_same_within_each_arm_is_not_estimable():
    df = _panel()
    df["step"] = np.where(df["wave"] == "endline", 1.0, 0.0) + df["treated"] * 5.0  # varies, change constant
    with pytest.raises(NotEstimable) as info:
        _did(df, "step")
    assert info.value.reason == "no_variation_in_change"


def test_pre_post_ancova_diff_in_means_of_a_constant_outcome_are_not_estimable():
    df = _panel()
    with pytest.raises(NotEstimable) as info:
        estimators.pre_post(df, "flat", unit="family_id", cluster="village", **COMMON)
    assert info.value.reason == "no_variation"
    with pytest.raises(NotEstimable):
        estimators.ancova(df, "flat", unit="family_id", treated="treated", cluster="village", **COMMON)
    with pytest.raises(NotEstimable):
        estimators.diff_in_means(df[df["wave"] == "endline"], "flat", treated="treated")


def test_all_missing_outcome_raises_a_clear_value_error():
    df = _panel()
    df["gone"] = np.nan
    with pytest.raises(ValueError):
        _did(df, "gone")


def test_single_cluster_raises_a_value_error_with_the_one_cluster_reason():
    df = _panel()
    df["village"] = "V00"
    with pytest.raises(ValueError) as info:
        _did(df, "y")
    assert reason_of(info.value) == "one_cluster"


def test_estimable_outcome_unchanged():
    """The checks add no numerical change to an estimable outcome (same as before: finite, positive SE)."""
    e = _did(_panel(), "y")
    assert e.se > 0 and e.ci_low < e.estimate < e.ci_high


# ----------------------------------------------------------------------------------------------------- the check
@pytest.mark.parametrize(
    ("mutate", "reason", "wave", "arm"),
    [
        (lambda d: d.assign(y=0.0), "no_variation", None, None),
        (lambda d: d.assign(y=d["y"].where(d["wave"] != "endline")), "no_data", "endline", None),
        (lambda d: d.assign(y=d["y"].where(d["wave"] != "baseline")), "no_data", "baseline", None),
        (lambda d: d.assign(y=np.nan), "no_data", "baseline", None),
        (
            lambda d: d.assign(y=d["y"].where((d["treated"] == 1) | (d["family_id"] == "F0000"))),
            "too_few_families",
            None,
            "comparison",
        ),
        (lambda d: d.assign(y=np.where(d["wave"] == "endline", 2.0, 1.0)), "no_variation_in_change", None, None),
    ],
    ids=["constant", "empty_endline", "empty_baseline", "all_missing", "one_comparison_family", "same_change"],
)
def test_outcome_degeneracy_names_the_reason(mutate, reason, wave, arm):
    why = outcome_degeneracy(mutate(_panel()), "y", DESIGN)
    assert why == Degeneracy("y", reason, wave, arm)
    assert why.reason in REASONS and why.message  # the status text names the outcome
    assert "'y'" in why.message


def test_outcome_degeneracy_none_for_usable_outcomes_including_no_variation_in_one_arm_only():
    df = _panel()
    assert outcome_degeneracy(df, "y", DESIGN) is None
    one_arm = df.assign(y=df["y"].where(df["treated"] == 1, 0.0))  # comparison constant, ProKUS varies
    assert outcome_degeneracy(one_arm, "y", DESIGN) is None
    assert _did(one_arm, "y").se > 0  # still estimable from the ProKUS arm's variation


def test_before_after_checks_only_the_prokus_arm():
    df = _panel()
    df = df.assign(y=df["y"].where(df["treated"] == 1))  # no comparison data at all
    assert outcome_degeneracy(df[df["treated"] == 1], "y", DESIGN, arms=(1,)) is None
    assert outcome_degeneracy(df, "y", DESIGN).reason == "too_few_families"


# ----------------------------------------------------------------------------------------------------- many outcomes
def test_effects_record_the_degenerate_outcome_and_keep_the_others_identical():
    df = _panel()
    clean = effects.difference_in_differences(df, "R", ["y", "z"], DESIGN)
    mixed = effects.difference_in_differences(df, "R", ["y", "flat", "z"], DESIGN)
    assert mixed.estimates == clean.estimates
    assert mixed.reasons == {"flat": Degeneracy("flat", "no_variation")}
    keys = mixed.keys("R")
    assert keys["R.flat.did.reason"] == "no_variation"
    assert keys["R.flat.did.status"].startswith("not estimable: ")
    assert not any(k.startswith("R.flat.did.") and k.split(".")[-1] in ("ci_low", "ci_high", "se") for k in keys)
    assert {k: v for k, v in keys.items() if ".flat." not in k} == clean.keys("R")
    pp = effects.before_after(df.assign(flat=np.where(df["wave"] == "endline", np.nan, 0.0)), "R", ["flat"], DESIGN)
    assert pp.reasons["flat"] == Degeneracy("flat", "no_data", "endline")
    assert pp.keys("R")["R.flat.pre_post.reason_wave"] == "endline"


def test_effects_map_an_estimator_error_to_its_reason():
    df = _panel()
    df["village"] = "V00"
    eff = effects.difference_in_differences(df, "R", ["y"], DESIGN)
    assert eff.reasons["y"].reason == "one_cluster"


def test_wild_bootstrap_and_romano_wolf_skip_the_degenerate_outcome_only():
    df = _panel()
    clean, ckeys = wcr_did(df, "R", ["y", "z"], DESIGN, n_boot=199, seed=5)
    mixed, mkeys = wcr_did(df, "R", ["y", "flat", "z"], DESIGN, n_boot=199, seed=5)
    pd.testing.assert_frame_equal(clean, mixed)
    assert mkeys == ckeys
    rw = romano_wolf_did(df, "R", ["y", "flat", "z"], DESIGN, n_boot=199, seed=5)
    assert rw == romano_wolf_did(df, "R", ["y", "z"], DESIGN, n_boot=199, seed=5)
    assert romano_wolf_did(df, "R", ["flat"], DESIGN, n_boot=199, seed=5) == {}


def test_indices_use_the_remaining_components_and_name_the_left_out_one():
    df = _panel()
    families = {"index_a": ["y", "z", "flat"]}
    assert left_out_components(df, families, DESIGN) == {"index_a": {"flat": "no_variation"}}
    mixed, w_mixed = add_indices(df, families, [], DESIGN)
    clean, w_clean = add_indices(df, {"index_a": ["y", "z"]}, [], DESIGN)
    np.testing.assert_array_equal(mixed["index_a"].to_numpy(), clean["index_a"].to_numpy())
    assert w_mixed == w_clean and "flat" not in w_mixed["index_a"]


def test_index_component_without_variation_in_the_reference_group_is_left_out():
    df = _panel()
    df["ref_flat"] = np.where((df["treated"] == 0) & (df["wave"] == "baseline"), 1.0, df["y"])
    out = left_out_components(df, {"index_a": ["z", "ref_flat"]}, DESIGN)
    assert out == {"index_a": {"ref_flat": "no_variation_in_reference"}}
    indexed, weights = add_indices(df, {"index_a": ["z", "ref_flat"]}, [], DESIGN)
    assert np.isfinite(indexed["index_a"]).all() and list(weights["index_a"]) == ["z"]


def test_an_index_without_components_is_not_computed():
    df = _panel()
    indexed, weights = add_indices(df, {"index_a": ["flat"], "index_b": ["y", "z"]}, [], DESIGN)
    assert "index_a" not in indexed and "index_a" not in weights
    assert "index_b" in indexed


def test_power_and_ancova_skip_the_degenerate_outcome_only():
    df = _panel()
    df["empty_end"] = df["y"].where(df["wave"] != "endline")
    table, keys = power_table(df, "R", ["y", "flat", "empty_end"], DESIGN, 0.8)
    assert list(table["outcome"]) == ["y"]
    assert not any(".flat." in k or ".empty_end." in k for k in keys)
    clean, _ = power_table(df, "R", ["y"], DESIGN, 0.8)
    pd.testing.assert_frame_equal(table, clean)
    anc, akeys = ancova_vs_did(df, "R", ["y", "flat", "empty_end"], DESIGN)
    assert list(anc["outcome"]) == ["y"]
    assert not any(".flat." in k or ".empty_end." in k for k in akeys)


def test_dose_response_and_heterogeneity_skip_the_degenerate_outcome_only():
    df = _panel()
    rng = np.random.default_rng(11)
    families = df["family_id"].unique()
    df["sessions"] = df["family_id"].map(dict(zip(families, rng.integers(0, 12, families.size), strict=True)))
    df["sex"] = df["family_id"].map(
        dict(zip(families, np.where(rng.random(families.size) < 0.4, "f", "m"), strict=True))
    )
    df["empty_end"] = df["y"].where(df["wave"] != "endline")
    for outcome in ("flat", "empty_end"):
        table, keys = dose_response(df, "R", ["y", outcome, "z"], DESIGN, ["sessions"])
        clean_table, clean_keys = dose_response(df, "R", ["y", "z"], DESIGN, ["sessions"])
        pd.testing.assert_frame_equal(table, clean_table)
        assert keys == clean_keys
        het, hkeys = heterogeneity(df, "R", ["y", outcome, "z"], DESIGN, ["sex"])
        clean_het, clean_hkeys = heterogeneity(df, "R", ["y", "z"], DESIGN, ["sex"])
        pd.testing.assert_frame_equal(het, clean_het)
        assert hkeys == clean_hkeys
        assert all(np.isfinite(v) for v in hkeys.values() if isinstance(v, float))


# ----------------------------------------------------------------------------------------------------- pooled scopes
def test_identified_dummies_drop_absent_levels_and_an_absent_reference():
    fe = dummies(np.array(["a", "b", "c", "b", "c"]))  # columns b, c; reference a
    assert identified_dummies(fe).tolist() == [True, True]
    assert identified_dummies(fe[[1, 3]]).tolist() == [False, False]  # only b left: c absent, b = the constant
    assert identified_dummies(fe[[0, 1, 3]]).tolist() == [True, False]  # c absent
    assert identified_dummies(fe[[1, 2]]).tolist() == [False, True]  # reference a absent: b becomes it


def test_pooled_did_and_ipw_with_region_effects_when_one_region_lacks_the_outcome_at_endline():
    """Nationally, a region without the outcome at endline drops out of that outcome's pooled estimate only."""
    df = _panel(n=240, G=24)
    df["region"] = np.where(df["village"] < "V08", "R1", np.where(df["village"] < "V16", "R2", "R3"))
    df["household_size"] = 4.0 + (df.index % 3)
    gone = df.assign(y=df["y"].where(~((df["region"] == "R1") & (df["wave"] == "endline"))))
    pooled = effects.difference_in_differences(gone, "N", ["y", "z"], DESIGN, fixed_effects="region")
    without = effects.difference_in_differences(
        gone[gone["region"] != "R1"], "N", ["y"], DESIGN, fixed_effects="region"
    )
    assert pooled.failures == {}
    assert pooled.estimates["y"].estimate == pytest.approx(without.estimates["y"].estimate, rel=1e-12)
    assert pooled.estimates["y"].se == pytest.approx(without.estimates["y"].se, rel=1e-12)
    full = effects.difference_in_differences(df, "N", ["z"], DESIGN, fixed_effects="region")
    assert pooled.estimates["z"] == full.estimates["z"]  # every region present: unchanged
    table, _ = ipw_did(gone, "N", ["y", "z"], DESIGN, ["household_size"], fixed_effects="region")
    assert list(table["outcome"]) == ["y", "z"] and np.isfinite(table["se"]).all()
    lee, _ = lee_bounds_did(df.assign(y=0.0), "N", ["y", "z"], DESIGN, n_boot=19, seed=1)
    assert list(lee["outcome"]) == ["z"]


def _two_villages() -> pd.DataFrame:
    """Hand example: ProKUS families A, B in village V1, comparison families C, D in village V2.

    Changes (endline - baseline): A +3, B +5 (mean +4); C +1, D +2 (mean +1.5): the DiD is 2.5. The residuals are
    -1, +1 in V1 and -0.5, +0.5 in V2: each village's residuals sum to zero, so the CRV1 standard error is zero up
    to rounding (on main: SE ~1e-17, "p < 0.0001").
    """
    rows = []
    for fam, vil, arm, y0, y1 in (("A", "V1", 1, 10.0, 13.0), ("B", "V1", 1, 12.0, 17.0),
                                  ("C", "V2", 0, 11.0, 12.0), ("D", "V2", 0, 9.0, 11.0)):  # fmt: skip
        rows += [{"family_id": fam, "village": vil, "treated": arm, "wave": "baseline", "y": y0},
                 {"family_id": fam, "village": vil, "treated": arm, "wave": "endline", "y": y1}]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("unit", ["family_id", None])
def test_did_with_each_arm_in_one_village_is_not_estimable(unit):
    df = _two_villages()
    with pytest.raises(NotEstimable) as err:
        estimators.did(df, "y", treated="treated", unit=unit, cluster="village", **COMMON)
    assert err.value.reason == "arm_in_one_cluster" and err.value.arm == "prokus"
    assert reason_of(err.value) == "arm_in_one_cluster"
    # without clustering the same data are estimable: the hand value 2.5 with an HC1 standard error above zero
    e = estimators.did(df, "y", treated="treated", unit=unit, **COMMON)
    assert e.estimate == pytest.approx(2.5, abs=1e-12) and e.se > 1e-6


def test_did_with_the_comparison_arm_in_one_village_names_that_arm():
    df = _two_villages()
    df.loc[df["family_id"] == "B", "village"] = "V3"  # ProKUS in two villages, comparison still in one
    with pytest.raises(NotEstimable) as err:
        _did(df, "y")
    assert err.value.reason == "arm_in_one_cluster" and err.value.arm == "comparison"
    with pytest.raises(NotEstimable) as err:
        _did(df.assign(w=1.0), "y", weights="w")  # the same through the weighted OLS path
    assert err.value.reason == "arm_in_one_cluster"
    df.loc[df["family_id"] == "D", "village"] = "V4"  # two villages per arm: estimable again
    e = _did(df, "y")
    assert e.estimate == pytest.approx(2.5, abs=1e-12) and e.n_clusters == 4


def test_did_in_a_single_village_keeps_the_one_cluster_reason():
    df = _two_villages().assign(village="V1")
    with pytest.raises(ValueError) as err:
        _did(df, "y")
    assert reason_of(err.value) == "one_cluster"
