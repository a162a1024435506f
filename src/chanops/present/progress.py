"""A progress bar on stderr for long work (loads, sample): bytes or steps done, rate, time
left, and rows so far — only when stderr is a terminal, so cron logs and pipes stay clean.

DuckDB reports how far its running statement is (`query_progress()`, readable from another
thread once progress tracking is on, with its own printing off); a thread polls it and moves
the bar within the current step, never backwards.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

POLL_SECONDS = 0.2


class Steps:
    """Work in weighted steps (a file's bytes, or 1 per file); `start` one, `done` it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, bar, task, unit: str) -> None:
        self.con, self.bar, self.task, self.unit = con, bar, task, unit
        self.base = 0.0  # weight of the steps done
        self.weight = 0.0  # weight of the running step
        self.fraction = 0.0  # of the running step, as far as DuckDB has told
        self.rows = 0
        self.lock = threading.Lock()

    def start(self, label: str, weight: float) -> None:
        with self.lock:
            self.weight, self.fraction = weight, 0.0
        self.bar.update(self.task, description=label, completed=self.base)

    def done(self, rows: int = 0) -> None:
        with self.lock:
            self.base += self.weight
            self.weight, self.fraction = 0.0, 0.0
            self.rows += rows
        self.bar.update(self.task, completed=self.base, rows=f"{self.rows:,} {self.unit}" if self.unit else "")

    def poll(self) -> None:
        percent = self.con.query_progress()
        with self.lock:
            if percent > 0:
                self.fraction = max(self.fraction, min(percent / 100, 1.0))
            completed = self.base + self.fraction * self.weight
        self.bar.update(self.task, completed=completed)


@contextmanager
def steps(
    con: duckdb.DuckDBPyConnection, total: float, *, in_bytes: bool, unit: str = "rows"
) -> Iterator[Steps | None]:
    """A Steps tracker with its bar, or None off a terminal (callers skip updates then)."""
    from chanops.engines import as_engine

    watched = as_engine(con).progress_connection  # Spark: none to follow
    if not sys.stderr.isatty() or watched is None:
        yield None
        return
    con = watched
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    amount = [DownloadColumn(), TransferSpeedColumn()] if in_bytes else [MofNCompleteColumn()]
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        TaskProgressColumn(),
        *amount,
        TextColumn("{task.fields[rows]}"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")  # DuckDB's own bar would write into our output
    stop = threading.Event()
    with bar:
        tracker = Steps(con, bar, bar.add_task("", total=total, rows=""), unit)

        def watch() -> None:
            while not stop.wait(POLL_SECONDS):
                try:
                    tracker.poll()
                except duckdb.Error:
                    return  # the connection is closing; the bar just stops

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            yield tracker
        finally:
            stop.set()
            watcher.join()
            try:
                con.execute("SET enable_progress_bar = false")
            except duckdb.Error:
                pass  # an aborted transaction refuses statements until rollback; the setting dies with it
