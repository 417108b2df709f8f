"""Monitoring rounds in: stack any number of round exports of the visit form and check them across rounds.

A data directory may hold a folder ``rounds/`` with one export per monitoring round (or several rounds per file)
of the monitoring visit form (``prokus_monitoring``): ``monitoring*.csv``, ``.xlsx`` or an ODK Central ``.zip``,
read by :func:`evaluation.intake.exports.read_export` as the exporting tool wrote them. Columns are found by the
question's name with or without its group (``identitas/visit_date``, ``identitas-visit_date``, ``visit_date``).
Round ``k`` (``visit_round``) is the ``k``-th period of ``[monitoring] periods`` in the targets file
(:mod:`evaluation.core.monitoring_plan`).

Rules, each an error that names the file, row, column, rule and what to do (the CLI exits with code 2, nothing is
written):

* every cell parses (whole numbers, ``YYYY-MM-DD`` dates or date cells, yes/no as 1/0), the round is one of the
  plan's, the family is in the roster;
* a round is not submitted twice: a family appears once per round, a submission id (``_uuid``, ``KEY``,
  ``meta-instanceID``) once in all files;
* a family's visit dates move forward from round to round;
* a family's cumulative grant (``bsimu_disbursed``, and ``grant_received``) and its sessions attended to date never
  fall from one round to the next;
* the problems observed and the follow-up agreed (select_multiple, exported as one column of codes separated by
  spaces or as one 0/1 column per choice) are codes of their choice lists (``masalah``, ``tindak_lanjut`` of
  ``data/question_choices.csv``), ``none`` never ticked with another; the rounds table holds them as codes
  separated by spaces, in the list's order (older exports without them leave them out).

Family ids are replaced by the same keyed pseudonyms as the evaluation's tables
(:func:`evaluation.intake.pseudonymise.pseudonym`, kind ``family``), officer codes by keyed pseudonyms of kind
``officer``: the processed rounds table (``rounds.csv``) holds no raw identifier.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.errors import UserError
from evaluation.core.monitoring_plan import MonitoringPlan
from evaluation.intake.exports import EXTENSIONS, read_export, shown_path
from evaluation.intake.problems import Report
from evaluation.intake.pseudonymise import Key, pseudonym
from evaluation.intake.questions import load_questions

__all__ = ["FIELDS", "ROUNDS_DIR", "RoundFile", "processed_rounds", "read_rounds", "round_files", "stack_rounds"]

ROUNDS_DIR = "rounds"
# Field -> kind: the visit form's questions a round needs (``business_operating`` may be absent).
FIELDS: dict[str, str] = {
    "officer_code": "code",
    "family_id": "code",
    "visit_round": "int",
    "visit_date": "date",
    "bsimu_planned": "int",
    "grant_received": "yesno",
    "bsimu_disbursed": "int",
    "disbursement_date": "date",
    "tksk_sessions": "int",
    "business_mentoring_sessions": "int",
    "grant_report_submitted": "yesno",
    "business_operating": "yesno",
    "problems_observed": "multiple",
    "follow_up_agreed": "multiple",
}
OPTIONAL = frozenset({"business_operating", "bsimu_planned", "problems_observed", "follow_up_agreed"})
ALONE = "none"  # the choice of a select_multiple that stands alone ("no problem", "no follow-up needed")
SUBMISSION_IDS = ("_uuid", "meta-instanceid", "instanceid", "key")
DONT_KNOW = -98  # the visit form's "no bank book and the family does not remember" (bsimu_disbursed)
_YES = {"1": 1, "yes": 1, "ya": 1, "true": 1, "0": 0, "no": 0, "tidak": 0, "false": 0}


@dataclass(frozen=True)
class RoundFile:
    """One parsed export: its rows (canonical fields, raw values), file rows and the column each field came from."""

    shown: str
    frame: pd.DataFrame
    rows: list[int]
    columns: dict[str, str]


def round_files(folder: Path) -> list[Path]:
    """The round exports of a folder: ``monitoring*`` CSV, XLSX or zip files, in name order.

    Parameters
    ----------
    folder : pathlib.Path
        The ``rounds/`` folder.

    Returns
    -------
    list of pathlib.Path
        The files (empty when the folder does not exist).
    """
    if not folder.is_dir():
        return []
    return [
        p
        for p in sorted(folder.iterdir())
        if p.is_file() and p.suffix.lower() in EXTENSIONS and p.name.lower().startswith("monitoring")
    ]


def _find_column(header: list[str], name: str) -> str | None:
    for h in header:
        low = str(h).strip().lower()
        if low == name or low.endswith(("/" + name, "-" + name, ":" + name)):
            return h
    return None


def _error(shown: str, row: int | None, column: str | None, message: str, rule: str, fix: str) -> UserError:
    return UserError(message, file=shown, row=row, column=column, rule=rule, fix=fix)


def _cell(value: object, kind: str, shown: str, row: int, column: str) -> object:
    """Parse one cell; blank is None. Raises UserError for a value the rule does not accept."""
    blank = isinstance(value, str) and not value.strip()
    if value is None or (isinstance(value, float) and np.isnan(value)) or blank:
        return None
    if kind == "code":
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip()
        return text
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()[:10]
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            fix = "write the date as YYYY-MM-DD (the form's export format) or as a date cell"
            raise _error(shown, row, column, f"'{str(value)[:20]}' is not a date", "date_format", fix) from None
    if kind == "yesno":
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value).strip().lower()
        if text not in _YES:
            raise _error(shown, row, column, f"'{str(value)[:20]}' is not yes (1) or no (0)", "yes_no",
                         "write 1 for yes and 0 for no, as the form exports it")  # fmt: skip
        return _YES[text]
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not np.isfinite(number) or not float(number).is_integer() or (number < 0 and number != DONT_KNOW):
        raise _error(shown, row, column, f"'{text[:20]}' is not a whole number of zero or more", "whole_number",
                     "write digits only (no thousands separators, no text), as the form exports it")  # fmt: skip
    return int(number)


def _choice_lists() -> dict[str, tuple[str, ...]]:
    """The codes of each select_multiple field's choice list, in the list's order (the visit form's questions)."""
    bank = load_questions()
    out = {}
    for name, kind in FIELDS.items():
        if kind == "multiple":
            q = bank.question(name, "visit")
            out[name] = tuple(c.name for c in bank.choices.get(q.list or q.name, ()))
    return out


def _multiple(values: dict, name: str, col: str, per_choice: dict[str, str] | None, codes: tuple[str, ...],
              shown: str, row: int) -> str | None:  # fmt: skip
    """One select_multiple answer as codes separated by spaces (list order); None when blank."""
    if per_choice is not None:
        chosen = set()
        for code, c in per_choice.items():
            cell = _cell(values[c], "yesno", shown, row, c)
            if cell == 1:
                chosen.add(code)
        if all(_cell(values[c], "yesno", shown, row, c) is None for c in per_choice.values()):
            return None
    else:
        cell = values[col]
        if cell is None or (isinstance(cell, float) and np.isnan(cell)) or not str(cell).strip():
            return None
        chosen = set(str(cell).split())
        unknown = sorted(chosen - set(codes))
        if unknown:
            raise _error(shown, row, col, f"'{unknown[0][:20]}' is not an answer of the question {name}",
                         "choice_in_list", f"the answers are {', '.join(codes)} (data/question_choices.csv); "
                         "correct the answer on the server and export again")  # fmt: skip
    if ALONE in chosen and len(chosen) > 1:
        where = per_choice[ALONE] if per_choice is not None and ALONE in per_choice else col
        raise _error(shown, row, where, f"{name} holds '{ALONE}' together with other answers", "none_alone",
                     f"'{ALONE}' stands alone: check the visit card and keep either '{ALONE}' or the other answers, "
                     "on the server, then export again")  # fmt: skip
    return " ".join(c for c in codes if c in chosen)


def _read_file(path: Path) -> RoundFile:
    report = Report()
    raw = read_export(path, report)
    shown = shown_path(path)
    if raw is None or report.errors:
        first = report.errors[0] if report.errors else None
        raise UserError(
            first.message if first else "the round export cannot be read",
            file=shown,
            row=first.row if first else None,
            column=(first.column or None) if first else None,
            rule=first.rule if first else "readable_export",
            fix=first.fix if first else "export the round again from the server (CSV or XLSX)",
        )
    header = [str(c) for c in raw.frame.columns]
    columns: dict[str, str] = {}
    per_choice: dict[str, dict[str, str]] = {}  # select_multiple exported one 0/1 column per choice: code -> column
    for name in FIELDS:
        col = _find_column(header, name)
        if col is None and FIELDS[name] == "multiple":
            split = {h: [t for t in re.split(r"[/\-:]", h) if t] for h in header}
            found = {t[-1]: h for h, t in split.items() if len(t) >= 2 and t[-2].lower() == name}
            if found:
                per_choice[name] = found
                col = next(iter(found.values())).rsplit(next(iter(found)), 1)[0].rstrip("/-:")
        if col is None and name not in OPTIONAL:
            raise _error(shown, 1, name, f"the round export has no column for the question {name}",
                         "round_columns", "export the monitoring visit form with every question (the group "
                         "prefix may stay); do not remove columns from the export")  # fmt: skip
        if col is not None:
            columns[name] = col
    sub = next((c for c in (_find_column(header, s) for s in SUBMISSION_IDS) if c is not None), None)
    data: dict[str, list] = {name: [] for name in columns}
    data["_submission"] = []
    lists = _choice_lists()
    for name, found in per_choice.items():
        unknown = [code for code in found if code not in lists[name]]
        if unknown:
            raise _error(shown, 1, found[unknown[0]], f"'{unknown[0]}' is not an answer of the question {name}",
                         "choice_in_list", f"the answers are {', '.join(lists[name])} (data/question_choices.csv); "
                         "export the current version of the monitoring visit form")  # fmt: skip
    for i, rec in enumerate(raw.frame.itertuples(index=False)):
        values = dict(zip(header, rec, strict=True))
        row = raw.rows[i]
        for name, col in columns.items():
            if FIELDS[name] == "multiple":
                data[name].append(_multiple(values, name, col, per_choice.get(name), lists[name], shown, row))
                continue
            data[name].append(_cell(values[col], FIELDS[name], shown, row, col))
        data["_submission"].append(str(values[sub]).strip().removeprefix("uuid:") if sub else "")
    return RoundFile(shown, pd.DataFrame(data), list(raw.rows), columns)


def stack_rounds(files: list[RoundFile], plan: MonitoringPlan) -> pd.DataFrame:
    """Stack parsed round exports and check them across rounds (see the module docstring).

    Parameters
    ----------
    files : list of RoundFile
        The parsed exports.
    plan : MonitoringPlan
        The periods (round ``k`` is the ``k``-th).

    Returns
    -------
    pandas.DataFrame
        One row per visit with raw ids: the fields, ``period``, ``_file`` and ``_row`` (where it came from),
        sorted by family and period.

    Raises
    ------
    UserError
        For the first row that breaks a rule, naming file, row, column, rule and what to do.
    """
    frames = []
    for f in files:
        df = f.frame.copy()
        df["_file"] = f.shown
        df["_row"] = f.rows
        df["_rcol"] = f.columns["visit_round"]
        df["_cols"] = [f.columns] * len(df)
        for name in ("officer_code", "family_id", "visit_round", "visit_date"):
            missing = df[name].isna().to_numpy()
            if missing.any():
                j = int(np.flatnonzero(missing)[0])
                raise _error(f.shown, f.rows[j], f.columns[name], f"{name} is empty", "required",
                             "fill it in from the visit card (every visit names its officer, family, round and "
                             "date)")  # fmt: skip
        periods = []
        for j, rnd in enumerate(df["visit_round"]):
            period = plan.period_of_round(int(rnd))
            if period is None:
                raise _error(f.shown, f.rows[j], f.columns["visit_round"], f"round {rnd} is not in the plan",
                             "round_in_plan", f"the plan has rounds 1-{len(plan.periods)} ({plan.periods[0]} to "
                             f"{plan.periods[-1]}, [monitoring] periods of {plan.path}); correct the round, or add "
                             "its month to the plan")  # fmt: skip
            periods.append(period)
        df["period"] = periods
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=[*FIELDS, "period", "_file", "_row"])
    visits = pd.concat(frames, ignore_index=True)
    _check_twice(visits)
    visits = visits.sort_values(["family_id", "period"], kind="mergesort").reset_index(drop=True)
    _check_forward(visits)
    return visits.drop(columns=["_rcol", "_cols"])


