# The two commands of the README: `make run` and `make test`. Everything they
# need (virtualenv, Python and npm packages, Chromium for browser tests) is
# installed by the targets below, so a fresh Debian machine needs only
# Python 3.11 with headers, a C compiler, git, make and Node/npm.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000

.PHONY: run test install npm migrate demo clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (with its headers and a C compiler)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

npm: node_modules/.installed

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --no-input -v 0

demo: migrate npm
	$(PY) manage.py deploy processes/*.bpmn
	$(PY) manage.py seed_demo
	$(PY) manage.py demo_work
	$(PY) manage.py collectstatic --no-input -v 0

# Web, a Celery worker and beat together; Ctrl-C stops all three.
run: demo
	PY=$(PY) PORT=$(PORT) bin/run-all

# Lint, the import contracts (only engine/ touches SpiffWorkflow and durable_rules)
# and the engine's types first: they take seconds and say exactly what is wrong.
test: install npm
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy engine
	bin/ensure-chromium
	$(PY) -m pytest $(PYTEST_ARGS)


clean:
	rm -rf $(VENV) node_modules var
