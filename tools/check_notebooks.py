"""Fail when a notebook in the repository carries outputs, execution counts or execution metadata.

Run by ``make test`` (and so by CI). The check is the equivalent of ``nbstripout --verify`` with nbstripout's
default keys, plus papermill's traces, read from the raw JSON (nothing normalised away first):

- code cells: ``outputs`` not empty, ``execution_count`` not null;
- cell metadata: ``collapsed``, ``scrolled``, ``ExecuteTime``, ``execution``, ``heading_collapsed``, ``hidden``
  (nbstripout's defaults), ``papermill``, and the ``injected-parameters`` tag of an executed notebook;
- notebook metadata: ``signature``, ``widgets`` (nbstripout's defaults) and ``papermill``;
- a file that is not valid JSON or not an nbformat-4 notebook;
- notebooks under ``notebooks/`` must have a code cell tagged ``parameters`` (papermill runs them).

Notebooks checked: every ``.ipynb`` that git tracks or would add (untracked, not ignored), or, outside a git
checkout, every ``.ipynb`` under the root outside hidden, ``reports/``, ``data/``, ``build/`` and ``dist/``
folders. Paths given on the command line are checked instead. ``--strip`` strips them in place first.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CELL_METADATA_KEYS = ("collapsed", "scrolled", "ExecuteTime", "execution", "heading_collapsed", "hidden", "papermill")
NOTEBOOK_METADATA_KEYS = ("signature", "widgets", "papermill")
PAPERMILL_TAG = "injected-parameters"
SKIPPED_DIRS = ("reports", "data", "build", "dist")


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _tags(cell: dict[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return tags if isinstance(tags, list) else []


def problems(path: Path, require_parameters: bool | None = None) -> list[str]:
    """What is wrong with one notebook (empty when clean), one message per problem naming file and cell."""
    shown = _shown(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return [f"{shown}: not a readable JSON notebook ({exc})"]
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) or nb.get("nbformat") != 4:
        return [f"{shown}: not an nbformat-4 notebook (no 'cells' list or nbformat != 4)"]
    out = []
    for i, cell in enumerate(nb["cells"]):
        where = f"{shown}: cell {i}"
        if not isinstance(cell, dict):
            out.append(f"{where} is not a JSON object")
            continue
        if cell.get("cell_type") == "code":
            if cell.get("outputs"):
                out.append(f"{where} has outputs")
            if cell.get("execution_count") is not None:
                out.append(f"{where} has an execution count ({cell['execution_count']})")
        meta = cell.get("metadata", {})
        for key in CELL_METADATA_KEYS:
            if isinstance(meta, dict) and key in meta:
                out.append(f"{where} has metadata '{key}'")
        if PAPERMILL_TAG in _tags(cell):
            out.append(f"{where} is papermill's injected parameters cell (an executed notebook)")
    meta = nb.get("metadata", {})
    for key in NOTEBOOK_METADATA_KEYS:
        if isinstance(meta, dict) and key in meta:
            out.append(f"{shown}: notebook metadata '{key}'")
    if require_parameters is None:
        require_parameters = path.resolve().parent == (ROOT / "notebooks").resolve()
    if require_parameters and not any(
        "parameters" in _tags(c) for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"
    ):
        out.append(f"{shown}: no code cell tagged 'parameters'")
    return out


def strip(path: Path) -> None:
    """Remove outputs, execution counts and the metadata :func:`problems` refuses, in place."""
    nb = nbformat.read(path, as_version=4)
    for key in NOTEBOOK_METADATA_KEYS:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in CELL_METADATA_KEYS:
            cell.metadata.pop(key, None)
    nbformat.write(nb, path)


def notebooks(root: Path = ROOT) -> list[Path]:
    """The repository's notebooks: tracked or addable ones from git, else a filtered walk of ``root``."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.ipynb"],
            capture_output=True,
            check=True,
            timeout=60,
        )
        top = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        top = ""
    if top and Path(top).resolve() == root.resolve():
        names = [n for n in proc.stdout.decode("utf-8").split("\0") if n]
        return sorted({root / n for n in names if (root / n).is_file()})
    found = []
    for p in root.rglob("*.ipynb"):
        parts = p.relative_to(root).parts[:-1]
        if not any(part.startswith(".") or part in SKIPPED_DIRS for part in parts):
            found.append(p)
    return sorted(found)


def main(argv: list[str]) -> int:
    """Check (with --strip: strip, then check) the given notebooks, or every notebook of the repository."""
    args = [a for a in argv if a != "--strip"]
    paths = [Path(a) for a in args] if args else notebooks()
    if "--strip" in argv:
        for p in paths:
            if not any("not a readable" in m or "not an nbformat-4" in m for m in problems(p)):
                strip(p)  # an unreadable file is left as it is, and reported below
    found = [msg for p in paths for msg in problems(p)]
    for msg in found:
        print(msg, file=sys.stderr)
    if found:
        print("Strip them with: python tools/check_notebooks.py --strip", file=sys.stderr)
        return 1
    print(f"{len(paths)} notebooks clean (no outputs, execution counts or execution metadata; parameters cell present)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
