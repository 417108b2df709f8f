"""The notebook sections, each split into ``compute_*`` (statistics) and ``show_*`` (display).

``compute_*(ctx[, shared])`` reads a :class:`~evaluation.analysis.context.Context` (the scope's tables and settings)
and, when it reuses an estimate of another section, the scope's
:class:`~evaluation.analysis.context.Intermediates`; it calls :mod:`evaluation.stats` and returns a
:class:`~evaluation.analysis.context.Computed`: the results keys to record and the tables to show. ``show_*(result,
view)`` builds a :class:`~evaluation.analysis.display.Section` (or an image) from that and a
:class:`~evaluation.analysis.context.View` (language, labels, settings; no data) with the phrases of
:mod:`evaluation.text`. Modules: :mod:`.sample` (title, sample, data quality, baseline), :mod:`.effects` (change,
DiD, figures, regions, truth check), :mod:`.monitoring` (scorecard, risk flags), :mod:`.balance` (plan, balance,
few clusters), :mod:`.indices` (summary indices, multiple testing), :mod:`.attrition`, :mod:`.heterogeneity`
(subgroups, dose-response), :mod:`.designs` (ANCOVA, event study, power), :mod:`.costbenefit`, :mod:`.truth`
(interval coverage).
"""
