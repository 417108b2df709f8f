"""Fitting cores of the estimators (:mod:`evaluation.stats.estimators`): one OLS step, one group-sum step.

:func:`_fit` runs OLS (:func:`evaluation.stats.inference.ols`) and reports one coefficient with HC1 or CRV1
inference; :func:`_fit_group_sums` gives the same numbers for a panel without covariates by the O(N) closed forms
of :mod:`evaluation.stats.group_sums`. Both build the :class:`~evaluation.stats.results.Estimate`. Internal to the
estimators (as ``linearmodels.panel.model``'s private helpers are), hence the leading underscores.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from evaluation.stats.degenerate import Degeneracy, NotEstimable
from evaluation.stats.estimator_inputs import _Panel
from evaluation.stats.group_sums import paired_mean, two_group_difference
from evaluation.stats.inference import ols, t_inference, vcov_crv1, vcov_hc1
from evaluation.stats.results import Estimate


def _check_variation(y: np.ndarray, outcome: str) -> None:
    """Raise :class:`NotEstimable` (``no_variation``) when the dependent variable takes one value.

    OLS would then report a zero standard error and a zero-width interval, which is no inference at all.
    """
    if y.size and np.ptp(y) == 0:
        raise NotEstimable(
            "no_variation", f"{outcome!r} did not vary: every observation used has the same value {float(y[0]):g}"
        )


def _check_arm_clusters(codes: np.ndarray | None, treated: np.ndarray, outcome: str) -> None:
    """Raise :class:`NotEstimable` (``arm_in_one_cluster``) when the sample has clusters but an arm lies in one.

    ``codes`` are the cluster codes of the estimation sample (None: no clustering, nothing to check), ``treated``
    the 0/1 arm of each row. With fewer than two clusters in all the estimators' own "at least 2 clusters" error
    applies (reason ``one_cluster``). With one village per arm the residuals sum to zero within each village, so
    the CRV1 standard error is zero up to rounding and the p-value a meaningless "p < 0.0001"
    (:mod:`evaluation.stats.degenerate`).
    """
    if codes is None or np.unique(codes).size < 2:
        return
    for arm, name in ((1.0, "prokus"), (0.0, "comparison")):
        in_arm = treated == arm
        if in_arm.any() and np.unique(codes[in_arm]).size < 2:
            raise Degeneracy(outcome, "arm_in_one_cluster", arm=name).error()


def _check_panel_variation(panel: _Panel, d: np.ndarray, treated_unit: np.ndarray | None, outcome: str) -> None:
    """Raise :class:`NotEstimable` when a panel's outcome, or its change within each arm, does not vary.

    ``no_variation``: every unit has the same value in both periods; ``no_variation_in_change``: the change
    ``d`` is the same for every unit of each arm, so the estimate is exact and has no standard error.
    """
    if not d.size:
        return
    if np.ptp(panel.y_before) == 0 and np.ptp(panel.y_after) == 0 and panel.y_before[0] == panel.y_after[0]:
        raise NotEstimable("no_variation", f"{outcome!r} did not vary: every unit has the same value in both periods")
    arms = [d] if treated_unit is None else [d[treated_unit == g] for g in (0, 1)]
    if all(a.size and np.ptp(a) == 0 for a in arms):
        raise NotEstimable(
            "no_variation_in_change", f"the change of {outcome!r} is the same for every unit of each group"
        )


def _fit(
    y: np.ndarray,
    X: np.ndarray,
    coef: int,
    cluster_codes: np.ndarray | None,
    *,
    cluster: str | None,
    alpha: float,
    method: str,
    outcome: str,
    design: str,
    n_obs: int,
    n_units: int,
    n_dropped: int,
    names: Sequence[str],
    weights: np.ndarray | None = None,
) -> Estimate:
    r"""OLS of ``y`` on ``X`` (WLS with ``weights``); report coefficient ``coef`` with HC1 or CRV1 inference.

    With sampling weights :math:`w_i` the fit is weighted least squares, run as OLS of :math:`\sqrt{w_i} y_i` on
    :math:`\sqrt{w_i} x_i`; the sandwich of the transformed problem is statsmodels'
    ``WLS(y, X, weights=w).fit(cov_type='HC1' | 'cluster', use_t=True)`` and Stata's ``regress [pweight=w],
    vce(robust | cluster)``: scores :math:`w_i x_i \hat e_i`, the same small-sample factors and degrees of
    freedom as without weights.
    """
    n, k = X.shape
    if n <= k:
        raise ValueError(
            f"too few observations for {method}: {n} observation(s) left after dropping missing values, "
            f"but the regression has {k} parameters ({', '.join(names)}); it needs more than {k} "
            "(add data or remove covariates)"
        )
    _check_variation(y, outcome)
    if weights is not None:
        sw = np.sqrt(np.asarray(weights, dtype=np.float64))
        y, X = y * sw, X * sw[:, None]
    beta, resid = ols(y, X)
    if cluster_codes is None:
        vcov = vcov_hc1(X, resid)
        df_resid, n_clusters, label = n - k, None, "HC1"
    else:
        _, dense = np.unique(cluster_codes, return_inverse=True)
        n_clusters = int(dense.max()) + 1 if dense.size else 0
        if n_clusters < 2:
            raise ValueError(
                f"cluster column {cluster!r} has {n_clusters} distinct value(s) in the estimation sample; "
                "cluster-robust (CRV1) standard errors need at least 2 clusters (and should have many more); "
                "use cluster=None for HC1 standard errors"
            )
        vcov = vcov_crv1(X, resid, dense.ravel())
        df_resid, label = n_clusters - 1, "CRV1"
    estimate = float(beta[coef])
    se = float(np.sqrt(vcov[coef, coef]))
    ci_low, ci_high, p_value = t_inference(estimate, se, df_resid, alpha)
    return Estimate(
        estimate=estimate,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        n_obs=int(n_obs),
        n_units=int(n_units),
        n_clusters=n_clusters,
        method=method,
        outcome=str(outcome),
        vcov=label,
        df_resid=int(df_resid),
        alpha=float(alpha),
        n_dropped=int(n_dropped),
        design=design,
    )


def _fit_group_sums(
    d: np.ndarray,
    treated_unit: np.ndarray | None,
    panel: _Panel,
    *,
    cluster: str | None,
    alpha: float,
    method: str,
    outcome: str,
    names: Sequence[str],
) -> Estimate:
    """The :func:`_fit` of a panel without covariates, by the O(N) group-sum closed forms.

    OLS of ``d`` on a constant (``treated_unit`` None) or on ``[1, treated]``, reported exactly as :func:`_fit`
    reports it (same checks and messages); :mod:`evaluation.stats.group_sums` states the formulas.
    """
    n = d.size
    k = len(names)
    if n <= k:
        raise ValueError(
            f"too few observations for {method}: {n} observation(s) left after dropping missing values, "
            f"but the regression has {k} parameters ({', '.join(names)}); it needs more than {k} "
            "(add data or remove covariates)"
        )
    _check_panel_variation(panel, d, treated_unit, outcome)
    try:
        if treated_unit is None:
            fit = paired_mean(d, panel.cluster, panel.n_levels)
        else:
            fit = two_group_difference(d, treated_unit, panel.cluster, panel.n_levels)
    except ValueError as exc:
        if panel.cluster is None or "clusters" not in str(exc):
            raise
        n_clusters = int(np.unique(panel.cluster).size)
        raise ValueError(
            f"cluster column {cluster!r} has {n_clusters} distinct value(s) in the estimation sample; "
            "cluster-robust (CRV1) standard errors need at least 2 clusters (and should have many more); "
            "use cluster=None for HC1 standard errors"
        ) from None
    ci_low, ci_high, p_value = t_inference(fit.estimate, fit.se, fit.df_resid, alpha)
    return Estimate(
        estimate=fit.estimate,
        se=fit.se,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        n_obs=int(2 * n),
        n_units=int(n),
        n_clusters=fit.n_clusters,
        method=method,
        outcome=str(outcome),
        vcov="HC1" if fit.n_clusters is None else "CRV1",
        df_resid=int(fit.df_resid),
        alpha=float(alpha),
        n_dropped=int(panel.n_dropped),
        design="panel",
    )
