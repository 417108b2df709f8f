r"""Attrition: who was lost between baseline and endline, whether it differs by group, and what it could do.

* **Rates** of attrition (a family interviewed at baseline but not at endline) by group, region and baseline
  characteristics.
* **Differential attrition**: the difference in attrition between ProKUS and comparison families from
  :math:`A_i = a + b D_i [+\text{region effects}] + e_i` (CRV1 by village), and a test of *selective* attrition:
  the joint test that the interactions :math:`D_i \times x_i` are zero in
  :math:`A_i = a + b D_i + x_i'c + (D_i x_i)'d + e_i` (attrition related to characteristics differently by group).
* **Lee (2009) bounds** (*Review of Economic Studies* 76(3), 1071-1102; computed in
  :mod:`evaluation.stats.lee_bounds`, re-exported here): if the programme can only make families more
  (or only less) likely to be observed (monotonicity), the share :math:`q = (p_{hi} - p_{lo})/p_{hi}` of the
  better-observed group are "extra" respondents. Trimming that share from the top (bottom) of its outcome
  distribution gives the lower (upper) bound of the effect on always-respondents. The outcome is the change
  :math:`\Delta y_i` (endline minus baseline, so the bounds are bounds on the DiD effect) among families whose
  baseline value is known; "observed" means the endline value is known. Fractional trimming at the cut point
  uses weights, so the bounds are exact for any :math:`q`. Confidence interval: Imbens and Manski (2004,
  *Econometrica* 72(6)) for the identified set, with cluster-bootstrap standard errors of the two bounds.
* **Inverse probability of attrition weighting** (Wooldridge 2002, *Portuguese Economic Journal* 1; Fitzgerald,
  Gottschalk and Moffitt 1998): each group's probability of being re-interviewed is modelled by a logit on
  baseline characteristics and the baseline outcome, and the DiD is re-estimated by WLS with weights
  :math:`1/\hat p_i`. The weights are treated as known (SEs do not include the logit's estimation error).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.discrete.discrete_model import Logit

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.balance import baseline_covariates
from evaluation.stats.degenerate import outcome_degeneracy
from evaluation.stats.lee_bounds import LeeBounds, _lee_sample, imbens_manski, lee_bounds, lee_bounds_did, trimmed_mean
from evaluation.stats.regression import (
    cluster_codes,
    clustered_by,
    clustered_ols,
    dummies,
    identified_dummies,
    wald_test,
)

__all__ = [
    "LeeBounds",
    "attrition_rates",
    "differential_attrition",
    "imbens_manski",
    "ipw_did",
    "lee_bounds",
    "lee_bounds_did",
    "trimmed_mean",
]


def _units(panel: pd.DataFrame, design: DesignSettings) -> pd.DataFrame:
    """One row per family interviewed at baseline, with ``attrited`` (no endline interview)."""
    base = panel[panel[design.period] == design.before].drop_duplicates(design.unit)
    ended = set(panel.loc[panel[design.period] == design.after, design.unit])
    out = base.reset_index(drop=True).copy()
    out["attrited"] = (~out[design.unit].isin(ended)).astype(float)
    return out


def attrition_rates(
    panel: pd.DataFrame, scope: str, design: DesignSettings, by: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Attrition rate by group within each level of each characteristic in ``by`` (plus overall).

    ``head_age`` is shown as under 35 / 35 and over.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    design : DesignSettings
        Column names of unit and period and the two wave labels.
    by : sequence of str
        Baseline characteristics whose levels split the rates.

    Returns
    -------
    table : pandas.DataFrame
        One row per characteristic and level: ``n_prokus``, ``n_comparison`` (families interviewed at baseline)
        and ``rate_prokus``, ``rate_comparison`` (share without an endline interview, 0-1).
    keys : dict
        ``<scope>.attrition.<char>_<level>.{prokus, comparison}``.

    Raises
    ------
    ValueError
        When a level is not a valid key part.

    References
    ----------
    What Works Clearinghouse (2020). *Standards Handbook* 4.1, attrition.
    """
    u = _units(panel, design)
    if "head_age" in u:
        u["head_age_group"] = np.where(u["head_age"] < 35, "under35", "35plus")
    rows = []
    keys: dict[str, object] = {}
    for char in ["all", *[("head_age_group" if c == "head_age" else c) for c in by]]:
        levels = ["all"] if char == "all" else sorted(u[char].dropna().astype(str).unique())
        for lv in levels:
            sub = u if char == "all" else u[u[char].astype(str) == lv]
            row: dict[str, object] = {"characteristic": char, "level": lv}
            for flag, tag in ((1, "prokus"), (0, "comparison")):
                g = sub[sub["treated"] == flag]
                row[f"n_{tag}"] = len(g)
                row[f"rate_{tag}"] = float(g["attrited"].mean()) if len(g) else float("nan")
                if len(g):
                    keys[key(scope, "attrition", f"{char}_{lv}", tag)] = row[f"rate_{tag}"]
            rows.append(row)
    return pd.DataFrame(rows), keys


