"""Dates: one reading per column from evidence, local dates by region, and where an interview date comes from.

Issue 13, kind 2. The two field cases ``month_first_dates_ambiguous`` and ``interview_date_from_submission_time``
(``../shared/field_cases``) are rebuilt here from the KoboToolbox-shaped demo, the way ``make_cases.py`` builds
them, and run end to end through ``prokus-eval validate`` and :func:`evaluation.intake.pipeline.prepare`.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.intake.codebook import load_codebook
from evaluation.intake.dates import PROVINCE_UTC_OFFSET, date_order, interview_dates, localise_dates, utc_offset
from evaluation.intake.parsing import ParseError
from evaluation.intake.pipeline import ValidationFailed, prepare
from evaluation.intake.problems import Report
from evaluation.synthetic.demo import generate
from evaluation.synthetic.kobo import write_kobo_demo

CB = load_codebook()
DISBURSED = CB["disbursement_date"]  # study period 2020-01-01 .. 2021-06-30


# ------------------------------------------------------------------------------------------------ the order rule
def test_a_first_field_above_12_proves_day_first_for_the_whole_column():
    order = date_order(["2020-08-03", "25/08/2020", "09/07/2020", "", None], DISBURSED)
    assert (order.order, order.reason, order.count) == ("dmy", "evidence", 2)


def test_a_second_field_above_12_proves_month_first_for_the_whole_column():
    order = date_order(["8/25/2020", "9/7/2020"], DISBURSED)
    assert (order.order, order.reason) == ("mdy", "evidence")


def test_a_column_with_both_proofs_is_refused():
    with pytest.raises(ParseError, match="mixes day-first") as err:
        date_order(["25/08/2020", "8/25/2020"], DISBURSED)
    assert "YYYY-MM-DD" in err.value.fix


def test_the_study_period_decides_when_only_one_order_fits():
    # 1/7/2021: 1 July 2021 (day-first) lies after the period's end (2021-06-30); 7 January 2021 inside
    order = date_order(["1/7/2021", "3/2/2021"], DISBURSED)
    assert (order.order, order.reason) == ("mdy", "period")
    order = date_order(["7/1/2021", "2/3/2021"], DISBURSED)
    assert (order.order, order.reason) == ("dmy", "period")


def test_a_column_that_stays_ambiguous_is_refused_saying_what_to_do():
    with pytest.raises(ParseError, match="day/month order unproven") as err:
        date_order(["2020-08-03", "9/7/2020", "10/8/2020"], DISBURSED)
    assert "'9/7/2020'" in err.value.rule and "9 Jul" in err.value.rule and "7 Sep" in err.value.rule
    assert "YYYY-MM-DD" in err.value.fix


def test_equal_day_and_month_read_the_same_either_way():
    order = date_order(["8/8/2020", "2020-09-01"], DISBURSED)
    assert (order.order, order.reason) == ("dmy", "equal")
    assert date_order(["2020-09-01", dt.date(2020, 9, 2)], DISBURSED).reason == "none"


def test_two_digit_years_count_in_the_period_test():
    order = date_order(["1/7/21", "3/2/21"], DISBURSED)
    assert (order.order, order.reason) == ("mdy", "period")


# ------------------------------------------------------------------------------------------------ time zones
def test_every_province_of_indonesia_has_its_time_zone():
    assert len(PROVINCE_UTC_OFFSET) == 38  # Kepmendagri 2022: 38 provinces
    assert sorted(PROVINCE_UTC_OFFSET.values()).count(8) == 12 and sorted(PROVINCE_UTC_OFFSET.values()).count(9) == 8
    assert utc_offset("3402") == 7 and utc_offset(34) == 7  # Bantul, DI Yogyakarta: WIB
    assert utc_offset("5171") == 8  # Denpasar, Bali: WITA
    assert utc_offset("6171") == 7 and utc_offset("6471") == 8  # Pontianak WIB, Balikpapan WITA
    assert utc_offset("9471") == 9 and utc_offset("81") == 9  # Papua, Maluku: WIT
    assert utc_offset(None) is None and utc_offset("99") is None


def test_date_times_become_the_local_date_of_the_rows_region():
    df = pd.DataFrame(
        {
            "interview_date": pd.array(
                [
                    "2020-09-06T20:15:00+00:00",
                    "2020-09-06T20:15:00+00:00",
                    "2020-09-06T20:15:00+00:00",
                    "2020-09-06",
                    None,
                    "2020-09-06T23:30:00+07:00",
                ],
                dtype="string",
            ),
            "_region": ["3402", "7371", "9471", "3402", "3402", None],
        }
    )
    localise_dates(df, CB)
    # 03:15 WIB, 04:15 WITA, 05:15 WIT the next day; a row of no known region keeps the value's own zone
    assert df["interview_date"].tolist() == [
        "2020-09-07",
        "2020-09-07",
        "2020-09-07",
        "2020-09-06",
        pd.NA,
        "2020-09-06",
    ]
    assert str(df["interview_date"].dtype) == "string"


# ------------------------------------------------------------------------------------------------ interview date
def _interviews(**columns: list[object]) -> tuple[list[object] | None, Report]:
    frame = pd.DataFrame(columns)
    report = Report()
    present = columns.pop("interview_date", None) if "interview_date" in columns else None
    values = interview_dates(
        frame.drop(columns=["interview_date"], errors="ignore"), [2, 3], present, "s.csv", "survey", report
    )
    return values, report


def test_the_interview_date_comes_from_today_then_start_then_the_upload_with_a_warning():
    start = ["2020-03-03T09:30:00.000+07:00", "2020-03-04T09:30:00.000+07:00"]
    upload = ["2020-03-10T03:05:00", "2020-03-11T03:05:00"]
    values, report = _interviews(start=start, today=["2020-03-03", None], _submission_time=upload)
    assert values == ["2020-03-03", "2020-03-04T09:30:00+07:00"]
    assert [(p.severity, p.rule, p.count) for p in report.problems] == [
        ("note", "date_from_today", 1),
        ("note", "date_from_start", 1),
    ]
    values, report = _interviews(_submission_time=upload)
    assert values == ["2020-03-10T03:05:00+00:00", "2020-03-11T03:05:00+00:00"]  # UTC, made local by region
    (warning,) = report.problems
    assert (warning.severity, warning.rule, warning.column, warning.count) == (
        "warning",
        "date_from_submission",
        "_submission_time",
        2,
    )
    assert "upload" in warning.message
    values, report = _interviews(**{"meta/SubmissionDate": ["2020-03-10T03:05:00.000Z", None]})
    assert values == ["2020-03-10T03:05:00+00:00", None]
    assert report.problems[0].rule == "date_from_submission"


def test_the_interview_question_comes_first_and_its_blanks_are_filled_from_today():
    values, report = _interviews(interview_date=["2020-03-02", None], today=["2020-03-03", "2020-03-04"])
    assert values == ["2020-03-02", "2020-03-04"]
    assert [(p.rule, p.count) for p in report.problems] == [("date_from_today", 1)]
    assert _interviews(other=[1, 2])[0] is None  # no question and no source: the required-column error follows


# ------------------------------------------------------------------------------------------------ end to end
@pytest.fixture(scope="module")
def kobo(tmp_path_factory) -> Path:
    data = generate(families_per_region=20, comparison_per_region=20, seed=7)
    return write_kobo_demo(data, tmp_path_factory.mktemp("kobo") / "demo")


def _tables(out: Path) -> dict[str, pd.DataFrame]:
    return {t: pd.read_csv(out / f"{t}.csv", dtype=str) for t in ("roster", "programme", "survey")}


@pytest.fixture(scope="module")
def reference(kobo, tmp_path_factory) -> dict[str, pd.DataFrame]:
    out, _ = prepare(kobo, tmp_path_factory.mktemp("processed"))
    return _tables(out)


def _copy(kobo: Path, tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(kobo, tmp_path / name))


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], str, bool]:
    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    sep = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows = list(csv.reader(text.splitlines(), delimiter=sep))
    return rows[0], rows[1:], sep, bom


def _write_csv(path: Path, header: list[str], rows: list[list[str]], sep: str, bom: bool) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f, delimiter=sep, lineterminator="\n").writerows([header, *rows])


def _month_first_in_bantul(d: Path, every_date: bool = False) -> int:
    """Bantul's disbursement dates typed M/D/YYYY (as make_cases.py: only days <= 12, unless ``every_date``)."""
    path = d / "monitoring.csv"
    header, rows, sep, bom = _read_csv(path)
    fid = next(i for i, h in enumerate(header) if h.endswith("family_id"))
    j = next(i for i, h in enumerate(header) if h.endswith("disbursement_date"))
    n = 0
    for r in rows:
        if r[fid].startswith("F3402-") and r[j]:
            x = dt.date.fromisoformat(r[j])
            if every_date or (x.day <= 12 and x.day != x.month):
                r[j] = f"{x.month}/{x.day}/{x.year}"
                n += 1
    _write_csv(path, header, rows, sep, bom)
    return n


