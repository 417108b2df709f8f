#!/usr/bin/env bash
# Re-resolve the dependencies of pyproject.toml in a scratch venv and rewrite requirements.lock and environment.yml.
# Run by hand (`make lock`) when a dependency is added or upgraded; commit both files together.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/pip" install --quiet --upgrade "setuptools>=75" wheel
"$scratch/venv/bin/pip" install --quiet ".[test,bench]"
"$scratch/venv/bin/pip" uninstall --quiet --yes prokus-evaluation
{
  echo "# Exact pins of every direct and indirect dependency (Python 3.11, Linux x86_64)."
  echo "# Regenerate with: make lock   (see tools/lock.sh). environment.yml carries the same pins (tests/test_packaging.py)."
  "$scratch/venv/bin/pip" freeze --all | grep -v -E "^(pip|prokus-evaluation)==" | LC_ALL=C sort -f
} > requirements.lock
python3 tools/write_environment.py
echo "requirements.lock and environment.yml rewritten"
