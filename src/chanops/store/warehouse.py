"""The embedded DuckDB warehouse: where it lives, how it is opened, its tables.

DuckDB locks the file per process (see PITFALLS): a writer excludes everyone, and
readers exclude a writer. So every open retries until a deadline and then fails
with one line naming the holder, and connections are held only as long as a
command needs them (`with open_warehouse(...) as con:`). Writers also hold the
writer lock (store/writer_lock.py) for as long as they write; a load, which takes
long, writes a copy and publishes it (store/loading.py), so readers go on meanwhile.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from chanops.errors import WarehouseMissing, WarehouseUnwritable
from chanops.schema import KINDS, seen_of_old_state, table_ddl
from chanops.store.writer_lock import busy, deadline_of, pause_before_retry, writer_lock

if TYPE_CHECKING:
    import duckdb

DEFAULT_DB = "chanops.duckdb"
DEFAULT_WAIT_SECONDS = 5.0
# DuckDB would otherwise take 80% of RAM; a cap makes big loads spill to <db>.tmp instead,
# so an analyst's laptop and a shared server behave the same. Override with $CHANOPS_MEMORY_LIMIT.
DEFAULT_MEMORY_LIMIT = "1500MB"
# 2: customers keep their history (_valid_from/_valid_to); version-1 files are migrated in place
# 3: the ledger keeps each snapshot's as-of date (_loads.as_of): which months customers cover
# 4: every reject carries a stable code beside its reason (_rejects.code)
# 5: KPI pre-aggregates (_preagg, _preagg_current, _preagg_months), filled by the next load or
#    `chanops db refresh`; until then every KPI is read from the raw rows
SCHEMA_VERSION = 5
DUCKDB_MAGIC = b"DUCK"  # at byte 8 of every DuckDB database file

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
    rows_rejected BIGINT NOT NULL,
    as_of DATE,  -- a snapshot kind (customers): the date the extract describes; NULL for the others
    status VARCHAR DEFAULT 'loaded'  -- 'refused': rolled back for its reject share, rejects kept
)"""

