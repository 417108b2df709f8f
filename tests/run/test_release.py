"""The data release (issue 18): ``prokus-eval release RUN_DIR --out DIR`` end to end, and its disclosure check.

A small run is made from synthetic data whose roster carries FAKE personal data (NIK, names, phones, addresses, the
generator of tests/intake/test_personal_data.py), as real field data would; the release of that run is read back:
Stata files with pandas (variable and value labels in id and en), the CSV tables, the codebook, the risk report; and
every byte of it is scanned for the fake personal data. The k-anonymity figure is recomputed independently
(pandas group sizes) from the released roster.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.core.atomic import write_marker
from evaluation.intake.codebook import load_codebook
from evaluation.intake.pseudonymise import ENV_KEY
from evaluation.run.release import HOUSEHOLD_BANDS, _stata_frame, assess, coarsen, coarsen_dates
from evaluation.synthetic.demo import generate
from tests.conftest import write_config
from tests.intake.test_personal_data import _fake_personal

KEY = "release-test-key-0123456789abcdef0123"


@pytest.fixture(scope="module")
def fake_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A finished run (region 3402 + national) of 2 x 60 families per region with fake personal data."""
    root = tmp_path_factory.mktemp("release-run")
    data = generate(families_per_region=60, comparison_per_region=60, seed=18)
    raw = data.write(root / "raw" / "field")
    (raw / "dataset.json").unlink()  # real data from here on: a key is required
    (raw / "truth.json").unlink()
    roster = _fake_personal(pd.read_csv(raw / "roster.csv", dtype=str), seed=18)
    roster.to_csv(raw / "roster.csv", index=False)
    secrets = [*roster["nik"], *roster["head_name"], *roster["phone"], *roster["address"], "Fakename", KEY]
    cfg = write_config(root / "config.toml", raw, root / "out" / "reports")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_KEY, KEY)
        assert main(["run", "--config", str(cfg), "--regions", "3402", "--quiet", "--run-id", "r1"]) == 0
    return {
        "run": root / "out" / "reports" / "r1",
        "root": root,
        "secrets": secrets,
        "raw_ids": list(roster["family_id"]),
    }


@pytest.fixture(scope="module")
def released(fake_run: dict) -> tuple[Path, str]:
    out = fake_run["root"] / "release"
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["release", str(fake_run["run"]), "--out", str(out), "--k", "3"]) == 0
    return out, buf.getvalue()


pytestmark = pytest.mark.slow


def test_release_writes_csv_stata_codebook_readme_and_risk_report(released):
    out, printed = released
    names = sorted(p.name for p in out.iterdir())
    for table in ("roster", "programme", "survey"):
        assert f"{table}.csv" in names and f"{table}_id.dta" in names and f"{table}_en.dta" in names
    assert {"codebook.csv", "README.md", "disclosure_risk.md", "disclosure_risk.json", ".prokus-owned"} <= set(names)
    assert "Release written" in printed and "k-anonymity" in printed


def test_stata_files_read_back_with_variable_and_value_labels_in_both_languages(released):
    out, _ = released
    codebook = load_codebook(None)
    for language in ("id", "en"):
        with pd.io.stata.StataReader(out / f"survey_{language}.dta") as reader:
            survey = reader.read()
            var_labels = reader.variable_labels()
        assert var_labels["household_income"] == codebook["household_income"].label_with_unit(language)
        wave = codebook["wave"]
        assert set(survey["wave"].astype(str)) <= {c.label(language) for c in wave.categories}
        assert set(survey["wave"].astype(str)) == {wave.category("baseline").label(language),
                                                    wave.category("endline").label(language)}  # fmt: skip
        # dates are quasi-identifiers: at k = 3 on this small run even the year is identifying, so they are withheld
        # (the README says so); a released date is a Stata date (test_released_dates_are_stata_months_...)
        assert "interview_date" not in survey or str(survey["interview_date"].dtype).startswith("datetime64")
        if "interview_date" not in survey:
            assert "Dates (disbursement, interviews) are withheld" in (out / "README.md").read_text()
        with pd.io.stata.StataReader(out / f"roster_{language}.dta") as reader:
            roster = reader.read()
            value_labels = reader.value_labels()
            var_labels = reader.variable_labels()
        sex = codebook["head_sex"]
        assert set(roster["head_sex"].astype(str)) == {c.label(language) for c in sex.categories}
        region = codebook["region_code"]
        assert any(region.category("3402").label(language) in labels.values() for labels in value_labels.values())
        assert var_labels["head_sex"] == sex.label(language)
        assert var_labels["release_id"] and len(roster) == len(pd.read_csv(out / "roster.csv"))
    # numeric codes stay the data's codes (region 3402 stays 3402)
    raw = pd.read_stata(out / "roster_en.dta", convert_categoricals=False)
    assert set(raw["region_code"].dropna().astype(int)) <= {3217, 3210, 3322, 3402, 31}