def _where(visits: pd.DataFrame, i: int) -> str:
    return f"{visits.at[i, '_file']} row {visits.at[i, '_row']}"


def _check_twice(visits: pd.DataFrame) -> None:
    sub = visits["_submission"].astype(str)
    dup = sub.ne("") & sub.duplicated(keep="first")
    if dup.any():
        second = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((sub == sub.iloc[second]).to_numpy())[0])
        raise _error(visits.at[second, "_file"], int(visits.at[second, "_row"]), None,
                     f"this submission was already read from {_where(visits, first)} (same submission id)",
                     "round_submitted_twice", "keep each export once in the rounds folder: move the repeated file "
                     "out of the folder (keep a copy elsewhere), do not edit the rows")  # fmt: skip
    dup = visits.duplicated(["family_id", "period"], keep="first")
    if dup.any():
        second = int(np.flatnonzero(dup.to_numpy())[0])
        fam, period = visits.at[second, "family_id"], visits.at[second, "period"]
        same = (visits["family_id"] == fam) & (visits["period"] == period)
        first = int(np.flatnonzero(same.to_numpy())[0])
        same_file = visits.at[first, "_file"] == visits.at[second, "_file"]
        fix = (
            "if the two rows are the same visit entered twice, remove the later copy on the server and export "
            "again; if they are two visits, correct the round number of the one that belongs to another round"
            if same_file
            else "if the two files hold the same round, move one of them out of the rounds folder (keep a copy "
            "elsewhere); if not, correct the round number on the server and export again"
        )
        raise _error(visits.at[second, "_file"], int(visits.at[second, "_row"]), visits.at[second, "_rcol"],
                     f"round {visits.at[second, 'period']} of this family was already submitted "
                     f"({_where(visits, first)})", "round_submitted_twice", fix)  # fmt: skip


