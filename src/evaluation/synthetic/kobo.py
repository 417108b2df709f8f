"""The synthetic demo data written the way KoboToolbox and ODK Central export it (``demo-data --format kobo``).

The files are what an evaluator brings back from the field after collecting with the instrument of
:mod:`evaluation.intake.instrument`, so that the intake path (:mod:`evaluation.intake.pipeline`) is exercised end to
end:

* ``roster.csv``: the programme's family list (administrative, canonical columns);
* ``monitoring.csv``: the monitoring checklist as KoboToolbox exports CSV: group prefixes ``bantuan/...``,
  ``_uuid``, ``_submission_time``, ``_index``, ``start``/``end``, the select_multiple *grant use* as one 0/1
  column per choice, and questions that were not relevant (no grant received) left empty;
* the survey files hold the answers to every question of the form (``fies/fies_1``, ``konsumsi/food_cereals``,
  ..., don't-know / refused codes where the generator left an answer missing) and the indicators the form
  calculates from them (``fies/fies_score``, ...); the monitoring file has the visit form's officer, round and
  date;
* ``survey_baseline.csv``: the baseline household survey exported by KoboToolbox and re-saved by Excel with an
  Indonesian locale: ``;`` delimiter, UTF-8 byte-order mark, decimal commas and day-first dates; revenue and profit
  empty where no business operates (relevance);
* ``survey_endline.xlsx``: the endline as ODK Central exports XLSX: ``-`` group separators, ``SubmissionDate``,
  ``meta-instanceID`` and ``KEY``, no wave column (the wave comes from the file name), dates as date cells;
* ``dataset.json`` and ``truth.json`` as for the canonical demo.

Importing these files gives exactly the analysis-ready tables of the canonical demo (tested).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation.core.atomic import replacing_dir
from evaluation.intake.codebook import Codebook, load_codebook
from evaluation.intake.derive import bank_for
from evaluation.intake.generated import record_generated
from evaluation.intake.validation import not_relevant_mask
from evaluation.synthetic.demo import SyntheticData

NAMESPACE = uuid.UUID("6f1c0a52-8f0e-4d3c-9a57-3c2f0e8b7d11")


def _column(codebook: Codebook, name: str, sep: str) -> str:
    """Name the export column of a question or indicator: its form group, then its name.

    The group is the question's or indicator's module in the questions layer, else the codebook group.
    """
    modules = _modules(codebook)
    group = modules.get(name) or (codebook[name].group if name in codebook and name != "family_id" else "identitas")
    return f"{group}{sep}{name}" if group else name


def _modules(codebook: Codebook) -> dict[str, str]:
    bank = bank_for(codebook)
    if bank is None:
        return {}
    out = {q.name: q.module for q in bank.questions}
    out.update({i.name: i.module for i in bank.indicators})
    return out


def _blank_not_relevant(df: pd.DataFrame, codebook: Codebook, table: str) -> pd.DataFrame:
    out = df.copy()
    for var in codebook.table(table):
        if var.relevant and var.name in out:
            mask = not_relevant_mask(out.astype({c: "object" for c in out.columns}), var)
            out[var.name] = out[var.name].astype("object").where(~mask, None)
    return out


# The final monitoring visit (round 6, January 2021), after the last disbursement of the demo (December 2020): the
# visit form records a grant received only once it was paid.
FINAL_VISIT = "2021-01-15"
FINAL_ROUND = "6"
# Problems the final visit finds in the programme table's status, and the follow-up agreed for each (choice lists
# masalah and tindak_lanjut of data/question_choices.csv).
PROBLEMS = ("none", "grant_not_received", "lpj_not_made", "business_closed", "sessions_missed", "business_loss",
            "health_family", "other")  # fmt: skip
FOLLOW_UPS = ("none", "remind_lpj", "contact_bank", "business_mentoring", "refer_social", "repeat_visit", "other")


def _found(prog: pd.DataFrame, operating: dict[str, int]) -> tuple[list[set[str]], list[set[str]]]:
    """The problems and follow-up of each family's final visit: grant not received, LPJ not made, business closed."""
    problems: list[set[str]] = []
    follow: list[set[str]] = []
    for fid, got, lpj in zip(prog["family_id"], prog["grant_received"], prog["grant_report_submitted"], strict=True):
        p: set[str] = set()
        f: set[str] = set()
        if str(got) in ("0", "0.0"):
            p.add("grant_not_received")
            f.add("contact_bank")
        elif str(lpj) in ("0", "0.0"):
            p.add("lpj_not_made")
            f.add("remind_lpj")
        if operating.get(fid) == 0:
            p.add("business_closed")
            f.add("business_mentoring")
        problems.append(p or {"none"})
        follow.append(f or {"none"})
    return problems, follow


def _meta(ids: pd.Series, wave: str, dates: pd.Series | None) -> dict[str, list]:
    uuids = [str(uuid.uuid5(NAMESPACE, f"{fid}/{wave}")) for fid in ids]
    when = (
        [f"{d}T09:30:00.000+07:00" for d in dates]
        if dates is not None
        else [f"{FINAL_VISIT}T09:30:00.000+07:00"] * len(ids)
    )
    return {"uuid": uuids, "submission": [w.replace("T09:30", "T17:05") for w in when], "start": when}


def _fmt_decimal_comma(x: object) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return ""
    v = float(x)  # type: ignore[arg-type]
    return str(int(v)) if v.is_integer() else repr(v).replace(".", ",")


