r"""Lee (2009) bounds on the DiD effect under attrition, with Imbens-Manski (2004) confidence intervals.

If the programme can only make families more (or only less) likely to be observed (monotonicity), the share
:math:`q = (p_{hi} - p_{lo})/p_{hi}` of the better-observed group are "extra" respondents. Trimming that share from
the top (bottom) of its outcome distribution gives the lower (upper) bound of the effect on always-respondents. The
outcome is the change :math:`\Delta y_i` (endline minus baseline, so the bounds are bounds on the DiD effect) among
families whose baseline value is known; "observed" means the endline value is known. Fractional trimming at the
cut point uses weights, so the bounds are exact for any :math:`q`. The interval for the identified set follows
Imbens and Manski (2004, *Econometrica* 72(6)), with cluster-bootstrap standard errors of the two bounds.

Split from :mod:`evaluation.stats.attrition` (which re-exports every name) to keep modules under 500 lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.degenerate import outcome_degeneracy, require_finite
from evaluation.stats.regression import clustered_by

__all__ = ["LeeBounds", "imbens_manski", "lee_bounds", "lee_bounds_did", "trimmed_mean"]


def trimmed_mean(y: np.ndarray, w: np.ndarray, share: float, tail: str) -> float:
    """Weighted mean of ``y`` after removing the ``share`` of total weight from the ``tail``.

    The observation at the cut keeps the fraction of its weight that lies inside, so the trimming is exact.

    Parameters
    ----------
    y : numpy.ndarray
        Values, shape ``(n,)``.
    w : numpy.ndarray
        Non-negative weights, shape ``(n,)``.
    share : float
        Share of total weight removed, in ``[0, 1)``.
    tail : {"top", "bottom"}
        Which end is removed.

    Returns
    -------
    float
        The trimmed weighted mean, in the units of ``y``.

    References
    ----------
    Lee, D. S. (2009). *Review of Economic Studies* 76(3), 1071-1102.
    """
    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    order = np.argsort(y if tail == "top" else -y, kind="mergesort")
    ys, ws = y[order], w[order]
    keep = (1.0 - share) * ws.sum()
    cum = np.cumsum(ws)
    kept = np.clip(keep - (cum - ws), 0.0, ws)  # weight of each observation inside the kept mass
    return float(np.sum(kept * ys) / np.sum(kept))


@dataclass(frozen=True)
class LeeBounds:
    """Lee (2009) bounds on the effect, the trimming share and the trimmed group."""

    lower: float
    upper: float
    trim_share: float
    trimmed_group: str  # "prokus" or "comparison"
    observed_prokus: float
    observed_comparison: float


def lee_bounds(
    y: np.ndarray, treated: np.ndarray, observed: np.ndarray, weights: np.ndarray | None = None
) -> LeeBounds:
    """Lee bounds of the difference in means (treated - comparison) under monotone selection.

    Parameters
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n,)``; any value where ``observed`` is False.
    treated : numpy.ndarray
        0/1 or bool treatment indicator, shape ``(n,)``.
    observed : numpy.ndarray
        Whether the outcome is observed (not attrited), shape ``(n,)``.
    weights : numpy.ndarray, optional
        Frequency weights, shape ``(n,)`` (the bootstrap); default all 1.

    Returns
    -------
    LeeBounds
        Lower and upper bound (units of ``y``), the trimming share (0-1) and the trimmed group.

    References
    ----------
    Lee, D. S. (2009). "Training, wages, and sample selection: Estimating sharp bounds on treatment effects."
    *Review of Economic Studies* 76(3), 1071-1102.
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated).astype(bool)
    s = np.asarray(observed).astype(bool)
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    p_t = w[t & s].sum() / w[t].sum()
    p_c = w[~t & s].sum() / w[~t].sum()
    mt, mc = t & s, ~t & s
    if p_t >= p_c:
        q = (p_t - p_c) / p_t
        mean_c = float(np.average(y[mc], weights=w[mc]))
        lo = trimmed_mean(y[mt], w[mt], q, "top") - mean_c
        hi = trimmed_mean(y[mt], w[mt], q, "bottom") - mean_c
        grp = "prokus"
    else:
        q = (p_c - p_t) / p_c
        mean_t = float(np.average(y[mt], weights=w[mt]))
        lo = mean_t - trimmed_mean(y[mc], w[mc], q, "bottom")
        hi = mean_t - trimmed_mean(y[mc], w[mc], q, "top")
        grp = "comparison"
    return LeeBounds(float(lo), float(hi), float(q), grp, float(p_t), float(p_c))


