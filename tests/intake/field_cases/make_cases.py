# Copied from ../shared/field_cases/make_cases.py (the field-export cases of issue 13, session of 2026-11-30),
# unchanged below this header, so that CI on a clean clone (where ../shared does not exist) can build the cases.
# tests/intake/test_field_cases.py runs it; the cases README is summarised in that test's docstring.
"""Build field-export cases: copies of a KoboToolbox-shaped demo directory, each with one real-world quirk.

Usage: python make_cases.py DEMO_DIR OUT_DIR

DEMO_DIR is written by `prokus-eval demo-data --format kobo --families 100 --out DEMO_DIR` (any size works; small
is fast). Each case OUT_DIR/<case>/ is a full copy of DEMO_DIR with one quirk applied, as survey exports and
spreadsheets really arrive, plus EXPECTED.md: the situation in plain words and the acceptable outcomes.
OUT_DIR/cases.tsv lists case, mode, the changed file(s) and the column names a clear error would mention.
Standard library and openpyxl only. All data are synthetic (the demo's own families).
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------- shared helpers
# (kept in this file so that the script stands alone)
import csv
import datetime as dt
import io
import re
import shutil
import sys
from pathlib import Path

import openpyxl

SEP = re.compile(r"[/\-]")
OUTCOMES = ("household_income", "business_revenue", "business_profit", "consumption_per_capita", "savings",
            "asset_index", "business_operating", "hours_worked", "fies_score", "wellbeing_score",
            "receives_social_assistance")  # fmt: skip
# Indonesian question labels of the survey (as the instrument shows them to enumerators) and group labels.
LABELS_ID = {
    "family_id": "ID keluarga (pseudonim)", "wave": "Gelombang survei", "interview_date": "Tanggal wawancara",
    "household_income": "Pendapatan rumah tangga per bulan", "business_revenue": "Omzet usaha per bulan",
    "business_profit": "Keuntungan usaha per bulan", "consumption_per_capita": "Pengeluaran per kapita per bulan",
    "savings": "Tabungan", "asset_index": "Indeks aset", "business_operating": "Usaha berjalan",
    "hours_worked": "Jam kerja per minggu", "fies_score": "Skor kerawanan pangan (FIES)",
    "wellbeing_score": "Skor kesejahteraan psikososial (WHO-5)",
    "receives_social_assistance": "Menerima bantuan sosial lagi",
}  # fmt: skip
GROUP_LABELS_ID = {"identitas": "Identitas", "rumah_tangga": "Rumah tangga", "usaha": "Usaha",
                   "kesejahteraan": "Kesejahteraan", "bantuan": "Bantuan"}  # fmt: skip
WAVE_LABELS_ID = {"baseline": "Awal (baseline)", "midline": "Tengah (midline)", "endline": "Akhir (endline)"}
BINARY = ("business_operating", "receives_social_assistance")


def bare(header: str) -> str:
    """The question name of an export header: the part after the last group separator ('/' or '-')."""
    parts = [p for p in SEP.split(str(header)) if p]
    return parts[-1] if parts else ""


def blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


class Table:
    """The first sheet of an XLSX or a whole CSV as a header and rows; ``save`` keeps the file's own format
    (CSV: byte-order mark, delimiter, line ends; XLSX: typed cells, date formats)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.xlsx = self.path.suffix.lower() == ".xlsx"
        if self.xlsx:
            self.wb = openpyxl.load_workbook(self.path)
            self.ws = self.wb.worksheets[0]
            rows = [list(r) for r in self.ws.iter_rows(values_only=True)]
            self.header = ["" if h is None else str(h) for h in rows[0]]
            self.rows = rows[1:]
        else:
            raw = self.path.read_bytes()
            self.bom = raw.startswith(b"\xef\xbb\xbf")
            text = raw.decode("utf-8-sig")
            first = text.split("\n", 1)[0]
            self.delim = max((",", ";", "\t"), key=first.count)
            self.crlf = "\r\n" in text[: len(first) + 2]
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.delim))
            self.header, self.rows = rows[0], rows[1:]

    def col(self, name: str) -> int:
        """Index of the column holding codebook variable ``name`` (exact header, or group prefix + name)."""
        for i, h in enumerate(self.header):
            if h == name or bare(h) == name:
                return i
        raise KeyError(f"{self.path.name}: no column for {name}")

    def has(self, name: str) -> bool:
        try:
            self.col(name)
            return True
        except KeyError:
            return False

    def column(self, name: str) -> list:
        j = self.col(name)
        return [r[j] if j < len(r) else None for r in self.rows]

    def set(self, i: int, name: str, value) -> None:
        self.rows[i][self.col(name)] = value

    def drop(self, name: str) -> None:
        j = self.col(name)
        del self.header[j]
        for r in self.rows:
            del r[j]

    def insert(self, at: int, header: str, values: list) -> None:
        self.header.insert(at, header)
        for r, v in zip(self.rows, values):
            r.insert(at, v)

    def empty_value(self):
        return None if self.xlsx else ""

    def save(self, path: Path | None = None, encoding: str = "utf-8") -> None:
        path = Path(path or self.path)
        if self.xlsx:
            ws = self.ws
            ws.delete_rows(1, ws.max_row + 1)
            for c, h in enumerate(self.header, 1):
                if h != "":
                    ws.cell(row=1, column=c, value=h)
            for i, r in enumerate(self.rows, 2):
                for c, v in enumerate(r, 1):
                    if v is None or v == "":
                        continue
                    cell = ws.cell(row=i, column=c, value=v)
                    if isinstance(v, dt.datetime):
                        cell.number_format = "yyyy-mm-dd" if v.time() == dt.time() else "yyyy-mm-dd hh:mm:ss"
                    elif isinstance(v, dt.date):
                        cell.number_format = "yyyy-mm-dd"
            self.wb.save(path)
        else:
            buf = io.StringIO()
            w = csv.writer(buf, delimiter=self.delim, lineterminator="\r\n" if self.crlf else "\n")
            w.writerow(self.header)
            w.writerows(self.rows)
            data = buf.getvalue().encode(encoding)
            if self.bom and encoding == "utf-8":
                data = b"\xef\xbb\xbf" + data
            path.write_bytes(data)


