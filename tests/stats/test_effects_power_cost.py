"""Heterogeneity, dose-response, ANCOVA vs DiD, event study, power/MDE, cost-benefit and the analysis plan.

Library references: statsmodels OLS(cov_type="cluster") and f_test, statsmodels NormalIndPower, numpy polynomial
roots for the IRR, evaluation.estimators for the event study.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.stats.power import NormalIndPower

from evaluation import estimators
from evaluation.core.config import DesignSettings
from evaluation.core.errors import UserError
from evaluation.core.plan import load_plan
from evaluation.stats.costbenefit import bcr, cost_per_family, irr, present_value, sensitivity
from evaluation.stats.designs import ancova_vs_did, event_study
from evaluation.stats.dose import dose_response
from evaluation.stats.heterogeneity import heterogeneity, subgroup_effects
from evaluation.stats.power import icc_anova, mde

DESIGN = DesignSettings()
REL = 1e-8
SOLVER = 1e-5  # statsmodels solve_power finds the effect size by a numerical root search


def _panel(seed: int, n: int = 800, G: int = 40, waves=("baseline", "endline"), rho: float = 0.5):
    """Panel with effect 1 (male head) or 3 (female head) per wave after baseline, and a dose slope of 0.2."""
    rng = np.random.default_rng(seed)
    vil = rng.integers(0, G, n)
    t = (rng.random(n) < 0.5).astype(int)
    female = rng.random(n) < 0.4
    sessions = rng.integers(0, 13, n) * t
    effect = np.where(female, 3.0, 1.0) * t + 0.2 * (sessions - 6) * t
    ids = np.array([f"F{i:05d}" for i in range(n)])
    y_prev = rng.normal(size=n) + rng.normal(size=G)[vil] * 0.5
    frames = []
    for k, w in enumerate(waves):
        y = (
            y_prev
            if k == 0
            else rho * y_prev + np.sqrt(1 - rho**2) * rng.normal(size=n) + effect * k / (len(waves) - 1)
        )
        frames.append(
            pd.DataFrame(
                {
                    "family_id": ids,
                    "wave": w,
                    "y": y,
                    "treated": t,
                    "region_code": "R",
                    "village": np.array([f"V{v:02d}" for v in vil]),
                    "head_sex": np.where(female, "female", "male"),
                    "tksk_sessions": np.where(t == 1, sessions, np.nan).astype(float),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# ----------------------------------------------------------------------------------------------- heterogeneity
def test_subgroup_effect_is_difference_of_mean_changes_and_interaction_matches_statsmodels():
    """Hand: within a level the effect is the difference of mean changes. Library: statsmodels' f_test."""
    pan = _panel(1)
    table, test = subgroup_effects(pan, "R", "y", DESIGN, "head_sex")
    w = pan.pivot(index="family_id", columns="wave", values="y")
    info = pan.drop_duplicates("family_id").set_index("family_id")
    d = w["endline"] - w["baseline"]
    fem = info["head_sex"] == "female"
    hand = d[fem & (info["treated"] == 1)].mean() - d[fem & (info["treated"] == 0)].mean()
    assert table.set_index("level").loc["female", "estimate"] == pytest.approx(hand, rel=REL)
    X = pd.DataFrame({"const": 1.0, "t": info["treated"] * 1.0, "m": (~fem) * 1.0})
    X["tm"] = X["t"] * X["m"]
    fit = sm.OLS(d, X).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(info["village"])[0]}, use_t=True)
    assert test["f_stat"] == pytest.approx(float(fit.f_test("tm = 0").fvalue), rel=REL)


@pytest.mark.slow
def test_heterogeneity_recovers_known_subgroup_effects():
    """Simulation: effects 3 (female) and 1 (male) at the mean dose: no bias, ~95% coverage, interaction found."""
    err, cover, found = [], [], []
    for s in range(150):
        pan = _panel(100 + s)
        table, keys = heterogeneity(pan, "R", ["y"], DESIGN, ["head_sex"])
        for _, r in table.iterrows():
            truth = 3.0 if r["level"] == "female" else 1.0
            sessions = pan[(pan["wave"] == "baseline") & (pan["treated"] == 1) & (pan["head_sex"] == r["level"])]
            truth += 0.2 * (sessions["tksk_sessions"].mean() - 6)
            err.append(r["estimate"] - truth)
            cover.append(r["ci_low"] <= truth <= r["ci_high"])
        found.append(keys["R.y.het_head_sex.interaction_p_value"] < 0.05)
    assert abs(np.mean(err)) < 0.03 and 0.92 <= np.mean(cover) <= 0.98 and np.mean(found) > 0.95


