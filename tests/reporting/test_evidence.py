"""Claims follow the analysis plan (issue 15): the evidence grade, the wording by grade, the scorecard rule.

The results are written by hand (no notebook runs), so each test controls exactly what the rule and the brief see.
The grade rule is :func:`evaluation.core.evidence.grade`; the expected grades below are worked out by hand from its
docstring, never by calling it.
"""

from __future__ import annotations

import html
import math
import re
from pathlib import Path

import pytest

from evaluation.core.config import load_config
from evaluation.core.evidence import grade
from evaluation.core.indicators import INDICATORS
from evaluation.core.plan import load_plan
from evaluation.core.record import read_results, write_results
from evaluation.core.targets import StatusBands, indicator_status, shown, thresholds
from evaluation.reporting import render_run
from evaluation.reporting.brief import brief_content
from evaluation.reporting.context import open_run
from evaluation.reporting.findings import CLAIM_WORDS

PLAN = load_plan()
HEADLINE = ("household_income", "business_operating", "consumption_per_capita", "fies_score")
CLAIM_RE = re.compile(r"\b(" + "|".join(CLAIM_WORDS) + r")", re.IGNORECASE)
TAG_RE = re.compile(r'<(?:li|tr|td)[^>]*\bdata-key="([^"]+)"[^>]*\bdata-evidence="([^"]*)"')


def _outcome(scope: str, o: str, lo: float, hi: float, *, holm=0.01, rw=0.01, bh=0.01, lee=(0.5, 2.0)) -> dict:
    """Keys of one outcome: DiD interval (lo, hi), adjusted p-values and Lee bounds' interval."""
    r = {
        f"{scope}.{o}.did.estimate": (lo + hi) / 2,
        f"{scope}.{o}.did.ci_low": lo,
        f"{scope}.{o}.did.ci_high": hi,
        f"{scope}.{o}.did.alpha": 0.05,
        f"{scope}.{o}.did.n_clusters": 20,
        f"{scope}.{o}.pre_post.estimate": 0.1,
        f"{scope}.{o}.pre_post.ci_low": -0.1,
        f"{scope}.{o}.pre_post.ci_high": 0.3,
    }
    for name, p in (("holm", holm), ("romano_wolf", rw), ("fdr_bh", bh)):
        if p is not None:
            r[f"{scope}.{o}.did.{name}_p_value"] = p
    if lee is not None:
        r[f"{scope}.{o}.lee.ci_low"], r[f"{scope}.{o}.lee.ci_high"] = lee
    return r


# ------------------------------------------------------------------------------------------------ the grade rule
@pytest.mark.parametrize(
    ("keys", "expected", "reasons"),
    [
        (_outcome("s", "household_income", 1.0, 3.0), "strong", ()),
        (_outcome("s", "household_income", 1.0, 3.0, holm=0.056, lee=(-0.5, 2.0)), "suggestive", ("holm", "bounds")),
        (_outcome("s", "household_income", 1.0, 3.0, holm=0.06, rw=0.051), "suggestive", ("holm", "romano_wolf")),
        (_outcome("s", "household_income", 1.0, 3.0, holm=0.05), "suggestive", ("holm",)),  # p < alpha, not <=
        (_outcome("s", "household_income", 1.0, 3.0, rw=math.nan), "suggestive", ("correction_missing",)),
        (_outcome("s", "household_income", 1.0, 3.0, rw=None), "suggestive", ("correction_missing",)),
        (_outcome("s", "household_income", 1.0, 3.0, lee=None), "suggestive", ("bounds_missing",)),
        (_outcome("s", "household_income", -3.0, -1.0, lee=(-2.0, 0.5)), "suggestive", ("bounds",)),  # other side
        (_outcome("s", "household_income", -3.0, -1.0, lee=(-2.0, -0.1)), "strong", ()),
        (_outcome("s", "household_income", -1.0, 3.0), "none", ()),
        (_outcome("s", "household_income", 0.0, 3.0), "none", ()),  # an interval touching zero includes it
        (_outcome("s", "hours_of_sleep", 1.0, 3.0), "suggestive", ("exploratory",)),  # not in the plan
    ],
)
def test_grade_follows_the_documented_rule(keys, expected, reasons):
    outcome = next(k.split(".")[1] for k in keys)
    ev = grade(keys, "s", outcome, PLAN)
    assert (ev.grade, ev.reasons) == (expected, reasons)
    assert ev.is_effect == (expected == "strong")


