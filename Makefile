# Two commands for a fresh machine: `make run` (the dashboard) and `make test` (the whole suite).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test test-fast lint install install-test chromium demo bench bench-100k clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	$(PY) -m compileall -q allhub_core pages app.py serve.py
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## run: the dashboard on http://127.0.0.1:$(PORT) over data/allhub.duckdb (created on first run);
## serve.py serves app.py behind the origin/Host guard (only the dashboard's own page may use it)
run: install
	$(VENV)/bin/streamlit run serve.py --server.address 127.0.0.1 --server.port $(PORT)

## chromium: the browser tests use Debian's Chromium (Playwright cannot download browsers here)
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then apt-get update && apt-get install -y chromium; \
	else echo "The browser tests need Chromium at /usr/bin/chromium: run 'sudo apt-get install -y chromium'." >&2; exit 1; fi

## lint: ruff (code, tests and bench), mypy (allhub_core, pages, app.py) and the import contracts of docs/architecture.md (import-linter)
lint: install-test
	$(VENV)/bin/ruff check allhub_core pages app.py serve.py tools tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

## test: lint, then the whole suite, browser tests included (they fail, never skip, without Chromium)
test: lint chromium
	$(PY) -m pytest --durations=25

## test-fast: the in-process tests only (no browser, no subprocess, no lint; Chromium not needed),
## still against real DuckDB files and the sandbox sites over HTTP on 127.0.0.1; the tiers are
## the markers set in tests/conftest.py
test-fast: install-test
	$(PY) -m pytest -m "not browser and not subprocess and not slow" --durations=25

demo: install
	$(VENV)/bin/allhub demo

bench: install-test
	$(PY) bench/bench_accounts.py
	$(PY) bench/bench_refresh.py
	$(PY) bench/bench_single.py
	$(PY) bench/bench_transfer.py
	$(PY) bench/bench_history.py
	$(PY) bench/bench_history_pages.py
	$(PY) bench/bench_usage_sync.py
	$(PY) bench/bench_cli.py
	$(PY) bench/bench_models.py
	$(PY) bench/bench_demo.py

## bench-100k: every page through app.py's navigation on a generated store of 100,000 accounts (with its
## check-in log, 30 days of balance history and a million usage rows): each under 1 s, the page process under 500 MB
bench-100k: install-test
	$(PY) bench/bench_accounts.py --accounts 100000 --pages-only

clean:
	rm -rf $(VENV) .pytest_cache
