"""Monitoring indicators of PP 39/2006: the M&E scorecard and the implementation risk flags.

Pure functions of the tables (the roster, the programme table and the long analysis table of
:func:`evaluation.intake.tables.analysis_table`) and of the targets file (:mod:`evaluation.core.targets`). They
import nothing
from the runner, the notebooks' display code or the reports, and return tidy DataFrames plus the flat result keys
of DESIGN §5: ``<scope>.scorecard.<indicator>.{target,realisation,ratio,status,n}`` and
``<scope>.risk.<flag>.{count,rate}``.

Scorecard (Peraturan Pemerintah 39/2006 on monitoring and evaluation of development plans, art. 1 and 11:
evaluation compares the realisation of input, output and outcome with plan and standard). For each indicator:
the status is :func:`evaluation.core.targets.indicator_status` (issue 15): the realisation, rounded as the reports
print it, against two absolute limits, target minus (for "at most" indicators plus) ``(1 - on_track) * |target|``
and ``(1 - needs_attention) * |target|``. For a positive "at least" target that is the ratio rule
``realisation / target >= on_track``; unlike a ratio it reads right for a change with the wrong sign and for "at
most" indicators (return to assistance, FIES change). ``ratio`` is still recorded; :func:`status_of` is the old
ratio rule, kept for callers of the ratio.

The outcome indicators are *realisations* (what ProKUS families reached, before/after), not programme effects:
2020 was the COVID-19 year, and the effect against the comparison group is the difference-in-differences of
:mod:`evaluation.stats.effects`. The reports say so beside the scorecard.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from evaluation.core.indicators import INDICATORS, RISK_FLAGS, STATUSES, Indicator, Status
from evaluation.core.keys import key
from evaluation.core.targets import POVERTY_LINE_COLUMN, indicator_status

if TYPE_CHECKING:
    from evaluation.core.targets import RiskRules, StatusBands, Targets

__all__ = ["INDICATORS", "RISK_FLAGS", "STATUSES", "Indicator", "Status"]  # re-exported from core.indicators

def status_of(ratio: float, direction: str, bands: StatusBands) -> Status:
    """Status band of a ratio realisation / target (see the module docstring).

    Parameters
    ----------
    ratio : float
        Realisation divided by target (dimensionless).
    direction : {"at_least", "at_most"}
        Whether higher (``at_least``) or lower (``at_most``) realisations are better.
    bands : StatusBands
        The ``on_track`` and ``needs_attention`` thresholds of the targets file.

    Returns
    -------
    str
        ``on_track``, ``needs_attention``, ``off_track``, or ``no_data`` when the ratio is not finite.

    References
    ----------
    Peraturan Pemerintah 39/2006, art. 1 and 11 (realisation against plan).
    """
    if not np.isfinite(ratio):
        return "no_data"
    if direction == "at_most":
        if ratio <= 2 - bands.on_track:
            return "on_track"
        return "needs_attention" if ratio <= 2 - bands.needs_attention else "off_track"
    if ratio >= bands.on_track:
        return "on_track"
    return "needs_attention" if ratio >= bands.needs_attention else "off_track"


def programme_families(
    roster: pd.DataFrame,
    programme: pd.DataFrame,
    *,
    treated_value: str = "prokus",
    region: str = POVERTY_LINE_COLUMN,
) -> pd.DataFrame:
    """ProKUS families of the roster given, with their programme record and region code.

    Families in the roster's ProKUS group without a programme row keep empty programme columns (and are flagged
    by :func:`risk_flags` as inconsistent documents). The caller passes the roster of one scope.

    Parameters
    ----------
    roster : pandas.DataFrame
        One row per family: ``family_id``, ``group`` and the ``region`` column.
    programme : pandas.DataFrame
        One row per ProKUS family with its programme record (``family_id`` and the programme columns).
    treated_value : str, default "prokus"
        Value of ``group`` that marks ProKUS families.
    region : str, default :data:`evaluation.core.targets.POVERTY_LINE_COLUMN`
        Column of the region code, carried along (the poverty lines are per region).

    Returns
    -------
    pandas.DataFrame
        One row per ProKUS family of the roster, in roster order: ``family_id``, ``region`` and the programme
        columns.

    Raises
    ------
    pandas.errors.MergeError
        When ``programme`` has two rows for one family.
    """
    fam = roster.loc[roster["group"] == treated_value, ["family_id", region]]
    return fam.merge(programme, on="family_id", how="left", validate="one_to_one").reset_index(drop=True)


def _days_late(prog: pd.DataFrame, reference: pd.Timestamp) -> pd.Series:
    dates = pd.to_datetime(prog["disbursement_date"], errors="coerce", format="%Y-%m-%d")
    return (dates - reference).dt.days.astype(float)


def _wide(panel: pd.DataFrame, outcome: str, unit: str, period: str, before: str, after: str) -> pd.DataFrame:
    wide = panel.pivot(index=unit, columns=period, values=outcome)
    for wave in (before, after):
        if wave not in wide:
            wide[wave] = np.nan
    return wide[[before, after]].astype(float)


def _share(x: pd.Series) -> tuple[float, int]:
    x = x.dropna().astype(float)
    return (float(x.mean()) if len(x) else float("nan")), len(x)


def realisations(
    prog: pd.DataFrame,
    panel: pd.DataFrame,
    targets: Targets,
    unit: str = "family_id",
    period: str = "wave",
    before: str = "baseline",
    after: str = "endline",
    *,
    region: str = POVERTY_LINE_COLUMN,
) -> dict[str, tuple[float, int]]:
    """Realisation and denominator ``n`` of every indicator for the ProKUS families in ``prog`` / ``panel``.

    Definitions (ProKUS families of the scope):

    * ``bsimu_amount`` = sum of BSIMU disbursed / sum planned; ``bsimu_families`` = share with a disbursement > 0;
      ``bsimu_on_time`` = of families with a disbursement > 0, the share paid within ``[risk] grant_late_days`` of
      ``[plan] grant_reference_date`` (a disbursement without a date counts as not on time);
    * ``tksk_sessions``, ``business_mentoring_sessions`` = mean sessions attended per family;
    * ``business_operating`` = share with a business operating at endline (families interviewed at endline);
      ``business_started`` = the same share among families without a business at baseline;
    * ``income_change``, ``consumption_change`` = mean(endline) / mean(baseline) - 1 over families observed at
      both waves (the balanced panel of :func:`evaluation.stats.effects.group_means`); ``fies_change`` =
      mean(endline - baseline) FIES points over the same families;
    * ``above_poverty_line`` = share with endline consumption per capita above the family's regional poverty line;
    * ``return_to_assistance`` = share receiving social assistance again at endline.

    Parameters
    ----------
    prog : pandas.DataFrame
        :func:`programme_families` of the scope.
    panel : pandas.DataFrame
        The long analysis table of the scope's ProKUS families (``treated == 1``).
    targets : Targets
        The targets file (plan, risk rules, poverty lines in Rp per capita per month).
    unit : str, default "family_id"
        Unit column.
    period : str, default "wave"
        Period column.
    before : str, default "baseline"
        Baseline wave label.
    after : str, default "endline"
        Endline wave label.
    region : str, default :data:`evaluation.core.targets.POVERTY_LINE_COLUMN`
        Column of ``panel`` whose codes key ``targets.poverty_lines``.

    Returns
    -------
    dict of str to (float, int)
        For each indicator of :data:`INDICATORS`: the realisation (share 0-1, sessions, relative change or FIES
        points, as the indicator's kind says; NaN without data) and its denominator (families).

    Raises
    ------
    KeyError
        When a programme or survey column is missing.

    References
    ----------
    Peraturan Pemerintah 39/2006 on monitoring and evaluation of development plans; Permen PPN/Bappenas 1/2023.
    """
    out: dict[str, tuple[float, int]] = {}
    planned = prog["bsimu_planned"].astype(float)
    disbursed = prog["bsimu_disbursed"].astype(float)
    total_planned = float(np.nansum(planned))
    out["bsimu_amount"] = (
        (float(np.nansum(disbursed)) / total_planned if total_planned > 0 else float("nan")),
        len(prog),
    )
    got = disbursed.fillna(0) > 0
    out["bsimu_families"] = (float(got.mean()) if len(prog) else float("nan"), len(prog))
    late = _days_late(prog, pd.Timestamp(targets.plan.reference_date))
    on_time = (late <= targets.risk.grant_late_days) & late.notna()
    out["bsimu_on_time"] = (float(on_time[got].mean()) if got.any() else float("nan"), int(got.sum()))
    for col in ("tksk_sessions", "business_mentoring_sessions"):
        x = prog[col].astype(float).dropna()
        out[col] = (float(x.mean()) if len(x) else float("nan"), len(x))

    end = panel[panel[period] == after].set_index(unit)
    base = panel[panel[period] == before].set_index(unit)
    out["business_operating"] = _share(end["business_operating"])
    no_business = base.index[base["business_operating"].astype(float) == 0]
    out["business_started"] = _share(end["business_operating"].reindex(end.index.intersection(no_business)))
    for name, outcome in (("income_change", "household_income"), ("consumption_change", "consumption_per_capita")):
        w = _wide(panel, outcome, unit, period, before, after).dropna()
        mb = float(w[before].mean()) if len(w) else float("nan")
        out[name] = ((float(w[after].mean()) / mb - 1) if len(w) and mb != 0 else float("nan"), len(w))
    w = _wide(panel, "fies_score", unit, period, before, after).dropna()
    out["fies_change"] = (float((w[after] - w[before]).mean()) if len(w) else float("nan"), len(w))
    line = end[region].map(targets.poverty_lines).astype(float)
    cons = end["consumption_per_capita"].astype(float)
    known = cons.notna() & line.notna()
    out["above_poverty_line"] = (
        (float((cons[known] > line[known]).mean()) if known.any() else float("nan")),
        int(known.sum()),
    )
    out["return_to_assistance"] = _share(end["receives_social_assistance"])
    return out


def scorecard(
    prog: pd.DataFrame,
    panel: pd.DataFrame,
    scope: str,
    targets: Targets,
    **design: str,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """The M&E scorecard of one scope: one row per indicator with target, realisation, ratio and status.

    Parameters
    ----------
    prog : pandas.DataFrame
        :func:`programme_families` of the scope.
    panel : pandas.DataFrame
        The long analysis table of the scope's ProKUS families.
    scope : str
        Label that prefixes the result keys; also picks the scope's targets (``targets.for_scope``).
    targets : Targets
        The targets file.
    **design : str
        ``unit``, ``period``, ``before``, ``after`` and ``region`` for :func:`realisations`.

    Returns
    -------
    table : pandas.DataFrame
        One row per indicator: component, kind, direction, target, realisation, ratio (dimensionless), status and
        ``n`` (families).
    keys : dict
        ``<scope>.scorecard.<indicator>.{target, realisation, ratio, status, n}`` and
        ``<scope>.scorecard.summary.<status>`` (number of indicators in each status).

    Raises
    ------
    KeyError
        When the targets file has no target for an indicator.

    References
    ----------
    Peraturan Pemerintah 39/2006, art. 1 and 11.
    """
    goal = targets.for_scope(scope)
    real = realisations(prog, panel, targets, **design)
    rows = []
    keys: dict[str, object] = {}
    for name, ind in INDICATORS.items():
        value, n = real[name]
        target = goal[name]
        ratio = value / target if np.isfinite(value) else float("nan")
        status = indicator_status(ind, value, target, targets.status)  # core.targets: the one status rule
        rows.append(
            {
                "indicator": name,
                "component": ind.component,
                "kind": ind.kind,
                "direction": ind.direction,
                "target": target,
                "realisation": value,
                "ratio": ratio,
                "status": status,
                "n": n,
            }
        )
        keys[key(scope, "scorecard", name, "target")] = target
        keys[key(scope, "scorecard", name, "status")] = status
        keys[key(scope, "scorecard", name, "n")] = n
        if np.isfinite(value):
            keys[key(scope, "scorecard", name, "realisation")] = value
            keys[key(scope, "scorecard", name, "ratio")] = ratio
    table = pd.DataFrame(rows)
    for s in STATUSES:
        keys[key(scope, "scorecard", "summary", s)] = int((table["status"] == s).sum())
    return table, keys


def risk_flags(
    prog: pd.DataFrame,
    panel: pd.DataFrame,
    scope: str,
    targets: Targets,
    unit: str = "family_id",
    period: str = "wave",
    before: str = "baseline",
    *,
    region: str = POVERTY_LINE_COLUMN,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, object]]:
    """Risk flags of each ProKUS family of a scope, their counts and rates.

    Rules (``[risk]`` of the targets file, ``r``; one boolean column per flag, a family may carry several):

    * administrative ``documents_inconsistent``: a programme field (planned, disbursed, report) is missing, a
      disbursement > 0 has no date, a date is recorded for no disbursement, or more was paid than planned;
    * administrative ``eligibility_doubt``: baseline consumption per capita above
      ``r.eligibility_consumption_multiple`` times the regional poverty line (a PKH graduate that far above the
      line is worth a second look);
    * process ``grant_not_disbursed``: no BSIMU paid; ``grant_late``: paid more than ``r.grant_late_days`` after
      ``[plan] grant_reference_date``; ``mentoring_below_plan``: TKSK or business mentoring sessions attended
      below ``r.mentoring_min_share`` of plan;
    * accountability ``grant_report_missing``: BSIMU paid but no grant-use report (LPJ);
      ``grant_amount_unexplained``: BSIMU paid differs from plan by more than ``r.amount_tolerance`` rupiah.

    Parameters
    ----------
    prog : pandas.DataFrame
        :func:`programme_families` of the scope.
    panel : pandas.DataFrame
        The long analysis table of the scope's ProKUS families.
    scope : str
        Label that prefixes the result keys.
    targets : Targets
        The targets file (plan, risk rules, poverty lines).
    unit : str, default "family_id"
        Unit column.
    period : str, default "wave"
        Period column.
    before : str, default "baseline"
        Baseline wave label.
    region : str, default :data:`evaluation.core.targets.POVERTY_LINE_COLUMN`
        Column of ``prog`` whose codes key ``targets.poverty_lines``.

    Returns
    -------
    summary : pandas.DataFrame
        One row per flag (type, count, rate 0-1, n families).
    flagged : pandas.DataFrame
        The pseudonymous ids of flagged families with 0/1 flag columns (for the restricted annex only, never a
        public report).
    keys : dict
        ``<scope>.risk.<flag>.{count,rate}``, ``<scope>.risk.any.{count,rate}`` and ``<scope>.risk.n_families``.

    Raises
    ------
    KeyError
        When a programme column is missing.

    References
    ----------
    Peraturan Pemerintah 39/2006; Permen PPN/Bappenas 1/2023 (early warning and follow-up).
    """
    rules: RiskRules = targets.risk
    planned = prog["bsimu_planned"].astype(float)
    disbursed = prog["bsimu_disbursed"].astype(float)
    report = prog["grant_report_submitted"].astype(float)
    has_date = prog["disbursement_date"].fillna("").astype(str).str.strip() != ""
    paid = disbursed.fillna(0) > 0
    flags = pd.DataFrame({unit: prog[unit], region: prog[region]})
    flags["documents_inconsistent"] = (
        planned.isna()
        | disbursed.isna()
        | report.isna()
        | (paid & ~has_date)
        | (~paid & has_date)
        | (disbursed > planned)
    )
    base = panel[panel[period] == before].set_index(unit)
    cons = base["consumption_per_capita"].astype(float).reindex(prog[unit]).to_numpy()
    line = prog[region].map(targets.poverty_lines).astype(float).to_numpy()
    flags["eligibility_doubt"] = np.nan_to_num(cons > rules.eligibility_consumption_multiple * line, nan=0).astype(bool)
    flags["grant_not_disbursed"] = ~paid
    late = _days_late(prog, pd.Timestamp(targets.plan.reference_date))
    flags["grant_late"] = paid & (late > rules.grant_late_days)
    tksk_share = prog["tksk_sessions"].astype(float) / targets.plan.tksk_sessions
    biz_share = prog["business_mentoring_sessions"].astype(float) / targets.plan.business_mentoring_sessions
    flags["mentoring_below_plan"] = (tksk_share < rules.mentoring_min_share) | (biz_share < rules.mentoring_min_share)
    flags["grant_report_missing"] = paid & (report.fillna(0) != 1)
    flags["grant_amount_unexplained"] = paid & ((disbursed - planned).abs() > rules.amount_tolerance)
    names = list(RISK_FLAGS)
    flags[names] = flags[names].fillna(False).astype(bool)
    n = len(flags)
    rows = []
    keys: dict[str, object] = {key(scope, "risk", "n_families"): n}
    any_flag = flags[names].any(axis=1)
    for name in [*names, "any"]:
        col = any_flag if name == "any" else flags[name]
        count = int(col.sum())
        rate = count / n if n else 0.0
        rows.append({"flag": name, "type": RISK_FLAGS.get(name, "any"), "count": count, "rate": rate, "n": n})
        keys[key(scope, "risk", name, "count")] = count
        keys[key(scope, "risk", name, "rate")] = rate
    flagged = flags[any_flag].copy()
    flagged[names] = flagged[names].astype(int)
    flagged = flagged.sort_values(unit, kind="mergesort").reset_index(drop=True)
    return pd.DataFrame(rows), flagged, keys


def summarise_status(statuses: Mapping[str, str]) -> dict[str, int]:
    """Number of indicators in each status.

    Parameters
    ----------
    statuses : mapping of str to str
        Status of each indicator.

    Returns
    -------
    dict of str to int
        Count of each status of :data:`STATUSES` (zero included).
    """
    return {s: sum(1 for v in statuses.values() if v == s) for s in STATUSES}
