"""The parallel-trends section (issue 16): breakdown values always, the event study only with a pre-wave.

Checked by hand against the DiD keys (the breakdown value is the distance from the 95% interval's nearer end to zero,
Rambachan & Roth 2023's breakdown of the bound |delta| <= M), in both languages; degenerate outcomes (no variation,
one cluster) never crash the section nor show a zero-width interval; the brief's sentences read the same keys.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from evaluation.analysis.context import Intermediates, View, build_context
from evaluation.analysis.sections import pretrends as section
from evaluation.core.config import load_config
from evaluation.core.keys import key
from evaluation.intake.codebook import load_codebook
from evaluation.intake.pipeline import ensure_processed
from evaluation.intake.tables import load_dataset
from evaluation.reporting.findings import OutcomeText
from evaluation.reporting.pretrends_sentences import parallel_trends_sentences
from evaluation.reporting.view import ResultsView
from evaluation.synthetic.demo import generate
from evaluation.text.catalogue import t
from tests.conftest import write_config

SCOPE = "3217"


def _open(tmp_path_factory, pre_waves: bool, lang: str = '"en"'):
    root = tmp_path_factory.mktemp("pt-pre" if pre_waves else "pt-one")
    data = generate(families_per_region=30, comparison_per_region=30, regions=(SCOPE,), pre_waves=pre_waves)
    data_dir = data.write(root / "demo")
    cfg = load_config(write_config(root / "config.toml", data_dir, root / "reports", language=lang))
    codebook = load_codebook(cfg.run.codebook)
    processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
    return cfg, codebook, load_dataset(processed, codebook), root


@pytest.fixture(scope="module")
def one(tmp_path_factory):
    return _open(tmp_path_factory, pre_waves=False)


@pytest.fixture(scope="module")
def pre(tmp_path_factory):
    return _open(tmp_path_factory, pre_waves=True)


def _run(opened, damage=None):
    cfg, codebook, dataset, root = opened
    if damage is not None:
        dataset = dataclasses.replace(dataset, survey=damage(dataset.survey.copy()))
    ctx = build_context(SCOPE, cfg, codebook, dataset, root / "out")
    shared = Intermediates(ctx)
    result = section.compute_parallel_trends(ctx, shared)
    return ctx, shared, result, section.show_parallel_trends(result, View.of(ctx))


def test_one_pre_period_gives_breakdown_values_and_says_trends_cannot_be_tested(one):
    _ctx, shared, result, shown = _run(one)
    k = result.keys
    assert k[key(SCOPE, "parallel_trends", "pre_waves")] == 0
    assert not any(".event_study_" in name or ".honest_rm." in name for name in k)
    for outcome, e in shared.did().estimates.items():
        trend = k[key(SCOPE, outcome, "did_breakdown", "trend")]
        # hand: the distance from the interval's nearer end to zero, 0 when it includes zero
        expected = e.ci_low if e.ci_low > 0 else (-e.ci_high if e.ci_high < 0 else 0.0)
        assert trend == pytest.approx(expected)
        gap = k[key(SCOPE, outcome, "did_breakdown", "baseline_gap")]
        if gap != 0:
            assert k[key(SCOPE, outcome, "did_breakdown", "share_of_gap")] == pytest.approx(trend / abs(gap))
    text = repr(shown)
    assert t("pt_design_one", "en") in text and t("pt_design_pre", "en") not in text
    assert len(shown.parts) == 1


def test_pre_wave_adds_event_study_pretrend_test_figure_and_robust_interval(pre):
    ctx, _shared, result, shown = _run(pre)
    k = result.keys
    assert k[key(SCOPE, "parallel_trends", "pre_waves")] == 1
    for outcome in ctx.headline:
        if key(SCOPE, outcome, "event_study", "status") in k:
            continue
        for wave in ("pre2019", "midline", "endline"):
            lo, hi = (k[key(SCOPE, outcome, f"event_study_{wave}", f)] for f in ("ci_low", "ci_high"))
            assert lo < k[key(SCOPE, outcome, f"event_study_{wave}", "estimate")] < hi
        assert 0 <= k[key(SCOPE, outcome, "pretrend_test", "p_value")] <= 1
        rm = {f: k[key(SCOPE, outcome, "honest_rm", f)] for f in ("lb", "ub", "ci_low", "ci_high", "estimate")}
        assert rm["ci_low"] <= rm["lb"] <= rm["estimate"] <= rm["ub"] <= rm["ci_high"]
        assert rm["estimate"] == k[key(SCOPE, outcome, "event_study_endline", "estimate")]
    image = shown.parts[-1]
    assert (ctx.output_dir / "figures" / "event_study.png").is_file()
    assert image.alt.startswith("Event-study chart")  # the reader's language; id below
    assert f'alt="{image.alt}"' in image._repr_html_() and shown._repr_html_()
    assert t("pt_design_pre", "en") in repr(shown)


def test_labels_follow_the_language(tmp_path_factory):
    opened = _open(tmp_path_factory, pre_waves=True, lang='"id"')
    _, _, _, shown = _run(opened)
    assert shown.parts[-1].alt.startswith("Grafik studi peristiwa")
    assert "Pra-program 2019" in repr(shown) and t("pt_design_pre", "id") in repr(shown)


def test_degenerate_outcome_is_named_not_shown_as_zero_width_interval(pre):
    def constant(survey):
        survey["household_income"] = 1_000_000
        return survey

    _ctx, _, result, shown = _run(pre, constant)
    k = result.keys
    assert key(SCOPE, "household_income", "did_breakdown", "trend") not in k
    assert k[key(SCOPE, "household_income", "event_study", "status")].startswith("not estimable")
    assert not any(name.startswith(f"{SCOPE}.household_income.event_study_") for name in k)
    assert "did not vary" in repr(shown)
    assert all(0 <= v <= 1 for name, v in k.items() if name.endswith(".p_value") and np.isfinite(v))


def test_one_village_never_crashes_the_section(pre):
    def one_village(survey):
        return survey  # the village is in the roster: replaced below through the panel

    cfg, codebook, dataset, root = pre
    roster = dataset.roster.assign(village=dataset.roster["village"].iloc[0])
    opened = (cfg, codebook, dataclasses.replace(dataset, roster=roster), root)
    ctx, _, result, shown = _run(opened, one_village)
    for outcome in ctx.headline:
        assert key(SCOPE, outcome, "event_study", "status") in result.keys
    assert shown is not None


def test_brief_sentences_read_the_same_keys(one):
    ctx, _shared, result, _ = _run(one)
    view = ResultsView(result.keys)
    texts = {o: OutcomeText(o, lambda x, signed: f"{x:.6g}") for o in ctx.headline}
    sentences = parallel_trends_sentences(view, SCOPE, ctx.headline, texts, "en")
    assert sentences[0] == t("pt_design_one", "en")
    claimed = [o for o in ctx.headline if result.keys[key(SCOPE, o, "did_breakdown", "direction")] != 0]
    assert len(sentences) == 1 + len(claimed)
    for o, s in zip(claimed, sentences[1:], strict=True):
        assert s.startswith(f"{o}: this conclusion would change")
        assert f"{result.keys[key(SCOPE, o, 'did_breakdown', 'trend')]:.6g}" in s
    assert parallel_trends_sentences(ResultsView({}), SCOPE, ctx.headline, texts, "en") == []
