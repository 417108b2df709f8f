"""The problem report of an intake: every finding with file, row, column, rule and what to do.

A :class:`Problem` is one finding; a :class:`Report` collects all findings of one intake, prints at most a
screenful of them (:meth:`Report.terminal`), writes the full list to CSV (:meth:`Report.write_csv`) and counts
warnings and normalisations for the reports' data-quality section (:meth:`Report.data_quality`).
:func:`problem_at` places a finding at a row of a typed table (its ``_file``, ``_row`` and ``_region`` columns).

Severities: ``error`` stops the intake (nothing is written to ``data/processed`` or ``reports``); ``warning``
does not stop it and is counted in the reports' data-quality section; ``note`` says what was normalised.
Personal values (NIK, names, phones) appear masked (:func:`evaluation.intake.pseudonymise.mask`), never in clear.
"""

from __future__ import annotations

import csv
import io
import shutil
import textwrap
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.atomic import write_text
from evaluation.core.cellsafe import safe_text
from evaluation.core.quality import KIND_TEXT
from evaluation.intake.codebook import Codebook, Variable
from evaluation.intake.patterns import NAME_MASK, id_like, looks_like_name, mask_value
from evaluation.intake.pseudonymise import mask

__all__ = [
    "ROW_COLUMNS",
    "SEVERITY_ORDER",
    "TERMINAL_ROWS",
    "Problem",
    "Report",
    "problem_at",
    "region_of",
    "shown_value",
    "where",
]

TERMINAL_ROWS = 15
SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}
ROW_COLUMNS = ("_file", "_row")  # the columns of a typed table that place a record in its export

# Up to this many errors and warnings, the terminal shows each message and its fix whole (wrapped).
WRAP_AT_MOST = 5


@dataclass(frozen=True)
class Problem:
    """One finding about the input: where, what value, which rule, and what to do.

    Parameters
    ----------
    severity : {"error", "warning", "note"}
        ``error`` stops the intake, ``warning`` is reported and counted, ``note`` records a normalisation.
    file : str
        The export file as shown to the user (relative to the project root when inside it); empty when the
        finding concerns no file.
    row : int or None
        The 1-based row of the file as a spreadsheet numbers it (the header is row 1); None for the whole file.
    column : str
        The column as the export names it, or the codebook name; empty for a whole row or file.
    value : str
        The offending value as text; empty when there is none. Personal values are masked by the caller; NIK-like,
        phone-like and long digit runs are masked here, whatever the column (a NIK typed into an income cell).
    rule : str
        The rule's name, e.g. ``range``, ``duplicate_family``, ``indonesian_thousands``.
    message : str
        What is wrong, in one sentence without a final full stop.
    fix : str
        What to do, in one sentence without a final full stop.
    table : str, optional
        ``roster``, ``programme`` or ``survey`` (empty when unknown).
    region : str, optional
        The region code of the row (empty when unknown).
    count : int, optional
        How many values the finding stands for (a note on a column counts every normalised cell).

    References
    ----------
    DESIGN §6: a user error names file, row, column, rule and what to do.
    """

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

    def __post_init__(self) -> None:
        # every value a report shows is masked where it looks like a NIK, a phone number or a long digit run
        # (a NIK typed into an income cell), whatever the column (:func:`evaluation.intake.patterns.mask_value`)
        value, message = str(self.value), str(self.message)
        # a person's name typed into a category or id column, or a family_id that is no id, is never shown
        # (:func:`evaluation.intake.patterns.looks_like_name`); the file, row and column still locate the cell
        if value.strip() and (
            looks_like_name(value) or (self.column.lower().endswith("family_id") and not id_like(value))
        ):
            if len(value.strip()) > 2:
                for quoted in (repr(value), repr(value.strip())):
                    message = message.replace(quoted, "the value (not shown: it may be a name)")
                message = message.replace(value.strip(), NAME_MASK)
            value = NAME_MASK
        object.__setattr__(self, "value", mask_value(value))
        object.__setattr__(self, "message", mask_value(message))  # some messages quote the cell

    def render(self) -> str:
        """Write the problem as one paragraph, as the command line prints a single problem.

        Returns
        -------
        str
            ``"file F, row R, column 'C': message (value 'V'). Rule: rule. What to do: fix."``.
        """
        where = [f"file {self.file}"] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        value = f" (value {self.value!r})" if self.value else ""
        return f"{', '.join(where)}: {self.message}{value}. Rule: {self.rule}. What to do: {self.fix}."


