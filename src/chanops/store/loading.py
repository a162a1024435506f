"""A load writes a copy of the warehouse and publishes it whole, so readers never wait for it.

DuckDB keeps every reader out of a file another process has open read-write, and a load at
province scale takes minutes. So, under the writer lock, a load copies the warehouse to
`<db>.loading` beside it, loads into the copy exactly as it would into the warehouse, closes
it (DuckDB checkpoints: no WAL is left) and renames it over the warehouse in one step. A
reader that opened the warehouse before keeps reading the file it opened; one that opens it
after reads the new file: before or after, never half. A dry run or a failure discards the
copy; kill -9 at any moment leaves the warehouse as it was, and the next writer removes the
copy (store/writer_lock.py).

The price is the copy: a read and a write of the whole warehouse per load (see README,
"Loading while others read"), and that much free space beside it.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chanops.errors import LoadRejected, WarehouseUnwritable
from chanops.store.warehouse import DEFAULT_WAIT_SECONDS, connect, refuse_foreign_file, storage_problem
from chanops.store.writer_lock import loading_path, writer_lock

if TYPE_CHECKING:
    import duckdb


@dataclass
class LoadingCopy:
    """The copy a load writes; `keep` says whether it replaces the warehouse at the end."""

    path: Path
    con: duckdb.DuckDBPyConnection
    keep: bool = True


@contextmanager
def loading_copy(
    db: Path, *, wait: float = DEFAULT_WAIT_SECONDS, since: float | None = None, dry_run: bool = False
) -> Iterator[LoadingCopy]:
    """A read-write connection to a copy of the warehouse `db` (a new warehouse: an empty one),
    published over `db` when the block ends — also when it ends in LoadRejected, whose ledger
    line and rejects the copy keeps — and discarded on any other error or with `dry_run`."""
    since = time.monotonic() if since is None else since
    refuse_foreign_file(db)
    with writer_lock(db, wait, since):
        _settle_wal(db, wait, since)
        copy = loading_path(db)
        if db.exists():
            _copy_file(db, copy)
        try:
            con = connect(copy, read_only=False, wait=wait, since=since)
        except BaseException:
            copy.unlink(missing_ok=True)
            raise
        loading = LoadingCopy(copy, con, keep=not dry_run)
        try:
            yield loading
        except LoadRejected:
            _finish(loading, db)
            raise
        except BaseException:
            loading.keep = False
            _finish(loading, db)
            raise
        _finish(loading, db)


def _settle_wal(db: Path, wait: float, since: float) -> None:
    """A writer killed before its checkpoint leaves `<db>.wal`; copying the file without it
    would lose that writer's committed work, and renaming over a file whose WAL is then
    replayed onto the new one would corrupt it. So fold it in first (briefly keeping readers
    out, as any in-place writer does)."""
    if not db.with_name(db.name + ".wal").exists():
        return
    import duckdb

    con = connect(db, read_only=False, wait=wait, since=since)
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise WarehouseUnwritable(f"cannot write to warehouse {db}: {storage_problem(exc)}") from None
    finally:
        con.close()


def _copy_file(source: Path, target: Path) -> None:
    """Copy in the kernel (sendfile), keeping the warehouse's permissions."""
    try:
        shutil.copyfile(source, target)
        shutil.copymode(source, target)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise WarehouseUnwritable(
            f"cannot prepare the load beside warehouse {source} (it needs a copy of it, "
            f"{source.stat().st_size / 1e9:.1f} GB): {storage_problem(exc)}"
        ) from None


def _finish(loading: LoadingCopy, db: Path) -> None:
    """Close the copy, then publish it (flushed to disk, renamed over the warehouse, the rename
    flushed) or remove it."""
    wal = loading.path.with_name(loading.path.name + ".wal")
    try:
        loading.con.close()  # the checkpoint: the copy's last writes reach its file here
    except Exception as exc:
        loading.path.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
        if not loading.keep:
            return
        raise WarehouseUnwritable(f"cannot write the load for warehouse {db}: {storage_problem(exc)}") from None
    if not loading.keep:
        loading.path.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
        return
    try:
        if wal.exists():  # DuckDB checkpoints on close; a WAL left would be lost by the rename
            raise OSError(f"{wal} was left after closing the copy")
        _fsync(loading.path)
        os.replace(loading.path, db)
        _fsync(db.parent, directory=True)
    except OSError as exc:
        loading.path.unlink(missing_ok=True)
        wal.unlink(missing_ok=True)
        raise WarehouseUnwritable(f"cannot publish the load into warehouse {db}: {storage_problem(exc)}") from None


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
