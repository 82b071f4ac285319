# Two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: run test bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.app-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e '.[test]'
	touch $@ $(VENV)/.app-installed

run: $(VENV)/.app-installed
	$(VENV)/bin/gradlab --gallery

test: $(VENV)/.test-installed
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -n 2 --dist loadfile

bench: $(VENV)/.test-installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .import_linter_cache