# ----------------------------------------------------------------------------------------------- dose
def test_dose_response_matches_statsmodels_and_recovers_slope():
    """Library: coefficient and clustered SE equal statsmodels'. Known truth: slope 0.2 per session."""
    pan = _panel(2, n=3000, G=100)
    table, _ = dose_response(pan, "R", ["y"], DESIGN, ["tksk_sessions"])
    tr = pan[pan["treated"] == 1]
    w = tr.pivot(index="family_id", columns="wave", values="y")
    info = tr.drop_duplicates("family_id").set_index("family_id").loc[w.index]
    X = sm.add_constant(pd.DataFrame({"s": info["tksk_sessions"], "f": (info["head_sex"] == "female") * 0.0}))[
        ["const", "s"]
    ]
    fit = sm.OLS(w["endline"] - w["baseline"], X).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(info["village"])[0]}, use_t=True
    )
    r = table.iloc[0]
    assert r["estimate"] == pytest.approx(fit.params["s"], rel=REL) and r["se"] == pytest.approx(fit.bse["s"], rel=REL)
    assert r["ci_low"] <= 0.2 <= r["ci_high"]


# ----------------------------------------------------------------------------------------------- designs
def test_ancova_vs_did_uses_the_estimators_and_event_study_per_wave():
    """ANCOVA and DiD columns equal evaluation.estimators; the event study equals did() wave by wave."""
    pan = _panel(3, waves=("baseline", "midline", "endline"))
    two = pan[pan["wave"] != "midline"]
    table, _ = ancova_vs_did(two, "R", ["y"], DESIGN)
    kw = dict(period="wave", treated="treated", before="baseline", after="endline", unit="family_id", cluster="village")
    assert table["ancova"].iloc[0] == pytest.approx(estimators.ancova(two, "y", **kw).estimate, rel=REL)
    assert table["did"].iloc[0] == pytest.approx(estimators.did(two, "y", **kw).estimate, rel=REL)
    ev, ek = event_study(pan, "R", ["y"], DESIGN, ["baseline", "midline", "endline"])
    assert list(ev["wave"]) == ["midline", "endline"]
    mid = estimators.did(pan, "y", **{**kw, "after": "midline"})
    assert ek["R.y.event_midline.estimate"] == pytest.approx(mid.estimate, rel=REL)
    assert event_study(two, "R", ["y"], DESIGN, ["baseline", "endline"])[0].empty


@pytest.mark.slow
def test_ancova_precision_gain_follows_mckenzie():
    """Simulation: the SE ratio ANCOVA/DiD is close to sqrt((1 + rho)/2) (McKenzie 2012) at rho = 0.3."""
    ratios, theory = [], []
    for s in range(40):
        rng = np.random.default_rng(200 + s)
        n = 2000
        t = (rng.random(n) < 0.5).astype(int)
        y0 = rng.normal(size=n)
        y1 = 0.3 * y0 + np.sqrt(1 - 0.09) * rng.normal(size=n) + 0.5 * t
        ids = [f"F{i:05d}" for i in range(n)]
        pan = pd.concat(
            [
                pd.DataFrame({"family_id": ids, "wave": w, "y": y, "treated": t, "village": ids, "region_code": "R"})
                for w, y in (("baseline", y0), ("endline", y1))
            ]
        )
        table, _ = ancova_vs_did(pan, "R", ["y"], DESIGN)
        ratios.append(table["se_ratio"].iloc[0])
        theory.append(table["theory_se_ratio"].iloc[0])
    assert np.mean(ratios) == pytest.approx(np.mean(theory), abs=0.05)


# ----------------------------------------------------------------------------------------------- power
def test_icc_hand_example_and_mde_matches_statsmodels():
    """Hand: balanced ANOVA ICC. Library: with icc 0 and normal quantiles, MDE/sigma = NormalIndPower's effect."""
    y = np.array([1.0, 2.0, 3.0, 5.0, 6.0, 7.0])
    cl = np.array([0, 0, 0, 1, 1, 1])
    msb, msw = 3 * ((2 - 4) ** 2 + (6 - 4) ** 2) / 1, (2 + 2) / 4
    assert icc_anova(y, cl) == pytest.approx((msb - msw) / (msb + 2 * msw))
    es = NormalIndPower().solve_power(effect_size=None, nobs1=200, ratio=1.5, alpha=0.05, power=0.8)
    assert mde(200, 300, 50, 1.0, 0.0, design="endline", df=None) == pytest.approx(es, rel=SOLVER)
    deff = 1 + (10 - 1) * 0.1
    es = NormalIndPower().solve_power(effect_size=None, nobs1=200 / deff, ratio=1.5, alpha=0.05, power=0.8)
    assert mde(200, 300, 50, 2.0, 0.1, rho=0.4, design="ancova", df=None) == pytest.approx(
        2.0 * es * np.sqrt(1 - 0.4**2), rel=SOLVER
    )


