"""The data-quality section's per-file part: what the intake did with each export file (issue 13, kind 6).

Read from ``intake_summary.json`` (written with the processed tables by :mod:`evaluation.intake.summary`): per file,
rows read, columns mapped and ignored, and every normalisation counted by kind (number and date formats, missing
markers and don't-know codes read as missing, dates inferred and from what). Kinds are named with the catalogue's
``rule_<kind>`` phrase, else the English text of :data:`evaluation.core.quality.KIND_TEXT`, else the kind's own
name made readable, so a kind added later is still shown. The counts describe whole files (every region): the files
are the data set's, not the scope's. No cell value is ever shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.analysis.context import Computed, Context, View
from evaluation.analysis.display import Section, Sections
from evaluation.analysis.sections._words import Words
from evaluation.core.keys import key
from evaluation.core.paths import resolve
from evaluation.intake.summary import read_summary
from evaluation.text.catalogue import has, rule_text, t
from evaluation.text.formats import format_number

__all__ = ["compute_intake_files", "kind_label", "show_intake_files"]


def _part(name: str) -> str:
    """A file name as one part of a results key (``survey_baseline.csv`` -> ``survey_baseline_csv``)."""
    return re.sub(r"[^A-Za-z0-9_\-]", "_", name) or "file"


def kind_label(kind: str, language: str) -> str:
    """A normalisation kind as the reader reads it, with a fallback for a kind the catalogue does not know.

    Parameters
    ----------
    kind : str
        The rule of a note or warning (``day_first_date``, ``date_from_today``, ...).
    language : str
        ``id`` or ``en``.

    Returns
    -------
    str
        The catalogue's phrase, else the English text of the kind, else its name with spaces (``na_marker`` ->
        ``na marker``).
    """
    text = rule_text(kind, language)
    return kind.replace("_", " ") if text == kind else text


def compute_intake_files(ctx: Context) -> Computed:
    """Per file: rows read, columns mapped and ignored, values normalised by kind; from ``intake_summary.json``.

    Parameters
    ----------
    ctx : Context
        The scope; its data folder is the processed directory.

    Returns
    -------
    Computed
        Keys ``<scope>.data_quality.files.count`` and, per file (its name as a key part),
        ``<scope>.data_quality.file.<name>.{rows,mapped,ignored,normalised}`` and
        ``<scope>.data_quality.file.<name>.kind.<kind>``; shown: ``files`` (the summary's entries, or None when
        the processed data have no summary).
    """
    path = Path(ctx.dataset.data_dir)
    if not path.is_absolute():
        path = resolve(path)
    summary = read_summary(path)
    s = ctx.scope
    if summary is None:
        return Computed({key(s, "data_quality", "files", "count"): 0}, {"files": None})
    files = summary["files"]
    keys: dict[str, Any] = {key(s, "data_quality", "files", "count"): len(files)}
    for f in files:
        part = _part(f"{f['table']}_{f['file']}")
        keys[key(s, "data_quality", "file", part, "rows")] = int(f["rows"])
        keys[key(s, "data_quality", "file", part, "mapped")] = int(f["mapped"])
        keys[key(s, "data_quality", "file", part, "ignored")] = len(f["ignored"])
        keys[key(s, "data_quality", "file", part, "normalised")] = int(sum(f["normalised"].values()))
        for kind, n in {**f["warnings"], **f["normalised"]}.items():
            keys[key(s, "data_quality", "file", part, "kind", _part(kind))] = int(n)
    return Computed(keys, {"files": files})


def show_intake_files(result: Computed, view: View) -> Section | Sections:
    """Two tables: one line per file (rows, columns mapped and ignored, values normalised), then per file and kind.

    Parameters
    ----------
    result : Computed
        What :func:`compute_intake_files` returned.
    view : View
        The display settings.

    Returns
    -------
    Section or Sections
        The per-file table and the per-kind table (Bahasa Indonesia or English, as the view's language); a single
        section saying the summary is missing when the data were processed by an older version.
    """
    w = Words(view)
    files = result.shown["files"]
    if files is None:
        return Section(w.t("intake_files_title"), None, [w.t("intake_summary_missing")], level=3)

    def table_name(table: str) -> str:
        return w.t(f"intake_table_{table}") if has(f"intake_table_{table}") else table

    def ignored(names: list[str]) -> str:
        if not names:
            return format_number(0, w.lang)
        shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
        return f"{format_number(len(names), w.lang)} ({shown})"

    per_file = pd.DataFrame(
        {
            w.t("col_file"): [f["file"] for f in files],
            w.t("col_table"): [table_name(f["table"]) for f in files],
            w.t("col_rows_read"): [format_number(f["rows"], w.lang) for f in files],
            w.t("col_columns_mapped"): [
                f"{format_number(f['mapped'], w.lang)} / {format_number(f['columns'], w.lang)}" for f in files
            ],
            w.t("col_columns_ignored"): [ignored(f["ignored"]) for f in files],
            w.t("col_values_normalised"): [format_number(sum(f["normalised"].values()), w.lang) for f in files],
        }
    )
    rows = []
    for f in files:
        kinds = [("note", k, n) for k, n in f["normalised"].items()]
        kinds += [("warning", k, n) for k, n in f["warnings"].items()]
        ordered = sorted(kinds, key=lambda x: (x[0] != "note", -x[2], x[1]))
        for i, (severity, kind, n) in enumerate(ordered):
            rows.append(
                {
                    w.t("col_file"): f["file"] if i == 0 else "",  # the file named once, on its first line
                    w.t("col_severity"): t(f"severity_{severity}", w.lang),
                    w.t("col_what_done"): kind_label(kind, w.lang),
                    w.t("col_values"): format_number(n, w.lang),
                }
            )
    parts: list[Any] = [Section(w.t("intake_files_title"), per_file, [w.t("intake_files_note")], level=3)]
    if rows:
        parts.append(Section(w.t("intake_kinds_title"), pd.DataFrame(rows), [w.t("intake_kinds_note")], level=3))
    return Sections(parts)
