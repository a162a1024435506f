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

from chanops.errors import ChanopsError, UsageError
from chanops.sql import ident, lit, neutralized_columns, probe

if TYPE_CHECKING:
    import duckdb
    import polars as pl
    import pyarrow as pa

    from chanops.engines.spark import SparkEngine

ENGINES = ("duckdb", "spark")


class EngineError(ChanopsError):
    """A query could not run on the chosen engine (e.g. SQL Spark cannot express)."""


class Engine(Protocol):
    """What a task may ask of wherever its data is. Everything an engine differs in is a method
    here, so no code asks which engine it has."""

    name: str
    source: str | None  # where the data is read from: the lake's URL, None for the warehouse
    progress_connection: duckdb.DuckDBPyConnection | None  # whose query progress a bar can follow

    def table(self, sql: str) -> pa.Table:
        """Run a query written in DuckDB SQL; the result as an Arrow table."""

    def rows(self, sql: str, params: Sequence | None = None) -> list[tuple]:
        """A small query's rows as tuples (parameters on the warehouse only)."""

    def has_rows(self, asked: Sequence[tuple[str, str | None]]) -> list[bool]:
        """Whether each (kind, month) of `asked` has rows — month None: any row at all. The
        presence checks that blank a KPI for an empty month and find the months with data."""

    def materialize(self, name: str, sql: str) -> None:
        """Keep the result of a query as the scratch table `name`, computed once: later queries
        read the same rows however often they read it (a window over ties is not re-drawn)."""

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table the scratch table `name`."""

    def narrow(self, name: str, condition: str) -> Callable[[], None]:
        """Until the returned function is called, the table `name` holds only its rows meeting
        `condition` (DuckDB SQL over its columns) — a view in its place, nothing copied or stored."""

    def read_locally(self, name: str, fill: Callable[[duckdb.DuckDBPyConnection], object]) -> None:
        """Let DuckDB build the scratch table `name` (`fill` creates it on the connection it is
        given: the loader's readers run in DuckDB), then make it this engine's table `name`."""

    def write_csv(self, sql: str, path: Path, neutralize: bool = False) -> None:
        """The rows of a query as a CSV file with a header, written by DuckDB's writer whichever
        engine ran the query, so both engines write the same bytes; with `neutralize` (a file
        people open in a spreadsheet), formula-like text cells get a leading apostrophe."""

    def append(self, ledger: str, name: str, rows: pa.Table) -> None:
        """Add rows to a ledger (a warehouse table, or the file `name` in the lake's folder)."""

    def warehouse(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection, for what only the warehouse does (loads, sql, inventory);
        a UsageError on another engine."""

    def close(self) -> None:
        """Release the engine (the warehouse's connection is closed by whoever opened it)."""


class DuckDBEngine:
    name = "duckdb"
    source: str | None = None

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.progress_connection: duckdb.DuckDBPyConnection | None = con

    def table(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def rows(self, sql: str, params: Sequence | None = None) -> list[tuple]:
        # fetchall, not fetchone: results stream in DuckDB 2.0, and a result not read to the
        # end blocks the connection (PITFALLS)
        return self.con.execute(sql, list(params or [])).fetchall()

    def has_rows(self, asked: Sequence[tuple[str, str | None]]) -> list[bool]:
        # one statement of probes that each stop at the first row: milliseconds, where a scan
        # of the months would take a tenth of a second at ten million rows
        if not asked:
            return []
        probes = [f"{probe(_rows_of(kind, month))} AS p{i}" for i, (kind, month) in enumerate(asked)]
        return [bool(hit) for hit in only_row(self, f"SELECT {', '.join(probes)}")]

    def materialize(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register("_arrow_in", table)
        try:
            self.materialize(name, "SELECT * FROM _arrow_in")
        finally:
            self.con.unregister("_arrow_in")

    def narrow(self, name: str, condition: str) -> Callable[[], None]:
        # a temporary view shadows the stored table of the same name; it reads the stored one by
        # its full name (the view's own name would be itself), and only once per table
        [database] = self.con.execute("SELECT current_database()").fetchone() or ("",)
        self.con.execute(f"CREATE TEMP VIEW {name} AS SELECT * FROM {ident(database)}.main.{name} WHERE {condition}")

        def widen() -> None:
            self.con.execute(f"DROP VIEW temp.main.{name}")

        return widen

    def read_locally(self, name: str, fill: Callable[[duckdb.DuckDBPyConnection], object]) -> None:
        fill(self.con)  # the table is made where it is read

    def write_csv(self, sql: str, path: Path, neutralize: bool = False) -> None:
        if neutralize:
            described = self.con.execute(f"DESCRIBE {sql}").fetchall()
            # a projection keeps the query's row order
            sql = f"SELECT {neutralized_columns((name, kind) for name, kind, *_rest in described)} FROM ({sql})"
        self.con.execute(f"COPY ({sql}) TO {lit(str(path))} (FORMAT csv, HEADER)")

    def append(self, ledger: str, name: str, rows: pa.Table) -> None:
        self.con.register("_arrow_in", rows)
        try:
            self.con.execute(f"INSERT INTO {ledger} SELECT * FROM _arrow_in")
        finally:
            self.con.unregister("_arrow_in")

    def warehouse(self) -> duckdb.DuckDBPyConnection:
        return self.con

    def close(self) -> None:
        pass


def _rows_of(kind: str, month: str | None) -> str:
    from chanops.schema import KINDS

    where = f" WHERE {KINDS[kind].in_months(month)}" if month else ""
    return f"SELECT 1 AS hit FROM {kind}{where}"


def write_arrow_csv(table: pa.Table, path: Path, neutralize: bool = False) -> None:
    """An Arrow table through DuckDB's CSV writer (what DuckDBEngine.write_csv writes)."""
    import duckdb

    scratch = duckdb.connect()
    try:
        scratch.register("result_rows", table)
        DuckDBEngine(scratch).write_csv("SELECT * FROM result_rows", path, neutralize)
    finally:
        scratch.close()


def polars_frame(table: pa.Table) -> pl.DataFrame:
    """An engine's Arrow table as a Polars frame: pl.from_arrow, which gives a DataFrame for a
    table (its annotation says DataFrame | Series, and pyarrow has no types to tell them apart)."""
    import polars as pl

    return cast("pl.DataFrame", pl.from_arrow(table))


def as_engine(con_or_engine) -> Engine:
    """Library functions take an Engine, or for convenience a DuckDB connection, which is
    wrapped: an engine is whatever can `materialize` (a connection has a `table` method too)."""
    if hasattr(con_or_engine, "materialize"):
        return cast("Engine", con_or_engine)
    return DuckDBEngine(con_or_engine)


def first_row(con_or_engine, sql: str, params: Sequence | None = None) -> tuple | None:
    """First row of a small query, or None."""
    rows = as_engine(con_or_engine).rows(sql, params)
    return rows[0] if rows else None


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
