"""Statistical disclosure control for published tables: the threshold rule with complementary suppression.

A published cell that describes fewer than ``k`` families (``[run] min_cell_size`` in the config, default 10)
is suppressed and shown as :data:`MARK` ("[c]", confidential, as the UK Office for National Statistics marks it;
the Australian Bureau of Statistics applies the same threshold rule). Cells describing no family (n = 0) carry
nothing to protect and are kept.

Suppressing one cell is not enough when it can be recomputed from the cells around it: a part from a total and
the other parts, a mean from the other group's mean and the difference, a count from a base and a percentage.
The caller states such *relations* (groups of cells of which any one follows from the others); whenever exactly
one cell of a relation is suppressed, the other cell of that relation describing the fewest families is
suppressed as well (complementary, or secondary, suppression), repeated until no relation has a single
suppressed cell. Reference: Hundepool et al. (2012), *Statistical Disclosure Control*, Wiley, §5.2 and §5.5
(threshold rule, secondary suppression); ONS (2019), *Disclosure control guidance for tables*.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.core.disclosure import DEFAULT_K, MARK

Cell = tuple[Hashable, Hashable]  # (row label, column name)


def suppression_mask(
    n: pd.DataFrame,
    k: int = DEFAULT_K,
    relations: Sequence[Sequence[Cell]] = (),
    withheld: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which cells to suppress, given the number of families ``n`` each cell describes (NaN: not a count cell).

    Primary: ``0 < n < k``, plus the cells in ``withheld`` (not published for another reason, e.g. too few
    families to estimate at all: they count as hidden when complementary suppression looks at a relation).
    Complementary: see the module docstring.

    Parameters
    ----------
    n : pandas.DataFrame
        Families described by each cell, shape ``(rows, columns)``; NaN for cells that are not counts.
    k : int, default :data:`evaluation.core.disclosure.DEFAULT_K`
        Threshold: cells describing 1 to ``k - 1`` families are suppressed.
    relations : sequence of sequence of (row, column), default ()
        Groups of cells of which any one follows from the others.
    withheld : pandas.DataFrame, optional
        Boolean frame of cells hidden for another reason (aligned on ``n``).

    Returns
    -------
    pandas.DataFrame
        Boolean mask shaped like ``n`` (True = suppress).

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
    counts = n.astype(float)
    mask = ((counts > 0) & (counts < k)).fillna(False).astype(bool)
    if withheld is not None:
        mask = mask | withheld.reindex_like(mask).fillna(False).astype(bool)
    changed = True
    while changed:
        changed = False
        for rel in relations:
            hidden = [c for c in rel if mask.at[c]]
            if len(hidden) != 1:
                continue
            open_cells = [c for c in rel if not mask.at[c]]
            if not open_cells:
                continue
            sizes = [counts.at[c] if np.isfinite(counts.at[c]) else np.inf for c in open_cells]
            pick = open_cells[int(np.argmin(sizes))]
            mask.at[pick] = True
            changed = True
    return mask


def apply(display: pd.DataFrame, mask: pd.DataFrame, mark: str = MARK) -> pd.DataFrame:
    """Replace the masked cells of ``display`` by ``mark``.

    Parameters
    ----------
    display : pandas.DataFrame
        The table as shown.
    mask : pandas.DataFrame
        Boolean mask whose index and columns are labels of ``display``.
    mark : str, default :data:`evaluation.core.disclosure.MARK`
        What a suppressed cell shows.

    Returns
    -------
    pandas.DataFrame
        A copy of ``display`` (object dtype) with the masked cells replaced.
    """
    out = display.astype(object).copy()
    for col in mask.columns:
        for row in mask.index[mask[col].to_numpy()]:
            out.at[row, col] = mark
    return out


def protect(
    display: pd.DataFrame,
    n: pd.DataFrame,
    k: int = DEFAULT_K,
    relations: Sequence[Sequence[Cell]] = (),
    mark: str = MARK,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Suppress the cells of ``display`` whose family count in ``n`` (same index, count columns) is below ``k``.

    Parameters
    ----------
    display : pandas.DataFrame
        The table as shown.
    n : pandas.DataFrame
        Families described by each cell (see :func:`suppression_mask`).
    k : int, default :data:`evaluation.core.disclosure.DEFAULT_K`
        Threshold.
    relations : sequence of sequence of (row, column), default ()
        Relations for complementary suppression.
    mark : str, default :data:`evaluation.core.disclosure.MARK`
        What a suppressed cell shows.

    Returns
    -------
    table : pandas.DataFrame
        The protected table.
    mask : pandas.DataFrame
        The boolean mask (for dropping the matching result keys).

    Raises
    ------
    ValueError
        When ``k < 1``.

    References
    ----------
    Hundepool et al. (2012), sections 5.2 and 5.5; ONS (2019), *Disclosure control guidance for tables*.
    """
    mask = suppression_mask(n, k, relations)
    return apply(display, mask, mark), mask


def drop_keys(keys: Mapping[str, object], mask: pd.DataFrame, key_of: Mapping[Cell, Sequence[str]]) -> dict:
    """Result keys without those of suppressed cells.

    Parameters
    ----------
    keys : mapping of str to object
        Result keys and values.
    mask : pandas.DataFrame
        Boolean suppression mask.
    key_of : mapping of (row, column) to sequence of str
        The keys each cell publishes.

    Returns
    -------
    dict
        ``keys`` without the keys of suppressed cells.
    """
    hidden = {k for cell, ks in key_of.items() if mask.at[cell] for k in ks}
    return {k: v for k, v in keys.items() if k not in hidden}


def row_relations(rows: Sequence[Hashable], columns: Sequence[str]) -> list[list[Cell]]:
    """One relation per row over ``columns`` (e.g. base, part, percentage of one group).

    Parameters
    ----------
    rows : sequence of hashable
        Row labels.
    columns : sequence of str
        Columns related within each row.

    Returns
    -------
    list of list of (row, column)
        One relation per row.
    """
    return [[(r, c) for c in columns] for r in rows]


def total_relations(rows: Sequence[Hashable], total_row: Hashable, columns: Sequence[str]) -> list[list[Cell]]:
    """One relation per column: the total row and the rows that add up to it.

    Parameters
    ----------
    rows : sequence of hashable
        Row labels (the total row may be among them; it is not repeated).
    total_row : hashable
        Label of the total row.
    columns : sequence of str
        Columns in which the rows add up to the total.

    Returns
    -------
    list of list of (row, column)
        One relation per column.
    """
    return [[(total_row, c), *((r, c) for r in rows if r != total_row)] for c in columns]