def imbens_manski(
    lower: float, upper: float, se_lower: float, se_upper: float, alpha: float = 0.05
) -> tuple[float, float]:
    r"""Imbens-Manski (2004) confidence interval for the identified set :math:`[\theta_l, \theta_u]`.

    :math:`[\hat\theta_l - c\,\sigma_l, \hat\theta_u + c\,\sigma_u]` with :math:`c` solving
    :math:`\Phi(c + \hat\Delta/\max(\sigma_l, \sigma_u)) - \Phi(-c) = 1 - \alpha`, :math:`\hat\Delta` the width.

    Parameters
    ----------
    lower : float
        Estimated lower bound.
    upper : float
        Estimated upper bound (same units).
    se_lower : float
        Standard error of the lower bound.
    se_upper : float
        Standard error of the upper bound.
    alpha : float, default 0.05
        The interval covers the true parameter with probability ``1 - alpha``.

    Returns
    -------
    ci_low : float
        Lower end of the interval.
    ci_high : float
        Upper end of the interval.

    Raises
    ------
    ValueError
        When a bound or standard error is missing (NaN) or infinite (the message names it).

    References
    ----------
    Imbens, G. W. and Manski, C. F. (2004). *Econometrica* 72(6), 1845-1857.
    """
    require_finite(lower=lower, upper=upper, se_lower=se_lower, se_upper=se_upper)
    smax = max(se_lower, se_upper)
    width = max(upper - lower, 0.0)
    if smax <= 0:
        return lower, upper
    f = lambda c: stats.norm.cdf(c + width / smax) - stats.norm.cdf(-c) - (1 - alpha)  # noqa: E731
    c = optimize.brentq(f, 0.0, 10.0)
    return lower - c * se_lower, upper + c * se_upper


