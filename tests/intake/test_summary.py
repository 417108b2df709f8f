"""intake_summary.json: what the intake did with each file, deterministic and without any cell value (issue 13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from evaluation.analysis.context import Computed
from evaluation.analysis.sections.intake_files import kind_label, show_intake_files
from evaluation.intake.pipeline import prepare
from evaluation.intake.problems import Problem, Report
from evaluation.intake.pseudonymise import ENV_KEY
from evaluation.intake.summary import SUMMARY_FILE, build_summary, read_summary
from evaluation.synthetic.demo import generate
from evaluation.synthetic.kobo import write_kobo_demo


@pytest.fixture(autouse=True)
def _real_key(monkeypatch):
    """The remark column makes the files no longer the generator's: not proven synthetic, so a key is needed."""
    monkeypatch.setenv(ENV_KEY, "k7Qp2xVn9Lr4Tz8Wc3Hy6Bd1Mf5Gs0Ja")


@pytest.fixture(scope="module")
def kobo(tmp_path_factory) -> Path:
    data = generate(families_per_region=6, comparison_per_region=6, seed=3)
    d = write_kobo_demo(data, tmp_path_factory.mktemp("kobo") / "demo")
    roster = pd.read_csv(d / "roster.csv", dtype=str, keep_default_na=False)
    roster["catatan_petugas"] = "dicek"  # a remark column typed beside the export: ignored, and said so
    roster.to_csv(d / "roster.csv", index=False)
    return d


def test_the_summary_lists_each_file_with_rows_columns_and_normalisations(kobo, tmp_path):
    out, intake = prepare(kobo, tmp_path / "a")
    summary = json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))
    files = {f["file"]: f for f in summary["files"]}
    assert sorted(files) == ["monitoring.csv", "roster.csv", "survey_baseline.csv", "survey_endline.xlsx"]
    assert [f["file"] for f in summary["files"]] == sorted(files)
    roster = files["roster.csv"]
    assert roster["table"] == "roster" and roster["rows"] == len(intake.tables["roster"])
    assert roster["ignored"] == ["catatan_petugas"] and roster["columns"] == roster["mapped"] + 1
    baseline = files["survey_baseline.csv"]
    assert baseline["normalised"]["day_first_date"] == baseline["rows"]  # the demo's DD/MM/YYYY dates
    assert baseline["normalised"]["decimal_comma"] > 0
    assert files["survey_endline.xlsx"]["normalised"]["wave_from_file_name"] == files["survey_endline.xlsx"]["rows"]
    # every count of the problem list's notes is in some file's summary
    notes = sum(p.count for p in intake.report.notes if p.rule != "unknown_column")
    assert sum(sum(f["normalised"].values()) for f in summary["files"]) == notes


def test_the_summary_is_deterministic_and_holds_no_value(kobo, tmp_path):
    a, intake = prepare(kobo, tmp_path / "a")
    b, _ = prepare(Path(shutil.copytree(kobo, tmp_path / "raw" / kobo.name)), tmp_path / "b")
    text = (a / SUMMARY_FILE).read_text(encoding="utf-8")
    assert text == (b / SUMMARY_FILE).read_text(encoding="utf-8")
    assert str(tmp_path) not in text  # file names only, no folder
    roster = intake.tables["roster"]
    for column in ("family_id", "nik", "head_name", "village"):
        if column in roster:
            assert not any(str(v) in text for v in roster[column].dropna().head(20)), column
    assert "dicek" not in text and ":" not in text.replace('": ', "")  # no cell value, no time stamp
    assert read_summary(a)["files"] == json.loads(text)["files"]
    assert read_summary(tmp_path) is None


def test_any_kind_of_note_is_counted_and_named_with_a_fallback():
    report = Report()
    report.add(Problem("note", "d/s.csv", 2, "x", "", "na_marker", "3 value(s): 'n/a' read as missing", "", "survey",
                       count=3))  # fmt: skip
    report.add(Problem("note", "d/s.csv", 2, "y", "", "na_marker", "2", "", "survey", count=2))
    report.add(Problem("warning", "d/s.csv", 5, "y", "", "date_from_submission", "m", "f", "survey", count=4))
    report.add(Problem("note", "d/other.csv", 2, "y", "", "day_first_date", "m", "", "survey", count=9))
    facts = {"d/s.csv": {"table": "survey", "rows": 7, "columns": 3, "variables": ["x", "y"]}}
    (entry,) = build_summary(facts, report)["files"]
    assert entry["normalised"] == {"na_marker": 5} and entry["warnings"] == {"date_from_submission": 4}
    assert kind_label("na_marker", "id") == "na marker"  # a kind the catalogue does not know yet
    assert kind_label("day_first_date", "id") != kind_label("day_first_date", "en")


class _View:
    def __init__(self, lang: str) -> None:
        self.lang = lang


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "id",
            ("Baris dibaca", "Kolom diabaikan", "tanggal wawancara diambil dari waktu unggah", "survei rumah tangga"),
        ),
        (
            "en",
            ("Rows read", "Columns ignored", "interview date taken from the server's upload time", "household survey"),
        ),
    ],
)
def test_the_report_shows_each_file_in_the_readers_language(lang, words):
    files = [
        {"file": "survey_baseline.csv", "table": "survey", "rows": 1200, "columns": 20, "mapped": 15,
         "ignored": ["catatan"], "normalised": {"date_from_today": 1200, "na_marker": 3},
         "warnings": {"date_from_submission": 4}},
    ]  # fmt: skip
    html = show_intake_files(Computed({}, {"files": files}), _View(lang))._repr_html_()
    for word in words:
        assert word in html, word
    assert "survey_baseline.csv" in html and "catatan" in html and "na marker" in html
    assert ("1.200" if lang == "id" else "1,200") in html
    missing = show_intake_files(Computed({}, {"files": None}), _View(lang))._repr_html_()
    assert ("versi lama" if lang == "id" else "older version") in missing