def files(d: Path) -> dict[str, Path]:
    """The demo's export files by role: roster, programme (monitoring), baseline and endline survey files."""
    out: dict[str, Path] = {}
    for p in sorted(d.iterdir()):
        if p.suffix.lower() not in (".csv", ".xlsx") or p.name == "validation_problems.csv":
            continue
        s = p.stem.lower()
        if s.startswith("roster"):
            out["roster"] = p
        elif s.startswith(("programme", "monitoring")):
            out["programme"] = p
        elif s.startswith("survey"):
            for wave in ("baseline", "midline", "endline"):
                if wave in s:
                    out[wave] = p
    missing = {"roster", "programme", "baseline", "endline"} - set(out)
    if missing:
        sys.exit(f"the demo directory {d} has no file for: {', '.join(sorted(missing))}")
    return out


def as_date(v) -> dt.date:
    """A date cell of the demo (XLSX date, ISO text, DD/MM/YYYY text, ISO date-time text) as a date."""
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    s = str(v).strip()
    m = re.match(r"^(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", s)
    if m:
        return dt.date(int(m[3]), int(m[2]), int(m[1]))
    raise ValueError(f"not a demo date: {v!r}")


def same_kind(t: Table, v):
    """A number for an XLSX cell, text for a CSV cell."""
    return v if t.xlsx else str(v)


def region_of(family_id) -> str:
    """Region code of a demo family id (F3402-0007 -> 3402, F31-0001 -> 31)."""
    m = re.match(r"^F(\d+)-", str(family_id))
    return m[1] if m else ""


REGISTRY: list[dict] = []


