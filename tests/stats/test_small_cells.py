"""Disclosure control of the inference, monitoring and subgroup tables (issue 3 item 5), at n = k-1, k, k+1.

Reference for the rule: Hundepool et al. (2012), *Statistical Disclosure Control*, §5.2 (threshold rule) and §5.5
(secondary suppression); ONS (2019), *Disclosure control guidance for tables*. The expected masks are worked out
by hand from the counts each test constructs.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from evaluation.core.config import DesignSettings, load_config
from evaluation.core.record import write_results
from evaluation.reporting.brief import _household_rows, brief_content, render_brief
from evaluation.reporting.context import open_run
from evaluation.reporting.workbook import write_workbook
from evaluation.stats import heterogeneity, small_cells
from evaluation.stats.disclosure import MARK

K = 10
DESIGN = DesignSettings()
BIG_A, BIG_B = 30, 40  # families per arm in the two large levels


def _panel(n_small: int, seed: int = 7) -> pd.DataFrame:
    """Two waves; business types ``small`` (n_small comparison, 20 ProKUS), ``big_a`` (30/30), ``big_b`` (40/40)."""
    rng = np.random.default_rng(seed)
    rows = []
    i = 0
    for level, n_t, n_c in (("small", 20, n_small), ("big_a", BIG_A, BIG_A), ("big_b", BIG_B, BIG_B)):
        for treated, n in ((1, n_t), (0, n_c)):
            for _ in range(n):
                y0 = rng.normal(100, 10)
                for wave, y in (("baseline", y0), ("endline", y0 + 5 * treated + rng.normal(0, 5))):
                    rows.append(
                        {
                            "family_id": f"f{i}",
                            "wave": wave,
                            "treated": treated,
                            "village": f"v{i % 6}",
                            "region_code": "3402",
                            "business_type": level,
                            "household_income": y,
                        }
                    )
                i += 1
    return pd.DataFrame(rows)


def _het(n_small: int):
    panel = _panel(n_small)
    table, keys = heterogeneity.heterogeneity(panel, "3402", ["household_income"], DESIGN, ["business_type"])
    return small_cells.heterogeneity_suppression(panel, "3402", DESIGN, table, keys, K)


@pytest.mark.parametrize("n_small, hidden", [(K - 1, {"small", "big_a"}), (K, set()), (K + 1, set())])
def test_heterogeneity_suppresses_small_levels_and_their_complement(n_small, hidden):
    """k-1 comparison families: the level and the next smallest (big_a) go, since levels add up to the total."""
    table, keys = _het(n_small)
    assert set(table.loc[table["suppressed"], "level"]) == hidden
    pre = "3402.household_income.het_business_type."
    for lv in ("small", "big_a", "big_b"):
        present = {f for f in small_cells.HET_FIELDS if f"{pre}{lv}_{f}" in keys}
        assert present == (set() if lv in hidden else set(small_cells.HET_FIELDS)), lv
    assert keys[f"{pre}suppressed_levels"] == len(hidden)
    assert keys["3402.disclosure.heterogeneity_suppressed"] == len(hidden)
    assert f"{pre}interaction_p_value" in keys  # pooled over all levels: not a small cell


def test_a_level_too_small_to_estimate_still_triggers_the_complement():
    """4 comparison families: the estimator skips the level; its N would follow from the total, so big_a goes."""
    table, keys = _het(4)
    assert "small" not in set(table["level"])
    assert set(table.loc[table["suppressed"], "level"]) == {"big_a"}
    assert "3402.household_income.het_business_type.big_a_estimate" not in keys


def _rates(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "characteristic": ["all", "head_sex", "head_sex", "head_sex"],
            "level": ["all", "female", "male", "other"],
            "n_prokus": [100 + n, n, 40, 60],
            "rate_prokus": [0.1, 0.2, 0.1, 0.05],
            "n_comparison": [100, 30, 30, 40],
            "rate_comparison": [0.1, 0.1, 0.1, 0.1],
        }
    )


@pytest.mark.parametrize("n, hidden", [(K - 1, {"female", "male"}), (K, set()), (K + 1, set())])
def test_attrition_rates(n, hidden):
    """A level's ProKUS rate over k-1 baseline families goes with the next smallest level's (they add to 'all')."""
    rates = _rates(n)
    keys = {f"s.attrition.{c}_{lv}.{g}": 0.1 for c, lv in zip(rates["characteristic"], rates["level"], strict=True)
            for g in ("prokus", "comparison")}
    mask, kept = small_cells.attrition_suppression(rates, "s", keys, K)
    assert set(rates.loc[mask["rate_prokus"], "level"]) == hidden
    assert not mask["rate_comparison"].any()
    for lv in hidden:
        assert f"s.attrition.head_sex_{lv}.prokus" not in kept
        assert f"s.attrition.head_sex_{lv}.comparison" in kept
    assert kept["s.disclosure.attrition_suppressed"] == len(hidden)


@pytest.mark.parametrize("n, hidden", [(K - 1, True), (K, False), (K + 1, False)])
def test_balance_table(n, hidden):
    """ProKUS N, mean, SD and the difference columns hide at k-1 ProKUS families; the comparison side stays."""
    table = pd.DataFrame(
        [{"variable": "head_age", "n_prokus": n, "mean_prokus": 40.0, "sd_prokus": 5.0, "n_comparison": 50,
          "mean_comparison": 41.0, "sd_comparison": 6.0, "difference": -1.0, "normalised_difference": -0.2,
          "p_value": 0.5}]
    )
    keys = {f"s.balance.head_age.{c}": 1.0 for c in table.columns if c != "variable"}
    mask, kept = small_cells.balance_suppression(table, "s", keys, K)
    for c in ("n_prokus", "mean_prokus", "sd_prokus", "difference", "normalised_difference", "p_value"):
        assert bool(mask.at[0, c]) is hidden
        assert (f"s.balance.head_age.{c}" not in kept) is hidden
    for c in ("n_comparison", "mean_comparison", "sd_comparison"):
        assert not mask.at[0, c] and f"s.balance.head_age.{c}" in kept


@pytest.mark.parametrize("n, hidden", [(K - 1, True), (K, False), (K + 1, False)])
def test_dose_response_pooled_over_the_scope(n, hidden):
    table = pd.DataFrame([{"outcome": "household_income", "dose": "grant", "n_units": n, "estimate": 1.0}])
    keys = {"s.household_income.dose.grant_estimate": 1.0, "s.household_income.dose.n_units": n}
    out, kept = small_cells.dose_suppression(table, "s", keys, K)
    assert bool(out.at[0, "suppressed"]) is hidden
    assert ("s.household_income.dose.grant_estimate" in kept) is not hidden


@pytest.mark.parametrize("n, hidden", [(K - 1, True), (K, False), (K + 1, False)])
def test_scorecard_indicator(n, hidden):
    """An indicator over k-1 families keeps only its target; its status leaves the summary counts too."""
    table = pd.DataFrame(
        [
            # none on time: a share of 0 publishes n and 0 (a share of 0.5 would publish two counts of n / 2, hidden
            # by the share rule, tested below); here only the indicator's n decides
            {"indicator": "bsimu_on_time", "target": 0.9, "realisation": 0.0, "ratio": 0.0, "status": "off_track",
             "n": n},
            {"indicator": "bsimu_families", "target": 0.9, "realisation": 0.9, "ratio": 1.0, "status": "on_track",
             "n": 200},
        ]
    )
    keys = {f"s.scorecard.{r}.{f}": 1 for r in table["indicator"] for f in ("target", "realisation", "ratio", "n")}
    keys |= {f"s.scorecard.{r}.status": s for r, s in zip(table["indicator"], table["status"], strict=True)}
    keys |= {"s.scorecard.summary.on_track": 1, "s.scorecard.summary.off_track": 1}
    _, kept = small_cells.scorecard_suppression(table, "s", keys, K)
    assert ("s.scorecard.bsimu_on_time.realisation" in kept) is not hidden
    assert ("s.scorecard.bsimu_on_time.status" in kept) is not hidden
    assert kept.get("s.scorecard.bsimu_on_time.suppressed", False) is hidden
    assert "s.scorecard.bsimu_on_time.target" in kept
    assert kept["s.scorecard.summary.off_track"] == (0 if hidden else 1)


@pytest.mark.parametrize(
    "share, n, hidden",
    [(0.955, 200, True), (0.95, 200, False), (0.045, 200, True), (0.05, 200, False), (0.5, 2 * K, False),
     (1.0, 200, False), (0.0, 200, False), (0.5, 2 * K - 2, True)],
)
def test_scorecard_share_whose_complement_is_small(share, n, hidden):
    """A share of n families publishes share * n and (1 - share) * n: either of 1 to k - 1 hides the share."""
    table = pd.DataFrame(
        [{"indicator": "business_operating", "target": 0.8, "realisation": share, "ratio": share / 0.8,
          "status": "on_track", "n": n}]
    )
    keys = {f"s.scorecard.business_operating.{f}": 1 for f in ("target", "realisation", "ratio", "n")}
    _, kept = small_cells.scorecard_suppression(table, "s", keys, K)
    assert ("s.scorecard.business_operating.realisation" in kept) is not hidden
    assert ("s.scorecard.business_operating.n" in kept) is not hidden
    assert kept.get("s.scorecard.business_operating.suppressed", False) is hidden


@pytest.mark.parametrize("n, hidden", [(K - 1, True), (K, False), (K + 1, False)])
def test_risk_flag_count_and_rate(n, hidden):
    summary = pd.DataFrame(
        [
            {"flag": "grant_late", "type": "process", "count": n, "rate": n / 200, "n": 200},
            {"flag": "any", "type": "any", "count": 0, "rate": 0.0, "n": 200},
        ]
    )
    keys = {"s.risk.grant_late.count": n, "s.risk.grant_late.rate": n / 200, "s.risk.any.count": 0,
            "s.risk.any.rate": 0.0, "s.risk.n_families": 200}
    out, kept = small_cells.risk_suppression(summary, "s", keys, K)
    assert bool(out.at[0, "suppressed"]) is hidden
    assert ("s.risk.grant_late.count" in kept) is not hidden and ("s.risk.grant_late.rate" in kept) is not hidden
    assert kept.get("s.risk.grant_late.suppressed", False) is hidden
    assert "s.risk.any.count" in kept  # a zero cell describes nobody


# ------------------------------------------------------------------------------------------------ reports
def _results(scope: str) -> dict[str, object]:
    r: dict[str, object] = {
        f"{scope}.meta.synthetic": True,
        f"{scope}.disclosure.k": K,
        f"{scope}.risk.grant_late.suppressed": True,
        f"{scope}.risk.any.count": 40,
        f"{scope}.risk.any.rate": 0.2,
        f"{scope}.scorecard.bsimu_on_time.target": 0.9,
        f"{scope}.scorecard.bsimu_on_time.suppressed": True,
        f"{scope}.household_income.het_business_type.suppressed_levels": 2,
    }
    for o in ("household_income", "business_operating"):
        r[f"{scope}.{o}.did.estimate"] = 0.5
        r[f"{scope}.{o}.did.ci_low"] = 0.1
        r[f"{scope}.{o}.did.ci_high"] = 0.9
        for sg, lv in (("head_sex", "female"), ("head_sex", "male"), ("business_type", "food"),
                       ("income_tercile", "T1")):
            for f, v in (("estimate", 0.4), ("ci_low", 0.1), ("ci_high", 0.7)):
                r[f"{scope}.{o}.het_{sg}.{lv}_{f}"] = v
    return r


def test_reports_show_the_mark_never_a_suppressed_value(tmp_path):
    """Brief (content, chart rows, caption), workbook: [c] where results.json says a cell was suppressed."""
    run = tmp_path / "20261128-120000"
    write_results(_results("3402"), run / "results.json")
    ctx = open_run(run, load_config())
    content = brief_content(ctx, "3402", "en")
    late = next(r for r in content["risk"]["rows"] if "late" in r[1].lower())
    assert late[3:] == [MARK, MARK]  # count and rate (after the flag and its rule)
    card = next(r for r in content["scorecard"]["rows"] if r["name"] == "bsimu_on_time")
    # realisation and gap hidden; the rule (a plan figure) stays
    assert card["cells"][3:5] == [MARK, MARK] and card["status_text"] == MARK
    assert "fewer than 10 families" in content["risk_note"]
    rows, hidden = _household_rows(ctx, "3402", ["household_income", "business_operating"], "en")
    assert [lv for _, lv, _ in rows if lv] == ["male", "female", "food", "T1"]  # codebook order
    assert hidden == ["2 business type group(s)"]
    files = render_brief(ctx, "3402", "en")
    html = files["html"].read_text(encoding="utf-8")
    assert "en_household.png" in html and "Not shown: 2 business type group(s)" in html
    assert "exploratory" in html
    from openpyxl import load_workbook

    wb = load_workbook(write_workbook(ctx, "3402", "en"))
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert values.count(MARK) >= 6  # scorecard realisation, ratio, status, n; risk count, rate


# ------------------------------------------------------------------------------------------------ end to end
def test_no_results_key_or_table_cell_describes_fewer_than_k_families(tmp_path, demo):
    """A business type with 5 families in region 3402: no section publishes it, no key names it, briefs too."""
    from evaluation.intake.codebook import load_codebook
    from evaluation.intake.pipeline import ensure_processed
    from evaluation.intake.tables import load_dataset
    from evaluation.notebook import Evaluation
    from tests.conftest import write_config

    roster = demo.roster.copy()
    in_region = roster.index[roster["region_code"].astype(str) == "3402"]
    roster.loc[in_region[:5], "business_type"] = "crafts"  # 5 families: crafts elsewhere in 3402 -> retail
    roster.loc[in_region[5:][roster.loc[in_region[5:], "business_type"] == "crafts"], "business_type"] = "retail"
    demo_small = type(demo)(roster=roster, programme=demo.programme, survey=demo.survey, truth=demo.truth,
                            metadata=demo.metadata)
    data = demo_small.write(tmp_path / "data")
    cfg_path = write_config(tmp_path / "config.toml", data, tmp_path / "reports")
    cfg = load_config(cfg_path)
    codebook = load_codebook(cfg.run.codebook)
    processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
    ev = Evaluation("3402", cfg, codebook, load_dataset(processed, codebook), tmp_path / "out")
    shown = [ev.sample(), ev.baseline(), ev.balance_table(), ev.heterogeneity(), ev.dose_response(),
             ev.scorecard(), ev.risk_flags(), *ev.attrition_analysis().parts]
    results = ev.recorder.as_dict()
    crafts = [k for k in results if "crafts" in k]
    # allowed: the count of hidden levels, and the balance row's N (all families with a business type, not crafts)
    allowed = ("suppressed_levels", ".n_prokus", ".n_comparison")
    assert crafts and not [k for k in crafts if not k.endswith(allowed)], crafts
    assert results["3402.balance.business_type_crafts.n_prokus"] > 2 * K
    assert results["3402.household_income.het_business_type.suppressed_levels"] >= 1
    # the tables name the level by its codebook label (in the report's language), not its code
    label = codebook["business_type"].category("crafts").label(cfg.run.language)
    het = shown[3].table
    crafts = het[het.iloc[:, 2] == label]
    assert (crafts.iloc[:, 3:6] == MARK).all().all()  # a hidden level's row, if shown: effect, interval, N hidden
    rates = shown[-2].table
    crafts = rates[rates.iloc[:, 1] == label]
    assert len(crafts) == 1 and (crafts.iloc[:, 2:4] == MARK).all().all()
    for section in shown:  # no other table names the tiny group
        if section.table is not None and section is not shown[3] and section is not shown[-2]:
            assert not section.table.astype(str).isin(["crafts", label]).any().any(), section.title
    run = tmp_path / "20261128-120000"
    write_results(results, run / "results.json")
    written = json.loads((run / "results.json").read_text())
    assert not [k for k in written if "crafts" in k and not k.endswith(allowed)]


def _dummy_rows(count: int, n: int = 100) -> pd.DataFrame:
    """Balance rows of a two-level categorical: ``count`` of n ProKUS families are crafts, the rest food."""
    rows = []
    for lv, c in (("crafts", count), ("food", n - count)):
        m = c / n
        sd = float(np.sqrt(m * (1 - m) * n / (n - 1)))
        rows.append({"variable": f"business_type_{lv}", "n_prokus": n, "mean_prokus": m, "sd_prokus": sd,
                     "n_comparison": n, "mean_comparison": 0.5, "sd_comparison": float(np.sqrt(0.25 * n / (n - 1))),
                     "difference": m - 0.5, "normalised_difference": 0.1, "p_value": 0.5})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("count, hidden", [(K - 1, True), (K, False), (K + 1, False)])
def test_balance_dummy_is_a_count(count, hidden):
    """A share of k-1 families in 100 is a small cell; the other level's share (1 minus it) goes too, with SDs."""
    table = _dummy_rows(count)
    cats = {"business_type": ["business_type_crafts", "business_type_food"]}
    mask, kept = small_cells.balance_suppression(table, "s", {}, K, cats)
    assert kept["s.disclosure.balance_suppressed"] == (10 if hidden else 0)
    for i in (0, 1):
        for c in ("mean_prokus", "sd_prokus", "difference", "normalised_difference", "p_value"):
            assert bool(mask.at[i, c]) is hidden, (i, c)
        assert not mask.at[i, "n_prokus"]  # N: families with a business type, not a count of crafts


