# The two commands of the README: `make run` and `make test`. Everything they
# need (virtualenv, Python and npm packages, Chromium for browser tests) is
# installed by the targets below, so a fresh Debian machine needs only
# Python 3.11 with headers, a C compiler, git, make and Node/npm.

PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PORT   ?= 8000
# The suite runs in this many processes (pytest-xdist; "auto": one per CPU), each test file whole in one of them.
TEST_PROCESSES ?= auto
# Production settings (DEBUG off) with this machine's keys, made once in var/, on plain http.
LOCAL  := bin/local-env

.PHONY: run test install npm messages migrate demo clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (with its headers and a C compiler)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Exactly the versions in package-lock.json (npm ci refuses a lock file that disagrees with package.json).
node_modules/.installed: package-lock.json package.json
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.installed

# LotFlow's page scripts (frontend/*.js) bundled with the packages they import, into build/frontend/.
build/frontend/.built: node_modules/.installed bin/build-frontend $(shell find frontend -type f 2>/dev/null)
	bin/build-frontend

npm: build/frontend/.built

# The translation catalogs (.po, committed) compiled to the .mo files Django reads (build output, git-ignored).
# Pure Python (polib), so it needs no GNU gettext; `make test` installs gettext for makemessages all the same.
messages: install
	$(PY) bin/compile-messages

migrate: install
	mkdir -p var
	$(LOCAL) $(PY) manage.py migrate --no-input -v 0

demo: migrate npm messages
	$(LOCAL) $(PY) manage.py deploy processes/*.bpmn
	$(LOCAL) $(PY) manage.py seed_demo
	$(LOCAL) $(PY) manage.py demo_work
	$(LOCAL) $(PY) manage.py survey_demo
	$(LOCAL) $(PY) manage.py collectstatic --no-input --clear -v 0

# Web, a Celery worker and beat together; Ctrl-C stops all three. DEBUG is off, as in production:
# the portal's own error pages, and static files served by WhiteNoise from var/static.
run: demo
	PY=$(PY) PORT=$(PORT) $(LOCAL) bin/run-all

# Format and lint, the import contracts (pyproject.toml: the engine is one door, layers
# run one way, no cycles), Django's deployment check with production settings (throwaway
# keys, DEBUG and HTTPS as a real install has them), models against migrations and the
# types of engine/, portal/ and workers/ first: they take seconds and say exactly what is wrong.
test: install npm messages
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache
	env -u LOTFLOW_DEBUG -u LOTFLOW_HTTPS -u DJANGO_SETTINGS_MODULE LOTFLOW_DATA_KEYS=1:throwaway-data-key-for-the-deploy-check-0123 \
	  LOTFLOW_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	  $(PY) manage.py check --deploy --fail-level WARNING
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/mypy engine portal workers
	bin/ensure-chromium
	bin/ensure-gettext
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)


clean:
	rm -rf $(VENV) node_modules var build
