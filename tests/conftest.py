"""Shared fixtures: a synthetic data set, and a private config pointing data and reports into a temp dir."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.core.paths import DEFAULT_CONFIG
from evaluation.synthetic.demo import SyntheticData, generate

SEED = 20201

# pytest-xdist (make test runs `pytest -n <cores> --dist loadgroup`): the tests of one module stay on one worker, so a
# module's fixtures (a finished run, a rendered form) are built once; tests that use an expensive session fixture
# share one worker across modules, so the fixture is built once per suite, not once per worker. Every test writes
# into its own tmp_path (pytest gives each worker its own base folder); nothing writes reports/, data/processed or
# data/raw/demo of the checkout, so workers cannot collide there.
SHARED_SESSION_FIXTURES = ("fresh_runs", "national")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Give each test an xdist group: its expensive session fixture, else its module (see above)."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        shared = [f for f in SHARED_SESSION_FIXTURES if f in getattr(item, "fixturenames", ())]
        group = shared[0] if shared else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True, scope="session")
def _private_tmpdir(tmp_path_factory: pytest.TempPathFactory):
    """Give the session (each xdist worker) its own TMPDIR.

    A test that lists the temp folder (``prokus-run-*``) then sees only its own runs, not another worker's.
    """
    import tempfile

    private = tmp_path_factory.mktemp("tmpdir")
    old = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = str(private)
    tempfile.tempdir = None
    yield private
    if old is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = old
    tempfile.tempdir = None


@pytest.fixture(scope="session")
def demo() -> SyntheticData:
    """The default demo draw (1,000 ProKUS + 1,000 comparison families), generated once."""
    return generate(seed=SEED)


def write_config(path: Path, data_dir: Path, reports_dir: Path, **replace: str) -> Path:
    """Copy data/config.toml to ``path`` with data_dir and reports_dir replaced (and other ``key = value`` lines)."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^data_dir = .*$", f'data_dir = "{data_dir}"', text)
    text = re.sub(r"(?m)^reports_dir = .*$", f'reports_dir = "{reports_dir}"', text)
    # intake writes processed tables beside the private reports directory, never into the repository's data/
    text = re.sub(r"(?m)^processed_dir = .*$", f'processed_dir = "{Path(reports_dir).parent / "processed"}"', text)
    for key, value in replace.items():
        text = re.sub(rf"(?m)^{key} = .*$", f"{key} = {value}", text)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory, demo: SyntheticData) -> Path:
    """The demo data written to a temporary directory."""
    return demo.write(tmp_path_factory.mktemp("data") / "demo")


def _run_in_fresh_process(cfg: Path, run_id: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "evaluation", "run", "--config", str(cfg), "--regions", "3402", "--run-id", run_id],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "random"},  # the runner must pin the kernels' hash seed itself
    )
    assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="session")
def fresh_runs(tmp_path_factory: pytest.TempPathFactory, demo_dir: Path) -> tuple[Path, Path, Path]:
    """Two runs of the same inputs (region 3402 + national), each in a fresh process, on a private data copy.

    Returns the two run directories and the data directory (issue 6: verify, determinism, replication list).
    """
    root = tmp_path_factory.mktemp("fresh-runs")
    data = root / "data"
    shutil.copytree(demo_dir, data)
    cfg = write_config(root / "config.toml", data, root / "reports")
    _run_in_fresh_process(cfg, "first")
    _run_in_fresh_process(cfg, "second")
    return root / "reports" / "first", root / "reports" / "second", data


NATIONAL_FAMILIES, NATIONAL_DISTRICTS = 2_000, 5


@pytest.fixture(scope="session")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small district-partitioned national data set (5 districts, 2,000 families, seed 7), generated once."""
    from evaluation.synthetic.national import generate_national

    out = tmp_path_factory.mktemp("national") / "data"
    generate_national(out, families=NATIONAL_FAMILIES, districts=NATIONAL_DISTRICTS, seed=7, config_data_dir=str(out))
    return out
