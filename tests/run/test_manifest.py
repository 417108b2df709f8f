"""The run manifest: hashes, parameters, git state, package versions (issue 6, item 1)."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.core.config import load_config
from evaluation.core.paths import DEFAULT_CODEBOOK, DEFAULT_CONFIG, NOTEBOOKS_DIR, PROJ_ROOT
from evaluation.run import manifest as mf
from evaluation.run.runner import NATIONAL_NOTEBOOK, REGION_NOTEBOOK, plan
from tests.conftest import write_config

# FIPS 180-4 / NIST CSRC example: SHA-256("abc").
SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_sha256_of_a_file_matches_the_nist_example_and_hashlib(tmp_path):
    p = tmp_path / "abc"
    p.write_bytes(b"abc")
    assert mf.sha256_file(p) == SHA256_ABC
    big = tmp_path / "big"
    payload = bytes(range(256)) * 20_000  # several 1 MiB chunks
    big.write_bytes(payload)
    assert mf.sha256_file(big) == hashlib.sha256(payload).hexdigest()


def test_paths_inside_the_project_are_recorded_relative(tmp_path):
    assert mf.display_path(DEFAULT_CONFIG) == "data/config.toml"
    assert mf.display_path("data/codebook.csv") == "data/codebook.csv"
    assert mf.display_path(tmp_path / "x") == str((tmp_path / "x").resolve())
    params = {"config": str(DEFAULT_CONFIG), "data_dir": "", "output_dir": str(PROJ_ROOT / "reports/r/3402")}
    assert mf.portable_parameters({**params, "region": "3402"}) == {
        "config": "data/config.toml",
        "data_dir": "",
        "output_dir": "reports/r/3402",
        "region": "3402",
    }


def _manifest(tmp_path, demo_dir):
    cfg = load_config(write_config(tmp_path / "config.toml", demo_dir, tmp_path / "reports"))
    tasks = plan(cfg, ["3402"], None, tmp_path / "reports" / "r.partial")
    return cfg, mf.build_manifest(cfg, tasks, cfg.run.data_dir, "r", jobs=2)


def test_manifest_lists_every_input_with_its_hash(tmp_path, demo_dir):
    _, m = _manifest(tmp_path, demo_dir)
    by_path = {i["path"]: i for i in m["inputs"]}
    data_files = sorted(p for p in demo_dir.iterdir() if p.is_file() and not p.name.startswith("."))
    assert (demo_dir / ".prokus-owned").is_file()  # hidden (the ownership marker, with mtimes): not an input
    assert not any(".prokus-owned" in path for path in by_path)
    assert {"roster.csv", "programme.csv", "survey.csv", "truth.json", "dataset.json"} <= {p.name for p in data_files}
    for p in data_files:
        item = by_path[str(p.resolve())]
        assert item["role"] == "data" and item["sha256"] == mf.sha256_file(p) and item["bytes"] == p.stat().st_size
    assert by_path["data/codebook.csv"]["sha256"] == mf.sha256_file(DEFAULT_CODEBOOK)
    assert by_path[str((tmp_path / "config.toml").resolve())]["role"] == "config"
    for nb in (REGION_NOTEBOOK, NATIONAL_NOTEBOOK):
        assert by_path[f"notebooks/{nb}"]["sha256"] == mf.sha256_file(NOTEBOOKS_DIR / nb)
    for name in ("questions.csv", "question_choices.csv", "indicators.toml"):  # the questions layer (issue 12)
        item = by_path[f"data/{name}"]
        assert item["role"] == "codebook" and item["sha256"] == mf.sha256_file(DEFAULT_CODEBOOK.parent / name)
    assert len(by_path) == len(m["inputs"]) == len(data_files) + 4 + 3  # each file once


def test_manifest_records_parameters_seeds_threads_and_software(tmp_path, demo_dir):
    cfg, m = _manifest(tmp_path, demo_dir)
    assert [n["scope"] for n in m["notebooks"]] == ["3402", "national"]
    region = m["notebooks"][0]
    assert region["notebook"] == f"notebooks/{REGION_NOTEBOOK}" and region["output"] == "3402"
    assert region["parameters"]["region"] == "3402" and region["parameters"]["language"] == "id"
    assert m["seeds"]["analysis"] == cfg.run.seed
    assert m["seeds"]["data"] == json.loads((demo_dir / "dataset.json").read_text())["seed"]
    assert m["threads"]["blas_threads"] == cfg.run.blas_threads and m["threads"]["jobs"] == 2
    assert m["verify"]["rel_tolerance"] == cfg.run.verify_rel_tolerance == 1e-9
    packages = m["software"]["packages"]
    assert packages["numpy"] == np.__version__ and packages["pandas"] == pd.__version__
    assert list(packages) == sorted(packages, key=str.lower)
    assert m["software"]["python"]["version"].startswith("3.11")
    assert m["created_utc"].endswith("Z") and m["run_id"] == "r"
    sources = set(m["code"]["package_sha256"])
    assert sources >= {"estimators.py", "stats/estimators.py", "run/manifest.py", "run/verify.py"}
    json.dumps(m, allow_nan=False)  # plain JSON


def test_git_state_of_this_checkout():
    state = mf.git_state()
    try:
        head = subprocess.run(
            ["git", "-C", str(PROJ_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout (e.g. an unpacked replication archive)")
    assert state["available"] and state["commit"] == head and len(head) == 40
    status = subprocess.run(
        ["git", "-C", str(PROJ_ROOT), "status", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout
    assert state["dirty"] == bool(status.strip())
    assert all(not c.startswith(" ") and c for c in state["changed"])  # paths, not status columns


def test_git_state_falls_back_gracefully(tmp_path, monkeypatch):
    monkeypatch.setattr(mf, "PROJ_ROOT", tmp_path)  # a directory that is not a git checkout
    state = mf.git_state()
    assert state["available"] is False and state["reason"]

    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(mf.subprocess, "run", no_git)
    assert mf.git_state() == {"available": False, "reason": "git is not installed"}


def test_output_hashes_leave_out_notebooks_and_logs(tmp_path):
    (tmp_path / "3402" / "figures").mkdir(parents=True)
    for name in ("results.json", "kernels.log", "manifest.json", "3402/notebook.ipynb", "3402/figures/a.png"):
        (tmp_path / name).write_text(name)
    (tmp_path / ".hidden").write_text("x")
    assert mf.hash_outputs(tmp_path) == {
        "3402/figures/a.png": hashlib.sha256(b"3402/figures/a.png").hexdigest(),
        "results.json": hashlib.sha256(b"results.json").hexdigest(),
    }


def test_write_then_read_manifest(tmp_path, demo_dir):
    _, m = _manifest(tmp_path, demo_dir)
    run = tmp_path / "run"
    run.mkdir()
    (run / "results.json").write_text("{}\n")
    path = mf.write_manifest(m, run)
    back = mf.read_manifest(run)
    assert back["outputs"] == {"results.json": mf.sha256_file(run / "results.json")}
    assert back["inputs"] == m["inputs"] and path.name == "manifest.json"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "has no manifest.json"), ("{oops", "cannot be read"), ('{"schema": 99}', "not a schema-1 manifest")],
)
def test_unreadable_manifest_is_a_clear_error(tmp_path: Path, content, message):
    if content is not None:
        (tmp_path / "manifest.json").write_text(content)
    with pytest.raises(mf.ManifestError, match=message):
        mf.read_manifest(tmp_path)
