"""What one notebook runs for one scope (a region, the nation, or a district-partitioned nation).

:func:`~evaluation.analysis.evaluation.open_evaluation` opens a scope's data and settings once into a frozen
:class:`~evaluation.analysis.context.Context`; each section of :mod:`~evaluation.analysis.sections` computes its result
keys from it with :mod:`evaluation.stats` (``compute_*``), :class:`~evaluation.analysis.evaluation.Evaluation`
records them, and the section shows what it computed (``show_*``: tables and figures in the reader's language,
:mod:`evaluation.text`). :mod:`~evaluation.analysis.national_scale` holds the district-scale synthesis.

May import: :mod:`evaluation.stats`, :mod:`evaluation.intake`, :mod:`evaluation.text`, :mod:`evaluation.core`;
never reporting, synthetic, run or the CLI.
"""
