"""Small regression helpers shared by the inference modules: the first-difference table and clustered OLS/WLS.

Pure functions of arrays and tables; the numbers follow :mod:`evaluation.stats.inference` (CRV1 with Stata's
small-sample factor, t with ``G - 1`` degrees of freedom), so a coefficient here equals the one of
:func:`evaluation.stats.estimators.did` on the same rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special  # t/F/normal functions without importing scipy.stats (~0.7 s per kernel)

from evaluation.core.config import DesignSettings
from evaluation.stats.inference import ols, t_inference, vcov_crv1, vcov_hc1

__all__ = [
    "ClusteredFit",
    "cluster_codes",
    "clustered_by",
    "clustered_ols",
    "dummies",
    "first_differences",
    "identified_dummies",
    "wald_test",
    "with_dummies",
]


@dataclass(frozen=True)
class ClusteredFit:
    """OLS (or WLS) coefficients with CRV1 (or HC1 when unclustered) covariance and t inference."""

    beta: np.ndarray
    vcov: np.ndarray
    resid: np.ndarray
    n_obs: int
    n_clusters: int | None
    df: int

    @property
    def se(self) -> np.ndarray:
        """Standard errors."""
        return np.sqrt(np.diag(self.vcov))

    def inference(self, j: int, alpha: float = 0.05) -> dict[str, float]:
        """Estimate, SE, t-based CI and p-value of coefficient ``j``.

        The interval is ``beta_j -/+ t_{df, 1-alpha/2} * se_j`` (:func:`evaluation.stats.inference.t_inference`).

        Parameters
        ----------
        j : int
            Column index of the coefficient in the design matrix.
        alpha : float, default 0.05
            One minus the confidence level.

        Returns
        -------
        dict
            ``estimate``, ``se``, ``ci_low``, ``ci_high`` (outcome units) and ``p_value`` (NaN when the SE is 0).
        """
        b, s = float(self.beta[j]), float(self.se[j])
        ci_low, ci_high, p = t_inference(b, s, self.df, alpha)
        if not s > 0:
            p = float("nan")
        return {"estimate": b, "se": s, "ci_low": ci_low, "ci_high": ci_high, "p_value": p}


def cluster_codes(values: Sequence[object] | np.ndarray | pd.Series) -> np.ndarray:
    """Dense integer codes ``0..G-1`` of cluster labels (labels sorted as strings).

    Parameters
    ----------
    values : sequence, numpy.ndarray or pandas.Series
        Cluster label of each row, length ``n``.

    Returns
    -------
    numpy.ndarray
        Codes, shape ``(n,)``, dtype ``intp``.

    Raises
    ------
    ValueError
        When a label is missing (None, NaN, ``pd.NA``): it would become a cluster of its own named "nan"; drop
        such rows first, as :func:`evaluation.stats.estimators.did` does.
    """
    missing = pd.isna(pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object))
    if missing.any():
        raise ValueError(
            f"values (cluster labels) has {int(missing.sum())} missing label(s), first at row "
            f"{int(np.flatnonzero(missing.to_numpy())[0])}; drop the rows without a cluster first"
        )
    _, inv = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return inv.astype(np.intp).ravel()


def clustered_ols(
    y: np.ndarray, X: np.ndarray, codes: np.ndarray | None = None, weights: np.ndarray | None = None
) -> ClusteredFit:
    r"""OLS, or WLS with ``weights``, with CRV1 covariance by ``codes`` (HC1 when ``codes`` is None).

    WLS is OLS of :math:`\sqrt{w_i} y_i` on :math:`\sqrt{w_i} x_i`; its sandwich uses the transformed scores
    :math:`\sum_{i\in g} w_i x_i \hat e_i`, as statsmodels' ``WLS.fit(cov_type='cluster')`` does.

    Parameters
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n,)``.
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``, full column rank.
    codes : numpy.ndarray, optional
        Integer cluster codes, shape ``(n,)`` (:func:`cluster_codes`); ``None`` for HC1.
    weights : numpy.ndarray, optional
        Non-negative analytic weights, shape ``(n,)``; ``None`` for OLS.

    Returns
    -------
    ClusteredFit
        Coefficients (shape ``(k,)``), covariance (``(k, k)``), residuals of the (transformed) fit, ``n_obs``,
        ``n_clusters`` and the degrees of freedom (``G - 1`` or ``n - k``).

    Raises
    ------
    ValueError
        When ``X`` is rank deficient, ``n <= k`` or there are fewer than 2 clusters.

    References
    ----------
    StataCorp, [R] regress, Methods and formulas; Cameron, A. C. and Miller, D. L. (2015). *Journal of Human
    Resources* 50(2), 317-372.
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if weights is not None:
        sw = np.sqrt(np.asarray(weights, dtype=float))
        y, X = y * sw, X * sw[:, None]
    beta, resid = ols(y, X)
    if codes is None:
        vcov = vcov_hc1(X, resid)
        return ClusteredFit(beta, vcov, resid, y.size, None, y.size - X.shape[1])
    g = int(np.unique(codes).size)
    return ClusteredFit(beta, vcov_crv1(X, resid, codes), resid, y.size, g, g - 1)


