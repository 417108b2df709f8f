"""The sections of analysis/sections: compute_* on the demo panel of one region, show_* shows what was recorded.

No hidden state: computing the sections in another order, or twice, gives the same keys; showing a result twice
gives the same display; an :class:`Evaluation` that runs its sections in another order records the same keys.
"""

from __future__ import annotations

import dataclasses

import pytest

from evaluation.analysis.context import Intermediates, View, build_context
from evaluation.analysis.evaluation import Evaluation
from evaluation.analysis.sections import (
    attrition,
    balance,
    costbenefit,
    designs,
    effects,
    heterogeneity,
    indices,
    monitoring,
    sample,
    truth,
)
from evaluation.analysis.sections._words import Words
from evaluation.core.config import load_config
from evaluation.core.keys import key
from evaluation.intake.codebook import load_codebook
from evaluation.intake.pipeline import ensure_processed
from evaluation.intake.tables import load_dataset
from evaluation.text.formats import format_number
from tests.conftest import write_config

pytestmark = pytest.mark.slow  # every section of a region, twice (about 20 s)

SCOPE = "3402"

# name: (compute, show, whether compute reads the shared intermediates)
SECTIONS = {
    "sample": (sample.compute_sample, sample.show_sample, False),
    "data_quality": (sample.compute_data_quality, sample.show_data_quality, False),
    "baseline": (sample.compute_baseline, sample.show_baseline, False),
    "before_after": (effects.compute_before_after, effects.show_before_after, True),
    "did": (effects.compute_did, effects.show_did, True),
    "truth_check": (effects.compute_truth_check, effects.show_truth_check, True),
    "analysis_plan": (balance.compute_analysis_plan, balance.show_analysis_plan, False),
    "balance_table": (balance.compute_balance_table, balance.show_balance_table, False),
    "few_clusters": (balance.compute_few_clusters, balance.show_few_clusters, True),
    "summary_indices": (indices.compute_summary_indices, indices.show_summary_indices, True),
    "multiple_testing": (indices.compute_multiple_testing, indices.show_multiple_testing, True),
    "attrition": (attrition.compute_attrition, attrition.show_attrition, True),
    "heterogeneity": (heterogeneity.compute_heterogeneity, heterogeneity.show_heterogeneity, False),
    "dose_response": (heterogeneity.compute_dose_response, heterogeneity.show_dose_response, False),
    "ancova_did": (designs.compute_ancova_did, designs.show_ancova_did, False),
    "power": (designs.compute_power, designs.show_power, False),
    "cost_benefit": (costbenefit.compute_cost_benefit, costbenefit.show_cost_benefit, True),
    "scorecard": (monitoring.compute_scorecard, monitoring.show_scorecard, False),
    "risk_flags": (monitoring.compute_risk_flags, monitoring.show_risk_flags, False),
}


@pytest.fixture(scope="module")
def opened(tmp_path_factory, demo_dir):
    """The region's config, codebook and data set, and a context whose plan asks for few bootstrap draws."""
    root = tmp_path_factory.mktemp("sections")
    cfg = load_config(write_config(root / "config.toml", demo_dir, root / "reports", language='"en"'))
    codebook = load_codebook(cfg.run.codebook)
    processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
    dataset = load_dataset(processed, codebook)
    ctx = build_context(SCOPE, cfg, codebook, dataset, root / "out")
    quick = dataclasses.replace(
        ctx.plan.inference, bootstrap_draws=199, romano_wolf_draws=199, lee_draws=49
    )  # the statistics are tested elsewhere; here only the plumbing
    return cfg, codebook, dataset, ctx.with_plan(dataclasses.replace(ctx.plan, inference=quick))


def _compute(name, ctx, shared):
    compute, _, uses_shared = SECTIONS[name]
    return compute(ctx, shared) if uses_shared else compute(ctx)


@pytest.fixture(scope="module")
def computed(opened):
    """Every section computed once, in notebook order, with one set of intermediates."""
    ctx = opened[3]
    shared = Intermediates(ctx)
    return {name: _compute(name, ctx, shared) for name in SECTIONS}


def test_sections_give_the_same_keys_in_any_order_and_twice(opened, computed):
    ctx = opened[3]
    shared = Intermediates(ctx)
    backwards = {name: _compute(name, ctx, shared) for name in reversed(SECTIONS)}
    again = {name: _compute(name, ctx, shared) for name in SECTIONS}
    for name, result in computed.items():
        assert result is not None, name
        assert result.keys, name
        assert backwards[name].keys == result.keys, name
        assert again[name].keys == result.keys, name
        if name != "truth_check":  # the truth check records the DiD of every region and the nation
            assert all(k.startswith(f"{SCOPE}.") for k in result.keys), name


def test_show_is_a_function_of_the_result(opened, computed):
    view = View.of(opened[3])
    for name, result in computed.items():
        show = SECTIONS[name][1]
        first, second = show(result, view), show(result, view)
        assert first._repr_html_() == second._repr_html_(), name
        assert "<h2>" in first._repr_html_(), name


def _cells(section, column):
    return list(section.table[column])


