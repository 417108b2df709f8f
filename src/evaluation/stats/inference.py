"""Least squares and sandwich variance estimators in plain numpy.

Everything here works on arrays: ``y`` of shape ``(n,)``, a design matrix ``X`` of shape ``(n, k)``
(full column rank) and, for clustering, integer cluster codes of shape ``(n,)``. The formulas follow the
conventions of Stata's ``regress, vce(robust)`` / ``vce(cluster)`` and of statsmodels' ``OLS.fit(
cov_type='HC1')`` / ``fit(cov_type='cluster')``, so that results agree with both to rounding error.

References
----------
StataCorp. *Stata Base Reference Manual*, [R] regress, Methods and formulas; and *Stata User's Guide*,
[U] 20.22 "Obtaining robust variance estimates".

MacKinnon, J. G. and White, H. (1985). "Some heteroskedasticity-consistent covariance matrix estimators
with improved finite sample properties." *Journal of Econometrics* 29(3), 305-325.

Cameron, A. C. and Miller, D. L. (2015). "A Practitioner's Guide to Cluster-Robust Inference."
*Journal of Human Resources* 50(2), 317-372.
"""

from __future__ import annotations

import numpy as np
from scipy import special  # stdtr/stdtrit: what scipy.stats.t calls, without importing scipy.stats (~0.7 s)

__all__ = ["ols", "t_critical", "t_inference", "vcov_crv1", "vcov_crv3", "vcov_hc1"]


def _as_design(X: np.ndarray) -> np.ndarray:
    """Return ``X`` as a 2-D float64 array (a 1-D input becomes a single column)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"X must be a 1-D or 2-D array, got {X.ndim} dimensions")
    return X


def _finite(**arrays: np.ndarray) -> None:
    """Raise ``ValueError`` naming the first array with a NaN or infinite value."""
    for name, a in arrays.items():
        bad = int(a.size - np.isfinite(a).sum())
        if bad:
            raise ValueError(f"{name} has {bad} missing or infinite value(s); drop those rows first")


def _check_rank(r: np.ndarray, n: int) -> None:
    """Raise ``ValueError`` if the triangular factor ``r`` shows a numerically rank-deficient design."""
    k = r.shape[1]
    if k == 0:
        return
    diag = np.abs(np.diag(r))
    tol = max(n, k) * np.finfo(np.float64).eps * diag.max()
    if diag.min() <= tol:
        raise ValueError(
            "the design matrix is rank deficient (collinear columns, e.g. a constant covariate or a "
            "group with no observations); remove redundant covariates or check the sample"
        )


def _qr_r(X: np.ndarray) -> np.ndarray:
    """Return the upper-triangular factor ``R`` of the economic QR decomposition ``X = QR``.

    Raises ``ValueError`` when ``X`` is numerically rank deficient (collinear columns).
    """
    n, k = X.shape
    if n < k:
        raise ValueError(f"too few observations: n={n} rows for k={k} parameters")
    r = np.linalg.qr(X, mode="r")
    _check_rank(r, n)
    return r


def _bread_times(r: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Return ``(X'X)^{-1} @ m`` by two solves with the k x k factor ``R`` (``X'X = R'R``, never formed)."""
    return np.linalg.solve(r, np.linalg.solve(r.T, m))


