"""Region and national analyses: sample, baseline, before/after change and difference-in-differences.

Pure functions of the long analysis table (:func:`evaluation.intake.tables.analysis_table`) that return tidy
DataFrames (one row per outcome or group) and the flat result keys of DESIGN §5. They call
:mod:`evaluation.stats.estimators` and import nothing from the runner, the notebooks' display code or the reports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats import estimators
from evaluation.stats.degenerate import Degeneracy, outcome_degeneracy, reason_of
from evaluation.stats.inference import t_critical
from evaluation.stats.regression import clustered_by, identified_dummies, with_dummies
from evaluation.stats.results import Estimate


@dataclass(frozen=True)
class Effects:
    """Estimates of one method for many outcomes, plus the outcomes that could not be estimated and why.

    Attributes
    ----------
    method : str
        The estimator's name (``did``, ``pre_post``).
    estimates : dict of str to Estimate
        The estimable outcomes.
    failures : dict of str to str
        Each outcome that could not be estimated and the technical reason.
    reasons : dict of str to Degeneracy
        For the failures of a degenerate outcome, why (a reason code of :data:`evaluation.stats.degenerate.REASONS`:
        ``no_variation``, ``no_data`` with its wave, ...), by which reports word it.
    """

    method: str
    estimates: dict[str, Estimate]
    failures: dict[str, str]
    reasons: dict[str, Degeneracy] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per estimated outcome with every :class:`Estimate` field.

        Returns
        -------
        pandas.DataFrame
            One row per outcome, one column per :class:`~evaluation.stats.results.Estimate` field.
        """
        rows = [e.to_dict() for e in self.estimates.values()]
        return pd.DataFrame(rows)

    def keys(self, scope: str) -> dict[str, object]:
        """Flat result keys ``<scope>.<outcome>.<method>.<field>``.

        Parameters
        ----------
        scope : str
            Label that prefixes the keys (a region code or ``national``).

        Returns
        -------
        dict
            Key -> value of every non-empty, finite field of every estimate (outcome and method are in the key);
            ``<scope>.<outcome>.<method>.status = "not estimable: ..."`` for each failure and
            ``<scope>.<outcome>.<method>.reason`` (a code of :data:`evaluation.stats.degenerate.REASONS`, with
            ``reason_wave`` or ``reason_arm`` when it names one) for each degenerate outcome.
        """
        out: dict[str, object] = {}
        for outcome, est in self.estimates.items():
            for name, value in est.to_dict().items():
                if value is None or name in ("outcome", "method"):
                    continue
                if isinstance(value, float) and not np.isfinite(value):
                    continue
                out[key(scope, outcome, self.method, name)] = value
        for outcome, why in self.failures.items():
            out[key(scope, outcome, self.method, "status")] = f"not estimable: {why}"
        for outcome, why in self.reasons.items():
            out[key(scope, outcome, self.method, "reason")] = why.reason
            if why.wave is not None:
                out[key(scope, outcome, self.method, "reason_wave")] = why.wave
            if why.arm is not None:
                out[key(scope, outcome, self.method, "reason_arm")] = why.arm
        return out


def _present(pan: pd.DataFrame, outcome: str, design: DesignSettings, covariates: tuple[str, ...]) -> tuple[str, ...]:
    """The fixed-effect indicators the DiD of ``outcome`` can estimate (:func:`identified_dummies`).

    A level (region) where the outcome has no family with both waves, e.g. a question renamed in one region's
    endline, is left out of the pooled estimate instead of making it rank deficient; with every level present the
    indicators are all kept and the estimate is unchanged.
    """
    if not covariates:
        return covariates
    y, period = pan[outcome], pan[design.period]
    both = set(pan.loc[y.notna() & (period == design.before), design.unit])
    both &= set(pan.loc[y.notna() & (period == design.after), design.unit])
    rows = pan[(period == design.before) & pan[design.unit].isin(both)]
    keep = identified_dummies(rows[list(covariates)].to_numpy(float))
    return tuple(c for c, k in zip(covariates, keep, strict=True) if k)


