# Tilli: the commands the README shows. Every target installs what it needs first.
SHELL := /bin/bash
# Python 3.13: from PATH if it really is 3.13, else from pyenv's versions folder.
PYTHON313 := $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13.*/bin/python3.13; do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then echo "$$p"; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run serve smoke-production container-smoke load lock test test-postgres e2e bench lint messages check-python

check-python:
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found (looked for python3.13 and ~/.pyenv/versions/3.13.*)."; exit 1; }

# Development installs requirements-dev.lock: the production set (requirements.lock) at the same
# versions plus the test, lint and benchmark tools, every file checked against its hash.
$(STAMP): requirements.lock requirements-dev.lock | check-python
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

install: $(STAMP)

var/tilli.env:
	$(PY) -m tilli.envfile var/tilli.env

run: install var/tilli.env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	@bin/serve

# The production profile on this machine (plain HTTP on 127.0.0.1:8000, its own database and secrets
# under var/production/): granian, WORKERS task workers and one scheduler. Real deployments: deploy/.
PROD_ENV := TILLI_VAR_DIR=var/production TILLI_ENV_FILE=var/production/tilli.env
var/production/tilli.env:
	$(PY) -m tilli.envfile --production var/production/tilli.env

serve: install var/production/tilli.env
	$(PROD_ENV) CHECK_FAIL_LEVEL=ERROR bin/serve-production

# CI: boot the production profile on a throwaway PostgreSQL and sign in, book and receive the mail.
smoke-production: install
	bin/system-deps postgresql
	bin/with-postgres bin/smoke-production

# The same smoke test through the production image: podman builds Containerfile, runs its roles.
container-smoke: install
	bin/container-smoke

# Re-lock after editing requirements.in or requirements-dev.in (keeps existing pins, adds hashes).
lock: install
	$(VENV)/bin/uv pip compile requirements.in --python-version 3.13 --generate-hashes --no-header --quiet -o requirements.lock
	$(VENV)/bin/uv pip compile requirements-dev.in --python-version 3.13 --generate-hashes --no-header --quiet -o requirements-dev.lock

# The unit tests render PDFs (WeasyPrint's libraries) and read them back (poppler's pdftotext).
TEST_DEPS := gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils

test: install
	bin/system-deps $(TEST_DEPS)
	$(PY) -m pytest -q

test-postgres: install
	bin/system-deps $(TEST_DEPS) postgresql
	bin/with-postgres $(PY) -m pytest -q

e2e: install
	bin/system-deps chromium
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -q tests_e2e

bench: install
	$(PY) bench/run.py
	BENCH_ONLY=booking bin/with-postgres $(PY) bench/run.py
	BENCH_ONLY=counter bin/with-postgres $(PY) bench/run.py
	BENCH_ONLY=payments bin/with-postgres $(PY) bench/run.py

# Load at scale against the production server and the development server, on a throwaway PostgreSQL.
# Smaller runs: make load LOAD_ARGS="--orgs 25 --requests 1500".
load: install
	bin/system-deps postgresql
	bin/with-postgres $(PY) bench/load.py $(LOAD_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

messages: install
	$(PY) manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv
