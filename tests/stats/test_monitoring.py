"""M&E scorecard and risk flags (evaluation.stats.monitoring, PP 39/2006), tested three ways.

1. Hand-computed: a five-family example whose every indicator and flag is worked out in the comments.
2. Cross-checked: the outcome realisations equal the project's estimators on the same data (the relative income
   change is the ratio of the balanced-panel means of ``analysis.group_means``; the FIES change is the paired
   mean change of ``estimators.pre_post``, itself checked against statsmodels OLS on a constant).
3. Known truth: on the seeded synthetic data the flag rates match the generator's probabilities (3% not
   disbursed, 8% late, 15% of paid grants without LPJ; mentoring attendance binomial per region, scipy.stats).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from evaluation import estimators
from evaluation.core.config import load_config, select_scope
from evaluation.core.errors import UserError
from evaluation.core.targets import StatusBands, load_targets
from evaluation.stats import effects as analysis
from evaluation.stats import monitoring
from evaluation.synthetic.demo import PLANNED_BUSINESS_MENTORING, PLANNED_TKSK, REGION_PARAMS

EXACT = 1e-12
Z_TOL = 4.0  # |rate - p| within 4 binomial standard errors (false alarm about 6e-5 per check)


@pytest.fixture(scope="module")
def targets():
    return load_targets()


def _hand_tables():
    """Five ProKUS families of region 3402 (poverty line Rp440.000 in data/targets.toml)."""
    prog = pd.DataFrame(
        {
            "family_id": ["A", "B", "C", "D", "E"],
            "region_code": ["3402"] * 5,
            "bsimu_planned": [3_500_000] * 5,
            # C not paid; D paid less than planned
            "bsimu_disbursed": [3_500_000, 3_500_000, 0, 3_000_000, 3_500_000],
            # A on time (10 days), B late (100 days), D on time (60 days = the limit), E paid but no date
            "disbursement_date": ["2020-08-13", "2020-11-11", "", "2020-10-02", ""],
            "tksk_sessions": [12, 10, 5, 12, 8],  # C below half of 12
            "business_mentoring_sessions": [8, 3, 8, 8, 8],  # B below half of 8
            "grant_report_submitted": [1, 0, 0, 1, 1],  # B paid without LPJ (C was not paid: no flag)
        }
    )
    rows = []
    # (id, wave, income, consumption, fies, operating, assistance)
    data = [
        ("A", "baseline", 1_000_000, 300_000, 4, 0, 1),
        ("A", "endline", 1_300_000, 500_000, 2, 1, 0),
        ("B", "baseline", 2_000_000, 1_500_000, 3, 1, 0),  # 1.5m > 3 x 440k: eligibility doubt
        ("B", "endline", 2_000_000, 450_000, 3, 1, 0),
        ("C", "baseline", 1_000_000, 400_000, 5, 0, 1),
        ("C", "endline", 1_100_000, 400_000, 6, 0, 1),
        ("D", "baseline", 2_000_000, 600_000, 2, 1, 0),
        ("E", "baseline", 2_000_000, 500_000, 2, 1, 0),
        ("E", "endline", 1_600_000, 460_000, 1, 1, 0),
    ]
    for fid, wave, inc, cons, fies, op, ass in data:
        rows.append(
            {
                "family_id": fid,
                "wave": wave,
                "household_income": inc,
                "consumption_per_capita": cons,
                "fies_score": fies,
                "business_operating": op,
                "receives_social_assistance": ass,
                "region_code": "3402",
                "treated": 1,
            }
        )
    return prog, pd.DataFrame(rows)


def test_hand_computed_scorecard(targets):
    prog, panel = _hand_tables()
    table, keys = monitoring.scorecard(prog, panel, "3402", targets)
    real = table.set_index("indicator")["realisation"]
    assert real["bsimu_amount"] == pytest.approx(13_500_000 / 17_500_000, abs=EXACT)
    assert real["bsimu_families"] == pytest.approx(4 / 5, abs=EXACT)
    assert real["bsimu_on_time"] == pytest.approx(2 / 4, abs=EXACT)  # A, D of A, B, D, E (E has no date)
    assert real["tksk_sessions"] == pytest.approx(47 / 5, abs=EXACT)
    assert real["business_mentoring_sessions"] == pytest.approx(35 / 5, abs=EXACT)
    assert real["business_operating"] == pytest.approx(3 / 4, abs=EXACT)  # A, B, E of A, B, C, E
    assert real["business_started"] == pytest.approx(1 / 2, abs=EXACT)  # A of A, C
    # balanced panel A, B, C, E: income 6.0m -> 6.0m; consumption 2.7m -> 1.81m; FIES 14 -> 12
    assert real["income_change"] == pytest.approx(6_000_000 / 6_000_000 - 1, abs=EXACT)
    assert real["consumption_change"] == pytest.approx(1_810_000 / 2_700_000 - 1, abs=EXACT)
    assert real["fies_change"] == pytest.approx(-2 / 4, abs=EXACT)
    # endline consumption above 440k: A 500k, B 450k, E 460k; C 400k is below
    assert real["above_poverty_line"] == pytest.approx(3 / 4, abs=EXACT)
    assert real["return_to_assistance"] == pytest.approx(1 / 4, abs=EXACT)
    # statuses: on-time 0.5 / 0.9 = 0.56 off track; FIES -0.5 / -0.5 = 1 on track; assistance 0.25/0.20 = 1.25
    # is at most 2 - 0.7 = 1.3: needs attention
    assert keys["3402.scorecard.bsimu_on_time.status"] == "off_track"
    assert keys["3402.scorecard.fies_change.status"] == "on_track"
    assert keys["3402.scorecard.return_to_assistance.status"] == "needs_attention"
    assert keys["3402.scorecard.income_change.ratio"] == pytest.approx(0.0, abs=EXACT)
    assert sum(keys[f"3402.scorecard.summary.{s}"] for s in monitoring.STATUSES) == len(monitoring.INDICATORS)


def test_hand_computed_risk_flags(targets):
    prog, panel = _hand_tables()
    summary, flagged, keys = monitoring.risk_flags(prog, panel, "3402", targets)
    f = flagged.set_index("family_id")
    assert set(f.index) == {"B", "C", "D", "E"}  # A has no flag
    assert f.loc["B", "grant_late"] == 1 and f.loc["B", "mentoring_below_plan"] == 1
    assert f.loc["B", "grant_report_missing"] == 1 and f.loc["B", "eligibility_doubt"] == 1
    assert f.loc["C", "grant_not_disbursed"] == 1 and f.loc["C", "mentoring_below_plan"] == 1
    assert f.loc["C", "grant_report_missing"] == 0  # nothing paid, nothing to report
    assert f.loc["D", "grant_amount_unexplained"] == 1 and f.loc["D", "grant_late"] == 0  # 60 days is not late
    assert f.loc["E", "documents_inconsistent"] == 1  # paid without a date
    assert keys["3402.risk.n_families"] == 5
    assert keys["3402.risk.any.count"] == 4 and keys["3402.risk.any.rate"] == pytest.approx(0.8, abs=EXACT)
    assert keys["3402.risk.mentoring_below_plan.count"] == 2
    assert list(flagged.columns[:2]) == ["family_id", "region_code"]
    assert set(summary["flag"]) == {*monitoring.RISK_FLAGS, "any"}


def test_status_bands_and_mirror():
    bands = StatusBands(on_track=0.9, needs_attention=0.7)
    assert monitoring.status_of(0.95, "at_least", bands) == "on_track"
    assert monitoring.status_of(0.9, "at_least", bands) == "on_track"
    assert monitoring.status_of(0.8, "at_least", bands) == "needs_attention"
    assert monitoring.status_of(-0.4, "at_least", bands) == "off_track"  # change in the wrong direction
    assert monitoring.status_of(1.1, "at_most", bands) == "on_track"
    assert monitoring.status_of(1.2, "at_most", bands) == "needs_attention"
    assert monitoring.status_of(1.31, "at_most", bands) == "off_track"
    assert monitoring.status_of(math.nan, "at_least", bands) == "no_data"


def test_outcome_realisations_equal_the_estimators(demo, targets):
    cfg = load_config()
    panel = demo.panel
    for scope in ("3217", "national"):
        prog = monitoring.programme_families(select_scope(demo.roster, scope), demo.programme)
        treated = select_scope(panel, scope)
        treated = treated[treated["treated"] == 1]
        real = monitoring.realisations(prog, treated, targets)
        means, _ = analysis.group_means(select_scope(panel, scope), scope, ["household_income"], cfg.design)
        m = means[means["group"] == "prokus"].set_index("wave")["mean"]
        assert real["income_change"][0] == pytest.approx(m["after"] / m["before"] - 1, abs=1e-12)
        paired = estimators.pre_post(
            treated, "fies_score", unit="family_id", period="wave", before="baseline", after="endline"
        )
        assert real["fies_change"][0] == pytest.approx(paired.estimate, abs=1e-12)
        assert real["fies_change"][1] == paired.n_units


def _within(rate: float, p: float, n: int) -> bool:
    return abs(rate - p) <= Z_TOL * math.sqrt(p * (1 - p) / n)


def test_flag_rates_recover_the_generator_probabilities(demo, targets):
    panel = demo.panel
    prog = monitoring.programme_families(demo.roster, demo.programme)
    treated = panel[panel["treated"] == 1]
    _, _, keys = monitoring.risk_flags(prog, treated, "national", targets)
    n = keys["national.risk.n_families"]
    assert n == 1000
    assert _within(keys["national.risk.grant_not_disbursed.rate"], 0.03, n)
    paid = n - keys["national.risk.grant_not_disbursed.count"]
    # 8% of grants are drawn 90-150 days late (all beyond 60 days), 92% within 0-59 days
    assert _within(keys["national.risk.grant_late.count"] / paid, 0.08, paid)
    assert _within(keys["national.risk.grant_report_missing.count"] / paid, 0.15, paid)
    assert keys["national.risk.grant_amount_unexplained.count"] == 0  # the generator pays exactly the plan
    # mentoring below half of plan: 1 - P(TKSK >= 6) P(business >= 4), binomial per region, averaged
    p_below = np.mean(
        [
            1
            - stats.binom.sf(5, PLANNED_TKSK, r.tksk_attendance)
            * stats.binom.sf(3, PLANNED_BUSINESS_MENTORING, r.mentoring_attendance)
            for r in REGION_PARAMS.values()
        ]
    )
    assert _within(keys["national.risk.mentoring_below_plan.rate"], float(p_below), n)
    table, _ = monitoring.scorecard(prog, treated, "national", targets)
    real = table.set_index("indicator")["realisation"]
    expected_tksk = np.mean([PLANNED_TKSK * r.tksk_attendance for r in REGION_PARAMS.values()])
    var_tksk = [PLANNED_TKSK * r.tksk_attendance * (1 - r.tksk_attendance) for r in REGION_PARAMS.values()]
    sd_tksk = math.sqrt(np.mean(var_tksk))
    assert abs(real["tksk_sessions"] - expected_tksk) <= Z_TOL * sd_tksk / math.sqrt(n)


def test_targets_file_errors_are_clear(tmp_path):
    from evaluation.core.targets import DEFAULT_TARGETS

    text = DEFAULT_TARGETS.read_text()
    bad = tmp_path / "t.toml"
    bad.write_text(text.replace("bsimu_amount = 1.00", "bsimu_amont = 1.00"))
    with pytest.raises(UserError, match="unknown indicator bsimu_amont"):
        load_targets(bad)
    bad.write_text(text.replace("return_to_assistance = 0.20", "return_to_assistance = 0"))
    with pytest.raises(UserError, match="is zero"):
        load_targets(bad)
    bad.write_text(text.replace("on_track = 0.90", "on_track = 0.50"))
    with pytest.raises(UserError, match="out of order"):
        load_targets(bad)
    bad.write_text(text.replace("grant_late_days = 60", 'grant_late_days = "60"'))
    with pytest.raises(UserError, match="wrong type"):
        load_targets(bad)
    t = load_targets()
    assert t.for_scope("31")["business_started"] == 0.40 and t.for_scope("3402")["business_started"] == 0.50
