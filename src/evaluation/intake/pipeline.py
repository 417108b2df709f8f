"""Intake: survey exports in, analysis-ready pseudonymous tables out (DESIGN §3).

Data flow::

    raw data dir (data/raw/<name>/)            CSV or XLSX: canonical tables, or KoboToolbox / ODK Central exports
      -> read (encoding, delimiter, BOM, XLSX date system)                   :mod:`evaluation.intake.exports`
      -> map columns to codebook names (group prefixes, select_multiple columns, metadata) and parse values
         (Indonesian numbers, dates, categories; normalisations reported)    :mod:`evaluation.intake.columns`,
                                                                             :mod:`evaluation.intake.parsing`
      -> stack the files of each table, fill answers of questions not asked  (here)
      -> validate (pandera schema from the codebook, rules across tables, warnings)
                                                                             :mod:`evaluation.intake.schema`,
                                                                             :mod:`evaluation.intake.validation`
      -> on any error: stop; the problem list goes to <raw dir>/validation_problems.csv, nothing else is written
                                                                             :mod:`evaluation.intake.problems`
      -> pseudonymise (family id -> keyed HMAC; NIK, names, phones, addresses dropped)
                                                                             :mod:`evaluation.intake.pseudonymise`
      -> data/processed/<name>/ roster.csv, programme.csv, survey.csv, data_quality.csv, intake.json,
         intake_summary.json (per file: rows, columns mapped and ignored, normalisations by kind)
         (+ dataset.json and truth.json of synthetic data), written to a temporary directory and renamed (here)

Which file holds which table: ``roster.*`` (one row per family), ``programme.*`` or ``monitoring*.*`` (the
monitoring checklist), ``survey*.*`` (household survey; several files are stacked, e.g. one export per wave; a
file without a ``wave`` column takes the wave named in its file name). Waves are joined by family in the
analysis table (:func:`evaluation.intake.tables.analysis_table`).

This module knows the codebook, never the statistics (DESIGN §3 import rules).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.atomic import owns_file, replacing_dir
from evaluation.core.cellsafe import write_csv as write_safe_csv
from evaluation.core.errors import UserError
from evaluation.core.paths import resolve
from evaluation.intake.codebook import Codebook, load_codebook
from evaluation.intake.columns import table_variables, type_file
from evaluation.intake.coverage import check_coverage, plan_outcomes
from evaluation.intake.dates import localise_dates
from evaluation.intake.derive import bank_for, derive_file
from evaluation.intake.exports import (
    FILE_PREFIXES,
    PROBLEMS_FILE,
    TABLES,
    discover,
    read_export,
    shown_path,
    unread_files,
)
from evaluation.intake.guard import RULES
from evaluation.intake.problems import Problem, Report
from evaluation.intake.provenance import Proof, check_same_key, content_digest, processed_name, synthetic_proof
from evaluation.intake.pseudonymise import Key, key_is_set, load_key, mask, pseudonym
from evaluation.intake.summary import file_facts, write_summary
from evaluation.intake.validation import (
    check_relations,
    check_schema,
    not_asked_value,
    not_relevant_mask,
    outlier_warnings,
)

__all__ = [
    "MANIFEST",
    "PROBLEMS_FILE",
    "QUALITY_FILE",
    "STRUCTURAL",
    "TABLES",
    "Intake",
    "ValidationFailed",
    "analysis_ready",
    "ensure_processed",
    "is_processed",
    "prepare",
    "processed_dir_for",
    "read_intake",
    "validate",
    "write_processed",
]

# File-level errors after which row-level rules are not run (they would only repeat the same cause).
STRUCTURAL = {"missing_table", "required_column", "encoding", "header", "empty", "xlsx", "duplicate_column"} | RULES
STRUCTURAL |= {"date_order"}  # a date column refused whole (evaluation.intake.dates.date_order)
STRUCTURAL |= {"archive"}  # an ODK Central .csv.zip that cannot be read (evaluation.intake.exports.read_zip)
MANIFEST = "intake.json"
PROBLEMS_SIGNATURE = b"severity,file,row,column,"  # how every problem list prokus-eval writes begins
QUALITY_FILE = "data_quality.csv"


class ValidationFailed(UserError):
    """The input has errors; the message is the problem table (at most a screenful).

    Parameters
    ----------
    report : Report
        The intake's problems (at least one error).
    csv_path : str or None
        The full problem list's file as shown to the user; None when it could not be written.
    """

    def __init__(self, report: Report, csv_path: str | None) -> None:
        self.report = report
        self.csv_path = csv_path
        super().__init__("validation failed")

    def render(self) -> str:
        """Write the message the command line prints: what happened and the terminal table of problems.

        Returns
        -------
        str
            One line, then :meth:`Report.terminal`.
        """
        return "the data did not pass validation; nothing was written.\n" + self.report.terminal(self.csv_path)


@dataclass
class Intake:
    """Typed tables (personal columns still present, in memory only), the report and the data set's metadata.

    Parameters
    ----------
    data_dir : pathlib.Path
        The raw data directory.
    tables : dict of str to pandas.DataFrame
        ``roster``, ``programme`` and ``survey``: the stacked typed tables (numbers and 0/1 as float64, the
        rest as string) with ``_file``, ``_row`` and, once the roster's regions are known, ``_region``.
    report : Report
        Every problem found.
    metadata : dict, optional
        The data set's ``dataset.json`` (empty when there is none).
    sources : dict of str to str, optional
        File name -> SHA-256 (hex) of every export read.
    files : dict of str to dict, optional
        File as problems show it -> its table, rows, columns and variables read
        (:func:`evaluation.intake.summary.file_facts`), for ``intake_summary.json``.
    """

    data_dir: Path
    tables: dict[str, pd.DataFrame]
    report: Report
    metadata: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict] = field(default_factory=dict)


def _typed_table(frames: list[pd.DataFrame], codebook: Codebook, table: str) -> pd.DataFrame:
    allowed = table_variables(codebook, table)
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"_file": [], "_row": []})
    for name, var in allowed.items():
        if name not in df:
            continue
        if var.type in ("integer", "number", "binary"):
            df[name] = pd.to_numeric(df[name], errors="coerce").astype("float64")
        else:
            df[name] = df[name].astype("string")
    return df


def _fill_not_relevant(df: pd.DataFrame, codebook: Codebook, table: str, report: Report) -> None:
    for var in codebook.table(table):
        if var.name not in df or not var.relevant:
            continue
        fill = not_asked_value(var)
        if fill is None:
            continue
        hit = not_relevant_mask(df, var) & df[var.name].isna()
        if hit.any():
            df.loc[hit, var.name] = fill
            first = df.index[hit][0]
            report.add(
                Problem(
                    "note", str(df.at[first, "_file"]), int(df.at[first, "_row"]), var.name, "",
                    "not_relevant_filled", f"{int(hit.sum())} value(s): not asked ({var.relevant} false), set to "
                    f"{fill:g}", "nothing (normalised automatically)", table, count=int(hit.sum()),
                )
            )  # fmt: skip


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_intake(data_dir: str | Path, codebook: Codebook | None = None, treated_value: str = "prokus") -> Intake:
    """Read, map, parse and validate a raw data directory (nothing is written).

    Row-level and cross-table rules are skipped after a structural error (a missing table, required column or
    header, an unreadable file), which they would only repeat.

    Parameters
    ----------
    data_dir : str or path-like
        The raw data directory, relative to the project root or absolute.
    codebook : Codebook, optional
        The codebook; the project's when None.
    treated_value : str, optional
        The roster ``group`` of ProKUS families.

    Returns
    -------
    Intake
        The typed tables and the report (errors included: the caller decides).

    Raises
    ------
    UserError
        When ``data_dir`` is not a directory.
    """
    d = resolve(data_dir)
    if d.is_file():
        raise UserError(
            "this is a file, not a data directory: intake reads every export of a directory",
            file=str(data_dir),
            fix=f"give its directory instead: {d.parent}",
        )
    if not d.is_dir():
        raise UserError(
            "the data directory does not exist",
            file=str(data_dir),
            fix="run `prokus-eval demo-data` for the demo, or put your exports in data/raw/<name>/",
        )
    cb = codebook or load_codebook()
    report = Report()
    found = discover(d)
    for table, paths in found.items():
        if not paths:
            names = " or ".join(f"{p}*.csv/.xlsx" for p in FILE_PREFIXES[table])
            report.add(
                Problem("error", shown_path(d), None, "", "", "missing_table", f"no {table} file ({names})",
                        f"put the {table} export in the data directory (prokus-eval demo-data writes an example)",
                        table)
            )  # fmt: skip
    for p in unread_files(d):  # never skipped silently: a wave saved as .xls, a file named hh_baseline.csv
        report.add(
            Problem("warning", shown_path(p), None, "", "", "file_not_read",
                    f"the file {p.name} is not read: its name does not start with "
                    f"{', '.join(sorted({x for v in FILE_PREFIXES.values() for x in v}))}, or it is not .csv, "
                    ".xlsx or .csv.zip", "if it holds data, rename it (e.g. survey_baseline.csv) or save it as "
                    ".xlsx or .csv (an .xls or .ods file: File > Save As in Excel or LibreOffice); if it does not, "
                    "move it out of the data directory", "")
        )  # fmt: skip
    typed: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    files: dict[str, dict] = {}
    bank = bank_for(cb)  # the questions layer: indicators are derived from the questions an export holds
    for table in TABLES:
        frames = []
        for p in found[table]:
            raw = read_export(p, report)
            sources[p.name] = _sha256(p)
            if raw is None:
                continue
            raw.table = table
            if raw.frame.empty:
                report.add(Problem("error", raw.shown, 2, "", "", "empty", "the file has no data rows",
                                   "export the data again", table))  # fmt: skip
                continue
            if bank is not None:
                derive_file(raw, cb, bank, report)
            frame = type_file(raw, cb, report)
            files[raw.shown] = file_facts(raw, frame)
            if frame is not None:
                frames.append(frame)
        typed[table] = _typed_table(frames, cb, table)
    meta_path = d / "dataset.json"
    metadata = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    if any(p.rule in STRUCTURAL for p in report.errors):  # rules across tables would only add noise
        return Intake(d, typed, report, metadata, sources, files)
    roster = typed["roster"]
    if "region_code" in roster:
        regions = roster.drop_duplicates("family_id").set_index("family_id")["region_code"]
        roster["_region"] = roster["region_code"]
        for t in ("programme", "survey"):
            typed[t]["_region"] = typed[t]["family_id"].map(regions)
    for table in TABLES:  # date-times with a time zone -> the local date of the row's region (WIB/WITA/WIT)
        localise_dates(typed[table], cb)
    for table in TABLES:
        _fill_not_relevant(typed[table], cb, table, report)
        report.extend(check_schema(typed[table], cb, table))
    if "nik" in roster:
        dup = roster["nik"].notna() & roster["nik"].duplicated(keep=False)
        for i in roster.index[dup]:
            report.add(
                Problem("error", str(roster.at[i, "_file"]), int(roster.at[i, "_row"]), "nik",
                        mask(str(roster.at[i, "nik"]), 4), "duplicate_nik",
                        "the same NIK appears for more than one family", "check the NIKs against the family cards",
                        "roster", str(roster.at[i, "_region"]) if "_region" in roster else "")
            )  # fmt: skip
    check_coverage(typed["survey"], cb, plan_outcomes(), report)  # analysed outcomes present per file and wave
    report.extend(check_relations(typed, cb, treated_value))
    report.extend(outlier_warnings(typed, cb))
    report.problems = [  # name columns as the export names them, so the user finds them
        dataclasses.replace(p, column=report.columns.get((p.file, p.column), p.column)) for p in report.problems
    ]
    unreadable = {(p.file, p.row, p.column) for p in report.errors if p.rule.startswith("type_")}
    report.problems = [  # an unreadable cell is reported once, not again as missing
        p for p in report.problems if not (p.rule == "required" and (p.file, p.row, p.column) in unreadable)
    ]
    return Intake(d, typed, report, metadata, sources, files)


# ------------------------------------------------------------------------------------------------ output
def analysis_ready(intake: Intake, codebook: Codebook, key: Key) -> dict[str, pd.DataFrame]:
    """Build the processed tables: codebook columns only, personal data dropped, family ids pseudonymised.

    Parameters
    ----------
    intake : Intake
        A validated intake (no errors).
    codebook : Codebook
        The codebook.
    key : Key
        The pseudonymisation key.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``roster``, ``programme`` and ``survey``: ``family_id`` (keyed pseudonym) and the table's non-personal
        codebook columns present; integer, binary and whole-valued number columns as ``Int64``; rows sorted by
        family (and wave).

    References
    ----------
    RFC 2104 (HMAC), via :func:`evaluation.intake.pseudonymise.pseudonym`.
    """
    out: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        df = intake.tables[table]
        names = [v.name for v in codebook.table(table) if not v.personal and v.name in df]
        if table != "roster":
            names = ["family_id", *names]
        res = df[names].copy()
        ids = res["family_id"].astype(str)
        res["family_id"] = [pseudonym(x, key, "family") for x in ids]
        for name in names:
            var = codebook[name]
            if var.type in ("integer", "binary") or (var.type == "number" and _whole(res[name])):
                res[name] = res[name].round().astype("Int64")
        keys = ["family_id", "wave"] if table == "survey" else ["family_id"]
        out[table] = res.sort_values(keys, kind="mergesort").reset_index(drop=True)
    return out


def _whole(s: pd.Series) -> bool:
    x = s.dropna().to_numpy(dtype=float)
    return bool(np.all(x == np.round(x)))


def processed_dir_for(data_dir: str | Path, processed_root: str | Path, key: Key, digest: str | None = None) -> Path:
    """Name the processed directory of a raw data directory, keyed by its content and the key's fingerprint.

    Parameters
    ----------
    data_dir : str or path-like
        The raw data directory.
    processed_root : str or path-like
        The root of processed data (``data/processed``).
    key : Key
        The pseudonymisation key (only its fingerprint is used).
    digest : str, optional
        The raw directory's :func:`~evaluation.intake.provenance.content_digest` (computed when None).

    Returns
    -------
    pathlib.Path
        The absolute processed directory ``<processed_root>/<raw name>-<12 hex digits>``
        (:func:`evaluation.intake.provenance.processed_name`): never shared by two data sets or two keys.
    """
    return resolve(processed_root) / processed_name(resolve(data_dir), key.fingerprint, digest)


def write_processed(tables: dict[str, pd.DataFrame], intake: Intake, key: Key, out: Path,
                    proof: Proof | None = None) -> Path:  # fmt: skip
    """Write the processed directory whole (temporary directory, then rename).

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        The processed tables (:func:`analysis_ready`), each written as ``<table>.csv``.
    intake : Intake
        The intake: its report gives :data:`QUALITY_FILE` and the counts of :data:`MANIFEST`; its ``dataset.json``
        and ``truth.json`` are copied.
    key : Key
        The pseudonymisation key (only its source is recorded).
    out : pathlib.Path
        The processed directory; replaced whole.
    proof : Proof, optional
        Whether the data are proven synthetic (:func:`evaluation.intake.provenance.synthetic_proof`, by their
        identifiers as :func:`prepare` proves them); by the file hashes alone when None.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    OSError
        When the directory cannot be written (``out`` is then left as it was,
        :func:`evaluation.core.paths.replacing_dir`).
    """
    proof = proof if proof is not None else synthetic_proof(intake.data_dir)
    with replacing_dir(out, writer="intake", owned_if=(MANIFEST,)) as tmp:  # folders from before the marker
        for table, df in tables.items():
            write_safe_csv(df, tmp / f"{table}.csv")
        write_safe_csv(intake.report.data_quality(), tmp / QUALITY_FILE)
        write_summary(tmp, intake.files, intake.report)  # per file: what the intake did (the reports show it)
        # the data set's description travels only with proven synthetic data (or undeclared ones), its true
        # effects only with proven synthetic data whose truth.json is the generator's own
        truth = ("truth.json",) if "truth.json" not in proof.changed else ()
        copied = ("dataset.json", *truth) if proof.synthetic else () if proof.declared else ("dataset.json",)
        for name in copied:
            if (intake.data_dir / name).is_file():
                shutil.copyfile(intake.data_dir / name, tmp / name)
        manifest = {
            "source": shown_path(intake.data_dir),
            "sources_sha256": intake.sources,
            "content_sha256": content_digest(intake.data_dir),
            "synthetic": proof.synthetic,
            "synthetic_unchanged": proof.unchanged,
            "pseudonym_key": key.source,
            "key_fingerprint": key.fingerprint,
            "demo_key": key.demo,
            "rows": {t: len(df) for t, df in tables.items()},
            "errors": 0,
            "warnings": len(intake.report.warnings),
            "normalised_values": sum(p.count for p in intake.report.notes),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


def validate(data_dir: str | Path, codebook: Codebook | None = None, treated_value: str = "prokus") -> Intake:
    """Validate a raw data directory; the full problem list goes to ``<data_dir>/validation_problems.csv``.

    Parameters
    ----------
    data_dir : str or path-like
        The raw data directory.
    codebook : Codebook, optional
        The codebook; the project's when None.
    treated_value : str, optional
        The roster ``group`` of ProKUS families.

    Returns
    -------
    Intake
        The intake, when it has no error (warnings and notes are in its report).

    Raises
    ------
    ValidationFailed
        When there is any error (a :class:`~evaluation.core.errors.UserError`); nothing but the problem list is
        written.
    UserError
        When ``data_dir`` is not a directory.
    """
    intake = read_intake(data_dir, codebook, treated_value)
    csv_path = intake.data_dir / PROBLEMS_FILE
    shown: str | None = None
    if not owns_file(csv_path, PROBLEMS_SIGNATURE):  # issue 14: never overwrite a file prokus-eval did not write
        intake.report.add(
            Problem("warning", shown_path(csv_path), None, "", "", "problem_list_not_written",
                    "a file of this name exists and was not written by prokus-eval: it was left as it is, and the "
                    "full problem list was not written", f"rename or move that file to get {PROBLEMS_FILE}")
        )  # fmt: skip
    else:
        try:
            intake.report.write_csv(csv_path)
            shown = shown_path(csv_path)
        except OSError:  # a read-only data directory: the terminal table is all the user gets
            shown = None
    if intake.report.errors:
        raise ValidationFailed(intake.report, shown)
    return intake


def prepare(data_dir: str | Path, processed_root: str | Path, codebook: Codebook | None = None,
            treated_value: str = "prokus") -> tuple[Path, Intake]:  # fmt: skip
    """Validate, pseudonymise and write ``<processed_root>/<name>/``.

    Parameters
    ----------
    data_dir : str or path-like
        The raw data directory.
    processed_root : str or path-like
        The root of processed data (``data/processed``).
    codebook : Codebook, optional
        The codebook; the project's when None.
    treated_value : str, optional
        The roster ``group`` of ProKUS families.

    Returns
    -------
    tuple of (pathlib.Path, Intake)
        The processed directory and the intake.

    Raises
    ------
    ValidationFailed
        When the data has an error (nothing is written to the processed directory).
    UserError
        When ``data_dir`` is not a directory, or data not proven synthetic (their identifiers are not all the
        generator's, :func:`evaluation.intake.provenance.synthetic_proof`) have no pseudonymisation key
        (:func:`evaluation.intake.pseudonymise.load_key`).
    """
    cb = codebook or load_codebook()
    intake = validate(data_dir, cb, treated_value)
    # synthetic is proven by the generator's identifiers (or its unchanged files), never declared
    proof = synthetic_proof(intake.data_dir, intake.tables["roster"], cb)
    key = load_key(proof.synthetic, proof.reason)
    digest = content_digest(intake.data_dir)
    check_same_key(resolve(processed_root), shown_path(intake.data_dir), digest, key.fingerprint, key.demo)
    tables = analysis_ready(intake, cb, key)
    from evaluation.intake.rounds import processed_rounds  # issue 17: monitoring rounds (rounds/), when present

    rounds = processed_rounds(intake.data_dir, intake.tables["roster"], key)
    if rounds is not None:
        tables["rounds"] = rounds
    out = write_processed(tables, intake, key, processed_dir_for(data_dir, processed_root, key, digest), proof)
    return out, intake


def is_processed(data_dir: str | Path) -> bool:
    """Tell whether a directory was written by :func:`prepare`.

    Parameters
    ----------
    data_dir : str or path-like
        A data directory.

    Returns
    -------
    bool
        True when it holds :data:`MANIFEST`.
    """
    return (resolve(data_dir) / MANIFEST).is_file()


def ensure_processed(data_dir: str | Path, processed_root: str | Path, codebook: Codebook | None = None,
                     treated_value: str = "prokus") -> Path:  # fmt: skip
    """Find the processed directory for ``data_dir``, preparing it when missing or out of date.

    Parameters
    ----------
    data_dir : str or path-like
        A raw or processed data directory.
    processed_root : str or path-like
        The root of processed data (``data/processed``).
    codebook : Codebook, optional
        The codebook; the project's when None.
    treated_value : str, optional
        The roster ``group`` of ProKUS families.

    Returns
    -------
    pathlib.Path
        ``data_dir`` itself when it is already processed; else its processed copy when the raw files are
        unchanged (their SHA-256 recorded in ``intake.json``; for declared synthetic data whose files changed,
        only a copy an earlier intake proved synthetic by its identifiers); else a fresh intake's directory (a
        notebook opened by hand).

    Raises
    ------
    ValidationFailed
        When a fresh intake finds an error.
    UserError
        When ``data_dir`` does not exist, or real data has no pseudonymisation key.
    """
    d = resolve(data_dir)
    if is_processed(d):
        return d
    if not d.is_dir():
        return prepare(d, processed_root, codebook, treated_value)[0]
    proof = synthetic_proof(d)  # by the files alone: the identifiers need the parsed roster (prepare)
    if proof.declared and not proof.synthetic and not key_is_set():
        # a changed demo copy: the demo key's folder counts only when an intake proved these very files (the
        # folder name holds their content digest) synthetic by their identifiers; else prepare proves or refuses
        out = processed_dir_for(d, processed_root, load_key(True))
        if _up_to_date(out, d, identity_proven=True):
            return out
        return prepare(d, processed_root, codebook, treated_value)[0]
    out = processed_dir_for(d, processed_root, load_key(proof.synthetic, proof.reason))
    if _up_to_date(out, d):
        return out
    return prepare(d, processed_root, codebook, treated_value)[0]


def _up_to_date(out: Path, raw: Path, identity_proven: bool = False) -> bool:
    if not is_processed(out):
        return False
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    if identity_proven and not (manifest.get("synthetic") is True and manifest.get("demo_key") is True):
        return False
    current = {p.name: _sha256(p) for paths in discover(raw).values() for p in paths}
    return manifest.get("sources_sha256") == current
