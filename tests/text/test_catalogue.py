"""The phrase catalogue (src/evaluation/text/locale/<lang>/LC_MESSAGES/prokus.po): complete, consistent, normalised.

Both languages hold the same message ids, no message is empty or fuzzy, a message has the same ``{placeholders}``
in both languages, the files are exactly what Babel writes (a translator's edit goes through ``make po``), every
key the code asks for exists, and a missing key is still a KeyError.
"""

from __future__ import annotations

import ast
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.pofile import read_po, write_po

from evaluation.core.config import NATIONAL
from evaluation.core.indicators import INDICATORS, RISK_FLAGS
from evaluation.core.plan import load_plan
from evaluation.intake.codebook import load_codebook
from evaluation.reporting.brief import BEFORE_AFTER_WORDS, HEADINGS, HOUSEHOLD_SUBGROUPS, TERCILES, _scope_title
from evaluation.reporting.findings import RISK_ORDER
from evaluation.text import catalogue, monitoring
from evaluation.text.catalogue import LANGUAGES, count_text, messages, normalised_po, placeholders, po_path, t, tn
from evaluation.text.inference_phrases import PHRASES as INFERENCE
from evaluation.text.national_phrases import NATIONAL_SCALE_TEXT
from evaluation.text.report_phrases import p

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "evaluation"


def _po_bytes(language: str) -> bytes:
    return po_path(language).read_bytes()


def _catalog(language: str):
    return read_po(io.BytesIO(_po_bytes(language)), locale=language, abort_invalid=True)


# ------------------------------------------------------------------------------------------------ the files
def test_both_languages_have_exactly_the_same_message_ids():
    ids = {lang: {m.id if isinstance(m.id, str) else tuple(m.id) for m in _catalog(lang) if m.id} for lang in LANGUAGES}
    assert ids["id"] == ids["en"]
    assert len(ids["en"]) > 250


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_empty_fuzzy_or_obsolete(language):
    cat = _catalog(language)
    assert not cat.fuzzy and not cat.obsolete
    for m in cat:
        if not m.id:
            continue
        forms = (m.string,) if isinstance(m.string, str) else tuple(m.string)
        assert forms and all(s.strip() for s in forms), f"{language}: {m.id!r} has an empty msgstr"
        assert not m.fuzzy, f"{language}: {m.id!r} is fuzzy (a translator's 'needs review')"
        if m.pluralizable:
            assert len(forms) == cat.num_plurals, f"{language}: {m.id!r} needs {cat.num_plurals} plural forms"


def test_placeholders_are_the_same_in_both_languages():
    ids, en = messages("id"), messages("en")
    differ = {k: (placeholders(ids[k]), placeholders(en[k])) for k in en if placeholders(ids[k]) != placeholders(en[k])}
    assert differ == {}
    # the forms of one plural message share their fields too
    for lang in LANGUAGES:
        for k, v in messages(lang).items():
            if isinstance(v, tuple):
                assert len({placeholders(s) for s in v}) == 1, (lang, k)


@pytest.mark.parametrize("language", LANGUAGES)
def test_po_files_are_in_babels_normalised_form(language):
    data = _po_bytes(language)
    out = io.BytesIO()
    write_po(out, read_po(io.BytesIO(data), locale=language, abort_invalid=True))
    assert out.getvalue() == data, "read_po/write_po changes the file: run `make po`"
    assert normalised_po(data, language) == data, "not sorted or placeholder comments stale: run `make po`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_normalising_sorts_and_comments_a_translators_edit(language):
    cat = _catalog(language)
    cat.add("aaa_new_phrase", "{x} baru" if language == "id" else "{x} new")  # appended last, no comment
    raw = io.BytesIO()
    write_po(raw, cat)
    fixed = normalised_po(raw.getvalue(), language)
    text = fixed.decode("utf-8")
    assert text.index('msgid "aaa_new_phrase"') < text.index('msgid "banner_synthetic"')
    assert '#. placeholders: {x}\nmsgid "aaa_new_phrase"' in text
    assert normalised_po(fixed, language) == fixed


def test_the_wheel_ships_the_po_files():
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["evaluation"]
    shipped = {p for pattern in data for p in (SRC).glob(pattern)}
    for lang in LANGUAGES:
        assert SRC / "text" / "locale" / lang / "LC_MESSAGES" / "prokus.po" in shipped


