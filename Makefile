# ProKUS evaluation. Two commands matter: `make report` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -ec
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STAMP_TEST := $(VENV)/.installed-test
# uv, pinned, creates .venv from the lock files in seconds; tools/venv.sh installs it into .bootstrap/ (pip fallback).
UV_VERSION := 0.13.9
DEMO_DIR := data/raw/demo
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0
# make test runs pytest on every core (pytest-xdist; tests/conftest.py groups them); TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ "$$n" -gt 1 ] && echo "$$n" || echo 0)
SETUP := PYTHON=$(PYTHON) VENV=$(VENV) UV_VERSION=$(UV_VERSION) bash tools/venv.sh

.PHONY: report test demo-data run verify lint venv venv-test clean lock po java

## Set-up. Running (report, verify, run, ...) needs requirements.lock only; the tests add requirements-test.lock
## and requirements-bench.lock. Every direct and indirect dependency is pinned; tools/venv.sh prints each step.
## A runtime set-up syncs .venv to the runtime lock exactly, so it invalidates the test set-up.
$(STAMP): requirements.lock pyproject.toml tools/venv.sh
	@rm -f $(STAMP_TEST)
	@$(SETUP) runtime
	@touch $(STAMP)

$(STAMP_TEST): requirements.lock requirements-test.lock requirements-bench.lock pyproject.toml tools/venv.sh
	@$(SETUP) test
	@touch $(STAMP) $(STAMP_TEST)

venv: $(STAMP)

venv-test: $(STAMP_TEST)

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
test: $(STAMP_TEST) java
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python tools/check_notebooks.py
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

## A Java runtime for ODK Validate: installed with apt only when `java` is missing (root, or sudo without a password).
java:
	@command -v java >/dev/null || { echo "java not found: installing default-jre-headless (ODK Validate needs it)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

## The phrase catalogue: rewrite src/evaluation/text/locale/*/LC_MESSAGES/prokus.po in Babel's normalised form
## (sorted, wrapped, placeholder comments) after a translator's edit; tests/text/test_catalogue.py checks it.
po: $(STAMP)
	$(BIN)/python tools/po_catalogue.py

lint: $(STAMP_TEST)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .bootstrap reports/[0-9]* reports/latest data/processed $(DEMO_DIR)

## Re-pin: resolve pyproject's dependencies with uv and rewrite the three lock files + environment.yml.
lock:
	PYTHON=$(PYTHON) UV_VERSION=$(UV_VERSION) bash tools/lock.sh
