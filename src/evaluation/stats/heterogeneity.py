r"""Heterogeneous effects: the DiD effect within subgroups and a test that it differs between them.

For a subgroup variable with levels :math:`\ell = 1..L` (region, sex of the household head, business type,
tercile of baseline household income), on the first differences :math:`\Delta y_i`:

* the effect within each level, :math:`\Delta y_i = a + \tau_\ell D_i + e_i` on the families of that level
  (nationally with region effects), CRV1 by village;
* the interaction test, :math:`\Delta y_i = a + \tau D_i + \sum_{\ell\ge 2}(\gamma_\ell L_{\ell i} +
  \delta_\ell D_i L_{\ell i}) + e_i`, Wald F test of :math:`\delta_2 = \dots = \delta_L = 0`, reference
  :math:`F(L-1, G-1)`.

Many subgroups times many outcomes make many tests; a few "significant" differences are expected by chance
(Gelman and Loken 2014; Olken 2015). The interaction p-values are therefore also reported Holm-adjusted over all
subgroup tests of the scope, and subgroups not in the analysis plan are labelled exploratory.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.degenerate import outcome_degeneracy
from evaluation.stats.multiple import adjust
from evaluation.stats.regression import (
    cluster_codes,
    clustered_by,
    clustered_ols,
    dummies,
    first_differences,
    wald_test,
)

__all__ = ["INCOME_TERCILE", "add_income_tercile", "heterogeneity", "subgroup_effects"]

INCOME_TERCILE = "income_tercile"
_MIN_PER_ARM = 5


def add_income_tercile(panel: pd.DataFrame, design: DesignSettings, income: str = "household_income") -> pd.DataFrame:
    """Add ``income_tercile`` (``T1`` lowest .. ``T3``) from each family's baseline income.

    The cut points are the 1/3 and 2/3 quantiles of baseline income over all families given (both groups), so
    the terciles are defined before treatment.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table, one row per family and wave.
    design : DesignSettings
        Column names of unit and period and the baseline label.
    income : str, default "household_income"
        Column of baseline income (rupiah per month).

    Returns
    -------
    pandas.DataFrame
        A copy of ``panel`` with the column ``income_tercile`` (object, ``T1``/``T2``/``T3``; missing for families
        without a baseline income).

    Raises
    ------
    KeyError
        When ``income`` is missing.

    References
    ----------
    Hyndman, R. J. and Fan, Y. (1996). "Sample quantiles in statistical packages." *The American Statistician*
    50(4), 361-365 (``numpy.quantile``'s default, their definition 7).
    """
    base = panel.loc[panel[design.period] == design.before, [design.unit, income]].dropna()
    cuts = np.quantile(base[income].astype(float), [1 / 3, 2 / 3])
    terc = pd.Series(
        np.array(["T1", "T2", "T3"], dtype=object)[np.searchsorted(cuts, base[income].astype(float), side="right")],
        index=base[design.unit].to_numpy(),
    )
    out = panel.copy()
    out[INCOME_TERCILE] = out[design.unit].map(terc).astype(object)
    return out


def subgroup_effects(
    panel: pd.DataFrame,
    scope: str,
    outcome: str,
    design: DesignSettings,
    subgroup: str,
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Effects by level of ``subgroup`` and the interaction test (see the module docstring).

    Levels with fewer than 5 families in an arm or fewer than 3 clusters are left out.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label of the scope (not used in the computation; kept for symmetry with :func:`heterogeneity`).
    outcome : str
        Outcome column.
    design : DesignSettings
        Column names of unit, period and cluster, the wave labels and ``alpha``.
    subgroup : str
        Column whose levels define the subgroups (baseline value of each family).
    fixed_effects : str, optional
        Column whose levels get indicators in every regression (``None``, the default: none); ignored when it is
        ``subgroup`` itself.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per level kept: ``level``, ``n_prokus``, ``n_comparison`` (families), ``estimate``, ``se``,
        ``ci_low``, ``ci_high`` (outcome units) and ``p_value``.
    test : dict
        ``f_stat``, ``p_value`` and ``df_num`` of the interaction Wald test; empty with fewer than two levels.

    Raises
    ------
    ValueError
        When a regression is rank deficient (:func:`evaluation.stats.inference.ols`).

    References
    ----------
    Gelman, A. and Loken, E. (2014). *American Scientist* 102(6), 460; StataCorp, [R] test (Wald F after
    ``regress, vce(cluster)``).
    """
    design = clustered_by(design, cluster)
    fe_on = fixed_effects is not None and subgroup != fixed_effects
    fd = first_differences(panel, outcome, design, keep=(subgroup, fixed_effects) if fe_on else (subgroup,))
    fd = fd[fd[subgroup].notna()]
    fd[subgroup] = fd[subgroup].astype(str)
    fe_on = fe_on and fd[fixed_effects].nunique() > 1
    rows = []
    levels = []
    for lv in sorted(fd[subgroup].unique()):
        sub = fd[fd[subgroup] == lv]
        n_t, n_c = int((sub["treated"] == 1).sum()), int((sub["treated"] == 0).sum())
        if min(n_t, n_c) < _MIN_PER_ARM or sub["cluster"].nunique() < 3:
            continue
        X = np.column_stack([np.ones(len(sub)), sub["treated"].to_numpy(float)])
        if fe_on:
            X = np.column_stack([X, dummies(sub[fixed_effects])])
            X = X[:, np.r_[True, True, np.ptp(X[:, 2:], axis=0) > 0]] if X.shape[1] > 2 else X
        fit = clustered_ols(sub["d"].to_numpy(float), X, cluster_codes(sub["cluster"]))
        rows.append({"level": lv, "n_prokus": n_t, "n_comparison": n_c, **fit.inference(1, design.alpha)})
        levels.append(lv)
    test: dict[str, float] = {}
    if len(levels) >= 2:
        use = fd[fd[subgroup].isin(levels)]
        d = use["treated"].to_numpy(float)
        L = np.column_stack([(use[subgroup] == lv).to_numpy(float) for lv in levels[1:]])
        parts = [np.ones(len(use)), d, L, d[:, None] * L]
        if fe_on:
            parts.append(dummies(use[fixed_effects]))
        fit = clustered_ols(use["d"].to_numpy(float), np.column_stack(parts), cluster_codes(use["cluster"]))
        q = len(levels) - 1
        f, p, _, _ = wald_test(fit, range(2 + q, 2 + 2 * q))
        test = {"f_stat": f, "p_value": p, "df_num": q}
    return pd.DataFrame(rows), test


def heterogeneity(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    subgroups: Sequence[str],
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Subgroup effects and interaction tests for every outcome and subgroup; Holm over all interaction tests.

    The caller chooses the subgroups that make sense for the scope (within a region, not the region itself).

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
    subgroups : sequence of str
        Subgroup columns; ``income_tercile`` is added by :func:`add_income_tercile` when absent.
    fixed_effects : str, optional
        Column whose levels get indicators in every regression; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome, subgroup and level (see :func:`subgroup_effects`; a degenerate outcome of
        :mod:`evaluation.stats.degenerate` has none, and non-finite values get no key); ``attrs["tests"]`` holds the
        interaction tests with their Holm-adjusted p-values.
    keys : dict
        ``<scope>.<outcome>.het_<subgroup>.<level>_{estimate, se, ci_low, ci_high, p_value}``,
        ``...interaction_p_value``, ``...interaction_holm_p_value`` and ``<scope>.heterogeneity.tests.n``.

    Raises
    ------
    ValueError
        When a level is not a valid key part (:func:`evaluation.core.keys.key`).

    References
    ----------
    Holm, S. (1979). *Scandinavian Journal of Statistics* 6(2), 65-70; Olken, B. A. (2015). *Journal of Economic
    Perspectives* 29(3), 61-80.
    """
    if INCOME_TERCILE in subgroups and INCOME_TERCILE not in panel:
        panel = add_income_tercile(panel, design)
    rows = []
    keys: dict[str, object] = {}
    tests: list[tuple[str, str, float]] = []
    # a degenerate outcome (evaluation.stats.degenerate: no data in a wave, no variation) has no subgroup effects
    usable = [o for o in outcomes if outcome_degeneracy(panel, o, design) is None]
    for sg in subgroups:
        for outcome in usable:
            table, test = subgroup_effects(
                panel, scope, outcome, design, sg, fixed_effects=fixed_effects, cluster=cluster
            )
            method = f"het_{sg}"
            for _, r in table.iterrows():
                rows.append({"outcome": outcome, "subgroup": sg, **r.to_dict()})
                for k in ("estimate", "se", "ci_low", "ci_high", "p_value"):
                    if np.isfinite(float(r[k])):  # a level where the outcome does not vary has no inference
                        keys[key(scope, outcome, method, f"{r['level']}_{k}")] = float(r[k])
            if test and np.isfinite(test["p_value"]):
                keys[key(scope, outcome, method, "interaction_p_value")] = test["p_value"]
                tests.append((outcome, sg, test["p_value"]))
    out = pd.DataFrame(rows)
    if tests:
        holm = adjust([p for *_, p in tests], "holm")
        for (outcome, sg, _), ph in zip(tests, holm, strict=True):
            keys[key(scope, outcome, f"het_{sg}", "interaction_holm_p_value")] = float(ph)
        keys[key(scope, "heterogeneity", "tests", "n")] = len(tests)
    out.attrs["tests"] = pd.DataFrame(tests, columns=["outcome", "subgroup", "p_value"]).assign(
        holm_p_value=adjust([p for *_, p in tests], "holm") if tests else []
    )
    return out, keys
