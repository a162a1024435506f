"""Where a query runs: the embedded DuckDB warehouse, or Spark over the Parquet export.

chanops writes each definition once, as DuckDB SQL. The Spark engine transpiles that
text with sqlglot and runs it through pyspark on the export layout (`chanops export`),
so there is no second, hand-kept copy of any KPI or points rule. Only aggregated
results come back, as Arrow tables, to the same rendering and output code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import duckdb
import pyarrow as pa

from chanops.errors import ChanopsError, UsageError
from chanops.sql import lit

if TYPE_CHECKING:
    import polars as pl

    from chanops.engines.spark import SparkEngine

ENGINES = ("duckdb", "spark")


class EngineError(ChanopsError):
    """A query could not run on the chosen engine (e.g. SQL Spark cannot express)."""


class Engine(Protocol):
    name: str

    def table(self, sql: str) -> pa.Table:
        """Run a query written in DuckDB SQL; the result as an Arrow table."""

    def materialize(self, name: str, sql: str) -> None:
        """Keep the result of a query as the scratch table `name`, computed once: later queries
        read the same rows however often they read it (a window over ties is not re-drawn)."""

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table the scratch table `name`."""

    def write_csv(self, sql: str, path: Path) -> None:
        """The rows of a query as a CSV file with a header, written by DuckDB's writer whichever
        engine ran the query, so both engines write the same bytes."""


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def table(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def materialize(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register("_arrow_in", table)
        try:
            self.materialize(name, "SELECT * FROM _arrow_in")
        finally:
            self.con.unregister("_arrow_in")

    def write_csv(self, sql: str, path: Path) -> None:
        self.con.execute(f"COPY ({sql}) TO {lit(str(path))} (FORMAT csv, HEADER)")


def write_arrow_csv(table: pa.Table, path: Path) -> None:
    """An Arrow table through DuckDB's CSV writer (what DuckDBEngine.write_csv writes)."""
    scratch = duckdb.connect()
    try:
        scratch.register("result_rows", table)
        DuckDBEngine(scratch).write_csv("SELECT * FROM result_rows", path)
    finally:
        scratch.close()


def polars_frame(table: pa.Table) -> pl.DataFrame:
    """An engine's Arrow table as a Polars frame: pl.from_arrow, which gives a DataFrame for a
    table (its annotation says DataFrame | Series, and pyarrow has no types to tell them apart)."""
    import polars as pl

    return cast("pl.DataFrame", pl.from_arrow(table))


def as_engine(con_or_engine) -> Engine:
    """Library functions take a DuckDB connection or an Engine."""
    if isinstance(con_or_engine, duckdb.DuckDBPyConnection):
        return DuckDBEngine(con_or_engine)
    return con_or_engine


def first_row(con_or_engine, sql: str, params: Sequence | None = None) -> tuple | None:
    """First row of a small query, or None. On DuckDB fetchall, not fetchone: results stream in
    DuckDB 2.0, and a result not read to the end blocks the connection (PITFALLS)."""
    if isinstance(con_or_engine, duckdb.DuckDBPyConnection):
        rows = con_or_engine.execute(sql, list(params or [])).fetchall()
        return rows[0] if rows else None
    if params:
        raise ValueError("query parameters are for the DuckDB warehouse only")
    rows = con_or_engine.table(sql).to_pylist()
    return tuple(rows[0].values()) if rows else None


def only_row(con_or_engine, sql: str, params: Sequence | None = None) -> tuple:
    """The row of a query that always returns exactly one (an aggregate without GROUP BY,
    a probe); a query that returns none is a bug of the caller's SQL."""
    row = first_row(con_or_engine, sql, params)
    if row is None:
        raise ValueError(f"expected one row, got none: {sql[:80]}")
    return row


def open_engine(
    name: str,
    source: str | None,
    master: str,
    conf: Sequence[str],
    prepare: Callable[[Any, str], None] | None = None,
) -> SparkEngine:
    """Spark over `source` (the layout chanops export writes); the warehouse is opened by store.warehouse.
    `prepare(spark, source)` runs before the source is read (see SparkEngine)."""
    from chanops.engines.spark import SparkEngine

    if name not in ENGINES:
        raise UsageError(f"--engine must be one of: {', '.join(ENGINES)}")
    if source is None:
        raise UsageError("--engine spark needs --source DIR (what load --engine spark or export wrote)")
    return SparkEngine(source, master, conf, prepare)
