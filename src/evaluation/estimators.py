"""Public face of the estimators (DESIGN §5): ``pre_post``, ``did``, ``diff_in_means``, ``ancova``, ``drdid``.

Each takes a long-format :class:`pandas.DataFrame` and column names and returns an :class:`evaluation.Estimate`.
The code lives in :mod:`evaluation.stats.estimators`; this module only re-exports it, so that
``from evaluation.estimators import did`` keeps working whatever the package's inner layout.
"""

from evaluation.stats.estimators import ancova, did, diff_in_means, drdid, pre_post
from evaluation.stats.results import Estimate

__all__ = ["Estimate", "ancova", "did", "diff_in_means", "drdid", "pre_post"]
