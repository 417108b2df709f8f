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
    """Mean cost components per ProKUS family and their total, in rupiah.

    Parameters
    ----------
    programme : pandas.DataFrame
        One row per ProKUS family: ``bsimu_disbursed`` (Rp), ``tksk_sessions`` and ``business_mentoring_sessions``
        (sessions attended).
    tksk_session : float
        Cost of one TKSK session per family (Rp).
    mentoring_session : float
        Cost of one business mentoring session per family (Rp).
    overhead : float
        Overhead per family (Rp).

    Returns
    -------
    dict of str to float
        ``grant``, ``tksk``, ``mentoring``, ``overhead`` and ``total`` (Rp per family, incurred up front).

    Raises
    ------
    KeyError
        When a programme column is missing.

    References
    ----------
    Banerjee, A. et al. (2015). "A multifaceted program causes lasting progress for the very poor." *Science*
    348(6236), 1260799, table 3.
    """
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
    r"""Present value of a monthly gain counted for ``horizon`` years.

    :math:`PV = \sum_{t=1}^H 12 b (1-\delta)^{t-1}/(1+r)^t`.

    Parameters
    ----------
    monthly_gain : float
        Gain :math:`b` per family per month (Rp per month).
    horizon : int
        Years :math:`H` over which the gain is counted.
    rate : float
        Annual discount rate :math:`r` (0.05 = 5 % a year).
    decay : float, default 0.0
        Annual decay :math:`\delta` of the gain (0.1 = the gain shrinks by 10 % a year).

    Returns
    -------
    float
        Present value per family (Rp), each year's 12 monthly gains discounted at the year's end.

    References
    ----------
    Banerjee et al. (2015), *Science* 348(6236), table 3.
    """
    t = np.arange(1, int(horizon) + 1)
    return float(np.sum(12.0 * monthly_gain * (1 - decay) ** (t - 1) / (1 + rate) ** t))


def bcr(monthly_gain: float, cost: float, horizon: int, rate: float, decay: float = 0.0) -> float:
    r"""Benefit-cost ratio :math:`PV(b)/C`.

    Parameters
    ----------
    monthly_gain : float
        Gain per family per month (Rp per month).
    cost : float
        Programme cost per family, incurred up front (Rp).
    horizon : int
        Years over which the gain is counted.
    rate : float
        Annual discount rate (0.05 = 5 % a year).
    decay : float, default 0.0
        Annual decay :math:`\delta` of the gain, a share per year (0.1 = the gain shrinks by 10 % a year).

    Returns
    -------
    float
        Benefits per rupiah of cost (dimensionless; 1 = break even).

    Raises
    ------
    ZeroDivisionError
        When ``cost`` is 0.

    References
    ----------
    Banerjee et al. (2015), *Science* 348(6236), table 3.
    """
    return present_value(monthly_gain, horizon, rate, decay) / cost


def irr(monthly_gain: float, cost: float, horizon: int, decay: float = 0.0) -> float:
    r"""Internal rate of return: the annual discount rate at which the present value of the gains equals the cost.

    Parameters
    ----------
    monthly_gain : float
        Gain per family per month (Rp per month).
    cost : float
        Programme cost per family, incurred up front (Rp).
    horizon : int
        Years over which the gain is counted.
    decay : float, default 0.0
        Annual decay :math:`\delta` of the gain, a share per year (0.1 = the gain shrinks by 10 % a year).

    Returns
    -------
    float
        The IRR as an annual rate (0.12 = 12 % a year), found by ``scipy.optimize.brentq`` on ``[0, 1e6]``; NaN
        when undiscounted benefits do not exceed the cost (no non-negative IRR).

    References
    ----------
    Banerjee et al. (2015), *Science* 348(6236), table 3.
    """
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
    """BCR and IRR for every horizon x discount rate x decay.

    Parameters
    ----------
    monthly_gain : float
        Gain per family per month (Rp per month).
    cost : float
        Programme cost per family (Rp).
    horizons : sequence of int
        Horizons in years.
    rates : sequence of float
        Annual discount rates.
    decays : sequence of float
        Annual decay rates of the gain.

    Returns
    -------
    pandas.DataFrame
        One row per combination: ``horizon`` (years), ``discount_rate``, ``decay``, ``bcr`` (dimensionless) and
        ``irr`` (annual rate, NaN when it does not exist).

    References
    ----------
    Banerjee et al. (2015), *Science* 348(6236), table 3.
    """
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
