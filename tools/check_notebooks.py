"""Fail when a committed notebook carries outputs or execution counts, or lacks a 'parameters' cell.

Run by ``make test`` (and so by CI): notebooks are stored stripped (``python tools/check_notebooks.py --strip``
strips them in place).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def problems(path: Path) -> list[str]:
    """What is wrong with one notebook (empty when clean)."""
    nb = nbformat.read(path, as_version=4)
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            out.append(f"{path.relative_to(ROOT)}: cell {i} has outputs or an execution count")
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells if c.cell_type == "code"):
        out.append(f"{path.relative_to(ROOT)}: no code cell tagged 'parameters'")
    return out


def strip(path: Path) -> None:
    """Remove outputs and execution counts in place."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    nbformat.write(nb, path)


def main(argv: list[str]) -> int:
    """Check (or with --strip, strip) every notebook under notebooks/."""
    paths = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    if "--strip" in argv:
        for p in paths:
            strip(p)
    found = [msg for p in paths for msg in problems(p)]
    for msg in found:
        print(msg, file=sys.stderr)
    if found:
        print("Strip them with: python tools/check_notebooks.py --strip", file=sys.stderr)
        return 1
    print(f"{len(paths)} notebooks clean (no outputs, parameters cell present)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
