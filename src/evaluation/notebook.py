"""Public face of what the notebooks call: :func:`open_evaluation` and :func:`open_national_scale`.

:func:`open_evaluation` serves regions and the national synthesis,
:func:`open_national_scale` district-partitioned data.

The code lives in :mod:`evaluation.analysis`; this module only re-exports it, so that a notebook's first cell
(``from evaluation.notebook import open_evaluation``) keeps working whatever the package's inner layout.
"""

from evaluation.analysis.evaluation import Banner, Evaluation, Section, open_evaluation
from evaluation.analysis.monitoring_rounds import MonitoringRound, open_monitoring_round
from evaluation.analysis.national_scale import NationalScale, open_national_scale

__all__ = [
    "Banner",
    "Evaluation",
    "MonitoringRound",
    "NationalScale",
    "Section",
    "open_evaluation",
    "open_monitoring_round",
    "open_national_scale",
]
