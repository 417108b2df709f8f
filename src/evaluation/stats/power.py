r"""Power and minimum detectable effect (MDE) of the clustered design, with parameters estimated from the data.

For :math:`n_t` treated and :math:`n_c` comparison families in :math:`G` villages of average size
:math:`\bar m = n/G`, outcome SD :math:`\sigma`, intra-cluster correlation :math:`\rho_{icc}` and correlation
:math:`\rho` between a family's baseline and endline outcome,

.. math:: \mathrm{MDE} = (t_{1-\alpha/2} + t_{\kappa})\,\sigma\,
          \sqrt{\mathrm{deff}\cdot f \cdot (1/n_t + 1/n_c)}, \qquad
          \mathrm{deff} = 1 + (\bar m - 1)\,\rho_{icc}\,\rho_{D},

with :math:`t` quantiles on :math:`G - 2` degrees of freedom (normal when ``df=None``), :math:`\kappa` the power,
and :math:`f = 1` for an endline comparison, :math:`f = 2(1-\rho)` for difference-in-differences and
:math:`f = 1-\rho^2` for ANCOVA (McKenzie 2012, *J. Development Economics* 99(2), 210-221, eqs. 3-5; Bloom 1995,
*Evaluation Review* 19(5) for the MDE). The design effect is Moulton's (1986, *J. Econometrics* 32(3)):
:math:`\rho_D` is the intra-cluster correlation of the treatment indicator itself, 1 when whole villages are
treated, near 0 when (as in ProKUS) treated and comparison families live in the same villages. The ICC is the
one-way ANOVA estimator :math:`(MSB - MSW)/(MSB + (m_0 - 1)MSW)`, :math:`m_0 = (n - \sum_g m_g^2/n)/(G-1)`
(Donner 1986), of the baseline outcome within villages, truncated at 0; :math:`\rho` is the Pearson correlation
of baseline and endline values of the families observed in both waves.

With sampling weights (``weights=``) the SD is the weighted SD (:func:`evaluation.stats.balance.weighted_mean_sd`)
and each arm counts with Kish's effective sample size :math:`n_{eff} = (\sum w)^2 / \sum w^2` (Kish 1965, *Survey
Sampling*, section 11.7: unequal weights inflate the variance of a mean by :math:`1 + CV_w^2`); the ICC and the
autocorrelation stay unweighted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special  # t/F/normal functions without importing scipy.stats (~0.7 s per kernel)

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.balance import weighted_mean_sd
from evaluation.stats.degenerate import outcome_degeneracy
from evaluation.stats.estimator_inputs import _weight_values
from evaluation.stats.regression import first_differences

__all__ = ["DESIGN_FACTORS", "icc_anova", "kish_effective_n", "mde", "power_table"]

DESIGN_FACTORS = {"endline": lambda rho: 1.0, "did": lambda rho: 2 * (1 - rho), "ancova": lambda rho: 1 - rho**2}


def kish_effective_n(weights: np.ndarray) -> float:
    r"""Kish's effective sample size of a weighted sample, :math:`(\sum w)^2 / \sum w^2`.

    Parameters
    ----------
    weights : numpy.ndarray
        Positive sampling weights, shape ``(n,)``.

    Returns
    -------
    float
        The number of equally weighted observations with the same variance of the mean (``n`` when the weights
        are equal, fewer otherwise).

    References
    ----------
    Kish, L. (1965). *Survey Sampling*, Wiley, section 11.7.
    """
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / (w**2).sum())


def icc_anova(y: np.ndarray, clusters: np.ndarray) -> float:
    """One-way ANOVA estimator of the intra-cluster correlation, truncated at 0.

    Parameters
    ----------
    y : numpy.ndarray
        Values, shape ``(n,)``.
    clusters : numpy.ndarray
        Cluster label of each value, shape ``(n,)``; at least 2 clusters and ``n > G``.

    Returns
    -------
    float
        The ICC in ``[0, 1)`` (share of the variance between clusters).

    References
    ----------
    Donner, A. (1986). "A review of inference procedures for the intraclass correlation coefficient in the one-way
    random effects model." *International Statistical Review* 54(1), 67-82.
    """
    y = np.asarray(y, dtype=float)
    _, g = np.unique(np.asarray(clusters).astype(str), return_inverse=True)
    G, n = g.max() + 1, y.size
    m = np.bincount(g, minlength=G).astype(float)
    means = np.bincount(g, weights=y, minlength=G) / m
    msb = np.sum(m * (means - y.mean()) ** 2) / (G - 1)
    msw = np.sum((y - means[g]) ** 2) / (n - G)
    m0 = (n - np.sum(m**2) / n) / (G - 1)
    return float(max((msb - msw) / (msb + (m0 - 1) * msw), 0.0))


def mde(
    n_t: float,
    n_c: float,
    n_clusters: int,
    sigma: float,
    icc: float,
    rho: float = 0.0,
    design: str = "did",
    alpha: float = 0.05,
    power: float = 0.8,
    df: int | None = -1,
    treat_icc: float = 1.0,
) -> float:
    r"""Minimum detectable effect of a clustered two-arm comparison (see the module docstring).

    :math:`MDE = (q_{1-\alpha/2} + q_{power})\,\sigma\,\sqrt{\mathrm{deff}\cdot f(\rho)\,(1/n_t + 1/n_c)}` with
    :math:`\mathrm{deff} = 1 + (m-1)\,\mathrm{icc}\cdot\mathrm{treat\_icc}`, :math:`m` the mean cluster size and
    :math:`f` the design factor of :data:`DESIGN_FACTORS`.

    Parameters
    ----------
    n_t : float
        Treated units (families).
    n_c : float
        Comparison units (families).
    n_clusters : int
        Number of clusters ``G`` (villages).
    sigma : float
        Standard deviation of the outcome, in the outcome's units.
    icc : float
        Intra-cluster correlation of the outcome, 0-1.
    rho : float, default 0.0
        Baseline-endline autocorrelation of the outcome, -1..1.
    design : {"did", "ancova", "endline"}, default "did"
        Estimator whose variance factor :math:`f(\rho)` applies.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Power, 0-1.
    df : int or None, default -1
        Degrees of freedom of the t quantiles: ``-1`` for ``G - 2``, ``None`` for normal quantiles.
    treat_icc : float, default 1.0
        Intra-cluster correlation of the treatment (1 when whole clusters are treated).

    Returns
    -------
    float
        The MDE in the outcome's units (divide by ``sigma`` for standard deviations).

    Raises
    ------
    KeyError
        For an unknown ``design``.

    References
    ----------
    Bloom, H. S. (1995). "Minimum detectable effects." *Evaluation Review* 19(5), 547-556; McKenzie, D. (2012).
    *Journal of Development Economics* 99(2), 210-221 (the DiD and ANCOVA factors).
    """
    m = (n_t + n_c) / n_clusters
    deff = 1 + (m - 1) * icc * treat_icc
    dof = n_clusters - 2 if df == -1 else df
    q = (lambda p: special.ndtri(p)) if dof is None else (lambda p: special.stdtrit(dof, p))
    mult = q(1 - alpha / 2) + q(power)
    return float(mult * sigma * np.sqrt(deff * DESIGN_FACTORS[design](rho) * (1 / n_t + 1 / n_c)))


def power_table(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    power: float = 0.8,
    weights: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """SD, ICC, autocorrelation and MDE (endline, DiD, ANCOVA) per outcome for the sample at hand.

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
    power : float, default 0.8
        Power of the MDEs, 0-1.
    weights : str, optional
        Sampling-weight column (positive and finite): weighted SD and Kish effective sample sizes (see the module
        docstring); ``None`` (default) for equal weights.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome with at least 10 varying baseline values and a DiD that can be estimated
        (:func:`evaluation.stats.degenerate.outcome_degeneracy`): ``sd`` (outcome units), ``icc``,
        ``treatment_icc``, ``autocorrelation``, counts, ``mde_<design>`` (outcome units), ``mde_did_sd`` and
        ``mde_ancova_sd`` (in SDs).
    keys : dict
        ``<scope>.<outcome>.power.<column>`` and ``<scope>.power.target.power``.

    Raises
    ------
    KeyError
        When a named column is missing.
    ValueError
        When a weight is missing, zero, negative or infinite.

    References
    ----------
    Bloom (1995); McKenzie (2012); Kish (1965) for the weighted sample sizes.
    """
    base = panel[panel[design.period] == design.before]
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        b = base[base[outcome].notna()]
        y = b[outcome].to_numpy(float)
        if y.size < 10 or np.ptp(y) == 0 or outcome_degeneracy(panel, outcome, design) is not None:
            continue  # too few values, or not estimable (evaluation.stats.degenerate: no data in a wave, ...)
        icc = icc_anova(y, b[design.cluster].to_numpy())
        fd = first_differences(panel, outcome, design, keep=() if weights is None else (weights,))
        rho = float(np.corrcoef(fd["y_before"], fd["y_after"])[0, 1])
        n_t, n_c = int((fd["treated"] == 1).sum()), int((fd["treated"] == 0).sum())
        G = int(fd["cluster"].nunique())
        sd = float(y.std(ddof=1))
        if weights is not None:
            sd = weighted_mean_sd(y, _weight_values(b[weights]))[1]
            wu = _weight_values(fd[weights])
            n_t, n_c = (kish_effective_n(wu[fd["treated"].to_numpy() == g]) for g in (1, 0))
        t_icc = icc_anova(fd["treated"].to_numpy(float), fd["cluster"].to_numpy())
        row = {
            "treatment_icc": t_icc,
            "outcome": outcome,
            "sd": sd,
            "icc": icc,
            "autocorrelation": rho,
            "n_prokus": n_t,
            "n_comparison": n_c,
            "n_clusters": G,
        }
        for d in DESIGN_FACTORS:
            row[f"mde_{d}"] = mde(n_t, n_c, G, sd, icc, rho, d, design.alpha, power, treat_icc=t_icc)
        row["mde_did_sd"] = row["mde_did"] / sd
        row["mde_ancova_sd"] = row["mde_ancova"] / sd
        rows.append(row)
        for k, v in row.items():
            if k != "outcome":
                keys[key(scope, outcome, "power", k)] = v
    keys[key(scope, "power", "target", "power")] = power
    return pd.DataFrame(rows), keys
