"""Spark: chanops' DuckDB SQL, transpiled by sqlglot, run by pyspark over the Parquet export.

Only aggregated results come back, as Arrow tables, to the same rendering and output code.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from chanops.engines import EngineError
from chanops.engines.dialect import to_spark_sql
from chanops.errors import UsageError

# Views the export layout provides, by directory name.
VIEW_NAMES = {"adjustments": "_adjustments"}


class SparkEngine:
    """pyspark over `chanops export` output; local[2] by default, any cluster via conf."""

    name = "spark"

    def __init__(self, source: str | Path, master: str = "local[2]", conf: Sequence[str] = ()):
        source = str(source)
        remote = "://" in source  # hdfs://, s3a://, …: the cluster's storage, listed by Spark itself
        if not remote and not Path(source).is_dir():
            raise UsageError(f"--source {source} is not a directory (write one with chanops export --to DIR)")
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
        )
        for item in conf:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise UsageError(f"--spark-conf takes key=value, got '{item}'")
            builder = builder.config(key.strip(), value.strip())
        self.spark = builder.getOrCreate()
        # chanops reports failures itself, in one line; Spark's own logs would repeat them at length
        self.spark.sparkContext.setLogLevel("OFF")
        logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL + 1)
        self._register(source, remote)

    def _register(self, source: str, remote: bool) -> None:
        from pyspark.errors import AnalysisException

        names = (
            [*_empty_views()]
            if remote
            else [d.name for d in sorted(Path(source).iterdir()) if d.is_dir() and not d.name.startswith(".")]
        )
        exported = set()
        for name in names:
            directory = name.lstrip("_")
            try:
                frame = self.spark.read.parquet(f"{source.rstrip('/')}/{directory}")
            except AnalysisException:  # not in this export
                continue
            view = VIEW_NAMES.get(directory, directory)
            frame.createOrReplaceTempView(view)
            exported.add(view)
        if not exported:
            raise UsageError(f"--source {source} holds no exported kinds (chanops export --to DIR)")
        # A kind not exported is an empty table, as in a warehouse where it was never loaded.
        for view, columns in _empty_views().items():
            if view not in exported:
                select = ", ".join(f"CAST(NULL AS {sql_type}) AS {name}" for name, sql_type in columns)
                self.spark.sql(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {select} WHERE 1 = 0")

    def table(self, sql: str) -> pa.Table:
        from pyspark.errors import PySparkException

        try:
            return self.spark.sql(to_spark_sql(sql)).toArrow()
        except PySparkException as exc:
            detail = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
            raise EngineError(f"Spark could not run the query: {detail}") from None

    def close(self) -> None:
        self.spark.stop()


def _empty_views() -> dict[str, list[tuple[str, str]]]:
    """Spark column types of every table the queries read, for kinds missing from an export."""
    from chanops.ingest.schema import KINDS, SQL_TYPES

    spark_types = {"VARCHAR": "STRING", "TIMESTAMP": "TIMESTAMP_NTZ"}
    views = {}
    for kind in KINDS.values():
        columns = [(c.name, spark_types.get(SQL_TYPES[c.type], SQL_TYPES[c.type])) for c in kind.columns]
        views[kind.name] = [*columns, ("_load_id", "BIGINT")]
        if kind.mode == "snapshot":
            views[kind.name] += [("_valid_from", "DATE"), ("_valid_to", "DATE")]
    views["_adjustments"] = [
        ("adjust_id", "BIGINT"),
        ("month", "STRING"),
        ("staff_id", "STRING"),
        ("points", "DECIMAL(18,2)"),
        ("note", "STRING"),
        ("created_at", "TIMESTAMP_NTZ"),
    ]
    return views
