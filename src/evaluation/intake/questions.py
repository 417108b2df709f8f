"""The questions layer of the codebook: what is asked, and the indicator formulas over it (issue 12).

``data/codebook.csv`` lists the analysed variables (indicators); three files beside it say how they are asked:

* ``data/questions.csv``: one row per question of a form (``survey``: the household survey; ``visit``: the
  monitoring visit form): wording in Bahasa Indonesia and English as an enumerator reads it (recall period in the
  text), hint, type, choice list, unit, recall period, hard range (``min``/``max``), soft check (``soft_max``: a
  confirm note above it), don't-know / refused codes (``dk_codes``), relevance and the module's source;
* ``data/question_choices.csv``: the choice lists (XLSForm ``choices`` sheet);
* ``data/indicators.toml``: each survey indicator of the codebook as a formula over questions.

Formulas are parsed into a small tree (Python's :mod:`ast` reads the text; only names, numbers, ``+ - * /`` and the
functions ``sum``, ``count``, ``any``, ``coalesce`` are allowed; nothing is executed). The tree is evaluated by
:mod:`evaluation.intake.derive` at intake and written as XPath ``calculate`` by :mod:`evaluation.intake.instrument`,
so the tablet and the intake compute the same number.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from evaluation.core.errors import UserError
from evaluation.core.paths import DEFAULT_CODEBOOK, resolve

__all__ = [
    "FILES",
    "FORMS",
    "FUNCTIONS",
    "QUESTION_COLUMNS",
    "QUESTION_TYPES",
    "Choice",
    "Indicator",
    "Node",
    "Question",
    "QuestionBank",
    "codebook_files",
    "files_version",
    "load_questions",
    "parse_formula",
]

FILES = ("questions.csv", "question_choices.csv", "indicators.toml")
FORMS = ("survey", "visit")
QUESTION_TYPES = ("integer", "decimal", "select_one", "select_multiple", "text", "date", "family")
QUESTION_COLUMNS = (
    "name", "form", "module", "type", "list", "label_id", "label_en", "hint_id", "hint_en", "unit", "recall",
    "min", "max", "soft_max", "dk_codes", "relevant", "required", "source",
)  # fmt: skip
CHOICE_COLUMNS = ("list_name", "name", "label_id", "label_en")
FUNCTIONS = ("sum", "count", "any", "coalesce")


@dataclass(frozen=True)
class Choice:
    """One answer of a choice list.

    Parameters
    ----------
    list_name : str
        The list (``ya_tidak_tt``).
    name : str
        The code stored in the data (``"1"``, ``"98"``).
    label_id, label_en : str
        The answer as read out, in Bahasa Indonesia and English.
    """

    list_name: str
    name: str
    label_id: str
    label_en: str


@dataclass(frozen=True)
class Question:
    """One row of ``data/questions.csv`` (see the module docstring for the columns).

    Parameters
    ----------
    name, form, module, type, list, label_id, label_en, hint_id, hint_en, unit, recall : str
        As in the file (``type`` one of :data:`QUESTION_TYPES`; ``list`` the choice list of a select).
    min, max, soft_max : str
        Hard range and soft upper bound (numbers, or ISO dates for a date); empty when none.
    dk_codes : tuple of str
        Don't-know / refused codes: read as missing at intake, allowed by the form's constraint.
    relevant : str
        XLSForm relevance (empty: always asked once the interview goes on).
    required : bool
        Whether the form requires an answer when the question is asked.
    source : str
        The standard the question follows.
    row : int
        The file row (header = 1), for messages.
    """

    name: str
    form: str
    module: str
    type: str
    list: str
    label_id: str
    label_en: str
    hint_id: str
    hint_en: str
    unit: str
    recall: str
    min: str
    max: str
    soft_max: str
    dk_codes: tuple[str, ...]
    relevant: str
    required: bool
    source: str
    row: int = 0

    @property
    def is_money(self) -> bool:
        """True for rupiah amounts."""
        return self.unit == "Rp"

    @property
    def numeric(self) -> bool:
        """True for integer and decimal questions."""
        return self.type in ("integer", "decimal")


@dataclass(frozen=True)
class Node:
    """One node of a parsed formula.

    Parameters
    ----------
    kind : {"name", "num", "bin", "neg", "call"}
        A question, a number, ``a op b``, ``-a`` or a function call.
    value : str or float
        The question name, the number, the operator (``+ - * /``) or the function name.
    args : tuple of Node
        Operands or arguments.
    """

    kind: str
    value: str | float
    args: tuple[Node, ...] = ()

    def names(self) -> list[str]:
        """List the question names the formula uses, in order of first use.

        Returns
        -------
        list of str
            Question names.
        """
        if self.kind == "name":
            return [str(self.value)]
        return list(dict.fromkeys(n for a in self.args for n in a.names()))


@dataclass(frozen=True)
class Indicator:
    """One indicator of ``data/indicators.toml``.

    Parameters
    ----------
    name : str
        The codebook variable (table ``survey``).
    module : str
        The module whose questions it summarises (where the form computes it).
    formula : str
        The formula as written.
    tree : Node
        The parsed formula.
    description : str
        What it measures.
    source : str
        The standard the formula follows (may be empty).
    """

    name: str
    module: str
    formula: str
    tree: Node
    description: str
    source: str = ""


@dataclass(frozen=True)
class QuestionBank:
    """Questions, choice lists and indicator formulas, read and checked together.

    Parameters
    ----------
    questions : tuple of Question
        Every question in file order.
    choices : dict of str to tuple of Choice
        Choice lists by name.
    indicators : tuple of Indicator
        Every indicator in file order.
    paths : tuple of pathlib.Path
        The three files (:data:`FILES`).
    """

    questions: tuple[Question, ...]
    choices: dict[str, tuple[Choice, ...]]
    indicators: tuple[Indicator, ...]
    paths: tuple[Path, ...]

    def form(self, form: str) -> list[Question]:
        """List the questions of one form in file order.

        Parameters
        ----------
        form : {"survey", "visit"}
            The household survey or the monitoring visit form.

        Returns
        -------
        list of Question
            Its questions.
        """
        return [q for q in self.questions if q.form == form]

    def question(self, name: str, form: str = "survey") -> Question:
        """Find a question by name.

        Parameters
        ----------
        name : str
            The question name.
        form : {"survey", "visit"}, optional
            The form.

        Returns
        -------
        Question
            The question.

        Raises
        ------
        KeyError
            When the form has no such question.
        """
        for q in self.questions:
            if q.name == name and q.form == form:
                return q
        raise KeyError(name)

    def version(self) -> str:
        """Give the hash of the three files (first 10 hex digits of SHA-256), the forms' version.

        Returns
        -------
        str
            Ten hex digits.
        """
        return files_version(self.paths)


def files_version(paths: tuple[Path, ...] | list[Path]) -> str:
    """Hash files into a form version: SHA-256 over each file's name and bytes, first 10 hex digits.

    Parameters
    ----------
    paths : sequence of pathlib.Path
        The files (order matters).

    Returns
    -------
    str
        Ten hex digits.
    """
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:10]


def codebook_files(codebook_path: str | Path | None = None) -> list[Path]:
    """List the questions layer's files beside a codebook (those that exist).

    Parameters
    ----------
    codebook_path : str or path-like, optional
        The codebook CSV; the project's when None.

    Returns
    -------
    list of pathlib.Path
        ``questions.csv``, ``question_choices.csv``, ``indicators.toml`` in its directory, when present.
    """
    d = (resolve(codebook_path) if codebook_path is not None else DEFAULT_CODEBOOK).parent
    return [d / f for f in FILES if (d / f).is_file()]


# ------------------------------------------------------------------------------------------------ formulas
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def parse_formula(text: str) -> Node:
    """Parse an indicator formula into a tree (only the grammar of the module docstring; nothing is executed).

    Parameters
    ----------
    text : str
        The formula, e.g. ``count(1, fies_1, fies_2)``.

    Returns
    -------
    Node
        The tree.

    Raises
    ------
    ValueError
        When the text is not a formula of the grammar (the message says what is not allowed).
    """
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ValueError(f"not a formula ({exc.msg})") from None

    def walk(n: ast.AST) -> Node:
        if isinstance(n, ast.Name):
            return Node("name", n.id)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)) and not isinstance(n.value, bool):
            return Node("num", float(n.value))
        if isinstance(n, ast.BinOp) and type(n.op) in _OPS:
            return Node("bin", _OPS[type(n.op)], (walk(n.left), walk(n.right)))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return Node("neg", "-", (walk(n.operand),))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in FUNCTIONS and not n.keywords:
            fn = n.func.id
            args = tuple(walk(a) for a in n.args)
            if fn == "coalesce" and len(args) != 2:
                raise ValueError("coalesce() takes two arguments")
            if fn in ("count", "any") and (len(args) < 2 or args[0].kind != "num"):
                raise ValueError(f"{fn}() takes a number, then question names")
            rest = args[1:] if fn in ("count", "any") else args
            if fn != "coalesce" and (not rest or any(a.kind != "name" for a in rest)):
                raise ValueError(f"{fn}() takes question names")
            return Node("call", fn, args)
        raise ValueError(f"{ast.unparse(n)!r} is not allowed (names, numbers, + - * /, {', '.join(FUNCTIONS)})")

    return walk(tree)


# ------------------------------------------------------------------------------------------------ loading
def _read_csv(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise UserError("the file is missing", file=str(path), fix="restore it from git")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows or tuple(rows[0]) != columns:
        raise UserError(
            f"the header is not {', '.join(columns)}", file=str(path), row=1, rule="fixed columns",
            fix="restore the header from git",
        )  # fmt: skip
    return [dict(zip(columns, r + [""] * (len(columns) - len(r)), strict=False)) for r in rows[1:] if any(r)]


def _number(value: str, path: Path, row: int, column: str) -> None:
    if value == "":
        return
    try:
        float(value)
    except ValueError:
        raise UserError(f"{value!r} is not a number", file=str(path), row=row, column=column,
                        fix="write a plain number such as 500000") from None  # fmt: skip


@lru_cache(maxsize=8)
def _load(directory: str, survey_indicators: tuple[str, ...]) -> QuestionBank:
    d = Path(directory)
    qpath, cpath, ipath = (d / f for f in FILES)
    choices: dict[str, list[Choice]] = {}
    for i, r in enumerate(_read_csv(cpath, CHOICE_COLUMNS), start=2):
        if not r["list_name"] or not r["name"]:
            raise UserError("list_name and name must not be empty", file=str(cpath), row=i)
        choices.setdefault(r["list_name"], []).append(Choice(r["list_name"], r["name"], r["label_id"], r["label_en"]))
    questions: list[Question] = []
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(_read_csv(qpath, QUESTION_COLUMNS), start=2):

        def fail(column: str, message: str, fix: str, row: int = i) -> UserError:
            return UserError(message, file=str(qpath), row=row, column=column, fix=fix)

        if not r["name"].isidentifier():
            raise fail("name", f"{r['name']!r} is not a question name", "use letters, digits and _")
        if r["form"] not in FORMS:
            raise fail("form", f"form {r['form']!r} is not one of {', '.join(FORMS)}", "correct the form")
        if (r["form"], r["name"]) in seen:
            raise fail("name", f"question {r['name']} appears twice in form {r['form']}", "rename one of them")
        seen.add((r["form"], r["name"]))
        if r["type"] not in QUESTION_TYPES:
            raise fail("type", f"type {r['type']!r} is not one of {', '.join(QUESTION_TYPES)}", "correct the type")
        if r["list"] and r["list"] not in choices:
            raise fail("list", f"choice list {r['list']!r} is not in {cpath.name}", "add the list or correct it")
        if not r["label_id"] or not r["label_en"]:
            raise fail("label_id", "both wordings (label_id, label_en) are needed", "write the question")
        if r["type"] != "date":
            for col in ("min", "max", "soft_max"):
                _number(r[col], qpath, i, col)
        dk = tuple(c for c in r["dk_codes"].split("|") if c)
        if r["list"]:
            codes = {c.name for c in choices[r["list"]]}
            if not set(dk) <= codes:
                raise fail("dk_codes", f"codes {sorted(set(dk) - codes)} are not answers of {r['list']}",
                           "add them to the choice list")  # fmt: skip
        else:
            for c in dk:
                _number(c, qpath, i, "dk_codes")
        questions.append(
            Question(**{k: r[k] for k in QUESTION_COLUMNS if k not in ("dk_codes", "required")},
                     dk_codes=dk, required=r["required"] == "yes", row=i)
        )  # fmt: skip
    try:
        spec = tomllib.loads(ipath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError("the file is missing", file=str(ipath), fix="restore it from git") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"not valid TOML ({exc})", file=str(ipath), fix="correct the syntax") from None
    survey = {q.name for q in questions if q.form == "survey"}
    indicators: list[Indicator] = []
    for name, entry in spec.items():

        def bad(message: str, fix: str, name: str = name) -> UserError:
            return UserError(f"indicator {name}: {message}", file=str(ipath), column="formula", fix=fix)

        if name not in survey_indicators:
            raise bad("not a survey variable of the codebook", "add it to data/codebook.csv or remove it here")
        if not isinstance(entry, dict) or not isinstance(entry.get("formula"), str):
            raise bad("has no formula", 'write formula = "..."')
        try:
            tree = parse_formula(entry["formula"])
        except ValueError as exc:
            raise bad(str(exc), "use the grammar described at the top of the file") from None
        unknown = [n for n in tree.names() if n not in survey]
        if unknown:
            raise bad(f"uses {', '.join(unknown)}, not questions of the survey form",
                      f"add them to {qpath.name} or correct the formula")  # fmt: skip
        if name in survey:
            raise bad("is also a question name", "rename the question")
        indicators.append(
            Indicator(name, str(entry.get("module", "")), entry["formula"], tree, str(entry.get("description", "")),
                      str(entry.get("source", "")))
        )  # fmt: skip
    return QuestionBank(
        questions=tuple(questions),
        choices={k: tuple(v) for k, v in choices.items()},
        indicators=tuple(indicators),
        paths=(qpath, cpath, ipath),
    )


def load_questions(codebook_path: str | Path | None = None) -> QuestionBank:
    """Read and check the questions layer beside a codebook.

    Parameters
    ----------
    codebook_path : str or path-like, optional
        The codebook CSV whose directory holds :data:`FILES`; the project's when None. Results are cached.

    Returns
    -------
    QuestionBank
        Questions, choice lists and indicators.

    Raises
    ------
    UserError
        When a file is missing or malformed: a header, a form, a type, a choice list, a number, a repeated
        question, a formula outside the grammar or naming an unknown question, an indicator that is not a survey
        variable of the codebook (the message names the file, row and column).

    References
    ----------
    XLSForm specification (https://xlsform.org/en/): ``survey`` and ``choices`` sheets.
    """
    from evaluation.intake.codebook import load_codebook

    cb = load_codebook(codebook_path)
    survey = tuple(v.name for v in cb.table("survey"))
    return _load(str(Path(cb.path).parent), survey)
