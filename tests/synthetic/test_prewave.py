"""The demo generator's optional 2019 pre-wave and midline (issue 16).

Off by default, unchanged default data, a known truth the event study recovers, and data the intake accepts.

References: Rambachan, A. and Roth, J. (2023), Review of Economic Studies 90(5), 2555-2591 (event-study setting);
the estimator under test is evaluation.stats.pretrends.event_study, cross-checked in tests/stats/test_pretrends.py.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from evaluation.stats.pretrends import event_study
from evaluation.synthetic.demo import MIDLINE, OUTCOMES, PRE_WAVE, WAVE_ORDER, generate

SMALL = dict(families_per_region=30, comparison_per_region=30, regions=("3217", "3402"))


@pytest.fixture(scope="module")
def both():
    return generate(**SMALL), generate(**SMALL, pre_waves=True)


def test_default_has_two_waves_and_the_option_adds_a_pre_wave_and_a_midline(both):
    plain, pre = both
    assert sorted(plain.survey["wave"].unique()) == ["baseline", "endline"]
    assert sorted(pre.survey["wave"].unique()) == sorted(WAVE_ORDER)
    assert "pre_waves" not in plain.metadata and pre.metadata["pre_waves"] is True
    n = len(pre.roster)
    assert (pre.survey["wave"] == PRE_WAVE).sum() == n  # 2019 known for every family (records or recall)
    assert 0.9 * n < (pre.survey["wave"] == MIDLINE).sum() < n  # half the endline attrition
    dates = pd.to_datetime(pre.survey["interview_date"])
    assert dates[pre.survey["wave"] == PRE_WAVE].dt.year.eq(2019).all()
    assert dates[pre.survey["wave"] == MIDLINE].between("2020-11-01", "2020-12-31").all()


def test_the_option_leaves_every_default_draw_unchanged(both):
    # The pre-wave and midline come from their own stream: roster, programme, the baseline and endline indicators
    # and the endline truth are those of the default data.
    plain, pre = both
    pd.testing.assert_frame_equal(plain.roster, pre.roster)
    pd.testing.assert_frame_equal(plain.programme, pre.programme)
    shared = pre.survey[pre.survey["wave"].isin(["baseline", "endline"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(plain.survey.reset_index(drop=True), shared)
    assert {k: v for k, v in pre.truth.items() if not k.endswith(".att_midline")} == plain.truth
    assert {k.rsplit(".", 1)[1] for k in pre.truth} == {"att", "change", "att_midline"}


def test_default_demo_files_are_byte_identical_to_before_the_option(tmp_path):
    # Hashes of the default demo's files at main 72ea63d (before the option existed), seed 7, 40 + 40 families per
    # region: the published demo's estimates cannot move.
    d = generate(families_per_region=40, comparison_per_region=40, seed=7)
    d.write(tmp_path / "x")
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in sorted((tmp_path / "x").iterdir())}
    assert got["survey.csv"] == "899b5bfe924b257f"
    assert got["roster.csv"] == "c6814604667ff134"
    assert got["truth.json"] == "04c20da01b13a00c"
    assert got["dataset.json"] == "a2937ff53a789f4f"


def test_event_study_recovers_the_midline_and_endline_truth_and_no_pre_trend():
    # Known truth: parallel trends hold by construction (the groups differ in levels only), so the 2019 coefficient
    # is zero in expectation; the midline and endline coefficients estimate the sample ATTs. One draw of the full
    # demo (1,000 + 1,000 families, national with region-free TWFE): each interval holds its truth, and the pre-trend
    # test does not reject at 1 % for the additive outcomes.
    d = generate(pre_waves=True)
    pan = d.panel.assign(treated=lambda x: (x["group"] == "prokus").astype(int))
    held, total = 0, 0
    for o in ("asset_index", "wellbeing_score", "hours_worked", "business_operating", "fies_score"):
        es = event_study(pan, o, "family_id", "wave", "treated", WAVE_ORDER, "baseline", cluster="village")
        assert es.pretrend_p > 0.01, o
        for wave, truth_key in ((MIDLINE, "att_midline"), ("endline", "att")):
            j = es.index(wave)
            total += 1
            held += es.ci_low[j] <= d.truth[f"national.{o}.{truth_key}"] <= es.ci_high[j]
    assert held >= total - 1  # ten 95 % intervals: at most one miss is plausible (P(>=2 misses) ~ 9 %)


def test_cli_option_writes_the_pre_waves_and_the_intake_accepts_them(tmp_path):
    from evaluation.cli import main

    out = tmp_path / "pw"
    assert main(["demo-data", "--out", str(out), "--pre-waves", "--families", "50"]) == 0
    meta = json.loads((out / "dataset.json").read_text())
    assert meta["pre_waves"] is True
    assert main(["validate", str(out)]) == 0
    survey = pd.read_csv(out / "survey.csv", usecols=["wave"])
    assert set(survey["wave"]) == set(WAVE_ORDER)
    assert any(k.endswith(".att_midline") for k in json.loads((out / "truth.json").read_text()))


def test_outcomes_of_the_pre_wave_are_complete_but_for_missing_answers(both):
    _, pre = both
    w = pre.survey[pre.survey["wave"] == PRE_WAVE]
    cells = w[list(OUTCOMES)]
    share = float(cells.isna().to_numpy().mean())  # 2 % missing at random; 11 x 120 cells: SD 0.4 points
    assert 0.005 < share < 0.035
    for o in OUTCOMES:
        assert np.isfinite(pd.to_numeric(w[o], errors="coerce").dropna()).all()
