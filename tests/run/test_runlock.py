"""A run owns its run id and its leftovers (issue 14): the lock, stale locks, and what a killed run leaves behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from evaluation.core.errors import UserError
from evaluation.run.runlock import (
    RunLock,
    check_run_id,
    clean_leftovers,
    kernel_tempdir,
    mark_partial,
    run_lock,
)
from tests.conftest import write_config


@pytest.mark.parametrize("good", ["first", "20261130-120000", "bantul_2026.v2", "A-1"])
def test_plain_run_ids_are_accepted(good):
    assert check_run_id(good) == good


@pytest.mark.parametrize(
    "bad", ["", "../x", "x/../../y", "/abs", "latest", "r.partial", "r.lock", ".r", "a b", "x" * 101]
)
def test_paths_and_reserved_names_are_refused(bad):
    with pytest.raises(UserError, match="plain name"):
        check_run_id(bad)


def test_lock_is_exclusive_and_released(tmp_path):
    first, second = run_lock(tmp_path, "r"), run_lock(tmp_path, "r")
    assert first.try_acquire()
    assert not second.try_acquire()
    with pytest.raises(UserError, match=f"process id {os.getpid()}"):
        second.__enter__()
    first.release()
    assert not (tmp_path / ".r.lock").exists()
    with second:
        assert (tmp_path / ".r.lock").read_text().strip() == str(os.getpid())


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from pathlib import Path; from evaluation.run.runlock import run_lock; "
         "assert run_lock(Path(sys.argv[1]), 'r').try_acquire(); import os; os._exit(0)", str(tmp_path)],
        check=True,
    )  # fmt: skip
    del proc
    lock_file = tmp_path / ".r.lock"
    assert lock_file.is_file()  # left behind by the dead process
    with run_lock(tmp_path, "r") as lock:
        assert lock.holder() == str(os.getpid())


def _partial(reports: Path, rid: str, state: str | None) -> Path:
    p = reports / f"{rid}.partial"
    (p / "3402").mkdir(parents=True)
    (p / "3402" / "notebook.ipynb").write_text("{}")
    if state is not None:
        mark_partial(p, state)
    return p


def test_the_next_run_cleans_a_killed_runs_partial_folder_only(tmp_path):
    killed = _partial(tmp_path, "killed", "running")
    failed = _partial(tmp_path, "failed", "failed")  # kept for inspection
    foreign = _partial(tmp_path, "foreign", None)  # not the runner's: never touched
    alive = _partial(tmp_path, "alive", "running")
    holder = run_lock(tmp_path, "alive")
    assert holder.try_acquire()
    try:
        removed = clean_leftovers(tmp_path)
    finally:
        holder.release()
    assert killed in removed and not killed.exists()
    assert failed.is_dir() and foreign.is_dir() and alive.is_dir()


def test_a_killed_runs_temporary_folder_is_cleaned_and_a_live_one_kept(tmp_path):
    dead = Path(tempfile.mkdtemp(prefix="prokus-run-999999999-"))
    (dead / ".prokus-owned").write_text("run tempdir\n")
    (dead / "tmpabc.json").write_text('{"key": "secret"}')  # a kernel's connection file
    not_ours = Path(tempfile.mkdtemp(prefix="prokus-run-other-"))
    try:
        with kernel_tempdir() as live:
            assert tempfile.gettempdir() == str(live)
            fd, name = tempfile.mkstemp(".json")  # where jupyter_client writes a kernel's connection file
            os.close(fd)
            assert Path(name).parent == live
            removed = clean_leftovers(tmp_path)
            assert dead in removed and not dead.exists()
            assert live.is_dir() and not_ours.is_dir()
        assert not live.exists() and tempfile.gettempdir() != str(live)
    finally:
        shutil.rmtree(dead, ignore_errors=True)
        shutil.rmtree(not_ours, ignore_errors=True)


def test_run_replaces_a_killed_run_and_leaves_no_temporary_files(demo_dir, tmp_path, monkeypatch):
    """End to end: a killed run's partial folder of the same id is replaced; the run's temp folder is removed."""
    from evaluation.run.runner import run

    data = tmp_path / "data"
    shutil.copytree(demo_dir, data)
    cfg = write_config(tmp_path / "config.toml", data, tmp_path / "reports")
    reports = tmp_path / "reports"
    reports.mkdir()
    killed = _partial(reports, "again", "running")
    other_killed = _partial(reports, "older", "running")
    # this process's temp folders only: other runs on the machine (or other test workers) have their own pids
    mine = f"prokus-run-{os.getpid()}-*"
    before = set(Path(tempfile.gettempdir()).glob(mine))
    final = run(config=str(cfg), regions=["3402"], jobs=1, run_id="again", progress=False)
    assert final == reports / "again" and (final / "results.json").is_file()
    assert not killed.exists() and not other_killed.exists()
    assert (final / ".prokus-owned").read_text().startswith("run complete")
    assert not (reports / ".again.lock").exists()
    assert set(Path(tempfile.gettempdir()).glob(mine)) <= before


def test_release_without_acquire_is_harmless(tmp_path):
    RunLock(tmp_path / ".x.lock", "x").release()
    assert not (tmp_path / ".x.lock").exists()
