"""REPLICATION.md: its list of tables and figures names only things that exist (issue 6, item 5).

Fast tests: every notebook named exists, every notebook cell named is in that notebook, every function named can be
imported. Slow test (with a run of region 3402 and the national synthesis): every file named is produced, and every
figure the run produces is in the list.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from evaluation.core.paths import PROJ_ROOT

REPLICATION = PROJ_ROOT / "REPLICATION.md"
REGION_IN_TEST_RUN = "3402"
_CODE = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Row:
    output: str
    notebooks: tuple[str, ...]
    cell: str
    functions: tuple[str, ...]
    files: tuple[str, ...]


def output_list(text: str | None = None) -> list[Row]:
    """The rows of the table between the ``outputs:start`` and ``outputs:end`` markers."""
    text = REPLICATION.read_text(encoding="utf-8") if text is None else text
    block = text.split("<!-- outputs:start -->", 1)[1].split("<!-- outputs:end -->", 1)[0]
    rows = []
    for line in block.strip().splitlines()[2:]:  # header and rule
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 5, line
        output, notebooks, cell, functions, files = cells
        named = _CODE.findall(notebooks)
        rows.append(
            Row(
                output,
                tuple(named) if named else ("notebooks/region_evaluation.ipynb", "notebooks/national_synthesis.ipynb"),
                _CODE.findall(cell)[0],
                tuple(_CODE.findall(functions)),
                tuple(_CODE.findall(files)),
            )
        )
    return rows


def _resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


def _sources(notebook: Path) -> str:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def test_the_list_is_not_empty_and_covers_both_notebooks():
    rows = output_list()
    assert len(rows) >= 10
    assert {"notebooks/region_evaluation.ipynb", "notebooks/national_synthesis.ipynb"} <= {
        nb for r in rows for nb in r.notebooks
    }
    assert sum(r.output.startswith("Figure") for r in rows) >= 3


def test_every_notebook_cell_and_function_named_exists():
    for row in output_list():
        for nb in row.notebooks:
            path = PROJ_ROOT / nb
            assert path.is_file(), f"{row.output}: {nb} does not exist"
            assert row.cell in _sources(path), f"{row.output}: cell {row.cell!r} is not in {nb}"
        assert row.functions, row.output
        for fn in row.functions:
            assert callable(_resolve(fn)), f"{row.output}: {fn} is not a function"
            module = importlib.import_module(_resolve(fn).__module__)  # the module that defines it, in any room
            source = Path(module.__file__).resolve()
            assert source.is_relative_to(PROJ_ROOT / "src" / "evaluation") and source.is_file(), fn


def test_a_wrong_name_would_be_caught():
    bad = """<!-- outputs:start -->
| output | notebook | cell | functions | file |
|---|---|---|---|---|
| Figure: x | `notebooks/region_evaluation.ipynb` | `ev.sample()` | `evaluation.text.figures.no_such_figure` | `x.png` |
<!-- outputs:end -->"""
    (row,) = output_list(bad)
    with pytest.raises(AttributeError):
        _resolve(row.functions[0])


def test_the_files_the_replication_readme_names_exist():
    text = REPLICATION.read_text(encoding="utf-8")
    for name in ("Makefile", "requirements.lock", "environment.yml", "data/codebook.csv", "data/config.toml"):
        assert name in text and (PROJ_ROOT / name).is_file(), name
    for module in re.findall(r"`src/evaluation/([\w/]+\.py)`", text):
        assert (PROJ_ROOT / "src" / "evaluation" / module).is_file(), module
    for path in re.findall(r"`((?:tools|tests|notebooks)/[\w/.-]+\.(?:py|ipynb))`", text):
        assert (PROJ_ROOT / path).is_file(), path


@pytest.mark.slow
def test_a_run_produces_every_listed_file_and_every_figure_is_listed(fresh_runs):
    run, _, _ = fresh_runs
    listed = set()
    for row in output_list():
        for name in row.files:
            listed.add(name.replace("<region>", REGION_IN_TEST_RUN))
    for name in sorted(listed):
        assert (run / name).is_file(), f"REPLICATION.md names {name}, which the run did not produce"
    figures = {p.relative_to(run).as_posix() for p in run.rglob("figures/*") if p.is_file()}
    assert figures and figures <= listed, f"figures missing from REPLICATION.md: {sorted(figures - listed)}"
