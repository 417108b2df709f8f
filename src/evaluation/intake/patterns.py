"""Personal data typed where it is not expected: NIK-like and phone-like text, found and masked.

Two patterns, spaces and dashes allowed between digits (not dots: the ministry's region codes such as
``62.01.01.2001`` are written with dots and are not personal data):

* :data:`NIK_LIKE`: a run of 16 digits (a national ID number, NIK, or a family card number, KK);
* :data:`PHONE_LIKE`: an Indonesian phone number, ``+62``, ``62`` or ``08`` followed by 7 to 12 digits.

A match in a non-personal text column (``village``, ``subdistrict``, free-text remarks) is a validation error
(:func:`evaluation.intake.validation.check_personal_text`) that names file, row and column and never the value. Every
value a problem report shows passes through :func:`mask_value`, which also masks any run of at least
:data:`LONG_DIGITS` (10) digits, such as a NIK typed into an income cell (read as a number of 16 digits): no rupiah
amount of the survey has that many digits, and the file, row and column of the problem still locate the cell.

A person's name typed into a category or id column ("Siti Aminah binti Ahmad" in ``head_education``) is masked too
(:func:`looks_like_name`: two or more words of letters, at least two of them beginning with a capital, no digit;
names are often typed in capitals, so ``SITI AMINAH`` and a two-word label such as ``Tamat SMA`` are masked too;
one-word codes such as ``senior``, ``SMA`` and codes with digits such as ``3402.01`` stay readable), and so is
every ``family_id`` value that is not id-like (:func:`id_like`: letters, digits, ``-``, ``_``, ``.``, ``/`` with at
least one digit and no inner space).
"""

from __future__ import annotations

import re

__all__ = [
    "LONG_DIGITS",
    "NAME_MASK",
    "NIK_LIKE",
    "PHONE_LIKE",
    "id_like",
    "looks_like_name",
    "mask_value",
    "personal_kind",
]

_SEP = r"[ \-]?"
NIK_LIKE = re.compile(rf"(?<![\d])\d(?:{_SEP}\d){{15}}(?![\d])")
PHONE_LIKE = re.compile(rf"(?<![\w+])(?:\+62|62|08)(?:{_SEP}\d){{7,12}}(?![\d])")
LONG_DIGITS = 10
_LONG = re.compile(rf"(?<![\d])\d(?:[ ,\-]?\d){{{LONG_DIGITS - 1},}}(?![\d])")
NIK_KEEP = 4
NAME_MASK = "[not shown: may be a name]"
# A number of 10 or more digits written in scientific notation (a NIK or phone number read as a number).
_SCIENTIFIC_LONG = re.compile(r"(?<![\w.])\d(?:[.,]\d+)?[eE]\+?(?:9|[1-9]\d)(?!\d)")
_ID = re.compile(r"[A-Za-z0-9_./-]*\d[A-Za-z0-9_./-]*")


def looks_like_name(text: str) -> bool:
    """Say whether a cell's text may be a person's name (two or more words, at least two of them capitalised).

    Parameters
    ----------
    text : str
        A cell's text.

    Returns
    -------
    bool
        True for two or more words of letters only (no digit) of which at least two begin with a capital
        (``Siti Aminah``, ``SITI AMINAH``, ``Siti Aminah binti Ahmad``); False for one-word codes (``senior``,
        ``SMA``), lower-case text and anything with a digit.
    """
    words = text.split()
    if len(words) < 2 or any(c.isdigit() for c in text):
        return False
    if not all(re.fullmatch(r"[^\W\d_][\w'\u2019.-]*", w) for w in words):
        return False
    return sum(w[0].isupper() for w in words) >= 2


def id_like(text: str) -> bool:
    """Say whether a text looks like an identifier (``F31-0001``, ``KPM.3402/17``), surrounding spaces ignored.

    Parameters
    ----------
    text : str
        A cell's text.

    Returns
    -------
    bool
        True for letters, digits, ``-``, ``_``, ``.`` and ``/`` with at least one digit and no inner space.
    """
    return bool(_ID.fullmatch(text.strip()))


def personal_kind(text: str) -> str | None:
    """Say which personal-data pattern a text holds.

    Parameters
    ----------
    text : str
        A cell's text.

    Returns
    -------
    str or None
        ``"nik"`` for a 16-digit run, ``"phone"`` for an Indonesian phone number, None for neither.
    """
    if NIK_LIKE.search(text):
        return "nik"
    if PHONE_LIKE.search(text):
        return "phone"
    return None


def _stars(match: re.Match[str], keep: int = 0) -> str:
    s = match.group(0)
    head, tail = s[:keep], s[keep:]
    return head + re.sub(r"\d", "*", tail)


def mask_value(text: str) -> str:
    """Mask every NIK-like, phone-like or long digit run in a value shown by a problem report.

    Parameters
    ----------
    text : str
        The value as a problem would show it.

    Returns
    -------
    str
        The text with the digits of each 16-digit run after its first 4 (the province and regency code), of each
        phone number, of each run of at least :data:`LONG_DIGITS` digits and of each number of 10 digits or more
        in scientific notation (``3.40299e+15``) replaced by ``*``; other text kept.
    """
    if not text or not any(c.isdigit() for c in text):
        return text
    text = NIK_LIKE.sub(lambda m: _stars(m, NIK_KEEP), text)
    text = PHONE_LIKE.sub(_stars, text)
    text = _SCIENTIFIC_LONG.sub(_stars, text)  # 3.40299e+15: a NIK as a number keeps its leading digits
    return _LONG.sub(_stars, text)
