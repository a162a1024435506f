"""Where a task runs: the one way to open an engine — the DuckDB warehouse (read-only unless
the task writes) or Spark over a lake."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chanops.engines import Engine

DEFAULT_WAIT = 5.0  # seconds a reader or writer waits while another process holds the warehouse


def require_warehouse(db: Path | None) -> None:
    """Refuse, in one line, to work on a warehouse that does not exist yet (a dry run)."""
    from chanops.errors import UsageError
    from chanops.store.warehouse import resolve_db_path

    path = resolve_db_path(db)
    if not Path(path).exists():
        raise UsageError(f"{path} does not exist: a dry run checks a load against a warehouse and creates none")


@dataclass(frozen=True)
class SessionOptions:
    """The engine and where its data is: --engine, --db/--wait, or --source and Spark's settings."""

    engine: str = "duckdb"
    db: Path | None = None
    wait: float = DEFAULT_WAIT
    source: str | None = None
    spark_master: str = "local[2]"
    spark_conf: Sequence[str] = ()
    since: float | None = None  # when the command started (time.monotonic()): --wait counts from here


@contextmanager
def open_session(options: SessionOptions, *, write: bool = False) -> Iterator[Engine]:
    """The engine a task runs on: the warehouse (read-only unless `write`), or Spark over
    `options.source`."""
    if options.engine == "duckdb":
        from chanops.engines import DuckDBEngine
        from chanops.store.warehouse import open_warehouse

        with open_warehouse(options.db, read_only=not write, wait=options.wait, since=options.since) as con:
            yield DuckDBEngine(con)
        return
    from chanops.engines import open_engine
    from chanops.lake.store import finish_interrupted_load

    # a Spark load interrupted after its commit is finished before anything reads the lake
    engine = open_engine(
        options.engine, options.source, options.spark_master, list(options.spark_conf), finish_interrupted_load
    )
    try:
        yield engine
    finally:
        engine.close()


@contextmanager
def open_load_session(options: SessionOptions, *, dry_run: bool = False) -> Iterator[Engine]:
    """The engine a load runs on: a copy of the warehouse, published over it when the load ends
    (a refused load too: its ledger line and rejects), discarded after a failure or a dry run —
    readers go on reading the warehouse meanwhile (store/loading.py)."""
    from chanops.engines import DuckDBEngine
    from chanops.store.loading import loading_copy
    from chanops.store.warehouse import resolve_db_path

    with loading_copy(resolve_db_path(options.db), wait=options.wait, since=options.since, dry_run=dry_run) as copy:
        yield DuckDBEngine(copy.con)


def check_output(target: Path, db: Path | None, *, directory: bool = False) -> None:
    """Refuse an -o FILE (or --out DIR) that would overwrite the warehouse `db` (--db, else
    $CHANOPS_DB, else ./chanops.duckdb), its WAL or another database — before anything runs."""
    from chanops.present.output import check_output_path
    from chanops.store.warehouse import resolve_db_path

    check_output_path(target, resolve_db_path(db), directory=directory)
