"""Words of the monitoring rounds (issue 17): warning labels with their thresholds, indicator values.

Shared by the monitoring notebook (:mod:`evaluation.analysis.monitoring_rounds`) and the monitoring brief
(:mod:`evaluation.reporting.monitoring_brief`), so both say the same thing. The phrases are the catalogue's
``mr_*`` messages (``locale/<lang>/LC_MESSAGES/prokus.po``).
"""

from __future__ import annotations

from evaluation.core.monitoring_plan import SCHEDULE_INDICATORS, MonitoringPlan
from evaluation.text.catalogue import t
from evaluation.text.formats import format_number, format_percent

__all__ = ["format_indicator", "rule_label"]


def rule_label(rule: str, plan: MonitoringPlan, lang: str) -> str:
    """The plain label of a warning rule with its threshold filled in (catalogue ``mr_rule_<rule>``)."""
    w = plan.warnings
    fields = {
        "no_visit": {"days": w.no_visit_days},
        "grant_late": {"days": w.grant_late_days},
        "lpj_overdue": {"days": w.lpj_due_days},
        "sessions_low": {"share": format_percent(w.sessions_min_share, lang, decimals=0)},
        "officer_overload": {"limit": w.caseload_limit},
    }.get(rule, {})
    return t(f"mr_rule_{rule}", lang, **fields)


def format_indicator(name: str, value: float | None, lang: str) -> str:
    """A progress indicator's value: a share as a percentage, sessions with one decimal."""
    if SCHEDULE_INDICATORS.get(name) == "share":
        return format_percent(value, lang, decimals=0)
    return format_number(value, lang, decimals=1)
