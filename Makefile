# Wijkregie: `make run` sets everything up and serves on http://127.0.0.1:8000;
# `make test` runs the whole suite; `make lint` checks style and architecture.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run install assets migrate demo serve test test-browser lint format bench messages clean

$(BIN)/activate: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/activate

install: $(BIN)/activate var/vendor/.done

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

var/vendor/.done: node_modules/.package-lock.json
	rm -rf var/vendor && mkdir -p var/vendor/utrecht var/vendor/voorbeeld var/vendor/fonts var/vendor/axe
	cp node_modules/@utrecht/component-library-css/dist/index.css var/vendor/utrecht/index.css
	cp node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css var/vendor/voorbeeld/theme.css
	cp node_modules/@fontsource/noto-sans/files/noto-sans-latin{,-ext}-{400,700}-normal.woff2 var/vendor/fonts/
	cp node_modules/@fontsource/noto-serif/files/noto-serif-latin-700-normal.woff2 var/vendor/fonts/
	cp node_modules/@fontsource/noto-sans-arabic/files/noto-sans-arabic-arabic-400-normal.woff2 var/vendor/fonts/
	cp node_modules/axe-core/axe.min.js var/vendor/axe/axe.min.js
	touch var/vendor/.done

assets: var/vendor/.done

# Translations: the compiled .mo files are committed, so set-up needs no gettext.
messages: install
	for app in src/wijkregie/*/; do [ -d "$$app/locale" ] || continue; \
	  (cd "$$app" && ../../../$(BIN)/django-admin makemessages --all --no-obsolete -e html,txt,py,mjml -v 0 && ../../../$(BIN)/django-admin compilemessages -v 0) || exit 1; done
	# allauth's Dutch in "u" (settings.LOCALE_PATHS): kept by hand, only compiled.
	$(MANAGE) compilemessages -v 0

migrate: install
	$(MANAGE) migrate --no-input -v 0

demo: migrate
	$(MANAGE) demo

# The web server, a background-task worker, the audit sealer and the hourly maintenance
# side by side; Ctrl-C stops them all. Every line they log is JSON, secrets redacted (access log
# included: core/uvicorn-logging.json). The worker survives database outages itself (task_worker) and
# is started again should it ever exit.
run: demo
	@echo "Wijkregie on http://$(HOST):$(PORT)/ (demo logins: see README.md)"
	@trap 'kill 0' EXIT INT TERM; \
	while true; do $(MANAGE) task_worker --queue-name '*' --interval 1; \
	  printf '{"level": "error", "logger": "make run", "event": "task_worker_exited", "result": %d}\n' $$?; \
	  sleep 2; done & \
	while true; do $(MANAGE) audit_seal --loop --interval 5; \
	  printf '{"level": "error", "logger": "make run", "event": "audit_sealer_exited", "result": %d}\n' $$?; \
	  sleep 2; done & \
	while true; do $(MANAGE) audit_seal >/dev/null; $(MANAGE) reports_maintenance --skip-retention >/dev/null; $(MANAGE) retention_purge >/dev/null; $(MANAGE) jobs_resume >/dev/null; sleep 3600; done & \
	$(BIN)/uvicorn wijkregie.asgi:application --app-dir src --host $(HOST) --port $(PORT) \
	  --log-config src/wijkregie/core/uvicorn-logging.json

test: install
	$(BIN)/pytest -q -n 2 -m "not browser" $(PYTEST_ARGS)

test-browser: install
	$(BIN)/pytest -q -m browser -p no:xdist $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports
	$(MANAGE) makemigrations --check --dry-run -v 0

format: install
	$(BIN)/ruff check --fix src tests bench
	$(BIN)/ruff format src tests bench

bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) node_modules var