def test_no_direct_identifier_or_reports_pseudonym_reaches_the_release(fake_run, released):
    out, printed = released
    texts = {p.name: p.read_bytes().decode("utf-8", errors="replace") for p in out.iterdir() if p.is_file()}
    texts["<console>"] = printed
    for where, text in texts.items():
        found = [s for s in fake_run["secrets"] if s in text]
        assert not found, f"personal data in {where}: {found[:3]}"
    processed = next(fake_run["root"].rglob("intake.json")).parent
    pseudonyms = set(pd.read_csv(processed / "roster.csv", dtype=str)["family_id"])
    for table in ("roster", "programme", "survey"):
        df = pd.read_csv(out / f"{table}.csv", dtype=str)
        assert not set(df.columns) & {"nik", "head_name", "phone", "address", "family_id"}
        assert not set(df["release_id"]) & (pseudonyms | set(fake_run["raw_ids"]))
        assert df["release_id"].str.fullmatch(r"R\d{5}").all()


def test_risk_report_gives_k_which_pandas_confirms_on_the_released_roster(released):
    out, _ = released
    risk = json.loads((out / "disclosure_risk.json").read_text())
    level = risk["released"]
    assert risk["threshold"] == 3 and level["k"] >= 3 and level["k_reached"] and level["records_at_risk"] == 0
    roster = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False)
    sizes = roster.groupby(level["quasi_identifiers"]).size()
    assert int(sizes.min()) == level["k"] and len(sizes) == level["classes"]  # independent of pycanon
    assert risk["tried"][0]["steps"] == [] and risk["tried"][0]["k"] < 3  # the raw quasi-identifiers were not safe
    assert "village" not in roster.columns or "village" in level["quasi_identifiers"]
    md = (out / "disclosure_risk.md").read_text()
    assert f"k = {level['k']}" in md and "k-anonimitas" in md and "k-anonymity" in md
    readme = (out / "README.md").read_text()
    assert "LICENCE TO BE DECIDED" in readme and "LISENSI BELUM DITETAPKAN" in readme and "DOI" in readme
    codebook = pd.read_csv(out / "codebook.csv", dtype=str, keep_default_na=False)
    assert set(codebook["file"]) == {"roster.csv", "programme.csv", "survey.csv"}
    row = codebook[(codebook["file"] == "roster.csv") & (codebook["variable"] == "head_sex")].iloc[0]
    assert "female=Perempuan / Female" in row["values"] and row["type"] == "category"


def test_release_replaces_its_own_folder_but_never_a_users(fake_run, released, tmp_path, capsys):
    out, _ = released
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["release", str(fake_run["run"]), "--out", str(out), "--k", "3"]) == 0  # its own: replaced
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # deterministic, .dta files included
    user = tmp_path / "mine"
    user.mkdir()
    (user / "notes.txt").write_text("my notes")
    assert main(["release", str(fake_run["run"]), "--out", str(user), "--k", "3"]) == 2
    assert (user / "notes.txt").read_text() == "my notes" and sorted(p.name for p in user.iterdir()) == ["notes.txt"]
    assert "release" in capsys.readouterr().err


