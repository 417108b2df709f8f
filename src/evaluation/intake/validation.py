"""Validation of intake tables against the codebook: every problem at once, each with file, row, column and fix.

The per-table rules (required values, ranges, categories, dates inside the programme period, one row per family
or per family and wave, NIK structure) form a pandera ``DataFrameSchema`` generated from the codebook
(:func:`schema_for`) and run lazily, so that all failures are collected in one pass. Rules across tables (every
surveyed family in the roster, programme rows for ProKUS families, planned vs disbursed grant, relevance) and the
outlier warnings are plain pandas code below. Each failure becomes a :class:`Problem`; a :class:`Report` prints
at most a screenful of them and writes the full list to CSV.

Severities: ``error`` stops the intake (nothing is written to ``data/processed`` or ``reports``); ``warning``
does not stop it and is counted in the reports' data-quality section; ``note`` says what was normalised.

Warning rules (documented thresholds):

* ``outlier_regional_median``: a rupiah outcome above :data:`OUTLIER_MEDIAN_FACTOR` (20) times the median of the
  positive values of the same region and wave (at least :data:`OUTLIER_MIN_N` positive values);
* ``nik_sex_mismatch``: the NIK marks a woman (day + 40) but the head is recorded as male, or the reverse;
* ``disbursed_without_date``: a grant was disbursed but the disbursement date is empty;
* ``answered_not_relevant``: a question was answered although its relevance condition is false.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.quality import KIND_TEXT
from evaluation.intake.codebook import Codebook, Variable
from evaluation.intake.parsing import nik_birth_date
from evaluation.intake.pseudonymise import mask

OUTLIER_MEDIAN_FACTOR = 20.0
OUTLIER_MIN_N = 10
TERMINAL_ROWS = 15
SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}
ROW_COLUMNS = ("_file", "_row")
RELEVANCE = re.compile(r"^\$\{(\w+)\}\s*(=|!=)\s*'?([\w.]+)'?$")

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


@dataclass(frozen=True)
class Problem:
    """One finding about the input: where, what value, which rule, and what to do."""

    severity: str
    file: str
    row: int | None
    column: str
    value: str
    rule: str
    message: str
    fix: str
    table: str = ""
    region: str = ""
    count: int = 1

    def render(self) -> str:
        """One paragraph, as the command line prints a single problem."""
        where = [f"file {self.file}"] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        value = f" (value {self.value!r})" if self.value else ""
        return f"{', '.join(where)}: {self.message}{value}. Rule: {self.rule}. What to do: {self.fix}."


@dataclass
class Report:
    """All problems of one intake."""

    problems: list[Problem] = field(default_factory=list)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)  # (file, variable) -> export column name

    def add(self, problem: Problem) -> None:
        """Record one problem."""
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record several problems."""
        self.problems.extend(problems)

    def of(self, severity: str) -> list[Problem]:
        """Problems of one severity."""
        return [p for p in self.problems if p.severity == severity]

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop the intake."""
        return self.of("error")

    @property
    def warnings(self) -> list[Problem]:
        """Problems reported in the data-quality section."""
        return self.of("warning")

    @property
    def notes(self) -> list[Problem]:
        """Normalisations applied."""
        return self.of("note")

    def sorted(self) -> list[Problem]:
        """Errors, then warnings, then notes; within each by file, row and column."""
        return sorted(self.problems, key=lambda p: (SEVERITY_ORDER[p.severity], p.file, p.row or 0, p.column, p.rule))

    def write_csv(self, path: Path) -> Path:
        """Every problem, one per line (written to a temporary file, then renamed)."""
        buf = io.StringIO()
        names = [f.name for f in fields(Problem)]
        writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for p in self.sorted():
            writer.writerow({k: ("" if v is None else v) for k, v in asdict(p).items()})
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        tmp.replace(path)
        return path

    def terminal(self, csv_path: str | None = None, max_rows: int = TERMINAL_ROWS) -> str:
        """A table of at most ``max_rows`` problems (errors first) and the count of the rest."""
        width = max(80, min(shutil.get_terminal_size((120, 24)).columns, 160))
        shown = [p for p in self.sorted() if p.severity != "note"]
        notes = self.notes
        lines = [
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s), "
            f"{sum(p.count for p in notes)} value(s) normalised in {len(notes)} column(s)."
        ]
        if shown:
            header = ("severity", "file", "row", "column", "value", "problem / what to do")
            rows = [
                (
                    p.severity,
                    Path(p.file).name,
                    "" if p.row is None else str(p.row),
                    p.column,
                    p.value,
                    f"{p.message}. {p.fix}",
                )
                for p in shown[:max_rows]
            ]
            caps = (8, 22, 6, 26, 16)
            widths = [min(caps[i], max(len(header[i]), *(len(r[i]) for r in rows))) for i in range(5)]
            rest = max(20, width - sum(widths) - 2 * 5)

            def cut(text: str, n: int) -> str:
                return text if len(text) <= n else text[: n - 1] + "…"

            fmt = "  ".join(f"{{:<{w}}}" for w in widths) + "  {}"
            lines.append(fmt.format(*(cut(h, w) for h, w in zip(header, [*widths, rest], strict=False)), header[5]))
            for r in rows:
                lines.append(fmt.format(*(cut(r[i], widths[i]) for i in range(5)), cut(r[5], rest)))
            if len(shown) > max_rows:
                lines.append(f"... and {len(shown) - max_rows} more problem(s) not shown.")
        if notes:
            kinds: dict[str, int] = {}
            for p in notes:
                kinds[p.rule] = kinds.get(p.rule, 0) + p.count
            text = "; ".join(f"{KIND_TEXT.get(k, k)}: {n}" for k, n in sorted(kinds.items()))
            lines.append(f"Normalised: {text}.")
        if csv_path:
            lines.append(f"Full list: {csv_path}")
        return "\n".join(lines)

    def data_quality(self) -> pd.DataFrame:
        """Counts per severity, rule, table, column and region (no values: safe to publish with the data)."""
        rows = [
            {
                "severity": p.severity,
                "rule": p.rule,
                "table": p.table,
                "column": p.column,
                "region_code": p.region,
                "count": p.count,
            }
            for p in self.problems
            if p.severity in ("warning", "note")
        ]
        cols = ["severity", "rule", "table", "column", "region_code", "count"]
        if not rows:
            return pd.DataFrame(columns=cols)
        df = pd.DataFrame(rows, columns=cols)
        return (
            df.groupby(cols[:-1], as_index=False, sort=True)["count"]
            .sum()
            .sort_values(cols[:-1])
            .reset_index(drop=True)
        )


def _value(var: Variable | None, value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if var is not None and var.personal:
        return mask(text, keep=4 if var.name == "nik" else 0)
    return text


def _where(df: pd.DataFrame, index: object) -> tuple[str, int | None]:
    if index is None or (isinstance(index, float) and np.isnan(index)) or index not in df.index:
        return (str(df["_file"].iloc[0]) if len(df) else "", None)
    return str(df.at[index, "_file"]), int(df.at[index, "_row"])


def _region(df: pd.DataFrame, index: object) -> str:
    if "_region" in df and index in df.index:
        r = df.at[index, "_region"]
        return "" if pd.isna(r) else str(r)
    return ""


# ------------------------------------------------------------------------------------------------ schema
def _nik_format(s: pd.Series) -> pd.Series:
    return s.isna() | s.astype("string").str.fullmatch(r"\d{16}").fillna(False)


def _nik_birth(s: pd.Series) -> pd.Series:
    def ok(x: object) -> bool:
        if pd.isna(x) or not re.fullmatch(r"\d{16}", str(x)):
            return True  # reported by nik_format
        return nik_birth_date(str(x))[0] is not None

    return s.map(ok).astype(bool)


def schema_for(codebook: Codebook, table: str, columns: Iterable[str]) -> object:
    """The pandera ``DataFrameSchema`` of one table, generated from the codebook (only columns present).

    Values are already typed by :mod:`evaluation.intake.parsing`; the schema checks required values, ranges,
    categories, date periods, NIK structure and uniqueness. Check names are the rule names of the report.
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
    """Run the table's schema lazily and turn every failure case into a :class:`Problem`."""
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
        file, row = _where(df, index)
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
            others = df.index[df["family_id"] == df.at[index, "family_id"]] if index in df.index else []
            rows = sorted(int(df.at[i, "_row"]) for i in others)
            message += f" (rows {', '.join(map(str, rows))})"
        out.append(
            Problem("error", file, row, column, _value(var, value), rule, message, fix, table, _region(df, index))
        )
    return out