@dataclass
class Report:
    """All problems of one intake.

    Parameters
    ----------
    problems : list of Problem, optional
        The findings in the order they were made.
    columns : dict, optional
        ``(file, variable) -> export column name`` for columns the export names differently from the codebook,
        so that a problem names the column the user sees.
    """

    problems: list[Problem] = field(default_factory=list)
    columns: dict[tuple[str, str], str] = field(default_factory=dict)  # (file, variable) -> export column name

    def add(self, problem: Problem) -> None:
        """Record one problem.

        Parameters
        ----------
        problem : Problem
            The finding.
        """
        self.problems.append(problem)

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record several problems.

        Parameters
        ----------
        problems : iterable of Problem
            The findings, kept in their order.
        """
        self.problems.extend(problems)

    def of(self, severity: str) -> list[Problem]:
        """Select the problems of one severity.

        Parameters
        ----------
        severity : {"error", "warning", "note"}
            The severity.

        Returns
        -------
        list of Problem
            The problems of that severity, in recording order.
        """
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
        """Sort errors, then warnings, then notes; within each by file, row, column and rule.

        Returns
        -------
        list of Problem
            Every problem, in that order.
        """
        return sorted(self.problems, key=lambda p: (SEVERITY_ORDER[p.severity], p.file, p.row or 0, p.column, p.rule))

    def write_csv(self, path: Path) -> Path:
        """Write every problem, one per line, to a temporary file and rename it to ``path``.

        Parameters
        ----------
        path : pathlib.Path
            The CSV file (UTF-8, newline line ends, one column per field of :class:`Problem`).

        Returns
        -------
        pathlib.Path
            ``path``.

        Raises
        ------
        OSError
            When the directory is not writable.
        """
        buf = io.StringIO()
        names = [f.name for f in fields(Problem)]
        writer = csv.DictWriter(buf, fieldnames=names, lineterminator="\n")
        writer.writeheader()
        for p in self.sorted():  # formula-safe: a value such as =HYPERLINK(...) is written as text
            writer.writerow({k: ("" if v is None else safe_text(v)) for k, v in asdict(p).items()})
        write_text(path, buf.getvalue())
        return path

    def terminal(self, csv_path: str | None = None, max_rows: int = TERMINAL_ROWS) -> str:
        """Tabulate at most ``max_rows`` problems (errors first) and count the rest, for a terminal.

        Parameters
        ----------
        csv_path : str or None, optional
            The full list's file as shown to the user; named on the last line when given.
        max_rows : int, optional
            Rows of the table (errors and warnings; notes are summarised in one line).

        Returns
        -------
        str
            The counts line, the table (at most 160 characters wide), a line per kind of normalisation and the
            file of the full list, joined by newlines.
        """
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
            indent = " " * (sum(widths) + 2 * 5)
            few = len(shown) <= WRAP_AT_MOST
            for r in rows:
                # a few problems (a refusal of a file or a column) are shown whole, what to do included; many are
                # cut to one line each so that the table fits a screen, the full text being in the full list
                told = (textwrap.wrap(r[5], rest, break_on_hyphens=False) or [""]) if few else [cut(r[5], rest)]
                lines.append(fmt.format(*(cut(r[i], widths[i]) for i in range(5)), told[0]))
                lines.extend(indent + more for more in told[1:])
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
        """Count warnings and notes per severity, rule, table, column and region (no values: safe to publish).

        Returns
        -------
        pandas.DataFrame
            Columns ``severity, rule, table, column, region_code, count``, one row per distinct combination of
            the first five, sorted by them; no rows when the intake found no warning and normalised nothing.
        """
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


# ------------------------------------------------------------------------------------------------ placing
def shown_value(var: Variable | None, value: object) -> str:
    """Write a cell's value as a problem shows it: whole floats without ``.0``, personal values masked.

    Parameters
    ----------
    var : Variable or None
        The codebook variable of the cell (None for a column outside the codebook).
    value : object
        The typed value (None, NaN and ``pd.NA`` count as empty).

    Returns
    -------
    str
        The value as text; empty for an empty cell; a NIK keeps its first 4 digits, other personal values are
        all stars.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if var is not None and var.personal:
        return mask(text, keep=4 if var.name == "nik" else 0)
    return text


def where(df: pd.DataFrame, index: object) -> tuple[str, int | None]:
    """Find the export file and row of a row of a typed table.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed table with the columns ``_file`` and ``_row`` (:func:`evaluation.intake.columns.type_file`).
    index : object
        A label of ``df.index``; None, NaN or a label not in the index stand for the whole file.

    Returns
    -------
    tuple of (str, int or None)
        The file as shown to the user and its row number; ``(first file, None)`` when ``index`` is not a row.
    """
    if index is None or (isinstance(index, float) and np.isnan(index)) or index not in df.index:
        return (str(df["_file"].iloc[0]) if len(df) else "", None)
    return str(df.at[index, "_file"]), int(df.at[index, "_row"])


def region_of(df: pd.DataFrame, index: object) -> str:
    """Find the region code of a row of a typed table.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed table, with the column ``_region`` once the roster's regions are known.
    index : object
        A label of ``df.index``.

    Returns
    -------
    str
        The region code; empty when the table has no ``_region`` column, the label is not a row or the region is
        unknown.
    """
    if "_region" in df and index in df.index:
        r = df.at[index, "_region"]
        return "" if pd.isna(r) else str(r)
    return ""


def problem_at(
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
    """Make the problem of one cell of a typed table, with its file, row, shown value and region.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed table with ``_file`` and ``_row`` (and ``_region`` when known).
    index : object
        The row's label in ``df.index``.
    column : str
        The codebook name of the cell's column (its value is shown when ``df`` has the column).
    severity : {"error", "warning", "note"}
        See :class:`Problem`.
    rule : str
        The rule's name.
    message : str
        What is wrong.
    fix : str
        What to do.
    table : str
        ``roster``, ``programme`` or ``survey``.
    codebook : Codebook
        The codebook, to mask personal values.

    Returns
    -------
    Problem
        The finding.
    """
    file, row = where(df, index)
    var = codebook[column] if column in codebook else None
    value = df.at[index, column] if column in df else ""
    shown = shown_value(var, value)
    return Problem(severity, file, row, column, shown, rule, message, fix, table, region_of(df, index))
