"""Phrases of the inference sections, in Bahasa Indonesia (first) and English: the catalogue's ``inference.*``.

The sections: plan, balance, few clusters, indices, multiple testing, attrition, heterogeneity, dose-response,
designs, power, cost-benefit. Used by :mod:`evaluation.analysis.sections` as ``PHRASES[key][language]``
and ``key in PHRASES`` (an index has a phrase, an outcome a codebook label); a missing key or language is a
KeyError, never a silently untranslated label.
"""

from __future__ import annotations

from evaluation.text.catalogue import Phrases

__all__ = ["PHRASES"]

PHRASES = Phrases("inference")
