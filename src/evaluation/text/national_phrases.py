"""Phrases of the district-scale national synthesis (:mod:`evaluation.analysis.national_scale`), id and en.

The catalogue's ``national_scale.*`` messages, read as ``NATIONAL_SCALE_TEXT[language][key]``.
"""

from __future__ import annotations

from evaluation.text.catalogue import ByLanguage

__all__ = ["NATIONAL_SCALE_TEXT"]

NATIONAL_SCALE_TEXT = ByLanguage("national_scale")
