"""Definitions of the monitoring indicators (PP 39/2006): scorecard indicators, risk flags and status bands.

Shared by the statistics that compute them (:mod:`evaluation.stats.monitoring`), the targets file that sets their
targets (:mod:`evaluation.core.targets`) and the reports that show them; definitions only, no computation.
Scorecard components follow PP 39/2006 art. 1 and 11 (input, output, outcome); risk flags follow DESIGN §1's
three risk types (administrative, process, accountability).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["on_track", "needs_attention", "off_track", "no_data"]
STATUSES: tuple[str, ...] = ("on_track", "needs_attention", "off_track", "no_data")


@dataclass(frozen=True)
class Indicator:
    """One scorecard indicator: its PP 39/2006 component, unit kind and direction."""

    name: str
    component: Literal["input", "output", "outcome"]
    kind: Literal["share", "sessions", "relative_change", "points"]
    direction: Literal["at_least", "at_most"] = "at_least"


INDICATORS: dict[str, Indicator] = {
    i.name: i
    for i in (
        Indicator("bsimu_amount", "input", "share"),
        Indicator("bsimu_families", "input", "share"),
        Indicator("bsimu_on_time", "input", "share"),
        Indicator("tksk_sessions", "output", "sessions"),
        Indicator("business_mentoring_sessions", "output", "sessions"),
        Indicator("business_operating", "output", "share"),
        Indicator("business_started", "output", "share"),
        Indicator("income_change", "outcome", "relative_change"),
        Indicator("consumption_change", "outcome", "relative_change"),
        Indicator("fies_change", "outcome", "points", "at_most"),  # a fall in food insecurity is good
        Indicator("above_poverty_line", "outcome", "share"),
        Indicator("return_to_assistance", "outcome", "share", "at_most"),
    )
}

# Risk flags by PP 39/2006 risk type (DESIGN §1): administrative, process, accountability.
RISK_FLAGS: dict[str, str] = {
    "documents_inconsistent": "administrative",
    "eligibility_doubt": "administrative",
    "grant_not_disbursed": "process",
    "grant_late": "process",
    "mentoring_below_plan": "process",
    "grant_report_missing": "accountability",
    "grant_amount_unexplained": "accountability",
}
