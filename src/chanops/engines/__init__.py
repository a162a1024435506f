"""Where a query runs: the embedded DuckDB warehouse, or Spark over the Parquet export.

chanops writes each definition once, as DuckDB SQL. The Spark engine transpiles that
text with sqlglot and runs it through pyspark on the export layout (`chanops export`),
so there is no second, hand-kept copy of any KPI or points rule. Only aggregated
results come back, as Arrow tables, to the same rendering and output code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import duckdb
import pyarrow as pa

from chanops.errors import ChanopsError, UsageError

ENGINES = ("duckdb", "spark")


class EngineError(ChanopsError):
    """A query could not run on the chosen engine (e.g. SQL Spark cannot express)."""


class Engine(Protocol):
    name: str

    def table(self, sql: str) -> pa.Table:
        """Run a query written in DuckDB SQL; the result as an Arrow table."""


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def table(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()


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


def open_engine(name: str, source: str | None, master: str, conf: Sequence[str]) -> Engine:
    """Spark over `source` (the layout chanops export writes); the warehouse is opened by store.warehouse."""
    from chanops.engines.spark import SparkEngine

    if name not in ENGINES:
        raise UsageError(f"--engine must be one of: {', '.join(ENGINES)}")
    if source is None:
        raise UsageError("--engine spark needs --source DIR (what load --engine spark or export wrote)")
    return SparkEngine(source, master, conf)
