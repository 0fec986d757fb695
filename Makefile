# The two commands a new user needs: `make demo` and `make test`. Each installs what it
# needs into ./.venv (uv, bootstrapped from the machine's Python, resolves the pinned
# lock files in requirements/), so a fresh clone needs only Python 3.10+ with venv.

PYTHON ?= python3
VENV := .venv
UV_VERSION := 0.13.9
UV := $(VENV)/tools/bin/uv
AF3 := $(VENV)/airflow-3.3.2
AF2 := $(VENV)/airflow-2.11.2
export UV_PYTHON_DOWNLOADS := never

.PHONY: help demo test lint typecheck pytest pytest-af3 pytest-af2 emulator venvs lock clean \
	chromium browser-test matrix dist-check bench soak test-fast scale-out scale-out-services

help:
	@echo "make demo   run the example DAG end to end against the local emulator (Airflow 3.3.2)"
	@echo "make test   ruff, mypy, and the test suite on Airflow 3.3.2 and 2.11.2"
	@echo "make test-fast   the unit tests alone on Airflow 3.3.2 (under 30 s), while you work"
	@echo "make browser-test   the connection forms in the real UI, headless Chromium, both lines"
	@echo "make emulator   serve both fake APIs on 127.0.0.1:8765"
	@echo "make matrix the test suite on Airflow 2.10.5 2.11.2 3.0.6 3.1.8 3.2.2 3.3.2 x Python 3.11 3.12"
	@echo "make dist-check  build wheel+sdist, twine check, install the wheel where only Airflow is"
	@echo "make lock   re-resolve requirements/*.txt (pinned test environments; LOCK_VERSIONS=...)"
	@echo "make bench  the triggerer benchmark: our triggers vs Airflow's HTTP sensor trigger (~20 min)"
	@echo "make soak   200 deferred waits of both APIs, the emulator faulting 30% of checks: every outcome as scripted (~1 min)"
	@echo "make scale-out  CeleryExecutor, Redis, PostgreSQL, 2 workers, 2 triggerers, one SIGKILLed mid-run: 200 waits (~5 min, not in CI)"

$(UV):
	$(PYTHON) -m venv $(VENV)/tools
	$(VENV)/tools/bin/python -m pip install -q --disable-pip-version-check "uv==$(UV_VERSION)"

# One virtualenv per Airflow line, from its lock file, with this package editable.
$(VENV)/airflow-%/.installed: requirements/airflow-%.txt pyproject.toml | $(UV)
	$(UV) venv -q --allow-existing --python $(PYTHON) $(VENV)/airflow-$*
	$(UV) pip sync -q --python $(VENV)/airflow-$*/bin/python requirements/airflow-$*.txt
	$(UV) pip install -q --python $(VENV)/airflow-$*/bin/python --no-deps -e .
	touch $@

venvs: $(AF3)/.installed $(AF2)/.installed

lint: $(AF3)/.installed
	$(AF3)/bin/ruff check .
	$(AF3)/bin/ruff format --check .

# Both lines: Airflow's import paths differ, and so do the stubs mypy sees.
typecheck: $(AF3)/.installed $(AF2)/.installed
	$(AF3)/bin/mypy
	$(AF2)/bin/mypy

# The browser tests have their own target (below): they need Chromium and Playwright.
pytest-af3: $(AF3)/.installed
	$(AF3)/bin/python -m pytest -m "not browser" $(PYTEST_ARGS)

pytest-af2: $(AF2)/.installed
	$(AF2)/bin/python -m pytest -m "not browser" $(PYTEST_ARGS)

pytest: pytest-af3 pytest-af2

test: lint typecheck pytest

# The unit tests alone, on one line: no emulator DAG runs, and the metadata DB only for the few
# tests that ask for it. `make test` still runs everything.
test-fast: $(AF3)/.installed
	$(AF3)/bin/python -m pytest -q tests/unit $(PYTEST_ARGS)

# Debian's chromium package, installed only when missing (needs root or sudo, as in CI).
chromium:
	@test -x /usr/bin/chromium || bash scripts/install-chromium.sh

# Playwright on top of each Airflow line's environment; redone whenever that is re-synced.
$(VENV)/airflow-%/.browser: requirements/browser.txt $(VENV)/airflow-%/.installed
	$(UV) pip install -q --python $(VENV)/airflow-$*/bin/python -r requirements/browser.txt
	touch $@

