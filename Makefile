# The two commands of the README: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/registry
SQLITE_URL := sqlite:///$(CURDIR)/test-db.sqlite3
PYTEST_WORKERS ?= 2

.PHONY: install run test test-postgres test-sqlite lint openapi messages clean serve install-bench \
	bench-data bench worker beat

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@# chromium, CJK fonts (browser tests; `make run` goes on without them), gettext (msgfmt, below)
	bash deploy/install-browser.sh || echo "make install: the browser tests need chromium (deploy/install-browser.sh)"
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

## Install, migrate an SQLite database, seed the demo data, serve http://127.0.0.1:8000
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

## Install and run the whole suite on PostgreSQL (DATABASE_URL overrides), then on SQLite.
## The browser tests (tests/browser/, marker `browser`) run once, in the PostgreSQL pass.
test: install lint
	DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(BIN)/pytest -n $(PYTEST_WORKERS)
	DATABASE_URL=$(SQLITE_URL) $(BIN)/pytest -n $(PYTEST_WORKERS) -m "not browser"

## ruff, and import-linter's contracts (the layers registry < accounts < projects; see pyproject.toml)
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Write the served OpenAPI document to docs/openapi-v1.json (tests compare the two)
openapi: install
	$(BIN)/python manage.py spectacular --format openapi-json --file docs/openapi-v1.json

## Refresh the translation catalogues (locale/) from the code and templates, then compile them.
## File names only, no line numbers: moving code changes few lines of the catalogues.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l ru --ignore=.venv --ignore=bench \
	  --ignore=tests --add-location=file -v 0
	$(BIN)/python manage.py compilemessages --ignore=.venv -v 0

## Production: collectstatic, then gunicorn (deploy/gunicorn.conf.py) with DEBUG=0.
## Needs SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS (README "Run it in production").
serve: install
	@for name in SECRET_KEY DATABASE_URL ALLOWED_HOSTS; do \
	  if [ -z "$$(printenv $$name)" ]; then \
	    echo "make serve: set $$name (README, 'Run it in production')"; exit 2; fi; done
	DEBUG=0 $(BIN)/python manage.py collectstatic --no-input -v 0
	DEBUG=0 $(BIN)/gunicorn -c deploy/gunicorn.conf.py registry.wsgi:application

## Jobs (issue 19): the queue's worker and the scheduler, in the foreground. Need REDIS_URL (the
## broker) and the same DATABASE_URL and JOB_FILES_ROOT as the app servers.
worker: install
	@if [ -z "$${REDIS_URL:-$$CELERY_BROKER_URL}" ]; then \
	  echo "make worker: set REDIS_URL (without it jobs run inside the app, README)"; exit 2; fi
	$(BIN)/celery -A registry worker --loglevel=INFO

beat: install
	@if [ -z "$${REDIS_URL:-$$CELERY_BROKER_URL}" ]; then \
	  echo "make beat: set REDIS_URL (README)"; exit 2; fi
	$(BIN)/celery -A registry beat --loglevel=INFO --schedule=$${CELERY_BEAT_SCHEDULE_FILE:-/tmp/registry-celerybeat}

## The benchmark (docs/benchmarks.md): SIZES from 10k,100k,1m; ROUNDS, DURATION (s), CASES.
SIZES ?= 10k
ROUNDS ?= 5
DURATION ?= 3
CASES ?= list50,list500,filtered,deep,search,detail,not_modified,changes,changes_deep,export,html

install-bench: install
	$(BIN)/pip install --quiet -e ".[test,bench]"

bench-data: install-bench
	for size in $$(echo $(SIZES) | tr , ' '); do $(BIN)/python -m bench.generate --size $$size; done

bench: install-bench
	$(BIN)/python -m bench.run --sizes $(SIZES) --rounds $(ROUNDS) --duration $(DURATION) \
	  --cases $(CASES)

clean:
	rm -rf $(VENV) db.sqlite3 test-db.sqlite3 staticfiles bench/results
