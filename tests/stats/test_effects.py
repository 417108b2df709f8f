"""Region analyses on a hand-made panel (hand computation) and their result keys."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation import estimators
from evaluation.core.config import DesignSettings
from evaluation.stats import effects as analysis
from evaluation.stats.regression import with_dummies

DESIGN = DesignSettings()


@pytest.fixture
def tiny() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four ProKUS and four comparison families in two villages; one comparison family lost at endline."""
    roster = pd.DataFrame(
        {
            "family_id": [f"F{i}" for i in range(8)],
            "region_code": "3402",
            "village": ["V1", "V1", "V2", "V2"] * 2,
            "group": ["prokus"] * 4 + ["comparison"] * 4,
        }
    )
    before = [10.0, 12.0, 8.0, 10.0, 9.0, 11.0, 10.0, 10.0]
    after = [14.0, 15.0, 11.0, 12.0, 10.0, 11.0, 11.0, None]  # F7 lost at endline
    rows = []
    for i, (b, a) in enumerate(zip(before, after, strict=True)):
        rows.append({"family_id": f"F{i}", "wave": "baseline", "y": b})
        if a is not None:
            rows.append({"family_id": f"F{i}", "wave": "endline", "y": a})
    survey = pd.DataFrame(rows)
    panel = survey.merge(roster, on="family_id")
    panel["treated"] = (panel["group"] == "prokus").astype(int)
    return panel, roster


def test_sample_summary_counts_attrition_by_hand(tiny):
    panel, roster = tiny
    table, keys = analysis.sample_summary(panel, roster, "3402", DESIGN)
    assert table["group"].tolist() == ["prokus", "comparison"]
    assert keys["3402.sample.n_prokus_both_waves"] == 4
    assert keys["3402.sample.n_comparison_both_waves"] == 3
    assert keys["3402.sample.attrition_comparison"] == pytest.approx(0.25)  # 1 of 4 lost
    assert keys["3402.sample.attrition_difference"] == pytest.approx(-0.25)
    assert keys["3402.sample.n_villages"] == 2


def test_group_means_use_the_balanced_panel(tiny):
    panel, _ = tiny
    _, keys = analysis.group_means(panel, "3402", ["y"], DESIGN)
    # comparison families with both waves: F4, F5, F6 -> before (9+11+10)/3 = 10, after (10+11+11)/3 = 32/3
    assert keys["3402.y.means.comparison_before"] == pytest.approx(10.0)
    assert keys["3402.y.means.comparison_after"] == pytest.approx(32 / 3)
    assert keys["3402.y.means.prokus_before"] == pytest.approx(10.0)
    assert keys["3402.y.means.prokus_after"] == pytest.approx(13.0)


def test_did_keys_equal_the_difference_of_mean_changes(tiny):
    panel, _ = tiny
    eff = analysis.difference_in_differences(panel, "3402", ["y"], DESIGN)
    keys = eff.keys("3402")
    # ProKUS change: (4+3+3+2)/4 = 3; comparison change: (1+0+1)/3 = 2/3; DiD = 7/3
    assert keys["3402.y.did.estimate"] == pytest.approx(3 - 2 / 3)
    assert keys["3402.y.did.n_clusters"] == 2
    pp = analysis.before_after(panel, "3402", ["y"], DESIGN).keys("3402")
    assert pp["3402.y.pre_post.estimate"] == pytest.approx(3.0)


def test_baseline_balance_normalised_difference(tiny):
    panel, _ = tiny
    _, keys = analysis.baseline_balance(panel, "3402", ["y"], DESIGN)
    # ProKUS baseline 10,12,8,10: mean 10, sd sqrt(8/3); comparison 9,11,10,10: mean 10 -> difference 0
    assert keys["3402.y.baseline.difference"] == pytest.approx(0.0)
    assert keys["3402.y.baseline.normalised_difference"] == pytest.approx(0.0)
    assert keys["3402.y.baseline.sd_prokus"] == pytest.approx((8 / 3) ** 0.5)


def test_failures_become_status_strings(tiny):
    panel, _ = tiny
    panel = panel.assign(z=float("nan"))
    eff = analysis.difference_in_differences(panel, "3402", ["z"], DESIGN)
    assert "z" in eff.failures
    assert eff.keys("3402")["3402.z.did.status"].startswith("not estimable")


def test_national_did_differences_out_region_shocks(demo):
    """National DiD with region indicators equals OLS of first differences on treated + region dummies."""
    p = demo.panel
    eff = analysis.difference_in_differences(p, "national", ["household_income"], DESIGN, fixed_effects="region_code")
    pan, cols = with_dummies(p, "region_code")
    ref = estimators.did(
        pan,
        "household_income",
        period="wave",
        treated="treated",
        before="baseline",
        after="endline",
        unit="family_id",
        cluster="village",
        covariates=cols,
    )
    assert eff.estimates["household_income"].estimate == pytest.approx(ref.estimate, rel=1e-12)
    assert len(cols) == 4
