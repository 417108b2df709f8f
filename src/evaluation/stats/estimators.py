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
than two clusters, too few observations) raise ``ValueError`` with a message naming the column.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.stats.group_sums import column_codes, paired_mean, two_group_difference
from evaluation.stats.inference import ols, t_inference, vcov_crv1, vcov_hc1
from evaluation.stats.results import Estimate

__all__ = ["ancova", "did", "diff_in_means", "pre_post"]

_MAX_LISTED = 5


# ----------------------------------------------------------------------------------------------------
# validation helpers
# ----------------------------------------------------------------------------------------------------


def _check_frame(df: object, func: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"{func}() expects a pandas DataFrame, got {type(df).__name__}")
    return df


def _check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be strictly between 0 and 1 (e.g. 0.05 for a 95% CI), got {alpha}")
    return alpha


def _as_tuple(covariates: Iterable[str] | str | None) -> tuple[str, ...]:
    if covariates is None:
        return ()
    if isinstance(covariates, str):
        return (covariates,)
    return tuple(covariates)


def _require_columns(df: pd.DataFrame, roles: Sequence[tuple[str, Hashable | None]]) -> None:
    """Raise a ``ValueError`` naming the first (role, column) pair whose column is absent from ``df``."""
    for role, col in roles:
        if col is None:
            continue
        if col not in df.columns:
            shown = ", ".join(repr(c) for c in list(df.columns)[:20])
            more = ", ..." if df.shape[1] > 20 else ""
            raise ValueError(
                f"{role} column {col!r} not found in the DataFrame (columns: {shown}{more}); "
                f"pass the name of an existing column as `{role}`"
            )


def _listed(values: Iterable[object]) -> str:
    values = list(values)
    text = ", ".join(repr(_py(v)) for v in values[:_MAX_LISTED])
    return text + (f" (and {len(values) - _MAX_LISTED} more)" if len(values) > _MAX_LISTED else "")