# ------------------------------------------------------------------------------------------------ relations
def relevance(var: Variable) -> tuple[str, str, str] | None:
    """``(variable, operator, value)`` of a simple XLSForm relevance ``${var} = value``; None when there is none."""
    if not var.relevant:
        return None
    m = RELEVANCE.match(var.relevant)
    if not m:
        raise ValueError(f"{var.name}: relevance {var.relevant!r} is not of the form ${{var}} = value")
    return m.group(1), m.group(2), m.group(3)


def not_relevant_mask(df: pd.DataFrame, var: Variable) -> pd.Series:
    """Rows where the question of ``var`` was not asked (its relevance condition is known to be false)."""
    rel = relevance(var)
    if rel is None or rel[0] not in df:
        return pd.Series(False, index=df.index)
    other, op, value = rel
    col = df[other]
    try:
        target: object = float(value)
        known = pd.to_numeric(col, errors="coerce")
    except ValueError:
        target, known = value, col
    equal = known == target
    false = ~equal if op == "=" else equal
    return (false & known.notna()).fillna(False).astype(bool)


def not_asked_value(var: Variable) -> float | None:
    """The value a question takes when it is not asked: 0 for numbers whose range includes 0, else empty."""
    if var.type in ("integer", "number", "binary"):
        lo = float(var.min) if var.min else -np.inf
        hi = float(var.max) if var.max else np.inf
        if lo <= 0 <= hi:
            return 0.0
    return None


