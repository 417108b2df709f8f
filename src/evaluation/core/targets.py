"""M&E scorecard targets and risk-flag rules (``data/targets.toml``), typed, frozen and checked at the boundary.

The file has five tables: ``[plan]`` (the programme plan: reference disbursement date, planned sessions),
``[poverty_lines]`` (Rp per capita per month by region code), ``[status]`` (ratio thresholds of the three status
bands), ``[targets.default]`` plus optional ``[targets."<region code>"]`` overrides, and ``[risk]`` (risk-flag
rules). Unknown keys, wrong types and impossible values are a :class:`~evaluation.core.errors.UserError` naming the
file and key. The meaning of every indicator is in :data:`evaluation.stats.monitoring.INDICATORS`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evaluation.core.config import REGION_COLUMN, _build, read_toml
from evaluation.core.errors import UserError
from evaluation.core.indicators import INDICATORS, Indicator
from evaluation.core.paths import DATA_DIR

DEFAULT_TARGETS: Path = DATA_DIR / "targets.toml"
NATIONAL = "national"
POVERTY_LINE_COLUMN = REGION_COLUMN  # the table column whose codes key [poverty_lines]


@dataclass(frozen=True)
class Plan:
    """The programme plan the input and output indicators are measured against."""

    grant_reference_date: str = "2020-08-03"
    tksk_sessions: int = 12
    business_mentoring_sessions: int = 8

    @property
    def reference_date(self) -> dt.date:
        """``grant_reference_date`` as a date."""
        return dt.date.fromisoformat(self.grant_reference_date)


@dataclass(frozen=True)
class StatusBands:
    """Ratio thresholds: on track at or above ``on_track``, off track below ``needs_attention``."""

    on_track: float = 0.90
    needs_attention: float = 0.70


@dataclass(frozen=True)
class RiskRules:
    """Rules of the risk flags (see :func:`evaluation.stats.monitoring.risk_flags`)."""

    grant_late_days: int = 60
    mentoring_min_share: float = 0.50
    eligibility_consumption_multiple: float = 3.0
    amount_tolerance: int = 0
    recommend_rate: float = 0.05


@dataclass(frozen=True)
class Targets:
    """The whole targets file; ``path`` is the file it came from."""

    path: str
    plan: Plan
    status: StatusBands
    risk: RiskRules
    poverty_lines: dict[str, float] = field(default_factory=dict)
    default: dict[str, float] = field(default_factory=dict)
    regions: dict[str, dict[str, float]] = field(default_factory=dict)

    def for_scope(self, scope: str) -> dict[str, float]:
        """Targets of one scope: the defaults, overridden by the region's own table (national: defaults)."""
        return {**self.default, **self.regions.get(str(scope), {})}


# How the reports print an indicator's value, as (scale, decimals): shares and relative changes as percent with one
# decimal, sessions with one decimal, FIES points with two (evaluation.text.monitoring.format_indicator). The status
# rule compares the value as printed, so a status never turns on a digit the reader cannot see.
SHOWN: dict[str, tuple[float, int]] = {
    "share": (100.0, 1),
    "relative_change": (100.0, 1),
    "sessions": (1.0, 1),
    "points": (1.0, 2),
}


def shown(kind: str, value: float) -> float:
    """``value`` as the reports print it, in the indicator's unit (0.8127 share -> 81.3, i.e. percent)."""
    scale, decimals = SHOWN[kind]
    return round(scale * value, decimals) + 0.0


@dataclass(frozen=True)
class Thresholds:
    """The two limits of an indicator's status rule, in its printed unit (percent for shares and changes).

    ``direction`` ``at_least``: on track when the printed realisation is at or above ``on_track``, needs attention
    when at or above ``needs_attention``, else off track; ``at_most``: the same with "at or below".
    """

    direction: str
    on_track: float
    needs_attention: float


def thresholds(indicator: Indicator, target: float, bands: StatusBands) -> Thresholds:
    """The status limits of ``indicator`` for ``target``: the target minus (at most: plus) a tolerance.

    The tolerance is ``(1 - on_track) * |target|`` for on track and ``(1 - needs_attention) * |target|`` for needs
    attention (``[status]`` of the targets file, e.g. 10% and 30% of the target). For a positive "at least" target
    this is exactly the old ratio rule (realisation >= 90% of target), but the limits are absolute numbers in the
    indicator's unit, so they also hold when a change has the wrong sign (a ratio of two changes is meaningless
    then) and for "at most" indicators, where a ratio above 100% is bad. Limits are rounded as printed.

    Parameters
    ----------
    indicator : Indicator
        The indicator (its kind gives the unit, its direction the side).
    target : float
        The target, in the indicator's raw unit (a share as 0.20).
    bands : StatusBands
        The ``[status]`` table of the targets file.

    Returns
    -------
    Thresholds
        The limits in the printed unit.
    """
    sign = 1.0 if indicator.direction == "at_most" else -1.0
    on = target + sign * (1 - bands.on_track) * abs(target)
    attention = target + sign * (1 - bands.needs_attention) * abs(target)
    return Thresholds(indicator.direction, shown(indicator.kind, on), shown(indicator.kind, attention))


