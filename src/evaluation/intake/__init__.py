"""Intake: from survey exports to analysis-ready tables.

The codebook (:mod:`~evaluation.intake.codebook`, the single source of truth of every variable), cell parsing
(:mod:`~evaluation.intake.parsing`), validation (:mod:`~evaluation.intake.validation`), pseudonymisation
(:mod:`~evaluation.intake.pseudonymise`), the XLSForm instrument (:mod:`~evaluation.intake.instrument`), the
intake pipeline that turns raw exports into processed tables (:mod:`~evaluation.intake.pipeline`), the analysis
tables (:mod:`~evaluation.intake.tables`) and district partitions (:mod:`~evaluation.intake.districts`).

May import: :mod:`evaluation.core` only (it knows the codebook, not the statistics or the reports).
"""