def _check_forward(visits: pd.DataFrame) -> None:
    fam = visits["family_id"].to_numpy()
    same = np.r_[False, fam[1:] == fam[:-1]]
    for i in np.flatnonzero(same):
        prev = i - 1
        cols = visits.at[i, "_cols"]
        if not visits.at[i, "visit_date"] > visits.at[prev, "visit_date"]:
            raise _error(visits.at[i, "_file"], int(visits.at[i, "_row"]), cols["visit_date"],
                         f"visit date {visits.at[i, 'visit_date']} of round {visits.at[i, 'period']} is not after "
                         f"the family's visit of round {visits.at[prev, 'period']} ({visits.at[prev, 'visit_date']}, "
                         f"{_where(visits, prev)})", "dates_move_forward",
                         "check both visit cards and correct the wrong date or round on the server, then export "
                         "again")  # fmt: skip
        for name, what in (
            ("grant_received", "grant received"),
            ("bsimu_disbursed", "cumulative BSIMU disbursed"),
            ("tksk_sessions", "TKSK sessions attended to date"),
            ("business_mentoring_sessions", "business mentoring sessions attended to date"),
        ):
            now, before = _cumulative(visits, i, name), _cumulative(visits, prev, name)
            if now is not None and before is not None and now < before:
                raise _error(visits.at[i, "_file"], int(visits.at[i, "_row"]), cols.get(name, name),
                             f"{what} falls from {before} (round {visits.at[prev, 'period']}, "
                             f"{_where(visits, prev)}) to {now} (round {visits.at[i, 'period']})",
                             "cumulative_never_falls", "check the bank book or attendance list and correct the "
                             "wrong round's value on the server, then export again (a cumulative count never "
                             "falls; do not delete either visit)")  # fmt: skip


