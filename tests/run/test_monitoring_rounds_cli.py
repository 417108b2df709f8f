"""`prokus-eval monitor` refuses bad input with exit code 2 and one clear paragraph, before writing anything."""

from __future__ import annotations

import dataclasses
import shutil

import pandas as pd
import pytest

from evaluation.cli import main
from evaluation.core.paths import REPORTS_DIR
from evaluation.synthetic.demo import generate


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("mon") / "demo"
    dataclasses.replace(generate(families_per_region=30, comparison_per_region=10, seed=11), rounds=True).write(out)
    return out


def _before():
    root = REPORTS_DIR / "monitoring"
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


@pytest.mark.parametrize("period", ["2021-05", "2020-13", "november"])
def test_period_not_in_plan(capsys, period):
    assert main(["monitor", "--period", period]) == 2
    err = capsys.readouterr().err
    assert "is not a monitoring round of the plan" in err and "2020-08" in err and "What to do" in err
    assert "Traceback" not in err


def test_damaged_round_is_refused_with_file_row_column(capsys, demo_dir, tmp_path):
    data = tmp_path / "demo"
    shutil.copytree(demo_dir, data)
    path = data / "rounds" / "monitoring_2020-12.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[2, "pendampingan/tksk_sessions"] = "0"  # attended to date falls below November's count
    df.to_csv(path, index=False, lineterminator="\n")
    before = _before()
    assert main(["monitor", "--period", "2020-12", "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "monitoring_2020-12.csv, row 4, column 'pendampingan/tksk_sessions'" in err
    assert "Rule: cumulative_never_falls" in err and "What to do" in err and "Traceback" not in err
    assert _before() == before  # nothing written


def test_data_without_rounds(capsys, demo_dir, tmp_path):
    data = tmp_path / "demo"
    shutil.copytree(demo_dir, data)
    shutil.rmtree(data / "rounds")
    assert main(["monitor", "--period", "2020-12", "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err
    assert "no monitoring rounds" in err and "rounds/" in err


def test_demo_data_writes_the_rounds(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo-data", "--out", str(out), "--families", "50", "--comparison", "50"]) == 0
    files = sorted(p.name for p in (out / "rounds").iterdir())
    assert files == [f"monitoring_{p}.csv" for p in ("2020-08", "2020-09", "2020-10", "2020-11", "2020-12",
                                                      "2021-01", "2021-02")] + ["truth_rounds.csv"]  # fmt: skip
