"""Formula-aware XLSX input: a formula cell without a saved value is an error, never a blank answer.

An XLSX stores, for a formula cell, the formula and (when the program that saved it computed it) its last value.
Files written by scripts, or saved by some tools without recalculation, hold formulas without values; read for
their values (``openpyxl`` ``data_only=True``) these cells are empty, so answers would silently vanish (32 incomes
in issue 14) and validation would see nothing wrong. The workbook is therefore read a second time for its formulas
(``data_only=False``): every formula cell whose saved value is empty is a ``type_xlsx_formula`` error naming
file, row and column (an unreadable cell, so not reported again as missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from evaluation.intake.parsing import is_blank
from evaluation.intake.problems import Problem

__all__ = ["unsaved_formulas"]

MAX_REPORTED = 200  # per file: the rest are counted in the last problem


def unsaved_formulas(
    path: Path, shown: str, header: Sequence[str], values: Mapping[int, Sequence[Any]]
) -> list[Problem]:
    """Find the formula cells of a workbook's first sheet that have no saved value.

    Parameters
    ----------
    path : pathlib.Path
        The workbook.
    shown : str
        The file as problems show it.
    header : sequence of str
        The header row's names (for the column of each problem).
    values : mapping of int to sequence
        The saved values (``data_only=True``) of the records read, by 1-based sheet row; a row absent from it was
        blank in that reading.

    Returns
    -------
    list of Problem
        One ``type_xlsx_formula`` error per formula cell whose saved value is empty (at most :data:`MAX_REPORTED`,
        the last one counting the rest); empty when the workbook cannot be opened (the value reading reported it).
    """
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception:  # already reported by the value reading
        return []
    found: list[tuple[int, str]] = []
    try:
        for r, row in enumerate(wb.worksheets[0].iter_rows(min_row=2), start=2):
            saved = values.get(r)
            for j, cell in enumerate(row):
                if getattr(cell, "data_type", None) != "f":
                    continue
                value = saved[j] if saved is not None and j < len(saved) else None
                if is_blank(value):
                    name = header[j] if j < len(header) and header[j] else openpyxl.utils.get_column_letter(j + 1)
                    found.append((r, name))
    finally:
        wb.close()
    out = []
    for r, name in found[:MAX_REPORTED]:
        out.append(
            Problem(
                "error", shown, r, name, "", "type_xlsx_formula",
                "the cell holds a formula without a saved value, so its answer cannot be read (it would count as "
                "blank)",
                "open the workbook in Excel or LibreOffice and save it (the formulas are then computed and their "
                "values saved), or export values only, and run again",
            )
        )  # fmt: skip
    if len(found) > MAX_REPORTED:
        out[-1] = Problem(
            "error", shown, found[MAX_REPORTED - 1][0], found[MAX_REPORTED - 1][1], "", "type_xlsx_formula",
            f"this and {len(found) - MAX_REPORTED} more formula cells have no saved value",
            "open the workbook in Excel or LibreOffice and save it, or export values only, and run again",
            count=len(found) - MAX_REPORTED + 1,
        )  # fmt: skip
    return out
