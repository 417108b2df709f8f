"""Region and national analyses: sample, baseline, before/after change and difference-in-differences.

Pure functions of the long analysis table (:func:`evaluation.intake.tables.analysis_table`) that return tidy
DataFrames (one row per outcome or group) and the flat result keys of DESIGN §5. They call
:mod:`evaluation.stats.estimators` and import nothing from the runner, the notebooks' display code or the reports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special  # t/F/normal functions without importing scipy.stats (~0.7 s per kernel)

from evaluation.core.config import NATIONAL, DesignSettings
from evaluation.stats import estimators
from evaluation.stats.results import Estimate

REGION_COLUMN = "region_code"


@dataclass(frozen=True)
class Effects:
    """Estimates of one method for many outcomes, plus the outcomes that could not be estimated and why."""

    method: str
    estimates: dict[str, Estimate]
    failures: dict[str, str]

    def table(self) -> pd.DataFrame:
        """One row per estimated outcome with every :class:`Estimate` field."""
        rows = [e.to_dict() for e in self.estimates.values()]
        return pd.DataFrame(rows)

    def keys(self, scope: str) -> dict[str, object]:
        """Flat result keys ``<scope>.<outcome>.<method>.<field>``."""
        out: dict[str, object] = {}
        for outcome, est in self.estimates.items():
            for name, value in est.to_dict().items():
                if value is None or name in ("outcome", "method"):
                    continue
                if isinstance(value, float) and not np.isfinite(value):
                    continue
                out[f"{scope}.{outcome}.{self.method}.{name}"] = value
        for outcome, why in self.failures.items():
            out[f"{scope}.{outcome}.{self.method}.status"] = f"not estimable: {why}"
        return out


def select_scope(panel: pd.DataFrame, scope: str) -> pd.DataFrame:
    """Rows of one region (by code) or all rows for ``national``."""
    if scope == NATIONAL:
        return panel
    sub = panel[panel[REGION_COLUMN] == scope]
    if sub.empty:
        raise ValueError(f"no rows for region {scope!r} in the data")
    return sub


def sample_summary(
    panel: pd.DataFrame, roster: pd.DataFrame, scope: str, design: DesignSettings
) -> tuple[pd.DataFrame, dict]:
    """Families enrolled, interviewed at each wave, and attrition by group.

    Attrition is the share of families interviewed at baseline that have no endline interview.
    """
    ros = roster if scope == NATIONAL else roster[roster[REGION_COLUMN] == scope]
    pan = select_scope(panel, scope)
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
        keys[f"{scope}.sample.n_{tag}_enrolled"] = len(fam)
        keys[f"{scope}.sample.n_{tag}_baseline"] = len(ids_before)
        keys[f"{scope}.sample.n_{tag}_endline"] = len(ids_after)
        keys[f"{scope}.sample.n_{tag}_both_waves"] = both
        if np.isfinite(attrition):
            keys[f"{scope}.sample.attrition_{tag}"] = attrition
    keys[f"{scope}.sample.n_families"] = int((ros[design.group] == design.treated_value).sum())
    keys[f"{scope}.sample.n_villages"] = int(ros[design.cluster].nunique())
    table = pd.DataFrame(rows)
    if len(table) == 2 and table["attrition"].notna().all():
        keys[f"{scope}.sample.attrition_difference"] = float(table["attrition"].iloc[0] - table["attrition"].iloc[1])
    return table, keys


def group_means(
    panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings
) -> tuple[pd.DataFrame, dict]:
    """Mean, SD and count of each outcome by group and wave, over families observed in both waves.

    Restricting to the balanced panel makes the before/after picture match the paired estimates.
    """
    pan = select_scope(panel, scope)
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
                rows.append({"outcome": outcome, "group": tag, "wave": label, "mean": mean, "sd": sd, "n": int(x.size)})
                keys[f"{scope}.{outcome}.means.{tag}_{label}"] = mean
                if x.size > 1:  # t interval of the mean, drawn by the briefs' before/after chart
                    half = float(special.stdtrit(x.size - 1, 1 - design.alpha / 2) * sd / np.sqrt(x.size))
                    keys[f"{scope}.{outcome}.means.{tag}_{label}_ci_low"] = mean - half
                    keys[f"{scope}.{outcome}.means.{tag}_{label}_ci_high"] = mean + half
                keys[f"{scope}.{outcome}.means.{tag}_n"] = int(x.size)
    return pd.DataFrame(rows), keys


def baseline_balance(
    panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings
) -> tuple[pd.DataFrame, dict]:
    """Baseline means by group, their difference and the normalised difference (Imbens and Rubin 2015, eq. 14.1).

    Normalised difference = (mean_t - mean_c) / sqrt((sd_t^2 + sd_c^2) / 2); above 0.25 in absolute value the
    groups differ enough at baseline that a simple endline comparison would mislead (Imbens and Wooldridge 2009).
    """
    pan = select_scope(panel, scope)
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
                keys[f"{scope}.{outcome}.baseline.{k}"] = v
    return pd.DataFrame(rows), keys


def _region_dummies(pan: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    codes = sorted(pan[REGION_COLUMN].unique())
    cols = []
    pan = pan.copy()
    for code in codes[1:]:
        name = f"_region_{code}"
        pan[name] = (pan[REGION_COLUMN] == code).astype(float)
        cols.append(name)
    return pan, tuple(cols)


def before_after(panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings) -> Effects:
    """Before/after change of ProKUS families (:func:`evaluation.stats.estimators.pre_post`), clustered by village.

    This is not a programme effect: it mixes the programme with everything else that changed in 2020, COVID-19
    first of all.
    """
    pan = select_scope(panel, scope)
    pan = pan[pan["treated"] == 1]
    ests: dict[str, Estimate] = {}
    fails: dict[str, str] = {}
    for outcome in outcomes:
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
    return Effects("pre_post", ests, fails)


def difference_in_differences(
    panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings
) -> Effects:
    """Panel DiD of ProKUS against comparison families (:func:`evaluation.stats.estimators.did`), clustered by village.

    For the national scope the first differences are also regressed on region indicators, so each region's own
    COVID-19 shock is differenced out before regions are pooled.
    """
    pan = select_scope(panel, scope)
    covariates: tuple[str, ...] = ()
    if scope == NATIONAL and pan[REGION_COLUMN].nunique() > 1:
        pan, covariates = _region_dummies(pan)
    ests: dict[str, Estimate] = {}
    fails: dict[str, str] = {}
    for outcome in outcomes:
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
                covariates=covariates,
                alpha=design.alpha,
            )
        except ValueError as exc:
            fails[outcome] = str(exc)
    return Effects("did", ests, fails)