def test_bad_run_dir_unreachable_k_and_changed_input_exit_2_writing_nothing(fake_run, tmp_path, capsys):
    out = tmp_path / "rel"
    assert main(["release", str(tmp_path / "no-such-run"), "--out", str(out)]) == 2
    assert "run directory does not exist" in capsys.readouterr().err and not out.exists()
    assert main(["release", str(tmp_path), "--out", str(out)]) == 2  # a folder, but not a run
    assert "not a finished run" in capsys.readouterr().err and not out.exists()
    assert main(["release", str(fake_run["run"]), "--out", str(out), "--k", "5", "--coarsen", "none"]) == 2
    err = capsys.readouterr().err
    assert "k-anonymity is 1" in err and "Nothing was written" in err and not out.exists()
    assert main(["release", str(fake_run["run"]), "--out", str(out), "--coarsen", "age,villages"]) == 2
    assert "unknown coarsening step" in capsys.readouterr().err and not out.exists()


def test_a_changed_table_is_refused(fake_run, tmp_path, capsys):
    survey = next(fake_run["root"].rglob("intake.json")).parent / "survey.csv"
    saved = survey.read_bytes()
    try:
        survey.write_bytes(saved.replace(b",endline,", b",endline ,", 1))
        assert main(["release", str(fake_run["run"]), "--out", str(tmp_path / "rel"), "--k", "3"]) == 2
        err = capsys.readouterr().err
        assert "changed" in err and "survey.csv" in err and not (tmp_path / "rel").exists()
    finally:
        survey.write_bytes(saved)


def _roster(rows: list[tuple[str, str, str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "family_id": f"P{i}",
                "region_code": r,
                "subdistrict": v[:7],
                "village": v,
                "head_sex": s,
                "head_age": str(a),
                "household_size": str(h),
            }
            for i, (r, v, s, a, h) in enumerate(rows)
        ]
    )


def test_k_by_hand_on_a_small_roster():
    # six families: two share everything; after 10-year age bands four share (region, village, sex, 35-44, size 4)
    roster = _roster(
        [
            ("3402", "3402.01.001", "female", 36, 4),
            ("3402", "3402.01.001", "female", 36, 4),
            ("3402", "3402.01.001", "female", 38, 4),
            ("3402", "3402.01.001", "female", 44, 4),
            ("3402", "3402.01.002", "male", 51, 2),
            ("3402", "3402.01.002", "male", 53, 3),
        ]
    )
    raw = assess(roster, (), threshold=2)
    assert (raw.k, raw.classes, raw.records_at_risk) == (1, 5, 4)  # classes of 2,1,1,1,1: four families alone
    banded = assess(roster, ("age",), threshold=2)
    assert (banded.k, banded.classes, banded.records_at_risk) == (1, 3, 2)  # 4 + 1 + 1
    sized = assess(roster, ("age", "household"), threshold=2)
    assert (sized.k, sized.classes, sized.records_at_risk) == (2, 2, 0)  # sizes 2 and 3 fall in band 1-3
    assert sized.quasi_identifiers == ("region_code", "village", "head_sex", "head_age_band", "household_size_band")
    region_only = coarsen(roster, ("age", "subdistrict", "household_drop"))
    assert not {"village", "subdistrict", "household_size", "household_size_band", "head_age"} & set(region_only)
    assert set(region_only["head_age_band"]) == {"35-44", "45-54"}  # 'subdistrict' withholds the village too
    assert HOUSEHOLD_BANDS[0][2] == "1-3"


def _released_quasi_identifiers(out: Path) -> pd.DataFrame:
    """Independently of release.py: every released column that describes a family, one row per family."""
    roster = pd.read_csv(out / "roster.csv", dtype=str, keep_default_na=False).set_index("release_id")
    frame = roster.copy()  # every released roster column describes the family
    for table, column in (("programme", "disbursement_date"), ("survey", "interview_date")):
        df = pd.read_csv(out / f"{table}.csv", dtype=str, keep_default_na=False)
        if column not in df:
            continue
        assert df[column].str.fullmatch(r"\d{4}-\d{2}|\d{4}Q\d|").all(), f"{table}.{column} gives more than a month"
        key = df["wave"] + "=" + df[column] if "wave" in df else df[column]
        frame[f"{table}.{column}"] = key.groupby(df["release_id"]).agg(lambda v: ";".join(sorted(v)))
    return frame


