# dgu-bot: `make run` (local mode with no token) and `make test` work on a fresh machine with
# only Python 3.11 and make. Installs are pinned by constraints.txt.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
RUNTIME_STAMP := $(VENV)/.runtime-installed
TEST_STAMP := $(VENV)/.test-installed
PYTEST_ARGS ?=

.PHONY: run test check bench install install-test clean migrate lock

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(RUNTIME_STAMP): $(VENV)/bin/python pyproject.toml constraints.txt
	$(PIP) install --quiet -c constraints.txt -e .
	touch $@

$(TEST_STAMP): $(VENV)/bin/python pyproject.toml constraints.txt
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
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

check: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot handlers storage
	$(VENV)/bin/lint-imports
	$(VENV)/bin/bandit -q -r bot handlers storage -x bot/sandbox -c pyproject.toml
	$(VENV)/bin/pip-audit --skip-editable --progress-spinner off
	$(PY) -m bot questionnaire check

bench: $(TEST_STAMP)
	$(PY) -m bench

lock: $(VENV)/bin/python
	$(PIP) install --quiet -e '.[test]'
	$(PIP) freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
