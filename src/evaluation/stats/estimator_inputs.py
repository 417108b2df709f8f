"""Input checks and panel building of the estimators (:mod:`evaluation.stats.estimators`).

The checks turn a data error (a missing column, a non-0/1 treatment indicator, duplicate unit-period rows, an empty
group, fewer than two clusters) into a ``ValueError`` that names the column; :func:`_panel` matches each unit's two
periods in O(N) and keeps the units complete in both. Internal to the estimators (as ``linearmodels.panel.data``
is to ``linearmodels.panel``): the names keep their leading underscore and are not part of the public API.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.stats.group_sums import column_codes

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


def _weight_values(series: pd.Series) -> np.ndarray:
    """Validate a sampling-weight column (numeric, every value positive and finite) and return it as float64.

    A missing, zero, negative or infinite weight is an error, not a row to drop: a weight says how many families of
    the population a row stands for, and guessing it would change the estimate silently.
    """
    name = series.name
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
        raise ValueError(
            f"weights column {name!r} must be numeric (sampling weights), got dtype {dtype}; convert it, e.g. with "
            f"pd.to_numeric(df[{name!r}])"
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    problems = []
    for label, bad in (
        ("missing", np.isnan(values)),
        ("infinite", np.isinf(values)),
        ("zero or negative", ~np.isnan(values) & (values <= 0)),
    ):
        if bad.any():
            problems.append(f"{int(np.count_nonzero(bad))} row(s) {label}")
    if problems:
        raise ValueError(
            f"weights column {name!r} must be positive and finite in every row used, but has "
            f"{'; '.join(problems)}; fix the weights (or drop those rows after checking why they lack one)"
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
    weights: np.ndarray | None = None  # sampling weight of each unit (its `before` row), positive and finite


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
    weights: str | None = None,
) -> _Panel:
    """Match each unit's `before` and `after` rows (O(N), no pivot) and drop incomplete units.

    A unit is one distinct value of ``unit`` among the rows of the two periods. It is kept when it has a
    row in both periods with a non-missing outcome, a non-missing cluster value in both rows and
    non-missing covariates in its ``before`` row; every other unit counts in ``n_dropped``. ``weights``, a
    sampling-weight column, must be positive and finite in every row of the two periods and the same in both rows
    of a unit (``ValueError`` otherwise).
    """
    is_before, is_after = _period_masks(df, period, before, after)
    in_window = is_before | is_after
    cols = list(dict.fromkeys([c for c in (unit, period, outcome, treated, cluster, weights, *covariates) if c]))
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

    w_unit = None
    if weights is not None:
        w = _weight_values(sub[weights])
        w_b, w_a = w[gb], w[ga]
        bad = both & (w_b != w_a)
        if bad.any():
            raise ValueError(
                f"weights column {weights!r} must be constant within unit {unit!r}, but it changes between "
                f"{before!r} and {after!r} for {int(np.count_nonzero(bad))} unit(s), e.g. "
                f"{_listed(unit_labels[np.flatnonzero(bad)])}; give each unit one sampling weight"
            )
        w_unit = w_b if pairs is not None else np.where(has_b, w_b, w_a)

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
        weights=None if w_unit is None else w_unit[keep],
    )
