"""Spark: chanops' DuckDB SQL, transpiled by sqlglot, run by pyspark over the Parquet export.

Only aggregated results come back, as Arrow tables, to the same rendering and output code.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from chanops.engines import EngineError, write_arrow_csv
from chanops.engines.dialect import to_spark_sql
from chanops.errors import UsageError

# Where Spark's own messages go (its JVM's stderr).
SPARK_LOG = Path(tempfile.gettempdir()) / f"chanops-spark-{os.getuid()}.log"

# Views the export layout provides, by directory name.
VIEW_NAMES = {"adjustments": "_adjustments"}


def spark_session(master: str = "local[2]", conf: Sequence[str] = ()):
    """The one way chanops starts Spark, for queries and loads alike."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise UsageError("--engine spark needs pyspark: pip install 'chanops[spark]'") from None
    # Spark's console progress bars and start-up chatter would land on chanops' stderr.
    log_config = Path(__file__).with_name("spark-log4j2.properties")
    os.environ.setdefault(
        "PYSPARK_SUBMIT_ARGS", f"--driver-java-options -Dlog4j2.configurationFile=file:{log_config} pyspark-shell"
    )
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master)
        .appName("chanops")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        # timestamps without a zone, as DuckDB's TIMESTAMP: an extract's 08:00 stays 08:00
        .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
        # GB18030 extracts: Spark 4 reads only a short list of charsets unless told otherwise
        .config("spark.sql.legacy.javaCharsets", "true")
    )
    settings = []
    for item in conf:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--spark-conf takes key=value, got '{item}'")
        settings.append((key.strip(), value.strip()))
        builder = builder.config(key.strip(), value.strip())
    _launch_quietly(settings)
    spark = builder.getOrCreate()
    # chanops reports failures itself, in one line; Spark's own logs would repeat them at length
    spark.sparkContext.setLogLevel("OFF")
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL + 1)
    return spark


def _launch_quietly(settings: list[tuple[str, str]]) -> None:
    """Start the JVM with its stderr in a log file: the JVM's own warnings and Spark's start-up
    lines are not for chanops' stderr, which carries one line per problem. Settings that
    shape the JVM (driver memory, Java options) must be known at launch."""
    from pyspark import SparkConf, SparkContext
    from pyspark.java_gateway import launch_gateway

    if SparkContext._gateway is not None:
        return
    with open(SPARK_LOG, "ab") as log:
        SparkContext._gateway = launch_gateway(SparkConf(loadDefaults=False).setAll(settings), {"stderr": log})
    SparkContext._jvm = SparkContext._gateway.jvm