def ols(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ordinary least squares by a QR decomposition.

    Solves ``min_b ||y - X b||^2`` as ``b = R^{-1} Q' y`` with ``X = QR`` (Householder QR via LAPACK,
    ``numpy.linalg.qr``), which avoids forming ``X'X`` and is numerically stable (Golub & Van Loan,
    *Matrix Computations*, ch. 5, least squares by QR).

    Parameters
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n,)``.
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``, full column rank, ``n >= k``.

    Returns
    -------
    beta : numpy.ndarray
        Coefficients, shape ``(k,)``.
    resid : numpy.ndarray
        Residuals ``y - X beta``, shape ``(n,)``.

    Raises
    ------
    ValueError
        If shapes disagree, values are not finite, ``n < k`` or ``X`` is rank deficient.
    """
    X = _as_design(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} rows but X has {X.shape[0]}")
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        raise ValueError("y and X must not contain NaN or infinite values; drop missing rows first")
    n, k = X.shape
    if n < k:
        raise ValueError(f"too few observations: n={n} rows for k={k} parameters")
    q, r = np.linalg.qr(X, mode="reduced")
    _check_rank(r, n)
    beta = np.linalg.solve(r, q.T @ y)
    resid = y - X @ beta
    return beta, resid


def vcov_hc1(X: np.ndarray, resid: np.ndarray) -> np.ndarray:
    r"""Heteroskedasticity-robust (HC1) covariance matrix of OLS coefficients.

    .. math::

        \hat V_{HC1} = \frac{n}{n-k} (X'X)^{-1} \Big(\sum_{i=1}^n \hat e_i^2 x_i x_i'\Big) (X'X)^{-1}

    This is White's sandwich estimator with the ``n/(n-k)`` degrees-of-freedom scaling, called HC1 by
    MacKinnon & White (1985); it is Stata's ``regress, vce(robust)`` ([R] regress; [U] 20.22 "Obtaining
    robust variance estimates") and statsmodels' ``OLS.fit(cov_type='HC1')``. Use a t distribution with
    ``n - k`` degrees of freedom for tests, as Stata does.

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``, full column rank.
    resid : numpy.ndarray
        OLS residuals, shape ``(n,)``.

    Returns
    -------
    numpy.ndarray
        Covariance matrix, shape ``(k, k)``.

    Raises
    ------
    ValueError
        When ``resid`` and ``X`` differ in rows, either holds a NaN or infinite value (the message names it), or
        there are no more observations than coefficients (n <= k).

    References
    ----------
    MacKinnon, J. G. and White, H. (1985). *Journal of Econometrics* 29(3), 305-325.
    """
    X = _as_design(X)
    e = np.asarray(resid, dtype=np.float64).ravel()
    n, k = X.shape
    if e.shape[0] != n:
        raise ValueError(f"resid has {e.shape[0]} rows but X has {n}")
    _finite(X=X, resid=e)
    if n <= k:
        raise ValueError(f"too few observations for HC1: n={n} must exceed k={k}")
    r = _qr_r(X)
    # (X'X)^{-1} X' diag(e) = rows of scores mapped through the bread; V = c * W W'.
    w = _bread_times(r, (X * e[:, None]).T)
    return (n / (n - k)) * (w @ w.T)


def _cluster_sums(scores: np.ndarray, codes: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum the rows of ``scores`` (shape ``(n, k)``) within clusters; O(n k) via ``np.bincount``."""
    return np.column_stack(
        [np.bincount(codes, weights=scores[:, j], minlength=n_clusters) for j in range(scores.shape[1])]
    )


def vcov_crv1(X: np.ndarray, resid: np.ndarray, cluster_codes: np.ndarray) -> np.ndarray:
    r"""Cluster-robust (CRV1) covariance matrix of OLS coefficients.

    .. math::

        \hat V_{CRV1} = \frac{G}{G-1}\,\frac{n-1}{n-k}\,(X'X)^{-1}
        \Big(\sum_{g=1}^G \hat u_g \hat u_g'\Big)(X'X)^{-1},
        \qquad \hat u_g = \sum_{i \in g} x_i \hat e_i

    This is the Liang-Zeger sandwich with Stata's small-sample factor, i.e. ``regress, vce(cluster c)``
    ([R] regress, Methods and formulas; [U] 20.22) and statsmodels'
    ``OLS.fit(cov_type='cluster', cov_kwds={'groups': codes})``, often called CRV1; see Cameron & Miller
    (2015) for the estimator, its finite-sample factor and its limits with few clusters. Use a t
    distribution with ``G - 1`` degrees of freedom for tests (Stata's and statsmodels' default, which
    Cameron & Miller 2015 recommend over the normal).

    The cluster score sums are computed with ``np.bincount`` per column, which is O(n k).

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``, full column rank.
    resid : numpy.ndarray
        OLS residuals, shape ``(n,)``.
    cluster_codes : numpy.ndarray
        Cluster membership of each row. Integer codes ``0..G-1`` are used directly; any other values
        (e.g. strings) are factorised with ``np.unique``.

    Returns
    -------
    numpy.ndarray
        Covariance matrix, shape ``(k, k)``.

    Raises
    ------
    ValueError
        If there are fewer than 2 clusters, ``n <= k``, or ``X`` or ``resid`` holds a NaN or infinite value (the
        message names it).

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). "A Practitioner's Guide to Cluster-Robust Inference."
    *Journal of Human Resources* 50(2), 317-372.
    """
    X = _as_design(X)
    e = np.asarray(resid, dtype=np.float64).ravel()
    n, k = X.shape
    codes, n_clusters = _codes(cluster_codes)
    if e.shape[0] != n or codes.shape[0] != n:
        raise ValueError(f"X ({n} rows), resid ({e.shape[0]}) and cluster_codes ({codes.shape[0]}) disagree")
    _finite(X=X, resid=e)
    if n_clusters < 2:
        raise ValueError(f"at least 2 clusters are needed for CRV1, found {n_clusters}")
    if n <= k:
        raise ValueError(f"too few observations for CRV1: n={n} must exceed k={k}")
    r = _qr_r(X)
    u = _cluster_sums(X * e[:, None], codes, n_clusters)  # (G, k)
    w = _bread_times(r, u.T)  # (k, G) = (X'X)^{-1} U'
    factor = n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
    return factor * (w @ w.T)


def vcov_crv3(X: np.ndarray, y: np.ndarray, cluster_codes: np.ndarray) -> np.ndarray:
    r"""Cluster-jackknife (CRV3) covariance matrix of OLS coefficients.

    .. math::

        \hat V_{CRV3} = \frac{G-1}{G} \sum_{g=1}^G (\hat\beta^{(g)} - \hat\beta)(\hat\beta^{(g)} - \hat\beta)',
        \qquad \hat\beta^{(g)} = (X'X - X_g'X_g)^{-1}(X'y - X_g'y_g),

    where :math:`\hat\beta^{(g)}` is the OLS estimate with cluster ``g`` left out. MacKinnon, Nielsen and Webb
    (2023) recommend it beside CRV1 when clusters are few or unequal in size: CRV1 is biased downwards when some
    clusters have high leverage, CRV3 is (slightly) conservative, and a large gap between the two warns that
    inference rests on a few influential clusters. Centred at :math:`\hat\beta` (their CRV3; pyfixest's
    ``vcov={"CRV3": cluster}`` is the same sum, multiplied by its small-sample factor instead of
    :math:`(G-1)/G`). Use a t distribution with ``G - 1`` degrees of freedom, as for CRV1. Units: squared units of
    ``y`` per squared unit of the columns of ``X``.

    Parameters
    ----------
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``, full column rank.
    y : numpy.ndarray
        Outcome, shape ``(n,)``.
    cluster_codes : numpy.ndarray
        Cluster membership of each row, shape ``(n,)`` (integer codes or labels, as for :func:`vcov_crv1`).

    Returns
    -------
    numpy.ndarray
        Covariance matrix, shape ``(k, k)``.

    Raises
    ------
    ValueError
        When ``X`` or ``y`` holds NaN or infinite values, shapes disagree, there are fewer than 2 clusters, ``X``
        is rank deficient, or leaving out some cluster makes it rank deficient (e.g. the only cluster with a
        treated unit): that cluster's coefficients are not identified and CRV3 does not exist.

    References
    ----------
    MacKinnon, J. G., Nielsen, M. Ø. and Webb, M. D. (2023). "Cluster-robust inference: A guide to empirical
    practice." *Journal of Econometrics* 232(2), 272-299, section 4; Bell, R. M. and McCaffrey, D. F. (2002).
    *Survey Methodology* 28(2), 169-181; pyfixest ``Feols._vcov_crv3_fast``.
    """
    X = _as_design(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    n, k = X.shape
    codes, n_clusters = _codes(cluster_codes)
    if y.shape[0] != n or codes.shape[0] != n:
        raise ValueError(f"X ({n} rows), y ({y.shape[0]}) and cluster_codes ({codes.shape[0]}) disagree")
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        raise ValueError("y and X must not contain NaN or infinite values; drop missing rows first")
    if n_clusters < 2:
        raise ValueError(f"at least 2 clusters are needed for CRV3, found {n_clusters}")
    beta, _ = ols(y, X)
    xtx, xty = X.T @ X, X.T @ y
    xgx = np.zeros((n_clusters, k, k))
    np.add.at(xgx, codes, X[:, :, None] * X[:, None, :])
    xgy = _cluster_sums(X * y[:, None], codes, n_clusters)  # (G, k)
    dev = np.empty((n_clusters, k))
    for g in range(n_clusters):
        a = xtx - xgx[g]
        if np.linalg.matrix_rank(a) < k:
            raise ValueError(
                f"leaving out cluster {g} makes the design rank deficient (e.g. it holds every unit of a group), "
                "so the cluster jackknife (CRV3) does not exist"
            )
        dev[g] = np.linalg.solve(a, xty - xgy[g]) - beta
    return (n_clusters - 1) / n_clusters * (dev.T @ dev)


def _codes(cluster_codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Return dense integer codes ``0..G-1`` and ``G`` for arbitrary cluster labels."""
    c = np.asarray(cluster_codes).ravel()
    if c.dtype.kind in "iu" and c.size and c.min() >= 0:
        counts = np.bincount(c)
        if (counts > 0).all():
            return c.astype(np.intp, copy=False), counts.size
    uniques, inverse = np.unique(c, return_inverse=True)
    return inverse.astype(np.intp, copy=False).ravel(), uniques.size


def t_critical(df: float, alpha: float = 0.05) -> float:
    r"""Two-sided critical value :math:`t_{df,\,1-\alpha/2}` of Student's t distribution.

    Computed with ``scipy.special.stdtrit`` (the function behind ``scipy.stats.t.ppf``, without importing
    ``scipy.stats``, about 0.7 s per kernel).

    Parameters
    ----------
    df : float
        Degrees of freedom, ``> 0`` (``n - k`` for HC1, ``G - 1`` for CRV1, ``n - 1`` for a mean).
    alpha : float, default 0.05
        Significance level, ``0 < alpha < 1``; the value is the ``1 - alpha/2`` quantile.

    Returns
    -------
    float
        The quantile ``t`` with :math:`P(T_{df} \le t) = 1 - \alpha/2` (dimensionless).

    Notes
    -----
    Invalid ``df`` or ``alpha`` give NaN, as ``scipy.special.stdtrit`` does; :func:`t_inference` checks them.

    References
    ----------
    Student (1908). "The probable error of a mean." *Biometrika* 6(1), 1-25; SciPy ``scipy.special.stdtrit``.
    """
    return float(special.stdtrit(df, 1.0 - alpha / 2.0))


def t_inference(estimate: float, se: float, df: int, alpha: float = 0.05) -> tuple[float, float, float]:
    r"""Confidence interval and two-sided p-value of an estimate from a t reference distribution.

    The one t interval of the package (estimators, clustered regressions, means):

    .. math::

        \mathrm{ci} = \hat\theta \mp t_{df,\,1-\alpha/2}\,\mathrm{se}, \qquad
        p = 2\,P\big(T_{df} > |\hat\theta / \mathrm{se}|\big),

    with :func:`t_critical` and ``scipy.special.stdtr`` (the functions behind ``scipy.stats.t.ppf`` and
    ``t.sf``; the survival function is accurate for small p). This matches Stata's ``regress`` output and
    statsmodels' ``use_t=True`` inference.

    Parameters
    ----------
    estimate : float
        Point estimate :math:`\hat\theta`, in the outcome's units.
    se : float
        Its standard error, same units (``> 0``; ``0`` gives a degenerate interval and p = 0, or NaN if the
        estimate is 0).
    df : int
        Degrees of freedom (``n - k`` for HC1, ``G - 1`` for CRV1).
    alpha : float, default 0.05
        Significance level, ``0 < alpha < 1``; the interval has coverage ``1 - alpha``.

    Returns
    -------
    ci_low : float
        Lower bound ``estimate - t * se`` (outcome units).
    ci_high : float
        Upper bound ``estimate + t * se`` (outcome units).
    p_value : float
        Two-sided p-value of :math:`H_0: \theta = 0`, in ``[0, 1]``.

    Raises
    ------
    ValueError
        If ``alpha`` is not strictly between 0 and 1 or ``df < 1``.

    References
    ----------
    StataCorp. *Stata Base Reference Manual*, [R] regress, Methods and formulas; Cameron, A. C. and Miller,
    D. L. (2015). *Journal of Human Resources* 50(2), 317-372 (t with G - 1 degrees of freedom when clustered).
    """
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1, got {alpha}")
    if df < 1:
        raise ValueError(f"degrees of freedom must be at least 1, got {df}")
    estimate = float(estimate)
    se = float(se)
    half = t_critical(df, alpha) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = np.float64(estimate) / np.float64(se)
    p_value = float(2.0 * special.stdtr(df, -np.abs(tstat)))  # = 2 scipy.stats.t.sf(|t|, df)
    return estimate - half, estimate + half, p_value
