"""The two README commands, the lock file and environment.yml stay in step (DEVELOPERS: pin in both)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_every_lock_line_is_an_exact_pin():
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line), line


def test_environment_yml_has_the_same_pins_as_the_lock():
    env = (ROOT / "environment.yml").read_text()
    env_pins = dict(
        (m.group(1).lower().replace("_", "-"), m.group(2)) for m in re.finditer(r"- ([A-Za-z0-9_.\-]+)==(\S+)", env)
    )
    assert env_pins == _lock()
    assert "python=3.11" in env


def test_every_declared_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = list(project["dependencies"]) + [d for ds in project["optional-dependencies"].values() for d in ds]
    lock = _lock()
    for dep in declared:
        name = re.split(r"[<>=\[ ;]", dep, maxsplit=1)[0].lower().replace("_", "-")
        assert name in lock, f"{name} is a dependency but not pinned in requirements.lock"


def test_readme_states_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
