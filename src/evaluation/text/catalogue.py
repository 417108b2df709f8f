"""The phrase catalogue: every word a reader sees, in Bahasa Indonesia (first) and English, as gettext ``.po`` files.

One catalogue per language, ``locale/<lang>/LC_MESSAGES/prokus.po`` beside this module (package data), in the
standard gettext form that Babel reads and writes, so a translator edits it with any PO editor. Message ids are
symbolic keys:

* ``<key>`` (no dot): the phrases of the notebooks and of the reports (briefs, landing page, workbooks), one key per
  meaning shared by both, e.g. ``col_ci``, ``reading_up``, ``f_effect_up``;
* ``monitoring.<key>``: the labels of the monitoring indicators, statuses and risk flags (:mod:`.monitoring`);
* ``inference.<key>``: the inference sections (:mod:`.inference_phrases`);
* ``national_scale.<key>``: the district-scale national synthesis (:mod:`.national_phrases`).

The prefixes keep each family's keys apart where the same short key means different things (``col_count`` is a
number of rows in the data-quality table and a number of families in the risk table; ``col_rate`` a share of
families and a discount rate) and let a family be asked whether it holds a key (an index has a phrase, an outcome
such as ``business_operating`` a codebook label).

The ``.po`` files are read with Babel when a phrase is first needed and kept in memory (no build step, so an
edited ``.po`` file is what the next run shows; nothing compiled can go stale). ``t("sample_title", "id")``
returns a phrase; a missing key or language is a programming error (KeyError), so a report can never silently
show an untranslated key. ``make po`` (``tools/po_catalogue.py``) rewrites the files in Babel's normalised form.
"""

from __future__ import annotations

import functools
import io
import string
from collections.abc import Callable, Iterator, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "ByLanguage",
    "Phrases",
    "count_text",
    "has",
    "message",
    "messages",
    "normalised_po",
    "placeholders",
    "po_path",
    "read_catalog",
    "rule_text",
    "t",
    "tn",
]

LANGUAGES: tuple[str, ...] = ("id", "en")
DOMAIN = "prokus"
PLACEHOLDER_COMMENT = "placeholders: "  # the auto comment (``#.``) that tells a translator which fields to keep
SPELLED_OUT = range(1, 10)  # counts written as words in running text ("five regions", "lima wilayah")


def po_path(language: str) -> Traversable:
    """The ``.po`` file of ``language`` inside the installed package.

    Parameters
    ----------
    language : str
        ``"id"`` or ``"en"``.

    Returns
    -------
    importlib.resources.abc.Traversable
        ``evaluation/text/locale/<language>/LC_MESSAGES/prokus.po`` (it exists only for :data:`LANGUAGES`).
    """
    return (
        resources.files("evaluation.text")
        .joinpath("locale")
        .joinpath(language)
        .joinpath("LC_MESSAGES")
        .joinpath(f"{DOMAIN}.po")
    )


def read_catalog(data: bytes, language: str) -> Catalog:
    """Parse the bytes of a ``.po`` file with Babel, refusing a malformed file.

    Parameters
    ----------
    data : bytes
        The file's content (UTF-8).
    language : str
        Its language, ``"id"`` or ``"en"``.

    Returns
    -------
    babel.messages.catalog.Catalog
        The catalogue, header included.

    Raises
    ------
    babel.messages.pofile.PoFileError
        When the file is not valid PO syntax (Babel's ``abort_invalid``).
    """
    from babel.messages.pofile import read_po

    return read_po(io.BytesIO(data), locale=language, domain=DOMAIN, abort_invalid=True)


def placeholders(text: str | tuple[str, ...]) -> tuple[str, ...]:
    """The ``{field}`` names of a message (all its plural forms), sorted and without repeats.

    Parameters
    ----------
    text : str or tuple of str
        A message, or the forms of a plural message.

    Returns
    -------
    tuple of str
        The field names, e.g. ``("covered", "share", "total")``.
    """
    forms = (text,) if isinstance(text, str) else text
    return tuple(sorted({f for s in forms for _, f, _, _ in string.Formatter().parse(s) if f is not None}))


