"""Data release of a run: the pseudonymised analysis tables as CSV and labelled Stata files, with a disclosure check.

``prokus-eval release RUN_DIR --out DIR`` reads the processed tables a finished run used (its ``manifest.json``
names them with their SHA-256, checked again here), and writes into ``DIR``, whole or not at all
(:func:`evaluation.core.atomic.replacing_dir`, which never replaces a folder prokus-eval did not make):

* ``roster.csv``, ``programme.csv``, ``survey.csv``: the analysis tables, codes as in the codebook;
* ``<table>_id.dta`` and ``<table>_en.dta``: the same tables as Stata files (version 118) with variable labels and
  value labels from ``data/codebook.csv``, in Bahasa Indonesia and in English (Stata keeps one label language per
  file when written by pandas);
* ``codebook.csv``: the codebook of the released files (file, variable, labels, type, unit, values and their Stata
  codes), laid out as iecodebook and DDI variable metadata do;
* ``disclosure_risk.md`` and ``disclosure_risk.json``: k-anonymity (computed with pycanon) and the records at risk
  for every released quasi-identifier (:data:`QUASI_IDENTIFIERS`: every roster column that describes a family,
  and the released dates per family), listed for every coarsening level tried;
* ``README.md``: what the release holds, the data citation and a licence placeholder.

Direct identifiers never leave: only codebook variables that are not personal data are written (anything else a
processed table might hold is withheld and named in the README), and the pseudonymous family id is replaced by a
release id (``R00001``...) numbered in the order of the pseudonyms, so a release cannot be joined to the restricted
lists of the reports by the id column.

Dates are never released to the day: year-month at most (:func:`coarsen_dates`). Coarsening (global recoding, as
sdcMicro calls it) follows :data:`LADDER`: head's age in 10-year then 20-year bands, village replaced by its
sub-district, household size in bands, sub-district and household size withheld, education and business type
grouped, dates to the quarter, age in two bands, education and business type withheld, dates to the year, dates
withheld. ``coarsen="auto"`` climbs the ladder until k reaches the threshold (``[run] min_cell_size`` of the run's
config unless ``k`` is given); an explicit list of steps applies exactly those. When k stays below the threshold
nothing is written (:class:`ReleaseError`, exit code 2) and the message gives k and the records at risk (or says
that no coarsening reaches the threshold). ``--out`` is refused inside the project's data folders or a run, and over
any non-empty folder that an earlier release did not write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.core.atomic import owned_by, replacing_dir
from evaluation.core.config import load_config
from evaluation.core.errors import UserError
from evaluation.core.paths import resolve
from evaluation.intake.codebook import Codebook, Variable, load_codebook
from evaluation.run.manifest import MANIFEST_NAME, display_path, read_manifest, sha256_file
from evaluation.run.manifest_check import check_manifest
from evaluation.text.catalogue import LANGUAGES, t

__all__ = [
    "LADDER",
    "QUASI_IDENTIFIERS",
    "STEPS",
    "ReleaseError",
    "ReleaseSummary",
    "RiskLevel",
    "assess",
    "coarsen",
    "coarsen_dates",
    "coarsen_tables",
    "family_quasi_identifiers",
    "release",
]

TABLES = ("roster", "programme", "survey")
#: The quasi-identifiers of a household (what a neighbour or an outsider may know about a family): every released
#: roster column that describes the family (or its coarsened form), and every released date (per family, one value
#: per survey wave), named ``<table>.<column>``. Measured on the release as written (:func:`assess`).
QUASI_IDENTIFIERS = ("region_code", "subdistrict", "village", "head_sex", "head_age", "household_size",
                     "head_education", "business_type", "group", "programme.disbursement_date",
                     "survey.interview_date")  # fmt: skip
#: The released date columns; a release never gives the day (year-month, or year-quarter after ``quarter``).
DATE_COLUMNS = (("programme", "disbursement_date"), ("survey", "interview_date"))
#: Coarsening steps, each named on the command line (``--coarsen age,village``).
STEPS = ("age", "village", "household", "age20", "subdistrict", "household_drop", "education", "business",
         "quarter", "age45", "education_drop", "business_drop", "year", "dates_drop")  # fmt: skip
#: Steps a step includes: 20-year bands replace 10-year bands, withholding the sub-district withholds the village,
#: withholding a variable includes grouping it.
_IMPLIES = {"age20": "age", "age45": "age", "subdistrict": "village", "household_drop": "household",
            "education_drop": "education", "business_drop": "business", "year": "quarter",
            "dates_drop": "year"}  # fmt: skip
_COARSEST_ROSTER = ("age20", "subdistrict", "household_drop")
#: The levels ``coarsen="auto"`` tries, from none to the coarsest.
LADDER: tuple[tuple[str, ...], ...] = (
    (),
    ("age",),
    ("age", "village"),
    ("age", "village", "household"),
    ("age20", "village", "household"),
    ("age20", "subdistrict", "household"),
    _COARSEST_ROSTER,
    (*_COARSEST_ROSTER, "education"),
    (*_COARSEST_ROSTER, "education", "business"),
    (*_COARSEST_ROSTER, "education", "business", "quarter"),
    ("age45", "subdistrict", "household_drop", "education", "business", "quarter"),
    ("age45", "subdistrict", "household_drop", "education_drop", "business", "quarter"),
    ("age45", "subdistrict", "household_drop", "education_drop", "business_drop", "quarter"),
    ("age45", "subdistrict", "household_drop", "education_drop", "business_drop", "year"),
    ("age45", "subdistrict", "household_drop", "education_drop", "business_drop", "dates_drop"),
)
#: Groups of ``education`` and ``business`` (columns ``head_education_group``, ``business_type_group``).
EDUCATION_GROUPS = {"none": "primary_or_less", "primary": "primary_or_less", "junior": "secondary_or_more",
                    "senior": "secondary_or_more", "tertiary": "secondary_or_more"}  # fmt: skip
BUSINESS_GROUPS = {"food": "food_retail", "retail": "food_retail", "agriculture": "farming", "livestock": "farming",
                   "services": "services_crafts", "crafts": "services_crafts"}  # fmt: skip
GROUP_ORDER = ("primary_or_less", "secondary_or_more", "food_retail", "farming", "services_crafts")
AGE_BANDS_10 = ((0, 25, "<25"), (25, 35, "25-34"), (35, 45, "35-44"), (45, 55, "45-54"), (55, 65, "55-64"),
                (65, 999, "65+"))  # fmt: skip
AGE_BANDS_20 = ((0, 35, "<35"), (35, 55, "35-54"), (55, 999, "55+"))
AGE_BANDS_45 = ((0, 45, "<45"), (45, 999, "45+"))
HOUSEHOLD_BANDS = ((0, 4, "1-3"), (4, 6, "4-5"), (6, 999, "6+"))
RELEASE_ID = "release_id"
RELEASE_WRITER = "release"  # the writer named in a release's .prokus-owned marker
MISSING = "."  # a missing quasi-identifier is its own value when classes are counted (never dropped)
STATA_LABEL_MAX = 80  # Stata's limit for a variable label


class ReleaseError(UserError):
    """The release cannot be made (bad run directory, changed inputs, k below the threshold): nothing written."""


@dataclass(frozen=True)
class RiskLevel:
    """The disclosure risk of the roster at one coarsening level.

    Parameters
    ----------
    steps : tuple of str
        The coarsening steps applied (empty: none).
    quasi_identifiers : tuple of str
        The roster columns that are quasi-identifiers at this level.
    k : int
        The smallest number of families sharing one combination of the quasi-identifiers (k-anonymity).
    classes : int
        The number of distinct combinations (equivalence classes).
    records : int
        The number of families.
    records_at_risk : int
        Families in a class smaller than the threshold.
    threshold : int
        The k the release must reach.
    """

    steps: tuple[str, ...]
    quasi_identifiers: tuple[str, ...]
    k: int
    classes: int
    records: int
    records_at_risk: int
    threshold: int

    @property
    def safe(self) -> bool:
        """True when k reaches the threshold."""
        return self.k >= self.threshold

    def as_dict(self) -> dict[str, Any]:
        """The level as plain JSON values."""
        return {
            "steps": list(self.steps),
            "quasi_identifiers": list(self.quasi_identifiers),
            "k": self.k,
            "classes": self.classes,
            "records": self.records,
            "records_at_risk": self.records_at_risk,
            "threshold": self.threshold,
            "k_reached": self.safe,
        }


@dataclass(frozen=True)
class ReleaseSummary:
    """What :func:`release` wrote.

    Parameters
    ----------
    out : pathlib.Path
        The release folder.
    files : tuple of str
        The files written, sorted.
    level : RiskLevel
        The coarsening level released.
    tried : tuple of RiskLevel
        Every level assessed, in order (the last is ``level``).
    """

    out: Path
    files: tuple[str, ...]
    level: RiskLevel
    tried: tuple[RiskLevel, ...]


def _band(values: pd.Series, bands: Sequence[tuple[int, int, str]]) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce")
    out = pd.Series(MISSING, index=values.index, dtype=object)
    for low, high, label in bands:
        out[(num >= low) & (num < high)] = label
    return out


def _closure(steps: Sequence[str]) -> tuple[str, ...]:
    full = set(steps)
    todo = list(steps)
    while todo:
        implied = _IMPLIES.get(todo.pop())
        if implied and implied not in full:
            full.add(implied)
            todo.append(implied)
    return tuple(s for s in STEPS if s in full)


def coarsen(roster: pd.DataFrame, steps: Sequence[str]) -> pd.DataFrame:
    """Apply coarsening steps to the quasi-identifiers of a roster (global recoding).

    Parameters
    ----------
    roster : pandas.DataFrame
        The roster (columns of the codebook's roster table, values as text).
    steps : sequence of str
        Steps from :data:`STEPS`: ``age`` (head's age in 10-year bands, column ``head_age_band``), ``age20``
        (20-year bands), ``age45`` (two bands, under 45 and 45+), ``village`` (village withheld: the
        sub-district remains), ``subdistrict`` (sub-district and village withheld), ``household`` (household
        size in bands, column ``household_size_band``), ``household_drop`` (household size withheld),
        ``education`` (head's education in two groups, column ``head_education_group``), ``business`` (business
        type in three groups, ``business_type_group``), ``education_drop`` and ``business_drop`` (withheld).
        The date steps (``quarter``, ``year``, ``dates_drop``) act on the programme and survey tables
        (:func:`coarsen_dates`).

    Returns
    -------
    pandas.DataFrame
        A coarsened copy; the replaced columns are gone.

    Raises
    ------
    ReleaseError
        When a step is not one of :data:`STEPS`.
    """
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise ReleaseError(
            f"unknown coarsening step(s): {', '.join(unknown)}",
            rule=f"--coarsen is 'auto', 'none' or a comma-separated list of {', '.join(STEPS)}",
            fix="e.g. --coarsen age,village",
        )
    full = set(_closure(steps))
    out = roster.copy()
    if "age" in full and "head_age" in out:
        out.insert(out.columns.get_loc("head_age"), "head_age_band",
                   _band(out["head_age"], AGE_BANDS_45 if "age45" in full else AGE_BANDS_20 if "age20" in full
                             else AGE_BANDS_10))  # fmt: skip
        out = out.drop(columns="head_age")
    if "household" in full and "household_size" in out:
        if "household_drop" not in full:
            out.insert(out.columns.get_loc("household_size"), "household_size_band",
                       _band(out["household_size"], HOUSEHOLD_BANDS))  # fmt: skip
        out = out.drop(columns="household_size")
    for step, column, groups in (("education", "head_education", EDUCATION_GROUPS),
                                 ("business", "business_type", BUSINESS_GROUPS)):  # fmt: skip
        if step in full and column in out:
            if f"{step}_drop" not in full:
                grouped = out[column].map(lambda v, g=groups: g.get(v, MISSING if v in ("", MISSING) else v))
                out.insert(out.columns.get_loc(column), f"{column}_group", grouped)
            out = out.drop(columns=column)
    if "village" in full:
        out = out.drop(columns=[c for c in ("village",) if c in out])
    if "subdistrict" in full:
        out = out.drop(columns=[c for c in ("subdistrict",) if c in out])
    return out


def coarsen_dates(values: pd.Series, steps: Sequence[str]) -> pd.Series | None:
    """Coarsen released dates: year-month (``2020-10``), year-quarter (``2020Q4``) or year (``year``).

    Parameters
    ----------
    values : pandas.Series
        Dates as text (``YYYY-MM-DD``; empty when missing).
    steps : sequence of str
        The coarsening steps; ``dates_drop`` withholds the dates.

    Returns
    -------
    pandas.Series or None
        The coarsened dates as text (the day is never kept; missing stays empty); None when withheld.
    """
    full = set(_closure(steps))
    if "dates_drop" in full:
        return None
    when = pd.to_datetime(values.replace({MISSING: ""}), errors="coerce", format="%Y-%m-%d")
    text = when.dt.to_period("Y" if "year" in full else "Q" if "quarter" in full else "M").astype(str)
    return text.where(when.notna(), "")


def coarsen_tables(tables: Mapping[str, pd.DataFrame], steps: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Apply the coarsening steps to every table: the roster's quasi-identifiers and the released dates.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        ``roster``, ``programme``, ``survey`` (any may be missing).
    steps : sequence of str
        Steps from :data:`STEPS`.

    Returns
    -------
    dict of str to pandas.DataFrame
        Coarsened copies.
    """
    out = {name: df.copy() for name, df in tables.items()}
    if "roster" in out:
        out["roster"] = coarsen(out["roster"], steps)
    for name, column in DATE_COLUMNS:
        if name in out and column in out[name]:
            dates = coarsen_dates(out[name][column], steps)
            if dates is None:
                out[name] = out[name].drop(columns=column)
            else:
                out[name][column] = dates
    return out


def _quasi_identifiers(roster: pd.DataFrame) -> tuple[str, ...]:
    location = next((c for c in ("village", "subdistrict") if c in roster), None)
    wanted = ("region_code", location, "head_sex", "head_age", "head_age_band", "household_size",
              "household_size_band", "head_education", "head_education_group", "business_type",
              "business_type_group", "group")  # fmt: skip
    return tuple(c for c in wanted if c and c in roster)


def family_quasi_identifiers(tables: Mapping[str, pd.DataFrame], id_column: str) -> pd.DataFrame:
    """One row per family: its roster quasi-identifiers and its released dates (``<table>.<column>``).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The (coarsened) tables; ``roster`` is required.
    id_column : str
        The family id column (``family_id`` before release, ``release_id`` after).

    Returns
    -------
    pandas.DataFrame
        Indexed like the roster; a family's dates are joined in table order (survey: one per wave, ``wave=date``).
    """
    roster = tables["roster"]
    frame = roster[list(_quasi_identifiers(roster))].astype(str).replace({"": MISSING, "nan": MISSING})
    for name, column in DATE_COLUMNS:
        table = tables.get(name)
        if table is None or column not in table or id_column not in table:
            continue
        values = table[column].astype(str).replace({"": MISSING})
        if "wave" in table:
            values = table["wave"].astype(str) + "=" + values
        joined = values.groupby(table[id_column].to_numpy(), sort=True).agg(lambda v: ";".join(sorted(v)))
        frame[f"{name}.{column}"] = roster[id_column].map(joined).fillna(MISSING).to_numpy()
    return frame


def assess(roster: pd.DataFrame, steps: Sequence[str], threshold: int,
           others: Mapping[str, pd.DataFrame] | None = None) -> RiskLevel:  # fmt: skip
    """Measure k-anonymity and the records at risk of a roster after coarsening.

    Parameters
    ----------
    roster : pandas.DataFrame
        The uncoarsened roster.
    steps : sequence of str
        The coarsening steps (see :func:`coarsen`).
    threshold : int
        The k the release must reach; families in smaller classes are at risk.
    others : mapping of str to pandas.DataFrame, optional
        The uncoarsened ``programme`` and ``survey`` tables (with ``family_id``): their released dates are
        quasi-identifiers too.

    Returns
    -------
    RiskLevel
        k (pycanon's ``k_anonymity``), the number of classes and of records at risk.

    References
    ----------
    Sweeney, L. (2002). k-anonymity: a model for protecting privacy. International Journal of Uncertainty,
    Fuzziness and Knowledge-Based Systems 10(5), 557-570. pycanon: Sáinz-Pardo Díaz and López García (2022),
    Scientific Data 9, 704. sdcMicro (Templ, Kowarik and Meindl, 2015) counts the same frequencies.
    """
    from pycanon.anonymity import k_anonymity

    data = coarsen_tables({"roster": roster, **(others or {})}, steps)
    frame = (
        family_quasi_identifiers(data, "family_id")
        if "family_id" in roster
        else data["roster"][list(_quasi_identifiers(data["roster"]))].astype(str).replace({"": MISSING, "nan": MISSING})
    )
    qi = list(frame.columns)
    if not qi or frame.empty:
        return RiskLevel(_closure(steps), tuple(qi), len(frame), int(bool(len(frame))), len(frame), 0, threshold)
    k = int(k_anonymity(frame, qi))
    sizes = frame.groupby(qi, dropna=False)[qi[0]].transform("size")
    classes = int(frame.drop_duplicates().shape[0])
    return RiskLevel(_closure(steps), tuple(qi), k, classes, len(frame), int((sizes < threshold).sum()), threshold)


def _parse_coarsen(text: str) -> tuple[str, ...] | None:
    """None for ``auto``; the steps otherwise (``none``: no step)."""
    text = text.strip().lower()
    if text == "auto":
        return None
    if text in ("none", ""):
        return ()
    return tuple(s.strip() for s in text.split(",") if s.strip())


# --- reading the run -------------------------------------------------------------------------------------------


def _run(run_dir: str | Path) -> tuple[Path, dict[str, Any]]:
    path = resolve(run_dir)
    if not path.is_dir():
        raise ReleaseError(
            "the run directory does not exist",
            file=str(run_dir),
            fix="give a run directory such as reports/latest (make one with `make report`)",
        )
    path = path.resolve()
    if path.name.endswith(".partial") or not (path / "results.json").is_file():
        raise ReleaseError(
            "this is not a finished run (no results.json)",
            file=display_path(path),
            fix="give the directory of a finished run, e.g. reports/latest",
        )
    manifest = read_manifest(path)
    check_manifest(manifest, display_path(path / MANIFEST_NAME), path)
    return path, manifest


def _check_inputs(manifest: Mapping[str, Any], paths: Sequence[str]) -> None:
    recorded = {item["path"]: item["sha256"] for item in manifest["inputs"]}
    for shown in paths:
        path = resolve(shown)
        if shown not in recorded:
            raise ReleaseError(
                "the run's manifest.json does not list this input with its SHA-256",
                file=shown,
                fix="release a run made by this version of `prokus-eval run`",
            )
        if not path.is_file() or sha256_file(path) != recorded[shown]:
            raise ReleaseError(
                "this input changed (or is missing) since the run: the release would not be the data the reports "
                "describe",
                file=shown,
                rule="a release holds exactly the tables the run analysed (SHA-256 in manifest.json)",
                fix="restore the file, or make a new run with `prokus-eval run` and release that one",
            )


def _read_tables(manifest: Mapping[str, Any]) -> tuple[dict[str, pd.DataFrame], Codebook, int, bool]:
    data_dir = str(manifest.get("data_dir") or "")
    if not data_dir:
        raise ReleaseError("the run's manifest.json names no data directory", file=MANIFEST_NAME,
                           fix="release a run made by `prokus-eval run`")  # fmt: skip
    config_path = str(manifest["config"])
    cfg = load_config(config_path)
    codebook_shown = display_path(resolve(cfg.run.codebook))
    tables = {name: f"{data_dir}/{name}.csv" for name in TABLES}
    _check_inputs(manifest, [*tables.values(), codebook_shown, config_path])
    codebook = load_codebook(cfg.run.codebook)
    frames = {name: pd.read_csv(resolve(p), dtype=str, keep_default_na=False) for name, p in tables.items()}
    meta = resolve(data_dir) / "dataset.json"
    synthetic = False
    if meta.is_file():
        try:
            synthetic = json.loads(meta.read_text(encoding="utf-8")).get("synthetic") is True
        except (OSError, ValueError, AttributeError):
            synthetic = False
    protected = [resolve(cfg.run.data_dir), resolve(cfg.run.processed_dir), resolve(data_dir), resolve("data")]
    return frames, codebook, int(cfg.run.min_cell_size), synthetic, protected


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _check_out(out: Path, run: Path, protected: Sequence[Path]) -> None:
    """Refuse an ``--out`` that would replace or sit inside the project's data, a run, or a folder not a release."""
    where = out.resolve() if out.exists() or out.is_symlink() else out.parent.resolve() / out.name
    shown = display_path(where)
    fix = "choose a new folder outside the project's data and run folders, e.g. --out releases/" + run.name
    for folder in protected:
        folder = folder.resolve()
        if _inside(where, folder) or _inside(folder, where):
            raise ReleaseError(
                "a release is never written inside (or over) the project's data folders: it would replace the "
                "data the reports describe",
                file=shown,
                rule=f"--out lies outside {display_path(folder)}",
                fix=fix,
            )
    for folder in (where, *where.parents):
        if (folder / MANIFEST_NAME).is_file() or (folder / "results.json").is_file():
            raise ReleaseError(
                "a release is never written inside a run folder: the run would no longer verify",
                file=shown,
                rule=f"--out lies outside the run {display_path(folder)}",
                fix=fix,
            )
    if _inside(run, where):
        raise ReleaseError("a release would replace the folder that holds the run", file=shown,
                           rule="--out lies outside the run's folder", fix=fix)  # fmt: skip
    if where.is_dir() and not where.is_symlink() and any(where.iterdir()) and owned_by(where) != RELEASE_WRITER:
        raise ReleaseError(
            "this folder is not a release written by `prokus-eval release` (its .prokus-owned marker is missing or "
            f"names another writer: {owned_by(where) or 'none'}): nothing was changed",
            file=shown,
            rule="release replaces only a folder an earlier release wrote, or an empty one",
            fix=fix,
        )


# --- the released tables -----------------------------------------------------------------------------------------


def _release_ids(roster: pd.DataFrame) -> dict[str, str]:
    ids = sorted(set(roster["family_id"]))
    width = max(5, len(str(len(ids))))
    return {fid: f"R{i:0{width}d}" for i, fid in enumerate(ids, start=1)}


def _public(frames: Mapping[str, pd.DataFrame], codebook: Codebook) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Keep the codebook's non-personal variables of each table; the pseudonym becomes the release id."""
    ids = _release_ids(frames["roster"])
    out, withheld = {}, []
    for name in TABLES:
        df = frames[name]
        if "family_id" not in df.columns:
            raise ReleaseError("the processed table has no family_id column", file=f"{name}.csv", fix="make a new run")
        variables = [v.name for v in codebook.table(name) if not v.personal and v.name != "family_id"]
        keep = ["family_id", *(c for c in variables if c in df.columns)]
        withheld += [f"{name}.{c}" for c in df.columns if c not in keep]
        table = df[keep].copy()
        table.insert(0, RELEASE_ID, table.pop("family_id").map(ids))
        sort = [RELEASE_ID, "wave"] if name == "survey" and "wave" in table else [RELEASE_ID]
        out[name] = table.sort_values(sort, kind="stable").reset_index(drop=True)
    return out, withheld


def _stata_codes(var: Variable | None, column: str, values: pd.Series) -> dict[str, int] | None:
    """Integer codes of a labelled variable's text codes (numeric codes are kept; others numbered 1..n)."""
    if var is not None and var.type == "category" and var.categories:
        codes = [c.code for c in var.categories]
        if all(c.lstrip("-").isdigit() for c in codes):
            return {c: int(c) for c in codes}
        return {c: i for i, c in enumerate(codes, start=1)}
    if var is None and column.endswith("_group"):
        seen = [g for g in pd.unique(values) if g in GROUP_ORDER]
        return {g: i for i, g in enumerate(sorted(seen, key=GROUP_ORDER.index), start=1)}
    if var is None and column.endswith("_band"):
        seen = [b for b in pd.unique(values) if b != MISSING]
        order = [
            *(b[2] for b in AGE_BANDS_10),
            *(b[2] for b in AGE_BANDS_20),
            *(b[2] for b in AGE_BANDS_45),
            *(b[2] for b in HOUSEHOLD_BANDS),
        ]
        return {b: i for i, b in enumerate(sorted(seen, key=order.index), start=1)}
    return None


def _value_labels(var: Variable | None, column: str, language: str, codes: Mapping[str, int]) -> dict[int, str]:
    if var is not None and var.categories:
        return {codes[c.code]: c.label(language) for c in var.categories}
    return {code: text for text, code in codes.items()}


def _variable_label(var: Variable | None, column: str, language: str) -> str:
    if column == RELEASE_ID:
        text = t("release.var_release_id", language)
    elif column == "head_age_band":
        text = t("release.var_head_age_band", language)
    elif column == "household_size_band":
        text = t("release.var_household_size_band", language)
    elif column in ("head_education_group", "business_type_group"):
        text = t(f"release.var_{column}", language)
    elif var is not None and var.type == "date":
        text = f"{var.label(language)} ({t('release.date_coarsened', language)})"
    else:
        text = var.label_with_unit(language) if var is not None else column
    return text if len(text) <= STATA_LABEL_MAX else text[: STATA_LABEL_MAX - 1] + "…"


def _stata_frame(table: pd.DataFrame, codebook: Codebook, language: str):
    """The table as Stata wants it, with its variable labels and value labels."""
    data, labels, value_labels, dates = pd.DataFrame(index=table.index), {}, {}, {}
    yes_no = {0: t("release.no", language), 1: t("release.yes", language)}
    for column in table.columns:
        var = codebook[column] if column in codebook else None
        values = table[column]
        labels[column] = _variable_label(var, column, language)
        codes = _stata_codes(var, column, values)
        if codes is not None:
            data[column] = values.map(codes).astype("float64")
            value_labels[column] = _value_labels(var, column, language, codes)
        elif var is not None and var.type == "binary":
            data[column] = pd.to_numeric(values.replace({"": None}), errors="coerce")
            value_labels[column] = yes_no
        elif var is not None and var.type in ("integer", "number"):
            data[column] = pd.to_numeric(values.replace({"": None}), errors="coerce")
        elif var is not None and var.type == "date":  # year-month, -quarter or year (coarsen_dates): %tm %tq %ty
            text = values.astype(str)
            kind = "tq" if text.str.contains("Q", regex=False).any() else "ty" if text.str.len().eq(4).any() else "tm"
            data[column] = pd.to_datetime(
                [pd.Period(v).to_timestamp() if v not in ("", MISSING) else pd.NaT for v in values.astype(str)]
            )
            dates[column] = kind
        else:
            data[column] = values.astype(str)
    return data, labels, value_labels, dates


def _codebook_rows(tables: Mapping[str, pd.DataFrame], codebook: Codebook) -> list[dict[str, str]]:
    rows = []
    for name, table in tables.items():
        for column in table.columns:
            var = codebook[column] if column in codebook else None
            codes = _stata_codes(var, column, table[column])
            if var is not None and var.categories:
                values = " | ".join(f"{c.code}={c.label_id} / {c.label_en}" for c in var.categories)
                stata = " | ".join(f"{codes[c.code]}={c.code}" for c in var.categories) if codes else ""
            elif var is not None and var.type == "binary":
                values, stata = "0=Tidak / No | 1=Ya / Yes", "0=0 | 1=1"
            elif codes:
                values = " | ".join(codes)
                stata = " | ".join(f"{i}={b}" for b, i in codes.items())
            else:
                values = stata = ""
            non_missing = table[column][table[column].astype(str).ne("")]
            kind = var.type if var is not None else ("id" if column == RELEASE_ID else "category")
            rows.append(
                {
                    "file": f"{name}.csv",
                    "variable": column,
                    "label_id": _variable_label(var, column, "id"),
                    "label_en": _variable_label(var, column, "en"),
                    "type": kind,
                    "unit_id": var.unit_id if var is not None else "",
                    "unit_en": var.unit_en if var is not None else "",
                    "values": values,
                    "stata_codes": stata,
                    "non_missing": str(len(non_missing)),
                }
            )
    return rows


# --- the documents -----------------------------------------------------------------------------------------------


def _risk_markdown(tried: Sequence[RiskLevel], chosen: RiskLevel) -> str:
    lines = []
    for language in LANGUAGES:
        lines += [f"# {t('release.risk_title', language)}", "", t("release.risk_intro", language,
                  threshold=chosen.threshold, qi=", ".join(chosen.quasi_identifiers)), ""]  # fmt: skip
        lines += [
            f"| {t('release.col_level', language)} | {t('release.col_steps', language)} | "
            f"{t('release.col_qi', language)} | k | {t('release.col_classes', language)} | "
            f"{t('release.col_at_risk', language)} |",
            "|---|---|---|---|---|---|",
        ]
        for i, level in enumerate(tried):
            steps = ", ".join(level.steps) or t("release.no_step", language)
            share = 100 * level.records_at_risk / level.records if level.records else 0.0
            lines.append(
                f"| {i} | {steps} | {', '.join(level.quasi_identifiers)} | {level.k} | {level.classes} | "
                f"{level.records_at_risk} / {level.records} ({share:.1f}%) |"
            )
        lines += ["", t("release.risk_released", language, k=chosen.k, threshold=chosen.threshold,
                        steps=", ".join(chosen.steps) or t("release.no_step", language)), ""]  # fmt: skip
    return "\n".join(lines)


def _readme(manifest: Mapping[str, Any], files: Sequence[str], level: RiskLevel, withheld: Sequence[str],
            synthetic: bool) -> str:  # fmt: skip
    run_id = str(manifest.get("run_id", ""))
    year = str(manifest.get("created_utc", ""))[:4] or "YYYY"
    lines = []
    for language in LANGUAGES:
        lines += [f"# {t('release.readme_title', language, run=run_id)}", ""]
        if synthetic:
            lines += [f"**{t('release.synthetic', language)}**", ""]
        lines += [t("release.readme_intro", language), "", f"## {t('release.files_title', language)}", ""]
        lines += [f"- `{name}`" for name in files]
        lines += ["", f"## {t('release.protection_title', language)}", ""]
        lines += [t("release.protection", language, k=level.k, threshold=level.threshold,
                    qi=", ".join(level.quasi_identifiers),
                    steps=", ".join(level.steps) or t("release.no_step", language)), ""]  # fmt: skip
        dropped = "dates_drop" in _closure(level.steps)
        lines += [t("release.dates_withheld" if dropped else "release.dates_note", language), ""]
        if withheld:
            lines += [t("release.withheld", language, columns=", ".join(sorted(withheld))), ""]
        lines += [f"## {t('release.citation_title', language)}", "",
                  t("release.citation", language, year=year, run=run_id), "",
                  f"## {t('release.licence_title', language)}", "", t("release.licence", language), ""]  # fmt: skip
    return "\n".join(lines)


# --- the command -------------------------------------------------------------------------------------------------


def release(run_dir: str | Path, out: str | Path, k: int | None = None, coarsen_steps: str = "auto") -> ReleaseSummary:
    """Write the data release of a finished run (see the module docstring for the files).

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A finished run (``reports/<run-id>`` or ``reports/latest``).
    out : str or pathlib.Path
        The release folder: missing, empty, or a release prokus-eval wrote before (then replaced whole).
    k : int, optional
        The k-anonymity threshold; ``[run] min_cell_size`` of the run's config when None.
    coarsen_steps : str, default "auto"
        ``auto`` (climb :data:`LADDER` until k reaches the threshold), ``none``, or steps (``age,village``).

    Returns
    -------
    ReleaseSummary
        The folder, its files and the coarsening level released.

    Raises
    ------
    ReleaseError
        When the run directory is not a finished run, an input changed since the run, or k stays below the
        threshold (nothing is written).
    NotOwned
        When ``out`` is a file, a link, or a non-empty folder prokus-eval did not write.
    """
    run, manifest = _run(run_dir)
    frames, codebook, configured_k, synthetic, protected = _read_tables(manifest)
    threshold = configured_k if k is None else int(k)
    if threshold < 2:
        raise ReleaseError(f"k = {threshold} protects nobody", rule="k is at least 2",
                           fix="use the configured threshold ([run] min_cell_size) or --k 3 or more")  # fmt: skip
    steps = _parse_coarsen(coarsen_steps)
    ladder = LADDER if steps is None else (steps,)
    others = {name: frames[name] for name in TABLES if name != "roster"}
    tried: list[RiskLevel] = []
    for level_steps in ladder:
        tried.append(assess(frames["roster"], level_steps, threshold, others))
        if tried[-1].safe:
            break
    level = tried[-1]
    coarsest = set(_closure(LADDER[-1])) <= set(level.steps)
    if not level.safe and coarsest:
        raise ReleaseError(
            f"no coarsening reaches k >= {threshold}: even the coarsest level [{', '.join(level.steps)}] leaves "
            f"k-anonymity at {level.k} ({level.records_at_risk} of {level.records} families share their "
            f"quasi-identifiers ({', '.join(level.quasi_identifiers)}) with fewer than {threshold - 1} others). "
            "Nothing was written",
            file=display_path(run),
            rule=f"a release reaches k >= the threshold on every released quasi-identifier ({threshold} asked; the "
            f"configured threshold [run] min_cell_size is {configured_k})",
            fix=f"no further coarsening exists: a threshold above {level.k} cannot be met by this data"
            + (
                f"; leave out --k to use the configured threshold {configured_k}"
                if k is not None
                else "; the data need more families per region, or the release must be withheld"
            ),
        )
    if not level.safe:
        raise ReleaseError(
            f"k-anonymity is {level.k} (below the threshold {threshold}) after coarsening "
            f"[{', '.join(level.steps) or 'none'}]: {level.records_at_risk} of {level.records} families share their "
            f"quasi-identifiers ({', '.join(level.quasi_identifiers)}) with fewer than {threshold - 1} others. "
            "Nothing was written",
            file=display_path(run),
            rule="a release reaches k >= the threshold on every released quasi-identifier",
            fix="let the release coarsen further (--coarsen auto, or add steps: " + ", ".join(STEPS) + ")",
        )
    tables, withheld = _public(frames, codebook)
    tables = coarsen_tables(tables, level.steps)
    out_path = resolve(out)
    _check_out(out_path, run, protected)
    with replacing_dir(out_path, writer=RELEASE_WRITER) as tmp:
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
            for language in LANGUAGES:
                data, labels, value_labels, dates = _stata_frame(table, codebook, language)
                data.to_stata(
                    tmp / f"{name}_{language}.dta",
                    write_index=False,
                    version=118,
                    variable_labels=labels,
                    value_labels=value_labels,
                    convert_dates=dates,
                    data_label=t("release.data_label", language, table=name)[:STATA_LABEL_MAX],
                    time_stamp=pd.Timestamp(str(manifest.get("created_utc", "2020-01-01"))[:10]).to_pydatetime(),
                )
        pd.DataFrame(_codebook_rows(tables, codebook)).to_csv(tmp / "codebook.csv", index=False, lineterminator="\n")
        risk = {"threshold": threshold, "released": level.as_dict(), "tried": [lv.as_dict() for lv in tried],
                "quasi_identifiers": list(level.quasi_identifiers), "run_id": manifest.get("run_id"),
                "method": "k-anonymity (pycanon.anonymity.k_anonymity), global recoding"}  # fmt: skip
        (tmp / "disclosure_risk.json").write_text(json.dumps(risk, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        (tmp / "disclosure_risk.md").write_text(_risk_markdown(tried, level), encoding="utf-8")
        names = sorted([p.name for p in tmp.iterdir()] + ["README.md"])
        (tmp / "README.md").write_text(_readme(manifest, names, level, withheld, synthetic), encoding="utf-8")
        tmp.chmod(0o755)  # mkdtemp makes 0700; a release holds no restricted data and is meant to be shared
        for path in tmp.iterdir():
            path.chmod(0o644)
    return ReleaseSummary(out_path, tuple(names), level, tuple(tried))
