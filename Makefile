# Everyday tasks. `make help` lists them; the scripts in scripts/ do the real work, so CI
# (.ci/run -> scripts/test.sh) and people run exactly the same thing.
# Extra arguments: `make test ARGS="tests/cli -q"`, `make run ARGS="--port 9000"`.

VENV := .venv
PY := $(VENV)/bin/python
ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help setup lock run test test-fast lint format typecheck imports schema cli-docs bench-ingest bench-first-map bench-first-minute bench-projection bench-neighbours bench-index-updates bench-neighbour-queries bench-compare bench-search bench-capture bench-quality bench-ui-load bench-job-to-screen clean ui ui-dev release-check docs docs-serve

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-13s %s\n", $$1, $$2}'

setup: ## create or refresh .venv at the lock's versions (fast when nothing changed)
	@bash scripts/setup.sh

lock: setup ## update the Python lock (requirements/lock.txt) from pyproject.toml (ARGS go to pip-compile)
	bash scripts/lock.sh $(ARGS)

run: ## run the server from this checkout (ARGS go to `chroma application run`)
	bash scripts/run.sh $(ARGS)

test: ## the full check: lint, types, import contracts, every test (ARGS go to pytest)
	bash scripts/test.sh $(ARGS)

# The inner loop, under 3 minutes here (`make test` stays the check before a push): SQLite
# only, two pytest processes, no browser (tests/ui), examples or fuzzing (tests/fuzz), and no test marked slow
# (Celery workers, process deaths, t-SNE, most maps and analyses computed end to end, CLI
# runs of a whole server, ...). The quick tests of jobs, maps and analyses stay in: parameter
# checks, cancels, transition races, a job's lifecycle, a map made through GraphQL and the
# SDK, an analysis through the SDK.
FAST_SKIP := tests/ui tests/examples tests/fuzz

test-fast: setup ## the inner loop (<3 min): SQLite only, no browser/Celery/examples/slow tests (ARGS go to pytest)
	CHROMA_TEST_DIALECTS=sqlite $(VENV)/bin/pytest -q -n 2 -m "not slow" $(addprefix --ignore=,$(FAST_SKIP)) $(ARGS)

lint: setup ## ruff lint and format check
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check

format: setup ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff format
	$(VENV)/bin/ruff check --fix

typecheck: setup ## mypy (strict) on src/chroma
	$(VENV)/bin/mypy

imports: setup ## check the import-linter contracts (the architecture's arrows)
	$(VENV)/bin/lint-imports

schema: setup ## regenerate the committed schema.graphql
	$(PY) scripts/export_schema.py

cli-docs: setup ## regenerate docs/cli.md from the commands' --help
	$(PY) scripts/gen_cli_docs.py

# NO_MKDOCS_2_WARNING: Material for MkDocs prints a notice about its end of life on every run.
docs: setup ## build the docs site strictly into site/ (mkdocs.yml; as the test command does)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

docs-serve: setup ## serve the docs site on :8001 with live reload (ARGS go to `mkdocs serve`)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8001 $(ARGS)

bench-ingest: setup ## run the ingest benchmark (benchmarks/ingest.py)
	$(PY) benchmarks/ingest.py

bench-projection: setup ## UMAP job vs umap-learn, placement, 1M points (benchmarks/projection.py)
	$(PY) benchmarks/projection.py

bench-first-map: setup ## last logged batch -> first map and index ready, with phases (benchmarks/first_map.py)
	$(PY) benchmarks/first_map.py $(ARGS)

bench-first-minute: setup ## a fresh clone -> run.sh's install, UI build, server, quickstart, map; phases (benchmarks/first_minute.py)
	$(PY) benchmarks/first_minute.py $(ARGS)

bench-neighbours: setup ## the space index vs exact search, 1M x 384 (benchmarks/neighbours.py)
	$(PY) benchmarks/neighbours.py

bench-index-updates: setup ## appending 10k points to a 1M space's index vs rewriting it (benchmarks/index_updates.py)
	$(PY) benchmarks/index_updates.py $(ARGS)

bench-compare: setup ## the compare job vs the two kNN graphs alone (benchmarks/compare.py)
	$(PY) benchmarks/compare.py $(ARGS)

bench-search: setup ## text search at 1M datapoints vs a scan of the same columns (benchmarks/search.py)
	$(PY) benchmarks/search.py $(ARGS)

bench-neighbour-queries: setup ## GraphQL and SDK neighbour queries vs the index lookup (benchmarks/neighbour_queries.py)
	$(PY) benchmarks/neighbour_queries.py $(ARGS)

bench-quality: setup ## mislabels vs cleanlab, OOD, duplicates on digits (benchmarks/quality.py)
	$(PY) benchmarks/quality.py $(ARGS)

bench-capture: setup ## chroma.watch overhead on a forward pass: none, disabled, logging
	$(PY) benchmarks/capture.py

bench-ui-load: setup ## the Explorer: 1M points, navigation -> first frame vs fetch + decode (needs the UI built)
	bash scripts/browser.sh
	$(PY) benchmarks/ui_load.py $(ARGS)

bench-job-to-screen: setup ## a map's job end -> the map on screen in the open Explorer, with phases (needs the UI built)
	bash scripts/browser.sh
	$(PY) benchmarks/job_to_screen.py $(ARGS)

ui: ## build the web UI into src/chroma/server/static (npm ci when the lock file changed)
	bash scripts/ui.sh

ui-dev: ## the UI's Vite dev server on :5173 with hot reload; API proxied to :8000 (`make run`)
	bash scripts/ui.sh dev

release-check: setup ## build sdist + wheel into dist/ (UI inside), run the wheel from a fresh venv (scripts/release.sh)
	bash scripts/release.sh

clean: ## delete caches and build output (keeps .venv: `rm -rf .venv` for a fresh start)
	rm -rf build dist site test-artifacts .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
