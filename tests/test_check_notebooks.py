"""tools/check_notebooks.py: ``nbstripout --verify`` plus the parameters-cell check that `make test` (CI) runs."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.core.paths import NOTEBOOKS_DIR, PROJ_ROOT

TOOL = PROJ_ROOT / "tools" / "check_notebooks.py"
_spec = importlib.util.spec_from_file_location("check_notebooks", TOOL)
assert _spec and _spec.loader
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

STORED = NOTEBOOKS_DIR / "region_evaluation.ipynb"
OUTPUT = {"output_type": "stream", "name": "stdout", "text": ["1\n"]}


def _copy(tmp_path: Path, edit=None) -> Path:
    nb = json.loads(STORED.read_text(encoding="utf-8"))
    if edit:
        edit(nb)
    out = tmp_path / "nb.ipynb"
    out.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def _first_code(nb: dict) -> dict:
    return next(
        c for c in nb["cells"] if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])
    )


def _set(key, value, where="cell"):
    def edit(nb):
        target = {"cell": _first_code(nb), "cell_meta": _first_code(nb)["metadata"], "nb_meta": nb["metadata"]}[where]
        target[key] = value

    return edit


def _problems(path: Path) -> list[str]:
    return check.parameters_problems(path) + check.stripped_problems([path])


def test_committed_notebooks_are_clean():
    assert check.main([]) == 0
    assert {STORED, NOTEBOOKS_DIR / "national_synthesis.ipynb"} <= set(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_the_stored_notebook_itself_passes(tmp_path):
    assert _problems(_copy(tmp_path)) == []


@pytest.mark.parametrize(
    "edit",
    [
        _set("outputs", [OUTPUT]),
        _set("execution_count", 3),
        _set("execution", {"iopub.status.idle": "2026-01-01T00:00:00Z"}, "cell_meta"),
        _set("ExecuteTime", {"end_time": "2026-01-01"}, "cell_meta"),
        _set("collapsed", False, "cell_meta"),
        _set("scrolled", True, "cell_meta"),
        _set("papermill", {"duration": 1.0}, "cell_meta"),
        _set("papermill", {"parameters": {}}, "nb_meta"),
        _set("widgets", {}, "nb_meta"),
    ],
    ids=["outputs", "count", "execution", "ExecuteTime", "collapsed", "scrolled", "papermill-cell", "papermill-nb",
         "widgets"],
)
def test_each_trace_of_execution_is_found_named_and_stripped(tmp_path, edit):
    path = _copy(tmp_path, edit)
    found = _problems(path)
    assert len(found) == 1 and "not stripped" in found[0] and "nb.ipynb" in found[0], found
    assert check.main(["--strip", str(path)]) == 0
    assert _problems(path) == []


def test_an_executed_notebooks_injected_cell_is_not_silently_kept(tmp_path):
    path = _copy(tmp_path, _set("tags", ["injected-parameters"], "cell_meta"))
    assert any("injected parameters cell" in m for m in _problems(path))
    assert check.main(["--strip", str(path)]) == 1


def test_missing_parameters_cell_and_broken_files_are_reported(tmp_path):
    def untag(nb):
        for c in nb["cells"]:
            c["metadata"].pop("tags", None)

    assert "no code cell tagged 'parameters'" in check.parameters_problems(_copy(tmp_path, untag))[0]
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    assert "not a readable JSON notebook" in check.parameters_problems(bad)[0]
    assert check.main([str(bad)]) == 1


def test_strip_keeps_the_code_cell_ids_and_metadata_and_is_idempotent(tmp_path):
    def dirty(nb):
        for i, c in enumerate(nb["cells"]):
            if c["cell_type"] == "code":
                c["outputs"], c["execution_count"] = [OUTPUT], i
                c["metadata"]["execution"] = {"x": 1}

    path = _copy(tmp_path, dirty)
    assert _problems(path)
    assert check.main(["--strip", str(path)]) == 0
    once = path.read_bytes()
    assert check.main(["--strip", str(path)]) == 0
    assert path.read_bytes() == once
    stripped, stored = json.loads(once), json.loads(STORED.read_text(encoding="utf-8"))
    for key in ("source", "metadata", "id"):
        assert [c.get(key) for c in stripped["cells"]] == [c.get(key) for c in stored["cells"]], key


def test_command_line_exit_codes(tmp_path):
    clean = _copy(tmp_path)
    dirty = tmp_path / "dirty.ipynb"
    dirty.write_text(clean.read_text().replace('"execution_count": null', '"execution_count": 7', 1))
    ok = subprocess.run([sys.executable, str(TOOL), str(clean)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, str(TOOL), str(dirty)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "dirty.ipynb: not stripped" in bad.stderr and "--strip" in bad.stderr
    assert "Traceback" not in bad.stderr
    fixed = subprocess.run([sys.executable, str(TOOL), "--strip", str(dirty)], capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