def sample_summary(
    panel: pd.DataFrame, roster: pd.DataFrame, scope: str, design: DesignSettings
) -> tuple[pd.DataFrame, dict]:
    """Families enrolled, interviewed at each wave, and attrition by group.

    Attrition is the share of families interviewed at baseline that have no endline interview. The rows given
    are the rows counted: the caller passes the roster and panel of one scope.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table, one row per family and wave, with ``design.unit`` and ``design.period``.
    roster : pandas.DataFrame
        One row per enrolled family, with ``design.unit``, ``design.group`` and ``design.cluster``.
    scope : str
        Label that prefixes the result keys (a region code or ``national``).
    design : DesignSettings
        Column names of unit, period, arms and cluster, and the two wave labels.

    Returns
    -------
    table : pandas.DataFrame
        One row per group: ``enrolled``, ``villages``, ``baseline``, ``endline``, ``both_waves`` (counts of
        families or villages) and ``attrition`` (share, 0-1).
    keys : dict
        ``<scope>.sample.{n_<group>_enrolled, n_<group>_baseline, n_<group>_endline, n_<group>_both_waves,
        attrition_<group>, n_families, n_villages, attrition_difference}``.

    Raises
    ------
    KeyError
        When a column named by ``design`` is missing.
    ValueError
        When a part of a result key is not a valid key part (:func:`evaluation.core.keys.key`).

    References
    ----------
    What Works Clearinghouse (2020). *Standards Handbook* 4.1, attrition standard (overall and differential
    attrition).
    """
    ros, pan = roster, panel
    rows = []
    keys: dict[str, object] = {}
    for group in (design.treated_value, *sorted(set(ros[design.group]) - {design.treated_value})):
        fam = ros.loc[ros[design.group] == group, design.unit]
        waves = pan[pan[design.unit].isin(fam)]
        ids_before = set(waves.loc[waves[design.period] == design.before, design.unit])
        ids_after = set(waves.loc[waves[design.period] == design.after, design.unit])
        both = len(ids_before & ids_after)
        attrition = 1 - both / len(ids_before) if ids_before else float("nan")
        villages = int(ros.loc[ros[design.group] == group, design.cluster].nunique())
        rows.append(
            {
                "group": group,
                "enrolled": len(fam),
                "villages": villages,
                "baseline": len(ids_before),
                "endline": len(ids_after),
                "both_waves": both,
                "attrition": attrition,
            }
        )
        tag = "prokus" if group == design.treated_value else group
        keys[key(scope, "sample", f"n_{tag}_enrolled")] = len(fam)
        keys[key(scope, "sample", f"n_{tag}_baseline")] = len(ids_before)
        keys[key(scope, "sample", f"n_{tag}_endline")] = len(ids_after)
        keys[key(scope, "sample", f"n_{tag}_both_waves")] = both
        if np.isfinite(attrition):
            keys[key(scope, "sample", f"attrition_{tag}")] = attrition
    keys[key(scope, "sample", "n_families")] = int((ros[design.group] == design.treated_value).sum())
    keys[key(scope, "sample", "n_villages")] = int(ros[design.cluster].nunique())
    table = pd.DataFrame(rows)
    if len(table) == 2 and table["attrition"].notna().all():
        difference = float(table["attrition"].iloc[0] - table["attrition"].iloc[1])
        keys[key(scope, "sample", "attrition_difference")] = difference
    return table, keys


