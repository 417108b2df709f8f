#!/usr/bin/env bash
# Re-resolve the dependencies of pyproject.toml and rewrite the three lock files and environment.yml:
#   requirements.lock        runtime (project.dependencies) + the build back-end of the editable install
#   requirements-test.lock   what the extra 'test' adds
#   requirements-bench.lock  what the extra 'bench' adds
# Everything is resolved together first, so one package has one version in all three files; each file is then the
# part of that resolution its group needs. Run by hand (`make lock`) when a dependency is added or upgraded; commit
# the four files together. Uses the pinned uv of tools/venv.sh (installed into .bootstrap/ if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
UV_VERSION=${UV_VERSION:?UV_VERSION is set by the Makefile}
uv=.bootstrap/uv-$UV_VERSION/bin/uv
if [ ! -x "$uv" ]; then
  mkdir -p .bootstrap
  echo "installing uv $UV_VERSION into .bootstrap/ (once)"
  "$PYTHON" -m pip install --quiet --disable-pip-version-check --target ".bootstrap/uv-$UV_VERSION" "uv==$UV_VERSION"
fi
export UV_PYTHON_DOWNLOADS=never UV_NO_CONFIG=1
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The build back-end (pyproject's [build-system] requires) is pinned with the runtime: the editable install of the
# package runs without build isolation, from pinned wheels only.
"$PYTHON" -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))' \
  > "$scratch/build.in"
compile=("$uv" pip compile --quiet --python "$PYTHON" --no-header --no-annotate)
echo "resolving runtime + test + bench together"
"${compile[@]}" pyproject.toml "$scratch/build.in" --extra test --extra bench -o "$scratch/all.txt"
echo "splitting: runtime, then test, then bench (same versions as the joint resolution)"
"${compile[@]}" pyproject.toml "$scratch/build.in" -c "$scratch/all.txt" -o "$scratch/runtime.txt"
"${compile[@]}" pyproject.toml "$scratch/build.in" --extra test -c "$scratch/all.txt" -o "$scratch/test.txt"

only_new() { # lines of $1 whose package is in none of the other files
  awk -F'==' 'FNR == NR { want[$1] = $0; next } { seen[$1] = 1 } END { for (p in want) if (!(p in seen)) print want[p] }' \
    "$1" "${@:2}" | LC_ALL=C sort -f
}
pins() { grep -E '^[A-Za-z0-9]' "$1" | LC_ALL=C sort -f; }
footer="# Regenerate all three with: make lock   (tools/lock.sh). environment.yml carries the same pins (tests/test_packaging.py)."
{
  echo "# Runtime: exact pins of every direct and indirect dependency that running needs (Python 3.11, Linux x86_64),"
  echo "# plus the build back-end of the editable install (setuptools, wheel). \`make report\` installs only this file."
  echo "$footer"
  pins "$scratch/runtime.txt"
} > requirements.lock
{
  echo "# Tests: exact pins of what \`make test\` adds on top of requirements.lock (extra 'test' of pyproject.toml)."
  echo "$footer"
  only_new "$scratch/test.txt" "$scratch/runtime.txt"
} > requirements-test.lock
{
  echo "# Benchmark peers: exact pins of what the extra 'bench' adds on top of the two other locks (also used by the"
  echo "# tests' cross-checks, so \`make test\` installs it too)."
  echo "$footer"
  only_new "$scratch/all.txt" "$scratch/runtime.txt" "$scratch/test.txt"
} > requirements-bench.lock
"$PYTHON" tools/write_environment.py
echo "requirements.lock ($(grep -c '==' requirements.lock) pins), requirements-test.lock ($(grep -c '==' requirements-test.lock))," \
  "requirements-bench.lock ($(grep -c '==' requirements-bench.lock)) and environment.yml rewritten"
