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
"""

from __future__ import annotations

import re

__all__ = ["LONG_DIGITS", "NIK_LIKE", "PHONE_LIKE", "mask_value", "personal_kind"]

_SEP = r"[ \-]?"
NIK_LIKE = re.compile(rf"(?<![\d])\d(?:{_SEP}\d){{15}}(?![\d])")
PHONE_LIKE = re.compile(rf"(?<![\w+])(?:\+62|62|08)(?:{_SEP}\d){{7,12}}(?![\d])")
LONG_DIGITS = 10
_LONG = re.compile(rf"(?<![\d])\d(?:[ ,\-]?\d){{{LONG_DIGITS - 1},}}(?![\d])")
NIK_KEEP = 4


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
        phone number and of each run of at least :data:`LONG_DIGITS` digits replaced by ``*``; other text kept.
    """
    if not text or not any(c.isdigit() for c in text):
        return text
    text = NIK_LIKE.sub(lambda m: _stars(m, NIK_KEEP), text)
    text = PHONE_LIKE.sub(_stars, text)
    return _LONG.sub(_stars, text)
