# dgu-bot: `make run` (local mode with no token) and `make test` work on a fresh machine with
# only Python 3.11 and make. Installs are pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed
PYTEST_ARGS ?=

.PHONY: run test check audit bench install install-test clean migrate lock

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# pip and setuptools are pinned like the rest: a venv starts with Python's bundled ones
# (setuptools 65.5.0 on 3.11, which has known vulnerabilities that pip-audit reports).
$(RUNTIME_STAMP): $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt pip setuptools
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt pip setuptools
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	touch $@ $(RUNTIME_STAMP)

install: $(RUNTIME_STAMP)
install-test: $(TEST_STAMP)

-include mk/*.mk

run: $(RUNTIME_STAMP) $(RUN_PREREQS)
	$(PY) -m bot migrate
	$(PY) -m bot serve

migrate: $(RUNTIME_STAMP)
	$(PY) -m bot migrate

test: $(TEST_STAMP) $(TEST_PREREQS)
	$(PY) -m pytest -n 4 $(PYTEST_ARGS)

check: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot handlers storage
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -r bot handlers storage -x bot/sandbox -c pyproject.toml
	$(PY) mk/audit.py
	$(PY) -m bot questionnaire check

# Known vulnerabilities in the installed packages. `make check` only warns when pip-audit's
# service cannot be reached; this fails then too (see mk/audit.py).
audit: $(TEST_STAMP)
	AUDIT_STRICT=1 $(PY) mk/audit.py

# About 15 minutes on 2 cores (PostgreSQL variants in a private cluster, two stock baselines).
# Writes bench/results/latest.json and docs/performance.md; fails when a target is missed.
bench: $(TEST_STAMP)
	$(PY) -m bench

lock: $(VENV)/bin/python
	$(PIP) install --quiet --upgrade pip setuptools
	$(PIP) install --quiet -e '.[test]'
	$(PIP) freeze --all --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
