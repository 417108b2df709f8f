"""Formula-safe cells: every CSV and XLSX cell the project writes is data, never a live spreadsheet formula.

A spreadsheet program opening a CSV treats a cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV / formula injection): a region name ``=HYPERLINK(...)`` typed into an export would become a
link, or worse, in the file an evaluator opens. Following the OWASP advice, such a text cell is written with a
leading single quote (``'=HYPERLINK(...)``), which spreadsheet programs show as the text itself. In an XLSX, the
cell is written as a string cell (``data_type`` ``s``) with the ``quotePrefix`` style, never as a formula.

Numbers stay numbers: a negative income ``-5000`` in a numeric column is not text and is written as is. Only text
values are guarded. Every CSV writer goes through :func:`write_csv` (or :func:`safe_frame`), every workbook cell
through :func:`safe_cell`.

References
----------
OWASP, "CSV Injection", https://owasp.org/www-community/attacks/CSV_Injection.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_formula_like(value: Any) -> bool:
    """Tell whether a value is text a spreadsheet would read as a formula.

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    bool
        True for a ``str`` beginning with one of :data:`FORMULA_START`.
    """
    return isinstance(value, str) and value.startswith(FORMULA_START)


def safe_text(value: Any) -> Any:
    """Guard one text value: a leading single quote before a formula character; anything else unchanged.

    Parameters
    ----------
    value : Any
        A cell value.

    Returns
    -------
    Any
        ``"'" + value`` when :func:`is_formula_like`, else ``value`` itself (numbers, missing values, plain text).
    """
    return QUOTE + value if is_formula_like(value) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Guard every text cell of a table (and its column names) before it is written as CSV.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.

    Returns
    -------
    pandas.DataFrame
        A copy whose text cells and column names beginning with a formula character carry a leading quote;
        numeric columns are untouched (negative numbers stay numbers).
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        hit = s.map(is_formula_like).astype(bool)
        if hit.any():
            out[col] = s.astype(object).where(~hit, s[hit].map(safe_text))
    out.columns = [safe_text(c) for c in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: str | Path, **kwargs: Any) -> Path:
    """Write a table as a formula-safe CSV (:func:`safe_frame`): no index, newline line ends unless told.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    path : str or path-like
        The file (written in place: call it on a temporary file or inside a folder being replaced).
    **kwargs
        Passed to :meth:`pandas.DataFrame.to_csv`.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    kwargs.setdefault("index", False)
    kwargs.setdefault("lineterminator", "\n")
    safe_frame(df).to_csv(path, **kwargs)
    return Path(path)


def safe_cell(cell: Any) -> Any:
    """Make an openpyxl cell that holds formula-like text a plain string cell (``data_type`` ``s``, quote prefix).

    Parameters
    ----------
    cell : openpyxl.cell.Cell
        A cell already given its value (openpyxl types text beginning with ``=`` as a formula).

    Returns
    -------
    openpyxl.cell.Cell
        The same cell; the value itself is kept, shown as text.
    """
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
