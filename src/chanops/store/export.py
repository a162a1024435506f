"""`chanops export`: the warehouse as Parquet in the Hive layout Spark and Hive read —
`DIR/<kind>/month=YYYY-MM/*.parquet` for the monthly kinds (partitioned by the month of
their event time, or by their own `month` column), `DIR/<kind>/*.parquet` for customers
and rules, which are not monthly. DuckDB writes the files; each kind goes to a temporary
directory first and replaces the old one only when complete.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import duckdb

from chanops.errors import UsageError
from chanops.schema import KINDS
from chanops.sql import lit

UNPARTITIONED = ("customers", "rules", "_loads", "_rejects")
# Points adjustments travel with the data they adjust; the load ledger and the rejects with
# the rows they account for (`check` reads them).
EXTRA_TABLES = {"_adjustments": "month", "_loads": None, "_rejects": None}
DIRECTORY_NAMES = {"_adjustments": "adjustments"}


def export_warehouse(
    con: duckdb.DuckDBPyConnection,
    to: Path,
    kinds: Sequence[str] | None = None,
    first: str | None = None,
    last: str | None = None,
) -> dict[str, int]:
    """Write the chosen kinds (default: all) for months first..last (default: all); rows per kind."""
    chosen = list(kinds or [*KINDS, *EXTRA_TABLES])
    unknown = [k for k in chosen if k not in KINDS and k not in EXTRA_TABLES]
    if unknown:
        raise UsageError(f"unknown kind(s) {', '.join(unknown)}; kinds: {', '.join(KINDS)}")
    to.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind in chosen:
        month = EXTRA_TABLES[kind] if kind in EXTRA_TABLES else KINDS[kind].month_sql
        where = []
        if kind not in UNPARTITIONED:
            if first:
                where.append(f"{month} >= {lit(first)}")
            if last:
                where.append(f"{month} <= {lit(last)}")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        name = DIRECTORY_NAMES.get(kind, kind)
        staging = to / f".{name}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        if kind in UNPARTITIONED:
            staging.mkdir()
            query = f"SELECT * FROM {kind}"
            con.execute(f"COPY ({query}) TO {lit(str(staging / 'data.parquet'))} (FORMAT parquet)")
        else:
            # A kind with its own `month` column keeps it as the partition; others get one.
            select = "*" if month == "month" else f"*, {month} AS month"
            query = f"SELECT {select} FROM {kind} {clause}"
            con.execute(f"COPY ({query}) TO {lit(str(staging))} (FORMAT parquet, PARTITION_BY (month))")
            if not staging.exists() or not any(staging.iterdir()):
                # nothing to partition: one empty file still carries the schema readers need
                staging.mkdir(exist_ok=True)
                con.execute(f"COPY ({query}) TO {lit(str(staging / 'empty.parquet'))} (FORMAT parquet)")
        rows = con.execute(f"SELECT count(*) FROM ({query})").fetchall()[0][0]
        target = to / name
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        written[name] = rows
    return written
