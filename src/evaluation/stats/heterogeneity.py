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

from evaluation.core.config import NATIONAL, DesignSettings
from evaluation.stats.multiple import adjust
from evaluation.stats.regression import cluster_codes, clustered_ols, first_differences, region_dummies, wald_test

__all__ = ["INCOME_TERCILE", "add_income_tercile", "heterogeneity", "subgroup_effects"]

INCOME_TERCILE = "income_tercile"
_MIN_PER_ARM = 5


def add_income_tercile(panel: pd.DataFrame, design: DesignSettings, income: str = "household_income") -> pd.DataFrame:
    """Add ``income_tercile`` (``T1`` lowest .. ``T3``) from each family's baseline income (all families given)."""
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
    panel: pd.DataFrame, scope: str, outcome: str, design: DesignSettings, subgroup: str
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Effects by level of ``subgroup`` and the interaction test (see the module docstring)."""
    fd = first_differences(panel, outcome, design, keep=(subgroup, "region_code"))
    fd = fd[fd[subgroup].notna()]
    fd[subgroup] = fd[subgroup].astype(str)
    fe_on = scope == NATIONAL and subgroup != "region_code" and fd["region_code"].nunique() > 1
    rows = []
    levels = []
    for lv in sorted(fd[subgroup].unique()):
        sub = fd[fd[subgroup] == lv]
        n_t, n_c = int((sub["treated"] == 1).sum()), int((sub["treated"] == 0).sum())
        if min(n_t, n_c) < _MIN_PER_ARM or sub["cluster"].nunique() < 3:
            continue
        X = np.column_stack([np.ones(len(sub)), sub["treated"].to_numpy(float)])
        if fe_on:
            X = np.column_stack([X, region_dummies(sub["region_code"])])
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
            parts.append(region_dummies(use["region_code"]))
        fit = clustered_ols(use["d"].to_numpy(float), np.column_stack(parts), cluster_codes(use["cluster"]))
        q = len(levels) - 1
        f, p, _, _ = wald_test(fit, range(2 + q, 2 + 2 * q))
        test = {"f_stat": f, "p_value": p, "df_num": q}
    return pd.DataFrame(rows), test


def heterogeneity(
    panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings, subgroups: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Subgroup effects and interaction tests for every outcome and subgroup; Holm over all interaction tests.

    Region is skipped within a region. Keys ``<scope>.<outcome>.het_<subgroup>.<level>_{estimate, se, ci_low,
    ci_high, p_value}`` and ``...interaction_p_value`` / ``interaction_holm_p_value``.
    """
    if INCOME_TERCILE in subgroups and INCOME_TERCILE not in panel:
        panel = add_income_tercile(panel, design)
    rows = []
    keys: dict[str, object] = {}
    tests: list[tuple[str, str, float]] = []
    for sg in subgroups:
        if sg == "region_code" and scope != NATIONAL:
            continue
        for outcome in outcomes:
            table, test = subgroup_effects(panel, scope, outcome, design, sg)
            method = f"het_{sg}"
            for _, r in table.iterrows():
                rows.append({"outcome": outcome, "subgroup": sg, **r.to_dict()})
                for k in ("estimate", "se", "ci_low", "ci_high", "p_value"):
                    keys[f"{scope}.{outcome}.{method}.{r['level']}_{k}"] = float(r[k])
            if test:
                keys[f"{scope}.{outcome}.{method}.interaction_p_value"] = test["p_value"]
                tests.append((outcome, sg, test["p_value"]))
    out = pd.DataFrame(rows)
    if tests:
        holm = adjust([p for *_, p in tests], "holm")
        for (outcome, sg, _), ph in zip(tests, holm, strict=True):
            keys[f"{scope}.{outcome}.het_{sg}.interaction_holm_p_value"] = float(ph)
        keys[f"{scope}.heterogeneity.tests.n"] = len(tests)
    out.attrs["tests"] = pd.DataFrame(tests, columns=["outcome", "subgroup", "p_value"]).assign(
        holm_p_value=adjust([p for *_, p in tests], "holm") if tests else []
    )
    return out, keys
