"""Statistics: pure functions of tables.

Estimators and their result record (:mod:`~evaluation.stats.estimators`, with its input checks and fitting cores
in :mod:`~evaluation.stats.estimator_inputs` and :mod:`~evaluation.stats.estimator_fits`;
:mod:`~evaluation.stats.results`), group sums, OLS and variance estimators and the one t interval
(:mod:`~evaluation.stats.group_sums`, :mod:`~evaluation.stats.inference`, :mod:`~evaluation.stats.regression`), the
wild cluster bootstrap, multiple testing, attrition and Lee bounds, balance, indices, heterogeneity, dose-response,
alternative designs, power, cost-benefit, the monitoring computations and disclosure control. Every function takes
tables and column names (``fixed_effects=`` the column whose levels are absorbed, ``cluster=`` the cluster column)
and returns numbers or tables; none reads a file, draws a figure, writes a word a reader sees, or knows the
project's scopes (``scope`` only labels result keys; callers choose a scope's rows with
:func:`evaluation.core.config.select_scope`).

May import: :mod:`evaluation.core` only (never intake, text, analysis, reporting, run or the CLI).
"""
