# ProKUS evaluation. Two commands matter: `make report` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR := data/raw/demo
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

.PHONY: report test demo-data run verify lint venv clean lock po java

## Set-up: create .venv from the lock file (every direct and indirect dependency pinned), install the package.
$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; assert v == (3, 11), f"Python 3.11 is needed, found {v}"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -r requirements.lock 2>&1 | { grep -v '^WARNING: Location' || true; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 | { grep -v '^WARNING: Location' || true; }
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

venv: $(STAMP)

## The demo evaluation end to end: synthetic data with a known truth, every notebook, every report.
report: $(STAMP)
	$(BIN)/prokus-eval demo-data --out $(DEMO_DIR)
	$(BIN)/prokus-eval run

## Re-execute the newest run from its manifest and compare every number of results.json (exit 0 only if all match).
verify: $(STAMP)
	$(BIN)/prokus-eval verify reports/latest

demo-data: $(STAMP)
	$(BIN)/prokus-eval demo-data --out $(DEMO_DIR)

run: $(STAMP)
	$(BIN)/prokus-eval run

## The tests (CI runs this through .ci/run). ODK Validate (shipped with pyxform) needs a Java runtime.
test: $(STAMP) java
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python tools/check_notebooks.py
	$(BIN)/python -m pytest

## A Java runtime for ODK Validate: installed with apt only when `java` is missing (root, or sudo without a password).
java:
	@command -v java >/dev/null || { echo "java not found: installing default-jre-headless (ODK Validate needs it)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

## The phrase catalogue: rewrite src/evaluation/text/locale/*/LC_MESSAGES/prokus.po in Babel's normalised form
## (sorted, wrapped, placeholder comments) after a translator's edit; tests/text/test_catalogue.py checks it.
po: $(STAMP)
	$(BIN)/python tools/po_catalogue.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) reports/[0-9]* reports/latest data/processed $(DEMO_DIR)

## Re-pin: resolve pyproject's dependencies in a scratch venv and rewrite requirements.lock + environment.yml.
lock:
	bash tools/lock.sh
