r"""Baseline balance table in the manner of the World Bank's ``iebaltab`` (DIME Analytics, ietoolkit).

For each baseline variable: count, mean and SD by group, the difference of means, the normalised difference
(Imbens and Rubin 2015, eq. 14.1: :math:`(\bar x_t - \bar x_c)/\sqrt{(s_t^2 + s_c^2)/2}`) and the p-value of the
difference from the regression :math:`x_i = a + b D_i [+ \text{region effects}] + e_i` with CRV1 standard errors by
village (``iebaltab, vce(cluster village) fixedeffect(region)``). The joint test regresses the treatment indicator
on all variables (complete cases) and tests that all their coefficients are zero with a clustered Wald F test
(``iebaltab``'s ``ftest``). Categorical variables enter as indicators of each level; the first level is left out
of the joint regression.

With sampling weights (``weights=``, ``iebaltab``'s ``weight()``) every mean, SD and regression is weighted: weighted
means :math:`\sum w x / \sum w`, the weighted SD with the reliability-weights correction
:math:`\sum w (x - \bar x_w)^2 / (\sum w - \sum w^2 / \sum w)` (the usual SD when all weights are equal), and WLS
with the CRV1 sandwich of statsmodels' ``WLS`` for the p-values and the joint test; counts stay counts of families.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.estimator_inputs import _weight_values
from evaluation.stats.regression import cluster_codes, clustered_by, clustered_ols, dummies, wald_test

__all__ = ["balance_table", "baseline_covariates", "weighted_mean_sd"]


def weighted_mean_sd(x: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    r"""Mean and SD of ``x``, weighted by ``w`` (the plain mean and ``ddof=1`` SD when ``w`` is None).

    :math:`\bar x_w = \sum w_i x_i / \sum w_i` and :math:`s_w^2 = \sum w_i (x_i - \bar x_w)^2 / (V_1 - V_2/V_1)` with
    :math:`V_1 = \sum w_i`, :math:`V_2 = \sum w_i^2` (reliability weights; equal weights give the ``ddof=1`` SD).

    Parameters
    ----------
    x : numpy.ndarray
        Values, shape ``(n,)``, ``n >= 2``.
    w : numpy.ndarray, optional
        Positive weights, shape ``(n,)``.

    Returns
    -------
    mean : float
        The (weighted) mean, in the units of ``x``.
    sd : float
        The (weighted) standard deviation, in the units of ``x``.

    References
    ----------
    Kish, L. (1965). *Survey Sampling*, Wiley; GNU Scientific Library, ``gsl_stats_wsd`` (the same correction).
    """
    x = np.asarray(x, dtype=float)
    if w is None:
        return float(x.mean()), float(x.std(ddof=1))
    w = np.asarray(w, dtype=float)
    v1, v2 = float(w.sum()), float((w**2).sum())
    mean = float(w @ x / v1)
    return mean, float(np.sqrt(w @ (x - mean) ** 2 / (v1 - v2 / v1)))


def baseline_covariates(
    panel: pd.DataFrame,
    design: DesignSettings,
    covariates: Sequence[str],
    outcomes: Sequence[str] = (),
    *,
    fixed_effects: str | None = None,
    weights: str | None = None,
) -> tuple[pd.DataFrame, list[list[str]]]:
    """Baseline rows with numeric columns: numeric covariates and outcomes as they are, categories as 0/1 columns.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table with a 0/1 ``treated`` column.
    design : DesignSettings
        Column names of period and cluster and the baseline label.
    covariates : sequence of str
        Baseline characteristics (numeric, or categorical: one 0/1 column per level, ``<var>_<level>``).
    outcomes : sequence of str, default ()
        Outcome columns, treated like ``covariates``.
    fixed_effects : str, optional
        A column carried along unchanged (as strings) for fixed effects; ``None`` (default) for none.
    weights : str, optional
        A sampling-weight column carried along as ``_weight`` (float); ``None`` (default) for none.

    Returns
    -------
    frame : pandas.DataFrame
        One row per baseline row: ``treated``, ``cluster`` (strings), the ``fixed_effects`` column when given,
        ``_weight`` when ``weights`` is given, and the numeric columns (missing values kept as NaN).
    groups : list of list of str
        For each source variable, in the order ``[*covariates, *outcomes]``, its column(s) in ``frame``.

    Raises
    ------
    KeyError
        When a named column is missing.

    References
    ----------
    DIME Analytics, ``ietoolkit``: ``iebaltab`` (categorical variables as level indicators).
    """
    base = panel[panel[design.period] == design.before].reset_index(drop=True)
    out = pd.DataFrame(
        {
            "treated": base["treated"].astype(int),
            "cluster": base[design.cluster].astype(str),
        }
    )
    if fixed_effects is not None:
        out[fixed_effects] = base[fixed_effects].astype(str)
    if weights is not None:
        out["_weight"] = _weight_values(base[weights])
    groups: list[list[str]] = []
    for var in [*covariates, *outcomes]:
        col = base[var]
        if pd.api.types.is_numeric_dtype(col):
            out[var] = col.astype(float)
            groups.append([var])
        else:
            levels = sorted(col.dropna().astype(str).unique())
            names = []
            for lv in levels:
                name = f"{var}_{lv}"
                out[name] = np.where(col.isna(), np.nan, (col.astype(str) == lv).astype(float))
                names.append(name)
            groups.append(names)
    return out, groups


def balance_table(
    panel: pd.DataFrame,
    scope: str,
    design: DesignSettings,
    covariates: Sequence[str],
    outcomes: Sequence[str] = (),
    joint_outcomes: Sequence[str] = (),
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """The ``iebaltab``-style balance table and its joint test (see the module docstring).

    The joint test uses the covariates and ``joint_outcomes`` (a clustered Wald test needs fewer restrictions
    than clusters).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    design : DesignSettings
        Column names of period and cluster, the baseline label and ``alpha``.
    covariates : sequence of str
        Baseline characteristics (numeric or categorical).
    outcomes : sequence of str, default ()
        Baseline outcomes shown in the table.
    joint_outcomes : sequence of str, default ()
        Outcomes that also enter the joint test.
    fixed_effects : str, optional
        Column whose levels get indicators in every regression (``iebaltab``'s ``fixedeffect()``); ``None``
        (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.
    weights : str, optional
        Sampling-weight column (positive and finite in every baseline row): weighted means, SDs and regressions
        (see the module docstring); ``None`` (default) for equal weights.

    Returns
    -------
    table : pandas.DataFrame
        One row per variable: counts, means and SDs by group (variable units), the difference, the normalised
        difference (pooled SDs) and the p-value; ``attrs["joint"]`` holds the joint test.
    keys : dict
        ``<scope>.balance.<variable>.{mean_prokus, sd_prokus, n_prokus, mean_comparison, sd_comparison,
        n_comparison, difference, normalised_difference, p_value}`` and ``<scope>.balance.joint.{f_stat, p_value,
        df_num, df_den, n_obs}``.

    Raises
    ------
    ValueError
        When the joint regression is rank deficient, or a weight is missing, zero, negative or infinite.

    References
    ----------
    DIME Analytics, ``ietoolkit``: ``iebaltab``; Imbens, G. W. and Rubin, D. B. (2015), eq. 14.1.
    """
    design = clustered_by(design, cluster)
    frame, groups = baseline_covariates(
        panel, design, covariates, outcomes, fixed_effects=fixed_effects, weights=weights
    )
    weighted = weights is not None
    fe = fixed_effects is not None and frame[fixed_effects].nunique() > 1
    rows = []
    keys: dict[str, object] = {}
    for cols in groups:
        for var in cols:
            ok = frame[var].notna().to_numpy()
            x = frame.loc[ok, var].to_numpy(float)
            d = frame.loc[ok, "treated"].to_numpy(float)
            w = frame.loc[ok, "_weight"].to_numpy(float) if weighted else None
            t, c = x[d == 1], x[d == 0]
            if t.size < 2 or c.size < 2:
                continue
            mean_t, sd_t = weighted_mean_sd(t, None if w is None else w[d == 1])
            mean_c, sd_c = weighted_mean_sd(c, None if w is None else w[d == 0])
            pooled = np.sqrt((sd_t**2 + sd_c**2) / 2)
            X = np.column_stack([np.ones(d.size), d])
            if fe:
                X = np.column_stack([X, dummies(frame.loc[ok, fixed_effects])])
            p = float("nan")
            if np.ptp(x) > 0:
                fit = clustered_ols(x, X, cluster_codes(frame.loc[ok, "cluster"]), weights=w)
                p = fit.inference(1, design.alpha)["p_value"]
            row = {
                "variable": var,
                "n_prokus": int(t.size),
                "mean_prokus": mean_t,
                "sd_prokus": sd_t,
                "n_comparison": int(c.size),
                "mean_comparison": mean_c,
                "sd_comparison": sd_c,
                "difference": mean_t - mean_c,
                "normalised_difference": float((mean_t - mean_c) / pooled) if pooled > 0 else 0.0,
                "p_value": p,
            }
            rows.append(row)
            for k, v in row.items():
                if k != "variable" and not (isinstance(v, float) and not np.isfinite(v)):
                    keys[key(scope, "balance", var, k)] = v
    joint_vars = {*covariates, *joint_outcomes}
    sources = [*covariates, *outcomes]
    joint_cols = [
        c
        for src, cols in zip(sources, groups, strict=True)
        if src in joint_vars
        for c in (cols[1:] if len(cols) > 1 else cols)
    ]
    joint_cols = [c for c in joint_cols if frame[c].nunique(dropna=True) > 1]
    ok = frame[joint_cols].notna().all(axis=1).to_numpy()
    sub = frame.loc[ok]
    X = np.column_stack([np.ones(len(sub)), sub[joint_cols].to_numpy(float)])
    if fe:
        X = np.column_stack([X, dummies(sub[fixed_effects])])
    w_joint = sub["_weight"].to_numpy(float) if weighted else None
    fit = clustered_ols(sub["treated"].to_numpy(float), X, cluster_codes(sub["cluster"]), weights=w_joint)
    f, p, q, df = wald_test(fit, range(1, 1 + len(joint_cols)))
    keys.update(
        {
            key(scope, "balance", "joint", "f_stat"): f,
            key(scope, "balance", "joint", "p_value"): p,
            key(scope, "balance", "joint", "df_num"): q,
            key(scope, "balance", "joint", "df_den"): df,
            key(scope, "balance", "joint", "n_obs"): len(sub),
        }
    )
    table = pd.DataFrame(rows)
    table.attrs["joint"] = {"f_stat": f, "p_value": p, "df_num": q, "df_den": df, "n_obs": len(sub)}
    return table, keys
