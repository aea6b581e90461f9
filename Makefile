# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/registry
SQLITE_URL := sqlite:///$(CURDIR)/test-db.sqlite3
PYTEST_WORKERS ?= 2

.PHONY: install run test test-postgres test-sqlite lint openapi clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"

## Install, migrate an SQLite database, seed the demo data, serve http://127.0.0.1:8000
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## Install and run the whole suite on PostgreSQL (DATABASE_URL overrides), then on SQLite
test: install lint
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/pytest -n $(PYTEST_WORKERS)
	DATABASE_URL=$(SQLITE_URL) $(BIN)/pytest -n $(PYTEST_WORKERS)

## ruff, and import-linter's contracts (the layers registry < accounts < projects; see pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Write the served OpenAPI document to docs/openapi-v1.json (tests compare the two)
openapi: install
	$(BIN)/python manage.py spectacular --format openapi-json --file docs/openapi-v1.json

clean:
	rm -rf $(VENV) db.sqlite3 test-db.sqlite3 staticfiles
