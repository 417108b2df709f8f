"""What every section of one notebook reads: the scope's tables and settings, and the intermediate results they share.

:func:`build_context` opens a scope once (the analysis table of its families, the analysis plan, the scorecard
targets, the true effects of synthetic data) into a frozen :class:`Context`. Several sections reuse one estimate
(the difference-in-differences of every outcome, the group means, the summary indices, the DiD of each region); an
:class:`Intermediates` object computes each of them once, on first use, from the context alone, so that the sections
give the same keys whatever order they run in. A section's ``compute_*`` returns a :class:`Computed` (the keys it
records and what it shows); its ``show_*`` builds the display from that and a :class:`View` (language, labels and
settings, but no data), so it cannot compute a statistic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.core.config import NATIONAL, REGION_COLUMN, Config, DesignSettings, select_scope
from evaluation.core.keys import key
from evaluation.core.plan import AnalysisPlan, load_plan
from evaluation.core.targets import Targets, load_targets
from evaluation.intake.codebook import Codebook
from evaluation.intake.tables import Dataset, analysis_table, load_truth
from evaluation.stats import effects as analysis
from evaluation.stats import indices, small_cells
from evaluation.stats.results import Estimate

__all__ = ["Computed", "Context", "Intermediates", "View", "build_context", "meta_keys"]


@dataclass(frozen=True)
class Context:
    """The inputs of one notebook's sections, fixed when the notebook opens its scope.

    Attributes
    ----------
    scope : str
        A region code or ``"national"``.
    cfg : Config
        The run's configuration (design, outcomes, regions, language, seed, disclosure threshold).
    codebook : Codebook
        Labels and units of the variables.
    dataset : Dataset
        The scope's roster, programme and survey tables (all regions' for the national scope).
    panel : pandas.DataFrame
        The analysis table (one row per family and wave) of the scope's families.
    plan : AnalysisPlan
        The pre-analysis plan (``data/analysis_plan.toml`` unless the notebook loads another).
    targets : Targets
        The scorecard targets and risk rules (``[run] targets``).
    truth : Mapping[str, float]
        The generator's true effects for synthetic data (empty for survey data).
    output_dir : pathlib.Path
        Where the notebook writes ``results.json``, figures and the restricted annex.
    """

    scope: str
    cfg: Config
    codebook: Codebook
    dataset: Dataset
    panel: pd.DataFrame
    plan: AnalysisPlan
    targets: Targets
    truth: Mapping[str, float]
    output_dir: Path

    @property
    def lang(self) -> str:
        """The notebook's language (``id`` or ``en``)."""
        return self.cfg.run.language

    @property
    def design(self) -> DesignSettings:
        """The evaluation design (unit, waves, arms, clusters, alpha)."""
        return self.cfg.design

    @property
    def outcomes(self) -> tuple[str, ...]:
        """The outcomes analysed (``[analysis] outcomes``)."""
        return tuple(self.cfg.analysis.outcomes)

    @property
    def headline(self) -> tuple[str, ...]:
        """The headline outcomes (``[analysis] headline``, else the first four outcomes)."""
        return tuple(self.cfg.analysis.headline) or self.outcomes[:4]

    @property
    def fixed_effects(self) -> str | None:
        """The column whose levels the statistics absorb: regions in the national synthesis, none in a region."""
        return fixed_effects_of(self.scope)

    @property
    def k(self) -> int:
        """Disclosure threshold: a published cell describes at least k families (``[run] min_cell_size``)."""
        return self.cfg.run.min_cell_size

    @property
    def seed(self) -> int:
        """The analysis seed of the bootstraps (``[run] seed``)."""
        return int(self.cfg.run.seed)

    def with_plan(self, plan: AnalysisPlan) -> Context:
        """The same context with another analysis plan (checked against the outcomes).

        Parameters
        ----------
        plan : AnalysisPlan
            The plan to use.

        Returns
        -------
        Context
            A new context; this one is unchanged.

        Raises
        ------
        evaluation.core.errors.UserError
            When the plan names an outcome the config does not analyse.
        """
        plan.check_outcomes(self.outcomes)
        return Context(
            self.scope, self.cfg, self.codebook, self.dataset, self.panel, plan, self.targets, self.truth,
            self.output_dir,
        )  # fmt: skip


