r"""O(N) closed forms of the panel estimators without covariates: group sums instead of a QR decomposition.

Two regressions carry most of the work of an evaluation at national scale (millions of families, tens of
thousands of villages), and both have closed forms that need only sums by group:

- the paired before/after change (:func:`evaluation.stats.estimators.pre_post`) is OLS of the first difference
  :math:`d_i` on a constant: :func:`paired_mean`;
- the panel difference-in-differences without covariates (:func:`evaluation.stats.estimators.did`) is OLS of
  :math:`d_i` on :math:`[1, D_i]`: :func:`two_group_difference`.

The HC1 and CRV1 sandwiches of these regressions reduce to sums of each unit's *influence* on the coefficient,
:math:`a_i = e_{i}\,[(X'X)^{-1}x_i]_{coef}`; clustered, to sums of :math:`a_i` within clusters
(``np.bincount``). The small-sample conventions are those of :mod:`evaluation.stats.inference` (Stata ``regress``,
statsmodels ``OLS.fit(cov_type='HC1' | 'cluster')``), so the two paths agree to rounding error; the tests
check 1e-8 relative agreement with statsmodels.

:func:`column_codes` turns an id or cluster column into integer codes. Factorising millions of string ids costs
more than the statistics, so a pandas ``Categorical`` column (which is what a dictionary-encoded Parquet column
becomes in pandas) is used through its codes, without hashing a single string.

References
----------
Cameron, A. C. and Miller, D. L. (2015). "A Practitioner's Guide to Cluster-Robust Inference." *Journal of
Human Resources* 50(2), 317-372 (CRV1 and its small-sample factor).
StataCorp. *Stata Base Reference Manual*, [R] regress, Methods and formulas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["GroupSumFit", "column_codes", "paired_mean", "two_group_difference"]


@dataclass(frozen=True, slots=True)
class GroupSumFit:
    """Coefficient, standard error and degrees of freedom of a closed-form fit."""

    estimate: float
    se: float
    df_resid: int
    n_clusters: int | None


def column_codes(series: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes ``0..L-1`` of a column's values (``-1`` for missing) and the ``L`` labels.

    A ``Categorical`` column (e.g. a dictionary-encoded Parquet column read by pandas) gives its codes as they
    are, O(1); its labels are all its categories, some of which may not occur. Any other column is factorised
    with :func:`pandas.factorize` (a hash of every value, the expensive path for string ids).

    Parameters
    ----------
    series : pandas.Series
        The column, length ``n``.

    Returns
    -------
    codes : numpy.ndarray
        Integer codes, shape ``(n,)``; ``-1`` for missing values.
    labels : pandas.Index
        The ``L`` labels, ``labels[code]`` being the value of a row.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy(), series.cat.categories
    codes, labels = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes), pd.Index(labels)


def _clustered(influence: np.ndarray, clusters: np.ndarray, n_levels: int, k: int, func: str) -> tuple[float, int]:
    """CRV1 variance ``G/(G-1) (n-1)/(n-k) sum_g (sum_{i in g} a_i)^2`` and ``G``, the clusters present."""
    n = influence.size
    present = np.zeros(n_levels, dtype=bool)
    present[clusters] = True  # a scatter is cheaper than counting cluster sizes
    n_clusters = int(np.count_nonzero(present))
    if n_clusters < 2:
        raise ValueError(f"at least 2 clusters are needed for CRV1, found {n_clusters} ({func})")
    sums = np.bincount(clusters, weights=influence, minlength=n_levels)
    factor = n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
    return factor * float(sums @ sums), n_clusters


def _group_means(d: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Means of ``d`` by 0/1 ``group`` from one ``np.bincount`` pass, refined by one pass over the residuals.

    A plain running sum loses digits on long arrays with a large mean; the second pass adds the mean residual of
    each group (the corrected two-pass algorithm of Chan, Golub & LeVeque 1983, *Am. Statistician* 37(3)),
    which brings the means to the accuracy of a pairwise sum.
    """
    means = np.bincount(group, weights=d, minlength=2) / counts
    means += np.bincount(group, weights=d - means[group], minlength=2) / counts
    return means