REJECTS_DDL = """
CREATE TABLE IF NOT EXISTS _rejects (
    load_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT,
    "column" VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL,
    code VARCHAR  -- why, as a stable code (ingest/reject_codes.py); the reason says it in words
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

# KPI pre-aggregates (kpi/preagg.py): each source's measures per month at every standard slice,
# exactly as the KPI compiler aggregates them. `value` keeps the exact number as text; a reader
# casts it back to the type the raw query has.
PREAGG_DDL = """
CREATE TABLE IF NOT EXISTS _preagg (
    month VARCHAR NOT NULL,
    slice VARCHAR NOT NULL,  -- the slice's dimensions, comma-separated; '' for the province
    source VARCHAR NOT NULL,  -- the KPI source: orders, contacts, usage, complaints, customers, retention
    region VARCHAR,
    channel VARCHAR,
    product VARCHAR,
    campaign_id VARCHAR,
    wave VARCHAR,
    measure VARCHAR NOT NULL,  -- the measure's fingerprint, as compiled
    value VARCHAR
)"""

# Which (month, slice, source, measure) aggregates are current: written with their rows, deleted
# in the transaction of any load that changes what they summarize. No row: read the raw rows.
PREAGG_CURRENT_DDL = """
CREATE TABLE IF NOT EXISTS _preagg_current (
    month VARCHAR NOT NULL,
    slice VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    measure VARCHAR NOT NULL,
    refresh_id BIGINT NOT NULL,  -- one per refresh run: which refresh computed it
    load_id BIGINT,  -- the latest load in the ledger when it was computed
    refreshed_at TIMESTAMP NOT NULL
)"""

# The months kept pre-aggregated: every month a load touched (and its comparison months), or
# that `chanops db refresh` found data in.
PREAGG_MONTHS_DDL = "CREATE TABLE IF NOT EXISTS _preagg_months (month VARCHAR PRIMARY KEY)"


def resolve_db_path(db: str | Path | None) -> Path:
    """`--db PATH`, else $CHANOPS_DB, else ./chanops.duckdb (SPEC §9)."""
    return Path(db or os.environ.get("CHANOPS_DB") or DEFAULT_DB)


def _holder(message: str) -> str:
    pid = re.search(r"PID (\d+)", message)
    return f" (held by process {pid.group(1)})" if pid else ""


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def refuse_foreign_file(path: Path) -> None:
    """--db must name a chanops warehouse or a new path: DuckDB would open a CSV or Parquet
    file as an empty in-memory database, load into it and keep nothing."""
    if path.is_dir():
        raise WarehouseMissing(f"--db {path} is a directory, not a warehouse file")
    if not path.exists():
        return
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError as exc:
        raise WarehouseMissing(f"cannot read warehouse {path}: {exc.strerror}") from None
    if head and head[8:12] != DUCKDB_MAGIC:
        raise WarehouseMissing(f"{path} is not a chanops warehouse (not a DuckDB database file); pick another --db")


def _check_is_chanops(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A DuckDB file with tables but no chanops ledger is someone else's database."""
    tables = {row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if tables and "_meta" not in tables:
        con.close()
        raise WarehouseMissing(f"{path} is a DuckDB database but not a chanops warehouse; pick another --db")


def connect(
    path: Path, *, read_only: bool, wait: float = DEFAULT_WAIT_SECONDS, since: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse, retrying while another process holds DuckDB's lock until `wait`
    seconds after `since` (the command's start; default now). A writer that is not a test
    fixture holds the writer lock first: `open_warehouse` takes it."""
    import duckdb  # imported here so `chanops --help` stays fast

    if read_only and not path.exists():
        raise WarehouseMissing(f"no warehouse at {path}: load data first (chanops load KIND FILE --db {path})")
    refuse_foreign_file(path)
    deadline = deadline_of(wait, since)
    delay = 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseMissing(f"cannot open warehouse {path}: {storage_problem(exc)}") from None
            if time.monotonic() >= deadline:
                raise busy(path, _holder(str(exc)), wait) from None
            delay = pause_before_retry(delay, deadline)
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
    _check_is_chanops(con, path)
    if not read_only:
        try:
            ensure_schema(con)
        except duckdb.Error as exc:
            con.close()
            raise WarehouseUnwritable(f"cannot write to warehouse {path}: {storage_problem(exc)}") from None
    elif (version := schema_version(con)) < SCHEMA_VERSION:
        con.close()
        raise WarehouseMissing(
            f"{path} was written by an older chanops (schema {version}); "
            f"run `chanops db migrate --db {path}` (or any chanops load) to bring it up to date"
        )
    return con


def storage_problem(exc: BaseException) -> str:
    """The first line of a storage error, in words for the usual causes."""
    text = str(exc)
    lowered = text.lower()
    if "no space left" in lowered or "disk full" in lowered:
        return "the disk is full (no space left on device); nothing was changed"
    if "read-only file system" in lowered or "readonly" in lowered.replace("-", ""):
        return "the file system is read-only; nothing was changed"
    if "permission denied" in lowered:
        return "permission denied; nothing was changed"
    return text.splitlines()[0] if text else type(exc).__name__


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT value FROM _meta WHERE key = 'schema_version'").fetchall() if _has_meta(con) else []
    return int(rows[0][0]) if rows else SCHEMA_VERSION


def _has_meta(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_meta'").fetchall()[0][0])


@contextmanager
def open_warehouse(
    db: str | Path | None, *, read_only: bool, wait: float = DEFAULT_WAIT_SECONDS, since: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only or in place for a short write (under the writer lock; a load
    goes through store/loading.py instead). `wait` counts from `since`, else from now."""
    path = resolve_db_path(db)
    if read_only:
        con = connect(path, read_only=True, wait=wait, since=since)
        try:
            yield con
        finally:
            con.close()
        return
    since = time.monotonic() if since is None else since
    with writer_lock(path, wait, since):
        con = connect(path, read_only=False, wait=wait, since=since)
        try:
            yield con
        finally:
            con.close()


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every canonical table, the ledger and the rejects table if missing, and migrate
    an older warehouse in place (one transaction)."""
    version = schema_version(con)
    con.execute("BEGIN")
    try:
        if version < 2:
            _migrate_customer_history(con)
        if version < 3:
            _migrate_ledger_as_of(con)
        for k in KINDS.values():
            con.execute(table_ddl(k))
        _add_seen_dates(con)
        con.execute(LEDGER_DDL)
        # a refused load keeps its line and its rejects (SPEC §2.1); older ledgers get the column
        con.execute("ALTER TABLE _loads ADD COLUMN IF NOT EXISTS status VARCHAR DEFAULT 'loaded'")
        con.execute(REJECTS_DDL)
        if version < 4:
            _add_reject_codes(con)
        con.execute(META_DDL)
        con.execute(ADJUSTMENTS_DDL)
        con.execute(POINTS_RUNS_DDL)
        for ddl in (PREAGG_DDL, PREAGG_CURRENT_DDL, PREAGG_MONTHS_DDL):
            con.execute(ddl)
        con.execute(
            "INSERT INTO _meta VALUES ('schema_version', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
            [str(SCHEMA_VERSION)],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _migrate_ledger_as_of(con: duckdb.DuckDBPyConnection) -> None:
    """Version 2 did not record a snapshot's as-of date; its loads took the day of the load
    (`--as-of` defaulted to today, and version 1's history was dated by load day), so that
    day is each earlier customers load's as-of."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = '_loads'").fetchall()[0][0]
    if not exists:
        return
    con.execute("ALTER TABLE _loads ADD COLUMN IF NOT EXISTS as_of DATE")
    con.execute("UPDATE _loads SET as_of = CAST(loaded_at AS DATE) WHERE kind = 'customers' AND as_of IS NULL")


def _add_seen_dates(con: duckdb.DuckDBPyConnection) -> None:
    """Customers' states keep the as-of dates of the snapshots that showed them (`_seen`), so a
    snapshot loaded late goes into the history at its place. A state loaded before chanops
    kept them is taken as seen where it starts; a first state, which starts at the beginning,
    the day before the next one, or else 1970-01-01: earlier than any snapshot to come, as
    such a state was treated when it was loaded."""
    has = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'customers' AND column_name = '_seen'"
    ).fetchall()[0][0]
    if has:
        return
    con.execute("ALTER TABLE customers ADD COLUMN _seen DATE[]")
    con.execute(f"UPDATE customers SET _seen = {seen_of_old_state()}")


def _add_reject_codes(con: duckdb.DuckDBPyConnection) -> None:
    """Rejects recorded before codes get theirs from the words of their reason — once, here:
    from now on code decides and the words are for people."""
    from chanops.ingest.reject_codes import code_of_reason_sql

    con.execute("ALTER TABLE _rejects ADD COLUMN IF NOT EXISTS code VARCHAR")
    con.execute(f"UPDATE _rejects SET code = {code_of_reason_sql('reason')} WHERE code IS NULL")


def _migrate_customer_history(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1 kept every customers load and read the latest by load id. Version 2 keeps one
    state per period: each load's rows are in force from the day of that load (the first
    from the beginning) until the next load of the same customer."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'customers'").fetchall()[0][0]
    if not exists:
        return
    con.execute("ALTER TABLE customers ADD COLUMN IF NOT EXISTS _valid_from DATE")
    con.execute("ALTER TABLE customers ADD COLUMN IF NOT EXISTS _valid_to DATE")
    con.execute(
        """CREATE TEMP TABLE _history AS
           SELECT c.rowid AS rid,
                  CASE WHEN row_number() OVER w > 1 THEN CAST(l.loaded_at AS DATE) END AS valid_from,
                  CAST(lead(l.loaded_at) OVER w AS DATE) AS valid_to
           FROM customers c LEFT JOIN _loads l ON l.load_id = c._load_id
           WINDOW w AS (PARTITION BY c.msisdn ORDER BY c._load_id)"""
    )
    con.execute(
        """UPDATE customers SET _valid_from = h.valid_from, _valid_to = h.valid_to
           FROM _history h WHERE h.rid = customers.rowid"""
    )
    con.execute("DROP TABLE _history")