def _py(value: object) -> object:
    """Turn numpy scalars into Python scalars for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


def _float_values(series: pd.Series, role: str) -> np.ndarray:
    """Return a numeric or boolean column as float64 with NaN for missing; reject other dtypes and inf."""
    dtype = series.dtype
    if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)):
        raise ValueError(
            f"{role} column {series.name!r} must be numeric or boolean, got dtype {dtype}; convert it, e.g. "
            f"with pd.to_numeric(df[{series.name!r}], errors='coerce')"
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(
            f"{role} column {series.name!r} contains infinite values; replace them with NaN (missing) or "
            "finite numbers"
        )
    return values


def _treated_values(series: pd.Series) -> np.ndarray:
    """Validate a 0/1 (int, float or bool) treatment indicator and return it as float64 0.0/1.0."""
    name = series.name
    dtype = series.dtype
    recode = f"recode it, e.g. df[{name!r}] = (df['group'] == 'treatment').astype(int)"
    if not (pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype)):
        raise ValueError(
            f"treated column {name!r} must be 0/1 integers or booleans, got dtype {dtype}; {recode}"
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isnan(values).any():
        raise ValueError(
            f"treated column {name!r} has {int(np.isnan(values).sum())} missing value(s); every row needs "
            "a 0/1 treatment status (fill or drop those rows first)"
        )
    bad = ~((values == 0.0) | (values == 1.0))
    if bad.any():
        raise ValueError(
            f"treated column {name!r} must contain only 0 and 1, found {_listed(np.unique(values[bad]))}; "
            f"{recode}"
        )
    return values


def _check_groups(t: np.ndarray, treated: str, what: str) -> None:
    n_treated = int(np.count_nonzero(t == 1.0))
    if n_treated == 0:
        raise ValueError(
            f"no treated {what} ({treated!r} == 1) left in the estimation sample; the estimator needs both "
            f"treated and comparison {what} (check the {treated!r} column and missing values)"
        )
    if n_treated == t.size:
        raise ValueError(
            f"no comparison {what} ({treated!r} == 0) left in the estimation sample; the estimator needs "
            f"both treated and comparison {what} (check the {treated!r} column and missing values)"
        )


def _period_masks(df: pd.DataFrame, period: str, before: object, after: object) -> tuple[np.ndarray, ...]:
    """Boolean masks of the rows in the ``before`` and ``after`` periods (each must be non-empty)."""
    if before == after:
        raise ValueError(f"`before` and `after` must be different periods, both are {before!r}")
    col = df[period]
    masks = []
    for label, value in (("before", before), ("after", after)):
        try:
            mask = col.eq(value).to_numpy(dtype=bool, na_value=False)
        except TypeError:  # incomparable types, e.g. a categorical column and an int
            mask = np.zeros(len(col), dtype=bool)
        if not mask.any():
            present = pd.unique(col.dropna())
            raise ValueError(
                f"no rows with period column {period!r} == {value!r} "
                f"(`{label}`); values present: {_listed(present)}. Pass one of these as `{label}`"
            )
        masks.append(mask)
    return masks[0], masks[1]


def _cluster_codes(series: pd.Series) -> np.ndarray:
    """Integer codes of a cluster column (any hashable values, e.g. strings); -1 for missing."""
    codes, _ = pd.factorize(series, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.intp)


# ----------------------------------------------------------------------------------------------------
# panel reshaping
# ----------------------------------------------------------------------------------------------------


def _adjacent_pairs(unit_codes: np.ndarray, is_before: np.ndarray) -> tuple[slice, slice] | None:
    """Row slices of the `before` and `after` rows when the rows come in adjacent unit pairs, else ``None``.

    The layout is: an even number of rows, rows ``2j`` and ``2j + 1`` of the same unit, one in each period (in
    the same order for every pair), and unit codes strictly increasing from pair to pair, so no unit has two
    rows in a period. Checking it costs a few passes over small integer arrays; when it holds, the panel is
    the two strided views and needs no scatter, gather or duplicate count.
    """
    n = unit_codes.size
    if n < 2 or n % 2:
        return None
    first, second = slice(0, None, 2), slice(1, None, 2)
    if bool(is_before[0]):
        if not (is_before[first].all() and not is_before[second].any()):
            return None
        sel_b, sel_a = first, second
    else:
        if not (is_before[second].all() and not is_before[first].any()):
            return None
        sel_b, sel_a = second, first
    codes = unit_codes[first]
    if not np.array_equal(codes, unit_codes[second]):
        return None
    if codes.size > 1 and not (codes[1:] > codes[:-1]).all():
        return None
    return sel_b, sel_a


class _LazyLabels:
    """Unit labels of the pair layout, looked up only when an error message needs them."""

    def __init__(self, labels: pd.Index, codes: np.ndarray) -> None:
        self._labels = labels
        self._codes = codes

    def __getitem__(self, idx: np.ndarray) -> object:
        return self._labels[self._codes[idx]]


def _treated_indicator(series: pd.Series) -> np.ndarray:
    """The 0/1 treatment indicator of every row, checked as :func:`_treated_values` checks it.

    Integer and boolean columns without missing values are checked by their minimum and maximum and returned
    in their own (small) dtype, without a float copy of millions of rows; other columns go through
    :func:`_treated_values`.
    """
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biu":
        values = series.to_numpy()
        if dtype.kind == "b" or values.size == 0:
            return values
        if values.min() >= 0 and values.max() <= 1:
            return values
    return _treated_values(series)


@dataclass(frozen=True, slots=True)
class _Panel:
    """Unit-level arrays for the units kept (present with a valid value in both periods)."""

    y_before: np.ndarray
    y_after: np.ndarray
    treated: np.ndarray | None
    cluster: np.ndarray | None
    covariates: np.ndarray  # (n_units, n_covariates), values of the `before` row
    n_dropped: int
    n_levels: int | None = None  # number of possible cluster codes (codes may be sparse)


def _panel(
    df: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    period: str,
    before: object,
    after: object,
    treated: str | None = None,
    cluster: str | None = None,
    covariates: tuple[str, ...] = (),
) -> _Panel:
    """Match each unit's `before` and `after` rows (O(N), no pivot) and drop incomplete units.

    A unit is one distinct value of ``unit`` among the rows of the two periods. It is kept when it has a
    row in both periods with a non-missing outcome, a non-missing cluster value in both rows and
    non-missing covariates in its ``before`` row; every other unit counts in ``n_dropped``.
    """
    is_before, is_after = _period_masks(df, period, before, after)
    in_window = is_before | is_after
    cols = list(dict.fromkeys([c for c in (unit, period, outcome, treated, cluster, *covariates) if c]))
    if in_window.all():  # no copy of a large frame when every row is in one of the two periods
        sub = df
    else:
        sub = df.loc[in_window, cols]
        is_before = is_before[in_window]

    # Categorical ids (dictionary-encoded Parquet) are used through their codes: no string hashing.
    unit_codes, unit_labels = column_codes(sub[unit])
    if (unit_codes < 0).any():
        raise ValueError(
            f"unit column {unit!r} has {int((unit_codes < 0).sum())} missing value(s) in the "
            "`before`/`after` rows; every row needs a unit identifier (drop those rows first)"
        )
    n_all = len(unit_labels)

    pairs = _adjacent_pairs(unit_codes, is_before)
    if pairs is not None:
        # Fast layout (rows ordered unit by unit, before then after, as the generator and most exports write
        # them): strided views, every unit present in both periods, no scatter or gather.
        gb, ga = pairs
        pair_codes = unit_codes[gb]
        unit_labels = _LazyLabels(unit_labels, pair_codes)
        n_all = n_present = pair_codes.size
        has_b = has_a = both = np.ones(n_all, dtype=bool)
    else:
        positions = []
        for mask, label in ((is_before, before), (~is_before, after)):
            counts = np.bincount(unit_codes[mask], minlength=n_all)
            if (counts > 1).any():
                dup = np.flatnonzero(counts > 1)
                raise ValueError(
                    f"duplicate ({unit!r}, {period!r}) rows: {dup.size} unit(s) have more than one row in period "
                    f"{label!r}, e.g. {_listed(unit_labels[dup])}; keep one row per unit and period (e.g. "
                    f"df.drop_duplicates([{unit!r}, {period!r}]) after checking which row is right)"
                )
            pos = np.full(n_all, -1, dtype=np.intp)
            pos[unit_codes[mask]] = np.flatnonzero(mask)
            positions.append(pos)
        pos_b, pos_a = positions
        has_b = pos_b >= 0
        has_a = pos_a >= 0
        both = has_b & has_a
        n_present = int(np.count_nonzero(has_b | has_a))  # categories that never occur are not units
        # Safe gather indices (row 0 where absent; those entries are masked out below).
        gb = np.where(has_b, pos_b, 0)
        ga = np.where(has_a, pos_a, 0)

    y = _float_values(sub[outcome], "outcome")
    if pairs is not None:
        y_b, y_a = y[gb], y[ga]
        keep = ~(np.isnan(y_b) | np.isnan(y_a))
    else:
        y_b = np.where(has_b, y[gb], np.nan)
        y_a = np.where(has_a, y[ga], np.nan)
        keep = both & ~np.isnan(y_b) & ~np.isnan(y_a)

    t_unit = None
    if treated is not None:
        t = _treated_indicator(sub[treated])
        t_b, t_a = t[gb], t[ga]
        bad = both & (t_b != t_a)
        if bad.any():
            raise ValueError(
                f"treated column {treated!r} must be constant within unit {unit!r}, but it changes between "
                f"{before!r} and {after!r} for unit(s) {_listed(unit_labels[np.flatnonzero(bad)])}; fix the "
                "treatment status or use the repeated cross-section estimator (unit=None)"
            )
        t_unit = t_b if pairs is not None else np.where(has_b, t_b, t_a)

    c_unit = None
    n_cluster_levels = 0
    if cluster is not None:
        c, cluster_labels = column_codes(sub[cluster])
        n_cluster_levels = len(cluster_labels)
        if pairs is not None:
            c_b, c_a = c[gb], c[ga]
        else:
            c_b = np.where(has_b, c[gb], -1)
            c_a = np.where(has_a, c[ga], -1)
        # Pair layout without any missing cluster value: every unit has both codes, skip the masks.
        complete = pairs is not None and (c.size == 0 or c.min() >= 0)
        bad = (c_b != c_a) if complete else (c_b >= 0) & (c_a >= 0) & (c_b != c_a)
        if bad.any():
            raise ValueError(
                f"cluster column {cluster!r} must be constant within unit {unit!r}, but it changes between "
                f"{before!r} and {after!r} for unit(s) {_listed(unit_labels[np.flatnonzero(bad)])}; assign "
                "each unit to one cluster (e.g. its baseline village)"
            )
        if not complete:
            keep &= (c_b >= 0) & (c_a >= 0)
        c_unit = c_b

    if covariates:
        x = np.column_stack([_float_values(sub[name], "covariate") for name in covariates])
        x_b = x[gb]
        keep &= ~np.isnan(x_b).any(axis=1)
    else:
        x_b = np.empty((n_all, 0))

    if keep.all():  # nothing to drop: keep the arrays (or strided views) as they are
        keep = slice(None)
    return _Panel(
        y_before=y_b[keep],
        y_after=y_a[keep],
        treated=None if t_unit is None else t_unit[keep],
        cluster=None if c_unit is None else c_unit[keep],
        covariates=x_b[keep],
        n_dropped=int(n_present - (n_all if isinstance(keep, slice) else np.count_nonzero(keep))),
        n_levels=None if cluster is None else n_cluster_levels,
    )


# ----------------------------------------------------------------------------------------------------
# common fitting step
# ----------------------------------------------------------------------------------------------------


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
) -> Estimate:
    """OLS of ``y`` on ``X``; report coefficient ``coef`` with HC1 or CRV1 inference."""
    n, k = X.shape
    if n <= k:
        raise ValueError(
            f"too few observations for {method}: {n} observation(s) left after dropping missing values, "
            f"but the regression has {k} parameters ({', '.join(names)}); it needs more than {k} "
            "(add data or remove covariates)"
        )
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
    """
    df = _check_frame(df, "pre_post")
    alpha = _check_alpha(alpha)
    _require_columns(df, [("outcome", outcome), ("unit", unit), ("period", period), ("cluster", cluster)])
    panel = _panel(df, outcome=outcome, unit=unit, period=period, before=before, after=after, cluster=cluster)
    d = panel.y_after - panel.y_before
    return _fit_group_sums(
        d, None, panel, cluster=cluster, alpha=alpha, method="pre_post", outcome=outcome, names=["const"]
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
        )
        assert panel.treated is not None
        _check_groups(panel.treated, treated, "units")
        d = panel.y_after - panel.y_before
        if not covs:  # O(N) closed form: difference of mean changes, CRV1 from cluster sums
            return _fit_group_sums(
                d, panel.treated, panel, cluster=cluster, alpha=alpha, method="did", outcome=outcome, names=names
            )
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
        )

    is_before, is_after = _period_masks(df, period, before, after)
    in_window = is_before | is_after
    cols = list(dict.fromkeys([c for c in (period, outcome, treated, cluster, *covs) if c]))
    sub = df.loc[in_window, cols]
    post = is_after[in_window].astype(np.float64)
    y = _float_values(sub[outcome], "outcome")
    t = _treated_values(sub[treated])
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
    _check_groups(t, treated, "observations")
    for g, g_name in ((1.0, "treated"), (0.0, "comparison")):
        for p, p_value in ((0.0, before), (1.0, after)):
            if not np.any((t == g) & (post == p)):
                raise ValueError(
                    f"no {g_name} observations ({treated!r} == {int(g)}) with a non-missing outcome in "
                    f"period {p_value!r}; the 2x2 difference-in-differences needs all four group-period cells"
                )
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
    )


def diff_in_means(
    df: pd.DataFrame,
    outcome: str,
    treated: str,
    cluster: str | None = None,
    alpha: float = 0.05,
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
    """
    df = _check_frame(df, "diff_in_means")
    alpha = _check_alpha(alpha)
    _require_columns(df, [("outcome", outcome), ("treated", treated), ("cluster", cluster)])
    y = _float_values(df[outcome], "outcome")
    t = _treated_values(df[treated])
    keep = ~np.isnan(y)
    codes = None
    if cluster is not None:
        codes = _cluster_codes(df[cluster])
        keep &= codes >= 0
        codes = codes[keep]
    n_dropped = int(keep.size - np.count_nonzero(keep))
    y, t = y[keep], t[keep]
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
    )


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
    """
    df = _check_frame(df, "ancova")
    alpha = _check_alpha(alpha)
    covs = _as_tuple(covariates)
    _require_columns(
        df,
        [
            ("outcome", outcome),
            ("unit", unit),
            ("period", period),
            ("treated", treated),
            ("cluster", cluster),
            *[("covariates", c) for c in covs],
        ],
    )
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
    )
    assert panel.treated is not None
    _check_groups(panel.treated, treated, "units")
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
    )
