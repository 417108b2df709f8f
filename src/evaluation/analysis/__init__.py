"""What one notebook runs for one scope (a region, the nation, or a district-partitioned nation).

:mod:`~evaluation.analysis.evaluation` opens a scope's data and settings and runs each section: the section
computes its result keys with :mod:`evaluation.stats`, records them, and shows what it recorded (tables and
figures in the reader's language, :mod:`evaluation.text`). :mod:`~evaluation.analysis.inference_sections` holds
the rigorous-inference sections, :mod:`~evaluation.analysis.national_scale` the district-scale synthesis.

May import: :mod:`evaluation.stats`, :mod:`evaluation.intake`, :mod:`evaluation.text`, :mod:`evaluation.core`;
never reporting, synthetic, run or the CLI.
"""