def _trimmed_means(ys: np.ndarray, W: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Row-wise :func:`trimmed_mean` of sorted ``ys`` (trimming the end) with weights ``W`` (B, n), shares (B,)."""
    cum = np.cumsum(W, axis=1)
    keep = (1.0 - share) * cum[:, -1]
    kept = np.clip(keep[:, None] - (cum - W), 0.0, W)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (kept @ ys) / kept.sum(axis=1)


def _lee_bootstrap(y: np.ndarray, t: np.ndarray, obs: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`lee_bounds` for every row of frequency weights ``W`` (B, n) at once; NaN where a cell is empty."""
    tb, sb = t.astype(bool), obs.astype(bool)
    wt, wc = W[:, tb].sum(axis=1), W[:, ~tb].sum(axis=1)
    wto, wco = W[:, tb & sb].sum(axis=1), W[:, ~tb & sb].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_t, p_c = wto / wt, wco / wc
        mean = {True: (W[:, tb & sb] @ y[tb & sb]) / wto, False: (W[:, ~tb & sb] @ y[~tb & sb]) / wco}
    trim_t = p_t >= p_c
    q = np.where(trim_t, (p_t - p_c) / p_t, (p_c - p_t) / p_c)
    out = []
    for grp in (True, False):
        m = (tb == grp) & sb
        order = np.argsort(y[m], kind="mergesort")
        ys, Ws = y[m][order], W[:, m][:, order]
        out.append((_trimmed_means(ys, Ws, q), _trimmed_means(ys[::-1], Ws[:, ::-1], q)))  # (drop top, drop bottom)
    (t_top, t_bot), (c_top, c_bot) = out
    lower = np.where(trim_t, t_top - mean[False], mean[True] - c_bot)
    upper = np.where(trim_t, t_bot - mean[False], mean[True] - c_top)
    return lower, upper


def _lee_sample(panel: pd.DataFrame, outcome: str, design: DesignSettings) -> pd.DataFrame:
    base = panel.loc[panel[design.period] == design.before, [design.unit, outcome, "treated", design.cluster]]
    base = base[base[outcome].notna()].set_index(design.unit)
    end = panel.loc[panel[design.period] == design.after, [design.unit, outcome]].set_index(design.unit)[outcome]
    y1 = end.reindex(base.index).astype(float)
    return pd.DataFrame(
        {
            "d": (y1 - base[outcome].astype(float)).to_numpy(),
            "observed": y1.notna().to_numpy(),
            "treated": base["treated"].to_numpy(int),
            "cluster": base[design.cluster].astype(str).to_numpy(),
        }
    )


def lee_bounds_did(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    *,
    n_boot: int,
    seed: int,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Lee bounds on the DiD effect of each outcome with Imbens-Manski intervals (cluster bootstrap SEs).

    One set of cluster resampling counts (``np.random.default_rng([seed, 300])``) is used for every outcome.

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
    n_boot : int
        Cluster bootstrap draws.
    seed : int
        Seed of the draws.
    cluster : str, optional
        Column whose labels are resampled by the cluster bootstrap; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome: bounds, trimming share, trimmed group, bootstrap SEs and interval (outcome units).
        A degenerate outcome (:mod:`evaluation.stats.degenerate`: no data in a wave, no variation) has no row.
    keys : dict
        ``<scope>.<outcome>.lee.{lower, upper, trim_share, trimmed_group, ci_low, ci_high}``.

    Raises
    ------
    ValueError
        When the Imbens-Manski root cannot be bracketed (``scipy.optimize.brentq``).

    References
    ----------
    Lee (2009); Imbens and Manski (2004).
    """
    design = clustered_by(design, cluster)
    clusters = np.unique(panel[design.cluster].astype(str))
    rng = np.random.default_rng([seed, 300])
    counts = rng.multinomial(clusters.size, np.full(clusters.size, 1 / clusters.size), size=n_boot)  # (B, G)
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        if outcome_degeneracy(panel, outcome, design) is not None:
            continue  # not estimable (evaluation.stats.degenerate); the DiD section says why
        s = _lee_sample(panel, outcome, design)
        if s["treated"].nunique() < 2:
            continue
        y = np.nan_to_num(s["d"].to_numpy(float))
        t, obs = s["treated"].to_numpy(int), s["observed"].to_numpy(bool)
        est = lee_bounds(y, t, obs)
        idx = np.searchsorted(clusters, s["cluster"].to_numpy())
        lows, highs = _lee_bootstrap(y, t, obs, counts[:, idx].astype(float))
        se_l, se_u = float(np.nanstd(lows, ddof=1)), float(np.nanstd(highs, ddof=1))
        ci_low, ci_high = float("nan"), float("nan")  # no interval when a bound has no bootstrap spread
        if np.isfinite([est.lower, est.upper, se_l, se_u]).all():
            ci_low, ci_high = imbens_manski(est.lower, est.upper, se_l, se_u, design.alpha)
        row = {
            "outcome": outcome,
            "lower": est.lower,
            "upper": est.upper,
            "trim_share": est.trim_share,
            "trimmed_group": est.trimmed_group,
            "se_lower": se_l,
            "se_upper": se_u,
            "ci_low": ci_low,
            "ci_high": ci_high,
        }
        rows.append(row)
        for k in ("lower", "upper", "trim_share", "trimmed_group", "ci_low", "ci_high"):
            if not (isinstance(row[k], float) and not np.isfinite(row[k])):  # no key rather than NaN
                keys[key(scope, outcome, "lee", k)] = row[k]
    columns = ["outcome", "lower", "upper", "trim_share", "trimmed_group", "se_lower", "se_upper", "ci_low", "ci_high"]
    return pd.DataFrame(rows, columns=columns), keys  # the columns even when no outcome is estimable