def case(cid: str, target: str, columns: str = "", mode: str = "same_or_refuse"):
    """Register a case builder. target: role(s) of the changed file(s) ('|'-separated); columns: names any
    one of which a clear error should mention ('|'-separated, empty when the column has no name); mode:
    same_or_refuse (accepted with the demo's values, or refused clearly), refuse (only a clear refusal is right),
    refuse_or_warn (refused, or accepted with a warning naming the column), run_completes (the full run)."""

    def deco(fn):
        REGISTRY.append(dict(id=cid, target=target, columns=columns, mode=mode, build=fn))
        return fn

    return deco


def main(doc: str) -> None:
    if len(sys.argv) != 3:
        sys.exit(doc.strip().splitlines()[0] + "\nusage: python make_cases.py DEMO_DIR OUT_DIR")
    demo, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    if not demo.is_dir():
        sys.exit(f"no such directory: {demo}")
    roles = files(demo)
    out.mkdir(parents=True, exist_ok=True)
    lines = ["case\tmode\tfiles\tcolumns"]
    for c in REGISTRY:
        d = out / c["id"]
        if d.exists():
            shutil.rmtree(d)
        shutil.copytree(demo, d, ignore=shutil.ignore_patterns("validation_problems.csv"))
        f = files(d)
        expected, touched = c["build"](d, f)
        (d / "EXPECTED.md").write_text(f"# {c['id']}\n\n{' '.join(expected.split())}\n", encoding="utf-8")
        names = touched or "|".join(f[r].name for r in c["target"].split("|"))
        lines.append(f"{c['id']}\t{c['mode']}\t{names}\t{c['columns']}")
    (out / "cases.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(REGISTRY)} cases from {demo.name} written to {out} (list: {out / 'cases.tsv'})")
    del roles


# ---------------------------------------------------------------------------------------------- the cases
SAME = ("accepted (exit code 0), and every value of the processed roster, programme and survey tables equals "
        "that of the unchanged demo")  # fmt: skip
NEVER = "Never accepted with values that differ from the demo's"


def refuse(file: str, what: str) -> str:
    return (f"rejected with exit code 2, with an error that names {file} and {what}, no Python traceback, and "
            "nothing written to the processed data or the reports")  # fmt: skip


@case("unchanged_demo_resaved", "baseline", "")
def unchanged_demo_resaved(d: Path, f: dict) -> tuple[str, str]:
    for role in ("roster", "programme", "baseline", "endline"):
        Table(f[role]).save()  # read and written back by this script's own reader/writer, nothing changed
    return ("Control case: the demo itself, every export file read and written back unchanged by this script "
            f"(the writer every other case uses). Acceptable: {SAME}. Anything else means the product or this "
            "script is broken, not that a quirk was found."), ""


@case("labels_export_after_rename", "baseline",
      "|".join(OUTCOMES) + "|" + "|".join(LABELS_ID[o] for o in OUTCOMES) + "|label")  # fmt: skip
def labels_export_after_rename(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["baseline"])
    words = {"1": "Ya", "0": "Tidak", 1: "Ya", 0: "Tidak"}
    for r in t.rows:
        if t.has("wave"):
            j = t.col("wave")
            r[j] = WAVE_LABELS_ID.get(r[j], r[j])
        for b in BINARY:
            if t.has(b):
                j = t.col(b)
                r[j] = words.get(r[j], r[j])
    t.header = ["family_id" if bare(h) == "family_id" else LABELS_ID.get(bare(h), h) for h in t.header]
    t.save()
    name = f["baseline"].name
    return (f"The baseline survey ({name}) comes as KoboToolbox's default 'Labels' export instead of 'XML values "
            "and headers': the Indonesian question labels are the column headers ('Pendapatan rumah tangga per "
            "bulan', 'Usaha berjalan'), answers are choice labels ('Ya'/'Tidak', 'Awal (baseline)'), and the user "
            "has already renamed the ID column to family_id, as the error for a plain labels export tells them to. "
            f"Acceptable: {SAME} (the labels read through the codebook's labels); or "
            f"{refuse(name, 'the columns it does not recognise')}, saying that the headers are question labels and "
            "that the export must use 'XML values and headers'. "
            f"{NEVER}; in particular never accepted with the baseline outcomes empty."), ""