def group_means(
    panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings
) -> tuple[pd.DataFrame, dict]:
    """Mean, SD and count of each outcome by group and wave, over families observed in both waves.

    Restricting to the balanced panel makes the before/after picture match the paired estimates. The t interval
    of each mean is ``mean -/+ t_{n-1, 1-alpha/2} * sd / sqrt(n)`` (:func:`evaluation.stats.inference.t_critical`),
    computed once here: the notebook's figure draws ``ci_half``, the brief's chart the recorded ``ci_low`` and
    ``ci_high``.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope, one row per family and wave, with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns (numeric, in their own units).
    design : DesignSettings
        Column names of unit and period, the two wave labels and ``alpha``.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome, group (``prokus``/``comparison``) and wave (``before``/``after``): ``mean``, ``sd``
        (outcome units), ``n`` (families) and ``ci_half``, the half-width of the mean's t interval (outcome units;
        NaN with fewer than two families).
    keys : dict
        ``<scope>.<outcome>.means.{<group>_<wave>, <group>_<wave>_ci_low, <group>_<wave>_ci_high, <group>_n}``.

    Raises
    ------
    ValueError
        When a unit has two rows in one wave (the pivot fails).

    References
    ----------
    Student (1908). "The probable error of a mean." *Biometrika* 6(1), 1-25.
    """
    pan = panel
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        wide = pan.pivot(index=design.unit, columns=design.period, values=outcome)
        grp = pan.drop_duplicates(design.unit).set_index(design.unit)["treated"]
        if design.before not in wide or design.after not in wide:
            continue
        wide = wide[[design.before, design.after]].astype(float).dropna()
        for treated_flag, tag in ((1, "prokus"), (0, "comparison")):
            sub = wide[grp.reindex(wide.index) == treated_flag]
            for wave, label in ((design.before, "before"), (design.after, "after")):
                x = sub[wave].to_numpy(dtype=float)
                if x.size == 0:
                    continue
                mean = float(x.mean())
                sd = float(x.std(ddof=1)) if x.size > 1 else float("nan")
                # t interval of the mean, drawn by the before/after figures of the notebook and the brief
                half = float(t_critical(x.size - 1, design.alpha) * sd / np.sqrt(x.size)) if x.size > 1 else math.nan
                rows.append(
                    {"outcome": outcome, "group": tag, "wave": label, "mean": mean, "sd": sd, "n": int(x.size),
                     "ci_half": half}
                )  # fmt: skip
                keys[key(scope, outcome, "means", f"{tag}_{label}")] = mean
                if x.size > 1:
                    keys[key(scope, outcome, "means", f"{tag}_{label}_ci_low")] = mean - half
                    keys[key(scope, outcome, "means", f"{tag}_{label}_ci_high")] = mean + half
                keys[key(scope, outcome, "means", f"{tag}_n")] = int(x.size)
    return pd.DataFrame(rows), keys


def baseline_balance(
    panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings
) -> tuple[pd.DataFrame, dict]:
    """Baseline means by group, their difference and the normalised difference of each outcome.

    Normalised difference = (mean_t - mean_c) / sqrt((sd_t^2 + sd_c^2) / 2); above 0.25 in absolute value the
    groups differ enough at baseline that a simple endline comparison would mislead (Imbens and Wooldridge 2009).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns (numeric).
    design : DesignSettings
        Column name of the period and the baseline wave label.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome with at least two families per group: means and SDs (outcome units), counts, the
        difference (outcome units) and the normalised difference (in pooled SDs).
    keys : dict
        ``<scope>.<outcome>.baseline.<column>`` for every column of ``table`` but ``outcome``.

    Raises
    ------
    KeyError
        When an outcome column is missing.

    References
    ----------
    Imbens, G. W. and Rubin, D. B. (2015). *Causal Inference for Statistics, Social, and Biomedical Sciences*,
    eq. 14.1; Imbens, G. W. and Wooldridge, J. M. (2009). *Journal of Economic Literature* 47(1), 5-86.
    """
    pan = panel
    base = pan[pan[design.period] == design.before]
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        x = base[outcome].astype(float)
        t = x[base["treated"] == 1].dropna().to_numpy()
        c = x[base["treated"] == 0].dropna().to_numpy()
        if t.size < 2 or c.size < 2:
            continue
        sd_t, sd_c = float(t.std(ddof=1)), float(c.std(ddof=1))
        pooled = np.sqrt((sd_t**2 + sd_c**2) / 2)
        nd = float((t.mean() - c.mean()) / pooled) if pooled > 0 else 0.0
        row = {
            "outcome": outcome,
            "mean_prokus": float(t.mean()),
            "sd_prokus": sd_t,
            "n_prokus": int(t.size),
            "mean_comparison": float(c.mean()),
            "sd_comparison": sd_c,
            "n_comparison": int(c.size),
            "difference": float(t.mean() - c.mean()),
            "normalised_difference": nd,
        }
        rows.append(row)
        for k, v in row.items():
            if k != "outcome":
                keys[key(scope, outcome, "baseline", k)] = v
    return pd.DataFrame(rows), keys