def test_k_counts_every_released_quasi_identifier_and_dates_show_no_day(released):
    out, _ = released
    risk = json.loads((out / "disclosure_risk.json").read_text())
    level = risk["released"]
    frame = _released_quasi_identifiers(out)
    assert sorted(level["quasi_identifiers"]) == sorted(frame.columns) == sorted(risk["quasi_identifiers"])
    k = int(frame.fillna(".").groupby(list(frame.columns)).size().min())
    assert k == level["k"] >= risk["threshold"] == 3
    md = (out / "disclosure_risk.md").read_text()
    assert all(q in md for q in level["quasi_identifiers"])
    readme = (out / "README.md").read_text()
    assert ("year and month only" in readme and "tahun dan bulan" in readme) or "Dates (disbursement" in readme
    assert all(q in readme for q in level["quasi_identifiers"])
    mode = out.stat().st_mode & 0o777
    assert mode == 0o755 and all((p.stat().st_mode & 0o777) == 0o644 for p in out.iterdir())


def test_released_dates_are_stata_months_quarters_or_years_never_days(tmp_path):
    codebook = load_codebook(None)
    for steps, stata, first in (
        ((), "tm", "2020-10-01"),
        (("quarter",), "tq", "2020-10-01"),
        (("year",), "ty", "2020-01-01"),
    ):
        table = pd.DataFrame({"release_id": ["R00001", "R00002"], "wave": ["baseline", "endline"]})
        table["interview_date"] = coarsen_dates(pd.Series(["2020-10-17", ""]), steps)
        data, labels, _, dates = _stata_frame(table, codebook, "en")
        assert dates == {"interview_date": stata} and "day withheld" in labels["interview_date"]
        path = tmp_path / f"s{stata}.dta"
        data.to_stata(path, write_index=False, version=118, convert_dates=dates)
        back = pd.read_stata(path)
        assert str(back["interview_date"].dtype).startswith("datetime64")
        assert str(back["interview_date"][0].date()) == first and pd.isna(back["interview_date"][1])


def test_coarsen_dates_month_quarter_and_withheld():
    dates = pd.Series(["2020-10-17", "2021-02-03", ""])
    assert list(coarsen_dates(dates, ())) == ["2020-10", "2021-02", ""]
    assert list(coarsen_dates(dates, ("quarter",))) == ["2020Q4", "2021Q1", ""]
    assert coarsen_dates(dates, ("dates_drop",)) is None


def test_k_above_any_coarsening_says_no_coarsening_reaches_it(fake_run, tmp_path, capsys):
    out = tmp_path / "rel"
    assert main(["release", str(fake_run["run"]), "--out", str(out), "--k", "5000"]) == 2
    err = capsys.readouterr().err
    assert "no coarsening reaches k >= 5000" in err and "coarsen further" not in err and not out.exists()
    assert "Traceback" not in err


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_out_never_replaces_data_run_or_foreign_prokus_folders(fake_run, tmp_path, capsys):
    run = fake_run["run"]
    processed = next(fake_run["root"].rglob("intake.json")).parent
    raw = fake_run["root"] / "raw" / "field"
    other = tmp_path / "demo-copy"  # a folder prokus-eval wrote, but not a release (e.g. a demo data folder)
    other.mkdir()
    (other / "roster.csv").write_text("family_id\nP1\n")
    write_marker(other, "demo-data")
    cases = {
        processed: "data folders",
        processed / "release": "data folders",
        raw: "data folders",
        run: "run folder",
        run / "release": "run folder",
        run.parent: "holds the run",
        other: "not a release",
    }
    for out, said in cases.items():
        target = out if out.exists() else out.parent
        before = _snapshot(target)
        assert main(["release", str(run), "--out", str(out), "--k", "3"]) == 2, out
        err = capsys.readouterr().err
        assert said in err and "Traceback" not in err, (out, err)
        assert _snapshot(target) == before and not (out / "release_id").exists()
    assert not (run / "release").exists() and not (processed / "release").exists()
