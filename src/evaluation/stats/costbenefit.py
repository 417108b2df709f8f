r"""Cost-benefit: programme cost per family against the estimated gains, as benefit-cost ratio and IRR.

Cost per family :math:`C` = mean BSIMU grant disbursed + mean TKSK sessions x unit cost + mean business mentoring
sessions x unit cost + overhead (unit costs from the analysis plan). Benefits: the estimated monthly gain
:math:`b` (DiD effect on household income, or on consumption per capita times mean household size) counted
for :math:`H` years, decaying by :math:`\delta` a year and discounted at :math:`r`:

.. math:: PV(b) = \sum_{t=1}^{H} \frac{12\,b\,(1-\delta)^{t-1}}{(1+r)^t}, \qquad
          BCR = PV(b)/C, \qquad IRR:\ PV_{IRR}(b) = C .

This is the accounting of the graduation-programme literature (Banerjee et al. 2015, *Science* 348(6236),
table 3: benefits from consumption gains, costs incurred up front). BCR is linear in :math:`b` and the IRR is
increasing in :math:`b`, so mapping the ends of the effect's confidence interval gives their intervals. The IRR
exists only when undiscounted benefits exceed the cost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize

__all__ = ["bcr", "cost_per_family", "irr", "present_value", "sensitivity"]


def cost_per_family(
    programme: pd.DataFrame, tksk_session: float, mentoring_session: float, overhead: float
) -> dict[str, float]:
    """Mean cost components per ProKUS family (Rp) and their total."""
    grant = float(programme["bsimu_disbursed"].astype(float).mean())
    tksk = float(programme["tksk_sessions"].astype(float).mean()) * tksk_session
    ment = float(programme["business_mentoring_sessions"].astype(float).mean()) * mentoring_session
    return {
        "grant": grant,
        "tksk": tksk,
        "mentoring": ment,
        "overhead": float(overhead),
        "total": grant + tksk + ment + float(overhead),
    }


def present_value(monthly_gain: float, horizon: int, rate: float, decay: float = 0.0) -> float:
    r""":math:`\sum_{t=1}^H 12 b (1-\delta)^{t-1} / (1+r)^t`."""
    t = np.arange(1, int(horizon) + 1)
    return float(np.sum(12.0 * monthly_gain * (1 - decay) ** (t - 1) / (1 + rate) ** t))


def bcr(monthly_gain: float, cost: float, horizon: int, rate: float, decay: float = 0.0) -> float:
    """Benefit-cost ratio :math:`PV(b)/C`."""
    return present_value(monthly_gain, horizon, rate, decay) / cost


def irr(monthly_gain: float, cost: float, horizon: int, decay: float = 0.0) -> float:
    """Internal rate of return (NaN when undiscounted benefits do not exceed the cost)."""
    if present_value(monthly_gain, horizon, 0.0, decay) <= cost:
        return float("nan")
    return float(optimize.brentq(lambda r: present_value(monthly_gain, horizon, r, decay) - cost, 0.0, 1e6, xtol=1e-12))


def sensitivity(
    monthly_gain: float,
    cost: float,
    horizons: Sequence[int],
    rates: Sequence[float],
    decays: Sequence[float],
) -> pd.DataFrame:
    """BCR and IRR for every horizon x discount rate x decay."""
    rows = [
        {
            "horizon": h,
            "discount_rate": r,
            "decay": d,
            "bcr": bcr(monthly_gain, cost, h, r, d),
            "irr": irr(monthly_gain, cost, h, d),
        }
        for d in decays
        for h in horizons
        for r in rates
    ]
    return pd.DataFrame(rows)
