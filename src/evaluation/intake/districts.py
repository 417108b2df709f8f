"""Data directories partitioned by district (Parquet), as :mod:`evaluation.synthetic.national` writes them.

A region notebook reads **only its district's partition** (three small files), so a national run of hundreds of
district reports never loads the whole country in one kernel. The national notebook reads the few columns it needs
from every partition into compact arrays (:func:`load_national_arrays`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.errors import UserError
from evaluation.core.paths import resolve
from evaluation.intake.tables import Dataset

LAYOUT = "parquet-by-district"
TABLES = ("roster", "programme", "survey")

__all__ = ["NationalArrays", "check_partitioned", "is_partitioned", "load_district", "load_national_arrays"]


def _metadata(d: Path) -> dict:
    p = d / "dataset.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.is_file() else {}


def is_partitioned(data_dir: str | Path) -> bool:
    """Tell whether ``data_dir`` holds Parquet partitions by district (``dataset.json`` layout).

    Parameters
    ----------
    data_dir : str or path-like
        A data directory.

    Returns
    -------
    bool
        True when its ``dataset.json`` says ``"layout": "parquet-by-district"``.
    """
    return _metadata(resolve(data_dir)).get("layout") == LAYOUT


def _part(d: Path, table: str, district: str) -> Path:
    path = d / table / f"district={district}" / "part-0.parquet"
    if not path.is_file():
        raise UserError(
            f"no {table} partition for district {district}",
            file=str(path),
            fix="regenerate the data (prokus-eval demo-data --districts ...) or choose a configured district",
        )
    return path


def check_partitioned(data_dir: str | Path, districts: object) -> None:
    """Fail early (before any kernel starts) when a district's partition is missing.

    Parameters
    ----------
    data_dir : str or path-like
        A partitioned data directory.
    districts : iterable of str
        The district codes a run will read.

    Raises
    ------
    UserError
        When a table has no partition for one of the districts.
    """
    d = resolve(data_dir)
    for code in districts:  # type: ignore[attr-defined]
        for table in TABLES:
            _part(d, table, str(code))


def load_district(data_dir: str | Path, district: str) -> Dataset:
    """Read the three tables of one district, with the column types the CSV reader gives (text as ``string``).

    Parameters
    ----------
    data_dir : str or path-like
        A partitioned data directory.
    district : str
        The district code.

    Returns
    -------
    Dataset
        The district's roster, programme and survey (integers as ``float64``), and the data set's metadata.

    Raises
    ------
    UserError
        When a table has no partition for the district.

    References
    ----------
    Apache Parquet format specification; Hive-style ``district=<code>`` partition directories (Apache Arrow,
    "Tabular Datasets").
    """
    d = resolve(data_dir)
    frames = {}
    for table in TABLES:
        df = pd.read_parquet(_part(d, table, district))
        for c in df.columns:
            if isinstance(df[c].dtype, pd.CategoricalDtype) or df[c].dtype == object:
                df[c] = df[c].astype("string")
            elif pd.api.types.is_integer_dtype(df[c].dtype):
                df[c] = df[c].astype("float64")
        frames[table] = df
    return Dataset(data_dir=str(data_dir), metadata=_metadata(d), **frames)


@dataclass(frozen=True)
class NationalArrays:
    """Every family-wave row of the country as a long frame in the estimators' pair layout.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per family-wave: ``family_id`` (Categorical over 0..N-1), ``wave`` (Categorical baseline,
        endline), ``village`` (Categorical over the country's villages), ``treated`` (int8), ``district``
        (Categorical) and one float64 column per outcome (in its unit, e.g. IDR per month).
    n_families : int
        N, the families of the country.
    n_prokus : int
        The ProKUS families among them.
    n_villages : int
        The villages of the country.
    districts : tuple of str
        The district codes, in the order of ``frame["district"]``'s categories.
    metadata : dict
        The data set's ``dataset.json``.
    """

    frame: pd.DataFrame
    n_families: int
    n_prokus: int
    n_villages: int
    districts: tuple[str, ...]
    metadata: dict


def load_national_arrays(
    data_dir: str | Path, districts: list[str], outcomes: list[str], treated_value: str = "prokus"
) -> NationalArrays:
    """Read the needed columns of every district and join survey to roster by dictionary codes (no string join).

    The generator gives a district's survey ``family_id`` the same dictionary as its roster, so the family of a
    survey row is ``roster[code]``; a partition where that does not hold is joined by value instead.

    Parameters
    ----------
    data_dir : str or path-like
        A partitioned data directory.
    districts : list of str
        The district codes to read, in order.
    outcomes : list of str
        The survey outcome columns to keep.
    treated_value : str, optional
        The roster ``group`` of ProKUS families.

    Returns
    -------
    NationalArrays
        The long frame of every family-wave row and the country's counts.

    Raises
    ------
    UserError
        When a partition is missing, or a district's survey holds a family its roster lacks.
    """
    d = resolve(data_dir)
    units, waves, villages, treated, dist = [], [], [], [], []
    values: dict[str, list[np.ndarray]] = {o: [] for o in outcomes}
    fam_offset = vill_offset = n_prokus = 0
    for k, code in enumerate(districts):
        roster = pd.read_parquet(_part(d, "roster", code), columns=["family_id", "village", "group"])
        survey = pd.read_parquet(_part(d, "survey", code), columns=["family_id", "wave", *outcomes])
        fam = roster["family_id"].astype("category")
        sfam = survey["family_id"].astype("category")
        if fam.cat.categories.equals(sfam.cat.categories) and (fam.cat.codes.to_numpy() == np.arange(len(fam))).all():
            rows = sfam.cat.codes.to_numpy().astype(np.int64)
        else:
            rows = pd.Index(roster["family_id"].astype(str)).get_indexer(survey["family_id"].astype(str))
            if (rows < 0).any():
                raise UserError(f"district {code}: survey families missing from the roster", file=str(d / "survey"))
        vill = roster["village"].astype("category")
        is_t = (roster["group"].astype(str) == treated_value).to_numpy()
        n_prokus += int(is_t.sum())
        units.append(rows + fam_offset)
        waves.append(survey["wave"].astype(str).eq("endline").to_numpy().astype(np.int8))
        villages.append(vill.cat.codes.to_numpy().astype(np.int64)[rows] + vill_offset)
        treated.append(is_t.astype(np.int8)[rows])
        dist.append(np.full(rows.size, k, dtype=np.int16))
        for o in outcomes:
            values[o].append(survey[o].to_numpy(dtype=np.float64, na_value=np.nan))
        fam_offset += len(roster)
        vill_offset += len(vill.cat.categories)
    frame = pd.DataFrame(
        {
            "family_id": pd.Categorical.from_codes(np.concatenate(units), categories=pd.RangeIndex(fam_offset)),
            "wave": pd.Categorical.from_codes(np.concatenate(waves), categories=["baseline", "endline"]),
            "village": pd.Categorical.from_codes(np.concatenate(villages), categories=pd.RangeIndex(vill_offset)),
            "treated": np.concatenate(treated),
            "district": pd.Categorical.from_codes(np.concatenate(dist), categories=list(districts)),
            **{o: np.concatenate(values[o]) for o in outcomes},
        }
    )
    return NationalArrays(frame, fam_offset, n_prokus, vill_offset, tuple(districts), _metadata(d))