class SparkEngine:
    """pyspark over the lake (`chanops load --engine spark`, `chanops export`); local[2] by
    default, any cluster via conf."""

    name = "spark"
    progress_connection: duckdb.DuckDBPyConnection | None = None  # Spark's UI, not a DuckDB query

    def __init__(
        self,
        source: str | Path,
        master: str = "local[2]",
        conf: Sequence[str] = (),
        prepare: Callable[[Any, str], None] | None = None,
    ):
        """`prepare(spark, source)` runs once the session is up and before anything reads the
        source: what its writer needs done first (a lake: chanops.lake.store.finish_interrupted_load).
        The engine only reads, so it does not know the loader's transactions."""
        source = str(source)
        remote = "://" in source  # hdfs://, s3a://, …: the cluster's storage, listed by Spark itself
        if not remote and not Path(source).is_dir():
            raise UsageError(f"--source {source} is not a directory (write one with chanops export --to DIR)")
        self.spark = spark_session(master, conf)
        # kind -> the months it has rows in (None for rows without one), for has_rows
        self._months: dict[str, frozenset[str | None]] = {}
        self.source: str | None = source.rstrip("/")
        if prepare is not None:
            prepare(self.spark, source)
        self._register(source)

    def _register(self, source: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from pyspark.errors import AnalysisException

        from chanops.engines.spark_fs import LakeFS

        fs = LakeFS(self.spark)
        views = {
            e.name: VIEW_NAMES.get(e.name, e.name)
            for e in sorted(fs.list(source), key=lambda e: e.name)
            if e.is_dir and VIEW_NAMES.get(e.name, e.name) in table_columns()  # not _staging and the like
        }

        def read(directory: str):
            from chanops.lake.store import read_lake_table  # a lake chanops wrote before is read as today's

            try:
                return read_lake_table(self.spark, views[directory], [f"{source.rstrip('/')}/{directory}"])
            except AnalysisException:  # a directory without data files
                return None

        # each read lists its directory and reads a footer: side by side, not one after another
        with ThreadPoolExecutor(max_workers=8) as pool:
            frames = dict(zip(views, pool.map(read, views), strict=True))
        exported = set()
        for directory, frame in frames.items():
            if frame is not None:
                frame.createOrReplaceTempView(views[directory])
                exported.add(views[directory])
        if not exported - {"_loads", "_rejects"}:
            raise UsageError(f"--source {source} holds no kinds (chanops load --engine spark, or chanops export)")
        # A kind not loaded is an empty table, as in a warehouse where it was never loaded.
        for view in table_columns():
            if view not in exported:
                self.spark.sql(empty_view_sql(view, view))

    def table(self, sql: str) -> pa.Table:
        with _spark_errors():
            return self.spark.sql(to_spark_sql(sql)).toArrow()

    def rows(self, sql: str, params: Sequence | None = None) -> list[tuple]:
        if params:
            raise ValueError("query parameters are for the DuckDB warehouse only")
        return [tuple(row.values()) for row in self.table(sql).to_pylist()]

    def has_rows(self, asked: Sequence[tuple[str, str | None]]) -> list[bool]:
        # Each LIMIT 1 probe would be a Spark job of its own (a report asks ~70): one grouped
        # scan per kind instead, kept until the kind's view changes.
        answers = []
        for kind, month in asked:
            months = self._months_of(kind)
            answers.append(bool(months) if month is None else month in months)
        return answers

    def _months_of(self, kind: str) -> frozenset[str | None]:
        from chanops.schema import KINDS

        if kind not in self._months:
            rows = self.rows(f"SELECT DISTINCT {KINDS[kind].month_sql} AS month FROM {kind}")
            self._months[kind] = frozenset(month for (month,) in rows)
        return self._months[kind]

    def warehouse(self):
        raise UsageError("this command works on the DuckDB warehouse (--db), not with --engine spark")

    def read_locally(self, name: str, fill) -> None:
        scratch = duckdb.connect()
        try:
            scratch.execute("SET enable_progress_bar = false")
            fill(scratch)
            self.register(name, scratch.table(name).to_arrow_table())
        finally:
            scratch.close()

    def materialize(self, name: str, sql: str) -> None:
        # a local checkpoint computes the rows once and cuts the plan there, so an iterative
        # step (touchpoint assignment) does not grow one query plan per round
        with _spark_errors():
            self.spark.sql(to_spark_sql(sql)).localCheckpoint(eager=True).createOrReplaceTempView(name)
        self._months.pop(name, None)

    def register(self, name: str, table: pa.Table) -> None:
        with _spark_errors():
            self.spark.createDataFrame(table).createOrReplaceTempView(name)
        self._months.pop(name, None)

    def narrow(self, name: str, condition: str):
        # the DataFrame holds the plan of the view as it is now, so the new view of the same
        # name reads the old one, not itself
        with _spark_errors():
            whole = self.spark.table(name)
            self.spark.sql(to_spark_sql(f"SELECT * FROM {name} WHERE {condition}")).createOrReplaceTempView(name)
        self._months.pop(name, None)

        def widen() -> None:
            whole.createOrReplaceTempView(name)
            self._months.pop(name, None)

        return widen

    def write_csv(self, sql: str, path: Path, neutralize: bool = False) -> None:
        write_arrow_csv(self.table(sql), path, neutralize)

    def append(self, directory: str, name: str, table: pa.Table) -> None:
        """Add `table` as the file `name` of the lake's `directory` (a ledger), written aside
        and put in place by one rename, then seen by this session's view of it."""
        import time

        from chanops.engines.spark_fs import LakeFS

        fs = LakeFS(self.spark)
        aside = f"{self.source}/_staging/append-{time.time_ns()}"
        self.spark.createDataFrame(table).coalesce(1).write.parquet(aside)
        [part] = [e.path for e in fs.list(aside) if e.name.endswith(".parquet")]
        fs.rename(part, f"{self.source}/{directory}/{name}")
        fs.delete(aside)
        self.spark.read.parquet(f"{self.source}/{directory}").createOrReplaceTempView(directory)
        self._months.pop(directory, None)

    def close(self) -> None:
        self.spark.stop()


@contextlib.contextmanager
def _spark_errors() -> Iterator[None]:
    """Spark's failure as one line, without its stack or the query text."""
    from pyspark.errors import PySparkException

    try:
        yield
    except PySparkException as exc:
        detail = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise EngineError(f"Spark could not run the query: {detail}") from None


def empty_view_sql(view: str, table: str) -> str:
    """A temp view with the columns of `table` and no rows."""
    select = ", ".join(f"CAST(NULL AS {sql_type}) AS {name}" for name, sql_type in table_columns()[table])
    return f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {select} WHERE 1 = 0"


@functools.cache
def table_columns() -> dict[str, list[tuple[str, str]]]:
    """Spark column types of every table the queries read, for kinds missing from an export."""
    from chanops.schema import KINDS, SQL_TYPES

    spark_types = {"VARCHAR": "STRING", "TIMESTAMP": "TIMESTAMP_NTZ"}
    views = {}
    for kind in KINDS.values():
        columns = [(c.name, spark_types.get(SQL_TYPES[c.type], SQL_TYPES[c.type])) for c in kind.columns]
        views[kind.name] = [*columns, ("_load_id", "BIGINT")]
        if kind.mode == "snapshot":
            views[kind.name] += [("_valid_from", "DATE"), ("_valid_to", "DATE"), ("_seen", "ARRAY<DATE>")]
    views["_adjustments"] = [
        ("adjust_id", "BIGINT"),
        ("month", "STRING"),
        ("staff_id", "STRING"),
        ("points", "DECIMAL(18,2)"),
        ("note", "STRING"),
        ("created_at", "TIMESTAMP_NTZ"),
    ]
    views["_loads"] = [
        ("load_id", "BIGINT"),
        ("kind", "STRING"),
        ("file", "STRING"),
        ("fingerprint", "STRING"),
        ("loaded_at", "TIMESTAMP_NTZ"),
        ("encoding", "STRING"),
        ("rows_read", "BIGINT"),
        ("rows_loaded", "BIGINT"),
        ("rows_rejected", "BIGINT"),
        ("as_of", "DATE"),
        ("status", "STRING"),
    ]
    views["_points_runs"] = [
        ("run_id", "BIGINT"),
        ("created_at", "TIMESTAMP_NTZ"),
        ("command", "STRING"),
        ("month", "STRING"),
        ("budget", "DECIMAL(18,2)"),
        ("inputs_fingerprint", "STRING"),
        ("config_fingerprint", "STRING"),
        ("output_fingerprint", "STRING"),
        ("staff", "BIGINT"),
        ("claims", "BIGINT"),
        ("earned", "DECIMAL(18,2)"),
        ("deductions", "DECIMAL(18,2)"),
        ("net", "DECIMAL(18,2)"),
        ("payout", "DECIMAL(18,2)"),
    ]
    views["_rejects"] = [
        ("load_id", "BIGINT"),
        ("kind", "STRING"),
        ("file", "STRING"),
        ("line", "BIGINT"),
        ("`column`", "STRING"),
        ("value", "STRING"),
        ("reason", "STRING"),
        ("code", "STRING"),
    ]
    return views
