# Two commands for a new user (see README.md):
#   make demo   install into .venv and run the default scenario
#   make test   install into .venv and run the whole test suite (PYTEST_WORKERS=2 processes)
#   make app    install into .venv and open the app in the browser (conflict-sim-app)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP ?= $(VENV)/.installed
PYTEST_ARGS ?=
# pytest-xdist workers for `make test` (0: one process, no workers)
PYTEST_WORKERS ?= 2

.PHONY: demo test lint bench app clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,viz]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/conflict-sim +sweep=demo -m

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q --durations=15 -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(if $(BASELINE),--baseline $(BASELINE))
	$(BIN)/python benchmarks/viz.py

app: $(STAMP)
	$(BIN)/conflict-sim-app

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache
