r"""Doubly robust difference-in-differences for a two-period panel (Sant'Anna & Zhao 2020, improved estimator).

The numerical core of :func:`evaluation.stats.estimators.drdid`: arrays in, the effect on the treated and its
influence function out. With :math:`\Delta Y_i = y_{i,after} - y_{i,before}`, :math:`D_i` the treatment
indicator, :math:`X_i` the baseline covariates with a constant and :math:`w_i` sampling weights normalised to mean 1:

1. **Propensity score by inverse probability tilting** (Graham, Pinto & Egel 2012; Sant'Anna & Zhao 2020, eq. 3.5):
   the logistic score :math:`p(X) = \Lambda(X'\gamma)` with

   .. math:: \hat\gamma^{ipt} = \arg\max_\gamma\, \mathbb{E}_n\big[w\,\{D X'\gamma - (1-D)\exp(X'\gamma)\}\big],

   whose first-order condition is exact balance: :math:`\sum_{D=1} w_i X_i = \sum_{D=0} w_i
   \frac{\hat p(X_i)}{1-\hat p(X_i)} X_i`; the comparison families reweighted by the odds of the score have the
   treated families' covariate means. The objective is concave; it is maximised by Newton's method with a
   backtracking line search (on standardised covariates, which leaves :math:`\hat p` unchanged). It has no
   maximum when the treated families' covariate means lie outside what the comparison families can be reweighted
   to (no overlap, perfect separation): then :class:`~evaluation.stats.degenerate.NotEstimable` (``no_overlap``).
2. **Outcome regression** of the comparison group's change by weighted least squares (eq. 3.6),
   :math:`\hat\beta = \arg\min_b \sum_{D=0} w_i \frac{\hat p(X_i)}{1-\hat p(X_i)} (\Delta Y_i - X_i'b)^2`,
   and :math:`\hat m(X) = X'\hat\beta`.
3. **The estimate** (eq. 3.4), as in R ``DRDID::drdid_imp_panel`` (version 1.2, with its trimming):

   .. math:: \hat\tau^{dr,imp} = \frac{\mathbb{E}_n\big[w\,T\,\{D - (1-D)\hat p/(1-\hat p)\}\,
             (\Delta Y - \hat m(X))\big]}{\mathbb{E}_n[w D]},

   where :math:`T_i = 0` for a comparison family whose score reaches the trimming level 0.995 (it would get an
   unbounded weight) and 1 otherwise; scores are clipped to :math:`[10^{-6}, 1-10^{-6}]`.

The estimate is consistent for the average effect on the treated under conditional parallel trends if **either**
the propensity score model **or** the outcome regression is right (double robustness), and locally efficient
when both are. Because the tilting and weighted least squares make the estimation effects of
:math:`\hat\gamma, \hat\beta` vanish (Sant'Anna & Zhao 2020, Theorem 3.1(b)), the influence function is the
leading term alone,

.. math:: \psi_i = w_i T_i \{(D_i - (1-D_i)\tfrac{\hat p_i}{1-\hat p_i})(\Delta Y_i - \hat m(X_i))
          - D_i \hat\tau\} / \mathbb{E}_n[wD].

Variance: :math:`\widehat{V} = \frac{G}{G-1} \frac{1}{n^2}\sum_g \big(\sum_{i\in g}\psi_i\big)^2` over the
:math:`G` clusters (villages), with :math:`G = n` (each family its own cluster) when not clustered; the first
equals R's ``sd(psi)/sqrt(n)`` up to the factor :math:`n/(n-1)`, the second is the usual cluster-robust form of an
influence-function variance with the CRV1 finite-cluster factor. Without covariates the estimate is the plain
difference of mean changes and this variance equals the DiD's HC1 (or CRV1) variance times
:math:`(n-2)/(n-1)`.

References
----------
Sant'Anna, P. H. C. and Zhao, J. (2020). "Doubly robust difference-in-differences estimators." *Journal of
Econometrics* 219(1), 101-122, section 3.1. R package ``DRDID`` (Sant'Anna & Zhao), ``drdid_imp_panel``.

Graham, B. S., Pinto, C. C. and Egel, D. (2012). "Inverse probability tilting for moment condition models with
missing data." *Review of Economic Studies* 79(3), 1053-1079.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from evaluation.stats.degenerate import NotEstimable
from evaluation.stats.inference import ols

__all__ = ["TRIM_LEVEL", "DrdidFit", "drdid_panel", "influence_se", "ipt_pscore"]

TRIM_LEVEL = 0.995  # comparison families with a propensity score at or above this get no weight (R DRDID 1.2)
_PS_CLIP = 1e-6
_MAX_ITER = 200
_GRAD_TOL = 1e-9


@dataclass(frozen=True)
class DrdidFit:
    r"""The improved doubly robust DiD of one outcome, before inference.

    Parameters
    ----------
    att : float
        The effect on the treated, in the outcome's units.
    influence : numpy.ndarray
        The influence function :math:`\psi_i` of every unit (outcome units), mean zero.
    pscore : numpy.ndarray
        The propensity score of every unit (clipped to ``[1e-6, 1 - 1e-6]``).
    n_trimmed : int
        Comparison units left out because their score reached :data:`TRIM_LEVEL`.
    """

    att: float
    influence: np.ndarray
    pscore: np.ndarray
    n_trimmed: int


def _standardised(X: np.ndarray) -> np.ndarray:
    """A constant column and the non-constant columns of ``X`` centred and scaled (same span, same scores)."""
    sd = X.std(axis=0)
    varying = sd > 0
    Z = (X[:, varying] - X[:, varying].mean(axis=0)) / sd[varying]
    return np.column_stack([np.ones(X.shape[0]), Z])


def ipt_pscore(d: np.ndarray, X: np.ndarray, w: np.ndarray) -> np.ndarray:
    r"""Propensity score by inverse probability tilting, the calibrated logistic score of the ATT.

    Maximises :math:`\sum_i w_i\{D_i X_i'\gamma - (1-D_i)\exp(X_i'\gamma)\}` by Newton's method with backtracking
    (see the module docstring), so that :math:`\sum_{D=1} w_i X_i = \sum_{D=0} w_i e^{X_i'\hat\gamma} X_i`.

    Parameters
    ----------
    d : numpy.ndarray
        Treatment indicator 0/1, shape ``(n,)``.
    X : numpy.ndarray
        Covariates, shape ``(n, k)``; a constant is added (a constant column of ``X`` is absorbed in it).
    w : numpy.ndarray
        Positive weights, shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        :math:`\hat p_i = \Lambda(X_i'\hat\gamma)`, shape ``(n,)``, unclipped.

    Raises
    ------
    NotEstimable
        ``no_overlap`` when no tilting balances the covariates (the treated families' means lie outside what the
        comparison families can be reweighted to, e.g. a covariate value only treated families have).
    ValueError
        When a group is empty or the covariates are collinear.

    References
    ----------
    Graham, Pinto & Egel (2012), *Review of Economic Studies* 79(3); Sant'Anna & Zhao (2020), eq. 3.5.
    """
    Z = _standardised(np.asarray(X, dtype=np.float64))
    d = np.asarray(d, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    n, k = Z.shape
    c = 1.0 - d
    if not (np.any(d == 1) and np.any(c == 1)):
        raise ValueError("the propensity score needs both treated (d == 1) and comparison (d == 0) units")
    if np.linalg.matrix_rank(Z) < k:
        raise ValueError(
            "the covariates are collinear (e.g. the indicators of every level of a category); remove redundant "
            "covariates"
        )
    if np.linalg.matrix_rank(Z[c == 1]) < k:
        raise NotEstimable(
            "no_overlap",
            "a covariate does not vary among the comparison units while it does among the treated units (no "
            "overlap: e.g. a category that only treated units have)",
        )
    target = (w * d) @ Z / n

    def loss(g: np.ndarray) -> float:
        v = np.minimum(Z @ g, 700.0)
        return float(np.sum(w * (c * np.exp(v) - d * v)) / n)

    g = np.zeros(k)
    g[0] = np.log(np.sum(w * d) / np.sum(w * c))
    converged = False
    for _ in range(_MAX_ITER):
        e = c * w * np.exp(np.minimum(Z @ g, 700.0))
        grad = e @ Z / n - target
        if np.max(np.abs(grad)) < _GRAD_TOL * max(1.0, np.max(np.abs(target))):
            converged = True
            break
        hess = (Z * e[:, None]).T @ Z / n
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        current, t = loss(g), 1.0
        slope = float(grad @ step)
        while t > 1e-12 and loss(g - t * step) > current - 1e-4 * t * slope:
            t /= 2.0
        if t <= 1e-12:
            break
        g = g - t * step
    if not converged or not np.all(np.isfinite(g)):
        raise NotEstimable(
            "no_overlap",
            "no reweighting of the comparison units balances the covariates of the treated units (no overlap: "
            "some covariate values occur among treated units only)",
        )
    return special.expit(Z @ g)


def drdid_panel(
    delta_y: np.ndarray,
    d: np.ndarray,
    X: np.ndarray,
    weights: np.ndarray | None = None,
    trim_level: float = TRIM_LEVEL,
) -> DrdidFit:
    r"""Improved locally efficient doubly robust DiD of a panel (Sant'Anna & Zhao 2020), arrays in.

    See the module docstring for the three steps and the influence function; this is R
    ``DRDID::drdid_imp_panel(y1, y0, D, covariates, i.weights)`` without its bootstrap.

    Parameters
    ----------
    delta_y : numpy.ndarray
        Change of the outcome of every unit, ``y_after - y_before``, shape ``(n,)`` (outcome units).
    d : numpy.ndarray
        Treatment indicator 0/1, shape ``(n,)``.
    X : numpy.ndarray
        Baseline covariates, shape ``(n, k)`` (``k`` may be 0); a constant is added.
    weights : numpy.ndarray, optional
        Positive sampling weights, shape ``(n,)``; normalised to mean 1. ``None`` for equal weights.
    trim_level : float, default 0.995
        Comparison units with a propensity score at or above this are left out (R ``DRDID``'s ``trim.level``).

    Returns
    -------
    DrdidFit
        The estimate (outcome units), the influence function, the scores and the count trimmed.

    Raises
    ------
    NotEstimable
        ``no_overlap`` when the propensity score cannot balance the covariates, or every comparison unit is
        trimmed.
    ValueError
        When the covariates are collinear.

    References
    ----------
    Sant'Anna & Zhao (2020), *Journal of Econometrics* 219(1), eqs. 3.4-3.6 and Theorem 3.1.
    """
    delta_y = np.asarray(delta_y, dtype=np.float64)
    d = np.asarray(d, dtype=np.float64)
    n = d.size
    X = np.asarray(X, dtype=np.float64).reshape(n, -1)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    w = w / w.mean()
    ps = np.clip(ipt_pscore(d, X, w), _PS_CLIP, 1.0 - _PS_CLIP)
    control = d == 0
    trim = np.ones(n)
    trim[control] = (ps[control] < trim_level).astype(np.float64)
    n_trimmed = int(np.count_nonzero(control) - np.count_nonzero(trim[control]))
    if not trim[control].any():
        raise NotEstimable(
            "no_overlap", "every comparison unit has a propensity score at the trimming level (no overlap)"
        )
    odds = ps / (1.0 - ps)
    design = np.column_stack([np.ones(n), X])
    sw = np.sqrt(w[control] * odds[control])
    beta, _ = ols(delta_y[control] * sw, design[control] * sw[:, None])
    resid = delta_y - design @ beta
    summand = trim * (d - (1.0 - d) * odds) * resid
    mean_dw = float(np.mean(d * w))
    att = float(np.mean(w * summand) / mean_dw)
    influence = w * trim * (summand - d * att) / mean_dw
    return DrdidFit(att=att, influence=influence, pscore=ps, n_trimmed=n_trimmed)


def influence_se(influence: np.ndarray, cluster_codes: np.ndarray | None = None) -> tuple[float, int | None]:
    r"""Standard error of a mean-type estimate from its influence function, clustered or not.

    :math:`\widehat{se} = \sqrt{\frac{G}{G-1}\sum_g (\sum_{i\in g}\psi_i)^2}\,/\,n`, with :math:`G = n` singleton
    clusters when ``cluster_codes`` is ``None`` (see the module docstring).

    Parameters
    ----------
    influence : numpy.ndarray
        Influence function :math:`\psi_i` of every unit, shape ``(n,)``, in the estimate's units.
    cluster_codes : numpy.ndarray, optional
        Cluster of every unit (any labels), shape ``(n,)``; ``None`` for independent units.

    Returns
    -------
    se : float
        The standard error, in the estimate's units.
    n_clusters : int or None
        ``G``, or ``None`` when not clustered.

    Raises
    ------
    ValueError
        When fewer than 2 clusters are given.

    References
    ----------
    Sant'Anna & Zhao (2020), section 3.1 (influence-function variance); Cameron, A. C. and Miller, D. L. (2015),
    *Journal of Human Resources* 50(2), 317-372 (cluster sums and the G/(G-1) factor).
    """
    psi = np.asarray(influence, dtype=np.float64)
    n = psi.size
    if cluster_codes is None:
        return float(np.sqrt(n / (n - 1) * np.sum(psi**2)) / n), None
    _, dense = np.unique(np.asarray(cluster_codes), return_inverse=True)
    dense = dense.ravel()
    G = int(dense.max()) + 1 if dense.size else 0
    if G < 2:
        raise ValueError(f"at least 2 clusters are needed for a clustered standard error, found {G}")
    sums = np.bincount(dense, weights=psi, minlength=G)
    return float(np.sqrt(G / (G - 1) * np.sum(sums**2)) / n), G