def test_grade_without_a_comparison_group_is_never_an_effect():
    pre = {"s.savings.pre_post.estimate": 5.0, "s.savings.pre_post.ci_low": 4.0, "s.savings.pre_post.ci_high": 6.0}
    assert grade(pre, "s", "savings", PLAN).grade == "before_after"
    assert grade({}, "s", "savings", PLAN).grade == "not_estimated"
    nan = {**pre, "s.savings.did.estimate": math.nan, "s.savings.did.ci_low": math.nan, "s.savings.did.ci_high": 1.0}
    assert grade(nan, "s", "savings", PLAN).grade == "before_after"  # a NaN interval is no interval


def test_grade_reads_the_runs_alpha_and_refuses_an_impossible_one():
    keys = _outcome("s", "savings", 1.0, 3.0, holm=0.08, rw=0.08, bh=0.08)
    assert grade(keys, "s", "savings", PLAN).grade == "suggestive"  # the run's alpha 0.05
    assert grade({**keys, "s.savings.did.alpha": 0.10}, "s", "savings", PLAN).grade == "strong"
    with pytest.raises(ValueError, match="alpha"):
        grade(keys, "s", "savings", PLAN, alpha=1.5)


def test_the_national_brief_of_issue_15_is_graded_suggestive():
    """The numbers of the issue: income and consumption fail Holm (0.056), both Lee intervals include zero."""
    keys = {
        **_outcome("national", "household_income", 29_308, 506_446, holm=0.0563, rw=0.045, bh=0.038,
                   lee=(-122_672, 628_539)),
        **_outcome("national", "consumption_per_capita", 2_668, 92_755, holm=0.0563, rw=0.0513, bh=0.038,
                   lee=(-38_777, 134_894)),
    }  # fmt: skip
    income = grade(keys, "national", "household_income", PLAN)
    consumption = grade(keys, "national", "consumption_per_capita", PLAN)
    assert (income.grade, income.reasons) == ("suggestive", ("holm", "bounds"))
    assert (consumption.grade, consumption.reasons) == ("suggestive", ("holm", "romano_wolf", "bounds"))


# ----------------------------------------------------------------------------------------- briefs and landing
def _results(scope: str, grades: dict[str, str]) -> dict:
    """Results of one scope with each headline outcome built to get the named grade."""
    r: dict[str, object] = {
        f"{scope}.meta.synthetic": True,
        f"{scope}.meta.period_start": "2020-02-03",
        f"{scope}.meta.period_end": "2021-03-15",
        f"{scope}.sample.n_families": 200,
        f"{scope}.sample.n_villages": 20,
        f"{scope}.sample.n_prokus_both_waves": 190,
        f"{scope}.sample.attrition_prokus": 0.05,
        f"{scope}.balance.joint.p_value": 0.015,
    }
    for o in HEADLINE:
        s = 1_000_000 if o in ("household_income", "consumption_per_capita") else 1
        g = grades[o]
        if g == "strong":
            r.update(_outcome(scope, o, 0.1 * s, 0.3 * s, lee=(0.05 * s, 0.4 * s)))
        elif g == "suggestive":
            r.update(_outcome(scope, o, 0.1 * s, 0.3 * s, holm=0.056, lee=(-0.05 * s, 0.4 * s)))
        else:
            r.update(_outcome(scope, o, -0.1 * s, 0.3 * s, lee=(-0.2 * s, 0.4 * s)))
    return r


GRADES = {"household_income": "suggestive", "business_operating": "strong", "consumption_per_capita": "none",
          "fies_score": "suggestive"}  # fmt: skip


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    run = tmp_path_factory.mktemp("evidence") / "20261130-120000"
    other = {o: "strong" for o in HEADLINE}
    write_results({**_results("3402", GRADES), **_results("national", other)}, run / "results.json")
    render_run(run, load_config())
    return run


def _tags(page: Path) -> list[tuple[str, str]]:
    return TAG_RE.findall(page.read_text(encoding="utf-8"))


