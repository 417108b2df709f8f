"""Intake: survey exports in, analysis-ready pseudonymous tables out (DESIGN §3).

Data flow::

    raw data dir (data/raw/<name>/)            CSV or XLSX: canonical tables, or KoboToolbox / ODK Central exports
      -> read (encoding, delimiter, BOM, XLSX date system)      :func:`read_file`
      -> map columns to codebook names (group prefixes, select_multiple columns, metadata)   :func:`map_columns`
      -> parse values (Indonesian numbers, dates, categories; normalisations reported)
      :mod:`evaluation.intake.parsing`
      -> validate (pandera schema from the codebook, rules across tables, warnings)
      :mod:`evaluation.intake.validation`
      -> on any error: stop; the problem list goes to <raw dir>/validation_problems.csv, nothing else is written
      -> pseudonymise (family id -> keyed HMAC; NIK, names, phones, addresses dropped)
      :mod:`evaluation.intake.pseudonymise`
      -> data/processed/<name>/ roster.csv, programme.csv, survey.csv, data_quality.csv, intake.json
         (+ dataset.json and truth.json of synthetic data), written to a temporary directory and renamed

Which file holds which table: ``roster.*`` (one row per family), ``programme.*`` or ``monitoring*.*`` (the
monitoring checklist), ``survey*.*`` (household survey; several files are stacked, e.g. one export per wave; a
file without a ``wave`` column takes the wave named in its file name). Waves are joined by family in the
analysis table (:func:`evaluation.intake.tables.analysis_table`).

This module knows the codebook, never the statistics (DESIGN §3 import rules).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.errors import UserError
from evaluation.core.paths import PROJ_ROOT, replacing_dir, resolve
from evaluation.intake.codebook import Codebook, Variable, load_codebook
from evaluation.intake.parsing import (
    NumberKind,
    ParseError,
    is_blank,
    parse_binary,
    parse_category,
    parse_date,
    parse_multiple,
    parse_number,
    parse_text,
)
from evaluation.intake.pseudonymise import Key, load_key, mask, pseudonym
from evaluation.intake.validation import (
    Problem,
    Report,
    check_relations,
    check_schema,
    not_asked_value,
    not_relevant_mask,
    outlier_warnings,
)

TABLES = ("roster", "programme", "survey")
FILE_PREFIXES = {"roster": ("roster",), "programme": ("programme", "monitoring"), "survey": ("survey",)}
EXTENSIONS = (".csv", ".xlsx")
PROBLEMS_FILE = "validation_problems.csv"
# File-level errors after which row-level rules are not run (they would only repeat the same cause).
STRUCTURAL = {"missing_table", "required_column", "encoding", "header", "empty", "xlsx", "duplicate_column"}
MANIFEST = "intake.json"
QUALITY_FILE = "data_quality.csv"
WAVES = ("baseline", "midline", "endline")
# KoboToolbox and ODK Central metadata columns (not questions): kept out of the analysis tables.
META_NAMES = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "audit",
    "instanceid", "instancename", "uuid", "submissiondate", "key", "submitterid", "submittername",
    "attachmentspresent", "attachmentsexpected", "status", "reviewstate", "formversion", "edits", "version",
}  # fmt: skip


class ValidationFailed(UserError):
    """The input has errors; the message is the problem table (at most a screenful)."""

    def __init__(self, report: Report, csv_path: str | None) -> None:
        self.report = report
        self.csv_path = csv_path
        super().__init__("validation failed")

    def render(self) -> str:
        """The terminal table of problems."""
        return "the data did not pass validation; nothing was written.\n" + self.report.terminal(self.csv_path)


@dataclass
class RawFile:
    """One export as read: string (CSV) or cell (XLSX) values, the sheet row of each record, the date system."""

    path: Path
    table: str
    frame: pd.DataFrame
    rows: list[int]
    date_system: int = 1900
    shown: str = ""


@dataclass
class Intake:
    """Typed tables (personal columns still present, in memory only), the report and the data set's metadata."""

    data_dir: Path
    tables: dict[str, pd.DataFrame]
    report: Report
    metadata: dict = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------ reading
