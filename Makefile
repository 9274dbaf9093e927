# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test test-postgres install migrate demo check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,prod]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(VENV)/bin/flask --app wsgi lms db upgrade

run: install
	LMS_SECURE_COOKIES=$${LMS_SECURE_COOKIES:-0} $(VENV)/bin/flask --app wsgi lms demo
	LMS_SECURE_COOKIES=$${LMS_SECURE_COOKIES:-0} $(VENV)/bin/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

test: install
	$(PY) -m pytest

test-postgres: install
	LMS_TEST_DATABASE_URL=$${LMS_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m pytest

check: install
	$(VENV)/bin/flask --app wsgi lms courses check

clean:
	rm -rf $(VENV) build *.egg-info
