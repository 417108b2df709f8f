"""The printable questionnaire: any XLSForm rendered as a paper questionnaire (PDF and Word) in id and en.

What a drafting workshop reviews and the field's paper back-up, generated from the same XLSForm the tablets run
(never typed twice). The form is read with pyxform's own reader (:func:`pyxform.xls2json.parse_file_to_json`), so
every construct the converter accepts is understood the way ODK understands it:

* ``begin_group``/``begin_repeat`` become numbered sections (A, B, ...; nested groups are sub-headings), questions
  are numbered per top-level section (A1, A2, ...; the order of the form, so the numbers are stable);
* ``note`` is printed as an instruction to the enumerator; the note whose name mentions consent is also printed on
  the cover page; ``calculate`` is not a question: it is listed in an annex ("computed automatically");
* ``select_one``/``select_multiple`` print their choices as check boxes with codes ("choose one" / "choose all that
  apply"), ``select_one_from_file`` says "choose from the list (<file>)"; integer, decimal, date, text and geopoint
  get an answer box sized by type; the hint is printed under the question, ``required`` as ``*``;
* ``relevant`` becomes a skip instruction in words ("Tanyakan hanya jika B1 (...) = Ya" / "Ask only if B1 (...) is
  Yes"): ``=``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, ``and``, ``or``, ``not()``, ``selected()``,
  ``count-selected()`` and ``${x} != ''`` are put into words, with choice codes shown by their labels; a
  comparison that selects exactly the codes the question's constraint lists beside its range (``${x} < 0`` with
  ``(. >= 0 and . <= 98) or . = -98 or . = -99``) reads "is don't know (-98) or refused (-99)"; the question is
  quoted by its asking sentence, shortened when long (:func:`_short`); any other expression is printed as it is,
  its ``${references}`` replaced by question numbers;
* ``constraint`` with its ``constraint_message`` becomes a check for the enumerator ("Periksa: ...").

The fixed words (cover, instructions, footer) are the catalogue's ``questionnaire.*`` messages. Output is
deterministic: the PDF carries no creation date, the Word file has fixed core-property dates and fixed dates in its
zip entries, so two runs write byte-identical files. Every file is written atomically (:mod:`evaluation.core.atomic`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from evaluation.core.atomic import write_bytes
from evaluation.core.errors import UserError
from evaluation.reporting.office import FIXED_DATE, fixed_zip, page_field
from evaluation.text.catalogue import t

__all__ = [
    "Form",
    "docx_bytes",
    "fixed_zip",
    "pdf_bytes",
    "questionnaire_content",
    "read_form",
    "render_questionnaire",
    "skip_text",
]

METADATA_TYPES = frozenset(
    {
        *("start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email"),
        *("audit", "background-audio", "start-geopoint", "csv-external", "xml-external", "hidden"),
    }
)  # collected by the device, not asked: not printed
QUESTION_TYPES_WITH_BOX = {"integer": 4.5, "decimal": 5.5, "range": 4.5}  # answer box width (cm)
LABEL_CHARS = 80  # a question's label quoted in a skip instruction is shortened when it is longer than this
LABEL_MAX = 120  # ... and cut (at a word, with "…") only when its shortened form is still longer than this
FILE_SUFFIXES = (".csv", ".xml", ".geojson")
CONSENT = re.compile(r"consent|persetujuan|informed", re.IGNORECASE)  # names of a consent note or question
LANGUAGE_NAMES = {"id": ("indonesia", "bahasa"), "en": ("english", "inggris")}


# ---------------------------------------------------------------------------------------------------------- reading
@dataclass
class Node:
    """One row of the form as pyxform reads it (a question, note, calculate, group or repeat)."""

    kind: str  # "question", "note", "calculate", "group", "repeat"
    name: str
    type: str  # pyxform's type: "select one", "select all that apply", "integer", ...
    raw: dict[str, Any]
    number: str = ""
    children: list[Node] = field(default_factory=list)


@dataclass
class Form:
    """An XLSForm as read by pyxform, its questions numbered."""

    path: Path
    title: str
    form_id: str
    version: str
    default_language: str
    nodes: list[Node]
    by_name: dict[str, Node]
    choices: dict[str, list[dict[str, Any]]]


def _kind(child: dict[str, Any]) -> str | None:
    typ = child.get("type", "")
    if typ in METADATA_TYPES:
        return None
    if typ == "group":
        return None if child.get("control", {}).get("bodyless") else "group"
    if typ in ("repeat", "note", "calculate"):
        return typ
    return "question"


def _nodes(children: list[dict[str, Any]]) -> list[Node]:
    out = []
    for child in children:
        kind = _kind(child)
        if kind is None:
            continue
        node = Node(kind, child.get("name", ""), child.get("type", ""), child)
        if kind in ("group", "repeat"):
            node.children = _nodes(child.get("children", []))
        out.append(node)
    return out


def _letters(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _number(nodes: list[Node], by_name: dict[str, Node]) -> None:
    """Number sections A, B, ... and questions A1, A2, ... (questions outside any section: 1, 2, ...)."""
    loose, section = 0, 0

    def walk(children: list[Node], prefix: str, counter: list[int]) -> None:
        for n in children:
            by_name.setdefault(n.name, n)
            if n.kind in ("group", "repeat"):
                walk(n.children, prefix, counter)
            elif n.kind == "question":
                counter[0] += 1
                n.number = f"{prefix}{counter[0]}"

    for n in nodes:
        by_name.setdefault(n.name, n)
        if n.kind in ("group", "repeat"):
            n.number = _letters(section)
            section += 1
            walk(n.children, n.number, [0])
        elif n.kind == "question":
            loose += 1
            n.number = str(loose)


def read_form(path: str | Path) -> Form:
    """Read an XLSForm workbook with pyxform's reader and number its sections and questions.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.xlsx`` XLSForm (sheets ``survey``, ``choices``, ``settings``).

    Returns
    -------
    Form
        Title, form id and version from ``settings``, the tree of sections, questions, notes and calculates, and the
        choice lists.

    Raises
    ------
    UserError
        When the file is missing or pyxform refuses it (the message names the file and pyxform's reason).

    References
    ----------
    XLSForm specification (https://xlsform.org/en/); pyxform (https://github.com/XLSForm/pyxform).
    """
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import parse_file_to_json

    p = Path(path)
    if not p.is_file():
        raise UserError("the XLSForm file does not exist", file=str(p), fix="write it with `prokus-eval instrument`")
    try:
        data = parse_file_to_json(str(p), warnings=[])
    except (PyXFormError, ValueError, KeyError) as exc:
        raise UserError(
            f"pyxform cannot read this XLSForm: {exc}",
            file=str(p),
            rule="the form must convert with pyxform (XLSForm specification)",
            fix="correct the form (or the codebook it is generated from) and write it again",
        ) from None
    nodes = _nodes(data.get("children", []))
    by_name: dict[str, Node] = {}
    _number(nodes, by_name)
    return Form(
        path=p,
        title=str(data.get("title") or p.stem),
        form_id=str(data.get("id_string") or p.stem),
        version=str(data.get("version") or ""),
        default_language=str(data.get("default_language") or ""),
        nodes=nodes,
        by_name=by_name,
        choices=data.get("choices", {}) or {},
    )


def _language_key(keys: Sequence[str], lang: str, default: str) -> str | None:
    """The form's language column for ``lang``: ``... (id)``, ``id``, or a name such as ``English``."""
    for k in keys:
        if re.search(rf"\(\s*{re.escape(lang)}\s*\)\s*$", k) or k.strip().lower() == lang:
            return k
    for k in keys:
        if any(word in k.lower() for word in LANGUAGE_NAMES.get(lang, ())):
            return k
    return default if default in keys else (keys[0] if keys else None)


def _text(value: Any, lang: str, default: str) -> str:
    """A label, hint or message in ``lang`` (the default language's text when that language has none)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        key = _language_key(list(value), lang, default)
        text = value.get(key, "") if key else ""
        if not text and default in value:
            text = value[default]
        return str(text or "").strip()
    return str(value).strip()


# ------------------------------------------------------------------------------------------ expressions into words
_TOKEN = re.compile(
    r"\s*(?:(?P<ref>\$\{[^}]+\})|(?P<str>'[^']*'|\"[^\"]*\")|(?P<num>\d+(?:\.\d+)?)"
    r"|(?P<op>!=|<=|>=|=|<|>|\(|\)|,|\+|-|\*)|(?P<word>(?:and|or|div|mod)\b)|(?P<name>[A-Za-z_][\w:.-]*(?=\s*\())"
    r"|(?P<dot>\.))"
)


class _Unsupported(Exception):
    """An expression (or part) that is not put into words; it is printed as written."""


def _tokens(expr: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, expr.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise _Unsupported(expr)
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    """Recursive descent over the XPath subset of ``relevant``/``constraint``: or > and > comparison > term."""

    def __init__(self, expr: str) -> None:
        self.toks, self.i = _tokens(expr), 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok[0] == "end" or (value is not None and tok[1] != value):
            raise _Unsupported(value or "end")
        self.i += 1
        return tok

    def parse(self) -> tuple:
        node = self.or_()
        if self.peek()[0] != "end":
            raise _Unsupported(self.peek()[1])
        return node

    def or_(self) -> tuple:
        parts = [self.and_()]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.and_())
        return ("or", parts) if len(parts) > 1 else parts[0]

    def and_(self) -> tuple:
        parts = [self.cmp()]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.cmp())
        return ("and", parts) if len(parts) > 1 else parts[0]

    def cmp(self) -> tuple:
        left = self.term()
        if self.peek()[0] == "op" and self.peek()[1] in ("=", "!=", "<", "<=", ">", ">="):
            op = self.take()[1]
            return ("cmp", op, left, self.term())
        if self.peek() in (("op", "+"), ("op", "-"), ("op", "*"), ("word", "div"), ("word", "mod")):
            raise _Unsupported("arithmetic")
        return left

    def term(self) -> tuple:
        kind, value = self.take()
        if kind == "ref":
            return ("ref", value[2:-1].strip())
        if kind == "str":
            return ("lit", value[1:-1])
        if kind == "num":
            return ("lit", value)
        if kind == "dot":
            return ("self",)
        if kind == "op" and value == "(":
            inner = self.or_()
            self.take(")")
            return ("paren", inner)
        if kind == "op" and value == "-" and self.peek()[0] == "num":
            return ("lit", "-" + self.take()[1])
        if kind == "name":
            self.take("(")
            args = []
            if self.peek() != ("op", ")"):
                args.append(self.or_())
                while self.peek() == ("op", ","):
                    self.take()
                    args.append(self.or_())
            self.take(")")
            return ("call", value, args)
        raise _Unsupported(value)


class _Words:
    """Put a parsed expression into words in one language, quoting questions by number and label."""

    def __init__(self, form: Form, lang: str) -> None:
        self.form, self.lang = form, lang
        self.seen: set[str] = set()  # a question's label is quoted the first time only

    def question(self, name: str) -> str:
        node = self.form.by_name.get(name)
        if node is not None and node.kind == "calculate":
            formula = _references(str((node.raw.get("bind") or {}).get("calculate", "") or ""), self.form)
            return t("questionnaire.computed_ref", self.lang, name=name, formula=formula)
        if node is None or node.kind != "question":
            raise _Unsupported(name)
        if name in self.seen:
            return node.number
        self.seen.add(name)
        label = _short(_text(node.raw.get("label"), self.lang, self.form.default_language))
        return t("questionnaire.question_ref", self.lang, number=node.number, label=label)

    def value(self, ref: tuple, lit: tuple) -> str:
        """A literal compared with a question: a choice code becomes its label."""
        if ref[0] == "ref" and lit[0] == "lit":
            node = self.form.by_name.get(ref[1])
            for c in self._choices(node):
                if str(c.get("name")) == lit[1]:
                    return "“" + _text(c.get("label"), self.lang, self.form.default_language) + "”"
        if lit[0] == "lit":
            return _number_text(lit[1], self.lang)
        return self.operand(lit)

    def _choices(self, node: Node | None) -> list[dict[str, Any]]:
        if node is None:
            return []
        return node.raw.get("choices") or self.form.choices.get(node.raw.get("itemset", ""), [])

    def operand(self, node: tuple) -> str:
        if node[0] == "ref":
            return self.question(node[1])
        if node[0] == "self":
            return t("questionnaire.this_answer", self.lang)
        if node[0] == "lit":
            return _number_text(node[1], self.lang)
        if node[0] == "call" and node[1] == "count-selected" and len(node[2]) == 1 and node[2][0][0] == "ref":
            return t("questionnaire.count_selected", self.lang, q=self.question(node[2][0][1]))
        raise _Unsupported(node[0])

    def words(self, node: tuple, top: bool = True) -> str:
        kind = node[0]
        if kind == "paren":
            return self.words(node[1], top)
        if kind in ("and", "or"):
            joined = f" {t(f'questionnaire.{kind}', self.lang)} ".join(self.words(p, False) for p in node[1])
            return joined if top else f"[{joined}]"  # square brackets group: labels carry round ones
        if kind == "cmp":
            return self.compare(*node[1:])
        if kind == "call":
            name, args = node[1], node[2]
            if name == "selected" and len(args) == 2 and args[0][0] in ("ref", "self") and args[1][0] == "lit":
                return t("questionnaire.selected", self.lang, q=self.operand(args[0]), v=self.value(args[0], args[1]))
            if name == "not" and len(args) == 1:
                inner = args[0][1] if args[0][0] == "paren" else args[0]
                if inner[0] == "call" and inner[1] == "selected" and len(inner[2]) == 2 and inner[2][1][0] == "lit":
                    q, v = self.operand(inner[2][0]), self.value(inner[2][0], inner[2][1])
                    return t("questionnaire.not_selected", self.lang, q=q, v=v)
                return t("questionnaire.not", self.lang, c=self.words(inner, False))
        raise _Unsupported(kind)

    def compare(self, op: str, left: tuple, right: tuple) -> str:
        if left[0] == "lit" and right[0] != "lit":  # '1' = ${x}: read it the other way round
            left, right = right, left
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        q = self.operand(left)
        if right == ("lit", "") and op in ("=", "!="):
            return t("questionnaire.answered" if op == "!=" else "questionnaire.not_answered", self.lang, q=q)
        codes = self.codes_selected(op, left, right)
        if codes:
            return t("questionnaire.cmp_codes", self.lang, q=q, codes=self.code_words(codes))
        if op == "!=" and self.codes_selected("=", left, right):  # ${x} != -98: "is not don't know (-98)"
            return t("questionnaire.cmp_ne", self.lang, q=q, v=self.code_words([float(right[1])]))
        v = self.value(left, right)
        key = {"=": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}[op]
        return t(f"questionnaire.cmp_{key}", self.lang, q=q, v=v)

    def codes_selected(self, op: str, left: tuple, right: tuple) -> list[float]:
        """The don't-know / refused codes a comparison picks out, when it picks out those codes and nothing else.

        The codes and the range come from the question's constraint as the instrument writes it
        (``(. >= 0 and . <= 500000000) or . = -98 or . = -99``): ``${x} < 0`` then selects exactly -98 and -99.
        ``= code`` names the code even when the range holds it too. Empty otherwise (the comparison is put into
        words as written).
        """
        if left[0] != "ref" or right[0] != "lit" or not re.fullmatch(r"-?\d+(?:\.\d+)?", right[1]):
            return []
        node = self.form.by_name.get(left[1])
        allowed = _allowed(str(((node.raw.get("bind") or {}) if node else {}).get("constraint", "") or ""))
        if allowed is None:
            return []
        ranges, codes = allowed
        v = float(right[1])
        if op == "=":
            return [v] if v in codes else []
        test = {"<": v.__gt__, "<=": v.__ge__, ">": v.__lt__, ">=": v.__le__, "!=": v.__ne__}[op]
        hit = [c for c in codes if test(c)]
        reach = {  # does some value of the range satisfy the comparison?
            "<": lambda lo, hi: lo < v, "<=": lambda lo, hi: lo <= v,
            ">": lambda lo, hi: hi > v, ">=": lambda lo, hi: hi >= v, "!=": lambda lo, hi: not lo == hi == v,
        }[op]  # fmt: skip
        if any(reach(lo, hi) for lo, hi in ranges):
            return []
        return hit

    def code_words(self, codes: list[float]) -> str:
        """Codes in words: ``don't know (-98) or refused (-99)`` (98 = don't know, 99 = refused, by convention)."""
        words = []
        for c in sorted(codes, key=lambda c: (abs(c), c)):
            text = _num_text(c)
            key = {98: "questionnaire.code_dk", 99: "questionnaire.code_refused"}.get(int(abs(c)) if c == int(c) else 0)
            words.append(t(key, self.lang, code=text) if key else _number_text(text, self.lang))
        return f" {t('questionnaire.or', self.lang)} ".join(words)


_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|cf|vs|no|mis|dll|dsb|dst|spt|Rp|[A-Za-z])\.)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"”’']?(?=\s+(?!\s))")
_LIST_TAIL = re.compile(
    r"(?::|,?\s+(?:e\.g\.|i\.e\.|such as|for example|for instance|including|misalnya|mis\.|seperti|yaitu|"
    r"antara lain|termasuk))\s[^?.!\"”]*(?=\?\s*$)",
    re.IGNORECASE,
)  # "...: a list?" and "..., e.g. a list?" at the end of the question
_ASIDE = re.compile(r"\s*\([^()]*\)")  # "(kepala keluarga)", "(revenue)"


def _sentences(label: str) -> list[str]:
    """The sentences of a label, cut after . ! ? (a closing quote kept).

    Never after an abbreviation (e.g., mis.), nor before a lower-case word, nor at ':'.
    """
    out, start = [], 0
    for m in _SENTENCE_END.finditer(label):
        before, after = label[start : m.end()], label[m.end() :].lstrip()
        if label[m.start()] == "." and _ABBREVIATION.search(before.rstrip("\"”’'")):
            continue
        if after[:1].islower():
            continue
        out.append(before.strip())
        start = m.end()
    out.append(label[start:].strip())
    return [s for s in out if s]


def _short(label: str) -> str:
    """A label to quote in a skip rule: the question sentence itself, shortened when longer than LABEL_CHARS.

    A long label is cut to its last sentence that asks (a read-out text or instruction before it is left out; a
    very short question such as "How often?" keeps the sentence before it); when that is still too long, asides
    in parentheses and a list at the end ("...: rent, electricity, ...?", "..., e.g. as a labourer, ...?") are
    left out, and only then, when still longer than LABEL_MAX, is the text cut at a word, with "…".
    """
    label = " ".join(label.split())
    if len(label) <= LABEL_CHARS:
        return label
    sentences = _sentences(label)
    asking = [i for i, p in enumerate(sentences) if p.rstrip("\"”’' ").endswith("?")]
    if asking:
        i = asking[-1]
        label = sentences[i]
        if len(label) < 25 and i > 0:
            label = sentences[i - 1] + " " + label
    if len(label) > LABEL_CHARS:
        shorter = " ".join(_LIST_TAIL.sub("", _ASIDE.sub("", label)).split())
        label = re.sub(r"\s+([?,.:;])", r"\1", shorter) or label
    if len(label) <= LABEL_MAX:
        return label
    cut = label[: LABEL_MAX - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:") + "…"


def _num_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _bound(node: tuple) -> tuple[str, float] | None:
    """``. >= 0`` -> (">=", 0.0); ``0 <= .`` read the other way round; None for anything else."""
    if node[0] == "paren":
        return _bound(node[1])
    if node[0] != "cmp":
        return None
    op, left, right = node[1:]
    if left[0] == "lit" and right == ("self",):
        left, right, op = right, left, {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
    if left != ("self",) or right[0] != "lit" or not re.fullmatch(r"-?\d+(?:\.\d+)?", right[1]):
        return None
    return op, float(right[1])


def _allowed(constraint: str) -> tuple[list[tuple[float, float]], list[float]] | None:
    """A numeric constraint read as its range(s) and its listed codes, or None when it is not of that shape.

    The shape the instrument writes: ``(. >= a and . <= b) or . = c1 or . = c2`` (a bound may be missing).
    """
    try:
        tree = _Parser(constraint).parse() if constraint.strip() else None
    except _Unsupported:
        return None
    if tree is None:
        return None
    parts = tree[1] if tree[0] == "or" else [tree]
    ranges: list[tuple[float, float]] = []
    codes: list[float] = []
    for part in parts:
        while part[0] == "paren":
            part = part[1]
        bounds = [_bound(p) for p in (part[1] if part[0] == "and" else [part])]
        if any(b is None for b in bounds):
            return None
        if len(bounds) == 1 and bounds[0] is not None and bounds[0][0] == "=":
            codes.append(bounds[0][1])
            continue
        lo, hi = float("-inf"), float("inf")
        for op, x in (b for b in bounds if b is not None):
            if op in (">=", ">"):
                lo = max(lo, x)
            elif op in ("<=", "<"):
                hi = min(hi, x)
            else:
                return None
        ranges.append((lo, hi))
    return (ranges, codes) if codes else None


def _number_text(value: str, lang: str) -> str:
    """A numeric literal with the language's digit grouping (``100.000.000`` / ``100,000,000``); text unchanged."""
    from evaluation.text.formats import format_number

    if re.fullmatch(r"-?\d{4,}", value):
        return format_number(int(value), lang)
    return value


def _references(expr: str, form: Form, brackets: bool = False) -> str:
    """An expression or label as written, each ``${name}`` replaced by the question's number (or the name)."""

    def repl(m: re.Match[str]) -> str:
        node = form.by_name.get(m.group(1).strip())
        ref = node.number if node is not None and node.number else m.group(1).strip()
        return f"[{ref}]" if brackets else ref

    return re.sub(r"\$\{([^}]+)\}", repl, expr).strip()


def skip_text(expr: str, form: Form, lang: str) -> str:
    """A ``relevant`` or ``constraint`` expression in words, or as written when it is not one we put into words.

    Parameters
    ----------
    expr : str
        The XPath expression of the form (``${name}`` references, ``.`` for the answer itself).
    form : Form
        The form (for the numbers, labels and choice labels of the questions referred to).
    lang : str
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
        The condition in words (e.g. ``B1 (Apakah ...?) = “Ya”``), or the catalogue's "this holds: ..." phrase
        with the expression, its references replaced by question numbers.
    """
    try:
        return _Words(form, lang).words(_Parser(expr).parse())
    except (_Unsupported, KeyError, IndexError):
        return t("questionnaire.expression", lang, expr=_references(expr, form))


# ----------------------------------------------------------------------------------------------- the page content
def _answer(node: Node, form: Form, lang: str) -> dict[str, Any]:
    """How the question is answered on paper: instruction, choices or a box sized by type."""
    typ = node.type
    hint_type = node.raw.get("type", "")
    if typ in ("select one", "select all that apply"):
        itemset = str(node.raw.get("itemset", ""))
        if itemset.lower().endswith(FILE_SUFFIXES) and not node.raw.get("choices"):
            return {"kind": "line", "instruction": t("questionnaire.from_list", lang, file=itemset)}
        choices = node.raw.get("choices") or form.choices.get(itemset, [])
        items = [
            {"code": str(c.get("name", "")), "label": _text(c.get("label"), lang, form.default_language)}
            for c in choices
        ]
        key = "questionnaire.choose_one" if typ == "select one" else "questionnaire.choose_all"
        return {"kind": "choices", "instruction": t(key, lang), "choices": items}
    if typ in QUESTION_TYPES_WITH_BOX:
        return {"kind": "box", "instruction": "", "width": QUESTION_TYPES_WITH_BOX[typ]}
    if typ == "date":
        return {"kind": "date", "instruction": t("questionnaire.date_format", lang)}
    if typ == "geopoint":
        return {
            "kind": "geo",
            "instruction": "",
            "parts": [t("questionnaire.latitude", lang), t("questionnaire.longitude", lang)],
        }
    if typ in ("text", "barcode", "time", "datetime"):
        return {"kind": "line", "instruction": ""}
    if typ == "acknowledge":
        return {"kind": "choices", "instruction": "", "choices": [{"code": "", "label": "OK"}]}
    return {"kind": "line", "instruction": t("questionnaire.other_type", lang, type=hint_type)}


def _shown(node: Node, column: str, form: Form, lang: str) -> str:
    """A label or hint as printed: in ``lang``, its ``${references}`` as ``[question number]``."""
    return _references(_text(node.raw.get(column), lang, form.default_language), form, brackets=True)


def _question(node: Node, form: Form, lang: str) -> dict[str, Any]:
    bind = node.raw.get("bind", {}) or {}
    relevant = str(bind.get("relevant", "") or "")
    constraint = str(bind.get("constraint", "") or "")
    message = _text(bind.get("jr:constraintMsg"), lang, form.default_language)
    check = ""
    if constraint:
        check = t("questionnaire.check", lang, text=message or skip_text(constraint, form, lang))
    return {
        "kind": "question",
        "number": node.number,
        "label": _shown(node, "label", form, lang) or node.name,
        "hint": _shown(node, "hint", form, lang),
        "required": str(bind.get("required", "")).lower() in ("yes", "true", "true()"),
        "skip": t("questionnaire.ask_only_if", lang, cond=skip_text(relevant, form, lang)) if relevant else "",
        "check": check,
        "answer": _answer(node, form, lang),
        "name": node.name,
    }


def _blocks(nodes: list[Node], form: Form, lang: str, depth: int, calcs: list[dict[str, str]]) -> list[dict]:
    out: list[dict[str, Any]] = []
    for n in nodes:
        bind = n.raw.get("bind", {}) or {}
        relevant = str(bind.get("relevant", "") or "")
        if n.kind in ("group", "repeat"):
            title = _text(n.raw.get("label"), lang, form.default_language) or n.name
            notes = []
            if relevant:
                notes.append(t("questionnaire.section_only_if", lang, cond=skip_text(relevant, form, lang)))
            if n.kind == "repeat":
                count = str((n.raw.get("control") or {}).get("jr:count", "") or "")
                notes.append(
                    t("questionnaire.repeat_count", lang, count=_references(count, form))
                    if count
                    else t("questionnaire.repeat", lang)
                )
            out.append({"kind": "section", "level": depth, "number": n.number, "title": title, "notes": notes})
            out += _blocks(n.children, form, lang, depth + 1, calcs)
        elif n.kind == "note":
            out.append(
                {
                    "kind": "note",
                    "text": _shown(n, "label", form, lang),
                    "skip": t("questionnaire.show_only_if", lang, cond=skip_text(relevant, form, lang))
                    if relevant
                    else "",
                }
            )
        elif n.kind == "calculate":
            calcs.append(
                {
                    "name": n.name,
                    "label": _text(n.raw.get("label"), lang, form.default_language),
                    "formula": _references(str(bind.get("calculate", "") or ""), form),
                }
            )
        else:
            out.append(_question(n, form, lang))
    return out


def _consent(nodes: list[Node], form: Form, lang: str) -> str:
    """The consent text for the cover: a note named for consent, else a question named for consent."""
    found = [n for n in _walk(nodes) if CONSENT.search(n.name) and n.kind in ("note", "question")]
    found.sort(key=lambda n: n.kind != "note")
    return _shown(found[0], "label", form, lang) if found else ""


def _walk(nodes: list[Node]) -> list[Node]:
    out = []
    for n in nodes:
        out.append(n)
        out += _walk(n.children)
    return out


def questionnaire_content(form: Form, lang: str) -> dict[str, Any]:
    """Everything the PDF and Word renderers print, in one language (plain data, JSON-ready).

    Parameters
    ----------
    form : Form
        The form read by :func:`read_form`.
    lang : str
        ``"id"`` or ``"en"``.

    Returns
    -------
    dict
        Title, cover words, the blocks (sections, notes, questions) in form order and the annex of calculations.
    """
    calcs: list[dict[str, str]] = []
    blocks = _blocks(form.nodes, form, lang, 1, calcs)
    title = form.title
    version = form.version or "-"
    return {
        "lang": lang,
        "title": title,
        "kind": t("questionnaire.kind", lang),
        "meta": t("questionnaire.meta", lang, form_id=form.form_id, version=version, file=form.path.name),
        "footer": t("questionnaire.footer", lang, title=title, version=version),
        "page_word": t("questionnaire.page", lang),
        "of_word": t("questionnaire.of", lang),
        "boxes": [
            t("questionnaire.box_enumerator", lang),
            t("questionnaire.box_supervisor", lang),
            t("questionnaire.box_date", lang),
            t("questionnaire.box_result", lang),
        ],
        "consent_title": t("questionnaire.consent_title", lang),
        "consent": _consent(form.nodes, form, lang),
        "legend_title": t("questionnaire.legend_title", lang),
        "legend": [
            t("questionnaire.legend_required", lang),
            t("questionnaire.legend_skip", lang),
            t("questionnaire.legend_check", lang),
            t("questionnaire.legend_codes", lang),
        ],
        "edit_note": t("questionnaire.edit_note", lang),
        "blocks": blocks,
        "annex_title": t("questionnaire.annex_title", lang),
        "annex_intro": t("questionnaire.annex_intro", lang),
        "annex_columns": [t("questionnaire.col_name", lang), t("questionnaire.col_formula", lang)],
        "calculations": calcs,
    }


# --------------------------------------------------------------------------------------------------------- the PDF
@cache
def _template() -> str:
    return resources.files("evaluation.reporting").joinpath("templates", "questionnaire.typ").read_text("utf-8")


@cache
def _font_paths() -> tuple[str, ...]:
    import matplotlib

    return (str(Path(matplotlib.get_data_path()) / "fonts" / "ttf"),)


def pdf_bytes(content: dict[str, Any]) -> bytes:
    """Compile the Typst template with ``content`` (DejaVu fonts shipped with matplotlib, no document date).

    Parameters
    ----------
    content : dict
        From :func:`questionnaire_content`.

    Returns
    -------
    bytes
        The PDF.
    """
    import typst

    return typst.compile(
        _template().encode("utf-8"),
        font_paths=list(_font_paths()),
        ignore_system_fonts=True,
        sys_inputs={"data": json.dumps(content, ensure_ascii=False)},
        timestamp=int(dt.datetime.combine(FIXED_DATE.date(), dt.time(12), tzinfo=dt.UTC).timestamp()),
    )


# -------------------------------------------------------------------------------------------------------- the Word
def docx_bytes(content: dict[str, Any]) -> bytes:
    """The questionnaire as a Word document (A4, headings per section, check boxes, a page footer).

    Parameters
    ----------
    content : dict
        From :func:`questionnaire_content`.

    Returns
    -------
    bytes
        The ``.docx`` file, byte-identical for the same content.
    """
    from docx import Document
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    props = doc.core_properties
    props.title, props.author, props.last_modified_by = content["title"], "ProKUS Evaluation", "ProKUS Evaluation"
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.revision = 1
    props.language = content["lang"]
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.6)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(10)
    grey, navy, skip_colour = RGBColor(0x55, 0x55, 0x55), RGBColor(0x1B, 0x3A, 0x5C), RGBColor(0x8A, 0x3B, 0x00)

    footer = section.footer.paragraphs[0]
    footer.add_run(content["footer"] + "    " + content["page_word"] + " ").font.size = Pt(8)
    page_field(footer, "PAGE")
    footer.add_run(" " + content["of_word"] + " ").font.size = Pt(8)
    page_field(footer, "NUMPAGES")

    # cover
    doc.add_paragraph().add_run(content["kind"]).font.color.rgb = grey
    doc.add_heading(content["title"], level=0)
    doc.add_paragraph().add_run(content["meta"]).font.color.rgb = grey
    table = doc.add_table(rows=len(content["boxes"]), cols=2)
    table.style = "Table Grid"
    for row, label in zip(table.rows, content["boxes"], strict=True):
        row.cells[0].text = label
        row.cells[0].width, row.cells[1].width = Cm(6), Cm(11)
    if content["consent"]:
        doc.add_heading(content["consent_title"], level=2)
        doc.add_paragraph(content["consent"])
    doc.add_heading(content["legend_title"], level=2)
    for line in content["legend"]:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_paragraph().add_run(content["edit_note"]).italic = True
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for b in content["blocks"]:
        if b["kind"] == "section":
            doc.add_heading(f"{b['number']}. {b['title']}" if b["number"] else b["title"], level=min(b["level"], 3))
            for note in b["notes"]:
                r = doc.add_paragraph().add_run(note)
                r.italic, r.font.color.rgb = True, skip_colour
        elif b["kind"] == "note":
            if b["skip"]:
                r = doc.add_paragraph().add_run(b["skip"])
                r.italic, r.font.color.rgb = True, skip_colour
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.5)
            r = p.add_run(b["text"])
            r.italic = True
        else:
            _docx_question(doc, b, Cm, Pt, grey, navy, skip_colour)
    if content["calculations"]:
        doc.add_section(WD_SECTION.NEW_PAGE)
        doc.add_heading(content["annex_title"], level=1)
        doc.add_paragraph(content["annex_intro"])
        table = doc.add_table(rows=1 + len(content["calculations"]), cols=2)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, content["annex_columns"], strict=True):
            cell.text = text
        for row, c in zip(table.rows[1:], content["calculations"], strict=True):
            row.cells[0].text = c["name"] + (f" ({c['label']})" if c["label"] else "")
            row.cells[1].text = c["formula"]
    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip(buf.getvalue())


