"""The monitoring-round plan (``[monitoring]`` of ``data/targets.toml``): periods, schedule and warning rules.

Monitoring (pemantauan, PP 39/2006; Permen PPN/Bappenas 1/2023) observes implementation round by round. This
module reads the part of the targets file that says which rounds there are (``periods``: round ``k`` of the visit
form is the ``k``-th period, ``YYYY-MM``), when a round closes (``close_day`` of its month), the cumulative plan to
the end of each period (``[monitoring.schedule]``, one value per period) and the thresholds of the early warnings
(``[monitoring.warnings]``). Everything is checked here, at the boundary: an unknown key, a schedule with the wrong
number of values, a falling cumulative plan or a period out of order is a :class:`~evaluation.core.errors.UserError`
naming the file and key.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.core.config import _build, read_toml
from evaluation.core.errors import UserError
from evaluation.core.targets import DEFAULT_TARGETS, load_targets

__all__ = ["SCHEDULE_INDICATORS", "WARNING_RULES", "MonitoringPlan", "WarningRules", "load_monitoring_plan"]

# Indicators of progress against plan, in report order; the kind says how the realisation is measured.
SCHEDULE_INDICATORS: dict[str, str] = {
    "families_paid": "share",  # share of ProKUS families whose BSIMU reached the account
    "rupiah_disbursed": "share",  # BSIMU disbursed / BSIMU planned (rupiah)
    "tksk_sessions": "sessions",  # mean TKSK sessions attended per family
    "business_mentoring_sessions": "sessions",  # mean business mentoring sessions attended per family
    "lpj_received": "share",  # share of ProKUS families that handed in the grant-use report (LPJ)
}
# Early-warning rules, in report order; ``unit`` is what a warning names (a family or an officer).
WARNING_RULES: dict[str, str] = {
    "no_visit": "family",
    "grant_late": "family",
    "lpj_overdue": "family",
    "business_closed": "family",
    "sessions_low": "family",
    "officer_overload": "officer",
}
_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class WarningRules:
    """Thresholds of the early warnings (``[monitoring.warnings]``)."""

    no_visit_days: int = 30
    grant_late_days: int = 60
    lpj_due_days: int = 60
    sessions_min_share: float = 0.50
    caseload_limit: int = 30


@dataclass(frozen=True)
class MonitoringPlan:
    """Rounds, cumulative schedule and warning rules; ``path`` is the targets file it came from."""

    path: str
    periods: tuple[str, ...]
    close_day: int
    grant_reference_date: dt.date
    planned_grant_sessions: tuple[int, int]
    schedule: dict[str, tuple[float, ...]] = field(default_factory=dict)
    warnings: WarningRules = field(default_factory=WarningRules)
    status_bands: tuple[float, float] = (0.90, 0.70)

    def close_date(self, period: str) -> dt.date:
        """The close date of a period's round (``close_day`` of its month).

        Parameters
        ----------
        period : str
            ``YYYY-MM``, one of :attr:`periods`.

        Returns
        -------
        datetime.date
            The date every "days" rule of the round is counted to.
        """
        year, month = (int(x) for x in period.split("-"))
        return dt.date(year, month, self.close_day)

    def period_of_round(self, round_number: int) -> str | None:
        """The period of round ``round_number`` (1-based), or None when the plan has no such round."""
        return self.periods[round_number - 1] if 1 <= round_number <= len(self.periods) else None

    def quarter(self, period: str) -> str:
        """The quarter (triwulan) of a period, e.g. ``2020-Q3``."""
        year, month = (int(x) for x in period.split("-"))
        return f"{year}-Q{(month - 1) // 3 + 1}"


def _fail(message: str, shown: str, fix: str, rule: str | None = None) -> UserError:
    return UserError(message, file=shown, rule=rule, fix=fix)


def load_monitoring_plan(path: str | Path | None = None) -> MonitoringPlan:
    """Read and check the ``[monitoring]`` part of the targets file (default ``data/targets.toml``).

    Parameters
    ----------
    path : str or pathlib.Path, optional
        The targets file; the project's when None.

    Returns
    -------
    MonitoringPlan
        Periods, close day, schedule, warning rules, and the plan's reference date and status bands (from
        ``[plan]`` and ``[status]`` of the same file).

    Raises
    ------
    UserError
        When the file has no ``[monitoring]`` table, or a key is unknown, missing, of the wrong type or out of range.
    """
    targets = load_targets(path)
    raw, shown = read_toml(
        path, DEFAULT_TARGETS, "targets file", {"plan", "poverty_lines", "status", "targets", "risk", "monitoring"},
        "set [run] targets to an existing file",
    )  # fmt: skip
    mon: Any = raw.get("monitoring")
    if not isinstance(mon, dict):
        raise _fail("the targets file has no [monitoring] table", shown, "add [monitoring] with periods and close_day")
    allowed = {"periods", "close_day", "schedule", "warnings"}
    unknown = sorted(set(mon) - allowed)
    if unknown:
        raise _fail(f"unknown key(s) {', '.join(unknown)} in [monitoring]", shown, "correct the spelling",
                    rule=f"[monitoring] accepts {', '.join(sorted(allowed))}")  # fmt: skip
    periods = mon.get("periods")
    months = isinstance(periods, list) and all(isinstance(x, str) and _PERIOD.match(x) for x in periods)
    if not months or not periods:
        raise _fail("[monitoring] periods must be a list of months", shown, 'write e.g. ["2020-08", "2020-09"]')
    if list(periods) != sorted(set(periods)):
        raise _fail("[monitoring] periods are not in order or repeat a month", shown, "list each month once, in order")
    close_day = mon.get("close_day", 25)
    if isinstance(close_day, bool) or not isinstance(close_day, int) or not 1 <= close_day <= 28:
        raise _fail(f"[monitoring] close_day = {close_day!r} is not a day 1-28", shown, "write e.g. close_day = 25")
    sched_raw = mon.get("schedule", {})
    if not isinstance(sched_raw, dict):
        raise _fail("[monitoring.schedule] must be a table", shown, "write indicator = [one value per period]")
    schedule: dict[str, tuple[float, ...]] = {}
    for name, values in sched_raw.items():
        where = f"[monitoring.schedule] {name}"
        if name not in SCHEDULE_INDICATORS:
            raise _fail(f"unknown indicator {name} in [monitoring.schedule]", shown, "correct the spelling",
                        rule=f"indicators are {', '.join(SCHEDULE_INDICATORS)}")  # fmt: skip
        if not isinstance(values, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and v >= 0 for v in values
        ):
            raise _fail(f"{where} must be a list of numbers >= 0", shown, "write e.g. [0.3, 0.9, 1.0]")
        if len(values) != len(periods):
            raise _fail(f"{where} has {len(values)} values for {len(periods)} periods", shown,
                        "give one cumulative value per period")  # fmt: skip
        if any(b < a for a, b in itertools.pairwise(values)):
            raise _fail(f"{where} falls from one period to the next", shown, "write the cumulative plan to date",
                        rule="a cumulative plan never falls")  # fmt: skip
        schedule[name] = tuple(float(v) for v in values)
    warnings = _build(WarningRules, mon.get("warnings", {}), "monitoring.warnings", shown)
    if not 0 < warnings.sessions_min_share <= 1 or min(dataclasses.astuple(warnings)) <= 0:
        raise _fail("[monitoring.warnings] thresholds must be positive (sessions_min_share at most 1)", shown,
                    "e.g. no_visit_days = 30, sessions_min_share = 0.5")  # fmt: skip
    return MonitoringPlan(
        path=shown,
        periods=tuple(periods),
        close_day=int(close_day),
        grant_reference_date=targets.plan.reference_date,
        planned_grant_sessions=(targets.plan.tksk_sessions, targets.plan.business_mentoring_sessions),
        schedule=schedule,
        warnings=warnings,
        status_bands=(targets.status.on_track, targets.status.needs_attention),
    )