def fixed_effects_of(scope: str) -> str | None:
    """Region fixed effects for the national scope (``region_code``), none for a region or district scope.

    Parameters
    ----------
    scope : str
        A region code or ``"national"``.

    Returns
    -------
    str or None
        The column the statistics add dummies for (their ``fixed_effects=`` argument).
    """
    return REGION_COLUMN if scope == NATIONAL else None


def build_context(scope: str, cfg: Config, codebook: Codebook, dataset: Dataset, output_dir: Path) -> Context:
    """Open one scope: its analysis table, the analysis plan, the targets and the synthetic truth.

    Parameters
    ----------
    scope : str
        A region code or ``"national"``.
    cfg : Config
        The configuration.
    codebook : Codebook
        The codebook.
    dataset : Dataset
        The loaded data set (all regions; the panel is cut to ``scope`` here).
    output_dir : pathlib.Path
        The notebook's output folder.

    Returns
    -------
    Context
        The frozen context every section reads.

    Raises
    ------
    ValueError
        When the data have no rows of a region scope.
    evaluation.core.errors.UserError
        When the analysis plan or targets file is invalid, or the plan names an outcome the config lacks.
    """
    panel = analysis_table(dataset.roster, dataset.programme, dataset.survey, cfg.design.treated_value)
    panel = select_scope(panel, scope)
    plan = load_plan(None)
    plan.check_outcomes(tuple(cfg.analysis.outcomes))
    return Context(
        scope=scope,
        cfg=cfg,
        codebook=codebook,
        dataset=dataset,
        panel=panel,
        plan=plan,
        targets=load_targets(cfg.run.targets),
        truth=load_truth(dataset.data_dir),
        output_dir=output_dir,
    )


def meta_keys(ctx: Context) -> dict[str, Any]:
    """The keys every notebook records on opening: synthetic flag, seed, language, interview period.

    Parameters
    ----------
    ctx : Context
        The scope.

    Returns
    -------
    dict
        ``<scope>.meta.{synthetic,seed,language}`` and, when the data have interview dates, ``period_start`` (first
        baseline interview) and ``period_end`` (last endline interview), ISO dates as strings.
    """
    s, d = ctx.scope, ctx.design
    out: dict[str, Any] = {
        key(s, "meta", "synthetic"): ctx.dataset.synthetic,
        key(s, "meta", "seed"): ctx.cfg.run.seed,
        key(s, "meta", "language"): ctx.lang,
    }
    if "interview_date" in ctx.panel:
        for wave, name, pick in ((d.before, "period_start", min), (d.after, "period_end", max)):
            dates = ctx.panel.loc[ctx.panel[d.period] == wave, "interview_date"].dropna()
            if len(dates):
                out[key(s, "meta", name)] = str(pick(dates))
    return out


@dataclass(frozen=True)
class Computed:
    """What a section's ``compute_*`` returns: the keys to record and what its ``show_*`` displays.

    Attributes
    ----------
    keys : dict
        Results keys and values, recorded as they are (DESIGN §5).
    shown : dict
        Named tables and values for the display; every number in them is one the keys carry, or a count of the
        scope's design (families, villages) that the section shows beside them.
    """

    keys: dict[str, Any] = field(default_factory=dict)
    shown: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class View:
    """What a ``show_*`` function may read: the language, labels and settings of the scope, never its data.

    Attributes
    ----------
    scope : str
        A region code or ``"national"``.
    lang : str
        ``id`` or ``en``.
    cfg : Config
        Region names, design, disclosure threshold.
    codebook : Codebook
        Variable labels and units.
    plan : AnalysisPlan
        Which outcomes are primary, secondary or indices (the role column).
    synthetic : bool
        Whether the data are synthetic (banner, figure source line).
    output_dir : pathlib.Path
        Where figures are saved.
    """

    scope: str
    lang: str
    cfg: Config
    codebook: Codebook
    plan: AnalysisPlan
    synthetic: bool
    output_dir: Path

    @classmethod
    def of(cls, ctx: Context) -> View:
        """The view of a context (its settings without its tables).

        Parameters
        ----------
        ctx : Context
            The scope.

        Returns
        -------
        View
            The display settings of ``ctx``.
        """
        return cls(ctx.scope, ctx.lang, ctx.cfg, ctx.codebook, ctx.plan, ctx.dataset.synthetic, ctx.output_dir)


