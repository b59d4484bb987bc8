# Newsdesk: `make run` starts the demo site, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint lock bench-ingest bench-serve bench-extract bench-newsletter bench-scale clean

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: install
	$(BIN)/newsdesk run

# axe-core (npm) audits pages in the browser tests; without npm only that audit is skipped.
node_modules/.installed: package.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --no-package-lock --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility audit (axe-core) will be skipped"; fi

test: install node_modules/.installed
	$(BIN)/python scripts/test_suites.py

test-fast: install
	$(BIN)/pytest -q -m "not browser"

lint: install
	$(BIN)/python -m ruff check src tests

# Re-pin every dependency after editing pyproject.toml (needs uv: `pip install uv`).
lock:
	uv pip compile pyproject.toml --extra test --extra bench --extra lint --python-version 3.11 \
	  --generate-hashes -o requirements.lock

bench-ingest: install
	$(BIN)/python bench/ingest.py

bench-newsletter: install
	$(BIN)/python bench/newsletter.py

# nginx + `newsdesk serve` against nginx serving a plain file (installs nginx and wrk if missing).
bench-serve: install
	$(BIN)/python bench/serve.py

bench-extract: install
	$(BIN)/python bench/extract.py

clean:
	rm -rf $(VENV) var .pytest_cache node_modules

# Celery workers on PostgreSQL and Redis: 2,000 local feeds with 1, 2 and 4 worker processes.
bench-scale: install
	$(BIN)/python bench/scale.py
