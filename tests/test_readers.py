"""Reading while a load runs: the load writes a copy of the warehouse and publishes it whole,
so `kpi` and `sql` answer throughout with the state before or after it, never half; other
writers wait for it and then say busy in one line; kill -9 leaves the warehouse as before.

Fixture: 3 orders (O0–O2) loaded, then a load of 5 more (O10–O14), all successful app
orders in 2022-11. Before: order_success_rate = 3 / 3; after: 8 / 8.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import query, write_text
from .test_load import ORDERS_HEADER, order_rows

SRC = str(Path(__file__).resolve().parent.parent / "src")

# A load held between its work and its publish, as a real load is while it runs: it loads
# into its copy, says "ready", and publishes only once the file `go` exists.
PAUSED_LOAD = """
import sys, time
from pathlib import Path
from chanops.config import Config
from chanops.ingest.loader import load_files
from chanops.store.loading import loading_copy

db, extract, go = (Path(a) for a in sys.argv[1:4])
with loading_copy(db, wait=5) as copy:
    load_files(copy.con, "orders", [extract], Config().channels)
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.02)
"""

HOLD_WRITER_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.pwrite(fd, str(os.getpid()).encode(), 0)
print("holding", flush=True)
time.sleep(60)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": SRC}


def paused_load(db: Path, extract: Path, go: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_LOAD, str(db), str(extract), str(go)],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def order_success(chanops, db: Path) -> tuple[str, str]:
    """order_success_rate's numerator and denominator, as `kpi --format csv` prints them."""
    result = chanops(
        "kpi", "--db", db, "--month", "2022-11", "--metric", "order_success_rate", "--format", "csv", "--wait", "0"
    )
    assert result.exit_code == 0, result.stderr
    row = next(csv.DictReader(io.StringIO(result.stdout)))
    return row["order_success_rate_num"], row["order_success_rate_den"]


@pytest.fixture
def loaded(chanops, tmp_path, db) -> Path:
    """The warehouse with O0–O2, and the extract of O10–O14 the next load brings."""
    first = write_text(tmp_path / "first.csv", ORDERS_HEADER + order_rows(3))
    assert chanops("load", "orders", first, "--db", db).exit_code == 0
    return write_text(tmp_path / "next.csv", ORDERS_HEADER + order_rows(5, start=10))


def test_readers_answer_with_the_state_before_while_a_load_works_and_after_once_published(
    chanops, tmp_path, db, loaded
):
    """While the load is held: kpi says 3 / 3 and sql counts 3, the warehouse file unchanged.
    After: 8 / 8 for a new reader; a reader that opened before the publish still reads 3."""
    before = digest(db)
    go = tmp_path / "go"
    load = paused_load(db, loaded, go)
    try:
        assert order_success(chanops, db) == ("3", "3")
        counted = chanops("sql", "SELECT count(*) AS n FROM orders", "--db", db, "--wait", "0", "--format", "csv")
        assert (counted.exit_code, counted.stdout) == (0, "n\n3\n")
        assert digest(db) == before
        early = duckdb.connect(str(db), read_only=True)  # opened before the publish
    finally:
        go.touch()
        assert load.wait(timeout=60) == 0
    try:
        assert early.execute("SELECT count(*) FROM orders").fetchall() == [(3,)]
    finally:
        early.close()
    assert order_success(chanops, db) == ("8", "8")
    assert not db.with_name(db.name + ".loading").exists()


def test_a_writer_during_a_load_waits_then_says_busy_in_one_line(chanops, tmp_path, db, loaded):
    """`db migrate` and a second load, each with --wait 1, give up after a second with one line
    naming the load's process; the warehouse keeps what the first load publishes."""
    go = tmp_path / "go"
    load = paused_load(db, loaded, go)
    try:
        for command in (
            ["db", "migrate", "--db", db, "--wait", "1"],
            [
                "load",
                "orders",
                write_text(tmp_path / "third.csv", ORDERS_HEADER + order_rows(2, start=20)),
                "--db",
                db,
                "--wait",
                "1",
            ],
        ):
            started = time.monotonic()
            result = chanops(*command)
            elapsed = time.monotonic() - started
            assert result.exit_code == 1
            assert result.stdout == ""
            assert result.stderr == (
                f"chanops: error: warehouse {db} is busy: a load or another writer is at work "
                f"(process {load.pid}); gave up after 1s (raise --wait)\n"
            )
            assert 1.0 <= elapsed < 2.0, elapsed
    finally:
        go.touch()
        assert load.wait(timeout=60) == 0
    assert query(db, "SELECT count(*) FROM orders") == [(8,)]


