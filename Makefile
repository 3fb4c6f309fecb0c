# Two commands on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The console script (pyproject.toml): works without an activated virtualenv.
AUTHSERVER := $(BIN)/authserver
HOST ?= 127.0.0.1
PORT ?= 5000
BASE := http://$(HOST):$(PORT)

.PHONY: run serve test test-deps lint format clean translations vendor

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

## run: serve on http://127.0.0.1:5000 (make run PORT=8000: another port) with demo data
## (seeded once) on SQLite in instance/; prints what the README's journey needs
run: $(VENV)/.installed
	@$(AUTHSERVER) init-db
	@$(AUTHSERVER) demo --base-url $(BASE)
	@echo
	@echo 'In another shell, in this directory, set what the README'"'"'s commands use:'
	@echo '  PORT=$(PORT) BASE=$(BASE)'
	@echo '  eval "$$($(AUTHSERVER) demo --env --base-url "$$BASE")"'
	@echo
	@$(AUTHSERVER) run --host $(HOST) --port $(PORT)

## serve: production serving with granian (deploy/serve.py; docs/deploy.md for the env)
serve: $(VENV)/.installed
	$(AUTHSERVER) init-db
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python deploy/serve.py wsgi:app

## test: the whole suite (SQLite, or PostgreSQL when AUTHSERVER_TEST_DATABASE_URL is set)
test: $(VENV)/.installed-test test-deps
	$(BIN)/pytest $(PYTEST_ARGS)

## test-deps: the real-world tests' tools: nginx (Debian's package, installed when root) and
## tests/js's npm packages (npm ci from the lockfile). Missing tools skip those tests loudly
## (and fail them in CI).
test-deps: tests/js/node_modules/.installed
	@command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || \
	  { [ "$$(id -u)" = 0 ] && (apt-get update -q && apt-get install -y -q nginx) >/dev/null; } || \
	  echo "nginx is not installed (as root: apt-get install -y nginx); the gateway tests will skip"

tests/js/node_modules/.installed: tests/js/package.json tests/js/package-lock.json
	@if command -v npm >/dev/null; then cd tests/js && npm ci --no-audit --no-fund --silent && \
	  touch node_modules/.installed || echo "npm ci failed; the JavaScript client test will skip"; \
	else echo "npm is not installed; the JavaScript client test will skip"; fi

## lint: ruff (SLF001 refuses obj._private everywhere) and tools/public_api_check.py (issue 17:
## no private API of flask, werkzeug, flask_wtf, flask_login, flask_babel, authlib, sqlalchemy)
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python tools/public_api_check.py authserver bench

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## translations: re-extract the wrapped strings into the Korean catalogue and compile it (the .po
## and .mo are committed, so installing never needs this step)
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F authserver/translations/babel.cfg -k N_ -k _l --no-location \
		--sort-output --omit-header -o $(VENV)/messages.pot .
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d authserver/translations -l ko -w 100 \
		--ignore-pot-creation-date --no-fuzzy-matching
	$(BIN)/pybabel compile -d authserver/translations --statistics

## vendor: re-vendor Swagger UI (the API reference page's assets) from npm into
## authserver/static/vendor/swagger-ui/ (the version is pinned in the script and its README)
vendor:
	tools/vendor_swagger_ui.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
