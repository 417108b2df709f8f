"""Questions in, indicators out: the intake step between reading an export and typing its columns (issue 12).

An export of the household survey made with the instrument of :mod:`evaluation.intake.instrument` holds the
answers to the questions of ``data/questions.csv`` (``fies_1`` ... ``fies_8``, ``food_cereals``, ...) and the
indicators the form computed from them (``calculate`` fields named as the codebook: ``fies_score``, ...). For each
export, before its columns are typed (:func:`evaluation.intake.columns.type_file`), :func:`derive_file`:

1. drops the interviews the respondent refused (``consent`` = 0; recorded in the export, counted in a note) and,
   in the monitoring visit form, every visit of a family but the latest round (which records the status to date);
2. reads every question column: don't-know / refused codes (the question's ``dk_codes``) become missing and are
   counted; an answer outside the hard range or the choice list is an error naming file, row and column;
3. derives each indicator of ``data/indicators.toml`` whose questions are all in the export (formulas evaluated
   by :func:`evaluate`); an indicator whose questions are only partly there is an error;
4. where the export also holds the indicator column, the two should agree; where they differ, the export's value
   is kept (the device's calculate or a data manager's corrected total: never overwritten) and a warning names
   both columns, row by row, and reaches the report's data-quality section; a row
   whose questions are all blank (not asked, or an older form version) keeps the column's value; a cell holding
   one of the codebook's don't-know / refused codes for the indicator (``missing_codes``, where declared) counts
   as empty;
5. writes the derived indicator into the export's indicator column where the column is empty or differs within
   rounding (adding the column when missing; an equal cell is kept as exported) and removes the question
   columns, so the rest of the intake sees the indicators only.

An export without questions (the indicator columns only, as before issue 12) passes through unchanged. Money
indicators are rounded to whole rupiah.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.intake.codebook import Codebook
from evaluation.intake.columns import MISSING_MARKERS, map_columns
from evaluation.intake.exports import RawFile
from evaluation.intake.numeric import NumberKind, parse_number
from evaluation.intake.parsing import ParseError, is_blank, parse_binary
from evaluation.intake.problems import Problem, Report
from evaluation.intake.questions import FILES, Node, Question, QuestionBank, codebook_files, load_questions
from evaluation.intake.validation import visit_date_warnings

__all__ = ["AUX_PREFIXES", "Item", "bank_for", "derive_file", "evaluate", "read_item"]

# Fields the instrument adds around the questions (soft-check confirmations, running totals, module notes):
# dropped at intake.
AUX_PREFIXES = ("check_", "total_", "source_")
FORM_OF_TABLE = {"survey": "survey", "programme": "visit"}


@dataclass
class Item:
    """One question's answers in an export, as the formulas see them.

    Parameters
    ----------
    value : numpy.ndarray
        Float answers; NaN for blank and don't-know / refused cells.
    blank : numpy.ndarray
        Boolean: the cell is empty (the question was not asked).
    dk : numpy.ndarray
        Boolean: the cell holds a don't-know or refused code.
    lost : numpy.ndarray, optional
        Boolean: the cell is empty although the question is asked of everyone (required, no relevance): an answer
        lost (a cell cleared by hand, a column emptied), never "not asked". All False when None.
    """

    value: np.ndarray
    blank: np.ndarray
    dk: np.ndarray
    lost: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.lost is None:
            self.lost = np.zeros(len(self.value), dtype=bool)


def _last(col: str) -> str:
    tokens = [t for t in re.split(r"[/\-]", str(col)) if t]
    return tokens[-1] if tokens else str(col)


def _code(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip().removesuffix(".0")


def read_item(cells: list[object], rows: list[int], q: Question, raw: RawFile, bank: QuestionBank,
              report: Report) -> Item:  # fmt: skip
    """Read one question's column: codes to missing, answers checked against the hard range or choice list.

    Parameters
    ----------
    cells : list
        The column's cells as read.
    rows : list of int
        The file row of each cell.
    q : Question
        The question.
    raw : RawFile
        The export (for messages).
    bank : QuestionBank
        The questions layer (choice lists).
    report : Report
        Receives ``question_range``, ``question_choice`` and ``question_type`` errors.

    Returns
    -------
    Item
        The answers.
    """
    n = len(cells)
    value = np.full(n, np.nan)
    blank = np.zeros(n, dtype=bool)
    dk = np.zeros(n, dtype=bool)
    codes = {c.name for c in bank.choices.get(q.list, ())}
    kind = NumberKind(money=q.is_money, integer=q.type == "integer" or q.is_money)
    lo = float(q.min) if q.min and q.numeric else -np.inf
    hi = float(q.max) if q.max and q.numeric else np.inf
    markers = 0
    for i, (cell, row) in enumerate(zip(cells, rows, strict=True)):
        if is_blank(cell):
            blank[i] = True
            continue
        if isinstance(cell, str) and cell.strip().lower() in MISSING_MARKERS and _code(cell) not in codes:
            blank[i] = True  # n/a, -, #N/A ... written for an unanswered question: empty, counted
            markers += 1
            continue
        if _code(cell) in q.dk_codes:
            dk[i] = True
            continue
        if q.type == "select_one":
            c = _code(cell)
            if c not in codes:
                report.add(Problem("error", raw.shown, row, q.name, str(cell), "question_choice",
                                   f"{c!r} is not an answer of {q.name} ({', '.join(sorted(codes))})",
                                   "correct the answer from the paper form or the interview", raw.table))  # fmt: skip
                continue
            value[i] = float(c) if re.fullmatch(r"-?\d+(\.\d+)?", c) else np.nan
            continue
        try:
            x, _ = parse_number(cell, kind)
        except ParseError as exc:
            report.add(Problem("error", raw.shown, row, q.name, str(cell), "question_type", exc.rule, exc.fix,
                               raw.table))  # fmt: skip
            continue
        if x is None:
            blank[i] = True
        elif not lo <= x <= hi:
            report.add(
                Problem("error", raw.shown, row, q.name, str(cell), "question_range",
                        f"{x:g} is outside the allowed range {q.min} to {q.max} of {q.name}"
                        + (f" (don't know / refused: {' or '.join(q.dk_codes)})" if q.dk_codes else ""),
                        "correct the answer from the interview"
                        + (", or write the don't-know / refused code" if q.dk_codes else
                           " (the question has no don't-know / refused code)"), raw.table)
            )  # fmt: skip
        else:
            value[i] = x
    if markers:
        first = next(r for r, c in zip(rows, cells, strict=True) if isinstance(c, str) and c.strip().lower()
                     in MISSING_MARKERS)  # fmt: skip
        report.add(Problem("note", raw.shown, first, q.name, "", "missing_marker",
                           f"{markers} value(s): missing marker (n/a, -, #N/A ...) read as an empty answer",
                           "nothing (normalised automatically)", raw.table, count=markers))  # fmt: skip
    unconditional = q.required and not str(q.relevant or "").strip()
    return Item(value, blank, dk, blank & unconditional)


def evaluate(node: Node, items: dict[str, Item]) -> np.ndarray:
    """Evaluate a formula tree over the answers of an export, row by row.

    A blank answer (not asked) counts 0 inside ``sum``, is not counted by ``count``/``any`` and is missing as a
    bare name; a lost answer (:attr:`Item.lost`: blank although asked of everyone) makes ``sum`` and ``count``
    missing, and ``any`` too unless another question was answered the value;
    a don't-know / refused answer makes the result missing except in ``any`` (when another question was answered
    the value) and ``coalesce`` (which falls back to its second argument).

    Parameters
    ----------
    node : Node
        The formula (:func:`evaluation.intake.questions.parse_formula`).
    items : dict of str to Item
        The answers of every question the formula names.

    Returns
    -------
    numpy.ndarray
        Float values, NaN where missing.
    """
    if node.kind == "num":
        n = len(next(iter(items.values())).value)
        return np.full(n, float(node.value))
    if node.kind == "name":
        return items[str(node.value)].value.copy()
    if node.kind == "neg":
        return -evaluate(node.args[0], items)
    if node.kind == "bin":
        a, b = (evaluate(x, items) for x in node.args)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[str(node.value)]
        return np.where(np.isfinite(out), out, np.nan)
    fn = str(node.value)
    if fn == "coalesce":
        a, b = (evaluate(x, items) for x in node.args)
        return np.where(np.isnan(a), b, a)
    if fn == "sum":
        parts = [items[str(a.value)] for a in node.args]
        total = np.zeros(len(parts[0].value))
        for it in parts:
            total = total + np.where(it.blank, 0.0, it.value)
        lost = np.any([it.lost for it in parts], axis=0)
        return np.where(lost, np.nan, total)  # an answer lost is not 0: the sum is unknown
    target = float(node.args[0].value)
    parts = [items[str(a.value)] for a in node.args[1:]]
    hits = np.sum([it.value == target for it in parts], axis=0).astype(float)
    dk = np.any([it.dk for it in parts], axis=0) | np.any([it.lost for it in parts], axis=0)
    if fn == "count":
        return np.where(dk, np.nan, hits)
    return np.where(hits > 0, 1.0, np.where(dk, np.nan, 0.0))  # any


def bank_for(codebook: Codebook) -> QuestionBank | None:
    """Find the questions layer beside a codebook.

    Parameters
    ----------
    codebook : Codebook
        The codebook.

    Returns
    -------
    QuestionBank or None
        The questions layer; None when the codebook's directory does not hold all of
        :data:`evaluation.intake.questions.FILES` (a codebook of indicators only: exports are read as before).

    Raises
    ------
    UserError
        When the files are there but malformed (:func:`evaluation.intake.questions.load_questions`).
    """
    if len(codebook_files(codebook.path)) < len(FILES):
        return None
    return load_questions(codebook.path)


def _python_number(x: float) -> object:
    if np.isnan(x):
        return None
    return int(x) if float(x).is_integer() else float(x)


def derive_file(raw: RawFile, codebook: Codebook, bank: QuestionBank, report: Report) -> None:
    """Derive the indicators of one export from its questions, in place (see the module docstring).

    Parameters
    ----------
    raw : RawFile
        The export, its ``table`` set; its ``frame`` and ``rows`` are replaced.
    codebook : Codebook
        The codebook (the indicators' types and ranges).
    bank : QuestionBank
        The questions layer.
    report : Report
        Receives the errors (``question_*``, ``incomplete_items``, ``indicator_mismatch``), the warnings
        (``disbursed_after_visit``) and notes
        (``interview_refused``, ``earlier_visits``, ``dk_refused``, ``indicators_derived``).

    Returns
    -------
    None
        ``raw`` is changed in place.

    References
    ----------
    XLSForm specification (https://xlsform.org/en/), ``calculate``; FAO (2016), *Methods for estimating
    comparable rates of food insecurity* (FIES raw score); Topp et al. (2015), *The WHO-5 Well-Being Index*
    (raw score x 4).
    """
    form = FORM_OF_TABLE.get(raw.table)
    if form is None:
        return
    questions = {q.name.lower(): q for q in bank.form(form)}
    # the codebook's variables of this table (and the roster's ids): a question of the visit form named as a
    # variable of another table (business_operating, a survey variable) is read and checked here, then dropped
    codebook_names = {v.name for v in codebook.variables if v.table in (raw.table, "roster")}
    # select_multiple questions that are not codebook variables: their one-column-per-choice export
    # (tindak_lanjut/problems_observed/none) is the form's, not data of the table, and is dropped with the question
    multiples = {n for n, q in questions.items() if q.type == "select_multiple" and q.name not in codebook_names}
    cols: dict[str, str] = {}  # question name -> export column
    aux: list[str] = []
    twice: list[str] = []  # columns of a question held twice: reported, dropped, the question left unread
    for col in raw.frame.columns:
        last = _last(col).lower()
        if last in questions:
            name = questions[last].name
            if name in cols or list(raw.frame.columns).count(col) > 1:
                if col not in twice:
                    report.add(Problem("error", raw.shown, 1, str(col), "", "duplicate_column",
                                       f"columns {cols.get(name, col)!r} and {col!r} both hold the question {name}",
                                       "remove one of the two columns", raw.table))  # fmt: skip
                    twice.append(col)
                continue
            cols[name] = col
        elif last.startswith(AUX_PREFIXES):
            aux.append(col)
        else:
            tokens = [t for t in re.split(r"[/\-]", str(col)) if t]
            if len(tokens) >= 2 and tokens[-2].lower() in multiples:
                aux.append(col)
    if not cols and not aux and not twice:
        return
    frame, rows = raw.frame, list(raw.rows)
    if twice:  # the intake stops on this error: the questions are not read, the codebook's columns go on
        known = {v.name for v in codebook.variables}
        keep = [
            c not in twice and (c not in cols.values() or questions[_last(c).lower()].name in known) and c not in aux
            for c in frame.columns
        ]
        raw.frame = frame.loc[:, keep]
        return
    if "consent" in cols:
        consent = [_code(c) for c in frame[cols["consent"]].tolist()]
        refused = np.array([c == "0" for c in consent])
        if refused.any():
            report.add(Problem("note", raw.shown, rows[int(np.flatnonzero(refused)[0])], cols["consent"], "0",
                               "interview_refused",
                               f"{int(refused.sum())} interview(s) refused (consent = 0): recorded in the export, "
                               "not analysed", "nothing (a refusal is a missing interview)", raw.table,
                               count=int(refused.sum())))  # fmt: skip
            frame = frame.loc[~refused].reset_index(drop=True)
            rows = [r for r, x in zip(rows, refused, strict=True) if not x]
    if "visit_round" in cols and "family_id" in cols:  # the visit form: the latest round holds the status to date
        report.extend(visit_date_warnings(frame, rows, cols, raw.shown, raw.table))  # every visit, earlier ones too
        rnd = [_code(c) for c in frame[cols["visit_round"]].tolist()]
        order = pd.DataFrame({"fid": frame[cols["family_id"]].astype(str).tolist(), "round": rnd, "i": range(len(rnd))})
        order["r"] = pd.to_numeric(order["round"], errors="coerce")
        latest = order.sort_values(["fid", "r", "i"], kind="mergesort").groupby("fid", sort=False).tail(1)["i"]
        keep = np.zeros(len(frame), dtype=bool)
        keep[latest.to_numpy()] = True
        if not keep.all():
            report.add(Problem("note", raw.shown, rows[int(np.flatnonzero(~keep)[0])], cols["visit_round"], "",
                               "earlier_visits", f"{int((~keep).sum())} earlier visit(s) of a family: the latest round "
                               "is used (it records the status to date)", "nothing", raw.table,
                               count=int((~keep).sum())))  # fmt: skip
            frame = frame.loc[keep].reset_index(drop=True)
            rows = [r for r, k in zip(rows, keep, strict=True) if k]
    items: dict[str, Item] = {}
    n_dk = 0
    for name, col in cols.items():
        q = bank.question(name, form)
        if name in codebook_names:  # read by the codebook's rules later; only the don't-know codes go here
            if q.dk_codes:
                cells = frame[col].tolist()
                hit = [not is_blank(c) and _code(c) in q.dk_codes for c in cells]
                n_dk += sum(hit)
                frame[col] = [None if h else c for c, h in zip(cells, hit, strict=True)]
            continue
        if q.type in ("text", "date", "family", "select_multiple"):
            continue
        items[name] = read_item(frame[col].tolist(), rows, q, raw, bank, report)
        n_dk += int(items[name].dk.sum())
    if n_dk:
        report.add(Problem("note", raw.shown, None, "", "", "dk_refused",
                           f"{n_dk} answer(s) don't know or refused: read as missing", "nothing", raw.table,
                           count=n_dk))  # fmt: skip
    derived = []
    if form == "survey":
        by_last = {_last(c).lower(): c for c in frame.columns}
        # the export's own columns of each indicator, as the column mapping reads them (any group separator, a
        # label header, two columns of an 'all versions' export): found once, with a scratch problem list
        scratch = RawFile(path=raw.path, table=raw.table, frame=frame, rows=rows, date_system=raw.date_system,
                          shown=raw.shown)  # fmt: skip
        holds: dict[str, list[str]] = {}
        for c, n in map_columns(scratch, codebook, Report()).variables.items():
            holds.setdefault(n, []).append(c)
        for ind in bank.indicators:
            need = ind.tree.names()
            have = [n for n in need if n in items]
            if not have:
                continue
            if len(have) < len(need):
                missing = [n for n in need if n not in items]
                report.add(Problem("error", raw.shown, 1, ", ".join(missing), "", "incomplete_items",
                                   f"{ind.name} is computed from {', '.join(need)}, but {', '.join(missing)} "
                                   "is not in the export", "export every question of the form (or none of them "
                                   f"and the column {ind.name})", raw.table))  # fmt: skip
                continue
            value = evaluate(ind.tree, items)
            var = codebook[ind.name]
            if var.is_money:
                value = np.where(np.isnan(value), np.nan, np.round(value))
            asked = ~np.all([items[n].blank for n in need], axis=0)
            lost = asked & np.any([items[n].lost for n in need], axis=0) & np.isnan(value)
            if lost.any():
                names = sorted({n for n in need if (items[n].lost & asked).any()})
                report.add(Problem("warning", raw.shown, rows[int(np.flatnonzero(lost)[0])], ", ".join(names), "",
                                   "item_lost", f"{int(lost.sum())} interview(s) left a question asked of everyone "
                                   f"empty ({', '.join(names)}): {ind.name} is missing there, never computed as if "
                                   "the answer were 0", "enter the answer from the paper form or the interview "
                                   "record, or the don't-know / refused code", raw.table,
                                   count=int(lost.sum())))  # fmt: skip
            columns = holds.get(ind.name) or ([by_last[ind.name.lower()]] if ind.name.lower() in by_last else [])
            if not columns:
                columns = [ind.name]
                frame[ind.name] = [None] * len(frame)
            col = columns[0]
            # where another column of the same indicator holds the row's value (a question that moved between
            # groups), that column speaks for the row: the derived value is compared with it, never added beside it
            given_in = [next((c for c in columns if not is_blank(frame[c].iat[i])), col) for i in range(len(frame))]
            cells = [frame[given_in[i]].iat[i] for i in range(len(frame))]
            kind = NumberKind(lo=float(var.min) if var.min else None, hi=float(var.max) if var.max else None)
            codes = {float(c) for c in getattr(var, "missing_codes", ())}  # the codebook's, where it declares them
            out = []
            computed: set[int] = set()  # export rows whose value the answers give (not subject to missing codes)
            for i, cell in enumerate(cells):
                if not asked[i]:
                    out.append(cell)
                    continue
                try:
                    given, _ = parse_binary(cell) if var.type == "binary" else parse_number(cell, kind)
                except ParseError:
                    given = np.nan  # an unreadable calculate: the derived value is compared as missing
                    if is_blank(cell):
                        given = None
                d = value[i]
                if given is not None and float(given) in codes:
                    given = None  # a don't-know / refused code of the codebook: no value given, the answers decide
                if given is not None:
                    g = float(given)
                    tol = 0.5 if var.is_money else 1e-6 * max(1.0, abs(d) if not np.isnan(d) else 1.0)
                    same = (np.isnan(g) and np.isnan(d)) or (not np.isnan(d) and abs(g - d) <= tol)
                    if not same:
                        # the export's value was delivered on purpose (the device's calculate, read back to the
                        # respondent, or a data manager's correction of a total): it is kept, never overwritten,
                        # and the disagreement is a warning that names both and reaches the report
                        report.add(
                            Problem("warning", raw.shown, rows[i], col, str(cell), "indicator_mismatch",
                                    f"the export's {col} differs from {ind.name} computed from "
                                    f"{', '.join(need)} ({'missing' if np.isnan(d) else f'{d:g}'}; "
                                    f"formula {ind.formula}); the export's value is used",
                                    "check that the export comes from the current form version (the form's "
                                    "calculate and data/indicators.toml must agree) or that a corrected total "
                                    "was meant; correct the answers or the total so that both agree", raw.table)
                        )  # fmt: skip
                        out.append(cell)
                        continue
                    if not np.isnan(d) and g == d:
                        out.append(cell)  # the same value: the cell goes on as exported (its notes too)
                        computed.add(rows[i])
                        continue
                out.append(_python_number(d))
                if not np.isnan(d):
                    computed.add(rows[i])
            for c in columns:
                frame[c] = [out[i] if given_in[i] == c else frame[c].iat[i] for i in range(len(frame))]
                # a computed 98 hours or 99 rupiah is a value, not the codebook's don't-know code of the indicator
                raw.computed[c] = frozenset(r for r, g in zip(rows, given_in, strict=True) if g == c and r in computed)
            derived.append(ind.name)
    if derived:
        report.add(Problem("note", raw.shown, None, "", "", "indicators_derived",
                           f"{len(derived)} indicator(s) derived from their questions (data/indicators.toml): "
                           f"{', '.join(derived)}", "nothing", raw.table))  # fmt: skip
    drop = [c for n, c in cols.items() if n not in codebook_names] + aux
    raw.frame = frame.drop(columns=drop)
    raw.rows = rows
