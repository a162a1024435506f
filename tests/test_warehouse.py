"""Several analysts at once: DuckDB locks per process, chanops waits and then says who holds it."""

from __future__ import annotations

import subprocess
import sys
import time

from .conftest import query, write_text
from .test_load import ORDERS_HEADER, order_rows

HOLD = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
print("holding", flush=True)
time.sleep(float(sys.argv[3]))
"""


def hold(db, mode: str, seconds: float) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), mode, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_second_writer_waits_then_fails_with_one_line(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(3))
    assert chanops("load", "orders", path, "--db", db).exit_code == 0
    holder = hold(db, "rw", 30)
    try:
        started = time.monotonic()
        result = chanops("db", "info", "--db", db, "--wait", "0.5")
        assert time.monotonic() - started >= 0.5
        assert result.exit_code == 1
        assert result.stdout == ""
        assert result.stderr == (
            f"chanops: error: warehouse {db} is busy (held by process {holder.pid}); "
            "gave up after 0.5s (raise --wait)\n"
        )
    finally:
        holder.kill()
        holder.wait()
    assert query(db, "SELECT count(*) FROM orders") == [(3,)]


def test_writer_waits_for_a_reader_to_finish(chanops, tmp_path, db):
    first = write_text(tmp_path / "a.csv", ORDERS_HEADER + order_rows(3))
    assert chanops("load", "orders", first, "--db", db).exit_code == 0
    reader = hold(db, "ro", 1.0)  # a reader holds it for a second; the writer waits it out
    try:
        second = write_text(tmp_path / "b.csv", ORDERS_HEADER + order_rows(3, start=10))
        result = chanops("load", "orders", second, "--db", db, "--wait", "20")
        assert result.exit_code == 0, result.stderr
    finally:
        reader.wait()
    assert query(db, "SELECT count(*) FROM orders") == [(6,)]


def test_readers_share_the_file(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(3))
    assert chanops("load", "orders", path, "--db", db).exit_code == 0
    reader = hold(db, "ro", 30)
    try:
        result = chanops("db", "info", "--db", db, "--wait", "0", "--format", "json")
        assert result.exit_code == 0, result.stderr
    finally:
        reader.kill()
        reader.wait()


def test_db_from_environment(chanops, tmp_path, monkeypatch):
    env_db = tmp_path / "env.duckdb"
    monkeypatch.setenv("CHANOPS_DB", str(env_db))
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(2))
    assert chanops("load", "orders", path).exit_code == 0
    assert query(env_db, "SELECT count(*) FROM orders") == [(2,)]


def test_missing_warehouse_for_a_read_command(chanops, tmp_path):
    result = chanops("rejects", "--db", tmp_path / "none.duckdb")
    assert result.exit_code == 1
    assert result.stderr.startswith("chanops: error: no warehouse at ")
    assert not (tmp_path / "none.duckdb").exists()
