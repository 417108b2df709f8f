"""ProKUS evaluation: estimators, synthetic data, notebooks and reports for Kemensos' ProKUS 2020.

The estimators live in :mod:`evaluation.stats.estimators` (``pre_post``, ``did``, ``diff_in_means``,
``ancova``); each returns an :class:`~evaluation.stats.results.Estimate`. They are not imported here so that
``import evaluation`` stays light.
"""

from evaluation.stats.results import Estimate

__version__ = "0.1.0"

__all__ = ["Estimate", "__version__"]