def _monitoring(data: SyntheticData, cb: Codebook) -> pd.DataFrame:
    prog = _blank_not_relevant(data.programme, cb, "programme")
    meta = _meta(prog["family_id"], "monitoring", None)
    out: dict[str, list] = {"start": meta["start"], "end": meta["submission"], "today": [FINAL_VISIT] * len(prog)}
    if _modules(cb):  # the monitoring visit form (issue 12): officer, round and date of the final visit
        officer = [f"P{str(f)[1:].split('-')[0][-2:]}{int(str(f)[-4:]) % 7 + 1}" for f in prog["family_id"]]
        out["identitas/officer_code"] = officer
        out["identitas/visit_round"] = [FINAL_ROUND] * len(prog)
        out["identitas/visit_date"] = [FINAL_VISIT] * len(prog)
        # business operating: as the family's endline interview found it (blank when not interviewed)
        end = data.survey[data.survey["wave"] == "endline"].set_index("family_id")["business_operating"]
        operating = {f: int(v) for f, v in end.items() if not pd.isna(v)}
        out["usaha/business_operating"] = [operating.get(f, "") for f in prog["family_id"]]
        problems, follow = _found(prog, operating)
        answers = (("problems_observed", PROBLEMS, problems), ("follow_up_agreed", FOLLOW_UPS, follow))
        for name, codes, chosen in answers:
            for code in codes:  # one 0/1 column per choice, as KoboToolbox exports a select_multiple
                out[f"tindak_lanjut/{name}/{code}"] = [int(code in c) for c in chosen]
    for name in prog.columns:
        if name == "grant_use":
            codes = [c.code for c in cb[name].categories]
            for code in codes:
                out[f"bantuan/grant_use/{code}"] = [
                    "" if v is None or pd.isna(v) or v == "" else int(code in str(v).split()) for v in prog[name]
                ]
            continue
        col = prog[name]
        out[_column(cb, name, "/")] = ["" if v is None or pd.isna(v) else v for v in col]
    out["__version__"] = ["vDemo"] * len(prog)
    out["_id"] = list(range(1, len(prog) + 1))
    out["_uuid"] = meta["uuid"]
    out["_submission_time"] = [s[:19] for s in meta["submission"]]
    out["_index"] = list(range(1, len(prog) + 1))
    return pd.DataFrame(out)


def _survey_wave(data: SyntheticData, cb: Codebook, wave: str) -> pd.DataFrame:
    full = data.survey_export()
    s = full[full["wave"] == wave]
    return _blank_not_relevant(s.reset_index(drop=True), cb, "survey")


def _is_number(cb: Codebook, name: str, col: pd.Series) -> bool:
    if name in cb:
        return cb[name].type in ("number", "integer", "binary")
    return pd.api.types.is_float_dtype(col)


def write_kobo_demo(data: SyntheticData, out_dir: str | Path, codebook: Codebook | None = None) -> Path:
    """Write ``data`` in KoboToolbox/ODK Central export shape into ``out_dir`` (replaced whole)."""
    from openpyxl import Workbook

    cb = codebook or load_codebook()
    out = Path(out_dir)
    with replacing_dir(out, writer="demo-data") as tmp:
        data.roster.to_csv(tmp / "roster.csv", index=False, lineterminator="\n")
        _monitoring(data, cb).to_csv(tmp / "monitoring.csv", index=False, lineterminator="\n")

        base = _survey_wave(data, cb, "baseline")
        meta = _meta(base["family_id"], "baseline", base["interview_date"])
        cols: dict[str, list] = {"start": meta["start"], "end": meta["submission"]}
        for name in base.columns:
            col = base[name]
            if name == "interview_date":
                values = [dt.date.fromisoformat(d).strftime("%d/%m/%Y") for d in col]
            elif _is_number(cb, name, col):
                values = [_fmt_decimal_comma(v) for v in col]
            else:
                values = list(col)
            cols[_column(cb, name, "/")] = values
        cols["_uuid"] = meta["uuid"]
        cols["_submission_time"] = [s[:19] for s in meta["submission"]]
        text = pd.DataFrame(cols).to_csv(index=False, sep=";", lineterminator="\r\n")
        (tmp / "survey_baseline.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

        end = _survey_wave(data, cb, "endline")
        meta = _meta(end["family_id"], "endline", end["interview_date"])
        wb = Workbook()
        ws = wb.active
        ws.title = "prokus_household_survey"
        names = [n for n in end.columns if n != "wave"]
        ws.append(["SubmissionDate", "start", "end", *(_column(cb, n, "-") for n in names), "meta-instanceID", "KEY"])
        for i, rec in enumerate(end[names].itertuples(index=False)):
            row: list[object] = [meta["submission"][i][:19].replace("T", " "), meta["start"][i], meta["submission"][i]]
            for n, v in zip(names, rec, strict=True):
                if v is None or (not isinstance(v, str) and pd.isna(v)):
                    row.append(None)
                elif n == "interview_date":
                    row.append(dt.date.fromisoformat(v))
                elif isinstance(v, (int, float, np.integer, np.floating)):
                    row.append(float(v) if not float(v).is_integer() else int(v))
                else:
                    row.append(v)
            row += [f"uuid:{meta['uuid'][i]}", f"uuid:{meta['uuid'][i]}"]
            ws.append(row)
        wb.save(tmp / "survey_endline.xlsx")

        meta_json = {**data.metadata, "format": "kobo"}
        (tmp / "dataset.json").write_text(json.dumps(meta_json, sort_keys=True, indent=1) + "\n", encoding="utf-8")
        (tmp / "truth.json").write_text(
            json.dumps(data.truth, sort_keys=True, indent=1, allow_nan=False) + "\n", encoding="utf-8"
        )
        record_generated(tmp, cb)  # last: proves the data synthetic by their identifiers and files
    return out
