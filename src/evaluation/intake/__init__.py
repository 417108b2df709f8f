"""Intake: from survey exports to analysis-ready tables.

The codebook (:mod:`~evaluation.intake.codebook`, the single source of truth of every variable), cell parsing
(:mod:`~evaluation.intake.parsing`; numbers in :mod:`~evaluation.intake.numeric`), reading raw export files
(:mod:`~evaluation.intake.exports`), mapping their columns to the codebook and typing one export
(:mod:`~evaluation.intake.columns`), the problem report (:mod:`~evaluation.intake.problems`), validation by the
codebook's pandera schema (:mod:`~evaluation.intake.schema`) and by rules across tables
(:mod:`~evaluation.intake.validation`), pseudonymisation (:mod:`~evaluation.intake.pseudonymise`), the XLSForm
instrument (:mod:`~evaluation.intake.instrument`), the intake pipeline that stacks the typed exports and writes
processed tables (:mod:`~evaluation.intake.pipeline`, where a newcomer starts), the analysis tables
(:mod:`~evaluation.intake.tables`) and district partitions (:mod:`~evaluation.intake.districts`).

May import: :mod:`evaluation.core` only (it knows the codebook, not the statistics or the reports).
"""