def test_show_displays_the_recorded_values(opened, computed):
    ctx = opened[3]
    view = View.of(ctx)
    w = Words(view)
    s = SCOPE

    keys = computed["did"].keys
    shown = effects.show_did(computed["did"], view)
    outcomes = list(computed["did"].shown["effects"].estimates)
    assert outcomes == [o for o in ctx.outcomes if key(s, o, "did", "estimate") in keys]
    assert _cells(shown, w.t("col_effect")) == [w.fmt(o, keys[key(s, o, "did", "estimate")], True) for o in outcomes]
    assert _cells(shown, w.t("col_ci")) == [
        w.ci(o, keys[key(s, o, "did", "ci_low")], keys[key(s, o, "did", "ci_high")]) for o in outcomes
    ]
    assert _cells(shown, w.t("col_n")) == [format_number(keys[key(s, o, "did", "n_units")], "en") for o in outcomes]

    keys = computed["before_after"].keys
    shown = effects.show_before_after(computed["before_after"], view)
    outcomes = list(computed["before_after"].shown["effects"].estimates)
    changes = [w.fmt(o, keys[key(s, o, "pre_post", "estimate")], True) for o in outcomes]
    assert _cells(shown, w.t("col_change")) == changes

    keys = computed["sample"].keys
    shown = sample.show_sample(computed["sample"], view)
    prokus = shown.table.iloc[0]
    assert prokus[w.t("col_enrolled")] == format_number(keys[key(s, "sample", "n_prokus_enrolled")], "en")
    assert prokus[w.t("col_both")] == format_number(keys[key(s, "sample", "n_prokus_both_waves")], "en")

    keys = computed["balance_table"].keys
    note = balance.show_balance_table(computed["balance_table"], view).notes[0]
    assert w.p(keys[key(s, "balance", "joint", "p_value")]) in note

    keys = computed["summary_indices"].keys
    shown = indices.show_summary_indices(computed["summary_indices"], view)
    fams = [f for f in ctx.plan.families if key(s, f, "did", "estimate") in keys]
    assert fams and _cells(shown, w.t("col_effect")) == [
        w.val(f, keys[key(s, f, "did", "estimate")], True) for f in fams
    ]

    result = computed["multiple_testing"]
    shown = indices.show_multiple_testing(result, view)
    names = list(result.shown["table"]["outcome"])
    assert _cells(shown, w.x("col_p_holm")) == [w.p(result.keys[key(s, o, "did", "holm_p_value")]) for o in names]

    keys = computed["power"].keys
    shown = designs.show_power(computed["power"], view)
    assert _cells(shown, w.x("col_mde_did")) == [
        w.val(o, keys[key(s, o, "power", "mde_did")], change=True)  # an effect size: 0/1 outcomes in points
        for o in computed["power"].shown["table"]["outcome"]
    ]

    keys = computed["cost_benefit"].keys
    shown = costbenefit.show_cost_benefit(computed["cost_benefit"], view).parts[0]
    assert _cells(shown, w.x("col_bcr"))[0] == format_number(keys[key(s, "cost_benefit", "income_bcr")], "en", 2)

    keys = computed["truth_check"].keys
    shown = effects.show_truth_check(computed["truth_check"], view)
    total, covered = keys[key(s, "truth_check", "did_intervals")], keys[key(s, "truth_check", "did_covered")]
    assert len(shown.table) == total and (shown.table[w.t("col_covered")] == w.t("yes")).sum() == covered


def test_truth_intervals_checks_the_recorded_intervals(opened, computed):
    ctx = opened[3]
    recorded = {k: v for name in ("did", "ancova_did", "attrition") for k, v in computed[name].keys.items()}
    result = truth.compute_truth_intervals(ctx, recorded)
    assert result is not None
    n = result.keys[key(SCOPE, "truth_intervals", "did_intervals")]
    assert n == sum(key(SCOPE, o, "att") in ctx.truth for o in ctx.outcomes)
    shown = truth.show_truth_intervals(result, View.of(ctx))
    assert len(shown.table) == result.shown["total"] == len(result.shown["rows"])
    assert truth.compute_truth_intervals(ctx, {}).keys == {}  # nothing reported, nothing checked


def test_evaluation_records_the_same_keys_in_any_order(opened, tmp_path):
    cfg, codebook, dataset, _ = opened
    order = ["sample", "did", "summary_indices", "figure_effects", "before_after", "cost_benefit", "baseline"]
    runs = []
    for i, names in enumerate((order, order[::-1], order + order)):
        ev = Evaluation(SCOPE, cfg, codebook, dataset, tmp_path / str(i))
        for name in names:
            getattr(ev, name)()
        runs.append(ev.recorder.as_dict())
    assert runs[0] == runs[1] == runs[2]
    assert not [k for k in vars(ev) if k not in ("context", "shared", "recorder")]  # no attribute made on the fly


def test_the_data_quality_section_shows_what_the_intake_did_with_each_file(opened, tmp_path):
    """Issue 13, kind 6: per file rows read, columns mapped and ignored, values normalised, from the processed data."""
    from evaluation.analysis.sections import intake_files

    ctx = opened[3]
    result = intake_files.compute_intake_files(ctx)
    assert all(k.startswith(f"{SCOPE}.data_quality.") for k in result.keys)
    files = result.shown["files"]
    assert files and result.keys[key(SCOPE, "data_quality", "files", "count")] == len(files)
    assert {f["table"] for f in files} == {"roster", "programme", "survey"}
    html = intake_files.show_intake_files(result, View.of(ctx))._repr_html_()
    for f in files:
        assert f["file"] in html
        assert result.keys[key(SCOPE, "data_quality", "file", f"{f['table']}_{f['file']}".replace(".", "_"), "rows")]
    cfg, codebook, dataset, _ = opened
    shown = Evaluation(SCOPE, cfg, codebook, dataset, tmp_path).data_quality()._repr_html_()
    assert shown.count("<h2>") == 1 and shown.count("<h3>") == 2  # the rules, then the files and their kinds
