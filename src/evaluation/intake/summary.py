"""What the intake did with each file, for the reader: ``intake_summary.json`` beside the processed tables.

Per export file read: its table, rows read, columns in the export, codebook variables read (mapped), columns
ignored (by name), and every normalisation the intake recorded on the file, counted by kind: number and date
formats, missing markers and don't-know codes read as missing, dates inferred and from what (``date_from_today``,
``date_from_start``, ``date_from_submission``, ``month_first_by_period``, ...). Kinds are counted generically, so a
new kind of note appears in the summary without a change here; the reports name each kind with
:func:`evaluation.text.catalogue.rule_text`.

The file is deterministic (keys sorted, files sorted by name, no timestamp) and safe to publish: counts, column
names and rule names only, never a cell's value.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from evaluation.core.atomic import write_text
from evaluation.intake.exports import RawFile
from evaluation.intake.problems import Report

__all__ = ["IGNORED_RULES", "SUMMARY_FILE", "build_summary", "file_facts", "read_summary", "write_summary"]

SUMMARY_FILE = "intake_summary.json"
# Notes that say a column of the export was left out of the tables.
IGNORED_RULES = {"unknown_column", "ignored_column", "empty_column", "headerless_column"}
_VERSION = 1


def file_facts(raw: RawFile, frame: pd.DataFrame | None) -> dict:
    """The facts of one export that the problem list does not hold: its table, rows, columns and variables read.

    Parameters
    ----------
    raw : RawFile
        The export as read.
    frame : pandas.DataFrame or None
        Its typed table (:func:`evaluation.intake.columns.type_file`); None when it was refused.

    Returns
    -------
    dict
        ``table``, ``rows``, ``columns`` (in the export) and ``variables`` (sorted codebook names read).
    """
    variables = sorted(c for c in frame.columns if not str(c).startswith("_")) if frame is not None else []
    return {"table": raw.table, "rows": len(raw.rows), "columns": int(raw.frame.shape[1]), "variables": variables}


def build_summary(files: dict[str, dict], report: Report) -> dict:
    """Put the files' facts and the report's notes and warnings together, per file.

    Parameters
    ----------
    files : dict of str to dict
        File as problems show it -> :func:`file_facts`.
    report : Report
        The intake's problems (notes and warnings are counted by rule; errors are not expected here).

    Returns
    -------
    dict
        ``{"files": [...], "version": 1}``: one entry per file, sorted by file name, with ``file`` (the name
        without its folder), ``table``, ``rows``, ``columns``, ``mapped`` (variables read), ``ignored`` (sorted
        column names), ``normalised`` (note kind -> values) and ``warnings`` (rule -> values).
    """
    out = []
    for shown, facts in files.items():
        notes: dict[str, int] = {}
        warnings: dict[str, int] = {}
        ignored: set[str] = set()
        for p in report.problems:
            if p.file != shown:
                continue
            if p.severity == "note" and p.rule in IGNORED_RULES:
                ignored.add(p.column)
            elif p.severity == "note":
                notes[p.rule] = notes.get(p.rule, 0) + p.count
            elif p.severity == "warning":
                warnings[p.rule] = warnings.get(p.rule, 0) + p.count
        out.append(
            {
                "file": Path(shown).name,
                "table": facts["table"],
                "rows": facts["rows"],
                "columns": facts["columns"],
                "mapped": len(facts["variables"]),
                "ignored": sorted(ignored),
                "normalised": dict(sorted(notes.items())),
                "warnings": dict(sorted(warnings.items())),
            }
        )
    return {"files": sorted(out, key=lambda f: (f["file"], f["table"])), "version": _VERSION}


def write_summary(directory: Path, files: dict[str, dict], report: Report) -> Path:
    """Write :data:`SUMMARY_FILE` into ``directory`` (keys sorted, files by name, no timestamp).

    Parameters
    ----------
    directory : pathlib.Path
        The processed directory being written.
    files : dict of str to dict
        File as problems show it -> :func:`file_facts`.
    report : Report
        The intake's problems.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = directory / SUMMARY_FILE
    text = json.dumps(build_summary(files, report), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    write_text(path, text)
    return path


def read_summary(directory: str | Path) -> dict | None:
    """Read the summary of a processed directory.

    Parameters
    ----------
    directory : str or path-like
        A processed data directory.

    Returns
    -------
    dict or None
        The summary (:func:`build_summary`), or None when the directory has none (processed by an older version)
        or it is not valid JSON.
    """
    path = Path(directory) / SUMMARY_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), list) else None
