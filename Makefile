# Two commands set everything up on a fresh machine:
#   make run   — virtual environment, install, database with demo data, serve the app
#   make test  — install, then the whole suite on SQLite and on a throwaway PostgreSQL
#   make bench — the benchmarks in bench/ (figures printed and saved under bench/results/)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app webapp:create_app

.PHONY: install translations db run test test-sqlite test-postgresql bench check-files extract-messages assets clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

translations: install
	$(BIN)/pybabel -q compile -d webapp/translations

db: install
	$(FLASK) db upgrade
	$(FLASK) demo-data --if-empty

run: translations db
	@echo ""
	@echo "  Open http://$(HOST):$(PORT)/ — demo password: demo1234"
	@echo ""
	$(FLASK) run --host $(HOST) --port $(PORT)

test: translations
	$(BIN)/python -m pytest -q --db=sqlite
	$(BIN)/python -m pytest -q --db=postgresql

test-sqlite: translations
	$(BIN)/python -m pytest -q --db=sqlite

test-postgresql: translations
	$(BIN)/python -m pytest -q --db=postgresql

# Every bench/bench_*.py script, each printing its figures and writing bench/results/<name>.json.
# Needs the PostgreSQL server binaries (a throwaway server is started). BENCH_ARGS=--quick for a smoke run.
bench: translations
	@for script in bench/bench_*.py; do \
	  echo "== $$script"; \
	  $(BIN)/python $$script $(BENCH_ARGS) || exit 1; \
	done

# Rebuild the bpmn-js / dmn-js editors into webapp/static/vendor from assets/package-lock.json (needs
# Node.js and the npm registry). The built files are committed, so `make run` and `make test` never need npm.
assets:
	cd assets && npm ci --no-audit --no-fund && npm run build

check-files: install
	$(FLASK) check-files

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
