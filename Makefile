# Two commands matter: `make run` (the app; trains headless when there is no display)
# and `make test` (the whole suite). Both build the virtualenv they need on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
ARGS   ?=

.PHONY: run train lecture bench test clean

run: $(VENV)/.installed
	$(BIN)/python main.py $(ARGS)

train: $(VENV)/.installed
	$(BIN)/python main.py train $(ARGS)

lecture: $(VENV)/.installed
	$(BIN)/python main.py lecture $(ARGS)

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks $(ARGS)

test: $(VENV)/.installed-test
	@bash tests/ensure_xvfb.sh
	$(BIN)/python -m pytest -q $(ARGS)

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
