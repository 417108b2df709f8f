"""Fail when a stored notebook carries outputs or execution traces, or lacks its papermill ``parameters`` cell.

Run by ``make test`` (and so by CI). Stripping is nbstripout's job: this script runs ``nbstripout --verify`` with
the project's flags (:data:`NBSTRIPOUT_FLAGS`: keep cell ids, and strip papermill's traces as well as nbstripout's
default keys), then checks what nbstripout does not know: every notebook under ``notebooks/`` has a code cell tagged
``parameters`` (papermill injects the run's parameters after it) and no ``injected-parameters`` cell.

Usage: ``python tools/check_notebooks.py [--strip] [NOTEBOOK ...]`` (default: every ``notebooks/*.ipynb``);
``--strip`` strips them in place with the same flags first. Exit 0 when clean, 1 otherwise, with one line per
problem naming the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Cell ids stay (the technical report links to them); papermill's notebook and cell metadata go too.
NBSTRIPOUT_FLAGS = ("--keep-id", "--extra-keys", "metadata.papermill cell.metadata.papermill")


def _nbstripout() -> list[str]:
    exe = Path(sys.executable).with_name("nbstripout")
    return [str(exe)] if exe.is_file() else [sys.executable, "-m", "nbstripout"]


def stripped_problems(paths: list[Path]) -> list[str]:
    """One message per notebook that ``nbstripout --verify`` would change (outputs, counts, execution metadata)."""
    out = []
    for p in paths:
        proc = subprocess.run([*_nbstripout(), "--verify", *NBSTRIPOUT_FLAGS, str(p)], capture_output=True, text=True)
        if proc.returncode != 0:
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            out.append(f"{_shown(p)}: not stripped (nbstripout --verify: {detail[-1] if detail else 'failed'})")
    return out


def parameters_problems(path: Path) -> list[str]:
    """The notebook's problems: unreadable, no code cell tagged ``parameters``, or papermill's injected cell."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return [f"{_shown(path)}: not a readable JSON notebook ({exc})"]
    tags = [c.get("metadata", {}).get("tags") or [] for c in cells]
    out = [] if any("parameters" in t for t in tags) else [f"{_shown(path)}: no code cell tagged 'parameters'"]
    if any("injected-parameters" in t for t in tags):  # an executed notebook: stripping would keep this cell
        out.append(f"{_shown(path)}: has papermill's injected parameters cell (an executed notebook)")
    return out


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str]) -> int:
    """Check (with --strip: strip, then check) the given notebooks, or every notebook under ``notebooks/``."""
    args = [a for a in argv if a != "--strip"]
    paths = [Path(a) for a in args] if args else sorted((ROOT / "notebooks").glob("*.ipynb"))
    unreadable = [msg for p in paths for msg in parameters_problems(p) if "not a readable" in msg]
    if "--strip" in argv:
        for p in paths:
            if not any(msg.startswith(f"{_shown(p)}:") for msg in unreadable):
                subprocess.run([*_nbstripout(), *NBSTRIPOUT_FLAGS, str(p)], check=True)
    found = [msg for p in paths for msg in parameters_problems(p)]
    found += [m for m in stripped_problems(paths) if not any(m.split(":")[0] == u.split(":")[0] for u in found)]
    for msg in found:
        print(msg, file=sys.stderr)
    if found:
        print("Strip them with: python tools/check_notebooks.py --strip", file=sys.stderr)
        return 1
    print(f"{len(paths)} notebooks clean (nbstripout --verify; parameters cell present)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
