"""One writer at a time, readers never kept out: the warehouse's writer lock.

DuckDB's own lock keeps every reader out while a process has the file open read-write. A load
therefore works on a copy (store/loading.py) and does not hold DuckDB's lock on the warehouse
at all; what keeps two writers apart is this lock instead — an advisory `flock` on `<db>.lock`,
taken by every read-write open (loads, `db migrate`, points runs and adjustments, …) and never
by a reader. Without it a writer could change the warehouse while a load works on its copy,
and the load's publish would undo that change.

The lock file holds the holder's process id, for the "busy" message; the kernel drops the lock
when its holder exits, even by kill -9, so a stale lock file means nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from chanops.errors import WarehouseBusy, WarehouseUnwritable

try:
    import fcntl
except ImportError:  # Windows: no flock; DuckDB's own lock is then the only guard
    fcntl = None  # type: ignore[assignment]

# Files a killed load may leave beside the warehouse: its copy, the copy's WAL and spill directory.
LOADING_SUFFIX = ".loading"


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def loading_path(db: Path) -> Path:
    return db.with_name(db.name + LOADING_SUFFIX)


def deadline_of(wait: float, since: float | None) -> float:
    """When a wait of `wait` seconds ends: counted from `since` (the command's start, so the
    time it spent starting up counts too) or else from now."""
    return (time.monotonic() if since is None else since) + max(wait, 0.0)


def pause_before_retry(delay: float, deadline: float) -> float:
    """Sleep before the next attempt, never past the deadline; the next, longer delay."""
    time.sleep(max(0.0, min(delay, deadline - time.monotonic())))
    return min(delay * 2, 0.25)


def busy(db: Path, holder: str, wait: float) -> WarehouseBusy:
    return WarehouseBusy(f"warehouse {db} is busy{holder}; gave up after {wait:g}s (raise --wait)")


def _holder_of(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        pid = ""
    return (
        f": a load or another writer is at work (process {pid})"
        if pid.isdigit()
        else ": a load or another writer is at work"
    )


@contextmanager
def writer_lock(db: Path, wait: float, since: float | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock, retrying until the deadline; then fail in one line.
    Once held, what a killed load left beside the warehouse is removed."""
    if fcntl is None:
        yield
        return
    path = lock_path(db)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise WarehouseUnwritable(f"cannot write beside warehouse {db} ({path}): {exc.strerror}") from None
    try:
        deadline = deadline_of(wait, since)
        delay = 0.02
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise busy(db, _holder_of(fd), wait) from None
                delay = pause_before_retry(delay, deadline)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        remove_leftovers(db)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def remove_leftovers(db: Path) -> None:
    """A load killed before its publish leaves its copy behind; the warehouse itself is as it
    was. Called only under the writer lock, so no load is using them."""
    import shutil

    copy = loading_path(db)
    for leftover in (copy, copy.with_name(copy.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(copy.with_name(copy.name + ".tmp"), ignore_errors=True)
