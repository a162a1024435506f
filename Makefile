# Everything a fresh machine needs: `make demo` and `make test` create .venv and install on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DB := demo.duckdb
KINDS  := orders contacts entries valid rules complaints usage signals customers billing

.PHONY: demo test check lint bench sample-data clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,spark]'
	touch $(STAMP)

## demo: load sample_data/ into a fresh embedded warehouse and print the latest month's KPIs
demo: $(STAMP)
	rm -f $(DEMO_DB) $(DEMO_DB).wal
	@for kind in $(KINDS); do $(BIN)/chanops load $$kind sample_data/$$kind.csv --db $(DEMO_DB) || exit 1; done
	$(BIN)/chanops db info --db $(DEMO_DB) --format table
	$(BIN)/chanops kpi --db $(DEMO_DB) --compare prev --format table

## test: the suite CI runs (installs Debian's chromium for the report's browser test if missing)
test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
	  || echo "note: chromium could not be installed; the browser test will be skipped"
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

## check: lint + tests
check: lint test

## bench: performance ratios against hand-written DuckDB in the same run (slow: minutes)
bench: $(STAMP)
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_kpi.py
	$(BIN)/python bench/bench_points.py
	$(BIN)/python bench/bench_prefer.py
	$(BIN)/python bench/bench_spark.py

## sample-data: regenerate the bundled sample set
sample-data: $(STAMP)
	$(BIN)/chanops sample --out sample_data --rows 20000 --seed 1

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB).wal .pytest_cache .ruff_cache bench/out
