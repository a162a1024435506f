"""Which heavy libraries a short command imports: start-up is most of a small command's time
(PITFALLS), so each library is imported only on the paths that use it. Not a timing test: the
modules a process imported are read from `python -X importtime`, which names every one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.kpi_fixture import build

SRC = Path(__file__).resolve().parents[1] / "src"

# Polars only for people's formats (tables, markdown, workbooks), sqlglot and pyspark only on
# --engine spark, Rich only for a terminal's table and for --help; Pydantic (which Typer uses to
# check option values) only for a value chanops/cli/coercion.py leaves to Typer.
NOT_FOR_A_PIPELINE = {"polars", "sqlglot", "pyspark", "rich", "pandas", "pydantic"}
NOT_FOR_HELP = {"duckdb", "pyarrow", "polars", "sqlglot", "pyspark", "pandas", "pydantic"}


def imported(*args: str | Path) -> tuple[set[str], subprocess.CompletedProcess]:
    """The top-level packages a `chanops ARGS` process imported, and the process."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "chanops", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
    )
    # lines read "import time: self | cumulative | <indent>module.name"
    names = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    return {name.split(".")[0] for name in names}, proc


def test_pipeline_kpi_csv_imports_no_dataframe_library(tmp_path):
    """`chanops kpi --format csv` on the KPI fixture (two months, a handful of rows): DuckDB
    computes and writes the CSV, so Polars, sqlglot, pyspark and Rich stay unimported, and the
    option values (--format, --db, --wait's default) are converted without Pydantic."""
    db = build(tmp_path)
    packages, proc = imported("kpi", "--format", "csv", "--db", db)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.startswith("month,"), proc.stdout[:200]
    assert "duckdb" in packages  # the reading is real: the check below would pass on a crash
    assert packages & NOT_FOR_A_PIPELINE == set()


def test_help_imports_no_engine(tmp_path):
    """`chanops --help` reads no data: neither DuckDB nor any dataframe library is imported."""
    packages, proc = imported("--help")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "kpi" in proc.stdout
    assert "typer" in packages
    assert packages & NOT_FOR_HELP == set()


def test_people_formats_still_get_polars(tmp_path):
    """The other side: a markdown table for people is built with Polars (so the check above is
    about the path taken, not about Polars having gone from the code)."""
    db = build(tmp_path)
    packages, proc = imported("kpi", "--format", "markdown", "--db", db)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "polars" in packages


def test_a_value_typer_must_check_still_gets_its_message(tmp_path):
    """The other side of Pydantic's absence: a refused value (`--wait -1`) is refused by Typer's
    own adapter, in its words, with the usage exit code."""
    packages, proc = imported("kpi", "--wait", "-1", "--db", tmp_path / "none.duckdb")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "chanops: error: Invalid value for '--wait': Input should be greater than or equal to 0" in proc.stderr
    assert "pydantic" in packages