def _cumulative(visits: pd.DataFrame, i: int, name: str) -> int | None:
    value = visits.at[i, name] if name in visits else None
    if name == "bsimu_disbursed" and (value is None or pd.isna(value)) and visits.at[i, "grant_received"] == 0:
        return 0  # not relevant: no grant yet
    if value is None or pd.isna(value) or value == DONT_KNOW:
        return None
    return int(value)


def read_rounds(folder: str | Path, plan: MonitoringPlan, key: Key, roster: pd.DataFrame | None = None,
                region: str = "region_code") -> pd.DataFrame:  # fmt: skip
    """Read, check, stack and pseudonymise every round export of ``folder``.

    Parameters
    ----------
    folder : str or pathlib.Path
        The ``rounds/`` folder of a data directory.
    plan : MonitoringPlan
        The periods of the rounds.
    key : Key
        The pseudonymisation key (the same as for the evaluation's tables).
    roster : pandas.DataFrame, optional
        The roster with raw ``family_id`` and ``region``: every family of the rounds must be in it; its region is
        added.
    region : str, default "region_code"
        The roster's region column.

    Returns
    -------
    pandas.DataFrame
        One row per visit, sorted by period and family: ``period``, ``visit_round``, ``family_id`` and ``officer``
        (pseudonyms), ``region_code`` (when a roster is given), ``visit_date`` (ISO text) and the other fields
        (``bsimu_disbursed`` -98 and blanks as missing). Empty when the folder holds no export.

    Raises
    ------
    UserError
        When a file cannot be read or a rule is broken (see the module docstring).
    """
    files = [_read_file(p) for p in round_files(Path(folder))]
    visits = stack_rounds(files, plan)
    if visits.empty:
        return visits
    if roster is not None:
        regions = dict(zip(roster["family_id"].astype(str), roster[region].astype(str), strict=True))
        unknown = ~visits["family_id"].isin(list(regions))
        if unknown.any():
            j = int(np.flatnonzero(unknown.to_numpy())[0])
            raise _error(visits.at[j, "_file"], int(visits.at[j, "_row"]), "family_id",
                         "this family is not in the roster", "family_in_roster",
                         "pick the family from the form's family list (its ID must be the roster's); correct it on "
                         "the server and export again")  # fmt: skip
        visits[region] = visits["family_id"].map(regions)
    out = visits.drop(columns=["_file", "_row", "_submission"])
    out["family_id"] = [pseudonym(f, key, "family") for f in out["family_id"]]
    out["officer"] = [pseudonym(o, key, "officer") for o in out.pop("officer_code")]
    out["visit_date"] = [d.isoformat() for d in out["visit_date"]]
    out["disbursement_date"] = [d.isoformat() if isinstance(d, dt.date) else "" for d in out["disbursement_date"]]
    out["bsimu_disbursed"] = out["bsimu_disbursed"].where(out["bsimu_disbursed"] != DONT_KNOW)
    first = ["period", "visit_round", "family_id", "officer", *([region] if roster is not None else [])]
    out = out[first + [c for c in out.columns if c not in first]]
    return out.sort_values(["period", "family_id"], kind="mergesort").reset_index(drop=True)


def processed_rounds(data_dir: str | Path, roster: pd.DataFrame, key: Key,
                     plan: MonitoringPlan | None = None) -> pd.DataFrame | None:  # fmt: skip
    """The processed rounds table of a raw data directory, or None when it has no ``rounds/`` exports.

    Parameters
    ----------
    data_dir : str or pathlib.Path
        The raw data directory (its ``rounds/`` folder is read).
    roster : pandas.DataFrame
        The validated roster with raw family ids (``Intake.tables["roster"]``).
    key : Key
        The pseudonymisation key of the intake.
    plan : MonitoringPlan, optional
        The periods; the project's targets file when None.

    Returns
    -------
    pandas.DataFrame or None
        :func:`read_rounds` of the folder.

    Raises
    ------
    UserError
        When a round export breaks a rule (see the module docstring).
    """
    from evaluation.core.monitoring_plan import load_monitoring_plan

    folder = Path(data_dir) / ROUNDS_DIR
    if not round_files(folder):
        return None
    return read_rounds(folder, plan or load_monitoring_plan(), key, roster=roster)
