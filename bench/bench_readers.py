"""Readers during a load: `chanops kpi --format csv --wait 0` run back to back, as whole
processes, for as long as a contacts load of N rows (20M by default) runs; every reader must
succeed and answer with the state before the load or after it, never anything else. Then a
second load (the same file, --replace) is killed with SIGKILL mid-way, readers still looping:
the warehouse must be byte for byte as it was, the next writer removes the load's copy.

The warehouse starts with 10,000 orders (bench_load's generator), so before and after differ
(contacts bring the contact KPIs). With `--compare-with SRC` the same load is first run with
the chanops at SRC (e.g. the code before loads wrote a copy) under the same reader loop: its
load time is the reference, and its readers show what changed. Also timed: copying the
loaded warehouse, the price a load now pays per byte of warehouse.
Usage: python bench/bench_readers.py [--contacts N] [--compare-with SRC] [--smoke]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import measure
from bench_load import CONTACTS, ORDERS
from measure import CHANOPS, SRC, parse_args

MONTH = "2022-11"
BASE_ORDERS = 10_000


@dataclass
class Readers:
    """What the readers looping during one load saw."""

    answers: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def loop(self, db: Path, env: dict[str, str], stop: threading.Event) -> None:
        while not stop.is_set():
            done = subprocess.run(
                [CHANOPS, "kpi", "--db", str(db), "--month", MONTH, "--format", "csv", "--wait", "0"],
                capture_output=True,
                text=True,
                env=env,
            )
            if done.returncode == 0:
                self.answers.append(done.stdout)
            else:
                self.failures.append(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no message")

    def odd(self, *allowed: str) -> int:
        return sum(answer not in allowed for answer in self.answers)


def kpi(db: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        [CHANOPS, "kpi", "--db", str(db), "--month", MONTH, "--format", "csv"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout


def generate(sql: str, rows: int, path: Path) -> None:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(sql.format(rows=rows, path=path))
    con.close()


def digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            sha.update(chunk)
    return sha.hexdigest()


def code_env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def load_with_readers(db: Path, csv: Path, env: dict[str, str], *extra: str, kill_after: float | None = None):
    """Run `chanops load contacts csv` with readers looping throughout; with `kill_after`,
    SIGKILL it that many seconds after its copy appears. Returns (seconds, Readers, exit code)."""
    readers, stop = Readers(), threading.Event()
    loop = threading.Thread(target=readers.loop, args=(db, env, stop))
    started = time.perf_counter()
    load = subprocess.Popen(
        [CHANOPS, "load", "contacts", str(csv), "--db", str(db), *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    loop.start()
    if kill_after is not None:
        copy = db.with_name(db.name + ".loading")
        while not copy.exists() and load.poll() is None:
            time.sleep(0.01)
        time.sleep(kill_after)
        load.send_signal(signal.SIGKILL)
    _out, err = load.communicate()
    elapsed = time.perf_counter() - started
    stop.set()
    loop.join()
    if kill_after is None and load.returncode != 0:
        sys.exit(f"the load failed ({load.returncode}): {err.strip()}")
    return elapsed, readers, load.returncode


def report(what: str, seconds: float, readers: Readers, odd: int, before: str) -> None:
    early = sum(answer == before for answer in readers.answers)
    print(
        f"  {what}: {seconds:.1f}s; readers: {len(readers.answers)} answered ({early} the state before), "
        f"{len(readers.failures)} failed, {odd} answered neither before nor after"
    )
    for failure in sorted(set(readers.failures))[:3]:
        print(f"    failed: {failure}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=20_000_000)
    parser.add_argument("--compare-with", type=Path, help="the src/ of another chanops, timed on the same load")
    args = parse_args(parser, contacts=50_000, compare_with=None)
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-readers-"))
    ours = code_env(SRC)
    ok = True
    try:
        started = time.perf_counter()
        orders, contacts = work / "orders.csv", work / "contacts.csv"
        generate(ORDERS, BASE_ORDERS, orders)
        generate(CONTACTS, args.contacts, contacts)
        size = contacts.stat().st_size / 2**20
        print(f"generated {args.contacts:,} contacts ({size:,.0f} MiB) in {time.perf_counter() - started:.1f}s")
        base = work / "base.duckdb"
        subprocess.run(
            [CHANOPS, "load", "orders", str(orders), "--db", str(base)], env=ours, check=True, capture_output=True
        )
        before = kpi(base, ours)
        db = work / "wh.duckdb"

        if args.compare_with:
            shutil.copyfile(base, db)
            seconds, readers, _ = load_with_readers(db, contacts, code_env(args.compare_with.resolve()))
            report(f"load with {args.compare_with}", seconds, readers, readers.odd(before, kpi(db, ours)), before)
            db.unlink()

        shutil.copyfile(base, db)
        seconds, readers, _ = load_with_readers(db, contacts, ours)
        after = kpi(db, ours)
        odd = readers.odd(before, after)
        report("load with this chanops", seconds, readers, odd, before)
        ok = not readers.failures and odd == 0 and after != before

        copied = time.perf_counter()
        shutil.copyfile(db, work / "copy.duckdb")
        flush = os.open(work / "copy.duckdb", os.O_RDONLY)
        os.fsync(flush)  # as a load's copy reaches the disk before its publish
        os.close(flush)
        copy_s = time.perf_counter() - copied
        gb = db.stat().st_size / 1e9
        print(f"  copying the loaded warehouse ({gb:.2f} GB, flushed): {copy_s:.2f}s, {gb / copy_s:.2f} GB/s")
        (work / "copy.duckdb").unlink()

        # kill -9 mid-way: the readers go on, the warehouse stays as it was
        published = digest(db)
        kill_after = 0.0 if measure.SMOKE else seconds * 0.4  # a tiny load would be done by then
        seconds, killed, code = load_with_readers(db, contacts, ours, "--replace", kill_after=kill_after)
        report("second load (--replace), SIGKILL mid-way", seconds, killed, killed.odd(after), after)
        same = digest(db) == published and kpi(db, ours) == after
        left = db.with_name(db.name + ".loading").exists()
        subprocess.run([CHANOPS, "db", "migrate", "--db", str(db)], env=ours, check=True, capture_output=True)
        cleaned = not db.with_name(db.name + ".loading").exists()
        print(
            f"  after the kill (exit {code}): warehouse byte for byte as before: {same}; "
            f"its copy left: {left}, removed by the next writer: {cleaned}"
        )
        ok = ok and code == -signal.SIGKILL and same and cleaned and not killed.failures and killed.odd(after) == 0
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("OK" if ok else "FAILED: a reader failed or saw something else, or the kill changed the warehouse")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