def before_after(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    *,
    cluster: str | None = None,
) -> Effects:
    """Before/after change of ProKUS families (:func:`evaluation.stats.estimators.pre_post`), clustered.

    This is not a programme effect: it mixes the programme with everything else that changed in 2020, COVID-19
    first of all.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column (only ``treated == 1`` rows are used).
    scope : str
        Label of the scope (kept for symmetry with the other analyses; keys come from :meth:`Effects.keys`).
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the two wave labels and ``alpha``.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    Effects
        One :class:`~evaluation.stats.results.Estimate` per estimable outcome (in outcome units) and the reason
        for each outcome that could not be estimated; a degenerate outcome
        (:func:`evaluation.stats.degenerate.outcome_degeneracy`: no data in a wave, fewer than 2 families, no
        variation) is not estimated and gets its reason code in ``reasons``.

    Raises
    ------
    KeyError
        When ``treated`` is missing.

    References
    ----------
    StataCorp. *Stata Base Reference Manual*, [R] ttest (paired) and [R] regress, vce(cluster).
    """
    design = clustered_by(design, cluster)
    pan = panel[panel["treated"] == 1]
    ests: dict[str, Estimate] = {}
    fails: dict[str, str] = {}
    reasons: dict[str, Degeneracy] = {}
    for outcome in outcomes:
        degenerate = outcome_degeneracy(pan, outcome, design, arms=(1,))
        if degenerate is not None:
            fails[outcome], reasons[outcome] = degenerate.message, degenerate
            continue
        try:
            ests[outcome] = estimators.pre_post(
                pan,
                outcome,
                unit=design.unit,
                period=design.period,
                before=design.before,
                after=design.after,
                cluster=design.cluster,
                alpha=design.alpha,
            )
        except ValueError as exc:
            fails[outcome] = str(exc)
            if (code := reason_of(exc)) is not None:
                reasons[outcome] = Degeneracy(outcome, code, getattr(exc, "wave", None), getattr(exc, "arm", None))
    return Effects("pre_post", ests, fails, reasons)


