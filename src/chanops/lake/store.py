"""The Parquet lake Spark loads into and reads from — the layout `chanops export` writes:

  DIR/<kind>/month=YYYY-MM/*.parquet   monthly kinds (customers and rules: DIR/<kind>/*.parquet)
  DIR/_loads/load-N.parquet            the load ledger, one row per file loaded (or refused)
  DIR/_rejects/load-N-*.parquet        quarantined rows: file, line, column, value, reason, code

A load is one transaction. Everything it writes goes under DIR/_staging/<txn>/ first: new
rows per partition, whole new partitions where it replaces one, rejects and ledger rows.
The marker file `COMMITTED`, created last, is the commit; then the files are moved into
place by renames and the staging directory is removed. A load that fails before the marker
leaves nothing visible (its staging directory is deleted by the next load); one interrupted
after it is finished by the next load or read (every move is done once, so repeating is
safe). One writer at a time: DIR/_lock is created exclusively and removed at the end.
"""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import dataclass, field

from chanops.engines.spark_fs import LakeFS
from chanops.errors import UsageError

UNPARTITIONED = ("customers", "rules")
COMMITTED = "COMMITTED"


@dataclass
class Partition:
    """What one partition of a kind will hold after the transaction: the lake's files
    (unless replaced) plus staged directories of new rows."""

    lake_path: str
    keep_lake: bool = True
    staged: list[str] = field(default_factory=list)

    def paths(self, fs: LakeFS) -> list[str]:
        paths = [self.lake_path] if self.keep_lake and fs.exists(self.lake_path) else []
        return paths + [p for p in self.staged if fs.exists(p)]


class Lake:
    def __init__(self, spark, root: str):
        self.spark = spark
        self.fs = LakeFS(spark)
        self.root = self.fs.qualified(root.rstrip("/"))

    def path(self, *parts: str) -> str:
        return "/".join([self.root, *parts])

    # ── one writer ─────────────────────────────────────────────────────────────────────────
    def lock(self) -> None:
        self.fs.mkdirs(self.root)
        holder = json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "since": time.strftime("%F %T")})
        if not self.fs.create_new(self.path("_lock"), holder):
            try:
                held = json.loads(self.fs.read_text(self.path("_lock")))
                who = f"{held.get('host')} pid {held.get('pid')} since {held.get('since')}"
            except ValueError:
                who = "another process"
            raise UsageError(
                f"{self.root} is being loaded by {who}; wait for it, or delete {self.path('_lock')} "
                "if that load is gone"
            )

    def unlock(self) -> None:
        self.fs.delete(self.path("_lock"))

    # ── the ledger ─────────────────────────────────────────────────────────────────────────
    def load_ids(self) -> list[int]:
        ids = []
        for entry in self.fs.list(self.path("_loads")):
            stem = entry.name.removesuffix(".parquet")
            if stem.startswith("load-") and stem[5:].isdigit():
                ids.append(int(stem[5:]))
        return ids

    def ledger(self):
        """The ledger as a DataFrame (None while empty)."""
        if not self.load_ids():
            return None
        return read_lake_table(self.spark, "_loads", [self.path("_loads")])

    # ── transactions ───────────────────────────────────────────────────────────────────────
    def recover(self) -> None:
        """Finish committed transactions an interruption left half-applied; drop the others."""
        for entry in self.fs.list(self.path("_staging")):
            if self.fs.exists(f"{entry.path}/{COMMITTED}"):
                self._apply(entry.path)
            else:
                self.fs.delete(entry.path)
        self.fs.delete(self.path("_staging"))

    def commit(self, txn: str, moves: list[dict]) -> None:
        """Write the plan and the marker, then apply it."""
        self.fs.write_text(f"{txn}/plan.json", json.dumps(moves))
        self.fs.write_text(f"{txn}/{COMMITTED}", "")
        self._apply(txn)

    def _apply(self, txn: str) -> None:
        moves = json.loads(self.fs.read_text(f"{txn}/plan.json"))
        for move in moves:
            if move["op"] == "files":  # move each data file of a staged directory in
                for entry in self.fs.list(move["from"]):
                    if not entry.is_dir and not entry.name.startswith(("_", ".")):
                        name = move.get("name") or move.get("prefix", "") + entry.name
                        self.fs.rename(entry.path, f"{move['to']}/{name}")
            elif move["op"] == "replace":  # a whole partition: old one out, new one in
                if self.fs.exists(move["from"]):
                    if self.fs.exists(move["to"]):
                        self.fs.rename(move["to"], f"{move['from']}.retired")
                    self.fs.rename(move["from"], move["to"])
                    self.fs.delete(f"{move['from']}.retired")
        self.fs.delete(txn)


def with_current_columns(name: str, frame):
    """A lake table written by an older chanops, read with the columns it has now:
    `_loads.status` (none then: every load was loaded) and `_rejects.code` (from the words of
    its reason, as the warehouse migration derives it). Old and new files lie side by side:
    a value missing in some is derived the same way. (Customers' `_seen`, which needs the
    ledger, is the loader's: lake/load.py.)"""
    from pyspark.sql import functions as F

    from chanops.engines.dialect import to_spark_sql
    from chanops.ingest.reject_codes import code_of_reason_sql

    derived = {
        "_loads": ("status", "'loaded'"),
        "_rejects": ("code", code_of_reason_sql("reason")),
    }
    if name not in derived:
        return frame
    column, sql = derived[name]
    # the DuckDB text of the derivation, as Spark spells it
    value = F.expr(to_spark_sql(f"SELECT {sql}").removeprefix("SELECT "))
    if column in frame.columns:
        value = F.coalesce(F.col(column), value)
    return frame.withColumn(column, value)


def read_lake_table(spark, name: str, paths: list[str], base: str | None = None):
    """Read table `name` from `paths` (its directory, or partitions under `base`), in today's
    columns whatever chanops wrote it."""
    reader = spark.read
    if name in ("_loads", "_rejects"):  # small, and each load adds files: old and new side by side
        reader = reader.option("mergeSchema", "true")
    if base is not None:
        reader = reader.option("basePath", base)
    return with_current_columns(name, reader.parquet(*paths))


def finish_interrupted_load(spark, root: str) -> None:
    """A load interrupted after its commit is finished before anything reads the lake (the
    `prepare` a SparkEngine over a lake is opened with)."""
    lake = Lake(spark, root)
    if lake.fs.exists(lake.path("_staging")) and not lake.fs.exists(lake.path("_lock")):
        lake.lock()
        try:
            lake.recover()
        finally:
            lake.unlock()
