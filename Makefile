# Satisfaction — developer commands. `make run` and `make test` are all a new machine needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
HOST ?= 127.0.0.1:8000

.PHONY: run test install install-dev migrate worker beat services samples lint format css messages bench ci clean

$(VENV)/.runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## run: install, migrate, seed demo data if the database is empty, serve on http://127.0.0.1:8000
run: install migrate
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py runserver $(HOST)

migrate: install
	$(BIN)/python manage.py migrate --noinput

## test: the whole pytest suite on both cores (pass extra options with PYTEST_ARGS=...)
test: install-dev
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

## samples: import docs/samples/ into the running site's database, in dependency order, as history (the sample
##   dates are past: no live alerts, e-mails or invitations); feedback_with_errors.csv is left for the error report
SAMPLES := customers:customers.csv contacts:contacts.csv contracts:contracts.csv tickets:tickets_gb18030.csv \
	complaints:complaints.csv feedback:feedback.csv feedback:feedback.xlsx
samples: migrate
	@for pair in $(SAMPLES); do \
		echo "$${pair%%:*} docs/samples/$${pair#*:}"; \
		$(BIN)/python manage.py import_data --history $${pair%%:*} docs/samples/$${pair#*:} || exit 1; \
	done

## services: start PostgreSQL and Redis on 127.0.0.1 (installs them with apt-get if missing)
services:
	bash scripts/services.sh start

## worker / beat: Celery against CELERY_BROKER_URL (see README "Full stack")
worker: install
	$(BIN)/celery -A satisfaction_site worker --loglevel=INFO --concurrency=2

beat: install
	$(BIN)/celery -A satisfaction_site beat --loglevel=INFO --schedule var/celerybeat-schedule

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh the Chinese catalogue from the code and compile it (needs gettext; the .mo is committed)
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=node_modules --ignore=var
	$(BIN)/python manage.py compilemessages -l zh_Hans

## css: rebuild static/css/app.css with the Tailwind CLI (needs Node; the built file is committed)
css:
	npm ci --no-audit --no-fund
	npx tailwindcss -i static/src/app.css -o static/css/app.css --minify

## bench: analytics and web benchmarks on BENCH_DATABASE_URL (create it once with
##   DATABASE_URL=$(BENCH_DATABASE_URL) .venv/bin/python manage.py migrate && ... seed_demo --scale large)
BENCH_DATABASE_URL ?= sqlite:///var/bench_large.sqlite3
bench: install-dev
	$(BIN)/python bench/analytics.py --database-url "$(BENCH_DATABASE_URL)" --runs 5
	DATABASE_URL="$(BENCH_DATABASE_URL)" $(BIN)/python bench/web.py --runs 7

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) var node_modules