def wald_test(fit: ClusteredFit, idx: Sequence[int]) -> tuple[float, float, int, int]:
    r"""Joint test that the coefficients ``idx`` are all zero: :math:`F = \hat\beta_R' V_R^{-1} \hat\beta_R / q`.

    Reference distribution :math:`F(q, G-1)` when clustered (Stata's ``test`` after ``regress, vce(cluster)``),
    :math:`F(q, n-k)` otherwise.

    Parameters
    ----------
    fit : ClusteredFit
        The fitted regression.
    idx : sequence of int
        Indices of the ``q`` tested coefficients.

    Returns
    -------
    f_stat : float
        The Wald F statistic (a pseudo-inverse is used when :math:`V_R` is singular).
    p_value : float
        Upper-tail probability of the F distribution.
    df_num : int
        ``q``.
    df_den : int
        ``G - 1`` when clustered, else ``n - k``.

    References
    ----------
    StataCorp, *Stata Base Reference Manual*, [R] test, Methods and formulas.
    """
    idx = list(idx)
    b = fit.beta[idx]
    v = fit.vcov[np.ix_(idx, idx)]
    q = len(idx)
    f = float(b @ np.linalg.pinv(v) @ b / q)
    return f, float(special.fdtrc(q, fit.df, f)), q, fit.df


def dummies(levels: pd.Series | np.ndarray) -> np.ndarray:
    """Indicator columns of every level but the first (sorted as strings): the fixed effects of a factor.

    Parameters
    ----------
    levels : pandas.Series or numpy.ndarray
        The factor, shape ``(n,)`` (e.g. the column named by a ``fixed_effects=`` argument); values are compared
        as strings.

    Returns
    -------
    numpy.ndarray
        0/1 floats, shape ``(n, L - 1)`` for ``L`` levels; shape ``(n, 0)`` when there is a single level.

    References
    ----------
    Wooldridge, J. M. (2010). *Econometric Analysis of Cross Section and Panel Data*, 2nd ed., section 10.5
    (dummy-variable regression equals the within estimator).
    """
    r = np.asarray(levels, dtype=object).astype(str)
    names = sorted(set(r))
    if len(names) < 2:
        return np.empty((r.size, 0))
    return np.column_stack([(r == lv).astype(float) for lv in names[1:]])


def identified_dummies(fe: np.ndarray) -> np.ndarray:
    """Which columns of a block of 0/1 level indicators a regression with a constant can estimate.

    A level without any row left in the estimation sample (e.g. a region where an outcome has no data) gives an
    all-zero column; when the reference level (the one without a column) has no row left, the remaining indicators
    sum to one, like the constant. Both leave the design rank deficient, so the first is dropped, and in the second
    case also the first remaining column (that level becomes the reference). With every level present, every
    column is kept and the regression is unchanged.

    Parameters
    ----------
    fe : numpy.ndarray
        Indicators, shape ``(n, L)`` (as :func:`dummies` builds them), restricted to the estimation sample.

    Returns
    -------
    numpy.ndarray
        Bool, shape ``(L,)``: the columns to keep.
    """
    keep = fe.any(axis=0) if fe.shape[0] else np.zeros(fe.shape[1], dtype=bool)
    if keep.any() and np.all(fe[:, keep].sum(axis=1) == 1):
        keep[np.flatnonzero(keep)[0]] = False
    return keep


