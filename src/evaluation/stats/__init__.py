"""Statistics: pure functions of tables.

Estimators and their result record (:mod:`~evaluation.stats.estimators`, :mod:`~evaluation.stats.results`), group
sums, OLS and variance estimators (:mod:`~evaluation.stats.group_sums`, :mod:`~evaluation.stats.inference`,
:mod:`~evaluation.stats.regression`), the wild cluster bootstrap, multiple testing, attrition, balance, indices,
heterogeneity, dose-response, alternative designs, power, cost-benefit, the monitoring computations and
disclosure control. Every function takes tables and column names (``cluster=``, ``fixed_effects=``) and returns
numbers or tables; none reads a file, draws a figure or writes a word a reader sees.

May import: :mod:`evaluation.core` only (never intake, text, analysis, reporting, run or the CLI).
"""
