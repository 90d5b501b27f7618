# The README's commands. Every target creates and uses the local .venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench soak screenshots clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot.local

# The system packages the tests use (installed when root, else the apt-get line and a stop),
# the whole suite on one redis-server, then the integration suite again on a three-master
# Redis Cluster (the fixtures start it), so the same code is proven on both; the second stage
# runs even when the first fails, and either failing fails the target.
test: $(STAMP)
	./.ci/system-packages
	status=0; \
	$(PY) -m pytest $(PYTEST_ARGS) || status=$$?; \
	TEST_REDIS=cluster $(PY) -m pytest $(PYTEST_ARGS) tests/integration || status=$$?; \
	exit $$status

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy bot intents app.py

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

screenshots: $(STAMP)
	UPDATE_SCREENSHOTS=1 $(PY) -m pytest tests/e2e

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } || { echo "make bench needs wrk: sudo apt-get install wrk" >&2; exit 1; }
	$(PY) -m bench

soak: $(STAMP)
	$(PY) -m bench.soak

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
