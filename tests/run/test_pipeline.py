"""End to end: demo data -> papermill notebooks -> reports, as `make report` does it (DESIGN §3, issue 2)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evaluation.core.errors import UserError
from evaluation.core.paths import NOTEBOOKS_DIR
from evaluation.core.record import read_results
from evaluation.run.runner import NATIONAL_NOTEBOOK, REGION_NOTEBOOK, RunError, Task, check_parameters, run
from tests.conftest import write_config

REGIONS = ("3217", "3210", "3322", "3402", "31")
MIN_COVERAGE = 0.85  # issue 2: at least 85% of DiD 95% intervals contain the truth (95% expected)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished(tmp_path_factory, demo_dir) -> tuple[Path, Path]:
    """One full run (five regions + national) into a private reports directory."""
    root = tmp_path_factory.mktemp("pipeline")
    cfg = write_config(root / "config.toml", demo_dir, root / "reports")
    out = run(config=str(cfg), jobs=2, run_id="first", progress=False)
    return out, cfg


def test_run_leaves_a_report_per_region_and_national(finished):
    out, _ = finished
    for scope in (*REGIONS, "national"):
        html = (out / scope / "report.html").read_text(encoding="utf-8")
        assert "DATA SINTETIS UNTUK DEMONSTRASI" in html, scope  # visible synthetic banner
        assert "prokus-banner" in html
        assert (out / scope / "notebook.ipynb").is_file()
        assert (out / scope / "figures" / "before_after.png").is_file()
        assert "open_evaluation" not in html  # code is hidden from the reader
    assert (out.parent / "latest").resolve() == out.resolve()
    assert not list(out.parent.glob("*.partial"))


def test_results_json_is_flat_sorted_and_nan_free(finished):
    out, _ = finished
    text = (out / "results.json").read_text()
    data = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert list(data) == sorted(data)
    for key, value in data.items():
        assert isinstance(value, (int, float, str, bool)), key
        assert len(key.split(".")) >= 3, key
    for scope in (*REGIONS, "national"):
        assert data[f"{scope}.household_income.did.vcov"] == "CRV1"
        assert data[f"{scope}.household_income.pre_post.n_units"] > 0
        assert data[f"{scope}.meta.synthetic"] is True
    assert data["3402.sample.n_families"] == 200
    assert data["national.sample.n_families"] == 1000


def test_did_intervals_cover_the_truth(finished, demo_dir):
    out, _ = finished
    data = read_results(out / "results.json")
    truth = json.loads((demo_dir / "truth.json").read_text())
    outcomes = [k.split(".")[1] for k in data if k.startswith("national.") and k.endswith(".did.estimate")]
    outcomes = [o for o in outcomes if f"national.{o}.att" in truth]  # summary indices have no true effect
    checked = covered = 0
    for scope in (*REGIONS, "national"):
        for o in outcomes:
            lo, hi = data[f"{scope}.{o}.did.ci_low"], data[f"{scope}.{o}.did.ci_high"]
            checked += 1
            covered += lo <= truth[f"{scope}.{o}.att"] <= hi
    assert checked == 6 * 11
    assert covered / checked >= MIN_COVERAGE, f"{covered}/{checked}"
    assert data["national.truth_check.did_covered"] == covered


def test_second_run_gives_byte_identical_results(finished):
    out, cfg = finished
    again = run(config=str(cfg), jobs=1, run_id="second", progress=False)
    assert (again / "results.json").read_bytes() == (out / "results.json").read_bytes()
    for scope in ("3402", "national"):
        for png in (out / scope / "figures").glob("*.png"):
            assert (again / scope / "figures" / png.name).read_bytes() == png.read_bytes(), png


def test_missing_outcome_column_is_refused_before_any_notebook_and_keeps_earlier_runs(
    finished, tmp_path, demo_dir, monkeypatch
):
    """Issue 14: once a KeyError from inside a notebook, now refused before anything is written."""
    from evaluation.intake.pseudonymise import ENV_KEY

    monkeypatch.setenv(ENV_KEY, "failing-notebook-test-key-7c1e9a4b2d")  # changed demo files need a key (issue 14)
    out, _ = finished
    before = (out / "results.json").read_bytes()
    latest = (out.parent / "latest").resolve()
    broken = tmp_path / "broken"
    shutil.copytree(demo_dir, broken)
    survey = pd.read_csv(broken / "survey.csv", dtype=str)
    who5 = [c for c in survey.columns if c.startswith("who5_")]  # else intake derives the score from its questions
    survey.drop(columns=["wellbeing_score", *who5]).to_csv(broken / "survey.csv", index=False)
    cfg = write_config(tmp_path / "config.toml", broken, out.parent)
    with pytest.raises(UserError) as err:
        run(config=str(cfg), jobs=2, run_id="broken", regions=["3402"], progress=False)
    msg = str(err.value)
    assert "wellbeing_score" in msg and "KeyError" not in msg
    assert not (out.parent / "broken").exists() and not (out.parent / "broken.partial").exists()
    assert (out / "results.json").read_bytes() == before
    assert (out.parent / "latest").resolve() == latest


def test_failing_notebook_stops_the_run_and_keeps_earlier_runs(finished, tmp_path, demo_dir):
    out, _ = finished
    before = (out / "results.json").read_bytes()
    latest = (out.parent / "latest").resolve()
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    cfg = write_config(tmp_path / "config.toml", data, out.parent, targets='"nowhere/targets.toml"')
    with pytest.raises(RunError) as err:  # the notebooks read the targets file; a missing one fails in a cell
        run(config=str(cfg), jobs=2, run_id="broken", regions=["3402"], progress=False)
    msg = str(err.value)
    assert "region_evaluation.ipynb" in msg or "national_synthesis.ipynb" in msg
    assert "targets" in msg and "cell" in msg
    assert not (out.parent / "broken").exists()
    assert (out.parent / "broken.partial").is_dir()
    assert (out.parent / "broken.partial" / ".prokus-owned").read_text().startswith("run failed")  # kept
    assert (out / "results.json").read_bytes() == before
    assert (out.parent / "latest").resolve() == latest


def test_parameters_are_checked_against_the_notebook(tmp_path):
    region_nb = NOTEBOOKS_DIR / REGION_NOTEBOOK
    good = {"region": "3402", "data_dir": "", "config": "", "language": "id", "output_dir": ""}
    check_parameters(Task("3402", region_nb, good))
    with pytest.raises(RunError, match="unknown parameter"):
        check_parameters(Task("3402", region_nb, {**good, "regoin": "3402"}))
    with pytest.raises(RunError, match="not supplied"):
        check_parameters(Task("3402", region_nb, {k: v for k, v in good.items() if k != "language"}))
    untagged = tmp_path / "untagged.ipynb"
    text = (NOTEBOOKS_DIR / NATIONAL_NOTEBOOK).read_text().replace('"parameters"', '"params"')
    untagged.write_text(text)
    with pytest.raises(RunError, match="no cell tagged 'parameters'"):
        check_parameters(Task("national", untagged, {}))


def test_cli_user_errors_have_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nsede = 1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "evaluation", "run", "--config", str(bad)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "unknown key(s) sede" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "evaluation", "validate", str(tmp_path / "nowhere")], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr


def test_unknown_region_is_a_user_error(finished):
    _, cfg = finished
    with pytest.raises(UserError, match="region '9999' is not configured"):
        run(config=str(cfg), regions=["9999"], progress=False)
