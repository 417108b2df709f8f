"""The per-table rules of the codebook as a pandera schema, run lazily so that every failure is reported at once.

Required values, ranges, categories, dates inside the programme period, one row per family (or per family and
wave in the survey) and the NIK structure form a pandera ``DataFrameSchema`` generated from the codebook
(:func:`schema_for`; DESIGN §3: the validation schema is derived from the codebook, never restated by hand).
:func:`check_schema` runs it in lazy mode and turns each failure case into a
:class:`~evaluation.intake.problems.Problem` whose rule is the check's name (:data:`RULE_TEXT`).

Rules across tables and outlier warnings are in :mod:`evaluation.intake.validation`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.intake.codebook import Codebook
from evaluation.intake.parsing import nik_birth_date
from evaluation.intake.problems import Problem, region_of, shown_value, where

__all__ = ["RULE_TEXT", "check_schema", "schema_for"]

RULE_TEXT = {
    "required": ("a required value is missing", "fill in the value (the codebook marks it required)"),
    "range": ("the value lies outside the codebook range", "correct the value, or its unit"),
    "category": ("the value is not a codebook category", "use one of the codebook's codes"),
    "date_period": ("the date lies outside the programme period", "correct the date (DD/MM/YYYY or YYYY-MM-DD)"),
    "duplicate_family": ("the family appears in more than one row", "keep one row per family; remove the duplicate"),
    "duplicate_family_wave": (
        "the family has more than one interview in this wave",
        "keep one interview per family per wave; remove the duplicate submission",
    ),
    "nik_format": ("a NIK has 16 digits", "correct the NIK from the family card (Kartu Keluarga)"),
    "nik_birth_date": (
        "digits 7-12 of a NIK are the birth date DDMMYY (women: day + 40) and must be a real date",
        "correct the NIK from the family card (Kartu Keluarga)",
    ),
}


def _duplicate_rows(df: pd.DataFrame, index: object, rule: str) -> str:
    """The rows of a duplicated family (in one wave for the survey), with their file when they lie in several."""
    if index not in df.index:
        return ""
    same = df["family_id"] == df.at[index, "family_id"]
    if rule == "duplicate_family_wave" and "wave" in df:
        same &= df["wave"] == df.at[index, "wave"]
    files = df.loc[same, "_file"].astype(str) if "_file" in df else pd.Series("", index=df.index[same])
    spots = sorted({(f, int(df.at[i, "_row"])) for i, f in files.items()})
    if len({f for f, _ in spots}) > 1:
        return f" ({', '.join(f'{Path(f).name} row {r}' for f, r in spots)})"
    return f" (rows {', '.join(str(r) for _, r in spots)})"


def _nik_format(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype("string").str.fullmatch(r"\d{16}").fillna(False)


def _nik_birth(s: pd.Series) -> pd.Series:
    def ok(x: object) -> bool:
        if pd.isna(x) or not re.fullmatch(r"\d{16}", str(x)):
            return True  # reported by nik_format
        return nik_birth_date(str(x))[0] is not None

    return s.map(ok).astype(bool)


def schema_for(codebook: Codebook, table: str, columns: Iterable[str]) -> object:
    """Build the pandera ``DataFrameSchema`` of one table from the codebook (only the columns present).

    Values are already typed by :mod:`evaluation.intake.parsing`; the schema checks required values, ranges,
    categories, date periods, NIK structure and uniqueness. Check names are the rule names of the report.

    Parameters
    ----------
    codebook : Codebook
        The codebook (``min``/``max`` in the variable's unit, e.g. IDR; dates as ISO ``YYYY-MM-DD``).
    table : {"roster", "programme", "survey"}
        The table.
    columns : iterable of str
        The columns of the typed table; codebook variables not among them get no check.

    Returns
    -------
    pandera.DataFrameSchema
        Named ``table``; unique on ``family_id`` (``family_id, wave`` for the survey) when those columns exist.

    References
    ----------
    pandera documentation, "DataFrameSchema" and "Lazy validation" (https://pandera.readthedocs.io).
    """
    import pandera.pandas as pa

    present = set(columns)
    cols = {}
    for var in codebook.table(table):
        if var.name not in present:
            continue
        checks = []
        if var.type in ("integer", "number", "binary") and (var.min or var.max):
            lo = float(var.min) if var.min else -np.inf
            hi = float(var.max) if var.max else np.inf
            checks.append(pa.Check(lambda s, lo=lo, hi=hi: s.isna() | s.between(lo, hi), name="range"))
        elif var.type == "date" and (var.min or var.max):
            lo, hi = var.min or "0000-01-01", var.max or "9999-12-31"
            checks.append(
                pa.Check(lambda s, lo=lo, hi=hi: s.isna() | ((s >= lo) & (s <= hi)).fillna(False), name="date_period")
            )
        elif var.type == "category":
            codes = [c.code for c in var.categories]
            checks.append(pa.Check(lambda s, codes=codes: s.isna() | s.isin(codes), name="category"))
        if var.name == "nik":
            checks += [pa.Check(_nik_format, name="nik_format"), pa.Check(_nik_birth, name="nik_birth_date")]
        cols[var.name] = pa.Column(nullable=not var.required, checks=checks, required=False)
    if table != "roster" and "family_id" in present:
        cols["family_id"] = pa.Column(nullable=False, required=False)
    unique = ["family_id", "wave"] if table == "survey" else ["family_id"]
    unique = [u for u in unique if u in present]
    return pa.DataFrameSchema(cols, unique=unique or None, name=table)


def check_schema(df: pd.DataFrame, codebook: Codebook, table: str) -> list[Problem]:
    """Run the table's schema lazily and turn every failure case into a :class:`Problem`.

    Parameters
    ----------
    df : pandas.DataFrame
        The typed table (one row per record; codebook columns plus ``_file``, ``_row`` and ``_region``).
    codebook : Codebook
        The codebook.
    table : {"roster", "programme", "survey"}
        The table.

    Returns
    -------
    list of Problem
        One error per failing cell (one per duplicated row, naming all rows of the family); empty when the
        table passes.

    References
    ----------
    pandera documentation, "Lazy validation": ``SchemaErrors.failure_cases``.
    """
    import pandera.pandas as pa

    schema = schema_for(codebook, table, df.columns)
    data = df.drop(columns=[c for c in df.columns if c.startswith("_")])
    try:
        schema.validate(data, lazy=True)  # type: ignore[attr-defined]
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    out: list[Problem] = []
    seen: set[tuple[object, str]] = set()
    for rec in cases.itertuples(index=False):
        check = str(rec.check)
        index = rec.index
        if check in ("multiple_fields_uniqueness", "field_uniqueness"):
            rule = "duplicate_family_wave" if table == "survey" else "duplicate_family"
            column = "family_id"
            if (index, rule) in seen:
                continue
        elif check == "not_nullable":
            rule, column = "required", str(rec.column)
        elif check in RULE_TEXT:
            rule, column = check, str(rec.column)
        else:  # a column missing from the frame etc.: should not happen, reported as it comes
            rule, column = check, str(rec.column)
        seen.add((index, rule))
        file, row = where(df, index)
        var = codebook[column] if column in codebook else None
        value = df.at[index, column] if (index in df.index and column in df) else rec.failure_case
        message, fix = RULE_TEXT.get(rule, (f"check {check} failed", "correct the value"))
        if rule == "range" and var is not None:
            message = f"the value lies outside the codebook range {var.min} to {var.max}" + (
                f" ({var.unit_en})" if var.unit_en else ""
            )
        if rule == "date_period" and var is not None:
            message = f"the date lies outside the programme period {var.min} to {var.max}"
        if rule == "category" and var is not None:
            message = f"the value is not one of the categories {', '.join(c.code for c in var.categories)}"
        if rule.startswith("duplicate"):
            message += _duplicate_rows(df, index, rule)
        shown = shown_value(var, value)
        out.append(Problem("error", file, row, column, shown, rule, message, fix, table, region_of(df, index)))
    return out
