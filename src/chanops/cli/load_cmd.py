"""`chanops load KIND FILE...` — parse options into a LoadRequest, run the load task, say per file on stderr."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import (
    EngineOpt,
    KindName,
    Shared,
    SparkConfOpt,
    SparkMasterOpt,
    notice,
    render,
    shared_options,
)
from chanops.config import DEFAULT_MAX_REJECT_RATE


def _fit_line(line: str, width: int) -> list[str]:
    """On a narrow terminal the summary breaks after the file name, not mid-number."""
    from rich.cells import cell_len

    if cell_len(line) <= width or " → " not in line:
        return [line]
    path, rest = line.split(" → ", 1)
    return [path, f"  → {rest}"]


@shared_options(config=True, output=False)
def load(
    kind: Annotated[
        KindName,
        typer.Argument(
            help="Which extract: orders, contacts, entries, valid, rules, "
            "complaints, usage, signals, customers, billing."
        ),
    ],
    files: Annotated[
        list[str],  # not Path: hdfs:///… must keep its slashes
        typer.Argument(
            metavar="FILES", help="CSV/TSV/TXT (optionally .gz), Parquet or XLSX files; with --engine spark also URLs."
        ),
    ],
    encoding: Annotated[str, typer.Option(help="auto | utf-8 | gb18030 | utf-16 (text files).")] = "auto",
    map_file: Annotated[
        Path | None, typer.Option("--map", help="TOML header mapping for this load.", show_default=False)
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Roll back if any row is rejected.")] = False,
    max_reject_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Roll back when a file rejects more than this share of its rows.")
    ] = DEFAULT_MAX_REJECT_RATE,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Replace what the file covers: its months (customers: its customers; rules: its products).",
        ),
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="customers: the date the snapshot describes (default: a date in the file name, e.g. "
            "customers_20221130.csv or _2022-11 for its last day, else a 数据日期/统计日期/snapshot_date column; "
            "with none, the load is refused — never today).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Read, map, normalize and check the files as a load would, print the summary and every "
            "rejected line, and write nothing (not even the ledger).",
        ),
    ] = False,
    refresh: Annotated[
        bool,
        typer.Option(
            "--refresh/--no-refresh",
            help="Compute the KPI pre-aggregates the load makes stale right after it (default). With "
            "--no-refresh they stay stale, and kpi reads the raw rows, until `chanops db refresh` "
            "(e.g. once after a night's loads).",
        ),
    ] = True,
    engine: EngineOpt = "duckdb",
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="With --engine spark: the lake to load into (a directory, or an hdfs://, s3a:// or file:// URL).",
            show_default=False,
        ),
    ] = None,
    spark_master: SparkMasterOpt = "local[2]",
    spark_conf: SparkConfOpt = None,
    *,
    shared: Shared,
) -> None:
    """Load extract files into the warehouse table KIND (one transaction for all files);
    with --engine spark, into the Parquet lake at --to."""
    from chanops.tasks.load import LoadRequest, refusal

    request = LoadRequest(
        kind.value,
        list(files),
        encoding,
        strict,
        max_reject_rate,
        replace,
        as_of,
        map_file,
        dry_run=dry_run,
        refresh=refresh,
    )
    if shared.engine != "duckdb" or to is not None:  # the engine options land in `shared`
        _load_with_spark(request, shared, to)
        return

    from chanops.present.progress import steps
    from chanops.tasks.load import load_options, run_load
    from chanops.tasks.session import open_load_session, require_warehouse

    config = shared.config
    load_options(config, request)  # a bad --map or --as-of is a usage error before the warehouse opens
    if request.dry_run:
        require_warehouse(shared.db)  # a dry run creates nothing, not even an empty warehouse
    sizes = {Path(f): Path(f).stat().st_size if Path(f).is_file() else 0 for f in files}
    # the load writes a copy of the warehouse and publishes it at the end: readers go on meanwhile
    with (
        open_load_session(shared.session_options, dry_run=request.dry_run) as con,
        steps(con.warehouse(), sum(sizes.values()), in_bytes=True) as bar,
    ):

        def start(path: Path) -> None:
            assert bar is not None  # passed on only with a bar
            bar.start(f"{kind.value} ← {path.name}", sizes.get(path, 0))

        def progress(result) -> None:
            assert bar is not None  # passed on only with a bar
            bar.done(result.rows_loaded)

        task = run_load(con, config, request, on_file=progress if bar else None, on_start=start if bar else None)
    # the summaries only now, after the publish: a rolled-back load never said "loaded"
    width = shutil.get_terminal_size().columns if sys.stderr.isatty() else 10**6
    for line in task.messages:
        for part in _fit_line(line, width):
            notice(part)
    refusal(task)


def _load_with_spark(request, shared: Shared, to) -> None:
    from chanops.errors import UsageError
    from chanops.tasks.load import refusal, run_lake_load

    if shared.engine != "spark":
        raise UsageError("--to is where --engine spark loads; the DuckDB loader writes to --db")
    if to is None:
        raise UsageError("--engine spark needs --to DIR|URL: the lake to load into")
    task = run_lake_load(shared.config, request, to, shared.spark_master, shared.spark_conf or [])
    render(task, None)
    refusal(task)