def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJ_ROOT))
    except ValueError:
        return str(path)


def read_csv(path: Path, report: Report) -> RawFile | None:
    """Read a CSV as strings: UTF-8 (with or without byte-order mark), delimiter ``,`` ``;`` or tab."""
    shown = _shown(path)
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
        report.add(Problem("note", shown, None, "", "", "utf8_bom", "UTF-8 byte-order mark removed", "", count=1))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        report.add(
            Problem(
                "error", shown, row, "", "", "encoding", "the file is not UTF-8 text",
                "save it as 'CSV UTF-8 (Comma delimited)' from Excel, or export CSV again from KoboToolbox",
            )
        )  # fmt: skip
        return None
    first = text.split("\n", 1)[0]
    if not first.strip():
        report.add(Problem("error", shown, 1, "", "", "header", "the file has no header row", "export it again"))
        return None
    delim = max((",", ";", "\t"), key=first.count)
    if delim != ",":
        report.add(
            Problem("note", shown, None, "", "", "delimiter", f"{delim!r} read as the column delimiter", "", count=1)
        )
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
    header = [h.strip() for h in records[0]]
    rows, data = [], []
    for i, rec in enumerate(records[1:], start=2):
        if not rec or all(not c.strip() for c in rec):
            continue
        if len(rec) != len(header):
            report.add(
                Problem(
                    "error", shown, i, "", "", "field_count",
                    f"the row has {len(rec)} fields but the header has {len(header)}",
                    f"check the row for a stray {delim!r} or an unclosed quote",
                )
            )  # fmt: skip
            continue
        rows.append(i)
        data.append(rec)
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(columns=header, dtype=object)
    return RawFile(path, "", frame, rows, 1900, shown)