def test_kill_9_before_the_publish_leaves_the_warehouse_as_before_and_the_next_load_works(
    chanops, tmp_path, db, loaded
):
    """Killed with its work done but not published: the same bytes, the same answer (3 / 3);
    the copy it left is removed by the next load, which brings the 5 orders (8 / 8)."""
    before = digest(db)
    load = paused_load(db, loaded, tmp_path / "never")
    load.send_signal(signal.SIGKILL)
    load.wait(timeout=60)
    assert digest(db) == before
    assert db.with_name(db.name + ".loading").exists()
    assert order_success(chanops, db) == ("3", "3")
    result = chanops("load", "orders", loaded, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert order_success(chanops, db) == ("8", "8")
    assert not db.with_name(db.name + ".loading").exists()


def test_kill_9_of_a_load_command_mid_way_leaves_before_or_after_never_half(chanops, tmp_path, db, loaded):
    """A real `chanops load` of 200,000 orders, killed as soon as its copy appears: the
    warehouse answers 3 orders (killed before the publish, then byte for byte as before) or
    200,003 (published just before the kill) — nothing else."""
    big = write_text(tmp_path / "big.csv", ORDERS_HEADER + order_rows(200_000, start=1_000))
    before = digest(db)
    copy = db.with_name(db.name + ".loading")
    load = subprocess.Popen(
        [sys.executable, "-m", "chanops", "load", "orders", str(big), "--db", str(db)],
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not copy.exists() and load.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    load.send_signal(signal.SIGKILL)
    load.wait(timeout=60)
    (count,) = query(db, "SELECT count(*) FROM orders")[0]
    assert count in (3, 200_003)
    if count == 3:
        assert digest(db) == before
    result = chanops("load", "orders", big, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert query(db, "SELECT count(*) FROM orders") == [(200_003,)]
    assert not copy.exists()


def test_wait_gives_up_on_time_counted_from_the_command_start(tmp_path, db):
    """Another process holds the writer lock: `chanops db migrate --wait 1`, a whole process
    (its start-up counts), gives up 1 s after it started — well before 2.5 s."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITER_LOCK, str(db.with_name(db.name + ".lock"))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "chanops", "db", "migrate", "--db", str(db), "--wait", "1"],
            env=_env(),
            capture_output=True,
            text=True,
        )
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 1
    assert done.stderr == (
        f"chanops: error: warehouse {db} is busy: a load or another writer is at work "
        f"(process {holder.pid}); gave up after 1s (raise --wait)\n"
    )
    assert 1.0 <= elapsed < 2.5, elapsed


def test_a_dry_run_discards_its_copy(chanops, tmp_path, db, loaded):
    """--dry-run reads and checks on a copy, then drops it: the warehouse's bytes are the same."""
    before = digest(db)
    result = chanops("load", "orders", loaded, "--db", db, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "dry run, nothing written" in result.stderr
    assert digest(db) == before
    assert not db.with_name(db.name + ".loading").exists()


def test_a_publish_that_fails_says_so_in_one_line_and_no_summary(chanops, db, loaded, monkeypatch):
    """The rename onto the warehouse fails (as on a full or read-only disk): one line, exit 1,
    no "loaded" summary — it comes only after the publish — and the warehouse holds 3 orders."""
    from chanops.store import loading

    def refuse(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(loading.os, "replace", refuse)
    result = chanops("load", "orders", loaded, "--db", db)
    assert result.exit_code == 1
    assert result.stderr == (
        f"chanops: error: cannot publish the load into warehouse {db}: "
        "the disk is full (no space left on device); nothing was changed\n"
    )
    assert query(db, "SELECT count(*) FROM orders") == [(3,)]
    assert not db.with_name(db.name + ".loading").exists()
