"""Property: every section of a region's notebook runs on small random panels of degenerate shapes (issue 16).

Hypothesis draws a small demo region (10 + 10 families) and damages it the ways field data go wrong: outcomes that do
not vary, an outcome empty in one wave, a wave with no interview at all, every family in one village, each arm in a
single village, every family in one arm, families dropped at random. Every section of the notebook (the methods of
:class:`~evaluation.analysis.evaluation.Evaluation`, as papermill runs them, with their displays) must finish without
an exception, record no p-value outside [0, 1] (nor NaN), and say why in a sentence wherever it has no estimate: a
``reason`` key is a code of :data:`evaluation.stats.degenerate.REASONS`, and an outcome's reason is worded in the
reader's language.

The number of examples is bounded (derandomised, no example database) so that the test runs in well under a minute.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.analysis.context import Intermediates
from evaluation.analysis.evaluation import Evaluation
from evaluation.core.config import load_config
from evaluation.intake.codebook import load_codebook
from evaluation.intake.pipeline import ensure_processed
from evaluation.intake.tables import load_dataset
from evaluation.stats.degenerate import REASONS
from evaluation.synthetic.demo import generate
from tests.conftest import write_config

pytestmark = pytest.mark.slow

SCOPE = "3402"
# every section of a region notebook, in notebook order (the figures and the truth check included)
METHODS = (
    "header", "sample", "data_quality", "baseline", "before_after", "did", "figure_before_after", "figure_effects",
    "region_comparison", "forest_plot", "truth_check", "scorecard", "risk_flags", "analysis_plan", "balance_table",
    "few_clusters", "summary_indices", "multiple_testing", "attrition_analysis", "heterogeneity", "dose_response",
    "ancova_did", "power", "cost_benefit", "truth_intervals",
)  # fmt: skip


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    root = tmp_path_factory.mktemp("property")
    demo = generate(families_per_region=10, comparison_per_region=10, seed=16, regions=(SCOPE,)).write(root / "demo")
    cfg = load_config(write_config(root / "config.toml", demo, root / "reports", language='"en"'))
    codebook = load_codebook(cfg.run.codebook)
    processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
    return cfg, codebook, load_dataset(processed, codebook), root


@st.composite
def damages(draw):
    """A combination of degenerate shapes (each may be absent)."""
    return {
        "constant": draw(st.sets(st.integers(0, 10), max_size=3)),  # outcome positions set to one value
        "empty_in_wave": draw(st.sampled_from([None, "baseline", "endline"])),  # first outcome empty there
        "empty_wave": draw(st.sampled_from([None, None, "endline"])),  # no interview at all in that wave
        "villages": draw(st.sampled_from(["as_is", "one", "one_per_arm", "two"])),
        "arms": draw(st.sampled_from(["both", "both", "all_prokus", "all_comparison"])),
        "keep": draw(st.sampled_from([1.0, 0.5])),  # share of families kept
        "seed": draw(st.integers(0, 2**16)),
    }


def _damaged(dataset, cfg, d):
    rng = np.random.default_rng(d["seed"])
    roster, survey, programme = dataset.roster.copy(), dataset.survey.copy(), dataset.programme.copy()
    outcomes = [o for o in cfg.analysis.outcomes if o in survey]
    for i in sorted(d["constant"]):
        survey[outcomes[i % len(outcomes)]] = 1.0
    if d["empty_in_wave"]:
        survey.loc[survey["wave"] == d["empty_in_wave"], outcomes[0]] = np.nan
    if d["empty_wave"]:
        survey = survey[survey["wave"] != d["empty_wave"]]
    prokus = roster["group"] == cfg.design.treated_value
    if d["villages"] == "one":
        roster["village"] = roster["village"].iloc[0]
    elif d["villages"] == "one_per_arm":
        roster["village"] = np.where(prokus, roster["village"].iloc[0], roster["village"].iloc[-1])
    elif d["villages"] == "two":
        roster["village"] = rng.choice(roster["village"].unique()[:2], size=len(roster))
    if d["arms"] != "both":
        other = roster.loc[~prokus, "group"].iloc[0]
        roster["group"] = cfg.design.treated_value if d["arms"] == "all_prokus" else other
    if d["keep"] < 1:
        kept = roster["family_id"].sample(frac=d["keep"], random_state=d["seed"])
        roster = roster[roster["family_id"].isin(kept)]
        survey = survey[survey["family_id"].isin(kept)]
        programme = programme[programme["family_id"].isin(kept)] if "family_id" in programme else programme
    return dataclasses.replace(dataset, roster=roster, survey=survey, programme=programme)


def _run_all(opened, d):
    cfg, codebook, dataset, root = opened
    ev = Evaluation(SCOPE, cfg, codebook, _damaged(dataset, cfg, d), root / "out")
    plan = ev.context.plan
    quick = dataclasses.replace(plan.inference, bootstrap_draws=99, romano_wolf_draws=99, lee_draws=19)
    ev.context = ev.context.with_plan(dataclasses.replace(plan, inference=quick))
    ev.shared = Intermediates(ev.context)
    shown = {}
    for name in METHODS:
        if name == "analysis_plan":
            continue  # would reload data/analysis_plan.toml and undo the quick draws; shown by test_sections
        out = getattr(ev, name)()
        shown[name] = out._repr_html_() if hasattr(out, "_repr_html_") else out
    return ev.recorder.as_dict(), shown


@settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(d=damages())
def test_every_section_runs_on_degenerate_panels(opened, d):
    keys, shown = _run_all(opened, d)
    for k, v in keys.items():
        if k.rsplit(".", 1)[-1].endswith("p_value"):
            assert isinstance(v, (int, float)) and not math.isnan(v) and 0 <= v <= 1, (k, v)
        if k.endswith(".reason") or k.endswith("_reason"):
            assert v in REASONS, (k, v)
    # a section that could not be computed says why in a sentence, never a bare table or a traceback
    for name, html in shown.items():
        assert "Traceback" not in str(html), name


@pytest.mark.parametrize(
    "d",
    [
        {"constant": {0, 1}, "empty_in_wave": "endline", "empty_wave": None, "villages": "as_is", "arms": "both"},
        {"constant": set(), "empty_in_wave": None, "empty_wave": "endline", "villages": "as_is", "arms": "both"},
        {"constant": set(), "empty_in_wave": None, "empty_wave": None, "villages": "one", "arms": "both"},
        {"constant": set(), "empty_in_wave": None, "empty_wave": None, "villages": "one_per_arm", "arms": "both"},
        {"constant": set(), "empty_in_wave": None, "empty_wave": None, "villages": "as_is", "arms": "all_prokus"},
    ],
    ids=["constant_and_empty_outcome", "empty_wave", "one_village", "one_village_per_arm", "all_treated"],
)
def test_named_degenerate_shapes_say_why(opened, d):
    """Each named shape: no exception, p-values in [0, 1], and the DiD of every outcome either estimated or a reason."""
    keys, _ = _run_all(opened, {**d, "keep": 1.0, "seed": 0})
    cfg = opened[0]
    for o in cfg.analysis.outcomes:
        has = f"{SCOPE}.{o}.did.estimate" in keys
        why = keys.get(f"{SCOPE}.{o}.did.reason")
        assert has != (why is not None), (o, why)
        if why is not None:
            assert why in REASONS
    for k, v in keys.items():
        if k.rsplit(".", 1)[-1].endswith("p_value"):
            assert 0 <= v <= 1, (k, v)
    if d["villages"] == "one_per_arm":
        assert {keys.get(f"{SCOPE}.{o}.did.reason") for o in cfg.analysis.outcomes} <= {
            "arm_in_one_cluster", "no_variation", "no_data"
        }  # fmt: skip
        assert not any(k.endswith(".wcr_p_value") for k in keys)  # no bootstrap of a 0/0 statistic


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_section_that_fails_on_a_degenerate_scope_says_why_in_words(lang):
    """``degrades``: a reason code becomes ``<scope>.<topic>.reason`` and a sentence in the reader's language."""
    from evaluation.analysis.evaluation import degrades
    from evaluation.core.record import ResultsRecorder
    from evaluation.stats.degenerate import NotEstimable

    class Scope:
        scope = SCOPE

        def __init__(self):
            self.lang, self.recorder = lang, ResultsRecorder()

        @degrades("few_clusters")
        def section(self):
            raise NotEstimable("arm_in_one_cluster", "every prokus family lives in one cluster", arm="prokus")

    s = Scope()
    shown = repr(s.section())
    keys = s.recorder.as_dict()
    assert keys[f"{SCOPE}.few_clusters.reason"] == "arm_in_one_cluster"
    assert keys[f"{SCOPE}.few_clusters.status"].startswith("not estimable: ")
    words = {"id": "semua keluarga ProKUS tinggal di satu desa", "en": "all ProKUS families live in a single village"}
    assert words[lang] in shown
