"""What the notebooks call: one object per notebook that runs each section (compute, record, show).

A notebook stays thin (parameters, a call per section, display). :func:`open_evaluation` opens the scope once into
a frozen :class:`~evaluation.analysis.context.Context`; each method of :class:`Evaluation` runs one section of
:mod:`evaluation.analysis.sections`: its ``compute_*`` returns the keys it records and what it shows, the keys go
into the notebook's :class:`~evaluation.core.record.ResultsRecorder`, and its ``show_*`` builds the display from
what was computed. :meth:`Evaluation.save` writes the keys to ``<output_dir>/results.json``; the runner merges those
files into the run's ``results.json``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from IPython.display import Image

from evaluation.analysis.context import Context, Intermediates, View, build_context, meta_keys
from evaluation.analysis.display import Banner, Section, Sections
from evaluation.analysis.sections import (
    attrition,
    balance,
    costbenefit,
    designs,
    effects,
    heterogeneity,
    indices,
    intake_files,
    monitoring,
    pretrends,
    sample,
    truth,
)
from evaluation.analysis.sections._words import inference_phrase
from evaluation.core.config import NATIONAL, Config, load_config, with_overrides
from evaluation.core.keys import key
from evaluation.core.paths import REPORTS_DIR, resolve
from evaluation.core.plan import load_plan
from evaluation.core.record import ResultsRecorder
from evaluation.intake.codebook import Codebook, load_codebook
from evaluation.intake.pipeline import ensure_processed
from evaluation.intake.tables import Dataset, load_dataset

__all__ = ["Banner", "Evaluation", "Section", "Sections", "degrades", "open_evaluation"]


def degrades(topic: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Let a section fail soft on data too thin to estimate it (a small or unbalanced sample).

    ``ValueError`` (rank-deficient design, empty group, too few clusters) and ``LinAlgError`` become a section that
    says why, and ``<scope>.<topic>.status = "not estimable: ..."`` in results.json; any other error (a bug) still
    stops the notebook. Nothing else of the section is recorded.

    Parameters
    ----------
    topic : str
        The section's name in the status key (``balance_table``, ``attrition_analysis``, ...).

    Returns
    -------
    callable
        A decorator of methods of an object with ``scope``, ``lang`` and ``recorder``.
    """

    def wrap(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except (ValueError, np.linalg.LinAlgError) as exc:
                reason = str(exc).split("\n")[0]
                self.recorder.add(key(self.scope, topic, "status"), f"not estimable: {reason}")
                note = inference_phrase("not_estimable", self.lang, reason=reason)
                title = inference_phrase("not_estimable_title", self.lang, topic=topic.replace("_", " "))
                return Section(title, None, [note], level=2)

        return run

    return wrap


class Evaluation:
    """The evaluation of one scope (a region code or ``national``) for one notebook run.

    Parameters
    ----------
    scope : str
        A region code or ``"national"``.
    cfg : Config
        The configuration.
    codebook : Codebook
        The codebook.
    dataset : Dataset
        The loaded data set.
    output_dir : pathlib.Path
        Where ``results.json``, figures and the restricted annex go.

    Attributes
    ----------
    context : Context
        The scope's tables and settings (replaced only by :meth:`analysis_plan` with another plan file).
    shared : Intermediates
        The estimates several sections share, computed once from ``context``.
    recorder : ResultsRecorder
        Every key the sections recorded.
    """

    def __init__(self, scope: str, cfg: Config, codebook: Codebook, dataset: Dataset, output_dir: Path) -> None:
        self.context: Context = build_context(str(scope), cfg, codebook, dataset, Path(output_dir))
        self.shared = Intermediates(self.context)
        self.recorder = ResultsRecorder()
        self.recorder.update(meta_keys(self.context))

    @property
    def scope(self) -> str:
        """The scope: a region code or ``national``."""
        return self.context.scope

    @property
    def lang(self) -> str:
        """The notebook's language."""
        return self.context.lang

    @property
    def view(self) -> View:
        """What the displays read: language, labels, settings."""
        return View.of(self.context)

    def _record(self, result: Any) -> Any:
        if result is not None:
            self.recorder.update(result.keys)
        return result

    # ----------------------------------------------------------------------------------------------- opening
    def header(self) -> Banner:
        """Title, and the synthetic-data banner when the data are synthetic."""
        return sample.show_header(self.view)

    def sample(self) -> Section:
        """Families enrolled and interviewed, and attrition, by group."""
        return sample.show_sample(self._record(sample.compute_sample(self.context)), self.view)

    def data_quality(self) -> Sections:
        """Warnings and normalisations of the intake (counts per rule; no values), and what it did with each file."""
        rules = sample.show_data_quality(self._record(sample.compute_data_quality(self.context)), self.view)
        files = intake_files.show_intake_files(self._record(intake_files.compute_intake_files(self.context)), self.view)
        return Sections([rules, files])

    def baseline(self) -> Section:
        """Baseline means by group and normalised differences."""
        return sample.show_baseline(self._record(sample.compute_baseline(self.context)), self.view)

    # ----------------------------------------------------------------------------------------------- effects
    def before_after(self) -> Section:
        """Before/after change of ProKUS families (paired, clustered by village), with the COVID-19 caveat."""
        result = effects.compute_before_after(self.context, self.shared)
        return effects.show_before_after(self._record(result), self.view)

    def did(self) -> Section:
        """Difference-in-differences against the comparison group, clustered by village."""
        return effects.show_did(self._record(effects.compute_did(self.context, self.shared)), self.view)

    def figure_before_after(self) -> Image:
        """Headline outcomes before and after, both groups, 95% intervals of the means."""
        result = effects.compute_figure_before_after(self.context, self.shared)
        return effects.show_figure_before_after(self._record(result), self.view)

    def figure_effects(self) -> Image:
        """DiD effects of all outcomes as a percentage of the ProKUS baseline mean."""
        result = effects.compute_figure_effects(self.context, self.shared)
        return effects.show_figure_effects(self._record(result), self.view)

    def region_comparison(self) -> Section:
        """DiD effect of each headline outcome in each region and nationally."""
        result = effects.compute_regions(self.context, self.shared)
        return effects.show_region_comparison(self._record(result), self.view)

    def forest_plot(self) -> Image | None:
        """Forest plot of headline DiD effects by region and nationally."""
        return effects.show_forest_plot(self._record(effects.compute_regions(self.context, self.shared)), self.view)

    def truth_check(self) -> Section | None:
        """For synthetic data, whether each DiD 95% interval contains the generator's true effect."""
        result = effects.compute_truth_check(self.context, self.shared)
        return effects.show_truth_check(self._record(result), self.view)

    # ----------------------------------------------------------------------------------------------- monitoring
    def scorecard(self) -> Section:
        """M&E scorecard (PP 39/2006): input, output and outcome indicators against the targets file."""
        return monitoring.show_scorecard(self._record(monitoring.compute_scorecard(self.context)), self.view)

    def risk_flags(self) -> Section:
        """Risk flags (administrative, process, accountability): counts and rates; ids only in a restricted annex.

        The pseudonymous ids of flagged families go to ``<output_dir>/restricted/risk_flags_<scope>.csv`` (for
        programme staff, mode 0600), never into the notebook's output or a public report.
        """
        result = self._record(monitoring.compute_risk_flags(self.context))
        monitoring.write_restricted_annex(result.shown["flagged"], self.context.output_dir, self.scope)
        return monitoring.show_risk_flags(result, self.view)

    # ----------------------------------------------------------------------------------------------- inference
    def analysis_plan(self, path: str = "") -> Section:
        """Show what the analysis plan pre-specifies; ``path`` loads another plan than ``data/analysis_plan.toml``."""
        plan = load_plan(path or None)
        if plan != self.context.plan:
            self.context = self.context.with_plan(plan)
            self.shared = Intermediates(self.context)
        return balance.show_analysis_plan(self._record(balance.compute_analysis_plan(self.context)), self.view)

    @degrades("balance_table")
    def balance_table(self) -> Section:
        """Baseline balance (iebaltab style) with the joint test; national: pooled with region fixed effects."""
        return balance.show_balance_table(self._record(balance.compute_balance_table(self.context)), self.view)

    @degrades("few_clusters")
    def few_clusters(self) -> Section:
        """WCR p-values and intervals of every DiD effect when the scope has fewer clusters than the plan's limit."""
        result = balance.compute_few_clusters(self.context, self.shared)
        return balance.show_few_clusters(self._record(result), self.view)

    @degrades("summary_indices")
    def summary_indices(self) -> Section:
        """DiD effects on the pre-specified family indices (Anderson 2008), in SD units."""
        result = indices.compute_summary_indices(self.context, self.shared)
        return indices.show_summary_indices(self._record(result), self.view)

    @degrades("multiple_testing")
    def multiple_testing(self) -> Section:
        """Holm, BH and Romano-Wolf adjusted DiD p-values within primary, secondary and index groups."""
        result = indices.compute_multiple_testing(self.context, self.shared)
        return indices.show_multiple_testing(self._record(result), self.view)

    @degrades("attrition_analysis")
    def attrition_analysis(self) -> Sections:
        """Attrition rates, differential and selective attrition tests, Lee bounds and the IPW DiD."""
        result = attrition.compute_attrition(self.context, self.shared)
        return attrition.show_attrition(self._record(result), self.view)

    @degrades("heterogeneity")
    def heterogeneity(self) -> Section:
        """Effects of the primary outcomes by subgroup, interaction tests, Holm over all of them."""
        result = heterogeneity.compute_heterogeneity(self.context)
        return heterogeneity.show_heterogeneity(self._record(result), self.view)

    @degrades("dose_response")
    def dose_response(self) -> Section:
        """Dose-response among ProKUS families (mentoring sessions, grant), with the not-randomised caveat."""
        result = heterogeneity.compute_dose_response(self.context)
        return heterogeneity.show_dose_response(self._record(result), self.view)

    @degrades("ancova_did")
    def ancova_did(self) -> Sections:
        """ANCOVA beside DiD (McKenzie 2012) and, when the data have a midline, the event study."""
        return designs.show_ancova_did(self._record(designs.compute_ancova_did(self.context)), self.view)

    @degrades("parallel_trends")
    def parallel_trends(self) -> Sections:
        """Breakdown value of every DiD; with a pre-programme wave, the event study and the Rambachan-Roth interval."""
        result = pretrends.compute_parallel_trends(self.context, self.shared)
        return pretrends.show_parallel_trends(self._record(result), self.view)

    @degrades("power")
    def power(self) -> Section:
        """MDE table for the design at hand (ICC and autocorrelation from the data) and a sentence."""
        return designs.show_power(self._record(designs.compute_power(self.context)), self.view)

    @degrades("cost_benefit")
    def cost_benefit(self) -> Sections:
        """Cost per family, benefit-cost ratio and IRR with intervals, and a sensitivity table."""
        result = costbenefit.compute_cost_benefit(self.context, self.shared)
        return costbenefit.show_cost_benefit(self._record(result), self.view)

    def truth_intervals(self) -> Section | None:
        """Synthetic data: whether each reported interval of this scope (DiD, WCR, ANCOVA, IPW, Lee) holds the truth."""
        result = truth.compute_truth_intervals(self.context, self.recorder.as_dict())
        return truth.show_truth_intervals(self._record(result), self.view)

    # ----------------------------------------------------------------------------------------------- output
    def save(self) -> Path:
        """Write this notebook's results to ``<output_dir>/results.json``."""
        return self.recorder.write(self.context.output_dir / "results.json")


def open_evaluation(
    scope: str,
    data_dir: str | None = None,
    config: str | None = None,
    language: str | None = None,
    output_dir: str | None = None,
) -> Evaluation:
    """Build the :class:`Evaluation` of a notebook from its papermill parameters and the config file.

    Empty parameters fall back to the config (``data_dir``, ``language``); ``output_dir`` defaults to
    ``reports/interactive/<scope>`` so that running a notebook by hand never touches a finished run.

    Parameters
    ----------
    scope : str
        A configured region code or ``"national"``.
    data_dir, config, language, output_dir : str, optional
        The notebook's papermill parameters (empty: the config's value, or the default).

    Returns
    -------
    Evaluation
        The notebook's evaluation, its context opened.

    Raises
    ------
    evaluation.core.errors.UserError
        For an unknown region, or an invalid config, codebook, data set, analysis plan or targets file.
    """
    cfg = with_overrides(load_config(config or None), language=language or None, data_dir=data_dir or None)
    scope = str(scope)
    if scope != NATIONAL:
        cfg.region(scope)  # a clear error for an unknown region
    codebook = load_codebook(cfg.run.codebook)
    from evaluation.intake.districts import is_partitioned, load_district

    if is_partitioned(cfg.run.data_dir):  # national-scale synthetic Parquet: read only this district's partition
        dataset = (
            load_district(cfg.run.data_dir, scope) if scope != NATIONAL else load_dataset(cfg.run.data_dir, codebook)
        )
    else:
        processed = ensure_processed(cfg.run.data_dir, cfg.run.processed_dir, codebook, cfg.design.treated_value)
        dataset = load_dataset(processed, codebook)
    out = resolve(output_dir) if output_dir else REPORTS_DIR / "interactive" / scope
    out.mkdir(parents=True, exist_ok=True)
    return Evaluation(scope, cfg, codebook, dataset, out)