def differential_attrition(
    panel: pd.DataFrame,
    scope: str,
    design: DesignSettings,
    covariates: Sequence[str],
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> dict[str, object]:
    """Difference in attrition (ProKUS - comparison) with its clustered p-value, and the selective-attrition test.

    The selective-attrition test regresses attrition on treatment, the centred covariates and their interactions
    with treatment, and tests the interactions jointly (clustered Wald F).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    design : DesignSettings
        Column names of unit, period and cluster, the wave labels and ``alpha``.
    covariates : sequence of str
        Baseline characteristics of the selective-attrition test.
    fixed_effects : str, optional
        Column whose levels get indicators in both regressions; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    dict
        ``<scope>.attrition.difference.{estimate, se, ci_low, ci_high, p_value}`` (share points, 0-1) and
        ``<scope>.attrition.selective.{f_stat, p_value, df_num}``.

    Raises
    ------
    ValueError
        When a regression is rank deficient.

    References
    ----------
    Ghanem, D., Hirshleifer, S. and Ortiz-Becerra, K. (2023). "Testing attrition bias in field experiments."
    *Journal of Human Resources* (forthcoming; the test of selective attrition by covariate interactions).
    """
    design = clustered_by(design, cluster)
    u = _units(panel, design)
    frame, groups = baseline_covariates(panel, design, covariates)
    frame = frame.set_index(panel.loc[panel[design.period] == design.before, design.unit].to_numpy())
    frame = frame.loc[u[design.unit].to_numpy()]
    a = u["attrited"].to_numpy(float)
    d = u["treated"].to_numpy(float)
    codes = cluster_codes(u[design.cluster])
    fe = dummies(u[fixed_effects]) if fixed_effects is not None else np.empty((len(u), 0))
    fit = clustered_ols(a, np.column_stack([np.ones(len(u)), d, fe]), codes)
    keys: dict[str, object] = {
        key(scope, "attrition", "difference", k): v for k, v in fit.inference(1, design.alpha).items()
    }
    cols = [c for g in groups for c in (g[1:] if len(g) > 1 else g) if frame[c].nunique() > 1]
    x = frame[cols].to_numpy(float)
    x = x - np.nanmean(x, axis=0)
    X = np.column_stack([np.ones(len(u)), d, x, d[:, None] * x, fe])
    fit2 = clustered_ols(a, X, codes)
    f, p, q, _ = wald_test(fit2, range(2 + len(cols), 2 + 2 * len(cols)))
    keys[key(scope, "attrition", "selective", "f_stat")] = f
    keys[key(scope, "attrition", "selective", "p_value")] = p
    keys[key(scope, "attrition", "selective", "df_num")] = q
    return keys


def _logit_probability(obs: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Fitted probabilities of a logit (statsmodels); falls back to the mean when the fit fails (e.g. separation)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res = Logit(obs, X).fit(disp=0, maxiter=100, method="newton")
        p = np.asarray(res.predict(X))
        if not np.all(np.isfinite(p)):
            raise ValueError("non-finite fitted probabilities")
    except Exception:  # separation, no convergence or a singular design: no model, equal weights
        p = np.full(obs.size, obs.mean())
    return np.clip(p, 0.05, 1.0)


def ipw_did(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    covariates: Sequence[str],
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """DiD re-weighted by the inverse probability of being observed at endline (logit by group).

    The logit for each outcome has the baseline covariates (categories as indicators), the baseline outcome and
    the ``fixed_effects`` indicators, fitted separately for ProKUS and comparison families; probabilities are
    bounded below by 0.05.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the wave labels and ``alpha``.
    covariates : sequence of str
        Baseline characteristics of the logit.
    fixed_effects : str, optional
        Column whose levels get indicators in the logit and the DiD regression; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome: ``estimate``, ``se``, ``ci_low``, ``ci_high`` (outcome units), ``p_value``,
        ``n_units``. A degenerate outcome (:mod:`evaluation.stats.degenerate`) has no row; a level of
        ``fixed_effects`` without an observed family drops out of the DiD regression
        (:func:`evaluation.stats.regression.identified_dummies`).
    keys : dict
        ``<scope>.<outcome>.ipw_did.{estimate, se, ci_low, ci_high, p_value}``.

    Raises
    ------
    ValueError
        When the weighted regression is rank deficient.

    References
    ----------
    Wooldridge, J. M. (2002). *Portuguese Economic Journal* 1, 117-139; Fitzgerald, J., Gottschalk, P. and
    Moffitt, R. (1998). *Journal of Human Resources* 33(2), 251-299.
    """
    design = clustered_by(design, cluster)
    frame, groups = baseline_covariates(panel, design, covariates, fixed_effects=fixed_effects)
    cols = [c for g in groups for c in (g[1:] if len(g) > 1 else g) if frame[c].nunique() > 1]
    base_ids = panel.loc[panel[design.period] == design.before, design.unit].to_numpy()
    frame.index = base_ids
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        if outcome_degeneracy(panel, outcome, design) is not None:
            continue  # not estimable (evaluation.stats.degenerate); the DiD section says why
        s = _lee_sample(panel, outcome, design)
        ids = panel.loc[panel[design.period] == design.before]
        ids = ids.loc[ids[outcome].notna(), design.unit].to_numpy()
        x = frame.loc[ids, cols].to_numpy(float)
        y0 = panel.loc[panel[design.period] == design.before].set_index(design.unit).loc[ids, outcome].to_numpy(float)
        y0s = (y0 - y0.mean()) / (y0.std() or 1.0)
        fe = dummies(frame.loc[ids, fixed_effects]) if fixed_effects is not None else np.empty((len(ids), 0))
        Z = np.column_stack([np.ones(len(ids)), x, y0s, fe])
        obs = s["observed"].to_numpy(bool)
        t = s["treated"].to_numpy(int)
        p = np.empty(len(ids))
        for flag in (0, 1):
            m = t == flag
            zz = Z[m][:, np.ptp(Z[m], axis=0) > 0]
            p[m] = _logit_probability(obs[m].astype(float), np.column_stack([np.ones(m.sum()), zz]))
        keep = obs
        fe_kept, present = fe[keep], identified_dummies(fe[keep])
        if not present.all():  # a region without the outcome at endline drops out (else the very same array)
            fe_kept = fe_kept[:, present]
        X = np.column_stack([np.ones(keep.sum()), t[keep], fe_kept])
        fit = clustered_ols(s["d"].to_numpy(float)[keep], X, cluster_codes(s["cluster"][keep]), 1.0 / p[keep])
        inf = fit.inference(1, design.alpha)
        rows.append({"outcome": outcome, **inf, "n_units": int(keep.sum())})
        for k, v in inf.items():
            if np.isfinite(v):  # e.g. no p-value when the SE is 0: no key rather than NaN
                keys[key(scope, outcome, "ipw_did", k)] = v
    columns = ["outcome", "estimate", "se", "ci_low", "ci_high", "p_value", "n_units"]
    return pd.DataFrame(rows, columns=columns), keys  # the columns even when no outcome is estimable