@pytest.mark.parametrize("n", [K - 1, K, K + 1])
def test_arm_sizes_count_families_with_both_waves(n):
    """Hand count: n comparison families in both waves, 2 more only at baseline; 20 ProKUS in both waves."""
    panel = _panel(n)
    panel = panel[panel["business_type"] == "small"]
    extra = pd.DataFrame(
        [{"family_id": f"x{i}", "wave": "baseline", "treated": 0, "village": "v0", "region_code": "3402",
          "business_type": "small", "household_income": 1.0} for i in range(2)]
    )
    assert small_cells.arm_sizes(pd.concat([panel, extra]), DESIGN) == (20, n)
    assert (min(small_cells.arm_sizes(panel, DESIGN)) < K) is (n < K)


def test_monitoring_shares_follow_the_threshold_the_linked_rows_and_the_scopes():
    """A round's share of families paid must not publish a count the risk table hides (review, issue 15 item 3).

    0.955 of 200 is 9 unpaid. Hand example: the threshold rule, the link to the endline risk flag, the quarterly
    repeat of the share, and the national total minus the regions.
    """
    from evaluation.stats.small_cells import monitoring_suppression

    def share(scope, period, value, n=200):
        base = f"{scope}.monitoring.{period}.families_paid"
        return {f"{base}.n": n, f"{base}.realisation": value, f"{base}.ratio": value, f"{base}.status": "on_track",
                f"{base}.plan": 1.0}  # fmt: skip

    r = {}
    r |= share("3402", "2021-01", 0.94)  # 12 unpaid: open by the threshold, but the same share as the endline
    r |= share("3402", "2021-02", 0.94)
    r |= share("31", "2021-02", 0.955)  # 9 unpaid: hidden by the threshold rule
    r |= share("3217", "2021-02", 0.5)
    r |= share("national", "2021-02", 0.8, n=600)
    r["3402.risk.grant_not_disbursed.suppressed"] = True  # the evaluation hid the endline count (a complement)
    r["3402.monitoring.2021-02.rupiah_disbursed.realisation"] = 0.94  # the same share of the planned rupiah
    r["3217.monitoring.2021-02.quarter.2021-Q1.families_paid.realisation"] = 0.5
    r["3402.monitoring.2021-02.quarter.2021-Q1.families_paid.realisation"] = 0.94
    out, hidden = monitoring_suppression(r, 10, regions=["3402", "31", "3217"])
    assert ("31", "2021-02", "families_paid") in hidden  # 9 of 200 unpaid
    assert {("3402", "2021-01", "families_paid"), ("3402", "2021-02", "families_paid")} <= set(hidden)  # linked
    assert "3402.monitoring.2021-02.families_paid.realisation" not in out
    assert out["3402.monitoring.2021-02.families_paid.suppressed"] is True
    assert out["3402.monitoring.2021-02.families_paid.plan"] == 1.0  # a plan figure stays
    assert "3402.monitoring.2021-02.quarter.2021-Q1.families_paid.realisation" not in out
    assert "3402.monitoring.2021-02.rupiah_disbursed.realisation" not in out  # follows the families paid
    # two regions hidden, the national row and 3217 open: 3217 = national - 3402 - 31 only gives their sum: safe.
    assert "3217.monitoring.2021-02.families_paid.realisation" in out
    # one region hidden alone would be recovered: 3217 is hidden as its complement
    r2 = {k: v for k, v in r.items() if not k.startswith(("31.", "3402."))}
    r2 |= share("31", "2021-02", 0.955)
    r2 |= share("3402", "2021-02", 0.6)
    _, hidden2 = monitoring_suppression(r2, 10, regions=["3402", "31", "3217"])
    assert ("31", "2021-02", "families_paid") in hidden2
    assert len([h for h in hidden2 if h[1] == "2021-02"]) == 2  # a complement joined it
    r3 = {"3217.monitoring.2020-10.visits.families": 200, "3217.monitoring.2020-10.visits.visited": 191}
    r3 |= {"3402.monitoring.2020-10.visits.families": 200, "3402.monitoring.2020-10.visits.visited": 150}
    out3, _ = monitoring_suppression(r3, 10)
    assert "3217.monitoring.2020-10.visits.visited" not in out3  # 9 families not visited: a small count
    assert out3["3402.monitoring.2020-10.visits.visited"] == 150
    with pytest.raises(ValueError):
        monitoring_suppression(r, 0)


