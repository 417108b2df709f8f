"""The reviewed Indonesian glossary (src/evaluation/text/glossary.toml) against every Indonesian word a reader sees.

Checked: every Indonesian msgstr of the catalogue and every Indonesian label and unit of the codebook is free of the
avoided calques and mistakes (tersepertiga, Bacaan, efek for dampak, M&E, mentoring bisnis, hibah, English words);
the required terms (dampak program, KPM, pendampingan usaha, pendampingan sosial, monev, BSIMU, TKSK, LPJ) are used;
KPM is spelled out; and an indicator that is a codebook variable has one label: the codebook's, in both languages.
"""

from __future__ import annotations

import re
import string
import tomllib
from importlib import resources

import pytest

from evaluation.intake.codebook import load_codebook
from evaluation.text import monitoring
from evaluation.text.catalogue import LANGUAGES, messages

GLOSSARY = tomllib.loads(resources.files("evaluation.text").joinpath("glossary.toml").read_text(encoding="utf-8"))
AVOID = [(re.compile(a["pattern"]), a) for a in GLOSSARY["avoid"]]

# Scorecard indicators that are codebook variables (the same quantity): one label, the codebook's.
SAME_AS_CODEBOOK = {
    "business_operating": "business_operating",
    "return_to_assistance": "receives_social_assistance",
    "tksk_sessions": "tksk_sessions",
    "business_mentoring_sessions": "business_mentoring_sessions",
}
# Scorecard indicators that are the change of a codebook variable: "Perubahan <codebook label>".
CHANGE_OF = {
    "income_change": "household_income",
    "consumption_change": "consumption_per_capita",
    "fies_change": "fies_score",
}


def _text(message: str | tuple[str, ...]) -> list[str]:
    """The message's forms without their ``{placeholders}`` (``{grant}`` is a field name, not a word)."""
    forms = (message,) if isinstance(message, str) else message
    return ["".join(lit for lit, *_ in string.Formatter().parse(s)) for s in forms]


def _indonesian_texts() -> list[tuple[str, str]]:
    return [(f"prokus.po {key}", s) for key, msg in messages("id").items() for s in _text(msg)]


def _codebook_texts() -> list[tuple[str, str]]:
    import csv

    from evaluation.core.paths import DEFAULT_CODEBOOK

    with open(DEFAULT_CODEBOOK, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return [(f"codebook {r['name']} {c}", r[c]) for r in rows for c in ("label_id", "unit_id")]


def test_the_glossary_is_complete_and_its_patterns_compile():
    for term in GLOSSARY["term"]:
        assert term["id"] and term["en"] and term["note"], term
    for pattern, entry in AVOID:
        assert entry["instead"] and entry["why"], entry
        assert pattern.pattern
    names = {t["id"].split(" (")[0] for t in GLOSSARY["term"]}
    for required in ("dampak program", "KPM", "pendampingan usaha", "pendampingan sosial", "monev", "BSIMU",
                     "TKSK", "LPJ"):  # fmt: skip
        assert required in names, required


@pytest.mark.parametrize(
    ("text", "caught"),
    [
        ("Efek program (DiD)", True),
        ("belum ada bukti efek program", True),
        ("tersepertiga pendapatan awal", True),
        ("Bacaan", True),
        ("Kartu kinerja M&E", True),
        ("Sesi mentoring bisnis", True),
        ("per Rp1 juta hibah", True),
        ("BSIMU grant", True),
        ("dan efek tetap wilayah", False),  # fixed effects: the econometric term stays
        ("pembacaan yang masuk rentang sah", False),
        ("Dampak program (DiD)", False),
    ],
)
def test_the_avoided_patterns_catch_the_mistakes_of_issue_15(text, caught):
    assert any(p.search(text) for p, _ in AVOID) is caught


def test_no_indonesian_text_uses_an_avoided_word():
    found = [
        f"{where}: {entry['pattern']!r} in {text!r} (use {entry['instead']})"
        for where, text in [*_indonesian_texts(), *_codebook_texts()]
        for pattern, entry in AVOID
        if pattern.search(text)
    ]
    assert found == []


def test_the_required_terms_are_used_and_kpm_is_spelled_out():
    texts = " ".join(t for _, t in _indonesian_texts()).lower()
    for term in GLOSSARY["term"]:
        if term.get("required"):
            word = term.get("use", term["id"]).lower()
            assert word in texts, term["id"]
    assert "keluarga penerima manfaat (kpm)" in texts


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_indicator_has_one_label_the_codebooks(lang):
    codebook = load_codebook()
    for indicator, variable in SAME_AS_CODEBOOK.items():
        assert monitoring.label(indicator, lang) == codebook[variable].label(lang), indicator
    change = "Perubahan" if lang == "id" else "Change in"
    for indicator, variable in CHANGE_OF.items():
        label = codebook[variable].label(lang)
        expected = f"{change} {label[0].lower()}{label[1:]}"
        assert monitoring.label(indicator, lang) == expected, indicator
