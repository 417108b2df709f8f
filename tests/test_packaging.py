"""The two README commands, the lock files and environment.yml stay in step (DEVELOPERS: pin in both)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Running needs the first lock only; `make test` installs all three (tools/venv.sh).
LOCKS = ("requirements.lock", "requirements-test.lock", "requirements-bench.lock")


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _lock(*names: str) -> dict[str, str]:
    pins = {}
    for name in names or LOCKS:
        for line in (ROOT / name).read_text().splitlines():
            if line and not line.startswith("#"):
                package, version = line.split("==")
                pins[_norm(package)] = version
    return pins


def _declared(group: str | None) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [_norm(re.split(r"[<>=\[ ;]", dep, maxsplit=1)[0]) for dep in deps]


def test_every_lock_line_is_an_exact_pin():
    for name in LOCKS:
        for line in (ROOT / name).read_text().splitlines():
            if line and not line.startswith("#"):
                assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line), (name, line)


def test_no_package_is_pinned_in_two_lock_files():
    seen: dict[str, str] = {}
    for name in LOCKS:
        for package in _lock(name):
            assert package not in seen, f"{package} is pinned in {seen[package]} and {name}"
            seen[package] = name


def test_environment_yml_has_the_same_pins_as_the_locks():
    env = (ROOT / "environment.yml").read_text()
    env_pins = dict((_norm(m.group(1)), m.group(2)) for m in re.finditer(r"- ([A-Za-z0-9_.\-]+)==(\S+)", env))
    assert env_pins == _lock()
    assert "python=3.11" in env


def test_every_declared_dependency_is_pinned_in_its_groups_lock():
    runtime = _lock("requirements.lock")
    for name in _declared(None):
        assert name in runtime, f"{name} is a runtime dependency but not pinned in requirements.lock"
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    for dep in build:  # the editable install runs without build isolation, from the runtime lock
        name = _norm(re.split(r"[<>=\[ ;]", dep, maxsplit=1)[0])
        assert name in runtime, f"{name} builds the package but is not pinned in requirements.lock"
    with_test = _lock("requirements.lock", "requirements-test.lock")
    for name in _declared("test"):
        assert name in with_test, f"{name} is a test dependency but not pinned in requirements(-test).lock"
    everything = _lock()
    for name in _declared("bench"):
        assert name in everything, f"{name} is a benchmark dependency but pinned in no lock file"


def test_running_does_not_install_test_or_benchmark_tools():
    runtime = _lock("requirements.lock")
    for name in ("pytest", "pyfixest", "linearmodels", "numba", "moderndid", "diff-diff", "wildboottest", "ruff"):
        assert name not in runtime, f"{name} is a test/benchmark tool: it belongs in requirements-test/-bench.lock"


def test_set_up_uses_a_pinned_uv_with_a_pip_fallback():
    makefile = (ROOT / "Makefile").read_text()
    version = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M)
    assert version and re.fullmatch(r"\d+\.\d+\.\d+", version.group(1)), "the Makefile pins uv to an exact version"
    script = (ROOT / "tools" / "venv.sh").read_text()
    assert '"uv==$UV_VERSION"' in script and "pip sync" in script and "-m pip install" in script
    for lock in LOCKS:
        assert lock in script and lock in makefile


def test_readme_states_the_two_commands_and_ci_runs_the_test_command():
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text()