def with_dummies(table: pd.DataFrame, column: str | None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Add one 0/1 column per level of ``column`` but the first (sorted), to pass as covariates (fixed effects).

    Parameters
    ----------
    table : pandas.DataFrame
        Long table, shape ``(n, p)``.
    column : str or None
        The column whose levels get indicators; ``None`` adds nothing.

    Returns
    -------
    table : pandas.DataFrame
        A copy with the columns ``_fe_<level>`` added (``table`` itself when ``column`` is None or has fewer than
        two levels).
    names : tuple of str
        The added column names, in level order (empty when nothing was added).

    References
    ----------
    Wooldridge, J. M. (2010). *Econometric Analysis of Cross Section and Panel Data*, 2nd ed., section 10.5.
    """
    if column is None or table[column].nunique() < 2:
        return table, ()
    out = table.copy()
    cols = []
    for code in sorted(out[column].unique())[1:]:
        out[f"_fe_{code}"] = (out[column] == code).astype(float)
        cols.append(f"_fe_{code}")
    return out, tuple(cols)


def clustered_by(design: DesignSettings, cluster: str | None) -> DesignSettings:
    """The design with its cluster column replaced by ``cluster`` (unchanged when ``cluster`` is None).

    Parameters
    ----------
    design : DesignSettings
        Column names of unit, period, arms and cluster.
    cluster : str or None
        Column whose labels define the clusters of the CRV1 variance; ``None`` keeps ``design.cluster``.

    Returns
    -------
    DesignSettings
        ``design`` or a copy with ``cluster`` set.
    """
    return design if cluster is None else dataclasses.replace(design, cluster=cluster)


def first_differences(
    panel: pd.DataFrame,
    outcome: str,
    design: DesignSettings,
    after: str | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per unit observed with a non-missing ``outcome`` at baseline and at ``after`` (default endline).

    These are the rows :func:`evaluation.stats.estimators.did` uses (a unit without a cluster label is left out,
    as there).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table with a 0/1 ``treated`` column.
    outcome : str
        Outcome column.
    design : DesignSettings
        Column names of unit, period and cluster and the wave labels.
    after : str, optional
        Later wave label; default ``design.after``.
    keep : sequence of str, default ()
        Further columns whose baseline values are carried along (roster and programme columns).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit`` (str), ``y_before``, ``y_after``, ``d`` (= after - before, outcome units), ``treated``
        (0/1), ``cluster`` (str) and the ``keep`` columns; one row per complete unit with a cluster label, in
        baseline row order.

    Raises
    ------
    KeyError
        When a named column is missing.
    """
    after = design.after if after is None else after
    period = panel[design.period].to_numpy()
    base = panel[period == design.before]
    end = panel[period == after]
    pos = pd.Index(end[design.unit].to_numpy()).get_indexer(base[design.unit].to_numpy())
    y0 = base[outcome].to_numpy(dtype=float, na_value=np.nan)
    y1_all = end[outcome].to_numpy(dtype=float, na_value=np.nan)
    y1 = np.where(pos >= 0, y1_all[np.maximum(pos, 0)] if y1_all.size else np.nan, np.nan)
    ok = ~np.isnan(y0) & ~np.isnan(y1) & base[design.cluster].notna().to_numpy()  # did's rows: cluster known
    out = pd.DataFrame(
        {
            "unit": base[design.unit].to_numpy()[ok].astype(str),
            "y_before": y0[ok],
            "y_after": y1[ok],
            "treated": base["treated"].to_numpy()[ok].astype(int),
            "cluster": base[design.cluster].to_numpy()[ok].astype(str),
        }
    )
    out["d"] = out["y_after"] - out["y_before"]
    for c in keep:
        if c not in ("treated", design.cluster):
            out[c] = base[c].to_numpy()[ok]
    return out
