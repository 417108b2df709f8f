"""Analysis-ready tables: read a data directory and build the long analysis table.

A data directory holds ``roster.csv`` (one row per family), ``programme.csv`` (one row per ProKUS family: grant
and mentoring) and ``survey.csv`` (one row per family per wave), with the codebook's column names, and, for
synthetic data, ``dataset.json`` (its description) and ``truth.json`` (its true effects). Column types come from
the codebook, so region code ``31`` stays the string ``"31"`` and ids are never read as numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from evaluation.core.errors import UserError
from evaluation.core.paths import resolve
from evaluation.intake.codebook import Codebook, load_codebook

FILES = {"roster": "roster.csv", "programme": "programme.csv", "survey": "survey.csv"}
TEXT_TYPES = ("id", "string", "category", "multiple", "date")


@dataclass(frozen=True)
class Dataset:
    """The three tables of one evaluation, plus what is known about where they came from.

    Parameters
    ----------
    data_dir : str
        The data directory as given.
    roster : pandas.DataFrame
        One row per family.
    programme : pandas.DataFrame
        One row per ProKUS family (grant and mentoring).
    survey : pandas.DataFrame
        One row per family per wave.
    metadata : dict, optional
        The data set's ``dataset.json`` (empty for none).
    """

    data_dir: str
    roster: pd.DataFrame
    programme: pd.DataFrame
    survey: pd.DataFrame
    metadata: dict = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        """True when the data came from :mod:`evaluation.synthetic.demo` (reports then carry a banner)."""
        return bool(self.metadata.get("synthetic", False))

    def analysis_table(self) -> pd.DataFrame:
        """Build the long analysis table, see :func:`analysis_table`.

        Returns
        -------
        pandas.DataFrame
            One row per family per wave (treated value ``"prokus"``).
        """
        return analysis_table(self.roster, self.programme, self.survey)


def _dtypes(codebook: Codebook, table: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in codebook.table(table):
        out[v.name] = "string" if v.type in TEXT_TYPES else "float64"
    out["family_id"] = "string"
    return out


def read_table(path: Path, codebook: Codebook, table: str) -> pd.DataFrame:
    """Read one CSV with codebook types; a clear error for a missing file or column.

    Parameters
    ----------
    path : pathlib.Path
        The CSV file.
    codebook : Codebook
        The codebook (text types as ``string``, the rest as ``float64``).
    table : {"roster", "programme", "survey"}
        The table.

    Returns
    -------
    pandas.DataFrame
        The table, personal columns dropped, text stripped of surrounding spaces.

    Raises
    ------
    UserError
        When the file is missing, lacks a required column or holds a value its codebook type cannot read.
    """
    if not path.is_file():
        raise UserError(
            f"the {table} table is missing",
            file=str(path),
            fix=f"put {FILES[table]} in the data directory (prokus-eval demo-data writes an example)",
        )
    header = pd.read_csv(path, nrows=0).columns.tolist()
    required = [v.name for v in codebook.table(table) if v.required and not v.personal]
    if table != "roster":
        required = ["family_id", *required]
    missing = [c for c in required if c not in header]
    if missing:
        raise UserError(
            f"required column(s) {', '.join(missing)} are missing",
            file=str(path),
            row=1,
            column=missing[0],
            rule="every required codebook variable of the table must be a column",
            fix="rename the columns to the codebook names or add them",
        )
    types = {k: v for k, v in _dtypes(codebook, table).items() if k in header}
    try:
        df = pd.read_csv(path, dtype=types, keep_default_na=True, na_values=[""])
    except (ValueError, TypeError) as exc:
        raise UserError(
            f"a value could not be read with the codebook type ({exc})",
            file=str(path),
            rule="numeric columns hold plain numbers with '.' as decimal point",
            fix="run `prokus-eval validate` on the raw export to locate the value",
        ) from None
    personal = [c for c in df.columns if c in codebook and codebook[c].personal]
    df = df.drop(columns=personal)  # never carried into an analysis, even from an unprocessed directory
    for c in df.columns:
        if df[c].dtype == "string":
            df[c] = df[c].str.strip()
    return df


def load_dataset(data_dir: str | Path, codebook: Codebook | None = None) -> Dataset:
    """Read a data directory into a :class:`Dataset`.

    Parameters
    ----------
    data_dir : str or path-like
        The (processed) data directory, relative to the project root or absolute.
    codebook : Codebook, optional
        The codebook; the project's when None.

    Returns
    -------
    Dataset
        The three tables and the metadata.

    Raises
    ------
    UserError
        When the directory or a table is missing, a table cannot be read (:func:`read_table`), a family has two
        rows in one wave, or a surveyed family is not in the roster.
    """
    d = resolve(data_dir)
    if not d.is_dir():
        raise UserError(
            "the data directory does not exist",
            file=str(data_dir),
            fix="run `prokus-eval demo-data` for the demo, or point [run] data_dir at your data",
        )
    cb = codebook or load_codebook()
    roster = read_table(d / FILES["roster"], cb, "roster")
    programme = read_table(d / FILES["programme"], cb, "programme")
    survey = read_table(d / FILES["survey"], cb, "survey")
    dup = survey.duplicated(["family_id", "wave"], keep=False)
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0]) + 2
        raise UserError(
            f"family {survey.loc[dup, 'family_id'].iloc[0]} has more than one {survey.loc[dup, 'wave'].iloc[0]} row",
            file=str(d / FILES["survey"]),
            row=row,
            column="family_id",
            rule="one row per family per wave",
            fix="remove the duplicate interview",
        )
    unknown = ~survey["family_id"].isin(roster["family_id"])
    if unknown.any():
        row = int(unknown.to_numpy().nonzero()[0][0]) + 2
        raise UserError(
            f"family {survey.loc[unknown, 'family_id'].iloc[0]} is not in the roster",
            file=str(d / FILES["survey"]),
            row=row,
            column="family_id",
            rule="every surveyed family is in roster.csv",
            fix="add the family to the roster or correct its id",
        )
    meta_path = d / "dataset.json"
    metadata = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    return Dataset(data_dir=str(data_dir), roster=roster, programme=programme, survey=survey, metadata=metadata)


def load_truth(data_dir: str | Path) -> dict[str, float]:
    """Read the true effects a synthetic data set was built with (empty for real data).

    Parameters
    ----------
    data_dir : str or path-like
        The data directory.

    Returns
    -------
    dict of str to float
        ``truth.json``: results keys ``<scope>.<outcome>.att`` and ``<scope>.<outcome>.change`` (in the outcome's
        unit, e.g. IDR per month); empty when the directory has no ``truth.json``.
    """
    p = resolve(data_dir) / "truth.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}


def analysis_table(
    roster: pd.DataFrame, programme: pd.DataFrame, survey: pd.DataFrame, treated_value: str = "prokus"
) -> pd.DataFrame:
    """Join the tables to one row per family per wave: survey, roster characteristics, programme and ``treated``.

    ``treated`` is 1 for ProKUS families (``group == treated_value``) and 0 for the comparison group. Programme
    columns are empty for comparison families. Rows are sorted by family and wave, so the table is the same
    whatever order the inputs came in.

    Parameters
    ----------
    roster : pandas.DataFrame
        One row per family, with ``family_id`` and ``group``.
    programme : pandas.DataFrame
        At most one row per family, with ``family_id``.
    survey : pandas.DataFrame
        One row per family per wave, with ``family_id`` and ``wave``.
    treated_value : str, optional
        The ``group`` of ProKUS families.

    Returns
    -------
    pandas.DataFrame
        ``len`` = survey rows whose family is in the roster; survey, roster and programme columns plus
        ``treated`` (int, 0/1).

    Raises
    ------
    pandas.errors.MergeError
        When the roster or the programme has more than one row for a family.
    """
    df = survey.merge(roster, on="family_id", how="inner", validate="many_to_one")
    prog_cols = [c for c in programme.columns if c != "family_id"]
    if prog_cols:
        df = df.merge(programme, on="family_id", how="left", validate="many_to_one")
    df["treated"] = (df["group"] == treated_value).astype(int)
    return df.sort_values(["family_id", "wave"], kind="mergesort").reset_index(drop=True)
