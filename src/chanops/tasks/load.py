"""`load KIND FILE…`: extracts into the warehouse (one transaction for all files), or with
Spark into a Parquet lake; a summary per file says what was read, loaded, rejected, replaced."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chanops.tasks.result import TaskResult

IGNORED_SHOWN = 20  # ignored column names in the summary: an extract may carry hundreds

if TYPE_CHECKING:
    from chanops.config import Config


@dataclass(frozen=True)
class LoadRequest:
    kind: str
    files: Sequence[str]  # paths; with Spark also hdfs://, s3a://, file:// URLs
    encoding: str = "auto"
    strict: bool = False
    max_reject_rate: float | None = None  # None: the default share (1%)
    replace: bool = False
    as_of: str | None = None  # customers: the day the snapshot describes
    map_file: Path | None = None  # a TOML header mapping for this load
    extra_map: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False  # read, map, normalize and check as a real load; write nothing
    # compute the KPI pre-aggregates the load makes stale right after it; off, they stay stale
    # (kpi reads the raw rows) until `chanops db refresh` — one refresh after a night's loads
    refresh: bool = True


def read_map_file(path: Path, kind: str) -> dict[str, str]:
    """--map FILE: either `[columns.KIND]` tables or flat `"header" = "column"` pairs."""
    from chanops.config import parse_column_maps, read_toml
    from chanops.errors import ConfigError

    raw = read_toml(path)
    if "columns" in raw:
        return parse_column_maps(raw["columns"], str(path)).get(kind, {})
    if not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError(f'{path}: expected "header" = "column" pairs or [columns.{kind}]')
    return parse_column_maps({kind: raw}, str(path))[kind]


def load_options(config: Config, request: LoadRequest):
    """The loader's options: the config's column maps for the kind, then --map's on top."""
    from chanops.config import DEFAULT_MAX_REJECT_RATE
    from chanops.ingest.loader import LoadOptions
    from chanops.months import parse_day

    column_map = dict(config.column_maps.get(request.kind, {}))
    if request.map_file is not None:
        column_map.update(read_map_file(request.map_file, request.kind))
    return LoadOptions(
        encoding=request.encoding,
        strict=request.strict,
        max_reject_rate=DEFAULT_MAX_REJECT_RATE if request.max_reject_rate is None else request.max_reject_rate,
        replace=request.replace,
        column_map=column_map,
        as_of=parse_day(request.as_of, "--as-of") if request.as_of else None,
        dry_run=request.dry_run,
    )


def describe(result, dry_run: bool = False) -> list[str]:
    """Summary lines for one loader.FileLoad: what was read, loaded, rejected and replaced; for a
    dry run also each reject."""
    from chanops.errors import mask_phones

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
    if result.customers is not None:
        new, changed, unchanged = result.customers
        lines.append(f"  as of {result.as_of}: customers new {new:,}, changed {changed:,}, unchanged {unchanged:,}")
    if result.preamble:
        above = mask_phones(" | ".join(result.preamble))[:120]
        lines.append(f"  skipped {len(result.preamble)} line(s) above the header: {above}")
    if result.blank_lines:
        lines.append(f"  skipped {result.blank_lines:,} empty line(s)")
    if result.line_mode:
        lines.append("  an unterminated quote swallowed lines: read line by line, each line on its own")
    lines += [f"  rejected {count:,}: {reason}" for _code, reason, count in result.reasons[:10]]
    if len(result.reasons) > 10:
        lines.append(f"  … and {len(result.reasons) - 10} more reasons (chanops rejects --kind {result.kind})")
    if result.ignored_columns:
        shown, more = result.ignored_columns[:IGNORED_SHOWN], len(result.ignored_columns) - IGNORED_SHOWN
        lines.append(f"  ignored columns: {', '.join(shown)}" + (f" … and {more:,} more" if more > 0 else ""))
    if dry_run:
        lines[0] += " — dry run, nothing written"
        lines += dry_run_rejects(result)
        if result.refused:
            lines.append(f"  would be refused: {result.refused}")
    return lines


def dry_run_rejects(result) -> list[str]:
    """The rejects a dry run found, one line each (phone numbers masked): which lines to fix —
    the first DRY_RUN_REJECTS of them; `chanops load --dry-run … | head` for fewer."""
    import re

    from chanops.present.section import PHONE_IN_TEXT

    def shown(value) -> str:
        return re.sub(PHONE_IN_TEXT, r"\1****\2", str(value)) if value is not None else "(empty)"

    lines = [
        f"  line {line}: {column} {shown(value)!r} — {reason} [{code}]"
        for line, column, value, code, reason in result.reject_rows
    ]
    more = result.rows_rejected - len(lines)  # a loader may hand over only the first `limit`
    if more > 0:
        lines.append(f"  … and {more:,} more rejected lines")
    return lines


def run_load(
    session,
    config: Config,
    request: LoadRequest,
    on_file: Callable[[Any], None] | None = None,
    on_start: Callable[[Path], None] | None = None,
) -> TaskResult:
    """Load into the warehouse. `on_file` hears each file as it is read (progress); the summaries,
    the result's messages, exist only once the load is committed — a summary never says
    "loaded" before a rollback. A dry run that would be refused raises LoadRejected after the
    caller has had the summaries (`refusal`)."""
    from chanops.ingest.loader import load_files

    files = [Path(f) for f in request.files]
    con = session.warehouse()
    loads = load_files(
        con,
        request.kind,
        files,
        config.channels,
        load_options(config, request),
        on_file=on_file,
        on_start=on_start,
    )
    messages = [line for result in loads for line in describe(result, request.dry_run)]
    notes = refresh_kpis(con, config) if request.refresh and not request.dry_run else []
    return TaskResult([], messages=messages, notes=notes, value=loads)


def refresh_kpis(con, config: Config) -> list[str]:
    """After the load committed: the KPI pre-aggregates it made stale, computed again (a second
    transaction; until it commits they are not current and `kpi` reads the raw rows). A failure
    leaves them so — the load stands — and says how to retry."""
    import duckdb

    from chanops.kpi.preagg import refresh
    from chanops.store.warehouse import storage_problem

    try:
        refresh(con, config.kpis, config.channels)
    except duckdb.Error as exc:
        return [
            f"KPI pre-aggregates not refreshed ({storage_problem(exc)}); kpi reads the raw rows until "
            "`chanops db refresh`"
        ]
    return []


def refusal(task: TaskResult) -> None:
    """A dry run whose load would be refused exits 1, like the real load would."""
    from chanops.errors import LoadRejected

    refused = [r for r in task.value or [] if getattr(r, "refused", None)]
    if refused:
        raise LoadRejected(f"{refused[0].refused}; dry run, nothing written")


def run_lake_load(
    config: Config, request: LoadRequest, to: str, master: str, conf: Sequence[str], on_file=None
) -> TaskResult:
    """Load with Spark into the Parquet lake at `to` (SPEC §10): the same rules, partitioned by month."""
    from chanops.engines.spark import spark_session
    from chanops.lake.load import load_to_lake

    messages: list[str] = []
    spark = spark_session(master, list(conf))
    try:
        loads = load_to_lake(
            spark,
            to,
            request.kind,
            list(request.files),
            config.channels,
            load_options(config, request),
            on_file=on_file or (lambda r: messages.extend(describe(r, request.dry_run))),
        )
    finally:
        spark.stop()
    return TaskResult([], messages=messages, value=loads)
