"""The embedded DuckDB warehouse: where it lives, how it is opened, its tables.

DuckDB locks the file per process (see PITFALLS): a writer excludes everyone, and
readers exclude a writer. So every open retries until a deadline and then fails
with one line naming the holder, and connections are held only as long as a
command needs them (`with open_warehouse(...) as con:`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from chanops.errors import WarehouseBusy, WarehouseMissing
from chanops.ingest.schema import KINDS, table_ddl

if TYPE_CHECKING:
    import duckdb

DEFAULT_DB = "chanops.duckdb"
DEFAULT_WAIT_SECONDS = 5.0
# DuckDB would otherwise take 80% of RAM; a cap makes big loads spill to <db>.tmp instead,
# so an analyst's laptop and a shared server behave the same. Override with $CHANOPS_MEMORY_LIMIT.
DEFAULT_MEMORY_LIMIT = "1500MB"
SCHEMA_VERSION = 1

LEDGER_DDL = """
CREATE TABLE IF NOT EXISTS _loads (
    load_id BIGINT PRIMARY KEY,
    kind VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    encoding VARCHAR,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL
)"""

REJECTS_DDL = """
CREATE TABLE IF NOT EXISTS _rejects (
    load_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT,
    "column" VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
)"""

META_DDL = "CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR)"

# Manual points adjustments (corrections, clawbacks, dispute outcomes), shown in statements.
ADJUSTMENTS_DDL = """
CREATE TABLE IF NOT EXISTS _adjustments (
    adjust_id BIGINT PRIMARY KEY,
    month VARCHAR NOT NULL,
    staff_id VARCHAR NOT NULL,
    points DECIMAL(18,2) NOT NULL,
    note VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
)"""

# Every points statement/payout run, with fingerprints of what it read.
POINTS_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS _points_runs (
    run_id BIGINT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    command VARCHAR NOT NULL,
    month VARCHAR NOT NULL,
    budget DECIMAL(18,2),
    inputs_fingerprint VARCHAR NOT NULL,
    config_fingerprint VARCHAR NOT NULL,
    output_fingerprint VARCHAR NOT NULL,
    staff BIGINT NOT NULL,
    claims BIGINT NOT NULL,
    earned DECIMAL(18,2) NOT NULL,
    deductions DECIMAL(18,2) NOT NULL,
    net DECIMAL(18,2) NOT NULL,
    payout DECIMAL(18,2) NOT NULL
)"""


def resolve_db_path(db: str | Path | None) -> Path:
    """`--db PATH`, else $CHANOPS_DB, else ./chanops.duckdb (SPEC §9)."""
    return Path(db or os.environ.get("CHANOPS_DB") or DEFAULT_DB)


def _holder(message: str) -> str:
    pid = re.search(r"PID (\d+)", message)
    return f" (held by process {pid.group(1)})" if pid else ""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def connect(path: Path, *, read_only: bool, wait: float = DEFAULT_WAIT_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, retrying while another process holds the lock."""
    import duckdb  # imported here so `chanops --help` stays fast

    if read_only and not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: load data first (chanops load KIND FILE --db {path})")
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseMissing(f"cannot open warehouse {path}: {str(exc).splitlines()[0]}") from None
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"warehouse {path} is busy{_holder(str(exc))}; gave up after {wait:g}s (raise --wait)"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise WarehouseMissing(f"{path} is not a chanops warehouse: {str(exc).splitlines()[0]}") from None
    # DuckDB's own progress bar would write into chanops' output.
    con.execute("SET enable_progress_bar = false")
    memory_limit = os.environ.get("CHANOPS_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT)
    try:
        con.execute("SET memory_limit = ?", [memory_limit])
    except duckdb.Error:
        con.close()
        raise WarehouseMissing(f"CHANOPS_MEMORY_LIMIT={memory_limit!r} is not a memory size (e.g. 4GB)") from None
    if not read_only:
        ensure_schema(con)
    return con


@contextmanager
def open_warehouse(
    db: str | Path | None, *, read_only: bool, wait: float = DEFAULT_WAIT_SECONDS
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(resolve_db_path(db), read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every canonical table, the ledger and the rejects table if missing."""
    con.execute("BEGIN")
    for k in KINDS.values():
        con.execute(table_ddl(k))
    con.execute(LEDGER_DDL)
    con.execute(REJECTS_DDL)
    con.execute(META_DDL)
    con.execute(ADJUSTMENTS_DDL)
    con.execute(POINTS_RUNS_DDL)
    con.execute("INSERT INTO _meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [str(SCHEMA_VERSION)])
    con.execute("COMMIT")
