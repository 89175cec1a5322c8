# supportkb: the two commands of the README, and a few for contributors.
#   make run    set up (first time), build the site and the search index from the knowledge base
#               and serve both with `kb serve` on http://127.0.0.1:8000 (authors who edit add
#               --watch, or use `mkdocs serve`)
#   make test   set up (first time) and run the test suite, type checks and lint
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: run test setup bench clean reference

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/kb build --site-dir site
	$(BIN)/kb index
	$(BIN)/kb serve --site-dir site --host 127.0.0.1 --port 8000

test: $(STAMP)
	$(BIN)/ruff check tools tests bench
	$(BIN)/mypy
	$(BIN)/pytest -q

# every benchmark under bench/, short, and a check that each runs to the end (2-3 min); the full
# figures: `python bench/<name>.py` (each prints its targets), before/after a change:
# `python bench/compare_checkouts.py BEFORE_DIR AFTER_DIR`
bench: $(STAMP)
	$(BIN)/python bench/run_all.py --short

# the commands' reference page of the site, from the Click commands (tests/test_docs.py checks it)
reference: $(STAMP)
	$(BIN)/python -m supportkb.cli.reference .

clean:
	rm -rf $(VENV) site .pytest_cache .mypy_cache .ruff_cache .hypothesis
