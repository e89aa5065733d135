VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/beacon serve

test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check app tests bench
	$(VENV)/bin/mypy app tests bench
	$(VENV)/bin/lint-imports --no-cache

bench: $(STAMP)
	$(PY) bench/ack_latency.py
	$(PY) bench/declare_path.py
	$(PY) bench/routing.py
	$(PY) bench/fanout.py
	$(PY) bench/hostile_input.py
	$(PY) bench/status_page.py
	$(PY) bench/pages_under_load.py
	$(PY) bench/cadence.py  # PostgreSQL: postgresql://postgres@127.0.0.1:5432/bench, wiped
	$(PY) bench/signals.py  # PostgreSQL: postgresql://postgres@127.0.0.1:5432/bench, wiped

clean:
	rm -rf $(VENV) .pytest_cache beacon.db sandbox.db