def paired_mean(d: np.ndarray, clusters: np.ndarray | None = None, n_levels: int | None = None) -> GroupSumFit:
    r"""Mean of ``d`` with its HC1 or CRV1 standard error (OLS of ``d`` on a constant).

    .. math::

        \hat\delta = \bar d,\quad a_i = \frac{d_i - \bar d}{n},\quad
        \hat V_{HC1} = \frac{n}{n-1}\sum_i a_i^2,\quad
        \hat V_{CRV1} = \frac{G}{G-1}\frac{n-1}{n-1}\sum_g \Big(\sum_{i\in g} a_i\Big)^2

    with ``n - 1`` (HC1) or ``G - 1`` (CRV1) degrees of freedom (Stata [R] regress; Cameron & Miller 2015).

    Parameters
    ----------
    d : numpy.ndarray
        Finite values, shape ``(n,)``, ``n >= 2``.
    clusters : numpy.ndarray, optional
        Non-negative integer cluster codes, shape ``(n,)``; ``None`` for HC1.
    n_levels : int, optional
        Number of possible codes (``max + 1`` when omitted).

    Returns
    -------
    GroupSumFit
        ``estimate`` (units of ``d``), ``se`` (same units), ``df_resid`` and ``n_clusters`` (None for HC1).

    Raises
    ------
    ValueError
        With fewer than 2 observations or fewer than 2 clusters.

    References
    ----------
    StataCorp, [R] regress, Methods and formulas; Cameron, A. C. and Miller, D. L. (2015). *Journal of Human
    Resources* 50(2), 317-372.
    """
    d = np.asarray(d, dtype=np.float64)
    n = d.size
    if n < 2:
        raise ValueError(f"too few observations: n={n} must exceed k=1")
    mean = float(np.mean(d))
    a = (d - mean) / n
    if clusters is None:
        return GroupSumFit(mean, float(np.sqrt(n / (n - 1) * float(a @ a))), n - 1, None)
    levels = int(clusters.max()) + 1 if n_levels is None else int(n_levels)
    var, g = _clustered(a, clusters, levels, 1, "paired_mean")
    return GroupSumFit(mean, float(np.sqrt(var)), g - 1, g)


def two_group_difference(
    d: np.ndarray, treated: np.ndarray, clusters: np.ndarray | None = None, n_levels: int | None = None
) -> GroupSumFit:
    r"""Difference of the means of ``d`` between ``treated == 1`` and ``treated == 0`` (OLS slope on ``[1, D]``).

    .. math::

        \hat\tau = \bar d_1 - \bar d_0,\quad e_i = d_i - \bar d_{D_i},\quad
        a_i = e_i\Big(\frac{D_i}{n_1} - \frac{1 - D_i}{n_0}\Big),

    where :math:`a_i` is the second row of :math:`(X'X)^{-1}x_i e_i` for :math:`x_i = (1, D_i)`. Then
    :math:`\hat V_{HC1} = \frac{n}{n-2}\sum_i a_i^2` with ``n - 2`` degrees of freedom, and
    :math:`\hat V_{CRV1} = \frac{G}{G-1}\frac{n-1}{n-2}\sum_g (\sum_{i\in g} a_i)^2` with ``G - 1``
    (Stata [R] regress; Cameron & Miller 2015). Both groups must be non-empty and ``n > 2``.

    Parameters
    ----------
    d : numpy.ndarray
        Finite values, shape ``(n,)``.
    treated : numpy.ndarray
        0/1 (or boolean) group indicator, shape ``(n,)``.
    clusters : numpy.ndarray, optional
        Non-negative integer cluster codes, shape ``(n,)``; ``None`` for HC1.
    n_levels : int, optional
        Number of possible codes (``max + 1`` when omitted).

    Returns
    -------
    GroupSumFit
        ``estimate`` (units of ``d``), ``se`` (same units), ``df_resid`` and ``n_clusters`` (None for HC1).

    Raises
    ------
    ValueError
        When ``treated`` is not 0/1, a group is empty, ``n <= 2`` or there are fewer than 2 clusters.

    References
    ----------
    StataCorp, [R] regress, Methods and formulas; Cameron and Miller (2015).
    """
    d = np.asarray(d, dtype=np.float64)
    group = np.asarray(treated).astype(bool, copy=False).view(np.uint8)  # 0/1 codes, no copy for booleans
    n = d.size
    counts = np.bincount(group, minlength=2)
    if group.size and group.max() > 1:
        raise ValueError("treated must be 0/1")
    n0, n1 = int(counts[0]), int(counts[1])
    if n1 == 0 or n0 == 0:
        raise ValueError("both groups need at least one observation")
    if n <= 2:
        raise ValueError(f"too few observations: n={n} must exceed k=2")
    means = _group_means(d, group, counts)
    # a_i = (d_i - mean_{D_i}) * w_{D_i} with w = (-1/n0, 1/n1): two lookups into length-2 tables.
    a = d - means[group]
    a *= np.array([-1.0 / n0, 1.0 / n1])[group]
    tau = float(means[1] - means[0])
    if clusters is None:
        return GroupSumFit(tau, float(np.sqrt(n / (n - 2) * float(a @ a))), n - 2, None)
    levels = int(clusters.max()) + 1 if n_levels is None else int(n_levels)
    var, g = _clustered(a, clusters, levels, 2, "two_group_difference")
    return GroupSumFit(tau, float(np.sqrt(var)), g - 1, g)
