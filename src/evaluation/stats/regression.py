"""Small regression helpers shared by the inference modules: the first-difference table and clustered OLS/WLS.

Pure functions of arrays and tables; the numbers follow :mod:`evaluation.stats.inference` (CRV1 with Stata's
small-sample factor, t with ``G - 1`` degrees of freedom), so a coefficient here equals the one of
:func:`evaluation.stats.estimators.did` on the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special  # t/F/normal functions without importing scipy.stats (~0.7 s per kernel)

from evaluation.core.config import DesignSettings
from evaluation.stats.inference import ols, vcov_crv1, vcov_hc1

__all__ = ["ClusteredFit", "cluster_codes", "clustered_ols", "first_differences", "region_dummies", "wald_test"]


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
        """Estimate, SE, t-based CI and p-value of coefficient ``j``."""
        b, s = float(self.beta[j]), float(self.se[j])
        crit = float(special.stdtrit(self.df, 1 - alpha / 2))
        p = float(2 * special.stdtr(self.df, -abs(b / s))) if s > 0 else float("nan")
        return {"estimate": b, "se": s, "ci_low": b - crit * s, "ci_high": b + crit * s, "p_value": p}


def cluster_codes(values: Sequence[object] | np.ndarray | pd.Series) -> np.ndarray:
    """Dense integer codes ``0..G-1`` of cluster labels (sorted order)."""
    _, inv = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
    return inv.astype(np.intp).ravel()


def clustered_ols(
    y: np.ndarray, X: np.ndarray, codes: np.ndarray | None = None, weights: np.ndarray | None = None
) -> ClusteredFit:
    r"""OLS, or WLS with ``weights``, with CRV1 covariance by ``codes`` (HC1 when ``codes`` is None).

    WLS is OLS of :math:`\sqrt{w_i} y_i` on :math:`\sqrt{w_i} x_i`; its sandwich uses the transformed scores
    :math:`\sum_{i\in g} w_i x_i \hat e_i`, as statsmodels' ``WLS.fit(cov_type='cluster')`` does.
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
    :math:`F(q, n-k)` otherwise. Returns ``(F, p_value, q, df_denominator)``.
    """
    idx = list(idx)
    b = fit.beta[idx]
    v = fit.vcov[np.ix_(idx, idx)]
    q = len(idx)
    f = float(b @ np.linalg.pinv(v) @ b / q)
    return f, float(special.fdtrc(q, fit.df, f)), q, fit.df


def region_dummies(regions: pd.Series | np.ndarray) -> np.ndarray:
    """Indicator columns for every region but the first (sorted); an ``(n, 0)`` array for one region."""
    r = np.asarray(regions, dtype=object).astype(str)
    levels = sorted(set(r))
    if len(levels) < 2:
        return np.empty((r.size, 0))
    return np.column_stack([(r == lv).astype(float) for lv in levels[1:]])


def first_differences(
    panel: pd.DataFrame,
    outcome: str,
    design: DesignSettings,
    after: str | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """One row per unit observed with a non-missing ``outcome`` at baseline and at ``after`` (default endline).

    Columns: ``unit``, ``y_before``, ``y_after``, ``d`` (= after - before), ``treated``, ``cluster`` and the
    baseline values of ``keep`` (roster and programme columns). These are the rows
    :func:`evaluation.stats.estimators.did` uses.
    """
    after = design.after if after is None else after
    period = panel[design.period].to_numpy()
    base = panel[period == design.before]
    end = panel[period == after]
    pos = pd.Index(end[design.unit].to_numpy()).get_indexer(base[design.unit].to_numpy())
    y0 = base[outcome].to_numpy(dtype=float, na_value=np.nan)
    y1_all = end[outcome].to_numpy(dtype=float, na_value=np.nan)
    y1 = np.where(pos >= 0, y1_all[np.maximum(pos, 0)] if y1_all.size else np.nan, np.nan)
    ok = ~np.isnan(y0) & ~np.isnan(y1)
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