def normalised_po(data: bytes, language: str) -> bytes:
    """A ``.po`` file as Babel writes it: messages sorted by id, a placeholder comment on each message with fields.

    Parameters
    ----------
    data : bytes
        The file's content.
    language : str
        Its language.

    Returns
    -------
    bytes
        The normalised file; equal to ``data`` when the file is already normalised.

    Notes
    -----
    Babel derives the ``python-brace-format`` flag from the message id (``Message.__init__``), so a symbolic id
    such as ``coverage_sentence`` cannot keep that flag through a read and a write; the ``#. placeholders: ...``
    comment tells the translator the fields instead, and ``tests/text/test_catalogue.py`` checks that both languages
    use the same fields.
    """
    from babel.messages.pofile import write_po

    catalog = read_catalog(data, language)
    for msg in catalog:
        if msg.id:
            fields = placeholders(msg.string)
            msg.auto_comments = [PLACEHOLDER_COMMENT + " ".join(f"{{{f}}}" for f in fields)] if fields else []
    out = io.BytesIO()
    write_po(out, catalog, sort_output=True)
    return out.getvalue()


@functools.cache
def _catalog(language: str) -> Catalog:
    if language not in LANGUAGES:
        raise KeyError(language)
    return read_catalog(po_path(language).read_bytes(), language)


@functools.cache
def messages(language: str) -> Mapping[str, str | tuple[str, ...]]:
    """Every message of ``language``: id to text (a tuple of forms for a plural message); read once, then cached.

    Parameters
    ----------
    language : str
        ``"id"`` or ``"en"``.

    Returns
    -------
    Mapping of str to str or tuple of str
        Read-only.

    Raises
    ------
    KeyError
        For a language other than :data:`LANGUAGES`.
    """
    from types import MappingProxyType

    out: dict[str, str | tuple[str, ...]] = {}
    for msg in _catalog(language):
        if msg.id:
            out[msg.id[0] if msg.pluralizable else msg.id] = tuple(msg.string) if msg.pluralizable else msg.string
    return MappingProxyType(out)


def has(key: str) -> bool:
    """Whether the catalogue holds the message ``key`` (a full id, e.g. ``"monitoring.on_track"``)."""
    return key in messages(LANGUAGES[0])


def message(key: str, language: str) -> str:
    """The text of the (non-plural) message ``key`` in ``language``, placeholders unfilled.

    Raises
    ------
    KeyError
        When the key or the language is missing, or ``key`` is a plural message (use :func:`tn`).
    """
    text = messages(language)[key]
    if not isinstance(text, str):
        raise KeyError(f"{key!r} is a plural message: use tn()")
    return text


def t(key: str, language: str, **fields: object) -> str:
    """The phrase ``key`` in ``language`` with ``{fields}`` filled in.

    Parameters
    ----------
    key : str
        A message id of the catalogue (see the module docstring).
    language : str
        ``"id"`` or ``"en"``.
    **fields : object
        Values of the message's ``{placeholders}``.

    Returns
    -------
    str
        The phrase.

    Raises
    ------
    KeyError
        When the key or the language is missing, or a placeholder has no value.
    """
    text = message(key, language)
    return text.format(**fields) if fields else text


@functools.cache
def _plural_rule(language: str) -> Callable[[int], int]:
    import gettext

    return gettext.c2py(_catalog(language).plural_expr)


def tn(key: str, count: int, language: str, **fields: object) -> str:
    """The plural message ``key`` in the form for ``count`` (the language's gettext plural rule).

    Parameters
    ----------
    key : str
        The id of a plural message.
    count : int
        The number that chooses the form (English: 1 singular, else plural; Indonesian: one form).
    language : str
        ``"id"`` or ``"en"``.
    **fields : object
        Values of the message's ``{placeholders}``.

    Returns
    -------
    str
        The phrase.

    Raises
    ------
    KeyError
        When the key or the language is missing, ``key`` is not a plural message, or a placeholder has no value.
    """
    forms = messages(language)[key]
    if isinstance(forms, str):
        raise KeyError(f"{key!r} is not a plural message: use t()")
    return forms[min(_plural_rule(language)(count), len(forms) - 1)].format(**fields)