def _problem(
    df: pd.DataFrame,
    index: object,
    column: str,
    severity: str,
    rule: str,
    message: str,
    fix: str,
    table: str,
    codebook: Codebook,
) -> Problem:
    file, row = _where(df, index)
    var = codebook[column] if column in codebook else None
    value = df.at[index, column] if column in df else ""
    return Problem(severity, file, row, column, _value(var, value), rule, message, fix, table, _region(df, index))


def check_relations(tables: Mapping[str, pd.DataFrame], codebook: Codebook, treated_value: str) -> list[Problem]:
    """Rules across tables and between answers of one row."""
    out: list[Problem] = []
    roster, programme, survey = tables["roster"], tables["programme"], tables["survey"]
    known = set(roster["family_id"].dropna())
    for name, df in (("survey", survey), ("programme", programme)):
        if "family_id" not in df:
            continue
        missing = df["family_id"].notna() & ~df["family_id"].isin(known)
        for i in df.index[missing]:
            out.append(
                _problem(
                    df,
                    i,
                    "family_id",
                    "error",
                    "family_in_roster",
                    f"the family is not in the roster (every {name} family must be)",
                    "correct the family id, or add the family to the roster",
                    name,
                    codebook,
                )
            )
    if "group" in roster and "family_id" in programme:
        groups = roster.drop_duplicates("family_id").set_index("family_id")["group"]
        g = programme["family_id"].map(groups)
        for i in programme.index[g.notna() & (g != treated_value)]:
            out.append(
                _problem(
                    programme,
                    i,
                    "family_id",
                    "error",
                    "programme_family_is_prokus",
                    f"the family has a programme row but is in the roster's group {g[i]!r}",
                    f"programme rows are for group {treated_value!r} families only; correct the group or the id",
                    "programme",
                    codebook,
                )
            )
    p = programme
    if {"bsimu_planned", "bsimu_disbursed"} <= set(p):
        over = p["bsimu_disbursed"] > p["bsimu_planned"]
        for i in p.index[over.fillna(False)]:
            out.append(
                _problem(
                    p,
                    i,
                    "bsimu_disbursed",
                    "error",
                    "disbursed_le_planned",
                    f"the disbursed grant exceeds the planned grant ({int(p.at[i, 'bsimu_planned'])})",
                    "check both amounts against the disbursement record (SP2D) and correct one",
                    "programme",
                    codebook,
                )
            )
    if {"bsimu_disbursed", "disbursement_date"} <= set(p):
        no_money = (p["bsimu_disbursed"] == 0) & p["disbursement_date"].notna()
        for i in p.index[no_money.fillna(False)]:
            out.append(
                _problem(
                    p,
                    i,
                    "disbursement_date",
                    "error",
                    "date_without_disbursement",
                    "a disbursement date is given but nothing was disbursed",
                    "enter the disbursed amount, or clear the date",
                    "programme",
                    codebook,
                )
            )
        no_date = (p["bsimu_disbursed"] > 0) & p["disbursement_date"].isna()
        for i in p.index[no_date.fillna(False)]:
            out.append(
                _problem(
                    p,
                    i,
                    "disbursement_date",
                    "warning",
                    "disbursed_without_date",
                    "a grant was disbursed but the disbursement date is empty",
                    "add the date from the disbursement record",
                    "programme",
                    codebook,
                )
            )
    if {"grant_received", "bsimu_disbursed"} <= set(p):
        bad = (p["grant_received"] == 1) & (p["bsimu_disbursed"] == 0)
        for i in p.index[bad.fillna(False)]:
            out.append(
                _problem(
                    p,
                    i,
                    "bsimu_disbursed",
                    "error",
                    "received_has_amount",
                    "the grant is recorded as received but the disbursed amount is 0",
                    "enter the amount received, or set grant_received to 0",
                    "programme",
                    codebook,
                )
            )
    if "nik" in roster and "head_sex" in roster:
        for i in roster.index[roster["nik"].notna()]:
            nik = str(roster.at[i, "nik"])
            if not re.fullmatch(r"\d{16}", nik):
                continue
            born, female = nik_birth_date(nik)
            sex = roster.at[i, "head_sex"]
            if born is not None and pd.notna(sex) and (sex == "female") != female:
                out.append(
                    _problem(
                        roster,
                        i,
                        "nik",
                        "warning",
                        "nik_sex_mismatch",
                        f"the NIK's birth day marks a {'woman' if female else 'man'} but head_sex is {sex!r}",
                        "check the NIK and the head's sex against the family card",
                        "roster",
                        codebook,
                    )
                )
    for name, df in tables.items():
        for var in codebook.table(name):
            if var.name not in df or not var.relevant:
                continue
            asked_not = not_relevant_mask(df, var)
            fill = not_asked_value(var)
            answered = df[var.name].notna() & (df[var.name] != fill if fill is not None else True)
            for i in df.index[(asked_not & answered).fillna(False)]:
                out.append(
                    _problem(
                        df,
                        i,
                        var.name,
                        "warning",
                        "answered_not_relevant",
                        f"answered although not asked ({var.relevant} is false)",
                        "check the answer and the question it depends on",
                        name,
                        codebook,
                    )
                )
    return out


def outlier_warnings(tables: Mapping[str, pd.DataFrame], codebook: Codebook) -> list[Problem]:
    """Rupiah outcomes above 20 times the regional median of the wave (see the module docstring)."""
    survey = tables["survey"]
    out: list[Problem] = []
    if "_region" not in survey or "wave" not in survey:
        return out
    for var in codebook.table("survey"):
        if not var.is_money or var.name not in survey:
            continue
        x = survey[var.name]
        pos = x.where(x > 0)
        med = pos.groupby([survey["_region"], survey["wave"]]).transform("median")
        n = pos.groupby([survey["_region"], survey["wave"]]).transform("count")
        flag = (x > OUTLIER_MEDIAN_FACTOR * med) & (n >= OUTLIER_MIN_N)
        for i in survey.index[flag.fillna(False)]:
            out.append(
                _problem(
                    survey,
                    i,
                    var.name,
                    "warning",
                    "outlier_regional_median",
                    f"the value is more than {OUTLIER_MEDIAN_FACTOR:g} times the median of its region and wave "
                    f"({int(med[i])})",
                    "check the value (a typing error such as an extra 0, or a genuine windfall to keep)",
                    "survey",
                    codebook,
                )
            )
    return out
