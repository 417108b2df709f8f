"""The one owner of the results-key format (DESIGN §5): build, check and split dotted keys.

A key reads ``<scope>.<outcome>.<method>.<field>`` (``3402.household_income.did.ci_low``) or
``<scope>.<topic>.<name>[...]`` (``3402.sample.n_families``, ``3217.scorecard.bsimu_disbursed.ratio``): at least
three parts, each made of letters, digits, ``_`` and ``-``. Every module that writes or reads keys builds them with
:func:`key` and takes them apart with :func:`split`, so the format lives here only.
"""

from __future__ import annotations

import re

__all__ = ["KEY_RE", "PART_RE", "is_key", "key", "prefix", "split"]

PART_RE = re.compile(r"^[A-Za-z0-9_\-]+$")
KEY_RE = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+){2,}$")


def key(scope: str, *parts: object) -> str:
    """The results key of ``scope`` and ``parts``, joined by dots.

    Parameters
    ----------
    scope : str
        A region code (``"3402"``), a district code, or ``"national"``.
    *parts : object
        The remaining parts, e.g. ``outcome, method, field`` or ``topic, name``; each is converted with ``str``.

    Returns
    -------
    str
        ``"<scope>.<part>.<part>..."``.

    Raises
    ------
    ValueError
        When a part is empty or holds a character other than letters, digits, ``_`` and ``-`` (a dot would shift
        every field of the key), or when the key would have fewer than three parts.
    """
    text = (str(scope), *(str(p) for p in parts))
    for p in text:
        if not PART_RE.match(p):
            raise ValueError(f"results key part {p!r} (in {'.'.join(text)!r}) may hold only letters, digits, _ and -")
    if len(text) < 3:
        raise ValueError(f"results key {'.'.join(text)!r} has fewer than three parts (scope.topic.name)")
    return ".".join(text)


def prefix(scope: str, *parts: object) -> str:
    """The dotted prefix ``"<scope>.<part>...."`` (with the trailing dot) that selects keys below it.

    Parameters
    ----------
    scope : str
        As for :func:`key`.
    *parts : object
        Leading parts (zero or more).

    Returns
    -------
    str
        The prefix, ending in ``"."``, for ``str.startswith`` selection.

    Raises
    ------
    ValueError
        When a part is not a valid key part (see :func:`key`).
    """
    text = (str(scope), *(str(p) for p in parts))
    for p in text:
        if not PART_RE.match(p):
            raise ValueError(f"results key part {p!r} may hold only letters, digits, _ and -")
    return ".".join(text) + "."


def is_key(text: str) -> bool:
    """Whether ``text`` is a well-formed results key (at least three valid parts)."""
    return bool(KEY_RE.match(text))


def split(text: str) -> tuple[str, ...]:
    """The parts of a results key, scope first: ``split("3402.income.did.se") == ("3402", "income", "did", "se")``.

    Parameters
    ----------
    text : str
        A results key.

    Returns
    -------
    tuple of str
        Its parts, scope first.

    Raises
    ------
    ValueError
        When ``text`` is not a well-formed key.
    """
    if not KEY_RE.match(text):
        raise ValueError(f"{text!r} is not a results key of the form scope.topic.name[.field]")
    return tuple(text.split("."))
