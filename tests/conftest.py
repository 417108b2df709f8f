"""Shared fixtures: a synthetic data set, and a private config pointing data and reports into a temp dir."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from evaluation.paths import DEFAULT_CONFIG
from evaluation.synthetic import SyntheticData, generate

SEED = 20201


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
