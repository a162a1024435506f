# Everything a fresh machine needs: `make demo` and `make test` create .venv and install on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DB := demo.duckdb
KINDS  := orders contacts entries valid rules complaints usage signals customers billing

.PHONY: demo test test-all check lint lock bench bench-smoke sample-data clean chromium libreoffice

LOCK   := requirements.lock
PIP_TOOLS := pip-tools==7.6.2

# The install takes every package at the version and hash in the lock, nothing resolved on the day;
# chanops itself goes in editable, without dependencies (the lock has them all).
$(STAMP): $(LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

## lock: re-resolve every dependency to the newest versions pyproject allows (on purpose; run `make check` after)
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q $(PIP_TOOLS)
	$(BIN)/pip-compile -q --upgrade --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --extra dev --extra spark -o $(LOCK) pyproject.toml

## demo: load sample_data/ into a fresh embedded warehouse, print the latest month's KPIs, plan next month's campaigns and write the monthly report into demo-report/
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB).wal
	@for kind in $(KINDS); do $(BIN)/chanops load $$kind sample_data/$$kind.csv --db $(DEMO_DB) \
		$$([ $$kind = customers ] && echo --as-of 2022-11-30) || exit 1; done  # the customers snapshot's day
	$(BIN)/chanops db info --db $(DEMO_DB) --format table
	$(BIN)/chanops kpi --db $(DEMO_DB) --compare prev --format table
	$(BIN)/chanops plan sample_data/plan.toml --db $(DEMO_DB) --config sample_data/chanops.toml --out demo-dispatch --format table
	$(BIN)/chanops report monthly --db $(DEMO_DB) --config sample_data/chanops.toml --out demo-report

## test: the fast tier — everything but Spark, the browser and LibreOffice (about two minutes on 2 cores)
test: $(STAMP)
	$(BIN)/python -m pytest -m "not spark and not browser and not office" -n 2

## test-all: the fast tier plus Spark (needs Java 17), Chromium and LibreOffice; a missing one fails, never skips.
## The DuckDB, browser and LibreOffice tests on both cores, then the Spark tier in one process (one shared JVM).
test-all: $(STAMP) chromium libreoffice
	CHANOPS_REQUIRE_SLOW_TIER=1 $(BIN)/python -m pytest -m "not spark" -n 2
	CHANOPS_REQUIRE_SLOW_TIER=1 $(BIN)/python -m pytest -m spark

# Debian's chromium for the report's browser test (playwright drives the system browser)
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# Debian's LibreOffice Calc without its GUI, for the test that reads back the CSV and xlsx people open
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { apt-get update -qq && \
		apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy src

## check: what CI runs — ruff (lint and format), mypy, both test tiers and every benchmark at a tiny scale
check: lint test-all bench-smoke

## bench: performance ratios against hand-written DuckDB in the same run (slow: minutes)
bench: $(STAMP)
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_readers.py
	$(BIN)/python bench/bench_kpi.py
	$(BIN)/python bench/bench_preagg.py
	$(BIN)/python bench/bench_points.py
	$(BIN)/python bench/bench_prefer.py
	$(BIN)/python bench/bench_plan.py
	$(BIN)/python bench/bench_spark.py
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_province.py  # CHANOPS_BENCH_SCALE=1 for a province-month (about an hour)

## bench-smoke: every benchmark at a tiny scale, its answers compared with its hand-written reference
## (exit 1 on a difference; no timing targets). Spark included (Java 17): about 2 minutes on an idle machine.
bench-smoke: $(STAMP)
	$(BIN)/python bench/bench_load.py --smoke
	$(BIN)/python bench/bench_readers.py --smoke
	$(BIN)/python bench/bench_kpi.py --smoke
	$(BIN)/python bench/bench_preagg.py --smoke
	$(BIN)/python bench/bench_points.py --smoke
	$(BIN)/python bench/bench_prefer.py --smoke
	$(BIN)/python bench/bench_plan.py --smoke
	$(BIN)/python bench/bench_spark.py --smoke
	$(BIN)/python bench/bench_startup.py --smoke
	$(BIN)/python bench/bench_province.py --smoke

## sample-data: regenerate the bundled sample set
sample-data: $(STAMP)
	$(BIN)/chanops sample --out sample_data --rows 20000 --seed 1

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).wal demo-dispatch demo-report .pytest_cache .ruff_cache .mypy_cache bench/out
