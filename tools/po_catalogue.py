"""Normalise the phrase catalogue: read every ``prokus.po`` with Babel and write it back in Babel's form.

A translator edits ``src/evaluation/text/locale/<lang>/LC_MESSAGES/prokus.po`` with any PO editor (Poedit,
Weblate, a text editor); ``make po`` then rewrites the files the one way Babel writes them (messages sorted by id,
lines wrapped at 76 columns, one comment per message listing its ``{placeholders}``), so a diff shows only real
changes. ``--check`` writes nothing and exits 1 when a file is not in that form (the tests run the same check).

Usage::

    python tools/po_catalogue.py           # rewrite the .po files in place
    python tools/po_catalogue.py --check   # exit 1 when a file would change
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from evaluation.text.catalogue import LANGUAGES, normalised_po, po_path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or check) every language's catalogue; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report files that are not normalised")
    args = parser.parse_args(argv)
    status = 0
    for language in LANGUAGES:
        path = Path(str(po_path(language)))
        before = path.read_bytes()
        after = normalised_po(before, language)
        if after == before:
            continue
        if args.check:
            print(f"{path.relative_to(ROOT)}: not in Babel's normalised form (run `make po`)")
            status = 1
        else:
            path.write_bytes(after)
            print(f"{path.relative_to(ROOT)}: normalised")
    return status


if __name__ == "__main__":
    raise SystemExit(main())
