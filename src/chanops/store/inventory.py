"""What the warehouse holds: per-table rows and months, recent loads, rejects.
Backs `chanops db info` and `chanops rejects`.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import polars as pl

from chanops.errors import UsageError
from chanops.schema import KINDS


def tables_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per kind: rows, first/last month and number of months with data, loads, rejects."""
    parts = []
    for k in KINDS.values():
        month = k.month_sql
        parts.append(
            f"""SELECT '{k.name}' AS kind, '{k.label}' AS label, count(*) AS rows,
                       min({month}) AS first_month, max({month}) AS last_month,
                       count(DISTINCT {month}) AS months,
                       (SELECT count(*) FROM _loads WHERE kind = '{k.name}') AS loads,
                       (SELECT count(*) FROM _rejects WHERE kind = '{k.name}') AS rejected
                FROM {k.name}"""
        )
    return con.sql(" UNION ALL ".join(parts)).pl()


def recent_loads(con: duckdb.DuckDBPyConnection, limit: int = 10) -> pl.DataFrame:
    return con.sql(
        f"""SELECT load_id, kind, file, strftime(loaded_at, '%Y-%m-%d %H:%M:%S') AS loaded_at, encoding,
                   rows_read, rows_loaded, rows_rejected, coalesce(status, 'loaded') AS status
            FROM _loads ORDER BY load_id DESC LIMIT {int(limit)}"""
    ).pl()


def reject_reasons(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(
        "SELECT kind, code, reason, count(*) AS count FROM _rejects GROUP BY ALL ORDER BY count DESC, kind, reason"
    ).pl()


def rejects(con: duckdb.DuckDBPyConnection, kind: str | None = None, load_id: int | None = None) -> pl.DataFrame:
    """Quarantined rows, newest load first, in file order; `code` says why as a stable code
    (README "Reject codes"), `reason` in words."""
    if kind is not None and kind not in KINDS:
        raise UsageError(f"unknown kind '{kind}'; kinds: {', '.join(KINDS)}")
    where: list[str] = []
    params: list[object] = []
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if load_id is not None:
        where.append("load_id = ?")
        params.append(load_id)
    clause = ("WHERE " + " AND ".join(where)) if where else ""
    return con.sql(
        f"""SELECT load_id, kind, file, line, "column", value, code, reason FROM _rejects {clause}
            ORDER BY load_id DESC, line""",
        params=params,
    ).pl()


# What the ledger tables hold, for `db schema` (the kinds describe themselves in schema.py).
LEDGER_TABLES = {
    "_loads": (
        "one row per load: file, fingerprint, encoding, rows read/loaded/rejected, a snapshot's as-of date, "
        "status (loaded/refused)"
    ),
    "_rejects": "quarantined rows: load, file, physical line, column, value, reason, code (README: reject codes)",
    "_adjustments": "manual points adjustments",
    "_points_runs": "recorded points statements: inputs and config fingerprints",
    "_preagg": "KPI pre-aggregates: each source's measures per month and standard slice, and the funnel's "
    "users per campaign and wave (exact)",
    "_preagg_current": "which pre-aggregates are current: month, slice, source, measure, refresh and load",
    "_preagg_months": "the months kept pre-aggregated",
    "_meta": "schema version",
}


def schema(con: duckdb.DuckDBPyConnection, views: Sequence[tuple[str, str, str, str]] = ()) -> pl.DataFrame:
    """Every table with its columns and types, and what each table holds — what `chanops sql`
    can query — then `views`, (view, column, type, holds) rows, and the ledger tables last."""
    described = {k.name: k.label for k in KINDS.values()} | LEDGER_TABLES
    frame = con.sql(
        """SELECT table_name AS "table", 'table' AS kind, column_name AS "column", data_type AS type
           FROM information_schema.columns WHERE table_schema = 'main' AND table_catalog = current_database()
           ORDER BY table_name LIKE '\\_%' ESCAPE '\\', table_name, ordinal_position"""
    ).pl()
    frame = frame.with_columns(holds=pl.col("table").replace_strict(described, default=None, return_dtype=pl.String))
    if not views:
        return frame
    listed = pl.DataFrame(
        [(table, "view", column, type_, holds) for table, column, type_, holds in views],
        schema=frame.schema,
        orient="row",
    )
    ledger = pl.col("table").str.starts_with("_")
    return pl.concat([frame.filter(~ledger), listed, frame.filter(ledger)])