def count_text(n: int, language: str) -> str:
    """A count in running text: a word from one to nine (``"lima"``, ``"five"``), digits from 10 (``"514"``).

    Parameters
    ----------
    n : int
        The count.
    language : str
        ``"id"`` or ``"en"``.

    Returns
    -------
    str
        The count as a word (messages ``number_1`` ... ``number_9``) or in the locale's digits.
    """
    if n in SPELLED_OUT:
        return t(f"number_{n}", language)
    # Babel directly (the grouping of text.formats.format_number): text.formats reads the catalogue for the words
    # of its units ("poin persen"), so the catalogue does not import it back
    from babel.numbers import format_decimal

    return format_decimal(int(n), format="#,##0", locale="id_ID" if language == "id" else "en_US")


def rule_text(rule: str, language: str) -> str:
    """Readable text of a data-quality rule: a phrase here, else the English normalisation text, else the name."""
    key = f"rule_{rule}"
    if has(key):
        return t(key, language)
    from evaluation.core.quality import KIND_TEXT

    return KIND_TEXT.get(rule, rule)


class _Entry(Mapping[str, str]):
    """``{language: text}`` of one message (read from the catalogue on access)."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __getitem__(self, language: str) -> str:
        return message(self._key, language)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


def _ids(namespace: str) -> list[str]:
    """Keys of the non-plural messages of ``namespace`` (``""``: the ids without a dot), prefix removed."""
    pre = f"{namespace}." if namespace else ""
    return [
        k[len(pre) :]
        for k, v in messages(LANGUAGES[0]).items()
        if isinstance(v, str) and (k.startswith(pre) if pre else "." not in k)
    ]


class Phrases(Mapping[str, Mapping[str, str]]):
    """A family of the catalogue as the mapping ``PHRASES[key][language]`` (the shape of the former dicts).

    ``Phrases("inference")["col_rate"]["en"]`` is the message ``inference.col_rate``; ``key in PHRASES`` asks
    whether the family holds ``key``. A missing key or language is a KeyError.
    """

    def __init__(self, namespace: str = "") -> None:
        self.namespace = namespace

    def id(self, key: str) -> str:
        """The catalogue's message id of ``key`` in this family."""
        return f"{self.namespace}.{key}" if self.namespace else key

    def __getitem__(self, key: str) -> Mapping[str, str]:
        mid = self.id(key)
        if not isinstance(messages(LANGUAGES[0]).get(mid), str):
            raise KeyError(key)
        return _Entry(mid)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and isinstance(messages(LANGUAGES[0]).get(self.id(key)), str)

    def __iter__(self) -> Iterator[str]:
        return iter(_ids(self.namespace))

    def __len__(self) -> int:
        return len(_ids(self.namespace))


class _LanguageView(Mapping[str, str]):
    def __init__(self, namespace: str, language: str) -> None:
        self._phrases, self._language = Phrases(namespace), language

    def __getitem__(self, key: str) -> str:
        return self._phrases[key][self._language]

    def __iter__(self) -> Iterator[str]:
        return iter(self._phrases)

    def __len__(self) -> int:
        return len(self._phrases)


class ByLanguage(Mapping[str, Mapping[str, str]]):
    """A family of the catalogue as ``TEXT[language][key]`` (language first)."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace

    def __getitem__(self, language: str) -> Mapping[str, str]:
        if language not in LANGUAGES:
            raise KeyError(language)
        return _LanguageView(self.namespace, language)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


PHRASES = Phrases()  # the notebooks' and reports' phrases as PHRASES[key][language]