@case("renamed_question_endline", "endline", "household_income|pendapatan_rt")
def renamed_question_endline(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["endline"])
    j = t.col("household_income")
    h = t.header[j]
    t.header[j] = h[: len(h) - len("household_income")] + "pendapatan_rt"
    t.save()
    name = f["endline"].name
    return (f"The endline ({name}) was collected with a second version of the form in which the question "
            "household_income was renamed pendapatan_rt (same question, new name), so the endline export has a "
            "column the codebook does not know and none for household income. Acceptable: "
            f"{refuse(name, 'household_income')} (the analysed outcome is absent from this wave; the column "
            f"pendapatan_rt is not in the codebook); or {SAME}, which is only possible if the codebook records "
            f"the question's other name. {NEVER}; never accepted with the endline household income empty, and "
            "never a run that then fails inside a notebook."), ""


@case("all_versions_moved_question", "baseline", "household_income")
def all_versions_moved_question(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["baseline"])
    j = t.col("household_income")
    sep = "-" if "-" in t.header[j] and "/" not in t.header[j] else "/"
    dates = [as_date(v) for v in t.column("interview_date")]
    cut = sorted(dates)[len(dates) // 2]
    v2 = [x >= cut for x in dates]  # the form changed in the middle of fieldwork
    moved = [r[j] if late else t.empty_value() for r, late in zip(t.rows, v2)]
    for r, late in zip(t.rows, v2):
        if late:
            r[j] = t.empty_value()
    t.insert(t.col("business_profit") + 1, f"usaha{sep}household_income", moved)
    at = next((i for i, h in enumerate(t.header) if h.startswith("_")), len(t.header))
    t.insert(at, "__version__", ["vR7bQx2LmT9w" if late else "vK3nP8dZs4Fh" for late in v2])
    t.save()
    name = f["baseline"].name
    return (f"KoboToolbox 'all versions' export of the baseline ({name}): half-way through fieldwork the form was "
            "changed and the question household_income moved from the group rumah_tangga to the group usaha, so "
            "the export has two columns for it (rumah_tangga/household_income for the interviews with the first "
            "version, usaha/household_income for the later ones); no row has both filled. Acceptable: "
            f"{SAME} (the two columns combined, as no row has both); or {refuse(name, 'household_income')}, "
            "whose advice does not lose half of the answers (not 'delete one of the two columns'). "
            f"{NEVER}."), ""


@case("month_first_dates_ambiguous", "programme", "disbursement_date")
def month_first_dates_ambiguous(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["programme"])
    ids, j = t.column("family_id"), t.col("disbursement_date")
    regions = ["3402"] + sorted({region_of(x) for x in ids} - {"3402"})
    n = 0
    for region in regions:  # Bantul first; another region only if Bantul has no such date
        for r, fid in zip(t.rows, ids):
            if region_of(fid) == region and not blank(r[j]):
                x = as_date(r[j])
                if x.day <= 12 and x.day != x.month:
                    r[j] = f"{x.month}/{x.day}/{x.year}"
                    n += 1
        if n:
            break
    if not n:
        sys.exit("month_first_dates_ambiguous: no disbursement date with a day of 12 or less in the demo")
    t.save()
    name = f["programme"].name
    return (f"The monitoring file ({name}) was put together from the regencies' sheets. The clerk of Kabupaten "
            "Bantul (3402) typed the grant disbursement dates in a spreadsheet set to a US locale, so they are "
            f"month-first, M/D/YYYY (9/7/2020 means 7 September 2020); {n} such dates, every one with a day of 12 "
            "or less, so no single cell shows the order; the rest of the column is YYYY-MM-DD. Acceptable: "
            f"{SAME} (the dates read month-first, only if the product can justify that order, e.g. from the "
            f"programme period); or {refuse(name, 'disbursement_date')}, saying that these slash dates could be "
            "day-first or month-first and asking for YYYY-MM-DD. "
            f"{NEVER}; never read day-first without a word (7 September becoming 9 July)."), ""


@case("interview_date_from_submission_time", "baseline", "interview_date|today|submission")
def interview_date_from_submission_time(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["baseline"])
    dates = [as_date(v) for v in t.column("interview_date")]
    t.drop("interview_date")
    if not t.has("start"):
        t.insert(0, "start", [f"{x.isoformat()}T09:30:00.000+07:00" for x in dates])
    at = t.col("end") + 1 if t.has("end") else t.col("start") + 1
    t.insert(at, "today", [x.isoformat() if not t.xlsx else dt.datetime.combine(x, dt.time()) for x in dates])
    uploads = [f"{(x + dt.timedelta(days=7)).isoformat()}T03:05:00" for x in dates]  # 10:05 WIB = 03:05 UTC
    sub = next((i for i, h in enumerate(t.header) if h.lower().lstrip("_") in ("submission_time", "submissiondate")),
               None)  # fmt: skip
    if sub is None:
        t.insert(len(t.header), "_submission_time", uploads)
    else:
        for r, u in zip(t.rows, uploads):
            r[sub] = u
    t.save()
    name = f["baseline"].name
    return (f"The baseline form ({name}) had no interview-date question. The day of each interview is in "
            "KoboToolbox's automatic fields 'today' and 'start' (the phone's date), while '_submission_time' is "
            "when the phone uploaded the form to the server, in UTC: here a week later, after fieldwork in "
            f"villages without signal. Acceptable: {SAME} (interview dates taken from today/start); or "
            f"{refuse(name, 'interview_date')}, saying which column to use. "
            f"{NEVER}; never the upload date used as the interview date."), ""


@case("trailing_empty_columns", "baseline", "")
def trailing_empty_columns(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["baseline"])
    for _ in range(3):
        t.insert(len(t.header), "", [t.empty_value()] * len(t.rows))
    t.save()
    name = f["baseline"].name
    return (f"The baseline file ({name}) was opened and saved again in Excel, which added three empty columns "
            "without a header at the right (every line ends in three extra delimiters). Acceptable: "
            f"{SAME} (empty header-less columns ignored); or {refuse(name, 'the empty columns')}. "
            f"{NEVER}; never a Python traceback."), ""


@case("split_select_multiple_na", "programme", "grant_use")
def split_select_multiple_na(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["programme"])
    split = [i for i, h in enumerate(t.header) if len(SEP.split(h)) >= 2 and SEP.split(h)[-2] == "grant_use"]
    n = 0
    for r in t.rows:
        if split and all(blank(r[i]) for i in split):
            for i in split:
                r[i] = "n/a"
            n += 1
    if not n:
        sys.exit("split_select_multiple_na: no family without the grant_use question in the demo")
    t.save()
    name = f["programme"].name
    return (f"The monitoring export ({name}) has the select_multiple question grant_use split into one column per "
            "choice (1/0), and the export tool wrote the literal 'n/a' in every choice column for the "
            f"{n} famil{'y that was' if n == 1 else 'ies that were'} not asked (grant not received). Acceptable: "
            f"{SAME} ('n/a' read as 'not asked'); or {refuse(name, 'the grant_use columns')}, saying that 'n/a' "
            f"marks a question not asked and what to do. {NEVER}."), ""


def _empty_cells(t: Table, name: str, need_operating: bool) -> list[int]:
    if not t.has(name):
        return []
    col = t.column(name)
    op = t.column("business_operating") if need_operating and t.has("business_operating") else None
    return [i for i, v in enumerate(col) if blank(v) and (op is None or str(op[i]).strip() in ("1", "1.0"))]


@case("sentinel_codes_in_range", "baseline", "business_profit|hours_worked|wellbeing_score|savings")
def sentinel_codes_in_range(d: Path, f: dict) -> tuple[str, str]:
    base, end = Table(f["baseline"]), Table(f["endline"])
    codes = [("business_profit", -99), ("business_profit", -98), ("hours_worked", 99), ("wellbeing_score", 99),
             ("savings", 999999)]  # fmt: skip
    used: dict[str, set] = {}
    done, touched = [], set()
    for name, code in codes:
        for t, role in ((base, "baseline"), (end, "endline")):
            taken = used.get(role + name, set())
            free = [i for i in _empty_cells(t, name, name == "business_profit") if i not in taken]
            if free:
                t.set(free[0], name, same_kind(t, code))
                used.setdefault(role + name, set()).add(free[0])
                done.append(f"{name} {code} ({role})")
                touched.add(role)
                break
    if not done:
        sys.exit("sentinel_codes_in_range: the demo has no empty answer to put a code in")
    names = [f[r].name for r in ("baseline", "endline") if r in touched]
    for t, role in ((base, "baseline"), (end, "endline")):
        if role in touched:
            t.save()
    return (f"The survey instrument codes 'don't know' and 'refused' as numbers, and the enumerators entered them "
            f"where the family gave no answer ({', '.join(names)}): {', '.join(done)}. Every code lies inside the "
            "variable's valid range (a loss of 99 rupiah, 99 hours a week, a WHO-5 score of 99, savings of "
            "999,999 rupiah are all possible). In the demo these answers are empty. Acceptable: "
            f"{SAME} (the codes read as missing answers); or {refuse(' / '.join(names), 'the column')}, saying "
            f"that the value looks like a don't-know/refused code. {NEVER}; never analysed as real amounts."), \
        "|".join(names)


@case("float_integers_in_roster", "roster", "region_code|household_size|head_age")
def float_integers_in_roster(d: Path, f: dict) -> tuple[str, str]:
    t = Table(f["roster"])
    for name in ("region_code", "household_size", "head_age"):
        j = t.col(name)
        for r in t.rows:
            if not blank(r[j]):
                r[j] = float(r[j]) if t.xlsx else f"{float(r[j]):.1f}"
    t.save()
    name = f["roster"].name
    return (f"The roster ({name}) was merged with another list in pandas and written back; pandas turned the "
            "whole-number columns into floats, so region_code is written 3402.0, household_size 4.0 and head_age "
            f"42.0. Acceptable: {SAME} (3402.0 read as 3402, as the same value in an XLSX cell is); or "
            f"{refuse(name, 'region_code')}. {NEVER}."), ""


@case("constant_outcome_in_one_region", "baseline|endline", "receives_social_assistance", "run_completes")
def constant_outcome_in_one_region(d: Path, f: dict) -> tuple[str, str]:
    n = 0
    for role in ("baseline", "endline"):
        t = Table(f[role])
        ids, j = t.column("family_id"), t.col("receives_social_assistance")
        for r, fid in zip(t.rows, ids):
            if region_of(fid) == "3402":
                r[j] = same_kind(t, 0)
                n += 1
        t.save()
    if not n:
        sys.exit("constant_outcome_in_one_region: the demo has no family in region 3402")
    return ("In Kabupaten Bantul (3402) no family, ProKUS or comparison, received social assistance again, "
            "neither at baseline nor at endline, so the 0/1 outcome receives_social_assistance is 0 for every "
            f"family of that region in both waves ({n} interviews), while it varies in the other regions. The data "
            "are valid. Acceptable: validation passes, and `prokus-eval run --data-dir <this case> --regions "
            "3402` completes with exit code 0 and a report that says the outcome did not vary in this region "
            "(no estimate, or a zero change with that reason). Never a crash (for example a division by zero in "
            "the wild cluster bootstrap or the Romano-Wolf step), never a p-value or interval made up from no "
            "variation, and the results of the other outcomes kept as they are when this one varies (their wild "
            "cluster bootstrap p-values, multiple-testing corrections, the summary indices without this outcome, "
            "the cost-benefit analysis)."), ""


if __name__ == "__main__":
    main(__doc__)
