"""`chanops load KIND FILE...` — thin: parse options, call loader.load_files, report on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import EngineOpt, KindName, Shared, SparkConfOpt, SparkMasterOpt, notice, shared_options
from chanops.config import DEFAULT_MAX_REJECT_RATE, parse_column_maps, read_toml
from chanops.errors import ConfigError
from chanops.months import parse_day


def read_map_file(path: Path, kind: str) -> dict[str, str]:
    """--map FILE: either `[columns.KIND]` tables or flat `"header" = "column"` pairs."""
    raw = read_toml(path)
    if "columns" in raw:
        return parse_column_maps(raw["columns"], str(path)).get(kind, {})
    if not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError(f'{path}: expected "header" = "column" pairs or [columns.{kind}]')
    return parse_column_maps({kind: raw}, str(path))[kind]


def describe(result) -> list[str]:
    """Summary lines for one loader.FileLoad: what was read, loaded, rejected and replaced."""
    if result.skipped == "same bytes":
        return [f"{result.file}: already loaded into {result.kind} (same content); skipped — use --replace to reload"]
    if result.skipped:
        return [
            f"{result.file}: all {result.rows_read:,} rows already loaded into {result.kind}; skipped — "
            "use --replace to replace the months it covers"
        ]
    duplicates = f", {result.duplicates:,} of them duplicates" if result.duplicates else ""
    lines = [
        f"{result.file} → {result.kind}: read {result.rows_read:,}, loaded {result.rows_loaded:,}, "
        f"rejected {result.rows_rejected:,}{duplicates} ({result.encoding})"
    ]
    lines += [f"  replaced {part}: {rows:,} earlier rows" for part, rows in result.replaced]
    if result.preamble:
        lines.append(f"  skipped {len(result.preamble)} line(s) above the header: {' | '.join(result.preamble)[:120]}")
    if result.blank_lines:
        lines.append(f"  skipped {result.blank_lines:,} empty line(s)")
    if result.line_mode:
        lines.append("  an unterminated quote swallowed lines: read line by line, each line on its own")
    lines += [f"  rejected {count:,}: {reason}" for reason, count in result.reasons[:10]]
    if len(result.reasons) > 10:
        lines.append(f"  … and {len(result.reasons) - 10} more reasons (chanops rejects --kind {result.kind})")
    if result.ignored_columns:
        lines.append(f"  ignored columns: {', '.join(result.ignored_columns)}")
    return lines


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
            "--as-of", help="customers: the date the snapshot describes (default: today).", show_default=False
        ),
    ] = None,
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
    from chanops.ingest.loader import LoadOptions, load_files

    cfg = shared.config
    column_map = dict(cfg.column_maps.get(kind.value, {}))
    if map_file is not None:
        column_map.update(read_map_file(map_file, kind.value))
    options = LoadOptions(
        encoding=encoding,
        strict=strict,
        max_reject_rate=max_reject_rate,
        replace=replace,
        column_map=column_map,
        as_of=parse_day(as_of, "--as-of") if as_of else None,
    )

    if shared.engine != "duckdb" or to is not None:  # the engine options land in `shared`
        _load_with_spark(kind.value, files, options, shared, to, cfg.channels)
        return

    from chanops.present.progress import steps

    paths = [Path(f) for f in files]
    sizes = {p: p.stat().st_size if p.is_file() else 0 for p in paths}
    with shared.warehouse(write=True) as con, steps(con, sum(sizes.values()), in_bytes=True) as bar:

        def start(path: Path) -> None:
            assert bar is not None  # passed on only with a bar
            bar.start(f"{kind.value} ← {path.name}", sizes.get(path, 0))

        def report(result) -> None:
            if bar:
                bar.done(result.rows_loaded)
            for line in describe(result):
                if bar:
                    for part in _fit_line(line, bar.bar.console.width):
                        bar.bar.console.print(part, markup=False, highlight=False)
                else:
                    notice(line)

        load_files(con, kind.value, paths, cfg.channels, options, on_file=report, on_start=start if bar else None)


def _load_with_spark(kind, files, options, shared: Shared, to, channels) -> None:
    from chanops.engines.spark import spark_session
    from chanops.errors import UsageError
    from chanops.lake.load import load_to_lake

    if shared.engine != "spark":
        raise UsageError("--to is where --engine spark loads; the DuckDB loader writes to --db")
    if to is None:
        raise UsageError("--engine spark needs --to DIR|URL: the lake to load into")

    def report(result) -> None:
        for line in describe(result):
            notice(line)

    spark = spark_session(shared.spark_master, shared.spark_conf or [])
    try:
        load_to_lake(spark, to, kind, files, channels, options, on_file=report)
    finally:
        spark.stop()