def check_every_claim(run: Path) -> int:
    """Every data-evidence of every HTML brief and landing page equals the rule's grade of its data-key.

    Returns the number of claims checked. Shared with the end-to-end test on a real run.
    """
    results = read_results(run / "results.json")
    plan = load_plan()
    pages = sorted(run.glob("*/brief_*.html")) + sorted(run.glob("index*.html"))
    checked = 0
    for page in pages:
        for data_key, evidence in _tags(page):
            scope, outcome = data_key.split(".")[:2]
            assert data_key in results, (page, data_key)
            assert evidence == grade(results, scope, outcome, plan).grade, (page, data_key, evidence)
            checked += 1
    return checked


def test_every_data_evidence_in_every_brief_and_landing_page_matches_the_rule(rendered):
    assert check_every_claim(rendered) == 2 * 2 * 4 * 2 + 2 * 2 * 4  # briefs: sentence + row; landing: one cell
    tags = dict(_tags(rendered / "3402" / "brief_en.html"))
    assert tags == {f"3402.{o}.did.estimate": g for o, g in GRADES.items()}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_findings_are_worded_by_their_grade(rendered, lang):
    ctx = open_run(rendered, load_config())
    content = brief_content(ctx, "3402", lang)
    by_key = {tag["key"]: s for s, tag in zip(content["findings"], content["finding_tags"], strict=True) if tag}
    strong = by_key["3402.business_operating.did.estimate"]
    assert ("program menaikkan" if lang == "id" else "the programme raised") in strong
    for o in ("household_income", "fies_score", "consumption_per_capita"):
        sentence = by_key[f"3402.{o}.did.estimate"]
        assert not CLAIM_RE.search(sentence), sentence  # nothing called an effect that the grade does not support
    income = by_key["3402.household_income.did.estimate"]
    assert ("tidak lolos koreksi Holm" if lang == "id" else "does not survive the Holm correction") in income
    assert ("batas Lee" if lang == "id" else "Lee) bounds include zero") in income
    fies = by_key["3402.fies_score.did.estimate"]
    assert ("lebih rendah lebih baik" if lang == "id" else "lower is better") in fies  # direction of good
    text = " ".join(content["findings"])
    assert "p = 0,015" in text if lang == "id" else "p = 0.015" in text  # baseline imbalance, one sentence
    assert sum("Lee" in s for s in content["findings"] if s not in by_key.values()) == 1  # attrition, one sentence
    grades = [row[-1] for row in content["effects"]["rows"]]
    assert grades[1] == ("bukti kuat adanya dampak" if lang == "id" else "strong evidence of an effect")
    assert not any(CLAIM_RE.search(g) for g in grades)


def test_landing_page_in_both_languages_with_every_headline_outcome_and_links_back(rendered):
    for lang, page in (("id", "index.html"), ("en", "index_en.html")):
        text = (rendered / page).read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in text
        for scope in ("3402", "national"):
            for o in HEADLINE:
                assert f'data-key="{scope}.{o}.did.estimate"' in text, (page, scope, o)
        other = "index_en.html" if lang == "id" else "index.html"
        assert f'href="{other}"' in text
        assert ("lebih rendah lebih baik" if lang == "id" else "lower is better") in html.unescape(text)
        for scope in ("3402", "national"):
            brief = (rendered / scope / f"brief_{lang}.html").read_text(encoding="utf-8")
            assert f'href="../{page}"' in brief, (scope, lang)
    assert "naik" not in html.unescape((rendered / "index.html").read_text(encoding="utf-8")).lower()


# ------------------------------------------------------------------------------------------------ the scorecard
BANDS = StatusBands(on_track=0.90, needs_attention=0.70)


