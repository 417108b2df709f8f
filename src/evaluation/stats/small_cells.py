"""Disclosure control of the inference, monitoring and subgroup tables: which cells describe too few families.

One function per kind of published table. Each takes the table an analysis module computed and its result keys,
decides with :func:`evaluation.stats.disclosure.suppression_mask` (threshold rule ``0 < n < k`` plus complementary
suppression, Hundepool et al. 2012 §5.2, §5.5) which cells to hide, and returns

* the table with a boolean ``suppressed`` column (row tables) or the boolean mask (cell tables), so the notebook
  shows :data:`evaluation.stats.disclosure.MARK` instead of the number, and
* the result keys without those of the hidden cells, plus a ``suppressed`` marker (``True``) where a report needs
  to know that a row exists but may not be shown, and ``<scope>.disclosure.<table>_suppressed`` counts.

What counts as a small cell: a statistic over a *subset* of the scope's families (a subgroup's effect, a
subgroup's attrition rate, a risk flag's count, a scorecard indicator) is small when it describes fewer than k
families; an estimate pooled over the scope (a DiD over 400 families) is small only when the scope itself is.
An effect or a difference compares two groups, so it describes ``min(n_prokus, n_comparison)`` families: the
smaller group's mean would follow from it and the other group's mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.core.config import NATIONAL, DesignSettings
from evaluation.core.indicators import INDICATORS
from evaluation.core.keys import key, prefix
from evaluation.stats import disclosure
from evaluation.stats.heterogeneity import INCOME_TERCILE, add_income_tercile
from evaluation.stats.regression import first_differences

__all__ = [
    "HET_FIELDS",
    "attrition_suppression",
    "balance_across_scopes",
    "balance_categories",
    "balance_suppression",
    "dose_suppression",
    "heterogeneity_suppression",
    "hidden_across_scopes",
    "hidden_cell_range",
    "hide_rows",
    "is_small",
    "level_counts",
    "monitoring_suppression",
    "risk_suppression",
    "run_suppression",
    "scorecard_suppression",
    "share_cells",
    "share_is_small",
]

# Scorecard shares that are not shares of families (the disbursed share of the planned rupiah).
NOT_FAMILY_SHARES = frozenset({"bsimu_amount"})
# Rows of the run's tables that publish the same cells (linked tables, Hundepool et al. 2012 §5.5): hiding the key
# row hides its followers. The families that received no BSIMU are both the scorecard's "did not receive"
# (1 - share of families) and the risk flag ``grant_not_disbursed``; the on-time indicator's n is the number who
# received it; the disbursed share of the planned amount equals the share of families when every plan is the same.
LINKED_ROWS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("scorecard", "bsimu_families"): (
        ("scorecard", "bsimu_amount"),
        ("scorecard", "bsimu_on_time"),
        ("risk", "grant_not_disbursed"),
    ),
    ("risk", "grant_not_disbursed"): (
        ("scorecard", "bsimu_families"),
        ("scorecard", "bsimu_amount"),
        ("scorecard", "bsimu_on_time"),
    ),
}
_KEEP_WHEN_HIDDEN = frozenset({"target", "suppressed"})  # a plan figure, and the marker itself


def _hide_row(keys: dict[str, object], scope: str, table: str, row: str) -> None:
    """Drop every published field of one row (``<scope>.<table>.<row>.*``) but its target; mark it suppressed."""
    pre = prefix(scope, table, row)
    for name in [x for x in keys if x.startswith(pre) and x.rsplit(".", 1)[1] not in _KEEP_WHEN_HIDDEN]:
        del keys[name]
    keys[key(scope, table, row, "suppressed")] = True


HET_FIELDS = ("estimate", "se", "ci_low", "ci_high", "p_value")
BALANCE_PROKUS = ("n_prokus", "mean_prokus", "sd_prokus")
BALANCE_COMPARISON = ("n_comparison", "mean_comparison", "sd_comparison")
BALANCE_BOTH = ("difference", "normalised_difference", "p_value")


def level_counts(
    panel: pd.DataFrame, outcome: str, design: DesignSettings, subgroup: str, fd: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Families per level of ``subgroup`` among those the DiD of ``outcome`` uses (both waves observed).

    Columns ``level``, ``n_prokus``, ``n_comparison``; every level present in the data, also those too small
    to estimate. ``fd``: the outcome's first differences keeping ``subgroup``, when already computed.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    outcome : str
        Outcome column.
    design : DesignSettings
        Column names of unit, period and cluster and the wave labels.
    subgroup : str
        Subgroup column.
    fd : pandas.DataFrame, optional
        :func:`evaluation.stats.regression.first_differences` of ``outcome`` keeping ``subgroup``.

    Returns
    -------
    pandas.DataFrame
        One row per level (sorted): ``level`` (str), ``n_prokus`` and ``n_comparison`` (families).
    """
    if fd is None:
        fd = first_differences(panel, outcome, design, keep=(subgroup,))
    fd = fd[fd[subgroup].notna()]
    lv = fd[subgroup].astype(str)
    t = (fd["treated"] == 1).to_numpy()
    out = pd.DataFrame({"level": lv.to_numpy(), "t": t.astype(int), "c": (~t).astype(int)})
    g = out.groupby("level", sort=True)[["t", "c"]].sum()
    return pd.DataFrame(
        {"level": g.index.astype(str), "n_prokus": g["t"].to_numpy(), "n_comparison": g["c"].to_numpy()}
    )


