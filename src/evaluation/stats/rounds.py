"""Monitoring rounds: progress against plan, early warnings and their follow-up (pure functions of the visits).

Monitoring (pemantauan) observes implementation round by round and warns early enough to act; control
(pengendalian) checks that the activities follow the plan (PP 39/2006; Permen PPN/Bappenas 1/2023). The input is
the stacked visits table of :func:`evaluation.intake.rounds.read_rounds` (one row per family and round: ``period``,
``family_id``, ``officer``, ``visit_date``, the cumulative grant, sessions attended to date, LPJ and business
status) and the plan of :mod:`evaluation.core.monitoring_plan`.

Cumulative realisation at period ``p`` uses each family's latest visit up to ``p`` (a family not visited this
round keeps what its last visit recorded), over the scope's ProKUS families (``families``; a family never visited
counts as nothing realised):

* ``families_paid``: share with a grant received; ``rupiah_disbursed``: BSIMU disbursed / BSIMU planned;
* ``tksk_sessions``, ``business_mentoring_sessions``: mean sessions attended to date per family;
* ``lpj_received``: share that handed in the grant-use report (LPJ).

``ratio = realisation / plan`` (the cumulative schedule to the end of ``p``, shown beside the status). The status
is the scorecard's rule (:func:`evaluation.core.targets.indicator_status`): the realisation *as printed* (a share in
percent with one decimal, sessions with one decimal) against the printed limits ``plan - (1 - on_track) * plan``
(on track at or above it) and ``plan - (1 - needs_attention) * plan`` (needs attention at or above it, else off
track), so a status never turns on a digit the reader cannot see and agrees with the evaluation's scorecard;
``no_data`` when the plan to date is zero or nothing can be measured.

Early warnings at period ``p`` (close date ``c`` = ``close_day`` of its month); family rules read the family's
visit of round ``p`` (a family not visited this round is a ``no_visit`` warning only):

* ``no_visit``: more than ``no_visit_days`` from the family's latest visit up to ``p`` (or from the first day of
  the first period when it was never visited) to ``c``;
* ``grant_late``: no grant received at the visit and ``c`` more than ``grant_late_days`` after the plan's
  ``grant_reference_date``;
* ``lpj_overdue``: grant received with a date, LPJ not handed in at the visit, and ``c`` more than
  ``lpj_due_days`` after the grant's date;
* ``business_closed``: business not operating at the visit, operating at the family's previous visit;
* ``sessions_low``: TKSK or business mentoring sessions attended to date below ``sessions_min_share`` of the plan
  to the end of ``p``;
* ``officer_overload``: an officer visited more than ``caseload_limit`` families in round ``p``.

Follow-up: a warning (rule, id) of the previous round is *resolved* when it is not raised this round and the
family was visited this round (an officer rule: simply not raised); *still open* when raised again, or when the
family was not visited this round (nothing shows it was fixed); a warning raised this round but not the previous
one is *new*. Resolution rate = resolved / warnings of the previous round.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from evaluation.core.indicators import Indicator
from evaluation.core.keys import key
from evaluation.core.monitoring_plan import SCHEDULE_INDICATORS, WARNING_RULES, MonitoringPlan
from evaluation.core.targets import StatusBands, indicator_status

__all__ = [
    "follow_up",
    "latest_visits",
    "progress",
    "rate_keys",
    "resolution_rates",
    "round_keys",
    "warnings",
]

FOLLOW_UP = ("resolved", "still_open", "new")
# PP 39/2006 component of each progress indicator (the status rule uses its unit kind, "at least" direction).
COMPONENT = {"families_paid": "input", "rupiah_disbursed": "input", "tksk_sessions": "output",
             "business_mentoring_sessions": "output", "lpj_received": "output"}  # fmt: skip


def latest_visits(visits: pd.DataFrame, period: str) -> pd.DataFrame:
    """Each family's latest visit up to and including ``period``.

    Parameters
    ----------
    visits : pandas.DataFrame
        Stacked visits with ``period`` (``YYYY-MM``) and ``family_id``.
    period : str
        The period.

    Returns
    -------
    pandas.DataFrame
        One row per family visited at least once up to ``period``, indexed by ``family_id``.
    """
    upto = visits[visits["period"] <= period].sort_values(["family_id", "period"], kind="mergesort")
    return upto.groupby("family_id", sort=True).tail(1).set_index("family_id")


def _num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s, errors="coerce").astype(float)


def progress(visits: pd.DataFrame, families: list[str] | pd.Index, plan: MonitoringPlan, period: str,
             bands: StatusBands | None = None) -> pd.DataFrame:  # fmt: skip
    """Cumulative realisation against the plan to date for one scope and period (see the module docstring).

    Parameters
    ----------
    visits : pandas.DataFrame
        The scope's stacked visits.
    families : list of str or pandas.Index
        The scope's ProKUS families (pseudonymous ids): the denominator.
    plan : MonitoringPlan
        Periods and cumulative schedule.
    period : str
        The period.
    bands : StatusBands, optional
        Status thresholds; the plan's ``[status]`` bands when None.

    Returns
    -------
    pandas.DataFrame
        One row per indicator of :data:`evaluation.core.monitoring_plan.SCHEDULE_INDICATORS` with a schedule:
        ``indicator``, ``plan``, ``realisation``, ``ratio``, ``status``, ``n`` (families).

    Raises
    ------
    ValueError
        When ``period`` is not one of the plan's.
    """
    if period not in plan.periods:
        raise ValueError(f"period {period} is not in the plan ({', '.join(plan.periods)})")
    k = plan.periods.index(period)
    bands = bands or StatusBands(*plan.status_bands)
    fam = pd.Index(sorted({str(f) for f in families}), name="family_id")
    last = latest_visits(visits, period).reindex(fam)
    n = len(fam)
    disbursed = _num(last["bsimu_disbursed"]).where(_num(last["grant_received"]) == 1, 0.0).fillna(0.0)
    planned = _num(last["bsimu_planned"]) if "bsimu_planned" in last else pd.Series(np.nan, index=fam)
    planned_total = float(planned.sum())
    real = {
        "families_paid": float((_num(last["grant_received"]).fillna(0) == 1).mean()) if n else np.nan,
        "rupiah_disbursed": float(disbursed.sum()) / planned_total if planned_total > 0 else np.nan,
        "tksk_sessions": float(_num(last["tksk_sessions"]).fillna(0).mean()) if n else np.nan,
        "business_mentoring_sessions": float(_num(last["business_mentoring_sessions"]).fillna(0).mean())
        if n
        else np.nan,
        "lpj_received": float((_num(last["grant_report_submitted"]).fillna(0) == 1).mean()) if n else np.nan,
    }
    rows = []
    for name in SCHEDULE_INDICATORS:
        if name not in plan.schedule:
            continue
        target = plan.schedule[name][k]
        ratio = real[name] / target if target > 0 and np.isfinite(real[name]) else np.nan
        indicator = Indicator(name, COMPONENT.get(name, "output"), SCHEDULE_INDICATORS[name])  # type: ignore[arg-type]
        status = indicator_status(indicator, real[name], target, bands) if target > 0 else "no_data"
        rows.append({"indicator": name, "plan": target, "realisation": real[name], "ratio": ratio, "status": status,
                     "n": n})  # fmt: skip
    return pd.DataFrame(rows, columns=["indicator", "plan", "realisation", "ratio", "status", "n"])


def warnings(visits: pd.DataFrame, families: list[str] | pd.Index, plan: MonitoringPlan, period: str,
             region: str | None = "region_code") -> pd.DataFrame:  # fmt: skip
    """Early warnings of round ``period`` (see the module docstring for each rule).

    Parameters
    ----------
    visits : pandas.DataFrame
        The scope's stacked visits (``family_id``, ``officer``, ``period``, ``visit_date`` and the fields).
    families : list of str or pandas.Index
        The scope's ProKUS families (pseudonymous ids): those a ``no_visit`` warning can name.
    plan : MonitoringPlan
        Periods, schedule and thresholds.
    period : str
        The period.
    region : str or None, default "region_code"
        Column of the region code, carried into the output when present.

    Returns
    -------
    pandas.DataFrame
        One row per warning: ``rule``, ``unit`` (``family`` or ``officer``), ``id`` (pseudonym), ``officer`` (the
        officer of the family's latest visit, or the officer itself) and ``region``, sorted by rule and id.

    Raises
    ------
    ValueError
        When ``period`` is not one of the plan's.
    """
    if period not in plan.periods:
        raise ValueError(f"period {period} is not in the plan ({', '.join(plan.periods)})")
    k = plan.periods.index(period)
    rules = plan.warnings
    close = plan.close_date(period)
    fam = sorted({str(f) for f in families})
    last = latest_visits(visits, period)
    has_region = region is not None and region in visits
    out: list[tuple[str, str, str, str, str]] = []

    def reg(row: pd.Series) -> str:
        return str(row[region]) if has_region else ""

    first_day = dt.date.fromisoformat(f"{plan.periods[0]}-01")
    for f in fam:
        if f in last.index:
            row = last.loc[f]
            since = dt.date.fromisoformat(str(row["visit_date"]))
            officer, rg = str(row["officer"]), reg(row)
        else:
            since, officer, rg = first_day, "", ""
        if (close - since).days > rules.no_visit_days:
            out.append(("no_visit", "family", f, officer, rg))

    now = visits[visits["period"] == period].set_index("family_id")
    earlier = visits[visits["period"] < period]
    prev = latest_visits(earlier, period) if len(earlier) else earlier.set_index("family_id")
    received = _num(now["grant_received"]).fillna(0) == 1
    lpj = _num(now["grant_report_submitted"]).fillna(0) == 1
    disb = pd.to_datetime(now["disbursement_date"].replace("", None), errors="coerce", format="%Y-%m-%d")
    since_grant = (pd.Timestamp(close) - disb).dt.days
    operating = _num(now["business_operating"]) if "business_operating" in now else pd.Series(np.nan, index=now.index)
    before = (
        _num(prev["business_operating"]).reindex(now.index)
        if "business_operating" in prev
        else pd.Series(np.nan, index=now.index)
    )
    tksk_plan = plan.schedule.get("tksk_sessions", (0.0,) * len(plan.periods))[k]
    ment_plan = plan.schedule.get("business_mentoring_sessions", (0.0,) * len(plan.periods))[k]
    low = (_num(now["tksk_sessions"]) < rules.sessions_min_share * tksk_plan) | (
        _num(now["business_mentoring_sessions"]) < rules.sessions_min_share * ment_plan
    )
    grant_due = (close - plan.grant_reference_date).days > rules.grant_late_days
    flags = {
        "grant_late": (~received) & grant_due,
        "lpj_overdue": received & ~lpj & (since_grant > rules.lpj_due_days).fillna(False),
        "business_closed": (operating == 0) & (before == 1),
        "sessions_low": low.fillna(False),
    }
    for rule, mask in flags.items():
        for f in now.index[mask.to_numpy(dtype=bool)]:
            row = now.loc[f]
            out.append((rule, "family", str(f), str(row["officer"]), reg(row)))
    caseload = now.reset_index().groupby("officer")["family_id"].nunique()
    for officer in caseload.index[caseload.to_numpy() > rules.caseload_limit]:
        rg = ""
        if has_region:
            rg = str(now.loc[now["officer"] == officer, region].mode().iloc[0])
        out.append(("officer_overload", "officer", str(officer), str(officer), rg))
    table = pd.DataFrame(out, columns=["rule", "unit", "id", "officer", "region"])
    order = {r: i for i, r in enumerate(WARNING_RULES)}
    table["_o"] = table["rule"].map(order)
    return table.sort_values(["_o", "id"], kind="mergesort").drop(columns="_o").reset_index(drop=True)


def follow_up(previous: pd.DataFrame, current: pd.DataFrame, visited: set[str] | pd.Index) -> pd.DataFrame:
    """Track the warnings of the previous round into this one: resolved, still open, new.

    Parameters
    ----------
    previous : pandas.DataFrame
        :func:`warnings` of the previous round (empty for the first round).
    current : pandas.DataFrame
        :func:`warnings` of this round.
    visited : set of str or pandas.Index
        Families visited this round.

    Returns
    -------
    pandas.DataFrame
        One row per (rule, unit, id) raised in either round: ``rule``, ``unit``, ``id``, ``officer``, ``region``
        (this round's when raised now, else the previous round's) and ``state`` (``resolved``, ``still_open``,
        ``new``).
    """
    cols = ["rule", "unit", "id"]
    prev = previous[[*cols, "officer", "region"]].copy()
    cur = current[[*cols, "officer", "region"]].copy()
    both = prev.merge(cur, on=cols, how="outer", suffixes=("_p", "_c"), indicator=True)
    seen = set(map(str, visited))
    states = []
    for _, r in both.iterrows():
        if r["_merge"] == "right_only":
            states.append("new")
        elif r["_merge"] == "both":
            states.append("still_open")
        elif r["unit"] == "officer" or r["rule"] == "no_visit" or r["id"] in seen:
            states.append("resolved")
        else:
            states.append("still_open")
    both["state"] = states
    both["officer"] = both["officer_c"].where(both["_merge"] != "left_only", both["officer_p"])
    both["region"] = both["region_c"].where(both["_merge"] != "left_only", both["region_p"])
    out = both[[*cols, "officer", "region", "state"]].fillna("")
    return out.sort_values(cols, kind="mergesort").reset_index(drop=True)


def resolution_rates(tracked: pd.DataFrame, by: str) -> pd.DataFrame:
    """Resolution rate of the previous round's warnings per region or per officer.

    Parameters
    ----------
    tracked : pandas.DataFrame
        :func:`follow_up`'s table.
    by : {"region", "officer"}
        The grouping column.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``by``: ``raised`` (warnings of the previous round), ``resolved``, ``still_open``, ``new`` and
        ``rate`` = resolved / raised (NaN when none was raised).
    """
    t = tracked.copy()
    counts = pd.crosstab(t[by], t["state"]).reindex(columns=list(FOLLOW_UP), fill_value=0)
    counts["raised"] = counts["resolved"] + counts["still_open"]
    counts["rate"] = np.where(counts["raised"] > 0, counts["resolved"] / counts["raised"].replace(0, 1), np.nan)
    return counts[["raised", "resolved", "still_open", "new", "rate"]].sort_index()


def round_keys(scope: str, period: str, prog: pd.DataFrame, warn: pd.DataFrame, tracked: pd.DataFrame | None,
               k: int) -> dict[str, object]:  # fmt: skip
    """Result keys of one scope and round, with warning counts below ``k`` families suppressed.

    Keys: ``<scope>.monitoring.<period>.<indicator>.{plan,realisation,ratio,status,n}``,
    ``<scope>.monitoring.<period>.warning.<rule>.count`` (or ``.suppressed = True`` when ``0 < count < k``) and,
    with a follow-up table, ``<scope>.monitoring.<period>.follow_up.<state>.count`` (or ``.suppressed``) and
    ``.follow_up.resolution_rate.value`` (left out when the previous round raised fewer than ``k`` warnings, or
    when the resolved or still-open count is suppressed: the rate would reveal it).

    Parameters
    ----------
    scope : str
        Region code or ``national``.
    period : str
        ``YYYY-MM``.
    prog : pandas.DataFrame
        :func:`progress` of the scope and period.
    warn : pandas.DataFrame
        :func:`warnings` of the scope and period.
    tracked : pandas.DataFrame or None
        :func:`follow_up` of the scope and period (None for the first round).
    k : int
        Disclosure threshold (families), ``[run] min_cell_size``.

    Returns
    -------
    dict of str to object
        The keys (numbers, strings, booleans; no NaN: a ratio without a plan is left out).
    """
    out: dict[str, object] = {}
    for _, r in prog.iterrows():
        for f in ("plan", "realisation", "ratio"):
            if np.isfinite(r[f]):
                out[key(scope, "monitoring", period, r["indicator"], f)] = float(r[f])
        out[key(scope, "monitoring", period, r["indicator"], "status")] = str(r["status"])
        out[key(scope, "monitoring", period, r["indicator"], "n")] = int(r["n"])
    counts = warn["rule"].value_counts()
    for rule in WARNING_RULES:
        c = int(counts.get(rule, 0))
        if 0 < c < k:
            out[key(scope, "monitoring", period, "warning", rule, "suppressed")] = True
        else:
            out[key(scope, "monitoring", period, "warning", rule, "count")] = c
    if tracked is not None:
        states = tracked["state"].value_counts()
        raised = int(states.get("resolved", 0) + states.get("still_open", 0))
        for s in FOLLOW_UP:
            c = int(states.get(s, 0))
            if 0 < c < k:
                out[key(scope, "monitoring", period, "follow_up", s, "suppressed")] = True
            else:
                out[key(scope, "monitoring", period, "follow_up", s, "count")] = c
        hidden = [s for s in ("resolved", "still_open") if 0 < int(states.get(s, 0)) < k]
        if raised >= k and not hidden:  # the rate and the raised total would reveal a hidden count
            out[key(scope, "monitoring", period, "follow_up", "resolution_rate", "value")] = (
                int(states.get("resolved", 0)) / raised
            )
    return out


def rate_keys(scope: str, period: str, rates: pd.DataFrame, by: str, k: int) -> dict[str, object]:
    """Result keys of the resolution rate per group, with the disclosure rule of :func:`round_keys`.

    ``<scope>.monitoring.<period>.follow_up.by_<by>.<group>.{raised,resolved,rate}``; a group whose raised,
    resolved or still-open count lies between 0 and ``k`` (exclusive) gets ``.suppressed = True`` instead (the rate
    and the raised total would reveal the hidden count).

    Parameters
    ----------
    scope : str
        Region code or ``national``.
    period : str
        ``YYYY-MM``.
    rates : pandas.DataFrame
        :func:`resolution_rates`'s table.
    by : str
        The grouping (``region``), named in the key.
    k : int
        Disclosure threshold (families).

    Returns
    -------
    dict of str to object
        The keys.
    """
    out: dict[str, object] = {}
    for group, r in rates.iterrows():
        if not str(group):
            continue
        small = [c for c in ("raised", "resolved", "still_open") if 0 < int(r[c]) < k]
        if small:
            out[key(scope, "monitoring", period, "follow_up", f"by_{by}", group, "suppressed")] = True
            continue
        out[key(scope, "monitoring", period, "follow_up", f"by_{by}", group, "raised")] = int(r["raised"])
        out[key(scope, "monitoring", period, "follow_up", f"by_{by}", group, "resolved")] = int(r["resolved"])
        if int(r["raised"]) > 0:
            out[key(scope, "monitoring", period, "follow_up", f"by_{by}", group, "rate")] = float(r["rate"])
    return out
