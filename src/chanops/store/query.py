"""`chanops sql`: the analyst's escape hatch, read-only.

The warehouse is opened read-only, so nothing in it can change; on top of that, access to
anything outside it is switched off for the statement (no read_csv of /etc/passwd, no COPY
TO a file, no ATTACH, no extension installs) and the setting locked, so the SQL cannot
switch it back. One statement; DuckDB's own error, first line, when it fails.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pyarrow as pa

from chanops.errors import ChanopsError, UsageError


def run_sql(con: duckdb.DuckDBPyConnection, statement: str, prepare: Callable[[], object] | None = None) -> pa.Table:
    """The result of one statement. `prepare` runs after the statement is checked and before
    access to files is switched off: what it defines (TEMP views, registered tables) the
    statement can read, and nothing the statement does can reach a file."""
    if not statement.strip():
        raise UsageError('give a SQL statement, e.g. chanops sql "SELECT region, count(*) FROM orders GROUP BY 1"')
    try:
        statements = con.extract_statements(statement)
    except duckdb.Error as exc:
        raise UsageError(f"SQL: {_first_line(exc)}") from None
    if len(statements) != 1:
        raise UsageError(f"SQL: give one statement, not {len(statements)}")
    if prepare is not None:
        try:
            prepare()
        except duckdb.Error as exc:  # a view chanops defines could not be built: not the user's SQL
            raise ChanopsError(f"SQL views: {_first_line(exc)}") from None
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    try:
        return con.sql(statement).to_arrow_table()
    except duckdb.Error as exc:
        raise UsageError(f"SQL: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
