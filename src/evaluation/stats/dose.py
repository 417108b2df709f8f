r"""Dose-response among ProKUS families: how the change in outcomes varies with the programme inputs received.

On the first differences of ProKUS families only,

.. math:: \Delta y_i = a + \beta_1\,\mathrm{tksk}_i + \beta_2\,\mathrm{mentoring}_i + \beta_3\,\mathrm{grant}_i
          [+ \text{region effects}] + e_i ,

with CRV1 standard errors by village; the grant is in Rp1 juta (million). :math:`\beta` is the association of one
more session (or Rp1 juta) with the change, holding the other inputs fixed.

**Dose is not randomised.** Families chose how many sessions to attend, and a grant that was not disbursed may
reflect problems that also affect outcomes, so :math:`\beta` mixes the effect of the input with the
characteristics of families who take more of it (selection on gains). Read it as descriptive, not causal
(see e.g. Angrist and Imbens 1995 on variable treatment intensity).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.degenerate import outcome_degeneracy
from evaluation.stats.regression import cluster_codes, clustered_by, clustered_ols, dummies, first_differences

__all__ = ["GRANT_SCALE", "dose_response"]

GRANT_SCALE = {"bsimu_disbursed": 1_000_000.0}  # grant per Rp1 juta


def dose_response(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    doses: Sequence[str],
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Dose coefficients per outcome among ProKUS families (see the module docstring).

    Doses without variation are left out; an outcome with too few families for the regression is skipped.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column and the dose columns (baseline rows).
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the wave labels and ``alpha``.
    doses : sequence of str
        Dose columns: sessions attended (count) or rupiah (divided by :data:`GRANT_SCALE`, i.e. per Rp1 juta).
    fixed_effects : str, optional
        Column whose levels get indicators (e.g. the region nationally); ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome and dose: ``n_units`` (families), ``mean_dose`` (dose units), ``estimate`` (outcome
        units per dose unit), ``se``, ``ci_low``, ``ci_high`` and ``p_value``. A degenerate outcome
        (:mod:`evaluation.stats.degenerate`) or one whose change is the same for every family has no row.
    keys : dict
        ``<scope>.<outcome>.dose.<dose>_{estimate, se, ci_low, ci_high, p_value}`` and
        ``<scope>.<outcome>.dose.n_units``.

    Raises
    ------
    KeyError
        When a dose or outcome column is missing.

    References
    ----------
    Angrist, J. D. and Imbens, G. W. (1995). "Two-stage least squares estimation of average causal effects in
    models with variable treatment intensity." *Journal of the American Statistical Association* 90(430),
    431-442.
    """
    design = clustered_by(design, cluster)
    keep = (*doses, fixed_effects) if fixed_effects is not None else tuple(doses)
    rows = []
    keys: dict[str, object] = {}
    prokus = panel[panel["treated"] == 1]
    for outcome in outcomes:
        if outcome_degeneracy(prokus, outcome, design, arms=(1,)) is not None:
            continue  # not estimable (evaluation.stats.degenerate: no data in a wave, no variation)
        fd = first_differences(prokus, outcome, design, keep=keep)
        fd = fd.dropna(subset=list(doses))
        if fd.empty or np.ptp(fd["d"].to_numpy(float)) == 0:
            continue  # no family left with a dose, or the same change for every family: nothing to relate
        Z = np.column_stack([fd[d].to_numpy(float) / GRANT_SCALE.get(d, 1.0) for d in doses])
        use = [i for i in range(len(doses)) if np.ptp(Z[:, i]) > 0]
        X = np.column_stack([np.ones(len(fd)), Z[:, use]])
        if fixed_effects is not None:
            X = np.column_stack([X, dummies(fd[fixed_effects])])
        if len(fd) <= X.shape[1] + 1:
            continue
        fit = clustered_ols(fd["d"].to_numpy(float), X, cluster_codes(fd["cluster"]))
        for j, i in enumerate(use, start=1):
            inf = fit.inference(j, design.alpha)
            rows.append(
                {"outcome": outcome, "dose": doses[i], "n_units": len(fd), "mean_dose": float(Z[:, i].mean()), **inf}
            )
            for k, v in inf.items():
                keys[key(scope, outcome, "dose", f"{doses[i]}_{k}")] = v
        keys[key(scope, outcome, "dose", "n_units")] = len(fd)
    return pd.DataFrame(rows), keys
