"""The synthetic generator: deterministic, documented features present, truth consistent with the data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evaluation import estimators
from evaluation.synthetic.demo import OUTCOMES, REGION_PARAMS, generate

REGIONS = tuple(REGION_PARAMS)


@pytest.fixture(scope="module")
def big():
    """A large draw (2,000 + 2,000 families per region) where sample shares are close to their rates."""
    return generate(families_per_region=2000, comparison_per_region=2000, seed=7)


def test_same_seed_same_bytes(tmp_path, demo):
    again = generate(seed=20201)
    pd.testing.assert_frame_equal(again.survey, demo.survey)
    assert again.truth == demo.truth
    a = again.write(tmp_path / "a")
    b = demo.write(tmp_path / "b")
    for name in ("roster.csv", "programme.csv", "survey.csv", "truth.json", "dataset.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert generate(seed=1).truth != demo.truth


def test_truth_has_every_scope_and_outcome(demo):
    for scope in (*REGIONS, "national"):
        for o in OUTCOMES:
            assert np.isfinite(demo.truth[f"{scope}.{o}.att"])
            assert np.isfinite(demo.truth[f"{scope}.{o}.change"])
    assert len(demo.truth) == 2 * len(OUTCOMES) * (len(REGIONS) + 1)


def test_sizes_and_groups(demo):
    assert len(demo.roster) == 2000
    assert (demo.roster["group"] == "prokus").sum() == 1000
    assert len(demo.programme) == 1000
    assert demo.roster["family_id"].is_unique
    per_region = demo.roster.groupby("region_code")["group"].value_counts().unstack()
    assert (per_region == 200).all().all()
    # both groups live in the same villages
    vill = demo.roster.groupby("village")["group"].nunique()
    assert (vill == 2).mean() > 0.95


def test_jakarta_has_the_highest_incomes(demo):
    base = demo.panel[demo.panel["wave"] == "baseline"]
    med = base.groupby("region_code")["household_income"].median()
    assert med.idxmax() == "31"


def test_covid_shock_hits_the_comparison_group_in_every_region(big):
    p = big.panel
    comp = p[p["treated"] == 0].groupby(["region_code", "wave"])["business_revenue"].mean().unstack()
    assert (comp["endline"] < comp["baseline"]).all()


def test_zeros_outliers_missing_and_attrition(big):
    p = big.panel
    base = p[p["wave"] == "baseline"]
    assert ((base["business_revenue"] == 0).mean()) > 0.15  # failed or no businesses
    end = p[p["wave"] == "endline"]
    med = end.groupby("region_code")["household_income"].transform("median")
    assert (end["household_income"] > 8 * med).sum() >= 5  # a few genuine outliers
    miss = big.survey[list(OUTCOMES)].isna().mean()
    assert miss.between(0.01, 0.03).all()
    ids_end = set(big.survey.loc[big.survey["wave"] == "endline", "family_id"])
    stays = big.roster["family_id"].isin(ids_end)
    attr = 1 - stays.groupby(big.roster["group"]).mean()
    assert 0.04 < attr["prokus"] < 0.08
    assert 0.08 < attr["comparison"] < 0.12  # differential attrition


def test_effects_differ_by_region_and_outcome(demo):
    att = {r: demo.truth[f"{r}.household_income.att"] for r in REGIONS}
    assert att["31"] > att["3210"] > 0
    assert demo.truth["national.fies_score.att"] < 0 < demo.truth["national.business_operating.att"]


def test_effects_grow_with_mentoring_dose(big):
    """Reference: DiD of high- vs low-dose ProKUS families against the same comparison group."""
    p = big.panel
    dose = 0.5 * p["tksk_sessions"] / 12 + 0.5 * p["business_mentoring_sessions"] / 8
    cut = dose[p["treated"] == 1].median()
    effects = {}
    for name, mask in (("high", dose > cut), ("low", dose <= cut)):
        sub = p[(p["treated"] == 0) | mask.fillna(False)]
        effects[name] = estimators.did(
            sub,
            "business_operating",
            period="wave",
            treated="treated",
            before="baseline",
            after="endline",
            unit="family_id",
            cluster="village",
        ).estimate
    assert effects["high"] > effects["low"] > 0


def test_truth_change_matches_the_observed_change_on_a_large_draw(big):
    """Attrition and missingness are ignorable, so the observed mean change estimates the true change."""
    p = big.panel[big.panel["region_code"] == "3402"]
    est = estimators.pre_post(
        p[p["treated"] == 1],
        "wellbeing_score",
        unit="family_id",
        period="wave",
        before="baseline",
        after="endline",
        cluster="village",
    )
    assert est.ci_low <= big.truth["3402.wellbeing_score.change"] <= est.ci_high


def test_write_replaces_whole_directory(tmp_path, demo):
    from evaluation.core.atomic import MARKER, NotOwned
    from evaluation.synthetic.kobo import write_kobo_demo

    out = tmp_path / "demo"
    write_kobo_demo(demo, out)  # the generator's own folder, with other files (monitoring.csv, survey_*.csv)
    demo.write(out)
    assert sorted(x.name for x in out.iterdir()) == sorted(
        ["roster.csv", "programme.csv", "survey.csv", "truth.json", "dataset.json", MARKER]
    )
    (out / "stale.csv").write_text("old")  # a file the generator did not write: the folder is no longer its own
    with pytest.raises(NotOwned):
        demo.write(out)
    assert (out / "stale.csv").read_text() == "old"
    assert json.loads((out / "dataset.json").read_text())["synthetic"] is True