def difference_in_differences(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> Effects:
    """Panel DiD of ProKUS against comparison families (:func:`evaluation.stats.estimators.did`), clustered.

    With ``fixed_effects`` the first differences are also regressed on indicators of that column's levels (for
    the national scope, the region: each region's own COVID-19 shock is differenced out before regions are
    pooled).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label of the scope (keys come from :meth:`Effects.keys`).
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the two wave labels and ``alpha``.
    fixed_effects : str, optional
        Column whose levels get indicator columns (absorbed fixed effects); ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    Effects
        One :class:`~evaluation.stats.results.Estimate` per estimable outcome (outcome units) and the failures;
        a degenerate outcome (:func:`evaluation.stats.degenerate.outcome_degeneracy`) is not estimated and gets
        its reason code in ``reasons``.

    Raises
    ------
    KeyError
        When ``fixed_effects`` names a missing column.

    References
    ----------
    Angrist, J. D. and Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, section 5.2; Wooldridge, J. M.
    (2010). *Econometric Analysis of Cross Section and Panel Data*, section 10.5.
    """
    design = clustered_by(design, cluster)
    pan, covariates = with_dummies(panel, fixed_effects)
    ests: dict[str, Estimate] = {}
    fails: dict[str, str] = {}
    reasons: dict[str, Degeneracy] = {}
    for outcome in outcomes:
        degenerate = outcome_degeneracy(pan, outcome, design)
        if degenerate is not None:
            fails[outcome], reasons[outcome] = degenerate.message, degenerate
            continue
        try:
            ests[outcome] = estimators.did(
                pan,
                outcome,
                period=design.period,
                treated="treated",
                before=design.before,
                after=design.after,
                unit=design.unit,
                cluster=design.cluster,
                covariates=_present(pan, outcome, design, covariates),
                alpha=design.alpha,
            )
        except ValueError as exc:
            fails[outcome] = str(exc)
            if (code := reason_of(exc)) is not None:
                reasons[outcome] = Degeneracy(outcome, code, getattr(exc, "wave", None), getattr(exc, "arm", None))
    return Effects("did", ests, fails, reasons)


MIN_LEVEL_FAMILIES = 5  # a category level gets its own indicator when both arms have this many families in it


def covariate_columns(
    panel: pd.DataFrame, design: DesignSettings, covariates: Sequence[str], min_level: int = MIN_LEVEL_FAMILIES
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The baseline covariates of a doubly robust DiD as numeric columns of every row of the panel.

    A numeric covariate is used as it is; a categorical one becomes 0/1 indicators of its levels, with the first
    level (sorted) the reference and every level that fewer than ``min_level`` families of either arm have at
    baseline merged into the reference (a level nearly absent in one arm would leave the propensity score without
    overlap). Columns that do not vary at baseline in the scope are left out. The estimators read the baseline row
    of each unit.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    design : DesignSettings
        Column names of unit and period and the baseline label.
    covariates : sequence of str
        Baseline characteristics (numeric or categorical), e.g. the plan's ``balance`` list.
    min_level : int, default 5
        Families of each arm a category level needs for an indicator of its own.

    Returns
    -------
    frame : pandas.DataFrame
        ``panel`` with the indicator columns ``<var>_<level>`` added (missing values kept as NaN); a numeric
        covariate keeps its own column.
    names : tuple of str
        The covariate columns to use, in order.

    Raises
    ------
    KeyError
        When a covariate column is missing.

    References
    ----------
    Sant'Anna, P. H. C. and Zhao, J. (2020). *Journal of Econometrics* 219(1), 101-122 (pre-treatment covariates of
    both nuisance models); Imbens, G. W. and Rubin, D. B. (2015), ch. 14 (overlap).
    """
    base = panel[panel[design.period] == design.before].drop_duplicates(design.unit).set_index(design.unit)
    arm = base["treated"]
    cols: dict[str, pd.Series] = {}
    for var in covariates:
        col = base[var]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            cols[var] = col.astype(float)
            continue
        text = col.astype("string")
        levels = sorted(text.dropna().unique())
        for lv in levels[1:]:
            is_lv = text == lv
            if min(int((is_lv & (arm == 1)).sum()), int((is_lv & (arm == 0)).sum())) < min_level:
                continue  # merged into the reference level
            cols[f"{var}_{lv}"] = is_lv.astype(float).where(text.notna())
    names = tuple(n for n, c in cols.items() if c.nunique(dropna=True) > 1)
    units = panel[design.unit]
    added = {n: units.map(cols[n]).to_numpy(dtype=float) for n in names if n not in covariates}
    return panel.assign(**added), names


def doubly_robust_did(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    covariates: Sequence[str],
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[Effects, tuple[str, ...]]:
    """Doubly robust DiD of every outcome (:func:`evaluation.stats.estimators.drdid`), clustered by village.

    The propensity score and the outcome regression use the baseline ``covariates`` (:func:`covariate_columns`)
    and, with ``fixed_effects``, indicators of that column's levels (the region, nationally).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label of the scope (keys come from :meth:`Effects.keys`).
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the two wave labels and ``alpha``.
    covariates : sequence of str
        Baseline characteristics (numeric or categorical), e.g. the plan's ``balance`` list.
    fixed_effects : str, optional
        Column whose levels get indicator covariates; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters; default ``design.cluster``.

    Returns
    -------
    effects : Effects
        ``method='drdid'``: one :class:`~evaluation.stats.results.Estimate` per estimable outcome (outcome units);
        a degenerate outcome (:func:`evaluation.stats.degenerate.outcome_degeneracy`) or one without overlap
        (reason ``no_overlap``) gets its reason code.
    columns : tuple of str
        The covariate columns used.

    Raises
    ------
    KeyError
        When a covariate or ``fixed_effects`` names a missing column.

    References
    ----------
    Sant'Anna, P. H. C. and Zhao, J. (2020). "Doubly robust difference-in-differences estimators." *Journal of
    Econometrics* 219(1), 101-122.
    """
    design = clustered_by(design, cluster)
    pan, dummies = with_dummies(panel, fixed_effects)
    pan, names = covariate_columns(pan, design, covariates)
    ests: dict[str, Estimate] = {}
    fails: dict[str, str] = {}
    reasons: dict[str, Degeneracy] = {}
    used = (*names, *dummies)
    for outcome in outcomes:
        degenerate = outcome_degeneracy(pan, outcome, design)
        if degenerate is not None:
            fails[outcome], reasons[outcome] = degenerate.message, degenerate
            continue
        try:
            ests[outcome] = estimators.drdid(
                pan,
                outcome,
                unit=design.unit,
                period=design.period,
                treated="treated",
                before=design.before,
                after=design.after,
                covariates=(*names, *_present(pan, outcome, design, dummies)),
                cluster=design.cluster,
                alpha=design.alpha,
            )
        except ValueError as exc:
            fails[outcome] = str(exc)
            if (code := reason_of(exc)) is not None:
                reasons[outcome] = Degeneracy(outcome, code, getattr(exc, "wave", None), getattr(exc, "arm", None))
    return Effects("drdid", ests, fails, reasons), used