def test_scorecard_status_compares_the_printed_value_with_absolute_limits():
    share, assistance = INDICATORS["bsimu_families"], INDICATORS["return_to_assistance"]
    income, fies = INDICATORS["income_change"], INDICATORS["fies_change"]
    # 89.96% prints as 90.0%, the on-track limit of a 100% target: on track (a ratio rule said "needs attention")
    assert shown("share", 0.8996) == 90.0
    assert indicator_status(share, 0.8996, 1.0, BANDS) == "on_track"
    assert indicator_status(share, 0.8994, 1.0, BANDS) == "needs_attention"  # prints as 89.9%
    # at most 20%: on track up to 22.0%, needs attention up to 26.0%; 28.6% is off track (the issue's 143%)
    assert thresholds(assistance, 0.20, BANDS) == thresholds(assistance, 0.2, BANDS)
    th = thresholds(assistance, 0.20, BANDS)
    assert (th.direction, th.on_track, th.needs_attention) == ("at_most", 22.0, 26.0)
    assert indicator_status(assistance, 0.286, 0.20, BANDS) == "off_track"
    assert indicator_status(assistance, 0.26, 0.20, BANDS) == "needs_attention"
    # a change target +10%: a fall of 14% is off track (the ratio -140% is not printed and not used)
    assert indicator_status(income, -0.14, 0.10, BANDS) == "off_track"
    assert indicator_status(income, 0.09, 0.10, BANDS) == "on_track"
    # FIES: at most -0.50 points (lower is better); +0.70 is off track, -0.46 needs attention (limit -0.45)
    assert fies.direction == "at_most"
    assert indicator_status(fies, 0.70, -0.50, BANDS) == "off_track"
    assert indicator_status(fies, -0.45, -0.50, BANDS) == "on_track"
    assert indicator_status(fies, -0.40, -0.50, BANDS) == "needs_attention"
    assert indicator_status(fies, math.nan, -0.50, BANDS) == "no_data"


def test_brief_scorecard_shows_target_rule_and_an_absolute_difference(tmp_path):
    keys = {
        **_results("3402", GRADES),
        "3402.scorecard.return_to_assistance.target": 0.20,
        "3402.scorecard.return_to_assistance.realisation": 0.286,
        "3402.scorecard.return_to_assistance.ratio": 1.43,
        "3402.scorecard.return_to_assistance.status": "off_track",
        "3402.scorecard.income_change.target": 0.10,
        "3402.scorecard.income_change.realisation": -0.14,
        "3402.scorecard.income_change.ratio": -1.4,
        "3402.scorecard.income_change.status": "off_track",
        "3402.risk.mentoring_below_plan.count": 0,
        "3402.risk.mentoring_below_plan.rate": 0.0,
    }
    run = tmp_path / "20261130-130000"
    write_results(keys, run / "results.json")
    content = brief_content(open_run(run, load_config()), "3402", "en")
    rows = {r["name"]: r["cells"] for r in content["scorecard"]["rows"]}
    assert rows["return_to_assistance"][2:] == ["at most 20.0%", "28.6%", "+8.6 percentage points",
                                                "on track ≤ 22.0%; attention ≤ 26.0%"]  # fmt: skip
    assert rows["income_change"][2:] == ["at least +10.0%", "-14.0%", "-24.0 percentage points",
                                         "on track ≥ +9.0%; attention ≥ +7.0%"]  # fmt: skip
    flat = " ".join(c for r in rows.values() for c in r)
    assert "143%" not in flat and "-140%" not in flat  # no ratio of changes, no ratio of an "at most" indicator
    (mentoring,) = content["risk"]["rows"]  # the one flag in the results
    assert mentoring[2] == (
        "attended under 50% of the planned sessions: TKSK (12 sessions) or business mentoring (8 sessions)"
    )


def test_the_last_line_of_a_run_says_which_file_to_open(tmp_path, monkeypatch, capsys):
    from evaluation import cli

    run_dir = tmp_path / "20261130-140000"
    run_dir.mkdir()
    for name in ("index.html", "index_en.html"):
        (run_dir / name).write_text("<html></html>", encoding="utf-8")
    monkeypatch.setattr("evaluation.run.runner.run", lambda **_: run_dir)
    assert cli.main(["run", "--quiet"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last == f"Open {run_dir}/index.html to start (also index_en.html)."


def test_good_direction_comes_from_the_codebook_and_agrees_with_the_plan(tmp_path):
    from evaluation.core.errors import UserError
    from evaluation.intake.codebook import load_codebook

    book = load_codebook()
    for o in (*PLAN.primary, *PLAN.secondary):
        assert book[o].good_direction == ("down" if o in PLAN.negative else "up"), o
    bad = tmp_path / "codebook.csv"
    text = Path(book.path).read_text(encoding="utf-8").replace(",-99|-98,down", ",-99|-98,lower", 1)
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as err:
        load_codebook(bad)
    assert err.value.column == "good_direction" and "lower" in str(err.value)
