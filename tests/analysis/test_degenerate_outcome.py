"""A degenerate outcome never spoils a region (issue 13, kind 7).

``receives_social_assistance`` 0 for every family of region 3402 in both waves (or empty in one wave): every section
still runs, says in id and en that the outcome did not vary (or had no data in a wave) and never reads an interval
``[0, 0]`` as "not yet clear"; the results of every other outcome (wild cluster bootstrap, multiple-testing
corrections, indices, cost-benefit, dose-response) are identical to those of the same data where that outcome
varies, analysed with a plan that leaves it out (the corrections and the wellbeing index then run over the same
outcomes). A run-level test runs the CLI on the constant case for one region.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from evaluation.analysis.context import Intermediates, View, build_context
from evaluation.analysis.sections import balance, costbenefit, designs, effects, heterogeneity, indices
from evaluation.core.config import load_config, with_overrides
from evaluation.intake.codebook import load_codebook
from evaluation.intake.pipeline import ensure_processed
from evaluation.intake.tables import load_dataset
from evaluation.synthetic.demo import generate
from evaluation.text.catalogue import t
from tests.conftest import write_config

SCOPE, OUTCOME = "3402", "receives_social_assistance"
SEED = 20201


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory):
    """A small demo (25 ProKUS + 25 comparison families per region) written to disk."""
    return generate(families_per_region=25, comparison_per_region=25, seed=SEED).write(
        tmp_path_factory.mktemp("degenerate") / "demo"
    )


@pytest.fixture(scope="module")
def opened(tmp_path_factory, small_demo):
    root = tmp_path_factory.mktemp("degenerate-sections")
    cfg = load_config(write_config(root / "config.toml", small_demo, root / "reports", language='"en"'))
    codebook = load_codebook(cfg.run.codebook)
    processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
    return cfg, codebook, load_dataset(processed, codebook), root


def _context(opened, damage=None, drop_from_plan=False):
    cfg, codebook, dataset, root = opened
    if damage is not None:
        survey = dataset.survey.copy()
        region = survey["family_id"].map(dataset.roster.set_index("family_id")["region_code"].astype(str))
        damage(survey, region == SCOPE)
        dataset = dataclasses.replace(dataset, survey=survey)
    ctx = build_context(SCOPE, cfg, codebook, dataset, root / "out")
    plan = ctx.plan
    quick = dataclasses.replace(plan.inference, bootstrap_draws=199, romano_wolf_draws=199, lee_draws=49)
    plan = dataclasses.replace(plan, inference=quick)
    if drop_from_plan:  # the reference: the outcome varies, but the plan leaves it out of groups and indices
        plan = dataclasses.replace(
            plan,
            secondary=tuple(o for o in plan.secondary if o != OUTCOME),
            families={f: tuple(o for o in m if o != OUTCOME) for f, m in plan.families.items()},
        )
    return ctx.with_plan(plan)


def _constant(survey, rows):
    survey.loc[rows, OUTCOME] = 0


def _empty_endline(survey, rows):
    survey.loc[rows & (survey["wave"] == "endline"), OUTCOME] = np.nan


SECTIONS = {  # the sections issue 13 saw lose every outcome's results: (compute, show)
    "few_clusters": (balance.compute_few_clusters, balance.show_few_clusters),
    "summary_indices": (indices.compute_summary_indices, indices.show_summary_indices),
    "multiple_testing": (indices.compute_multiple_testing, indices.show_multiple_testing),
    "cost_benefit": (costbenefit.compute_cost_benefit, costbenefit.show_cost_benefit),
}


def _keys(ctx):
    shared = Intermediates(ctx)
    out = {}
    for compute, _ in SECTIONS.values():
        out.update(compute(ctx, shared).keys)
    out.update(heterogeneity.compute_dose_response(ctx).keys)
    return out


def test_other_outcomes_results_identical_to_the_run_without_the_degeneracy(opened):
    reference = _keys(_context(opened, drop_from_plan=True))
    degenerate = _keys(_context(opened, _constant))
    assert degenerate[f"{SCOPE}.inference.wild_bootstrap"] is True  # the bootstrap ran
    kept = {k: v for k, v in reference.items() if f".{OUTCOME}." not in k}
    got = {k: v for k, v in degenerate.items() if f".{OUTCOME}." not in k and ".left_out." not in k}
    assert got == kept
    for family in ("wcr_p_value", "holm_p_value", "fdr_bh_p_value", "romano_wolf_p_value"):
        assert any(k.endswith(f".did.{family}") for k in got), family
    assert f"{SCOPE}.index_wellbeing.did.estimate" in got and f"{SCOPE}.cost_benefit.income_bcr" in got
    assert any(".dose." in k for k in got)  # dose-response kept
    # the degenerate outcome: a reason, no numbers, named where it was left out
    assert degenerate[f"{SCOPE}.{OUTCOME}.did.reason"] == "no_variation"
    assert degenerate[f"{SCOPE}.index_wellbeing.left_out.{OUTCOME}"] == "no_variation"
    assert degenerate[f"{SCOPE}.multiple_testing.left_out.{OUTCOME}"] == "no_variation"
    assert not any(k.startswith(f"{SCOPE}.{OUTCOME}.did.") and k.split(".")[-1] not in ("reason", "status")
                   for k in degenerate)  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("damage", "cell"), [(_constant, "did not vary"), (_empty_endline, "no data")])
def test_sections_say_why_in_both_languages_and_never_call_it_unclear(opened, lang, damage, cell):
    ctx = _context(opened, damage)
    ctx = dataclasses.replace(ctx, cfg=with_overrides(ctx.cfg, language=lang))
    shared, view = Intermediates(ctx), View.of(ctx)
    label = ctx.codebook[OUTCOME].label_with_unit(lang)
    did = effects.show_did(effects.compute_did(ctx, shared), view)
    row = did.table[did.table.iloc[:, 0] == label].iloc[0]
    reading = row.iloc[-1]
    expected = {
        ("did not vary", "id"): t("degenerate_cell_no_variation", "id"),
        ("did not vary", "en"): "did not vary",
        ("no data", "id"): t("degenerate_cell_no_data", "id", wave=t("degenerate_wave_endline", "id")),
        ("no data", "en"): "no data in the endline survey",
    }[(cell, lang)]
    assert reading == expected
    if lang == "id" and cell == "did not vary":
        assert reading == "tidak bervariasi"
    assert reading != t("reading_unclear", lang)
    assert any(ctx.codebook[OUTCOME].label(lang) in n or label in n for n in did.notes)
    text = " ".join(str(x) for x in row.to_numpy())
    assert "[0" not in text  # no interval at all, let alone [0, 0]
    before = effects.show_before_after(effects.compute_before_after(ctx, shared), view)
    assert expected in before.table.iloc[:, -1].tolist()
    shown = {name: show(compute(ctx, shared), view) for name, (compute, show) in SECTIONS.items()}
    for name in ("few_clusters", "multiple_testing"):  # left out, and said so
        assert any(expected in n for n in shown[name].notes), name
    power = designs.show_power(designs.compute_power(ctx), view)
    assert any(expected in n for n in power.notes)


def test_zero_width_interval_is_read_as_no_variation_never_unclear(opened):
    from evaluation.analysis.sections._words import Words

    ctx = _context(opened)
    w = Words(View.of(ctx))
    assert w.reading(0.0, 0.0) == t("reading_no_variation", ctx.lang)
    assert w.reading(-1.0, 1.0) == t("reading_unclear", ctx.lang)
    assert w.reading(float("nan"), float("nan")) == "–"


def test_run_of_the_constant_case_for_one_region(tmp_path, small_demo):
    """``prokus-eval run --regions 3402`` on the constant case: exit 0, the report says so, the rest is there.

    Two notebooks (3402 and national) in a fresh process on 250 families: 35-60 s here, so not marked slow.
    """
    data = tmp_path / "data"
    data.mkdir()
    for f in small_demo.iterdir():
        (data / f.name).write_bytes(f.read_bytes())
    survey = pd.read_csv(data / "survey.csv", dtype=str, keep_default_na=False)
    roster = pd.read_csv(data / "roster.csv", dtype=str, keep_default_na=False)
    region = survey["family_id"].map(roster.set_index("family_id")["region_code"])
    survey.loc[region == SCOPE, OUTCOME] = "0"
    assist = [c for c in survey.columns if c.startswith("assist_")]  # the questions it is computed from agree
    survey.loc[region == SCOPE, assist] = "0"
    survey.to_csv(data / "survey.csv", index=False, lineterminator="\n")
    cfg = write_config(tmp_path / "config.toml", data, tmp_path / "reports")
    command = [sys.executable, "-m", "evaluation", "run", "--config", str(cfg), "--regions", SCOPE]
    # the changed files are real data to the intake (no longer the generator's), so they need a pseudonym key
    env = {**os.environ, "PROKUS_PSEUDONYM_KEY": "test-key-degenerate-outcome-0123456789abcdef"}
    proc = subprocess.run([*command, "--run-id", "c", "--quiet"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    run = tmp_path / "reports" / "c"
    results = json.loads((run / "results.json").read_text(encoding="utf-8"))
    assert results[f"{SCOPE}.{OUTCOME}.did.reason"] == "no_variation"
    assert not any(k.endswith(".status") and k.startswith(f"{SCOPE}.") and "scorecard" not in k
                   and OUTCOME not in k and "attrition" not in k for k in results)  # fmt: skip
    outcomes = load_config(cfg).analysis.outcomes
    for o in outcomes:
        if o == OUTCOME:
            continue
        for field in ("estimate", "wcr_p_value", "holm_p_value", "fdr_bh_p_value", "romano_wolf_p_value"):
            assert f"{SCOPE}.{o}.did.{field}" in results, (o, field)
    for index in ("index_income", "index_business", "index_wellbeing"):
        assert f"{SCOPE}.{index}.did.wcr_p_value" in results
    assert f"{SCOPE}.cost_benefit.income_bcr" in results
    page = re.sub(r"<[^>]+>", " ", (run / SCOPE / "report.html").read_text(encoding="utf-8"))
    assert t("degenerate_cell_no_variation", "id") in page  # the notebook's language (config: id)


def test_a_degenerate_primary_outcome_keeps_dose_and_subgroup_results_of_the_others(opened):
    """A constant primary outcome leaves the dose-response and subgroup effects of the other outcomes unchanged.

    ``household_income`` 0 for every family of the region: those of the clean data, except what depends on income
    (the income-tercile subgroups, their disclosure counts) or on the number of tests (Holm); both sections say why
    income is missing; cost-benefit keeps the consumption benefit.
    """
    income = "household_income"

    def flat_income(survey, rows):
        survey.loc[rows, income] = 0

    clean, flat = _context(opened), _context(opened, flat_income)
    views = View.of(flat)
    for compute, show in (
        (heterogeneity.compute_heterogeneity, heterogeneity.show_heterogeneity),
        (heterogeneity.compute_dose_response, heterogeneity.show_dose_response),
    ):
        got, want = compute(flat), compute(clean)

        def kept(keys):
            depends = (f".{income}.", "holm", "tests.n", "income_tercile", ".disclosure.")  # terciles: of income
            return {k: v for k, v in keys.items() if not any(d in k for d in depends)}

        assert kept(got.keys) == kept(want.keys) and kept(got.keys)
        assert not any(f".{income}." in k for k in got.keys if "disclosure" not in k)
        section = show(got, views)
        assert any(t("degenerate_cell_no_variation", "en") in n for n in section.notes)
    cba = costbenefit.compute_cost_benefit(flat, Intermediates(flat))
    assert f"{SCOPE}.cost_benefit.consumption_bcr" in cba.keys and f"{SCOPE}.cost_benefit.income_bcr" not in cba.keys
    notes = costbenefit.show_cost_benefit(cba, views).parts[0].notes
    assert any(flat.codebook[income].label("en") in n for n in notes)


def test_a_comparison_with_no_publishable_region_is_said_not_a_crash(opened):
    """Every region (and the scope) below the disclosure threshold: the comparison says so in words.

    The forest plot is left out, and nothing raises (it was a KeyError 'outcome' in the national notebook).
    """
    from evaluation.analysis.context import Computed

    ctx = _context(opened)
    view = View.of(ctx)
    empty = Computed({}, {"effects": pd.DataFrame(columns=["scope", "outcome", "estimate", "ci_low", "ci_high",
                                                           "p_value", "n_units"]),
                          "headline": list(ctx.headline)})  # fmt: skip
    section = effects.show_region_comparison(empty, view)
    assert section.table is None or section.table.empty
    assert t("region_comparison_none", view.lang, k=ctx.k) in section.notes
    assert effects.show_forest_plot(empty, view) is None
