# Two commands for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run test test-browser test-postgres install migrate demo check clean i18n-extract i18n-update i18n-compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,prod]"
	touch $(STAMP)

# Compiled catalogs (.mo) are build output, made from translations/*/LC_MESSAGES/messages.po.
MO := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
%.mo: %.po $(STAMP)
	$(VENV)/bin/pybabel compile -i $< -o $@

install: $(STAMP) $(MO)

migrate: install
	$(VENV)/bin/flask --app wsgi lms db upgrade

run: install
	LMS_SECURE_COOKIES=$${LMS_SECURE_COOKIES:-0} $(VENV)/bin/flask --app wsgi lms demo
	LMS_SECURE_COOKIES=$${LMS_SECURE_COOKIES:-0} $(VENV)/bin/flask --app wsgi run --host 127.0.0.1 --port $(PORT)

test: install
	$(PY) -m pytest --ignore=tests/browser

# Browser journeys in Debian's headless Chromium (`apt-get install chromium`; no browser downloads).
test-browser: install
	$(PY) -m pip install --quiet -e ".[browser]"
	$(PY) -m pytest tests/browser -p no:logging

test-postgres: install
	LMS_TEST_DATABASE_URL=$${LMS_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} $(PY) -m pytest --ignore=tests/browser

check: install
	$(VENV)/bin/flask --app wsgi lms courses check

i18n-extract: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
	  --project "Co-in-Co LMS" --msgid-bugs-address "i18n@example.org" -o translations/messages.pot .

i18n-update: i18n-extract
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

i18n-compile: $(STAMP)
	$(VENV)/bin/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) build *.egg-info

# Benchmarks (benchmarks/README.md): load on 127.0.0.1 only, bounded runs; results in docs/benchmarks.md.
.PHONY: bench bench-peer

bench: install
	@command -v wrk >/dev/null 2>&1 || { S=$$(test "$$(id -u)" = 0 || echo sudo); $$S apt-get update -qq && $$S apt-get install -y -qq wrk; }
	$(PY) -m pip install --quiet -r benchmarks/requirements.txt
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

bench-peer: install
	@command -v wrk >/dev/null 2>&1 || { S=$$(test "$$(id -u)" = 0 || echo sudo); $$S apt-get update -qq && $$S apt-get install -y -qq wrk; }
	$(PY) benchmarks/peer.py $(BENCH_ARGS)