def _docx_question(doc: Any, q: dict[str, Any], Cm: Any, Pt: Any, grey: Any, navy: Any, skip_colour: Any) -> None:
    if q["skip"]:
        p = doc.add_paragraph()
        p.paragraph_format.space_after, p.paragraph_format.keep_with_next = Pt(0), True
        r = p.add_run("→ " + q["skip"])
        r.italic, r.font.color.rgb = True, skip_colour
    p = doc.add_paragraph()
    p.paragraph_format.space_after = Pt(1)
    p.paragraph_format.keep_with_next = True
    r = p.add_run(q["number"] + ".  ")
    r.bold, r.font.color.rgb = True, navy
    p.add_run(q["label"]).bold = True
    if q["required"]:
        p.add_run(" *").bold = True
    indent = Cm(0.9)
    for text in (q["hint"], q["answer"]["instruction"]):
        if text:
            h = doc.add_paragraph()
            h.paragraph_format.left_indent, h.paragraph_format.space_after = indent, Pt(0)
            h.paragraph_format.keep_with_next = True
            hr = h.add_run(text)
            hr.italic, hr.font.color.rgb, hr.font.size = True, grey, Pt(8.5)
    a = q["answer"]
    lines: list[str] = []
    if a["kind"] == "choices":
        lines = ["☐  " + (f"{c['code']}  " if c["code"] else "") + c["label"] for c in a["choices"]]
    elif a["kind"] == "box":
        lines = ["[" + " " * 30 + "]"]
    elif a["kind"] == "date":
        lines = ["[  ][  ] / [  ][  ] / [  ][  ][  ][  ]"]
    elif a["kind"] == "geo":
        lines = [f"{part}: " + "_" * 24 for part in a["parts"]]
    else:
        lines = ["_" * 70]
    for i, line in enumerate(lines):
        lp = doc.add_paragraph(line)
        lp.paragraph_format.left_indent, lp.paragraph_format.space_after = indent, Pt(0)
        lp.paragraph_format.keep_with_next = i < len(lines) - 1 and len(lines) <= 14  # a short list stays whole
    if q["check"]:
        c = doc.add_paragraph()
        c.paragraph_format.left_indent = indent
        cr = c.add_run(q["check"])
        cr.italic, cr.font.size = True, Pt(8.5)
    doc.add_paragraph().paragraph_format.space_after = Pt(2)