def test_case_month_first_dates_ambiguous_is_refused_naming_file_and_column(kobo, tmp_path, capsys):
    d = _copy(kobo, tmp_path, "month_first_dates_ambiguous")
    assert _month_first_in_bantul(d) > 0
    with pytest.raises(ValidationFailed) as err:
        prepare(d, tmp_path / "processed")
    (error,) = err.value.report.errors  # one error for the column, not one per cell, and no row-level noise
    assert (error.rule, Path(error.file).name, error.column) == (
        "date_order",
        "monitoring.csv",
        "bantuan/disbursement_date",
    )
    assert "day-first" in error.message and "month-first" in error.message and "YYYY-MM-DD" in error.fix
    assert not (tmp_path / "processed").exists()
    assert main(["validate", str(d)]) == 2
    shown = capsys.readouterr()
    text = shown.out + shown.err
    assert "monitoring.csv" in text and "bantuan/disbursement_date" in text and "Traceback" not in text
    problems = pd.read_csv(d / "validation_problems.csv", dtype=str)
    assert "YYYY-MM-DD" in problems.loc[problems["rule"] == "date_order", "fix"].iloc[0]


def test_month_first_dates_with_proof_are_read_month_first_identically(kobo, reference, tmp_path):
    d = _copy(kobo, tmp_path, "month_first_proved")
    assert _month_first_in_bantul(d, every_date=True) > 0
    out, intake = prepare(d, tmp_path / "processed")
    got = _tables(out)
    for t, df in reference.items():
        pd.testing.assert_frame_equal(got[t], df)
    assert "month_first_date" in {p.rule for p in intake.report.notes}