def read_xlsx(path: Path, report: Report) -> RawFile | None:
    """Read the first sheet of an XLSX (Kobo puts the main records there) with the workbook's date system."""
    import openpyxl

    shown = _shown(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt or non-XLSX file
        report.add(
            Problem("error", shown, None, "", "", "xlsx", f"the workbook cannot be opened ({type(exc).__name__})",
                    "save it again as .xlsx from Excel or export it again")
        )  # fmt: skip
        return None
    system = 1904 if wb.epoch == dt.datetime(1904, 1, 1) else 1900
    if system == 1904:
        report.add(Problem("note", shown, None, "", "", "excel_1904", "workbook uses the 1904 date system", ""))
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header_row = next(it, None)
    if header_row is None or all(h is None for h in header_row):
        report.add(Problem("error", shown, 1, "", "", "header", "the sheet has no header row", "export it again"))
        wb.close()
        return None
    header = ["" if h is None else str(h).strip() for h in header_row]
    rows, data = [], []
    for i, rec in enumerate(it, start=2):
        if rec is None or all(is_blank(c) for c in rec):
            continue
        vals = list(rec[: len(header)]) + [None] * max(0, len(header) - len(rec))
        rows.append(i)
        data.append(vals)
    wb.close()
    frame = pd.DataFrame(data, columns=header, dtype=object) if data else pd.DataFrame(columns=header, dtype=object)
    return RawFile(path, "", frame, rows, system, shown)


def discover(data_dir: Path) -> dict[str, list[Path]]:
    """The export files of each table in a data directory (see the module docstring for the names)."""
    found: dict[str, list[Path]] = {t: [] for t in TABLES}
    for p in sorted(data_dir.iterdir()):
        if not p.is_file() or p.suffix.lower() not in EXTENSIONS or p.name.startswith((".", "~$")):
            continue
        if p.name == PROBLEMS_FILE:
            continue
        stem = p.stem.lower()
        for table, prefixes in FILE_PREFIXES.items():
            if stem.startswith(prefixes):
                found[table].append(p)
    return found


# ------------------------------------------------------------------------------------------------ columns
@dataclass(frozen=True)
class ColumnMap:
    """What each export column holds: a codebook variable, one choice of a select_multiple, or metadata."""

    variables: dict[str, str]  # raw column -> variable
    choices: dict[str, tuple[str, str]]  # raw column -> (variable, choice code)
    meta: dict[str, str]  # raw column -> metadata name (uuid, submission_time)


def table_variables(codebook: Codebook, table: str) -> dict[str, Variable]:
    """Variables an export of ``table`` may hold (family_id keys the programme and survey tables)."""
    out = {v.name: v for v in codebook.table(table)}
    if table != "roster":
        out = {"family_id": codebook["family_id"], **out}
    return out


def map_columns(raw: RawFile, codebook: Codebook, report: Report) -> ColumnMap:
    """Map export columns to codebook names: group prefixes (``a/b/name``, ``a-b-name``) are dropped."""
    allowed = table_variables(codebook, raw.table)
    lower = {k.lower(): k for k in allowed}
    variables: dict[str, str] = {}
    choices: dict[str, tuple[str, str]] = {}
    meta: dict[str, str] = {}
    for col in raw.frame.columns:
        tokens = [t for t in re.split(r"[/\-]", col) if t]
        last = tokens[-1] if tokens else col
        if last in allowed or last.lower() in lower:
            name = allowed[last].name if last in allowed else lower[last.lower()]
            if name in variables.values():
                other = next(k for k, v in variables.items() if v == name)
                report.add(
                    Problem(
                        "error", raw.shown, 1, col, "", "duplicate_column",
                        f"columns {other!r} and {col!r} both hold {name}",
                        "remove one of the two columns",
                    )
                )  # fmt: skip
                continue
            variables[col] = name
            if (last != name) or len(tokens) > 1:
                report.add(
                    Problem("note", raw.shown, 1, col, "", "column_mapped", f"column read as {name}", "", raw.table)
                )
            continue
        if len(tokens) >= 2 and tokens[-2] in allowed and allowed[tokens[-2]].type == "multiple":
            var = allowed[tokens[-2]]
            if last in {c.code for c in var.categories}:
                choices[col] = (var.name, last)
                continue
        key = col.lstrip("_").lower()
        if col.startswith("_") or last.lower() in META_NAMES or tokens[0].lower() in ("meta", "formhub", "__version__"):
            meta[col] = key
            continue
        report.add(
            Problem("note", raw.shown, 1, col, "", "unknown_column", "column is not in the codebook; ignored", "")
        )
    return ColumnMap(variables, choices, meta)


# ------------------------------------------------------------------------------------------------ values
Parser = Callable[[object], tuple[object, str | None]]


def _parser(var: Variable, date_system: int) -> Parser:
    if var.type in ("integer", "number"):
        kind = NumberKind.of(var)
        return lambda x: parse_number(x, kind)
    if var.type == "binary":
        return parse_binary
    if var.type == "category":
        return lambda x: parse_category(x, var)
    if var.type == "multiple":
        return lambda x: parse_multiple(x, var)
    if var.type == "date":
        return lambda x: parse_date(x, date_system)
    return parse_text


def _parse_column(
    raw: RawFile, col: str, var: Variable, report: Report, system: int
) -> tuple[list[object], dict[str, list]]:
    parse = _parser(var, system)
    values: list[object] = []
    kinds: dict[str, list] = {}
    for row, cell in zip(raw.rows, raw.frame[col].tolist(), strict=True):
        if var.name == "nik" and isinstance(cell, (int, float)) and not isinstance(cell, bool) and not is_blank(cell):
            report.add(
                Problem(
                    "error", raw.shown, row, col, mask(str(int(cell)), 4), "nik_as_number",
                    "the NIK is stored as a number (Excel keeps 15 digits and silently zeroes the 16th)",
                    "format the NIK column as Text and enter the NIKs again from the family cards", raw.table,
                )
            )  # fmt: skip
            values.append(None)
            continue
        try:
            value, kind = parse(cell)
        except ParseError as exc:
            shown = mask(str(cell), 4 if var.name == "nik" else 0) if var.personal else str(cell)
            report.add(Problem("error", raw.shown, row, col, shown, f"type_{var.type}", exc.rule, exc.fix, raw.table))
            values.append(None)
            continue
        values.append(value)
        if kind:
            for k in kind.split("+"):
                kinds.setdefault(k, []).append((row, cell))
    return values, kinds


def _note_kinds(raw: RawFile, col: str, var: Variable, kinds: dict[str, list], report: Report) -> None:
    from evaluation.core.quality import KIND_TEXT

    for k, hits in kinds.items():
        row, cell = hits[0]
        example = mask(str(cell), 4 if var.name == "nik" else 0) if var.personal else str(cell)
        report.add(
            Problem(
                "note", raw.shown, row, col, example, k,
                f"{len(hits)} value(s): {KIND_TEXT.get(k, k)}", "nothing (normalised automatically)",
                raw.table, count=len(hits),
            )
        )  # fmt: skip


def _serial_system(raw: RawFile, col: str, var: Variable) -> int:
    """The date system of a CSV column of serials: 1904 only when every serial fits the period in 1904, not 1900."""
    if raw.path.suffix.lower() != ".csv" or not (var.min and var.max):
        return raw.date_system
    cells = [c for c in raw.frame[col].tolist() if isinstance(c, str) and re.fullmatch(r"\s*\d{4,5}\s*", c)]
    if not cells:
        return raw.date_system
    from evaluation.intake.parsing import excel_serial

    def fits(system: int) -> bool:
        return all(var.min <= excel_serial(float(c), system).isoformat() <= var.max for c in cells)

    return 1904 if (fits(1904) and not fits(1900)) else 1900


def type_file(raw: RawFile, codebook: Codebook, report: Report) -> pd.DataFrame | None:
    """One export as a typed table with codebook column names plus ``_file`` and ``_row``."""
    cmap = map_columns(raw, codebook, report)
    allowed = table_variables(codebook, raw.table)
    present = set(cmap.variables.values())
    out: dict[str, list[object]] = {}
    for col, name in cmap.variables.items():
        var = allowed[name]
        system = _serial_system(raw, col, var) if var.type == "date" else raw.date_system
        values, kinds = _parse_column(raw, col, var, report, system)
        out[name] = values
        _note_kinds(raw, col, var, kinds, report)
    # select_multiple as one 0/1 column per choice (when the space-separated column is absent)
    by_var: dict[str, list[tuple[str, str]]] = {}
    for col, (name, code) in cmap.choices.items():
        by_var.setdefault(name, []).append((col, code))
    for name, cols in by_var.items():
        if name in present:
            continue
        var = allowed[name]
        order = [c.code for c in var.categories]
        chosen: list[list[str]] = [[] for _ in raw.rows]
        answered = [False] * len(raw.rows)
        for col, code in cols:
            for i, (row, cell) in enumerate(zip(raw.rows, raw.frame[col].tolist(), strict=True)):
                try:
                    flag, _ = parse_binary(cell)
                except ParseError as exc:
                    report.add(Problem("error", raw.shown, row, col, str(cell), "type_binary", exc.rule, exc.fix))
                    continue
                if flag is not None:
                    answered[i] = True
                    if flag == 1:
                        chosen[i].append(code)
        out[name] = [
            " ".join(c for c in order if c in ch) if a else None for ch, a in zip(chosen, answered, strict=True)
        ]
        report.add(
            Problem(
                "note", raw.shown, 1, f"{name}/*", "", "multiple_columns",
                f"{len(cols)} choice columns joined into one space-separated answer", "", raw.table,
                count=len(raw.rows),
            )
        )  # fmt: skip
        present.add(name)
    if raw.table == "survey" and "wave" not in present:
        waves = [w for w in WAVES if w in raw.path.stem.lower()]
        if len(waves) == 1:
            out["wave"] = [waves[0]] * len(raw.rows)
            present.add("wave")
            report.add(
                Problem("note", raw.shown, None, "wave", waves[0], "wave_from_file_name",
                        f"no wave column: wave '{waves[0]}' taken from the file name", "", raw.table,
                        count=len(raw.rows))
            )  # fmt: skip
    if raw.table == "survey" and "interview_date" not in present:
        sub = next((c for c, m in cmap.meta.items() if m in ("submission_time", "submissiondate")), None)
        if sub is not None:
            values, _ = _parse_column(raw, sub, codebook["interview_date"], report, raw.date_system)
            out["interview_date"] = values
            present.add("interview_date")
            report.add(
                Problem("note", raw.shown, None, sub, "", "date_from_submission",
                        "no interview_date column: the submission date was used", "", raw.table, count=len(raw.rows))
            )  # fmt: skip
    required = [n for n, v in allowed.items() if v.required and not v.personal]
    missing = [n for n in required if n not in present]
    for n in missing:
        report.add(
            Problem(
                "error", raw.shown, 1, n, "", "required_column",
                f"the required column {n} is missing (codebook: {allowed[n].label_en})",
                "add the column, or rename the export's column to the codebook name", raw.table,
            )
        )  # fmt: skip
    if missing:
        return None
    frame = pd.DataFrame(out, index=range(len(raw.rows)))
    uuid = next((c for c, m in cmap.meta.items() if m in ("uuid", "instanceid", "key")), None)
    if uuid is not None:
        ids = raw.frame[uuid].astype("string").str.strip()
        dup = ids.notna() & ids.duplicated(keep=False)
        for i in np.flatnonzero(dup.to_numpy()):
            report.add(
                Problem(
                    "error", raw.shown, raw.rows[i], uuid, str(ids.iloc[i]), "duplicate_submission",
                    "the same submission appears twice (the export was stacked twice?)",
                    "remove the repeated rows", raw.table,
                )
            )  # fmt: skip
    frame["_file"] = raw.shown
    frame["_row"] = raw.rows
    report.columns.update({(raw.shown, name): col for col, name in cmap.variables.items() if col != name})
    return frame


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
    """Read, map, parse and validate a raw data directory (nothing is written)."""
    d = resolve(data_dir)
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
                Problem("error", _shown(d), None, "", "", "missing_table", f"no {table} file ({names})",
                        f"put the {table} export in the data directory (prokus-eval demo-data writes an example)",
                        table)
            )  # fmt: skip
    typed: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    for table in TABLES:
        frames = []
        for p in found[table]:
            raw = read_xlsx(p, report) if p.suffix.lower() == ".xlsx" else read_csv(p, report)
            sources[p.name] = _sha256(p)
            if raw is None:
                continue
            raw.table = table
            if raw.frame.empty:
                report.add(Problem("error", raw.shown, 2, "", "", "empty", "the file has no data rows",
                                   "export the data again", table))  # fmt: skip
                continue
            frame = type_file(raw, cb, report)
            if frame is not None:
                frames.append(frame)
        typed[table] = _typed_table(frames, cb, table)
    meta_path = d / "dataset.json"
    metadata = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    if any(p.rule in STRUCTURAL for p in report.errors):  # rules across tables would only add noise
        return Intake(d, typed, report, metadata, sources)
    roster = typed["roster"]
    if "region_code" in roster:
        regions = roster.drop_duplicates("family_id").set_index("family_id")["region_code"]
        roster["_region"] = roster["region_code"]
        for t in ("programme", "survey"):
            typed[t]["_region"] = typed[t]["family_id"].map(regions)
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
    report.extend(check_relations(typed, cb, treated_value))
    report.extend(outlier_warnings(typed, cb))
    report.problems = [  # name columns as the export names them, so the user finds them
        dataclasses.replace(p, column=report.columns.get((p.file, p.column), p.column)) for p in report.problems
    ]
    unreadable = {(p.file, p.row, p.column) for p in report.errors if p.rule.startswith("type_")}
    report.problems = [  # an unreadable cell is reported once, not again as missing
        p for p in report.problems if not (p.rule == "required" and (p.file, p.row, p.column) in unreadable)
    ]
    return Intake(d, typed, report, metadata, sources)


