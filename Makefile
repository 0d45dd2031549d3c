# Every target creates .venv when it is missing and installs the project into it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test demo check lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/komus-gateway serve --config config.yaml

test: $(STAMP)
	$(BIN)/python -m pytest

# A 1C exchange session against a gateway of its own (free ports, temporary SQLite).
demo: $(STAMP)
	$(BIN)/python -m connectors.onec.demo --config config.yaml

check: $(STAMP)
	$(BIN)/komus-gateway check --config config.yaml

lint: $(STAMP)
	$(BIN)/ruff check gateway connectors tests bench
	$(BIN)/ruff format --check gateway connectors tests bench

bench: $(STAMP)
	$(BIN)/python bench/outbox.py

clean:
	rm -rf $(VENV) var