def indicator_status(indicator: Indicator, realisation: float, target: float, bands: StatusBands) -> str:
    """Status of an indicator: its printed realisation against the printed limits of :func:`thresholds`.

    Parameters
    ----------
    indicator : Indicator
        The indicator.
    realisation : float
        What was reached, in the raw unit (NaN: no data).
    target : float
        The target, in the raw unit.
    bands : StatusBands
        The ``[status]`` table of the targets file.

    Returns
    -------
    str
        ``on_track``, ``needs_attention``, ``off_track``, or ``no_data`` when the realisation is not finite.

    Notes
    -----
    Source: PP 39/2006 art. 1 and 11 (realisation compared with plan and standard); the bands are the targets
    file's ``[status]`` table.
    """
    if realisation is None or not math.isfinite(realisation):
        return "no_data"
    value = shown(indicator.kind, realisation)
    th = thresholds(indicator, target, bands)
    if th.direction == "at_most":
        if value <= th.on_track:
            return "on_track"
        return "needs_attention" if value <= th.needs_attention else "off_track"
    if value >= th.on_track:
        return "on_track"
    return "needs_attention" if value >= th.needs_attention else "off_track"


def _numbers(table: Any, where: str, path: str, allowed: tuple[str, ...] | None = None) -> dict[str, float]:
    if not isinstance(table, dict):
        raise UserError(f"[{where}] must be a table of numbers", file=path, fix="write key = number lines")
    out: dict[str, float] = {}
    for key, value in table.items():
        if allowed is not None and key not in allowed:
            raise UserError(
                f"unknown indicator {key} in [{where}]",
                file=path,
                rule=f"indicators are {', '.join(allowed)}",
                fix="correct the spelling or remove the line",
            )
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"[{where}] {key} = {value!r} is not a number", file=path, fix="write a number")
        out[str(key)] = float(value)
    return out


def load_targets(path: str | Path | None = None) -> Targets:
    """Read and check the targets file (default ``data/targets.toml``)."""
    raw, shown = read_toml(
        path,
        DEFAULT_TARGETS,
        "targets file",
        {"plan", "poverty_lines", "status", "targets", "risk", "monitoring"},  # monitoring: core.monitoring_plan
        "set [run] targets to an existing file",
    )
    plan = _build(Plan, raw.get("plan", {}), "plan", shown)
    try:
        plan.reference_date  # noqa: B018 - parse once here so a bad date fails at the boundary
    except ValueError:
        raise UserError(
            f"[plan] grant_reference_date = {plan.grant_reference_date!r} is not a date",
            file=shown,
            fix='write an ISO date, e.g. "2020-08-03"',
        ) from None
    status = _build(StatusBands, raw.get("status", {}), "status", shown)
    if not 0 < status.needs_attention < status.on_track <= 1:
        raise UserError(
            "[status] thresholds are out of order",
            file=shown,
            rule="0 < needs_attention < on_track <= 1",
            fix="e.g. on_track = 0.90, needs_attention = 0.70",
        )
    risk = _build(RiskRules, raw.get("risk", {}), "risk", shown)
    names = tuple(INDICATORS)
    tables = raw.get("targets", {})
    if not isinstance(tables, dict) or "default" not in tables:
        raise UserError("[targets.default] is missing", file=shown, fix="add a [targets.default] table")
    default = _numbers(tables["default"], "targets.default", shown, names)
    missing = [n for n in names if n not in default]
    if missing:
        raise UserError(
            f"[targets.default] has no target for {', '.join(missing)}",
            file=shown,
            rule="every indicator has a default target",
            fix="add the missing lines",
        )
    regions = {str(code): _numbers(t, f'targets."{code}"', shown, names) for code, t in tables.items()}
    regions.pop("default")
    for scope, table in {"default": default, **regions}.items():
        zero = [k for k, v in table.items() if v == 0]
        if zero:
            raise UserError(
                f"target of {', '.join(zero)} in [targets.{scope}] is zero",
                file=shown,
                rule="the ratio realisation / target needs a non-zero target",
                fix="use a non-zero target",
            )
    poverty = _numbers(raw.get("poverty_lines", {}), "poverty_lines", shown)
    if any(v <= 0 for v in poverty.values()):
        raise UserError("[poverty_lines] must be positive (Rp per capita per month)", file=shown, fix="fix the value")
    return Targets(
        path=shown, plan=plan, status=status, risk=risk, poverty_lines=poverty, default=default, regions=regions
    )
