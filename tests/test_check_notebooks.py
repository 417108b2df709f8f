"""tools/check_notebooks.py: the nbstripout --verify equivalent that `make test` (and so CI) runs (issue 6, item 4)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from evaluation.paths import NOTEBOOKS_DIR, PROJ_ROOT

TOOL = PROJ_ROOT / "tools" / "check_notebooks.py"
_spec = importlib.util.spec_from_file_location("check_notebooks", TOOL)
assert _spec and _spec.loader
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

STORED = NOTEBOOKS_DIR / "region_evaluation.ipynb"


def _copy(tmp_path: Path, edit=None) -> Path:
    nb = json.loads(STORED.read_text(encoding="utf-8"))
    if edit:
        edit(nb)
    out = tmp_path / "nb.ipynb"
    out.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return out


def _first_code(nb: dict) -> dict:
    return next(
        c for c in nb["cells"] if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])
    )


def _set(key, value, where="cell"):
    def edit(nb):
        target = _first_code(nb) if where == "cell" else nb
        if where == "cell_meta":
            target = _first_code(nb)["metadata"]
        elif where == "nb_meta":
            target = nb["metadata"]
        target[key] = value

    return edit


def test_committed_notebooks_are_clean():
    assert check.main([]) == 0
    found = check.notebooks()
    assert STORED in found and NOTEBOOKS_DIR / "national_synthesis.ipynb" in found


def test_the_stored_notebook_itself_passes(tmp_path):
    assert check.problems(_copy(tmp_path), require_parameters=True) == []


OUTPUT = {"output_type": "stream", "name": "stdout", "text": ["1\n"]}


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_set("outputs", [OUTPUT]), "has outputs"),
        (_set("execution_count", 3), "has an execution count (3)"),
        (_set("execution", {"iopub.status.idle": "2026-01-01T00:00:00Z"}, "cell_meta"), "metadata 'execution'"),
        (_set("ExecuteTime", {"end_time": "2026-01-01"}, "cell_meta"), "metadata 'ExecuteTime'"),
        (_set("collapsed", False, "cell_meta"), "metadata 'collapsed'"),
        (_set("scrolled", True, "cell_meta"), "metadata 'scrolled'"),
        (_set("papermill", {"duration": 1.0}, "cell_meta"), "metadata 'papermill'"),
        (_set("tags", ["injected-parameters"], "cell_meta"), "injected parameters cell"),
        (_set("papermill", {"parameters": {}}, "nb_meta"), "notebook metadata 'papermill'"),
        (_set("signature", "sha256:abc", "nb_meta"), "notebook metadata 'signature'"),
        (_set("widgets", {}, "nb_meta"), "notebook metadata 'widgets'"),
    ],
)
def test_each_trace_of_execution_is_found_and_named(tmp_path, edit, expected):
    path = _copy(tmp_path, edit)
    found = check.problems(path, require_parameters=True)
    assert len(found) == 1 and expected in found[0] and "nb.ipynb" in found[0], found
    check.strip(path)
    assert check.problems(path, require_parameters=True) == (
        [] if "injected" not in expected else found  # an executed notebook's injected cell is not silently kept
    )


def test_missing_parameters_cell_and_broken_files_are_reported(tmp_path):
    def untag(nb):
        for c in nb["cells"]:
            c["metadata"].pop("tags", None)

    assert "no code cell tagged 'parameters'" in check.problems(_copy(tmp_path, untag), require_parameters=True)[0]
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    assert "not a readable JSON notebook" in check.problems(bad)[0]
    old = tmp_path / "old.ipynb"
    old.write_text(json.dumps({"nbformat": 3, "worksheets": []}), encoding="utf-8")
    assert "not an nbformat-4 notebook" in check.problems(old)[0]


def test_strip_keeps_the_code_and_is_idempotent(tmp_path):
    def dirty(nb):
        for i, c in enumerate(nb["cells"]):
            if c["cell_type"] == "code":
                c["outputs"], c["execution_count"] = [OUTPUT], i
                c["metadata"]["execution"] = {"x": 1}

    path = _copy(tmp_path, dirty)
    assert len(check.problems(path)) > 3
    check.strip(path)
    once = path.read_bytes()
    check.strip(path)
    assert path.read_bytes() == once
    stripped, stored = json.loads(once), json.loads(STORED.read_text(encoding="utf-8"))
    assert [c["source"] for c in stripped["cells"]] == [c["source"] for c in stored["cells"]]
    assert [c["metadata"] for c in stripped["cells"]] == [c["metadata"] for c in stored["cells"]]


def test_command_line_exit_codes(tmp_path):
    clean = _copy(tmp_path)
    dirty = tmp_path / "dirty.ipynb"
    dirty.write_text(clean.read_text().replace('"execution_count": null', '"execution_count": 7', 1))
    ok = subprocess.run([sys.executable, str(TOOL), str(clean)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run([sys.executable, str(TOOL), str(dirty)], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "dirty.ipynb: cell" in bad.stderr and "execution count (7)" in bad.stderr and "--strip" in bad.stderr
    assert "Traceback" not in bad.stderr
    fixed = subprocess.run([sys.executable, str(TOOL), "--strip", str(dirty)], capture_output=True, text=True)
    assert fixed.returncode == 0, fixed.stderr
