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

from evaluation.core.config import NATIONAL, DesignSettings
from evaluation.stats.regression import cluster_codes, clustered_ols, first_differences, region_dummies

__all__ = ["GRANT_SCALE", "dose_response"]

GRANT_SCALE = {"bsimu_disbursed": 1_000_000.0}  # grant per Rp1 juta


def dose_response(
    panel: pd.DataFrame, scope: str, outcomes: Sequence[str], design: DesignSettings, doses: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Dose coefficients per outcome (see the module docstring). Doses without variation are left out.

    Keys ``<scope>.<outcome>.dose.<dose>_{estimate, se, ci_low, ci_high, p_value}`` and ``.n_units``.
    """
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        fd = first_differences(panel[panel["treated"] == 1], outcome, design, keep=(*doses, "region_code"))
        fd = fd.dropna(subset=list(doses))
        Z = np.column_stack([fd[d].to_numpy(float) / GRANT_SCALE.get(d, 1.0) for d in doses])
        use = [i for i in range(len(doses)) if np.ptp(Z[:, i]) > 0]
        X = np.column_stack([np.ones(len(fd)), Z[:, use]])
        if scope == NATIONAL:
            X = np.column_stack([X, region_dummies(fd["region_code"])])
        if len(fd) <= X.shape[1] + 1:
            continue
        fit = clustered_ols(fd["d"].to_numpy(float), X, cluster_codes(fd["cluster"]))
        for j, i in enumerate(use, start=1):
            inf = fit.inference(j, design.alpha)
            rows.append(
                {"outcome": outcome, "dose": doses[i], "n_units": len(fd), "mean_dose": float(Z[:, i].mean()), **inf}
            )
            for k, v in inf.items():
                keys[f"{scope}.{outcome}.dose.{doses[i]}_{k}"] = v
        keys[f"{scope}.{outcome}.dose.n_units"] = len(fd)
    return pd.DataFrame(rows), keys