# ---------------------------------------------------------------------------------------------------- the function
def render_questionnaire(
    xlsform_path: str | Path, out_dir: str | Path, langs: Sequence[str] = ("id", "en")
) -> list[Path]:
    """Write the printable questionnaire of an XLSForm as PDF and Word, one pair per language.

    Parameters
    ----------
    xlsform_path : str or pathlib.Path
        The XLSForm workbook.
    out_dir : str or pathlib.Path
        The folder to write to (created when missing): ``<form stem>_<lang>.pdf`` and ``<form stem>_<lang>.docx``.
    langs : sequence of str, default ("id", "en")
        The languages (each must be a language of the phrase catalogue); a form without labels in a language
        prints its default language's labels with that language's fixed words.

    Returns
    -------
    list of pathlib.Path
        The files written, per language the PDF then the Word file.

    Raises
    ------
    UserError
        When the form is missing or pyxform cannot read it, or a language is not in the catalogue; nothing is
        written then.
    """
    from evaluation.text.catalogue import LANGUAGES

    unknown = [lang for lang in langs if lang not in LANGUAGES]
    if unknown:
        raise UserError(
            f"no phrases for language(s) {', '.join(unknown)}",
            fix=f"choose among {', '.join(LANGUAGES)}",
        )
    form = read_form(xlsform_path)
    out = Path(out_dir)
    rendered = []
    for lang in langs:  # render everything first, then write: a failure writes nothing
        content = questionnaire_content(form, lang)
        stem = f"{form.path.stem}_{lang}"
        rendered += [(out / f"{stem}.pdf", pdf_bytes(content)), (out / f"{stem}.docx", docx_bytes(content))]
    return [write_bytes(path, data) for path, data in rendered]