@pytest.mark.slow
def test_power_at_the_mde_is_80_percent():
    """Simulation: a cluster-randomised endline comparison with the MDE as true effect is detected ~80% of times."""
    rng = np.random.default_rng(7)
    G, m, icc = 40, 20, 0.1
    eff = mde(G * m / 2, G * m / 2, G, 1.0, icc, design="endline", treat_icc=1.0)
    hits = []
    for _ in range(400):
        cl = np.repeat(np.arange(G), m)
        t = (cl % 2).astype(float)  # whole villages treated: the treatment's own ICC is 1
        y = np.sqrt(icc) * rng.normal(size=G)[cl] + np.sqrt(1 - icc) * rng.normal(size=G * m) + eff * t
        fit = sm.OLS(y, sm.add_constant(t)).fit(cov_type="cluster", cov_kwds={"groups": cl}, use_t=True)
        hits.append(fit.pvalues[1] < 0.05)
    assert 0.72 <= np.mean(hits) <= 0.9


# ----------------------------------------------------------------------------------------------- cost-benefit
def test_cost_benefit_hand_example_and_irr_matches_polynomial_roots():
    """Hand: PV of Rp1,000/month for 3 years at 10%, and IRR 10% at that cost. Library: numpy.roots.

    PV = 12,000 * (1/1.1 + 1/1.21 + 1/1.331); the IRR is the real positive root of the cash-flow polynomial.
    """
    pv = present_value(1000, 3, 0.10)
    assert pv == pytest.approx(12000 * (1 / 1.1 + 1 / 1.21 + 1 / 1.331), rel=1e-12)
    assert irr(1000, pv, 3) == pytest.approx(0.10, abs=1e-9)
    assert bcr(1000, pv / 2, 3, 0.10) == pytest.approx(2.0, rel=1e-12)
    cost, b = 7_000_000.0, 250_000.0 * 12 * 0.9
    roots = np.roots([b * 0.4096, b * 0.512, b * 0.64, b * 0.8, b, -cost])  # in x = 1/(1+r), highest power first
    x = [r.real for r in roots if abs(r.imag) < 1e-9 and r.real > 0]
    assert irr(250_000 * 0.9, cost, 5, decay=0.2) == pytest.approx(1 / x[0] - 1, rel=1e-8)
    assert np.isnan(irr(10, cost, 5))
    s = sensitivity(100_000, 1_000_000, [1, 5], [0.05, 0.1], [0.0])
    assert len(s) == 4 and s["bcr"].is_monotonic_increasing is False
    prog = pd.DataFrame(
        {"bsimu_disbursed": [3.5e6, 0.0], "tksk_sessions": [10, 12], "business_mentoring_sessions": [8, 6]}
    )
    c = cost_per_family(prog, 100.0, 200.0, 50.0)
    assert c["total"] == pytest.approx(1.75e6 + 1100 + 1400 + 50)


@pytest.mark.slow
def test_bcr_interval_covers_true_bcr():
    """Simulation: the BCR interval covers the BCR of the true effect in ~95% of samples.

    BCR is linear in the effect, so it is covered exactly when the DiD interval covers the effect.
    """
    cover = []
    for s in range(200):
        pan = _panel(500 + s, n=600)
        pan = pan[pan["head_sex"] == "male"]
        e = estimators.did(
            pan,
            "y",
            period="wave",
            treated="treated",
            before="baseline",
            after="endline",
            unit="family_id",
            cluster="village",
        )
        truth = 1.0 + 0.2 * (pan.loc[(pan["treated"] == 1) & (pan["wave"] == "baseline"), "tksk_sessions"].mean() - 6)
        lo, hi = (bcr(x, 30.0, 5, 0.1) for x in (e.ci_low, e.ci_high))
        cover.append(lo <= bcr(truth, 30.0, 5, 0.1) <= hi)
    assert 0.91 <= np.mean(cover) <= 0.99


# ----------------------------------------------------------------------------------------------- plan
def test_plan_reads_and_rejects_bad_input(tmp_path):
    """The shipped plan loads; unknown keys, unknown outcomes and bad corrections are clear user errors."""
    plan = load_plan()
    assert plan.primary and plan.status(plan.primary[0]) == "primary" and plan.status("xyz") == "exploratory"
    plan.check_outcomes([*plan.outcomes])
    with pytest.raises(UserError, match="unknown outcome"):
        plan.check_outcomes(["household_income"])
    bad = tmp_path / "p.toml"
    bad.write_text('[plan]\nprimary = ["a"]\ntypo = 1\n', encoding="utf-8")
    with pytest.raises(UserError, match="typo"):
        load_plan(bad)
    bad.write_text('[plan]\nprimary = ["a"]\ncorrections = ["bonferroni"]\n', encoding="utf-8")
    with pytest.raises(UserError, match="bonferroni"):
        load_plan(bad)
    bad.write_text('[plan]\nprimary = ["a"]\n[inference]\nbootstrap_draws = "many"\n', encoding="utf-8")
    with pytest.raises(UserError, match="wrong type"):
        load_plan(bad)