# Each line's real UI server in headless Chromium; screenshots land in test-output/browser/.
browser-test: chromium $(AF3)/.browser $(AF2)/.browser
	$(AF3)/bin/python -m pytest -m browser tests/browser $(PYTEST_ARGS)
	$(AF2)/bin/python -m pytest -m browser tests/browser $(PYTEST_ARGS)

# The benchmark's extra packages (Airflow's HTTP provider, the candidate transport) on top of
# the 3.3.2 environment, like the browser test's; redone whenever that is re-synced.
$(AF3)/.bench: requirements/bench.txt $(AF3)/.installed
	$(UV) pip install -q --python $(AF3)/bin/python -r requirements/bench.txt -c requirements/airflow-3.3.2.txt
	touch $@

# Prints the table and the goal lines; results in test-output/bench/. BENCH_ARGS narrows it:
# make bench BENCH_ARGS="--n 1000 --rounds 1"
bench: $(AF3)/.bench
	$(AF3)/bin/python -m benchmarks $(BENCH_ARGS)

# The scale-out proof's own environment: the 3.3.2 lock plus its extra packages (the Celery
# provider with the Redis client, the PostgreSQL drivers), apart from the test environment so
# the Celery executor's imports never reach a test run.
SCALE := $(VENV)/scale-out
$(SCALE)/.installed: requirements/airflow-3.3.2.txt requirements/scale-out.txt pyproject.toml | $(UV)
	$(UV) venv -q --allow-existing --python $(PYTHON) $(SCALE)
	$(UV) pip sync -q --python $(SCALE)/bin/python requirements/airflow-3.3.2.txt
	$(UV) pip install -q --python $(SCALE)/bin/python -r requirements/scale-out.txt -c requirements/airflow-3.3.2.txt
	$(UV) pip install -q --python $(SCALE)/bin/python --no-deps -e .
	touch $@

# Debian's redis-server (the Celery broker) and postgresql (the metadata DB), installed only when
# missing (root, or sudo without a password, as for chromium); the script runs its own of each.
scale-out-services:
	@test -x /usr/bin/redis-server && ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || { \
	  SUDO=; [ "$$(id -u)" = 0 ] || SUDO="sudo -n"; \
	  $$SUDO apt-get update -q && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server postgresql; }

# A real deployment on this machine, not in CI: CeleryExecutor with Redis and PostgreSQL, two Celery
# workers, two triggerers, 200 deferred waits with faults on, one triggerer SIGKILLed mid-run.
# Prints its figures (docs/scaling.md); JSON in test-output/scale-out/. SCALE_ARGS varies it:
# make scale-out SCALE_ARGS="--waits 100 --creates 20 --keep"
scale-out: scale-out-services $(SCALE)/.installed
	$(SCALE)/bin/python scripts/scale_out.py $(SCALE_ARGS)

# The fault-injection soak: prints its figures; JSON and the waits' log land in test-output/soak/.
# Exits non-zero unless every wait ended as its script says. SOAK_ARGS varies it:
# make soak SOAK_ARGS="--seed 7 --waits 400"
soak: $(AF3)/.installed
	$(AF3)/bin/python -m soak $(SOAK_ARGS)

demo: $(AF3)/.installed
	$(AF3)/bin/python scripts/demo.py

emulator: $(AF3)/.installed
	$(AF3)/bin/python -m airflow_provider_dubbing.emulator --port 8765

# Every Airflow line of the support table, one venv per line and Python under .venv/matrix.
# MATRIX_ARGS narrows it: make matrix MATRIX_ARGS="--airflow 3.0.6 --python 3.12"
matrix: | $(UV)
	$(PYTHON) scripts/matrix.py $(MATRIX_ARGS)

# Build the wheel and sdist (pinned tools, requirements/dist-tools.txt), twine check, then install
# the wheel into a clean venv with only Airflow 3.3.2 and check Airflow lists it; the emulator extra.
dist-check: | $(UV)
	$(PYTHON) scripts/check_dist.py

LOCK_VERSIONS ?= 2.10.5 2.11.2 3.0.6 3.1.8 3.2.2 3.3.2

lock: | $(UV)
	for v in $(LOCK_VERSIONS); do \
	  $(UV) pip compile -q pyproject.toml requirements/airflow-$$v.in --extra dev --extra emulator \
	    --universal --python-version 3.10 -o requirements/airflow-$$v.txt; \
	done
	$(UV) pip compile -q requirements/dist-tools.in --universal --python-version 3.10 -o requirements/dist-tools.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