# ------------------------------------------------------------------------------------------------ the keys in use
# Phrase functions of the code and the catalogue family each reads ("" = the un-prefixed notebook/report phrases).
_NAMES = {"t": "", "p": "", "mlabel": "monitoring", "tn": "", "inference_phrase": "inference"}
# analysis/sections/*: ``w = Words(view)``; ``w.t`` reads the catalogue, ``w.x`` the inference phrases.
_ATTRS = {("self", "t"): "", ("mt", "label"): "monitoring", ("w", "t"): "", ("w", "x"): "inference"}
_BY_FILE = {("national_scale.py", "_t"): "national_scale"}


def _family(func: ast.expr, filename: str) -> str | None:
    if isinstance(func, ast.Name):
        if (filename, func.id) in _BY_FILE:
            return _BY_FILE[(filename, func.id)]
        if func.id == "label" and filename == "monitoring.py":
            return "monitoring"
        return _NAMES.get(func.id)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        if (filename, f"{func.value.id}.{func.attr}") in _BY_FILE:
            return _BY_FILE[(filename, f"{func.value.id}.{func.attr}")]
        return _ATTRS.get((func.value.id, func.attr))
    return None


def _strings(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Tuple | ast.List) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [e.value for e in node.elts]
    return None


class _Scan(ast.NodeVisitor):
    """Literal keys passed to the phrase functions (also through ``x if c else y`` and loops over literal tuples)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.env: list[dict[str, list[str]]] = [{}]
        self.keys: list[tuple[str, str, int]] = []  # (family, key, line)
        self.prefixes: list[tuple[str, str, int]] = []  # f-string keys: (family, constant head, line)

    def _bind(self, target: ast.expr, it: ast.expr, env: dict[str, list[str]]) -> None:
        values = _strings(it)
        if isinstance(target, ast.Name) and values is not None:
            env[target.id] = values
        elif isinstance(target, ast.Tuple) and isinstance(it, ast.Tuple | ast.List):
            rows = [_strings(e) for e in it.elts]
            if all(r is not None and len(r) == len(target.elts) for r in rows):
                for i, name in enumerate(target.elts):
                    if isinstance(name, ast.Name):
                        env[name.id] = [r[i] for r in rows]

    def _comp(self, node: ast.AST) -> None:
        env: dict[str, list[str]] = {}
        for g in node.generators:
            self._bind(g.target, g.iter, env)
        self.env.append(env)
        self.generic_visit(node)
        self.env.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comp

    def visit_For(self, node: ast.For) -> None:
        env: dict[str, list[str]] = {}
        self._bind(node.target, node.iter, env)
        self.env.append(env)
        self.generic_visit(node)
        self.env.pop()

    def _values(self, node: ast.expr) -> list[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node.value]
        if isinstance(node, ast.IfExp):
            return self._values(node.body) + self._values(node.orelse)
        if isinstance(node, ast.Name):
            for env in reversed(self.env):
                if node.id in env:
                    return env[node.id]
        return []

    def visit_Call(self, node: ast.Call) -> None:
        family = _family(node.func, self.filename)
        if family is not None and node.args:
            arg = node.args[0]
            for k in self._values(arg):
                self.keys.append((family, k, node.lineno))
            if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                self.prefixes.append((family, str(arg.values[0].value), node.lineno))
        self.generic_visit(node)


def _scan() -> tuple[list, list]:
    keys, prefixes = [], []
    for path in sorted(SRC.rglob("*.py")):
        scan = _Scan(path.name)
        scan.visit(ast.parse(path.read_text(encoding="utf-8")))
        where = path.relative_to(ROOT)
        keys += [(f, k, f"{where}:{n}") for f, k, n in scan.keys]
        prefixes += [(f, k, f"{where}:{n}") for f, k, n in scan.prefixes]
    return keys, prefixes


def _id(family: str, key: str) -> str:
    return f"{family}.{key}" if family else key


def test_every_key_the_code_asks_for_is_in_the_catalogue():
    keys, prefixes = _scan()
    assert len(keys) > 300  # the scan sees the code's phrases (a renamed function would show here)
    ids = set(messages("en"))
    missing = sorted({(_id(f, k), where) for f, k, where in keys if _id(f, k) not in ids})
    assert missing == []
    dangling = sorted(
        {(_id(f, k), where) for f, k, where in prefixes if not any(i.startswith(_id(f, k)) for i in ids)}
    )
    assert dangling == []


def test_every_key_built_at_run_time_is_in_the_catalogue():
    for name, ind in INDICATORS.items():
        for lang in LANGUAGES:
            assert monitoring.label(name, lang) and monitoring.label(ind.component, lang)
    for flag, kind in RISK_FLAGS.items():
        assert flag in monitoring.LABELS and kind in monitoring.LABELS
    for key in ("any", "flag_any", *monitoring.SYMBOLS):
        assert key in monitoring.LABELS
    shared = catalogue.PHRASES
    for key in (
        "group_prokus",
        "group_comparison",
        "severity_warning",
        "severity_note",
        *(f"g_{sg}" for sg in HOUSEHOLD_SUBGROUPS),
        *TERCILES,
        *(f"r_{name}" for name in RISK_ORDER),
        *(k for k in HEADINGS.values() if "." not in k),
        *BEFORE_AFTER_WORDS.values(),
        *(f"number_{n}" for n in catalogue.SPELLED_OUT),
    ):
        assert key in shared, key
    assert all(catalogue.has(k) for k in HEADINGS.values())
    plan = load_plan(None)
    for key in (
        *(f"role_{s}" for s in ("primary", "secondary", "index", "exploratory")),
        *(f"benefit_{b}" for b in ("income", "consumption")),
        *plan.families,
    ):
        assert key in INFERENCE, key


def test_an_outcome_is_not_mistaken_for_an_index_phrase():
    """``inference_sections`` labels ``x`` as an index when ``x in PHRASES``: no codebook variable may be such a key."""
    codebook = load_codebook(ROOT / "data" / "codebook.csv")
    assert [v.name for v in codebook.variables if v.name in INFERENCE] == []
    assert "index_income" in INFERENCE and "business_operating" not in INFERENCE


# ------------------------------------------------------------------------------------------------ the views
def test_a_missing_key_or_language_is_a_key_error():
    for call in (
        lambda: t("no_such_phrase", "id"),
        lambda: t("sample_title", "fr"),
        lambda: p("no_such_phrase", "en"),
        lambda: monitoring.label("no_such_label", "en"),
        lambda: monitoring.LABELS["on_track"]["fr"],
        lambda: INFERENCE["no_such_phrase"],
        lambda: NATIONAL_SCALE_TEXT["en"]["no_such_phrase"],
        lambda: NATIONAL_SCALE_TEXT["fr"],
        lambda: tn("no_such_phrase", 2, "en", n="2"),
        lambda: t("national_scopes", "en"),  # a plural message needs its count
        lambda: tn("col_ci", 2, "en"),
    ):
        with pytest.raises(KeyError):
            call()


def test_views_read_the_same_catalogue():
    assert t("col_ci", "en") == p("col_ci", "en") == "95% interval"
    assert catalogue.PHRASES["reading_up"]["id"] == "naik (interval di atas nol)"
    assert monitoring.label("col_count", "en") == "Families" and t("col_count", "en") == "Count"
    assert monitoring.LABELS["col_rate"]["en"] == "Rate" and INFERENCE["col_rate"]["en"] == "Discount rate"
    assert NATIONAL_SCALE_TEXT["id"]["title"].format(n=514) == "ProKUS 2020 — sintesis nasional (514 kabupaten/kota)"
    assert monitoring.status_text("on_track", "id") == "✔ sesuai target"
    assert "col_ci" in catalogue.PHRASES and "monitoring.col_ci" not in catalogue.PHRASES
    assert set(catalogue.PHRASES) == {k for k, v in messages("id").items() if "." not in k and isinstance(v, str)}
    assert dict(catalogue.PHRASES["yes"]) == {"id": "ya", "en": "yes"}


@pytest.mark.parametrize(
    ("n", "language", "title"),
    [
        (5, "id", "Nasional (lima wilayah)"),
        (5, "en", "National (five regions)"),
        (1, "en", "National (one region)"),
        (514, "en", "National (514 regions)"),
        (514, "id", "Nasional (514 wilayah)"),
        (1000, "id", "Nasional (1.000 wilayah)"),
    ],
)
def test_the_national_brief_title_counts_its_scopes(n, language, title):
    codes = [f"{3200 + i}" for i in range(n)]
    ctx = SimpleNamespace(scopes=lambda: [*codes, NATIONAL])
    assert _scope_title(ctx, NATIONAL, language) == title
    assert t("title_region", language, name=title).endswith(title)


def test_counts_below_ten_are_words():
    assert [count_text(n, "en") for n in (1, 9, 10)] == ["one", "nine", "10"]
    assert [count_text(n, "id") for n in (5, 12)] == ["lima", "12"]


def test_every_data_quality_normalisation_has_a_phrase_in_both_languages():
    """The reports' data-quality section names each normalisation in the reader's language, never in English only."""
    from evaluation.core.quality import KIND_TEXT
    from evaluation.text.catalogue import rule_text

    for kind, english in KIND_TEXT.items():
        assert rule_text(kind, "en") == english
        assert rule_text(kind, "id") and rule_text(kind, "id") != english, kind