def _baseline_without_interview_date(d: Path, keep: tuple[str, ...] = ("today", "start")) -> list[dt.date]:
    path = d / "survey_baseline.csv"
    header, rows, sep, bom = _read_csv(path)
    j = next(i for i, h in enumerate(header) if h.endswith("interview_date"))
    dates = [dt.date(int(m[3]), int(m[2]), int(m[1])) for r in rows for m in [re.match(r"(\d+)/(\d+)/(\d+)", r[j])]]
    header.pop(j)
    for r in rows:
        r.pop(j)
    s = header.index("start")
    if "start" not in keep:
        header.pop(s)
        for r in rows:
            r.pop(s)
    if "today" in keep:
        header.insert(1, "today")
        for r, x in zip(rows, dates, strict=True):
            r.insert(1, x.isoformat())
    sub = header.index("_submission_time")
    for r, x in zip(rows, dates, strict=True):
        r[sub] = f"{(x + dt.timedelta(days=7)).isoformat()}T03:05:00"  # uploaded a week later, UTC
    _write_csv(path, header, rows, sep, bom)
    return dates


@pytest.mark.parametrize("keep", [("today", "start"), ("start",)])
def test_case_interview_date_from_submission_time_reads_today_or_start(kobo, reference, tmp_path, capsys, keep):
    d = _copy(kobo, tmp_path, "interview_date_from_submission_time")
    _baseline_without_interview_date(d, keep)
    assert main(["validate", str(d)]) == 0
    capsys.readouterr()
    out, intake = prepare(d, tmp_path / "processed")
    got = _tables(out)
    for t, df in reference.items():
        pd.testing.assert_frame_equal(got[t], df)
    rules = {p.rule for p in intake.report.problems}
    assert f"date_from_{keep[0]}" in rules and "date_from_submission" not in rules


def test_the_upload_time_alone_gives_interview_dates_only_with_a_warning(kobo, tmp_path):
    d = _copy(kobo, tmp_path, "upload_only")
    dates = _baseline_without_interview_date(d, keep=())
    out, intake = prepare(d, tmp_path / "processed")
    (warning,) = [p for p in intake.report.warnings if p.rule == "date_from_submission"]
    assert warning.count == len(dates) and warning.column == "_submission_time"
    survey = pd.read_csv(out / "survey.csv", dtype=str)
    base = sorted(survey.loc[survey["wave"] == "baseline", "interview_date"])
    assert base == sorted((x + dt.timedelta(days=7)).isoformat() for x in dates)  # 10:05 WIB, same day


def test_dates_written_another_way_need_a_proof_of_their_own():
    """Sheets typed in two places: a padded DD/MM/YYYY proof says nothing about unpadded M/D/YYYY dates."""
    with pytest.raises(ParseError, match="written in two ways") as err:
        date_order(["25/08/2020", "03/09/2020", "9/7/2020", "10/8/2020"], DISBURSED)
    assert "'25/08/2020'" in err.value.rule and "'9/7/2020'" in err.value.rule and "YYYY-MM-DD" in err.value.fix
    with pytest.raises(ParseError, match="only month-first"):
        date_order(["25/08/2020", "1/7/2021"], DISBURSED)  # 1 July 2021 lies after the period: not day-first
    # the same shape, or a shape proved by its own value, is read with the column
    assert date_order(["25/08/2020", "03/09/2020"], DISBURSED).order == "dmy"
    assert date_order(["25/8/2020", "9/7/2020", "03/09/2020", "13/09/2020"], DISBURSED).order == "dmy"
    assert date_order(["25/08/2020", "12/10/2020"], DISBURSED).order == "dmy"  # 12/10: padding unknown


def test_dates_swapped_by_a_spreadsheets_locale_are_refused_not_read():
    """Day-first dates typed into a month-first Excel: days <= 12 became (swapped) date cells, the rest stayed text.

    Only the text cells prove day-first; reading the date cells as they are would swap every one of them.
    """
    var = load_codebook()["interview_date"]
    typed = ["25/08/2021", "13/09/2021", "30/08/2021"]
    cells = [*typed, dt.datetime(2021, 9, 7), dt.datetime(2021, 8, 3), dt.datetime(2021, 10, 12)]
    with pytest.raises(ParseError, match="swapped date cells"):
        date_order(cells, var)
    # real date cells with a day above 12 beside text dates: no sign of a swap, the text decides as before
    assert date_order([*typed, dt.datetime(2021, 9, 17), dt.datetime(2021, 8, 3)], var).order == "dmy"
    assert date_order([dt.datetime(2021, 9, 7), "2021-08-25"], var).reason == "none"  # no numeric text dates