class Intermediates:
    """Estimates several sections share, each computed once from the context on first use.

    Every value is a pure function of the :class:`Context`, so which section asks first does not change it. Each
    method returns the value and the keys it stands for; a section that uses a value records those keys too.

    Parameters
    ----------
    ctx : Context
        The scope.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._means: tuple[pd.DataFrame, dict[str, Any]] | None = None
        self._did: analysis.Effects | None = None
        self._indexed: tuple[pd.DataFrame, dict[str, dict[str, float]]] | None = None
        self._did_all: tuple[dict[str, Estimate], dict[str, Any]] | None = None
        self._regions: tuple[pd.DataFrame, dict[str, Any]] | None = None

    def group_means(self) -> tuple[pd.DataFrame, dict[str, Any]]:
        """Balanced-panel means by outcome, group and wave (:func:`evaluation.stats.effects.group_means`).

        Returns
        -------
        (pandas.DataFrame, dict)
            One row per outcome, group and wave; and its keys.
        """
        if self._means is None:
            c = self.ctx
            self._means = analysis.group_means(c.panel, c.scope, c.outcomes, c.design)
        return self._means

    def did(self) -> analysis.Effects:
        """The difference-in-differences of every outcome, clustered by village.

        Returns
        -------
        evaluation.stats.effects.Effects
            Estimates and failures; ``.keys(scope)`` gives its results keys.
        """
        if self._did is None:
            c = self.ctx
            self._did = analysis.difference_in_differences(
                c.panel, c.scope, c.outcomes, c.design, fixed_effects=c.fixed_effects
            )
        return self._did

    def indexed(self) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
        """The panel with the plan's summary indices added, and each index's item weights.

        Returns
        -------
        (pandas.DataFrame, dict)
            The panel with one column per family index (SD units); ``{family: {outcome: weight}}``.
        """
        if self._indexed is None:
            c = self.ctx
            self._indexed = indices.add_indices(c.panel, c.plan.families, c.plan.negative, c.design)
        return self._indexed

    def did_all(self) -> tuple[dict[str, Estimate], dict[str, Any]]:
        """DiD estimates of the outcomes (those :meth:`did` gives) and of the plan's indices, and their keys.

        Returns
        -------
        (dict, dict)
            ``{outcome or index: Estimate}``; the keys of both sets of estimates.
        """
        if self._did_all is None:
            c = self.ctx
            eff = analysis.difference_in_differences(
                self.indexed()[0], c.scope, list(c.plan.families), c.design, fixed_effects=c.fixed_effects
            )
            base = self.did()
            self._did_all = ({**base.estimates, **eff.estimates}, {**eff.keys(c.scope), **base.keys(c.scope)})
        return self._did_all

    def region_effects(self) -> tuple[pd.DataFrame, dict[str, Any]]:
        """DiD of every outcome in each configured region large enough to publish, and nationally.

        A region whose smaller arm has fewer than k families is left out and counted in
        ``<scope>.disclosure.regions_suppressed``.

        Returns
        -------
        (pandas.DataFrame, dict)
            Columns ``scope, outcome, estimate, ci_low, ci_high, p_value, n_units``; the keys of every estimate.
        """
        if self._regions is None:
            self._regions = _region_effects(self.ctx, self.did)
        return self._regions


def _region_effects(ctx: Context, national_did: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    d = ctx.design
    full = analysis_table(ctx.dataset.roster, ctx.dataset.programme, ctx.dataset.survey, d.treated_value)
    present = set(full[REGION_COLUMN].unique())
    rows, keys, hidden = [], {}, 0
    for code in [*(c for c in ctx.cfg.region_codes if c in present), NATIONAL]:
        part = select_scope(full, code)
        if min(small_cells.arm_sizes(part, d)) < ctx.k:  # a region too small to publish
            hidden += 1
            continue
        eff = (
            national_did()
            if code == NATIONAL and ctx.scope == NATIONAL
            else analysis.difference_in_differences(part, code, ctx.outcomes, d, fixed_effects=fixed_effects_of(code))
        )
        keys.update(eff.keys(code))
        for o, e in eff.estimates.items():
            rows.append(
                {
                    "scope": code,
                    "outcome": o,
                    "estimate": e.estimate,
                    "ci_low": e.ci_low,
                    "ci_high": e.ci_high,
                    "p_value": e.p_value,
                    "n_units": e.n_units,
                }
            )
    keys[key(ctx.scope, "disclosure", "regions_suppressed")] = hidden
    columns = ["scope", "outcome", "estimate", "ci_low", "ci_high", "p_value", "n_units"]
    return pd.DataFrame(rows, columns=columns), keys  # the columns even when every region is too small
