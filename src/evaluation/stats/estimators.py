"""Programme-effect estimators for long-format survey data (one row per unit and survey wave).

Four estimators, each returning an :class:`evaluation.stats.results.Estimate`:

- :func:`pre_post` -- before/after change of the same units (paired mean change);
- :func:`did` -- 2x2 difference-in-differences, on a panel (first differences) or on repeated
  cross-sections (interaction regression);
- :func:`diff_in_means` -- treated minus comparison mean of one cross-section;
- :func:`ancova` -- endline outcome regressed on treatment and the baseline outcome.

Every estimator is an OLS regression whose coefficient of interest is reported with a
heteroskedasticity-robust (HC1) or cluster-robust (CRV1) standard error and t-based inference, computed
by :mod:`evaluation.stats.inference` with the conventions of Stata's ``regress, vce(robust)`` /
``vce(cluster)`` and statsmodels' ``OLS.fit(cov_type='HC1' | 'cluster', use_t=True)``.

Missing data: rows with a missing outcome, covariate or cluster value are dropped and counted in
``Estimate.n_dropped`` (units for the panel designs, rows otherwise). Data errors (a missing column, a
non-0/1 treatment indicator, duplicate unit-period rows, an empty treatment or comparison group, fewer
than two clusters, too few observations) raise ``ValueError`` with a message naming the column. An outcome that
carries no information for the estimate (it does not vary, or its change is the same for every unit of each group)
raises :class:`evaluation.stats.degenerate.NotEstimable`, a ``ValueError`` with a reason code, instead of giving a
zero standard error and a zero-width interval.

The module is split as ``linearmodels`` splits its panel models: input checks and panel building in
:mod:`evaluation.stats.estimator_inputs`, the fitting cores in :mod:`evaluation.stats.estimator_fits`, the
public estimators here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from evaluation.stats.drdid import drdid_panel, influence_se
from evaluation.stats.estimator_fits import _check_arm_clusters, _check_panel_variation, _fit, _fit_group_sums
from evaluation.stats.estimator_inputs import (
    _as_tuple,
    _check_alpha,
    _check_frame,
    _check_groups,
    _cluster_codes,
    _float_values,
    _panel,
    _period_masks,
    _require_columns,
    _treated_values,
    _weight_values,
)
from evaluation.stats.inference import t_inference
from evaluation.stats.results import Estimate

__all__ = ["ancova", "did", "diff_in_means", "drdid", "pre_post"]

# ----------------------------------------------------------------------------------------------------
# public estimators
# ----------------------------------------------------------------------------------------------------


def pre_post(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    period: str,
    before: object,
    after: object,
    cluster: str | None = None,
    alpha: float = 0.05,
    weights: str | None = None,
) -> Estimate:
    r"""Before/after (paired) mean change of the same units between two periods.

    Estimator: with :math:`d_i = y_{i,after} - y_{i,before}` for the :math:`n` units observed with a
    non-missing outcome in both periods,

    .. math:: \hat\delta = \bar d = \frac{1}{n}\sum_i d_i ,

    computed as the OLS coefficient of :math:`d_i` on a constant. It estimates the mean change of the
    units, which is a programme effect only under the strong assumption that nothing else changed
    between the periods (no secular trend); see Gertler et al. (2016), *Impact Evaluation in Practice*,
    2nd ed., World Bank, ch. 3 ("before-and-after comparisons").

    Variance: HC1 for a regression on a constant, :math:`\frac{n}{n-1}\frac{1}{n^2}\sum_i (d_i-\bar d)^2
    = s_d^2/n` (the textbook paired-t standard error), with a :math:`t_{n-1}` reference; with ``cluster``,
    CRV1 :math:`\frac{G}{G-1}\frac{n-1}{n-1}\frac{1}{n^2}\sum_g (\sum_{i\in g}(d_i-\bar d))^2` with a
    :math:`t_{G-1}` reference (Stata [R] regress and [U] 20.22; Cameron & Miller 2015, J. Human
    Resources 50(2)).

    Parameters
    ----------
    df : pandas.DataFrame
        Long data, one row per unit and period.
    outcome : str
        Numeric (or boolean) outcome column.
    unit : str
        Unit identifier column (e.g. ``'family_id'``).
    period : str
        Period column (e.g. ``'wave'``); values may be strings or integers.
    before, after : object
        Values of ``period`` identifying the two periods (e.g. ``'baseline'``, ``'endline'``).
    cluster : str, optional
        Cluster column (e.g. ``'village'``), constant within unit; string values are fine. ``None`` gives
        HC1 standard errors.
    alpha : float, default 0.05
        Significance level of the confidence interval.
    weights : str, optional
        Sampling-weight column (positive, finite, constant within unit): the weighted mean change
        :math:`\sum_i w_i d_i / \sum_i w_i` by weighted least squares, with the same HC1/CRV1 sandwich as
        statsmodels' ``WLS`` (``regress [pweight=w]`` in Stata). ``None`` for equal weights.

    Returns
    -------
    Estimate
        ``method='pre_post'``, ``design='panel'``; ``n_units`` units kept, ``n_obs = 2 * n_units`` rows
        used, ``n_dropped`` units lacking a period or a value.

    Raises
    ------
    ValueError
        Missing column, duplicate (unit, period) rows, unknown period values, too few units, fewer than
        2 clusters, or a cluster value that changes within a unit.
    NotEstimable
        (:class:`evaluation.stats.degenerate.NotEstimable`, a ``ValueError``) when the outcome does not vary,
        or its change is the same for every unit of each group (reason code in ``.reason``).
    """
    df = _check_frame(df, "pre_post")
    alpha = _check_alpha(alpha)
    _require_columns(
        df, [("outcome", outcome), ("unit", unit), ("period", period), ("cluster", cluster), ("weights", weights)]
    )
    panel = _panel(
        df, outcome=outcome, unit=unit, period=period, before=before, after=after, cluster=cluster, weights=weights
    )
    d = panel.y_after - panel.y_before
    if panel.weights is None:
        return _fit_group_sums(
            d, None, panel, cluster=cluster, alpha=alpha, method="pre_post", outcome=outcome, names=["const"]
        )
    _check_panel_variation(panel, d, None, outcome)
    n = d.size
    return _fit(
        d,
        np.ones((n, 1)),
        0,
        panel.cluster,
        cluster=cluster,
        alpha=alpha,
        method="pre_post",
        outcome=outcome,
        design="panel",
        n_obs=2 * n,
        n_units=n,
        n_dropped=panel.n_dropped,
        names=["const"],
        weights=panel.weights,
    )


def did(
    df: pd.DataFrame,
    outcome: str,
    period: str,
    treated: str,
    before: object,
    after: object,
    unit: str | None = None,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    alpha: float = 0.05,
    weights: str | None = None,
) -> Estimate:
    r"""Two-period, two-group (2x2) difference-in-differences.

    Panel (``unit`` given): for the units with a non-missing outcome in both periods, OLS of the first
    difference :math:`\Delta y_i = y_{i,after} - y_{i,before}` on :math:`[1, D_i, x_i]`, with :math:`x_i`
    the covariates of the unit's ``before`` row,

    .. math:: \Delta y_i = \alpha + \tau D_i + x_i'\gamma + \varepsilon_i ,

    and :math:`\hat\tau` is the estimate; without covariates
    :math:`\hat\tau = \overline{\Delta y}_{D=1} - \overline{\Delta y}_{D=0}`, the difference of
    mean changes. This equals the two-way fixed effects (unit and period) estimate on the balanced panel.

    Repeated cross-sections (``unit=None``): OLS over the rows of the two periods of

    .. math:: y_{it} = \beta_0 + \beta_1 D_i + \beta_2 P_t + \tau D_i P_t + x_{it}'\gamma + e_{it},

    with :math:`P_t = 1` in the ``after`` period; without covariates :math:`\hat\tau =
    (\bar y_{11} - \bar y_{10}) - (\bar y_{01} - \bar y_{00})`, the difference of the four cell means.
    See Angrist & Pischke (2009), *Mostly Harmless Econometrics*, ch. 5.2, and Wooldridge (2010),
    *Econometric Analysis of Cross Section and Panel Data*, 2nd ed., section 6.5.

    Variance: HC1, :math:`\frac{n}{n-k}(X'X)^{-1}\sum_i \hat e_i^2 x_i x_i'(X'X)^{-1}` with a
    :math:`t_{n-k}` reference; with ``cluster``, CRV1,
    :math:`\frac{G}{G-1}\frac{n-1}{n-k}(X'X)^{-1}\sum_g \hat u_g \hat u_g'(X'X)^{-1}` with
    :math:`\hat u_g = \sum_{i\in g} x_i \hat e_i` and a :math:`t_{G-1}` reference (Stata [R] regress,
    [U] 20.22; Cameron & Miller 2015, J. Human Resources 50(2)). Cluster at the level of treatment
    assignment (Bertrand, Duflo & Mullainathan 2004, QJE 119(1)).

    Parameters
    ----------
    df : pandas.DataFrame
        Long data, one row per unit (or respondent) and period.
    outcome : str
        Numeric (or boolean) outcome column.
    period : str
        Period column; values may be strings or integers.
    treated : str
        Treatment-group indicator, 0/1 integers or booleans; constant within unit in the panel case.
    before, after : object
        Values of ``period`` identifying the two periods.
    unit : str, optional
        Unit identifier: panel estimator. ``None``: repeated cross-section estimator.
    cluster : str, optional
        Cluster column (constant within unit in the panel case); ``None`` gives HC1 standard errors.
    covariates : sequence of str, default ()
        Numeric control variables (baseline values in the panel case).
    alpha : float, default 0.05
        Significance level of the confidence interval.
    weights : str, optional
        Sampling-weight column (positive and finite; constant within unit in the panel case): weighted least
        squares with the HC1/CRV1 sandwich of statsmodels' ``WLS`` (Stata ``regress [pweight=w]``); without
        covariates the panel estimate is the difference of weighted mean changes. ``None`` for equal weights.

    Returns
    -------
    Estimate
        ``method='did'``; ``design='panel'`` (``n_obs = 2 * n_units``, ``n_dropped`` in units) or
        ``design='repeated_cross_section'`` (``n_units = n_obs`` rows, ``n_dropped`` in rows).

    Raises
    ------
    ValueError
        Missing column, non-0/1 or within-unit varying ``treated``, duplicate (unit, period) rows, an
        empty treated or comparison group (or an empty group-period cell), fewer than 2 clusters, or
        too few observations for the parameters.
    NotEstimable
        (:class:`evaluation.stats.degenerate.NotEstimable`, a ``ValueError``) when the outcome does not vary,
        or its change is the same for every unit of each group, or (with ``cluster``) every unit of an arm lies in
        one cluster while the sample has several (``arm_in_one_cluster``: one village per arm gives a CRV1
        standard error of zero up to rounding); reason code in ``.reason``.
    """
    df = _check_frame(df, "did")
    alpha = _check_alpha(alpha)
    covs = _as_tuple(covariates)
    _require_columns(
        df,
        [
            ("outcome", outcome),
            ("period", period),
            ("treated", treated),
            ("unit", unit),
            ("cluster", cluster),
            ("weights", weights),
            *[("covariates", c) for c in covs],
        ],
    )
    names = ["const", treated, *covs]
    if unit is not None:
        panel = _panel(
            df,
            outcome=outcome,
            unit=unit,
            period=period,
            before=before,
            after=after,
            treated=treated,
            cluster=cluster,
            covariates=covs,
            weights=weights,
        )
        assert panel.treated is not None
        _check_groups(panel.treated, treated, "units")
        d = panel.y_after - panel.y_before
        _check_arm_clusters(panel.cluster, panel.treated, outcome)
        if not covs and panel.weights is None:  # O(N) closed form: difference of mean changes, CRV1 from cluster sums
            return _fit_group_sums(
                d, panel.treated, panel, cluster=cluster, alpha=alpha, method="did", outcome=outcome, names=names
            )
        _check_panel_variation(panel, d, panel.treated, outcome)
        n = d.size
        X = np.column_stack([np.ones(n), panel.treated, panel.covariates])
        return _fit(
            d,
            X,
            1,
            panel.cluster,
            cluster=cluster,
            alpha=alpha,
            method="did",
            outcome=outcome,
            design="panel",
            n_obs=2 * n,
            n_units=n,
            n_dropped=panel.n_dropped,
            names=names,
            weights=panel.weights,
        )

    is_before, is_after = _period_masks(df, period, before, after)
    in_window = is_before | is_after
    cols = list(dict.fromkeys([c for c in (period, outcome, treated, cluster, weights, *covs) if c]))
    sub = df.loc[in_window, cols]
    post = is_after[in_window].astype(np.float64)
    y = _float_values(sub[outcome], "outcome")
    t = _treated_values(sub[treated])
    w = None if weights is None else _weight_values(sub[weights])
    keep = ~np.isnan(y)
    codes = None
    if cluster is not None:
        codes = _cluster_codes(sub[cluster])
        keep &= codes >= 0
    if covs:
        x = np.column_stack([_float_values(sub[c], "covariate") for c in covs])
        keep &= ~np.isnan(x).any(axis=1)
    else:
        x = np.empty((len(sub), 0))
    n_dropped = int(keep.size - np.count_nonzero(keep))
    y, t, post, x = y[keep], t[keep], post[keep], x[keep]
    if codes is not None:
        codes = codes[keep]
    if w is not None:
        w = w[keep]
    _check_groups(t, treated, "observations")
    for g, g_name in ((1.0, "treated"), (0.0, "comparison")):
        for p, p_value in ((0.0, before), (1.0, after)):
            if not np.any((t == g) & (post == p)):
                raise ValueError(
                    f"no {g_name} observations ({treated!r} == {int(g)}) with a non-missing outcome in "
                    f"period {p_value!r}; the 2x2 difference-in-differences needs all four group-period cells"
                )
    _check_arm_clusters(codes, t, outcome)
    n = y.size
    X = np.column_stack([np.ones(n), t, post, t * post, x])
    return _fit(
        y,
        X,
        3,
        codes,
        cluster=cluster,
        alpha=alpha,
        method="did",
        outcome=outcome,
        design="repeated_cross_section",
        n_obs=n,
        n_units=n,
        n_dropped=n_dropped,
        names=["const", treated, "post", f"{treated}:post", *covs],
        weights=w,
    )


def diff_in_means(
    df: pd.DataFrame,
    outcome: str,
    treated: str,
    cluster: str | None = None,
    alpha: float = 0.05,
    weights: str | None = None,
) -> Estimate:
    r"""Treated minus comparison difference of means of one cross-section.

    Estimator: OLS of :math:`y_i` on :math:`[1, D_i]`; the slope is
    :math:`\hat\tau = \bar y_{D=1} - \bar y_{D=0}` (e.g. Angrist & Pischke 2009, *Mostly Harmless
    Econometrics*, ch. 2.3; Imbens & Rubin 2015, *Causal Inference*, ch. 6). Pass the rows of a single
    period (e.g. ``df[df.wave == 'endline']``); every row is one observation.

    Variance: HC1, which for this regression equals
    :math:`\frac{n}{n-2}\big(\sum_{D=1}\hat e_i^2/n_1^2 + \sum_{D=0}\hat e_i^2/n_0^2\big)`, a
    rescaled Welch (unequal-variance) standard error, with a :math:`t_{n-2}` reference; with ``cluster``,
    CRV1 with a :math:`t_{G-1}` reference (Stata [R] regress, [U] 20.22; Cameron & Miller 2015, J. Human
    Resources 50(2)).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per observation.
    outcome : str
        Numeric (or boolean) outcome column.
    treated : str
        Treatment indicator, 0/1 integers or booleans.
    cluster : str, optional
        Cluster column; ``None`` gives HC1 standard errors.
    alpha : float, default 0.05
        Significance level of the confidence interval.
    weights : str, optional
        Sampling-weight column (positive and finite): difference of weighted means by weighted least squares,
        with the HC1/CRV1 sandwich of statsmodels' ``WLS``. ``None`` for equal weights.

    Returns
    -------
    Estimate
        ``method='diff_in_means'``, ``design='cross_section'``, ``n_units = n_obs`` rows used,
        ``n_dropped`` rows with a missing outcome or cluster.

    Raises
    ------
    ValueError
        Missing column, non-0/1 ``treated``, an empty treated or comparison group, fewer than 2 clusters,
        or too few observations.
    NotEstimable
        (:class:`evaluation.stats.degenerate.NotEstimable`, a ``ValueError``) when the outcome does not vary,
        or its change is the same for every unit of each group (reason code in ``.reason``).
    """
    df = _check_frame(df, "diff_in_means")
    alpha = _check_alpha(alpha)
    _require_columns(df, [("outcome", outcome), ("treated", treated), ("cluster", cluster), ("weights", weights)])
    y = _float_values(df[outcome], "outcome")
    t = _treated_values(df[treated])
    w = None if weights is None else _weight_values(df[weights])
    keep = ~np.isnan(y)
    codes = None
    if cluster is not None:
        codes = _cluster_codes(df[cluster])
        keep &= codes >= 0
        codes = codes[keep]
    n_dropped = int(keep.size - np.count_nonzero(keep))
    y, t = y[keep], t[keep]
    if w is not None:
        w = w[keep]
    _check_groups(t, treated, "observations")
    n = y.size
    X = np.column_stack([np.ones(n), t])
    return _fit(
        y,
        X,
        1,
        codes,
        cluster=cluster,
        alpha=alpha,
        method="diff_in_means",
        outcome=outcome,
        design="cross_section",
        n_obs=n,
        n_units=n,
        n_dropped=n_dropped,
        names=["const", treated],
        weights=w,
    )


def _treated_panel(
    name: str,
    df: Any,
    outcome: str,
    unit: str,
    period: str,
    before: Any,
    after: Any,
    treated: str,
    cluster: str | None,
    covariates: Any,
    weights: str | None,
    alpha: float,
) -> tuple[Any, float, tuple[str, ...], Any]:
    """Checked frame, alpha and covariates, and the two-wave panel with both groups, of a covariate estimator."""
    df = _check_frame(df, name)
    alpha = _check_alpha(alpha)
    covs = _as_tuple(covariates)
    columns = [("outcome", outcome), ("unit", unit), ("period", period), ("treated", treated)]
    columns += [("cluster", cluster), ("weights", weights), *[("covariates", c) for c in covs]]
    _require_columns(df, columns)
    panel = _panel(
        df, outcome=outcome, unit=unit, period=period, before=before, after=after, treated=treated,
        cluster=cluster, covariates=covs, weights=weights,
    )  # fmt: skip
    assert panel.treated is not None
    _check_groups(panel.treated, treated, "units")
    return df, alpha, covs, panel


def ancova(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    period: str,
    treated: str,
    before: object,
    after: object,
    cluster: str | None = None,
    covariates: Sequence[str] = (),
    alpha: float = 0.05,
    weights: str | None = None,
) -> Estimate:
    r"""ANCOVA: endline outcome on treatment, controlling for the baseline outcome.

    Estimator: for the units with a non-missing outcome in both periods, OLS of

    .. math:: y_{i,after} = \alpha + \tau D_i + \theta\, y_{i,before} + x_i'\gamma + \varepsilon_i ,

    with :math:`x_i` the covariates of the unit's ``before`` row; the estimate is :math:`\hat\tau`.
    Under random assignment ANCOVA is more efficient than difference-in-differences when outcomes are
    not highly autocorrelated (McKenzie 2012, "Beyond baseline and follow-up: The case for more T in
    experiments", *Journal of Development Economics* 99(2), 210-221; Frison & Pocock 1992). Unlike DiD
    it does not identify the effect under parallel trends alone when groups differ at baseline.

    Variance: HC1 with a :math:`t_{n-k}` reference, or with ``cluster`` CRV1 with a :math:`t_{G-1}`
    reference (Stata [R] regress, [U] 20.22; Cameron & Miller 2015, J. Human Resources 50(2)).

    Parameters
    ----------
    df : pandas.DataFrame
        Long data, one row per unit and period.
    outcome : str
        Numeric (or boolean) outcome column.
    unit : str
        Unit identifier column.
    period : str
        Period column; values may be strings or integers.
    treated : str
        Treatment indicator, 0/1 integers or booleans, constant within unit.
    before, after : object
        Values of ``period`` for baseline and endline.
    cluster : str, optional
        Cluster column, constant within unit; ``None`` gives HC1 standard errors.
    covariates : sequence of str, default ()
        Numeric baseline controls (taken from the ``before`` row).
    alpha : float, default 0.05
        Significance level of the confidence interval.
    weights : str, optional
        Sampling-weight column (positive, finite, constant within unit): weighted least squares with the
        HC1/CRV1 sandwich of statsmodels' ``WLS``. ``None`` for equal weights.

    Returns
    -------
    Estimate
        ``method='ancova'``, ``design='panel'``; ``n_units`` units kept, ``n_obs = 2 * n_units`` rows used,
        ``n_dropped`` units lacking a period or a value.

    Raises
    ------
    ValueError
        Missing column, non-0/1 or within-unit varying ``treated``, duplicate (unit, period) rows, an empty
        treated or comparison group, fewer than 2 clusters, or too few observations.
    NotEstimable
        (:class:`evaluation.stats.degenerate.NotEstimable`, a ``ValueError``) when the outcome does not vary,
        or its change is the same for every unit of each group (reason code in ``.reason``).
    """
    df, alpha, covs, panel = _treated_panel(
        "ancova", df, outcome, unit, period, before, after, treated, cluster, covariates, weights, alpha
    )
    n = panel.y_after.size
    X = np.column_stack([np.ones(n), panel.treated, panel.y_before, panel.covariates])
    return _fit(
        panel.y_after,
        X,
        1,
        panel.cluster,
        cluster=cluster,
        alpha=alpha,
        method="ancova",
        outcome=outcome,
        design="panel",
        n_obs=2 * n,
        n_units=n,
        n_dropped=panel.n_dropped,
        names=["const", treated, f"{outcome}_{before}", *covs],
        weights=panel.weights,
    )


def drdid(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    period: str,
    treated: str,
    before: object,
    after: object,
    covariates: Sequence[str] = (),
    cluster: str | None = None,
    alpha: float = 0.05,
    weights: str | None = None,
) -> Estimate:
    r"""Doubly robust difference-in-differences of a two-period panel (Sant'Anna & Zhao 2020, improved estimator).

    The average effect on the treated under parallel trends *conditional on* the baseline covariates
    :math:`x_i` (the unit's ``before`` row), combining a propensity score (logistic, fitted by inverse probability
    tilting so that the reweighted comparison units have the treated units' covariate means) with a linear
    regression of the comparison units' change :math:`\Delta y_i` on :math:`x_i` (weighted least squares):

    .. math:: \hat\tau = \frac{\sum_i w_i T_i \{D_i - (1-D_i)\hat p_i/(1-\hat p_i)\}
              \{\Delta y_i - x_i'\hat\beta\}}{\sum_i w_i D_i},

    consistent if either model is right (:mod:`evaluation.stats.drdid` states each step; R
    ``DRDID::drdid_imp_panel``). Without covariates it is the plain difference of mean changes, :func:`did`'s
    estimate. Units: the outcome's.

    Variance: from the influence function :math:`\psi_i`, :math:`\frac{G}{G-1}\frac{1}{n^2}\sum_g
    (\sum_{i \in g}\psi_i)^2` over villages with ``cluster`` (each unit its own cluster without), and a
    :math:`t_{G-1}` (or :math:`t_{n-1}`) reference, as the package's other clustered estimators use; ``vcov`` is
    ``'IF-cluster'`` or ``'IF'``.

    Parameters
    ----------
    df : pandas.DataFrame
        Long data, one row per unit and period.
    outcome : str
        Numeric (or boolean) outcome column.
    unit : str
        Unit identifier column.
    period : str
        Period column; values may be strings or integers.
    treated : str
        Treatment indicator, 0/1 integers or booleans, constant within unit.
    before, after : object
        Values of ``period`` for baseline and endline.
    covariates : sequence of str, default ()
        Numeric baseline covariates (the ``before`` row's values) of both the propensity score and the outcome
        regression; categories enter as 0/1 indicator columns with one level left out.
    cluster : str, optional
        Cluster column (e.g. the village), constant within unit; ``None`` for independent units.
    alpha : float, default 0.05
        Significance level of the confidence interval.
    weights : str, optional
        Sampling-weight column (positive, finite, constant within unit), R ``DRDID``'s ``i.weights``; ``None`` for
        equal weights.

    Returns
    -------
    Estimate
        ``method='drdid'``, ``design='panel'``; ``n_units`` units kept, ``n_obs = 2 * n_units`` rows used,
        ``n_dropped`` units lacking a period, an outcome, a covariate or a cluster value.

    Raises
    ------
    ValueError
        Missing column, non-0/1 or within-unit varying ``treated``, duplicate (unit, period) rows, an empty
        treated or comparison group, collinear covariates, fewer than 2 clusters, too few units, or a weight that
        is missing, zero, negative or infinite.
    NotEstimable
        (:class:`evaluation.stats.degenerate.NotEstimable`, a ``ValueError``) when the outcome does not vary or
        its change is the same for every unit of each group, or (``no_overlap``) when the comparison units cannot
        be reweighted to the treated units' covariates (perfect separation) or all reach the trimming level.

    References
    ----------
    Sant'Anna, P. H. C. and Zhao, J. (2020). "Doubly robust difference-in-differences estimators." *Journal of
    Econometrics* 219(1), 101-122; Graham, Pinto & Egel (2012), *Review of Economic Studies* 79(3), 1053-1079.
    """
    df, alpha, covs, panel = _treated_panel(
        "drdid", df, outcome, unit, period, before, after, treated, cluster, covariates, weights, alpha
    )
    n = panel.y_after.size
    k = 2 + len(covs)
    if n <= k:
        raise ValueError(
            f"too few units for drdid: {n} unit(s) left after dropping missing values, but the outcome regression "
            f"and the propensity score have {k - 1} parameters each; it needs more than {k} units (add data or "
            "remove covariates)"
        )
    d = panel.y_after - panel.y_before
    _check_panel_variation(panel, d, panel.treated, outcome)
    fit = drdid_panel(d, np.asarray(panel.treated, dtype=np.float64), panel.covariates, panel.weights)
    try:
        se, n_clusters = influence_se(fit.influence, panel.cluster)
    except ValueError:
        n_found = int(np.unique(panel.cluster).size) if panel.cluster is not None else 0
        raise ValueError(
            f"cluster column {cluster!r} has {n_found} distinct value(s) in the estimation sample; "
            "cluster-robust standard errors need at least 2 clusters (and should have many more); "
            "use cluster=None for independent units"
        ) from None
    df_resid = n - 1 if n_clusters is None else n_clusters - 1
    ci_low, ci_high, p_value = t_inference(fit.att, se, df_resid, alpha)
    return Estimate(
        estimate=fit.att,
        se=se,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        n_obs=int(2 * n),
        n_units=int(n),
        n_clusters=n_clusters,
        method="drdid",
        outcome=str(outcome),
        vcov="IF" if n_clusters is None else "IF-cluster",
        df_resid=int(df_resid),
        alpha=float(alpha),
        n_dropped=int(panel.n_dropped),
        design="panel",
    )
