#!/usr/bin/env bash
# Set-up of .venv from the lock files, run by the Makefile (make venv / report / test).
#
#   tools/venv.sh runtime   .venv with requirements.lock only (what running needs: make report, verify, ...)
#   tools/venv.sh test      .venv with requirements.lock + requirements-test.lock + requirements-bench.lock (make test)
#
# uv (pinned: UV_VERSION, set by the Makefile) is installed once from the package index into .bootstrap/ with the
# pip of python3 and then creates .venv and installs the pinned wheels (seconds with its cache). When uv cannot be
# installed (no wheel for this platform, no index reachable for it), plain pip does the same from the same lock
# files (minutes). PROKUS_INSTALLER=pip forces the pip path. Every step says what it does.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=${1:?usage: tools/venv.sh runtime|test}
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
UV_VERSION=${UV_VERSION:?UV_VERSION is set by the Makefile}
BOOT=.bootstrap/uv-$UV_VERSION
case "$profile" in
  runtime) locks=(requirements.lock) ;;
  test) locks=(requirements.lock requirements-test.lock requirements-bench.lock) ;;
  *) echo "tools/venv.sh: unknown profile '$profile' (runtime or test)" >&2; exit 2 ;;
esac

start=$SECONDS
say() { printf '[set-up %3ds] %s\n' "$((SECONDS - start))" "$*"; }

"$PYTHON" -c 'import sys; v = sys.version_info[:2]; assert v == (3, 11), f"Python 3.11 is needed, found {v}"' || {
  echo "Set-up stopped: $PYTHON is not Python 3.11 (call e.g. make report PYTHON=python3.11)." >&2
  exit 2
}

# 1. uv into the bootstrap folder (once per uv version), unless pip is asked for.
uv=""
if [ "${PROKUS_INSTALLER:-uv}" != pip ]; then
  if [ -x "$BOOT/bin/uv" ] && [ "$("$BOOT/bin/uv" --version 2>/dev/null | cut -d' ' -f2)" = "$UV_VERSION" ]; then
    uv="$BOOT/bin/uv"
  else
    say "installing uv $UV_VERSION into $BOOT/ (once; from the package index, with pip)"
    rm -rf "$BOOT"
    mkdir -p .bootstrap
    if "$PYTHON" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
        --target "$BOOT" "uv==$UV_VERSION" 2>"$BOOT.log" && [ -x "$BOOT/bin/uv" ]; then
      uv="$BOOT/bin/uv"
      rm -f "$BOOT.log"
    else
      say "uv could not be installed (see $BOOT.log): falling back to pip, which takes minutes instead of seconds"
      rm -rf "$BOOT"
    fi
  fi
fi

if [ -n "$uv" ]; then
  # uv never downloads a Python of its own and ignores uv.toml files: the set-up depends on the lock files only.
  export UV_PYTHON_DOWNLOADS=never UV_NO_CONFIG=1
  uvpip=("$uv" pip --quiet)
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV with $("$PYTHON" --version) (uv $UV_VERSION)"
    "$uv" venv --quiet --clear --python "$PYTHON" "$VENV"  # --clear: a half-made .venv (never a non-venv folder)
  fi
  n=$(cat "${locks[@]}" | grep -c '==')
  say "installing $n pinned packages from ${locks[*]} (uv pip sync: exactly these, nothing else)"
  "${uvpip[@]}" sync --python "$VENV/bin/python" "${locks[@]}"
  say "installing the evaluation package itself (editable, src/evaluation)"
  "${uvpip[@]}" install --python "$VENV/bin/python" --no-deps --no-build-isolation -e .
else
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV with $("$PYTHON" --version) (python -m venv)"
    "$PYTHON" -m venv "$VENV"
  elif ! "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
    say "adding pip to $VENV (made by uv, which needs none)"
    "$VENV/bin/python" -m ensurepip --default-pip >/dev/null
  fi
  pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps)
  for lock in "${locks[@]}"; do
    say "installing the $(grep -c '==' "$lock") pinned packages of $lock with pip (a few minutes)"
    "${pip[@]}" -r "$lock" 2>&1 | { grep -v '^WARNING: Location' || true; }
  done
  say "installing the evaluation package itself (editable, src/evaluation)"
  "${pip[@]}" --no-build-isolation -e . 2>&1 | { grep -v '^WARNING: Location' || true; }
fi

say "registering the Jupyter kernel 'python3' of $VENV"
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 >/dev/null
say "set-up done ($profile): $VENV is ready"
