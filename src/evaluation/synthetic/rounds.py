"""Synthetic monthly monitoring rounds (August 2020 - February 2021) with planted problems and a known truth.

The demo's programme table (:mod:`evaluation.synthetic.demo`) is the status of every ProKUS family at the end of
the programme. This generator writes how that status was reached, one monitoring visit per family per round, as
the monitoring visit form (``prokus_monitoring``) exports it from KoboToolbox (group prefixes ``identitas/...``,
``_uuid``, ``_submission_time``): one CSV per round, ``rounds/monitoring_<YYYY-MM>.csv``. The last round's
cumulative values equal the programme table exactly (every family is visited in the last round), so the endline
scorecard of the evaluation is the last round's cumulative realisation.

Timeline of a family (all draws from the stream ``[seed, 17]``, so the demo's other data are unchanged):

* **grant** (BSIMU): one transfer on the programme table's ``disbursement_date`` (never for the 3 % without a
  grant). Planted *late grants* are the demo's 8 % paid 90-149 days after the reference date, and the grants never
  paid;
* **visits**: round ``k`` is visited on day 12-20 of its month by the family's officer. Planted *missed visits*:
  from round 2 to the second-last round a family is not visited with probability 5 % (independently, so some are
  missed twice in a row: not resolved);
* **officers**: about 25 families each (``P<region index><officer>``, three digits). Planted *overload*: in the
  first region officer 1's families are visited by officer 0 in rounds 3-5 (then resolved); in the fourth region
  in rounds 5 to the last (not resolved);
* **LPJ** (grant-use report): handed in 10-40 days after the grant, except the planted *late LPJ* (20 % of those
  who hand it in: 75-130 days, by the last visit at the latest) and the families who never hand it in (the
  programme table's ``grant_report_submitted = 0``);
* **sessions** attended to date (TKSK, business mentoring): the final number times the planned share to date,
  rounded up; planted *low attendance*: 6 % of families attend no session in rounds 2-4 (their count stays at round
  1's) and catch up by the last round;
* **business** operating (1) or not (0): 75 % operate at round 1, a business not yet started starts with
  probability 0.25 per round; planted *closures*: an operating business closes with probability 4 % per round
  and reopens with probability 0.4 per round (resolved) or stays closed (not resolved).

Truth (``rounds/truth_rounds.csv``, never in a report): one row per (period, rule, unit, id) for which the
problem holds in that round, with the raw family id or officer code. Each family rule is stated on the visit of the
round (a family not visited is a ``no_visit`` problem only), with the plan's numbers the generator is given:

* ``no_visit``: a planted missed visit;
* ``grant_late``: a planted late or missing grant, not paid by the visit, and the round closes more than
  ``grant_late_days`` after the reference date;
* ``lpj_overdue``: a planted late or missing LPJ, the grant paid by the visit, the LPJ not handed in by the visit,
  and the round closes more than ``lpj_due_days`` after the grant;
* ``business_closed``: not operating at this visit, operating at the family's previous visit;
* ``sessions_low``: TKSK or business mentoring sessions attended to date below ``sessions_min_share`` of the
  plan to the end of the period;
* ``officer_overload``: a planted overload (officer, round).

The visit records the family problems that hold on it (``problems_observed``: ``grant_not_received``,
``lpj_not_made``, ``business_closed``, ``sessions_missed``, in that order, else ``none``) and the follow-up agreed
for each (``follow_up_agreed``: ``contact_bank``, ``remind_lpj``, ``business_mentoring``, ``repeat_visit``, else
``none``), as the form's select_multiple exports them: the codes separated by spaces in one column.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evaluation.core.monitoring_plan import MonitoringPlan, load_monitoring_plan

__all__ = ["ROUNDS_DIR", "TRUTH_FILE", "RoundsData", "generate_rounds", "write_rounds"]

ROUNDS_DIR = "rounds"
TRUTH_FILE = "truth_rounds.csv"
FAMILIES_PER_OFFICER = 25
NAMESPACE = uuid.UUID("0b4e2f7a-5c1d-4e8b-9f3a-17a0c2d4e617")
# Column of each field in the export (the visit form's groups, as KoboToolbox writes them).
EXPORT_COLUMNS = {
    "officer_code": "identitas/officer_code",
    "family_id": "identitas/family_id",
    "visit_round": "identitas/visit_round",
    "visit_date": "identitas/visit_date",
    "bsimu_planned": "bantuan/bsimu_planned",
    "grant_received": "bantuan/grant_received",
    "bsimu_disbursed": "bantuan/bsimu_disbursed",
    "disbursement_date": "bantuan/disbursement_date",
    "tksk_sessions": "pendampingan/tksk_sessions",
    "business_mentoring_sessions": "pendampingan/business_mentoring_sessions",
    "grant_report_submitted": "akuntabilitas/grant_report_submitted",
    "business_operating": "usaha/business_operating",
    "problems_observed": "tindak_lanjut/problems_observed",
    "follow_up_agreed": "tindak_lanjut/follow_up_agreed",
}
# What the officer records for each planted family problem of the visit (choice lists ``masalah`` and
# ``tindak_lanjut`` of data/question_choices.csv); a visit without one records ``none`` in both.
PROBLEM_CHOICE = {
    "grant_late": "grant_not_received",
    "lpj_overdue": "lpj_not_made",
    "business_closed": "business_closed",
    "sessions_low": "sessions_missed",
}
FOLLOW_UP_CHOICE = {
    "grant_late": "contact_bank",
    "lpj_overdue": "remind_lpj",
    "business_closed": "business_mentoring",
    "sessions_low": "repeat_visit",
}


@dataclass
class RoundsData:
    """One export per period (canonical field names, raw ids) and the truth table."""

    visits: dict[str, pd.DataFrame]
    truth: pd.DataFrame


def _date(x: str) -> dt.date | None:
    return dt.date.fromisoformat(x) if isinstance(x, str) and x else None


def generate_rounds(data: Any, plan: MonitoringPlan | None = None, seed: int | None = None) -> RoundsData:
    """Draw the monitoring rounds of the ProKUS families of ``data`` (see the module docstring).

    Parameters
    ----------
    data : evaluation.synthetic.demo.SyntheticData
        The demo data (:func:`evaluation.synthetic.demo.generate`; not imported here, because the demo's
        ``write`` calls this module): its ``programme``, ``roster`` and ``metadata``.
    plan : MonitoringPlan, optional
        Periods, schedule and warning thresholds; the project's targets file when None.
    seed : int, optional
        The seed; the demo's own (``data.metadata["seed"]``) when None.

    Returns
    -------
    RoundsData
        The visits of each period and the truth table (columns ``period``, ``rule``, ``unit``, ``id``).
    """
    plan = plan or load_monitoring_plan()
    seed = int(data.metadata.get("seed", 0)) if seed is None else int(seed)
    rng = np.random.default_rng([seed, 17])
    periods = plan.periods
    n_rounds = len(periods)
    prog = data.programme.merge(data.roster[["family_id", "region_code"]], on="family_id", how="left")
    prog = prog.sort_values("family_id", kind="mergesort").reset_index(drop=True)
    n = len(prog)
    regions = list(dict.fromkeys(data.metadata.get("regions", sorted(prog["region_code"].unique()))))
    ref = plan.grant_reference_date
    closes = [plan.close_date(p) for p in periods]
    tksk_plan = np.asarray(plan.schedule.get("tksk_sessions", (0.0,) * n_rounds))
    ment_plan = np.asarray(plan.schedule.get("business_mentoring_sessions", (0.0,) * n_rounds))
    tksk_total, ment_total = plan.planned_grant_sessions
    rules = plan.warnings

    # Officers: about 25 families each, within the region.
    officer_idx = np.zeros(n, dtype=int)
    n_officers: dict[str, int] = {}
    region_idx = np.zeros(n, dtype=int)
    for r, code in enumerate(regions):
        mask = (prog["region_code"] == code).to_numpy()
        k = int(mask.sum())
        n_officers[code] = max(1, -(-k // FAMILIES_PER_OFFICER))
        officer_idx[mask] = np.arange(k) % n_officers[code]
        region_idx[mask] = r
    # Planted overload: (region position, rounds 1-based) in which officer 1's families go to officer 0.
    overload = {0: range(3, min(5, n_rounds) + 1), 3: range(min(5, n_rounds), n_rounds + 1)}

    day = rng.integers(12, 21, size=(n, n_rounds))
    missed = rng.random((n, n_rounds)) < 0.05
    missed[:, 0] = False
    missed[:, -1] = False
    disb = [_date(x) for x in prog["disbursement_date"].fillna("").astype(str)]
    late_grant = np.array([(d is None) or (d - ref).days >= 90 for d in disb])
    lpj_final = prog["grant_report_submitted"].to_numpy().astype(int) == 1
    late_lpj = lpj_final & (rng.random(n) < 0.20)
    lpj_delay = np.where(late_lpj, rng.integers(75, 131, n), rng.integers(10, 41, n))
    low_att = rng.random(n) < 0.06
    operating = rng.random(n) < 0.75
    start_u = rng.random((n, n_rounds))
    close_u = rng.random((n, n_rounds))
    reopen_u = rng.random((n, n_rounds))
    tksk_final = prog["tksk_sessions"].to_numpy().astype(int)
    ment_final = prog["business_mentoring_sessions"].to_numpy().astype(int)

    visits: dict[str, pd.DataFrame] = {}
    truth: list[tuple[str, str, str, str]] = []
    last_operating: list[bool | None] = [None] * n
    status = operating.copy()
    ever = operating.copy()
    final_visit = [dt.date(int(periods[-1][:4]), int(periods[-1][5:]), int(day[i, -1])) for i in range(n)]
    lpj_date: list[dt.date | None] = []
    for i in range(n):
        if disb[i] is None or not lpj_final[i]:
            lpj_date.append(None)
        else:
            lpj_date.append(min(disb[i] + dt.timedelta(days=int(lpj_delay[i])), final_visit[i]))
    for k, period in enumerate(periods):
        rnd = k + 1
        year, month = int(period[:4]), int(period[5:])
        close = closes[k]
        if k > 0:  # business dynamics between rounds: start, close (planted), reopen (resolved)
            started = ~status & ~ever & (start_u[:, k] < 0.25)
            closing = status & (close_u[:, k] < 0.04)
            reopening = ~status & ever & (reopen_u[:, k] < 0.4)
            status = (status & ~closing) | started | reopening
            ever = ever | status
        rows = []
        for i in range(n):
            fid = str(prog.at[i, "family_id"])
            code = prog.at[i, "region_code"]
            r = region_idx[i]
            off = officer_idx[i]
            if r in overload and rnd in overload[r] and off == 1 and n_officers[code] >= 2:
                off = 0
            officer = f"P{r + 1}{off:02d}"
            if missed[i, k]:
                truth.append((period, "no_visit", "family", fid))
                continue
            visit = dt.date(year, month, int(day[i, k]))
            paid = disb[i] is not None and disb[i] <= visit
            share_t = tksk_plan[k] / tksk_total if tksk_total else 0.0
            share_m = ment_plan[k] / ment_total if ment_total else 0.0
            t_att = int(np.ceil(tksk_final[i] * min(share_t, 1.0) - 1e-9))
            m_att = int(np.ceil(ment_final[i] * min(share_m, 1.0) - 1e-9))
            if low_att[i] and 2 <= rnd <= 4 and rnd < n_rounds:  # attends nothing after round 1, then catches up
                t_att = int(np.ceil(tksk_final[i] * min(tksk_plan[0] / max(tksk_total, 1), 1.0) - 1e-9))
                m_att = int(np.ceil(ment_final[i] * min(ment_plan[0] / max(ment_total, 1), 1.0) - 1e-9))
            lpj_in = lpj_date[i] is not None and lpj_date[i] <= visit
            op = bool(status[i])
            # Truth of the family rules on this visit.
            found = []
            if late_grant[i] and not paid and (close - ref).days > rules.grant_late_days:
                found.append("grant_late")
            lpj_problem = (disb[i] is not None) and (late_lpj[i] or not lpj_final[i])
            if lpj_problem and paid and not lpj_in and (close - disb[i]).days > rules.lpj_due_days:
                found.append("lpj_overdue")
            if not op and last_operating[i] is True:
                found.append("business_closed")
            if t_att < rules.sessions_min_share * tksk_plan[k] or m_att < rules.sessions_min_share * ment_plan[k]:
                found.append("sessions_low")
            truth += [(period, rule, "family", fid) for rule in found]
            last_operating[i] = op
            rows.append(
                {
                    "officer_code": officer,
                    "family_id": fid,
                    "visit_round": rnd,
                    "visit_date": visit.isoformat(),
                    "bsimu_planned": int(prog.at[i, "bsimu_planned"]),
                    "grant_received": int(paid),
                    "bsimu_disbursed": int(prog.at[i, "bsimu_disbursed"]) if paid else 0,
                    "disbursement_date": disb[i].isoformat() if paid else "",
                    "tksk_sessions": t_att,
                    "business_mentoring_sessions": m_att,
                    "grant_report_submitted": int(lpj_in) if paid else "",
                    "business_operating": int(op),
                    "problems_observed": " ".join(PROBLEM_CHOICE[r] for r in found) or "none",
                    "follow_up_agreed": " ".join(FOLLOW_UP_CHOICE[r] for r in found) or "none",
                }
            )
        visits[period] = pd.DataFrame(rows)
        for r, rounds in overload.items():
            if rnd in rounds and r < len(regions) and n_officers[regions[r]] >= 2:
                truth.append((period, "officer_overload", "officer", f"P{r + 1}00"))
    table = pd.DataFrame(truth, columns=["period", "rule", "unit", "id"])
    table = table.sort_values(["period", "rule", "id"], kind="mergesort").reset_index(drop=True)
    return RoundsData(visits=visits, truth=table)


def _export(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """One round in KoboToolbox CSV shape (group prefixes, metadata columns)."""
    n = len(frame)
    out: dict[str, list] = {}
    stamp = [f"{d}T10:00:00.000+07:00" for d in frame["visit_date"]]
    out["start"] = stamp
    out["end"] = [s.replace("T10:00", "T10:40") for s in stamp]
    for name, column in EXPORT_COLUMNS.items():
        out[column] = frame[name].tolist()
    out["__version__"] = ["vDemoRounds"] * n
    out["_id"] = list(range(1, n + 1))
    out["_uuid"] = [str(uuid.uuid5(NAMESPACE, f"{fid}/{period}")) for fid in frame["family_id"]]
    out["_submission_time"] = [f"{d}T17:05:00" for d in frame["visit_date"]]
    out["_index"] = list(range(1, n + 1))
    return pd.DataFrame(out)


def write_rounds(rounds: RoundsData, folder: str | Path) -> list[Path]:
    """Write each round's export and the truth table into ``folder`` (a folder inside a generator's temporary one).

    Parameters
    ----------
    rounds : RoundsData
        From :func:`generate_rounds`.
    folder : str or pathlib.Path
        Where to write (created); the caller owns the replacement of the whole data set.

    Returns
    -------
    list of pathlib.Path
        The files written, in name order.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for period, frame in rounds.visits.items():
        path = out / f"monitoring_{period}.csv"
        _export(frame, period).to_csv(path, index=False, lineterminator="\n")
        written.append(path)
    truth = out / TRUTH_FILE
    rounds.truth.to_csv(truth, index=False, lineterminator="\n")
    written.append(truth)
    return sorted(written)