def test_two_hidden_regions_whose_total_pins_them_get_a_third():
    """Several hidden rows of one relation whose total pins them get one more hidden row (review finding).

    National 27 minus three regions shown (25) left 2 for two hidden regions, so each was 1. Hand example.
    """
    from evaluation.stats.small_cells import hidden_cell_range, run_suppression

    assert hidden_cell_range(2, 2, 10) == (1.0, 1.0)  # both pinned to 1
    assert hidden_cell_range(17, 2, 10) == (8.0, 9.0)  # 8 or 9 each
    assert hidden_cell_range(10, 2, 10) == (1.0, 9.0)  # no information
    counts = {"national": 27, "a": 1, "b": 1, "c": 12, "d": 11, "e": 2}
    r = {"national.risk.n_families": 1000}
    for scope, c in counts.items():
        if scope != "national":
            r[f"{scope}.risk.n_families"] = 200
        r[f"{scope}.risk.sessions_low.count"] = c
        r[f"{scope}.risk.sessions_low.rate"] = c / r[f"{scope}.risk.n_families"]
    out, _ = run_suppression(r, 10, regions=["a", "b", "c", "d", "e"])
    hidden = {s for s in counts if out.get(f"{s}.risk.sessions_low.suppressed") is True}
    assert {"a", "b", "e"} <= hidden  # the primaries (1, 1, 2)
    assert len(hidden) >= 4  # with only the three primaries, their total 4 pins each to 1 or 2
    shown = [s for s in counts if s not in hidden]
    if "national" in shown:
        total = counts["national"] - sum(counts[s] for s in shown if s != "national")
        lo, hi = hidden_cell_range(total, len(hidden), 10)
        assert hi - lo >= (10 - 1) // 2, (hidden, total)  # no hidden region can be pinned any more