# ------------------------------------------------------------------------------------------------ output
def analysis_ready(intake: Intake, codebook: Codebook, key: Key) -> dict[str, pd.DataFrame]:
    """Processed tables: codebook columns only, personal data dropped, family ids replaced by keyed pseudonyms."""
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


def processed_dir_for(data_dir: str | Path, processed_root: str | Path) -> Path:
    """``<processed_root>/<name of the raw directory>``."""
    return resolve(processed_root) / resolve(data_dir).name


def write_processed(tables: dict[str, pd.DataFrame], intake: Intake, key: Key, out: Path) -> Path:
    """Write the processed directory whole (temporary directory, then rename)."""
    with replacing_dir(out) as tmp:
        for table, df in tables.items():
            df.to_csv(tmp / f"{table}.csv", index=False, lineterminator="\n")
        intake.report.data_quality().to_csv(tmp / QUALITY_FILE, index=False, lineterminator="\n")
        for name in ("dataset.json", "truth.json"):
            if (intake.data_dir / name).is_file():
                shutil.copyfile(intake.data_dir / name, tmp / name)
        manifest = {
            "source": _shown(intake.data_dir),
            "sources_sha256": intake.sources,
            "pseudonym_key": key.source,
            "rows": {t: len(df) for t, df in tables.items()},
            "errors": 0,
            "warnings": len(intake.report.warnings),
            "normalised_values": sum(p.count for p in intake.report.notes),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


def validate(data_dir: str | Path, codebook: Codebook | None = None, treated_value: str = "prokus") -> Intake:
    """Validate a raw data directory; the full problem list goes to ``<data_dir>/validation_problems.csv``.

    Raises :class:`ValidationFailed` (a :class:`UserError`) when there is any error; nothing else is written.
    """
    intake = read_intake(data_dir, codebook, treated_value)
    csv_path = intake.data_dir / PROBLEMS_FILE
    try:
        intake.report.write_csv(csv_path)
        shown: str | None = _shown(csv_path)
    except OSError:  # a read-only data directory: the terminal table is all the user gets
        shown = None
    if intake.report.errors:
        raise ValidationFailed(intake.report, shown)
    return intake


def prepare(data_dir: str | Path, processed_root: str | Path, codebook: Codebook | None = None,
            treated_value: str = "prokus") -> tuple[Path, Intake]:  # fmt: skip
    """Validate, pseudonymise and write ``<processed_root>/<name>/``; returns the directory and the intake."""
    cb = codebook or load_codebook()
    intake = validate(data_dir, cb, treated_value)
    key = load_key(bool(intake.metadata.get("synthetic", False)))
    tables = analysis_ready(intake, cb, key)
    out = write_processed(tables, intake, key, processed_dir_for(data_dir, processed_root))
    return out, intake


def is_processed(data_dir: str | Path) -> bool:
    """True for a directory written by :func:`prepare`."""
    return (resolve(data_dir) / MANIFEST).is_file()


def ensure_processed(data_dir: str | Path, processed_root: str | Path, codebook: Codebook | None = None,
                     treated_value: str = "prokus") -> Path:  # fmt: skip
    """The processed directory for ``data_dir``, preparing it when missing or out of date.

    ``data_dir`` itself when it is already processed; else its processed copy when the raw files are unchanged
    (their SHA-256 recorded in ``intake.json``); else a fresh intake (a notebook opened by hand).
    """
    d = resolve(data_dir)
    if is_processed(d):
        return d
    out = processed_dir_for(d, processed_root)
    if is_processed(out) and d.is_dir():
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        current = {p.name: _sha256(p) for paths in discover(d).values() for p in paths}
        if manifest.get("sources_sha256") == current:
            return out
    return prepare(d, processed_root, codebook, treated_value)[0]