def heterogeneity_suppression(
    panel: pd.DataFrame,
    scope: str,
    design: DesignSettings,
    table: pd.DataFrame,
    keys: Mapping[str, object],
    k: int,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Hide the subgroup effects describing fewer than ``k`` families, and their complements.

    A level's row (effect, interval, p-value, N) describes ``min(n_prokus, n_comparison)`` families. The levels of
    one subgroup add up to the scope's families (published in the sample table), so if exactly one level is hidden
    (too small, or too small to estimate at all) the next smallest level is hidden too: otherwise its N would
    follow from the total. Keys of hidden levels are left out; ``<scope>.<outcome>.het_<subgroup>.suppressed_levels``
    counts the levels (with families in both groups) not shown, ``<scope>.disclosure.heterogeneity_suppressed``
    the hidden rows of the table.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    design : DesignSettings
        Column names of unit, period and cluster and the wave labels.
    table : pandas.DataFrame
        :func:`evaluation.stats.heterogeneity.heterogeneity`'s table.
    keys : mapping of str to object
        Its result keys.
    k : int
        Threshold (families).

    Returns
    -------
    table : pandas.DataFrame
        ``table`` with a boolean ``suppressed`` column.
    keys : dict
        The kept keys plus the ``suppressed_levels`` and ``heterogeneity_suppressed`` counts.

    Raises
    ------
    ValueError
        When ``k < 1`` or a level is not a valid key part.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*, Wiley, sections 5.2 and 5.5.
    """
    out = table.copy()
    out["suppressed"] = False
    kept = dict(keys)
    if table.empty:
        kept[key(scope, "disclosure", "heterogeneity_suppressed")] = 0
        return out, kept
    if INCOME_TERCILE in set(table["subgroup"]) and INCOME_TERCILE not in panel:
        panel = add_income_tercile(panel, design)
    hidden_rows = 0
    subgroups = tuple(dict.fromkeys(table["subgroup"]))
    diffs: dict[str, pd.DataFrame] = {}
    for (outcome, sg), rows in table.groupby(["outcome", "subgroup"], sort=False):
        if outcome not in diffs:  # one pass per outcome for all subgroups
            diffs[outcome] = first_differences(panel, outcome, design, keep=subgroups)
        counts = level_counts(panel, outcome, design, sg, diffs[outcome]).set_index("level")
        estimated = set(rows["level"].astype(str))
        n = pd.DataFrame({"row": counts[["n_prokus", "n_comparison"]].min(axis=1).astype(float)})
        withheld = pd.DataFrame({"row": [lv not in estimated for lv in counts.index]}, index=counts.index)
        rel = [[(lv, "row") for lv in counts.index]]
        mask = disclosure.suppression_mask(n, k, rel, withheld)["row"]
        both = (counts["n_prokus"] > 0) & (counts["n_comparison"] > 0)
        kept[key(scope, outcome, f"het_{sg}", "suppressed_levels")] = int((mask & both).sum())
        for idx, lv in rows["level"].astype(str).items():
            if bool(mask.get(lv, False)):
                out.at[idx, "suppressed"] = True
                hidden_rows += 1
                for f in HET_FIELDS:
                    kept.pop(key(scope, outcome, f"het_{sg}", f"{lv}_{f}"), None)
    kept[key(scope, "disclosure", "heterogeneity_suppressed")] = hidden_rows
    return out, kept


def attrition_suppression(
    rates: pd.DataFrame, scope: str, keys: Mapping[str, object], k: int
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Mask of ``rate_prokus`` / ``rate_comparison`` cells over fewer than ``k`` baseline families.

    The levels of a characteristic add up to its ``all`` row (one relation per characteristic and group), so a
    lone hidden level hides the next smallest too. Returns the mask (index of ``rates``) and the kept keys.

    Parameters
    ----------
    rates : pandas.DataFrame
        :func:`evaluation.stats.attrition.attrition_rates`'s table.
    scope : str
        Label that prefixes the result keys.
    keys : mapping of str to object
        Its result keys.
    k : int
        Threshold (families).

    Returns
    -------
    mask : pandas.DataFrame
        Boolean, columns ``rate_prokus`` and ``rate_comparison``, index of ``rates``.
    keys : dict
        The kept keys plus ``<scope>.disclosure.attrition_suppressed``.

    Raises
    ------
    ValueError
        When ``k < 1``.

    References
    ----------
    Hundepool et al. (2012), sections 5.2 and 5.5.
    """
    cols = ["rate_prokus", "rate_comparison"]
    n = pd.DataFrame({"rate_prokus": rates["n_prokus"].astype(float), "rate_comparison": rates["n_comparison"]})
    n = n.astype(float)
    all_rows = rates.index[rates["characteristic"] == "all"]
    rel: list[list[disclosure.Cell]] = []
    for char, grp in rates.groupby("characteristic", sort=False):
        if char == "all" or len(all_rows) == 0:
            continue
        rel += disclosure.total_relations([*grp.index], all_rows[0], cols)
    mask = disclosure.suppression_mask(n, k, rel)
    kept = dict(keys)
    for i in rates.index:
        for col in cols:
            if mask.at[i, col]:
                tag = col.removeprefix("rate_")
                kept.pop(key(scope, "attrition", f"{rates.at[i, 'characteristic']}_{rates.at[i, 'level']}", tag), None)
    kept[key(scope, "disclosure", "attrition_suppressed")] = int(mask.to_numpy().sum())
    return mask, kept


def _binary(table: pd.DataFrame, group: str) -> np.ndarray:
    """Rows whose ``group`` column is a 0/1 variable: its SD is that of a share, ``sqrt(m (1 - m) n / (n - 1))``."""
    m = table[f"mean_{group}"].astype(float).to_numpy()
    sd = table[f"sd_{group}"].astype(float).to_numpy()
    n = table[f"n_{group}"].astype(float).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.sqrt(np.clip(m * (1 - m), 0, None) * n / (n - 1))
    return (m >= 0) & (m <= 1) & np.isclose(sd, expected, rtol=1e-6, atol=1e-9)


def balance_suppression(
    table: pd.DataFrame,
    scope: str,
    keys: Mapping[str, object],
    k: int,
    categories: Mapping[str, list[str]] | None = None,
    withheld: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Mask of the balance table's cells (columns of :data:`BALANCE_PROKUS` etc.) describing fewer than ``k``.

    Each group's N, mean and SD describe that group; the difference, normalised difference and p-value describe
    both (``min``). Any two of the two means and the difference give the third (a row relation). A 0/1 variable
    (a category dummy such as ``business_type_crafts``, or a binary outcome) is a count in disguise: its mean
    times N is the number of families with (and without) the attribute, so its cells describe
    ``min(count, N - count)`` families, and the dummies of one categorical variable (``categories``: variable ->
    dummy names) add up to 1, a relation per column. A hidden share hides its SD (the SD of a share gives the
    share back) and the row's between-group statistics.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`evaluation.stats.balance.balance_table`'s table.
    scope : str
        Label that prefixes the result keys.
    keys : mapping of str to object
        Its result keys.
    k : int
        Threshold (families).
    categories : mapping of str to list of str, optional
        Dummy rows of each categorical variable (:func:`balance_categories`).
    withheld : pandas.DataFrame, optional
        Boolean mask of cells hidden for another reason (across scopes: :func:`balance_across_scopes`); their
        complements are hidden as for small cells.

    Returns
    -------
    mask : pandas.DataFrame
        Boolean mask of the table's statistic columns, index of ``table``.
    keys : dict
        The kept keys plus ``<scope>.disclosure.balance_suppressed``.

    Raises
    ------
    ValueError
        When ``k < 1``.

    References
    ----------
    Hundepool et al. (2012), sections 5.2 and 5.5.
    """
    cols = [*BALANCE_PROKUS, *BALANCE_COMPARISON, *BALANCE_BOTH]
    if table.empty:
        return pd.DataFrame(columns=cols, dtype=bool), {**keys, key(scope, "disclosure", "balance_suppressed"): 0}
    n = pd.DataFrame(index=table.index)
    cells = {}
    for g in ("prokus", "comparison"):
        size = table[f"n_{g}"].astype(float)
        count = (table[f"mean_{g}"].astype(float) * size).round()
        rest = np.minimum(count, size - count)
        cells[g] = size.where(~(_binary(table, g) & (rest > 0)), np.minimum(size, rest))
    for c in BALANCE_PROKUS:
        n[c] = cells["prokus"] if c != "n_prokus" else table["n_prokus"].astype(float)
    for c in BALANCE_COMPARISON:
        n[c] = cells["comparison"] if c != "n_comparison" else table["n_comparison"].astype(float)
    for c in BALANCE_BOTH:
        n[c] = np.minimum(cells["prokus"], cells["comparison"])
    rel = disclosure.row_relations(table.index, ["mean_prokus", "mean_comparison", "difference"])
    where = {v: i for i, v in table["variable"].items()}
    for dummies in (categories or {}).values():
        rows = [where[d] for d in dummies if d in where]
        if len(rows) > 1:
            rel += [[(r, c) for r in rows] for c in ("mean_prokus", "mean_comparison", "difference")]
    binary = {g: _binary(table, g) for g in ("prokus", "comparison")}
    extra = None if withheld is None else withheld.reindex(index=n.index, columns=n.columns).eq(True)
    mask = disclosure.suppression_mask(n, k, rel, extra)
    while True:
        spread = mask.copy()
        for pos, i in enumerate(table.index):
            for g in ("prokus", "comparison"):
                own = [f"mean_{g}", f"sd_{g}"]
                if binary[g][pos] and mask.loc[i, own].any():
                    spread.loc[i, [*own, *BALANCE_BOTH]] = True
        if spread.equals(mask):
            break
        mask = disclosure.suppression_mask(n, k, rel, spread if extra is None else spread | extra)
    kept = dict(keys)
    for i in table.index:
        for c in cols:
            if mask.at[i, c]:
                kept.pop(key(scope, "balance", table.at[i, "variable"], c), None)
    kept[key(scope, "disclosure", "balance_suppressed")] = int(mask.to_numpy().sum())
    return mask, kept


def balance_categories(panel: pd.DataFrame, covariates: list[str] | tuple[str, ...], table: pd.DataFrame) -> dict:
    """The dummy rows of each categorical covariate in a balance table (``<variable>_<level>``).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table.
    covariates : list or tuple of str
        Balance covariates.
    table : pandas.DataFrame
        :func:`evaluation.stats.balance.balance_table`'s table.

    Returns
    -------
    dict
        Each categorical covariate mapped to its dummy rows' variable names.
    """
    out = {}
    for var in covariates:
        if var in panel and not pd.api.types.is_numeric_dtype(panel[var]):
            out[var] = [v for v in table["variable"] if str(v).startswith(f"{var}_")]
    return out


def dose_suppression(
    table: pd.DataFrame, scope: str, keys: Mapping[str, object], k: int
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Dose coefficients are pooled over the scope's ProKUS families: hidden only when fewer than ``k`` of them.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`evaluation.stats.dose.dose_response`'s table.
    scope : str
        Label that prefixes the result keys.
    keys : mapping of str to object
        Its result keys.
    k : int
        Threshold (families).

    Returns
    -------
    table : pandas.DataFrame
        ``table`` with a boolean ``suppressed`` column.
    keys : dict
        The kept keys plus ``<scope>.disclosure.dose_suppressed``.
    """
    out = table.copy()
    out["suppressed"] = (out["n_units"] < k) if not out.empty else pd.Series(dtype=bool)
    kept = dict(keys)
    for o in set(out.loc[out["suppressed"], "outcome"]) if not out.empty else ():
        pre = prefix(scope, o, "dose")
        for name in [x for x in kept if x.startswith(pre)]:
            del kept[name]
    kept[key(scope, "disclosure", "dose_suppressed")] = int(out["suppressed"].sum()) if not out.empty else 0
    return out, kept


def share_cells(share: float | None, n: float | None) -> tuple[float, float]:
    """The two counts a share of ``n`` families publishes: ``round(share * n)`` and ``n`` minus it (NaN if unknown).

    Parameters
    ----------
    share : float or None
        The share (0-1).
    n : float or None
        The families it is a share of.

    Returns
    -------
    tuple of float
        Families with and without the attribute.
    """
    if share is None or n is None or not (np.isfinite(share) and np.isfinite(n)):
        return float("nan"), float("nan")
    yes = float(round(share * n))
    return yes, float(n) - yes


def share_is_small(share: float | None, n: float | None, k: int) -> bool:
    """True when either count a share publishes (:func:`share_cells`) describes 1 to ``k - 1`` families.

    Parameters
    ----------
    share : float or None
        The share (0-1).
    n : float or None
        The families it is a share of.
    k : int
        Threshold (families).

    Returns
    -------
    bool
        Whether the share must be suppressed by the threshold rule.
    """
    return any(is_small(c, k) for c in share_cells(share, n))


def _family_share(indicator: str) -> bool:
    """A scorecard indicator whose realisation is a share of the families counted in its ``n``."""
    ind = INDICATORS.get(indicator)
    return ind is not None and ind.kind == "share" and indicator not in NOT_FAMILY_SHARES


def scorecard_suppression(
    table: pd.DataFrame, scope: str, keys: Mapping[str, object], k: int
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Hide an indicator's realisation, ratio, status and n when it describes fewer than ``k`` families.

    An indicator describes its ``n`` families and, when its realisation is a share of them (:data:`INDICATORS`
    kind ``share``, except shares of rupiah), the two counts ``share * n`` and ``(1 - share) * n``: it is hidden
    when any of them is 1 to ``k - 1`` (:func:`share_is_small`; "95.5% of 200 received" tells that 9 did not).
    Linked rows (:data:`LINKED_ROWS`) follow: when the share of families that received BSIMU is hidden, so are the
    share of the amount (equal when every plan is the same) and the on-time indicator (its ``n`` is the number who
    received it). The target (a plan figure) stays. Hidden indicators get
    ``<scope>.scorecard.<indicator>.suppressed = True`` and are left out of the status summary counts.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`evaluation.stats.monitoring.scorecard`'s table.
    scope : str
        Label that prefixes the result keys.
    keys : mapping of str to object
        Its result keys.
    k : int
        Threshold (families).

    Returns
    -------
    table : pandas.DataFrame
        ``table`` with a boolean ``suppressed`` column.
    keys : dict
        The kept keys, ``suppressed`` markers, recounted summaries and ``<scope>.disclosure.scorecard_suppressed``.
    """
    out = table.copy()
    n = out["n"].astype(float)
    small = np.array((n > 0) & (n < k), dtype=bool)
    for pos, (name, share, size) in enumerate(zip(out["indicator"], out["realisation"], n, strict=True)):
        if _family_share(name) and share_is_small(float(share), float(size), k):
            small[pos] = True
    hidden = {name for name, h in zip(out["indicator"], small, strict=True) if h}
    for (table_a, row_a), followers in LINKED_ROWS.items():
        if table_a == "scorecard" and row_a in hidden:
            hidden |= {row for t, row in followers if t == "scorecard"}
    out["suppressed"] = out["indicator"].isin(hidden).to_numpy()
    kept = dict(keys)
    for _, r in out[out["suppressed"]].iterrows():
        _hide_row(kept, scope, "scorecard", r["indicator"])
    shown = out[~out["suppressed"]]
    for name in [x for x in kept if x.startswith(prefix(scope, "scorecard", "summary"))]:
        status = name.rsplit(".", 1)[1]
        kept[name] = int((shown["status"] == status).sum())
    kept[key(scope, "disclosure", "scorecard_suppressed")] = int(out["suppressed"].sum())
    return out, kept


def risk_suppression(
    summary: pd.DataFrame, scope: str, keys: Mapping[str, object], k: int
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Hide a risk flag's count and rate when it describes fewer than ``k`` families.

    The rate is count / n with n published (``risk.n_families``), so count and rate are hidden together, when the
    flagged families (``0 < count < k``) or the others (``0 < n - count < k``) are too few; when the
    scope itself has fewer than ``k`` programme families every row (and n) is hidden. Hidden flags get
    ``<scope>.risk.<flag>.suppressed = True``.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`evaluation.stats.monitoring.risk_flags`'s summary.
    scope : str
        Label that prefixes the result keys.
    keys : mapping of str to object
        Its result keys.
    k : int
        Threshold (families).

    Returns
    -------
    summary : pandas.DataFrame
        ``summary`` with a boolean ``suppressed`` column.
    keys : dict
        The kept keys, ``suppressed`` markers and ``<scope>.disclosure.risk_suppressed``.
    """
    out = summary.copy()
    count = out["count"].astype(float)
    base = out["n"].astype(float)
    rest = base - count  # the families without the flag: n is published, so they follow from the count
    out["suppressed"] = (((count > 0) & (count < k)) | ((rest > 0) & (rest < k)) | ((base > 0) & (base < k))).to_numpy()
    kept = dict(keys)
    for _, r in out[out["suppressed"]].iterrows():
        _hide_row(kept, scope, "risk", r["flag"])
    if len(base) and 0 < float(base.iloc[0]) < k:
        kept.pop(key(scope, "risk", "n_families"), None)
    kept[key(scope, "disclosure", "risk_suppressed")] = int(out["suppressed"].sum())
    return out, kept


def arm_sizes(panel: pd.DataFrame, design: DesignSettings) -> tuple[int, int]:
    """ProKUS and comparison families observed at baseline and endline (the families a DiD compares).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table with a 0/1 ``treated`` column.
    design : DesignSettings
        Column names of unit and period and the wave labels.

    Returns
    -------
    n_prokus : int
        ProKUS families with both waves.
    n_comparison : int
        Comparison families with both waves.
    """
    waves = panel[panel[design.period].isin([design.before, design.after])]
    per = waves.groupby(design.unit, sort=False).agg(t=("treated", "first"), w=(design.period, "nunique"))
    both = per[per["w"] == 2]
    return int((both["t"] == 1).sum()), int((both["t"] == 0).sum())


def is_small(n: float | None, k: int) -> bool:
    """True for a count describing some but fewer than ``k`` families.

    Parameters
    ----------
    n : float or None
        Number of families a cell describes (None or NaN: not a count).
    k : int
        Threshold (families).

    Returns
    -------
    bool
        ``0 < n < k``.
    """
    return n is not None and bool(np.isfinite(n)) and 0 < n < k


def _number(results: Mapping[str, object], name: str) -> float | None:
    v = results.get(name)
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _rows(results: Mapping[str, object], k: int) -> dict[tuple[str, str, str], tuple[bool, float]]:
    """Every scorecard and risk row of a merged results mapping: (scope, table, row) -> (hidden, size).

    A row is hidden when its notebook hid it (``suppressed``), when its scope's base is hidden, or by the threshold
    rule applied to the counts its published fields give (a count and the base; a share and its n). ``size``: the
    families the row's smaller count describes (NaN when hidden or unknown), used to choose complementary rows.
    """
    rows: dict[tuple[str, str, str], tuple[bool, float]] = {}
    for name in results:
        parts = name.split(".")
        if len(parts) != 4 or parts[1] not in ("scorecard", "risk") or parts[2] == "summary":
            continue
        scope, table, row = parts[:3]
        if (scope, table, row) in rows:
            continue
        if results.get(key(scope, table, row, "suppressed")) is True:
            rows[(scope, table, row)] = (True, float("nan"))
            continue
        if table == "risk":
            count, base = (
                _number(results, key(scope, "risk", row, "count")),
                _number(results, key(scope, "risk", "n_families")),
            )
            if count is None or base is None:
                rows[(scope, table, row)] = (True, float("nan"))
                continue
            yes, no = count, base - count
        else:
            n = _number(results, key(scope, "scorecard", row, "n"))
            if n is None:
                rows[(scope, table, row)] = (True, float("nan"))
                continue
            if _family_share(row):
                yes, no = share_cells(_number(results, key(scope, "scorecard", row, "realisation")), n)
            else:
                yes, no = n, float("nan")
            if is_small(n, k):
                rows[(scope, table, row)] = (True, float("nan"))
                continue
        small = is_small(yes, k) or is_small(no, k)
        sizes = [c for c in (yes, no) if np.isfinite(c)]
        rows[(scope, table, row)] = (small, min(sizes) if sizes else float("nan"))
    return rows


def _row_counts(results: Mapping[str, object], scope: str, table: str, row: str) -> tuple[float, float] | None:
    """The two counts a published scorecard or risk row describes (families with and without), or None."""
    if table == "risk":
        count = _number(results, key(scope, "risk", row, "count"))
        base = _number(results, key(scope, "risk", "n_families"))
        return None if count is None or base is None else (count, base - count)
    n = _number(results, key(scope, "scorecard", row, "n"))
    if n is None or not _family_share(row):
        return None
    return share_cells(_number(results, key(scope, "scorecard", row, "realisation")), n)


def hidden_cell_range(total: float, m: int, k: int) -> tuple[float, float]:
    """The values an attacker can still give one of ``m`` hidden cells that add up to ``total``.

    Each hidden cell is assumed to describe 1 to ``k - 1`` families (the threshold rule), so one of them lies in
    ``[max(1, total - (m - 1)(k - 1)), min(k - 1, total - (m - 1))]``; a narrow range pins it (two hidden regions
    whose counts add up to 2 are 1 each).

    Parameters
    ----------
    total : float
        The hidden cells' total (the national count minus the regions shown).
    m : int
        Number of hidden cells.
    k : int
        Threshold (families).

    Returns
    -------
    (float, float)
        Lowest and highest value of one hidden cell.
    """
    return max(1.0, total - (m - 1) * (k - 1)), min(k - 1.0, total - (m - 1))


def _pinned(
    results: Mapping[str, object], members: list[tuple[str, str, str]], shut: list, k: int, national: str
) -> bool:
    """True when two or more hidden rows of a national-regions relation can be pinned from their total.

    The national row shown, the hidden regions' total is national minus the regions shown, for the count with
    and the count without; when that total is at most ``m (k - 1)`` (every hidden cell could be small) and one
    hidden cell's range (:func:`hidden_cell_range`) is narrower than ``(k - 1) // 2`` families, the relation needs
    one more hidden row.
    """
    if any(m[0] == national for m in shut):
        return False  # the total itself is hidden: the hidden regions' sum is unknown
    if any(results.get(key(*m, "suppressed")) is not True and _row_counts(results, *m) is None for m in shut):
        return False  # a region the run does not publish: nothing says its count is small
    counts = {m: _row_counts(results, *m) for m in members if m not in shut}
    if any(c is None for c in counts.values()):
        return False
    return _total_pins(counts.pop(members[0]), list(counts.values()), len(shut), k)


def _total_pins(total_counts: tuple[float, float], shown: list[tuple[float, float]], m: int, k: int) -> bool:
    """True when the national counts (with, without) minus the regions shown pin one of ``m`` hidden cells."""
    for side in (0, 1):
        total = total_counts[side] - sum(c[side] for c in shown)
        if not np.isfinite(total) or total > m * (k - 1):
            continue
        lo, hi = hidden_cell_range(total, m, k)
        if hi - lo < (k - 1) // 2:
            return True
    return False


def run_suppression(
    results: Mapping[str, object], k: int, regions: Sequence[str] | None = None, national: str = NATIONAL
) -> tuple[dict[str, object], list[tuple[str, str, str]]]:
    """Disclosure control across the whole run: linked tables and scopes, applied to the merged ``results.json``.

    Each notebook protects its own tables (:func:`scorecard_suppression`, :func:`risk_suppression`). Across the
    run, two more ways recover a hidden count, and this closes both, before any document is written:

    * **linked tables** (:data:`LINKED_ROWS`): the scorecard's share of families that received BSIMU publishes the
      count the risk flag ``grant_not_disbursed`` hides, and the on-time indicator's n publishes the count received:
      a hidden key row hides its followers;
    * **scopes**: the national figures are the total of the regional cells (same flag or indicator), so a region's
      hidden count would be the national count minus the other regions'. When exactly one row of such a relation
      (the national row and the rows of every region the national figures add up, ``regions``) is hidden, the open
      row describing the fewest families (preferring rows whose smaller count is not zero) is hidden too
      (complementary suppression), repeated with the links until nothing changes. A region of ``regions`` that the
      run does not publish counts as hidden (a run of some regions leaves the others' total unknown).

    Every row is first re-checked by the threshold rule on what it publishes (a count and its base, a share and its
    n: :func:`share_is_small`). A hidden row keeps only its target and gets ``suppressed = True``; the scorecard's
    status summary is recounted over the rows shown; ``<scope>.disclosure.{scorecard,risk}_suppressed`` count the
    hidden rows.

    Parameters
    ----------
    results : mapping of str to object
        The run's merged results (every scope).
    k : int
        Threshold ``[run] min_cell_size`` (families).
    regions : sequence of str, optional
        The regions whose rows add up to the national rows (the config's regions); default: the scopes of
        ``results`` other than ``national``.
    national : str, default "national"
        The scope whose rows are the total of the regions' rows.

    Returns
    -------
    results : dict
        The protected results (sorted keys).
    hidden : list of (scope, table, row)
        The rows this pass hid that the notebooks had shown, sorted.

    Raises
    ------
    ValueError
        When ``k < 1``.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*, Wiley, sections 5.2 and 5.5 (linked tables);
    ONS (2019), *Disclosure control guidance for tables*.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rows = _rows(results, k)
    parts = sorted(str(r) for r in regions) if regions is not None else sorted({s for s, _, _ in rows} - {national})
    hidden = {r for r, (h, _) in rows.items() if h}
    size = {r: s for r, (_, s) in rows.items()}
    changed = True
    while changed:
        changed = False
        for scope, table, row in sorted(hidden):
            for t, r in LINKED_ROWS.get((table, row), ()):
                if (scope, t, r) in rows and (scope, t, r) not in hidden:
                    hidden.add((scope, t, r))
                    changed = True
        for table, row in sorted({(t, r) for _, t, r in rows}):
            if (national, table, row) not in rows:
                continue
            members = [(s, table, row) for s in (national, *parts)]
            shut = [m for m in members if m in hidden or m not in rows]
            if len(members) < 2 or not shut:
                continue
            if len(shut) > 1 and not _pinned(results, members, shut, k, national):
                continue
            candidates = sorted(
                (m for m in members if m in rows and m not in hidden),
                key=lambda m: (not (size[m] > 0), size[m] if np.isfinite(size[m]) else np.inf, m),
            )
            if not candidates:
                continue
            hidden.add(candidates[0])
            changed = True
    out = dict(results)
    newly = sorted(r for r in hidden if out.get(key(*r, "suppressed")) is not True)
    for scope, table, row in newly:
        _hide_row(out, scope, table, row)
    for scope in sorted({r[0] for r in rows}):
        for table in ("scorecard", "risk"):
            n_hidden = sum(1 for r in hidden if r[0] == scope and r[1] == table)
            name = key(scope, "disclosure", f"{table}_suppressed")
            if name in out or any(r[0] == scope and r[1] == table for r in newly):
                out[name] = n_hidden
        for name in [x for x in out if x.startswith(prefix(scope, "scorecard", "summary"))]:
            status = name.rsplit(".", 1)[1]
            out[name] = sum(
                1 for (s, t, r) in rows if s == scope and t == "scorecard" and out.get(key(s, t, r, "status")) == status
            )
    return dict(sorted(out.items())), newly


def hidden_across_scopes(
    keys_by_scope: Mapping[str, Mapping[str, object]], scope: str, k: int, regions: Sequence[str]
) -> set[tuple[str, str]]:
    """The scorecard and risk rows of ``scope`` that disclosure control across the run hides.

    A notebook computes the monitoring keys of every scope of the data (cheap), protected as each notebook
    protects its own (:func:`scorecard_suppression`, :func:`risk_suppression`), and asks which of its own rows
    :func:`run_suppression` hides across scopes; so its own tables (and technical report) hide what the run hides.

    Parameters
    ----------
    keys_by_scope : mapping of str to mapping
        Each scope's scorecard and risk keys (regions and ``national``).
    scope : str
        The notebook's scope.
    k : int
        Threshold (families).
    regions : sequence of str
        The regions whose figures add up to the national ones.

    Returns
    -------
    set of (table, row)
        Rows of ``scope`` hidden by the run-level rule (``("risk", flag)`` or ``("scorecard", indicator)``).
    """
    merged: dict[str, object] = {}
    for part in keys_by_scope.values():
        merged.update(part)
    protected, _ = run_suppression(merged, k, regions)
    out = set()
    for name, value in protected.items():
        parts = name.split(".")
        if len(parts) == 4 and parts[0] == scope and parts[3] == "suppressed" and value is True:
            out.add((parts[1], parts[2]))
    return out


def hide_rows(
    table: pd.DataFrame, column: str, scope: str, name: str, keys: Mapping[str, object], rows: set[tuple[str, str]]
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Hide the rows of one of ``scope``'s tables named in ``rows`` (from :func:`hidden_across_scopes`).

    Parameters
    ----------
    table : pandas.DataFrame
        A scorecard table or risk summary with a ``suppressed`` column.
    column : str
        Its row-name column (``indicator`` or ``flag``).
    scope : str
        The scope.
    name : str
        ``"scorecard"`` or ``"risk"``.
    keys : mapping of str to object
        Its kept keys.
    rows : set of (table, row)
        The rows to hide.

    Returns
    -------
    table : pandas.DataFrame
        With ``suppressed`` set for those rows.
    keys : dict
        Without their keys, with their markers, the summary recounted and the disclosure count updated.
    """
    out = table.copy()
    kept = dict(keys)
    extra = out[column].isin({row for t, row in rows if t == name}).to_numpy() & ~out["suppressed"].to_numpy()
    if not extra.any():
        return out, kept
    out["suppressed"] = out["suppressed"].to_numpy() | extra
    for row in out.loc[extra, column]:
        _hide_row(kept, scope, name, row)
    kept[key(scope, "disclosure", f"{name}_suppressed")] = int(out["suppressed"].sum())
    if name == "scorecard":
        shown = out[~out["suppressed"]]
        for k_ in [x for x in kept if x.startswith(prefix(scope, "scorecard", "summary"))]:
            kept[k_] = int((shown["status"] == k_.rsplit(".", 1)[1]).sum())
    return out, kept


def balance_across_scopes(
    tables: Mapping[str, pd.DataFrame],
    categories: Mapping[str, Mapping[str, list[str]]],
    k: int,
    regions: Sequence[str],
    national: str = NATIONAL,
) -> dict[str, pd.DataFrame]:
    """Balance masks of every scope with complementary suppression across scopes (issue 15).

    A 0/1 row's group mean times its N is a count (families of a business type), and the national count is the
    total of the regions' (same variable and group), so a region's hidden mean would be the national count minus
    the other regions'. Each scope's mask starts as :func:`balance_suppression` makes it; whenever exactly one
    ``mean_<group>`` cell of such a relation (the national row and every region of ``regions``; a region without
    the row counts as hidden) is hidden, the open cell describing the fewest families (preferring a count that is
    not zero) is withheld and that scope's mask made again, so that its own complements follow (the other dummies
    of the category, the between-group statistics); repeated until nothing changes.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        Each scope's :func:`evaluation.stats.balance.balance_table` table (regions and ``national``).
    categories : mapping of str to mapping
        Each scope's :func:`balance_categories`.
    k : int
        Threshold (families).
    regions : sequence of str
        The regions whose counts add up to the national ones.
    national : str, default "national"
        The total scope.

    Returns
    -------
    dict of str to pandas.DataFrame
        Each scope's boolean mask (as :func:`balance_suppression` returns it).

    Raises
    ------
    ValueError
        When ``k < 1``.

    References
    ----------
    Hundepool et al. (2012), sections 5.2 and 5.5.
    """
    withheld = {s: pd.DataFrame(False, index=t.index, columns=list(t.columns)) for s, t in tables.items()}
    masks = {s: balance_suppression(t, s, {}, k, categories.get(s))[0] for s, t in tables.items()}
    if national not in tables:
        return masks
    rows = {s: {v: i for i, v in t["variable"].items()} for s, t in tables.items()}
    binary = {s: {g: dict(zip(t["variable"], _binary(t, g), strict=True)) for g in ("prokus", "comparison")}
              for s, t in tables.items()}  # fmt: skip
    changed = True
    while changed:
        changed = False
        for var in tables[national]["variable"]:
            for g in ("prokus", "comparison"):
                col = f"mean_{g}"
                members = [national, *regions]
                if not all(binary.get(s, {}).get(g, {}).get(var, False) for s in members if var in rows.get(s, {})):
                    continue
                shut = [s for s in members if var not in rows.get(s, {}) or masks[s].at[rows[s][var], col]]
                if len(shut) != 1:
                    continue

                def size(s: str, var: str = var, g: str = g) -> tuple[bool, float, str]:
                    t, i = tables[s], rows[s][var]
                    n_g = float(t.at[i, f"n_{g}"])
                    count = round(float(t.at[i, f"mean_{g}"]) * n_g)
                    smaller = min(count, n_g - count)
                    return (not smaller > 0, smaller, s)

                pick = min((s for s in members if s not in shut), key=size)
                withheld[pick].at[rows[pick][var], col] = True
                masks[pick] = balance_suppression(tables[pick], pick, {}, k, categories.get(pick), withheld[pick])[0]
                changed = True
    return masks


# Monitoring-round indicators that are shares of families (``<scope>.monitoring.<period>.<indicator>``), and the
# evaluation row whose count each one publishes at the last round (the endline scorecard equals the last round).
MONITORING_SHARES: dict[str, tuple[tuple[str, str], ...]] = {
    "families_paid": (("risk", "grant_not_disbursed"), ("scorecard", "bsimu_families")),
    "lpj_received": (("risk", "grant_report_missing"),),
}
# The disbursed share of the planned rupiah equals the share of families paid when every family's grant is the same
# (as LINKED_ROWS says for the scorecard): hidden with it.
MONITORING_FOLLOWERS: dict[str, tuple[str, ...]] = {"families_paid": ("rupiah_disbursed",)}
_MONITORING_KEY = re.compile(r"^(?P<scope>[^.]+)\.monitoring\.(?P<period>\d{4}-\d{2})\.(?P<ind>[a-z_]+)\.n$")


def _shares_pinned(results: Mapping[str, object], members: list, shut: list, k: int, national: str) -> bool:
    """:func:`_pinned` for monitoring shares (``(scope, period, indicator)`` members; counts are share x n)."""
    if any(m[0] == national for m in shut):
        return False
    counts = {}
    for scope, period, ind in (m for m in members if m not in shut):
        base = f"{scope}.monitoring.{period}.{ind}"
        share, n = _number(results, f"{base}.realisation"), _number(results, f"{base}.n")
        if share is None or n is None:
            return False
        counts[scope] = share_cells(share, n)
    return _total_pins(counts.pop(national), list(counts.values()), len(shut), k)


def monitoring_suppression(
    results: Mapping[str, object], k: int, regions: Sequence[str] | None = None, national: str = NATIONAL
) -> tuple[dict[str, object], list[tuple[str, str, str]]]:
    """Disclosure control of the monitoring rounds' shares of families, across rounds, tables and scopes.

    A round's share of families (families paid, grant-use reports received) over its n describes two counts, s*n
    and (1-s)*n; the same three ways that recover a hidden count in the evaluation tables recover it here, so the
    same rules apply, after :func:`run_suppression`:

    * the **threshold rule** on both counts (:func:`share_is_small`);
    * **linked rows**: the last round's share of families paid is the endline count the risk flag
      ``grant_not_disbursed`` (and the scorecard's ``bsimu_families``) describes, and its LPJ share the count of
      ``grant_report_missing``: when the evaluation hides that row, the last round hides the share (every round
      at or after the last one with the same value);
    * **scopes**: national counts are the total of the regions' (same round and indicator); a relation with exactly
      one hidden member hides the open member describing the fewest families too, repeated until nothing changes.

    A hidden share loses its realisation, ratio and status (and the quarterly realisation of the quarter it closes)
    and gets ``suppressed = True``; its plan stays.

    Parameters
    ----------
    results : mapping of str to object
        The run's merged results, already protected by :func:`run_suppression`.
    k : int
        Threshold ``[run] min_cell_size`` (families).
    regions : sequence of str, optional
        The regions whose counts add up to the national ones (default: every scope but ``national``).
    national : str, default "national"
        The total scope.

    Returns
    -------
    results : dict
        The protected results (sorted keys).
    hidden : list of (scope, period, indicator)
        The shares hidden, sorted.

    Raises
    ------
    ValueError
        When ``k < 1``.

    References
    ----------
    Hundepool, A. et al. (2012). *Statistical Disclosure Control*, Wiley, sections 5.2 and 5.5.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    rows: dict[tuple[str, str, str], float] = {}  # (scope, period, indicator) -> families its smaller count describes
    hidden: set[tuple[str, str, str]] = set()
    for name in results:
        m = _MONITORING_KEY.match(name)
        if not m or m["ind"] not in MONITORING_SHARES:
            continue
        row = (m["scope"], m["period"], m["ind"])
        n = _number(results, name)
        share = _number(results, f"{m['scope']}.monitoring.{m['period']}.{m['ind']}.realisation")
        if n is None or share is None:
            hidden.add(row)
            rows[row] = float("nan")
            continue
        yes, no = share_cells(share, n)
        rows[row] = min(yes, no)
        if share_is_small(share, n, k):
            hidden.add(row)
    for scope in sorted({s for s, _, _ in rows}):
        periods = sorted({p for s, p, _ in rows if s == scope})
        for ind, links in MONITORING_SHARES.items():
            if not any(results.get(key(scope, t, r, "suppressed")) is True for t, r in links):
                continue
            last = [(scope, p, ind) for p in periods if (scope, p, ind) in rows]
            if not last:
                continue
            final = results.get(f"{scope}.monitoring.{last[-1][1]}.{ind}.realisation")
            for row in last:  # every round that publishes the endline share (a round after the last payment)
                if results.get(f"{scope}.monitoring.{row[1]}.{ind}.realisation") == final:
                    hidden.add(row)
    scopes = {s for s, _, _ in rows}
    parts = sorted(str(r) for r in regions) if regions is not None else sorted(scopes - {national})
    changed = True
    while changed:
        changed = False
        for period, ind in sorted({(p, i) for _, p, i in rows}):
            if (national, period, ind) not in rows:
                continue
            members = [(s, period, ind) for s in (national, *parts)]
            shut = [m for m in members if m in hidden or m not in rows]
            if not shut or (len(shut) > 1 and not _shares_pinned(results, members, shut, k, national)):
                continue
            open_ = sorted(
                (m for m in members if m in rows and m not in hidden),
                key=lambda m: (not (rows[m] > 0), rows[m] if np.isfinite(rows[m]) else np.inf, m),
            )
            if open_:
                hidden.add(open_[0])
                changed = True
    for scope, period, ind in sorted(hidden):  # followers publish the same count (every family's plan is the same)
        for follower in MONITORING_FOLLOWERS.get(ind, ()):
            if f"{scope}.monitoring.{period}.{follower}.realisation" in results:
                hidden.add((scope, period, follower))
    out = dict(results)
    # families visited this round, of the families of the scope: the families not visited are a count too
    for name in [x for x in results if x.endswith(".visits.visited") and ".monitoring." in x]:
        visited = _number(results, name)
        families = _number(results, name.removesuffix(".visited") + ".families")
        if visited is None or families is None or is_small(visited, k) or is_small(families - visited, k):
            out.pop(name, None)
            out[name.removesuffix(".visited") + ".visited_suppressed"] = True
    values: dict[tuple[str, str], set[object]] = {}
    for scope, period, ind in sorted(hidden):
        base = f"{scope}.monitoring.{period}.{ind}"
        values.setdefault((scope, ind), set()).add(out.get(f"{base}.realisation"))
        for field in ("realisation", "ratio", "status"):
            out.pop(f"{base}.{field}", None)
        out[f"{base}.suppressed"] = True
    # the quarterly table of every later round repeats the share of the round that closed each quarter
    for name in [x for x in out if ".quarter." in x and x.endswith(".realisation") and ".monitoring." in x]:
        scope, ind = name.split(".", 1)[0], name.rsplit(".", 2)[1]
        if out[name] in values.get((scope, ind), ()):
            del out[name]
    return dict(sorted(out.items())), sorted(hidden)
