"""The reports' access to the phrase catalogue: ``p("h_findings", "id")``, the same as :func:`~.catalogue.t`.

Briefs, the landing page and the workbooks share the catalogue's un-prefixed keys with the notebooks (one key per
meaning: ``col_ci``, ``reading_up``, ``title_region``), and add their own (``f_*`` findings, ``r_*``
recommendations, ``m_*`` methods, ``c_*`` charts, ``l_*`` landing links, ``s_*`` workbook sheets). A missing key or
language is a KeyError, never an untranslated key. Sentences that state a result are built in
:mod:`evaluation.reporting.findings`, which applies the guardrails.
"""

from __future__ import annotations

from evaluation.text.catalogue import PHRASES, t

__all__ = ["PHRASES", "p"]

p = t  # the phrase ``key`` in ``language`` with ``{fields}`` filled in
