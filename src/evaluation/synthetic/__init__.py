"""Seeded synthetic data with a known truth.

:mod:`~evaluation.synthetic.demo` generates the five-region demo (roster, programme, survey, ``truth.json``),
:mod:`~evaluation.synthetic.national` the district-partitioned national data, :mod:`~evaluation.synthetic.kobo`
writes the demo the way KoboToolbox and ODK Central export it. Always ``np.random.default_rng(seed)``.

May import: :mod:`evaluation.stats`, :mod:`evaluation.intake`, :mod:`evaluation.text`, :mod:`evaluation.core`;
never analysis, reporting, run or the CLI.
"""
