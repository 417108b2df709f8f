"""No traceback, whatever the file (issue 13, kind 4): property-based tests of the whole intake.

Hypothesis builds damaged copies of a small data set written from the codebook (the synthetic demo, as canonical
CSV and as XLSX): random cells, headers, encodings, delimiters, extra and missing rows and columns, truncated
files. ``prokus-eval validate`` must then either succeed (exit 0) or refuse with exit code 2 and a problem list
whose every error names its file, and its row or column; any other exception fails the test. The examples are
seeded and bounded (``derandomize=True``), so ``make test`` runs the same cases every time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from evaluation.cli import main
from evaluation.intake.exports import PROBLEMS_FILE
from evaluation.synthetic.demo import generate
from evaluation.synthetic.kobo import write_kobo_demo

TABLES = ("roster", "programme", "survey")
NASTY = [
    "", " ", "n/a", "NA", "#N/A", "-", ".", "NaN", "inf", "-inf", "1e400", "1e-400", "3.17101E+15", "=SUM(A1:A3)",
    "\x00", "\u200b", "x" * 5000, "31/02/2020", "02/31/2020", "2020-13-01", "0000-00-00", "Rp 1.250.000,-", "1,5 jt",
    "75,000", "1.250", "ya", "Tidak", "TRUE", "0x10", "١٢٣", "½", "−5", "--7", "1..2", "3402.0", "99", "-99",
    "999999", "\"quoted\"", "a;b", "a,b", "line\nbreak", "F9999-0001", "baseline", "ENDLINE", "2020-02-03T25:61:00",
    "43831", "-1", "1e15", "9" * 40,
]  # fmt: skip
FILE_LEVEL = {"missing_table", "encoding", "header", "empty", "xlsx", "archive", "delimiter"}


@pytest.fixture(scope="module")
def bases() -> dict[str, Path]:
    """The same small draw as canonical CSV files and in KoboToolbox/ODK export shape (``;`` CSV, XLSX)."""
    root = Path(tempfile.mkdtemp(prefix="prokus_fuzz_"))
    data = generate(families_per_region=4, comparison_per_region=4, seed=11)
    out = {"canonical": data.write(root / "canonical"), "kobo": write_kobo_demo(data, root / "kobo")}
    yield out
    shutil.rmtree(root, ignore_errors=True)


def _read(path: Path) -> list[list]:
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        rows = [["" if v is None else v for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
        return [[str(v) for v in rows[0]], *rows[1:]]
    text = path.read_bytes().decode("utf-8-sig")
    delim = max((",", ";"), key=text.split("\n", 1)[0].count)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))


def _write_csv(path: Path, rows: list[list[str]], delimiter: str, encoding: str) -> None:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding, errors="replace"))


def _write_xlsx(path: Path, rows: list[list], epoch_1904: bool) -> None:
    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    for r in rows:
        cells = []
        for v in r:
            if isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v.strip()):
                v = float(v)  # numbers as number cells, as Excel stores them
            cells.append(ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v)
        ws.append(cells)
    wb.save(path)


cell_value = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=12),
    st.sampled_from([1e16, 3171010101010101.0, -1.5, 2**63, True, dt.datetime(1899, 12, 31), dt.date(2020, 2, 29),
                     dt.datetime(2020, 2, 3, 23, 59), dt.time(9, 30), 0.1]),  # typed cells (written as text in a CSV)
)  # fmt: skip
damage = st.one_of(
    st.tuples(st.just("cell"), st.integers(0, 10_000), st.integers(0, 100), cell_value),
    st.tuples(st.just("header"), st.integers(0, 100), st.one_of(st.sampled_from(["", "family_id", "wave", "x/y/"]),
                                                               st.text(max_size=10))),
    st.tuples(st.just("drop_column"), st.integers(0, 100)),
    st.tuples(st.just("extra_column"), st.sampled_from(["", "remark", "rumah_tangga/savings"]), cell_value),
    st.tuples(st.just("extra_row"), st.integers(0, 10_000), st.lists(cell_value, max_size=25)),
    st.tuples(st.just("drop_row"), st.integers(0, 10_000)),
    st.tuples(st.just("truncate"), st.integers(1, 100)),
)  # fmt: skip


def _apply(rows: list[list[str]], dmg: tuple) -> list[list[str]]:
    kind = dmg[0]
    width = max(len(rows[0]), 1)
    if kind == "cell" and len(rows) > 1:
        row, j = rows[1 + dmg[1] % (len(rows) - 1)], dmg[2] % width
        row.extend([""] * (j + 1 - len(row)))  # a short (damaged) row is padded first
        row[j] = dmg[3]
    elif kind == "header":
        rows[0][dmg[1] % width] = dmg[2]
    elif kind == "drop_column" and width > 1:
        j = dmg[1] % width
        rows = [r[:j] + r[j + 1 :] for r in rows]
    elif kind == "extra_column":
        rows = [[*rows[0], dmg[1]]] + [[*r, dmg[2]] for r in rows[1:]]
    elif kind == "extra_row":
        rows.insert(1 + dmg[1] % len(rows), dmg[2])
    elif kind == "drop_row" and len(rows) > 2:
        del rows[1 + dmg[1] % (len(rows) - 1)]
    elif kind == "truncate":
        rows = rows[: max(1, len(rows) * dmg[1] // 100)]
    return rows


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    shape=st.sampled_from(["canonical", "kobo"]),
    table=st.sampled_from(TABLES),
    fmt=st.sampled_from(["csv", "xlsx"]),
    epoch_1904=st.booleans(),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    damages=st.lists(damage, min_size=1, max_size=3),
)
def test_validate_never_raises_anything_but_a_clear_refusal(
    bases, shape, table, fmt, epoch_1904, delimiter, encoding, damages
):
    with tempfile.TemporaryDirectory(prefix="prokus_fuzz_case_") as tmp:
        d = Path(tmp) / "raw"
        shutil.copytree(bases[shape], d)
        prefix = {"roster": "roster", "programme": "monitoring" if shape == "kobo" else "programme",
                  "survey": "survey"}[table]  # fmt: skip
        source = sorted(p for p in d.iterdir() if p.name.startswith(prefix))[-1]
        rows = _read(source)
        for dmg in damages:
            rows = _apply(rows, dmg)
        source.unlink()
        if fmt == "xlsx":
            _write_xlsx(source.with_suffix(".xlsx"), rows, epoch_1904)
        else:
            text_rows = [["" if v is None else str(v) for v in r] for r in rows]
            _write_csv(source.with_suffix(".csv"), text_rows, delimiter, encoding)
        with pytest.MonkeyPatch.context() as mp:
            out, err = io.StringIO(), io.StringIO()
            mp.setattr("sys.stdout", out)
            mp.setattr("sys.stderr", err)
            code = main(["validate", str(d)])  # any exception but a user error fails the test
        event(f"exit code {code}")
        assert code in (0, 2), code
        assert "Traceback" not in out.getvalue() + err.getvalue()
        if code == 2:
            text = err.getvalue()
            assert text.startswith("prokus-eval validate: "), text
            assert ("problem / what to do" in text) or ("What to do" in text), text
            problems = list(csv.DictReader((d / PROBLEMS_FILE).open(encoding="utf-8-sig")))
            errors = [p for p in problems if p["severity"] == "error"]
            assert errors, text
            for p in errors:
                assert p["file"], p
                assert p["row"] or p["column"] or p["rule"] in FILE_LEVEL, p
