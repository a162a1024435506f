"""`check`, `db info|schema|migrate`, `rejects`, `sql`, `export`: what the warehouse holds and
whether a month is complete enough to report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chanops.ingest.extract_table import ExtractTable
from chanops.present.output import Section
from chanops.tasks.result import Alert, TaskResult

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.store.completeness import CheckResult


@dataclass(frozen=True)
class CheckRequest:
    month: str | None = None


def completeness_alerts(result: CheckResult) -> list[Alert]:
    """Each breached test, in the words the check's table uses."""
    return [
        Alert("completeness", line, zh, en)
        for line, zh, en in zip(
            result.breach_lines("en"), result.breach_lines("zh"), result.breach_lines("en"), strict=True
        )
    ]


def run_check(session, config: Config, request: CheckRequest) -> TaskResult:
    """SPEC §13: kinds loaded, volumes against the previous months, days without data, rejects."""
    import polars as pl

    from chanops.store.completeness import check_month
    from chanops.store.coverage import resolve_months

    [month] = resolve_months(session, request.month)
    result = check_month(session, month, config.check, config.regions)
    alerts = completeness_alerts(result)
    return TaskResult(
        [
            Section(
                result.table(),
                f"check {month}",
                human=lambda lang: pl.from_arrow(result.for_reading(lang)),
                percent=("figure",),
                row_kinds="unit",  # counts as #,##0, the reject share as 0.00%, in a workbook
            )
        ],
        alerts=alerts,
        breach_summary=f"{len(alerts)} completeness test(s) breached for {month}",
        value=result,
    )


@dataclass(frozen=True)
class InfoRequest:
    """db info, db schema and db migrate ask nothing but the warehouse."""


def run_info(session, config: Config, request: InfoRequest) -> TaskResult:
    """Tables with row counts and months covered, recent loads, reject counts by reason."""
    from chanops.store import inventory

    return TaskResult(
        [
            Section(inventory.tables_summary(session.warehouse()), "tables"),
            Section(inventory.recent_loads(session.warehouse()), "loads"),
            Section(inventory.reject_reasons(session.warehouse()), "rejects"),
        ]
    )


def run_schema(session, config: Config, request: InfoRequest) -> TaskResult:
    """The warehouse's tables and columns, with what each holds, and the views chanops sql adds."""
    from chanops.store import inventory
    from chanops.tasks.sql_views import describe

    con = session.warehouse()
    return TaskResult([Section(inventory.schema(con, describe(con, config)), "schema")])


def run_migrate(session, config: Config, request: InfoRequest) -> TaskResult:
    """Opening the warehouse for writing migrated it (one transaction); say to which version."""
    from chanops.store.warehouse import SCHEMA_VERSION

    session.warehouse()  # the DuckDB warehouse only

    return TaskResult([], messages=[f"schema version {SCHEMA_VERSION}"], value=SCHEMA_VERSION)


def run_refresh(session, config: Config, request: InfoRequest) -> TaskResult:
    """The KPI pre-aggregates of every month with data, for this config's catalog: what a load
    keeps up to date by itself, rebuilt after the catalog or the channel catalog changed."""
    from chanops.kpi.preagg import forget_other_catalogs, keep_months_with_data, refresh

    con = session.warehouse()
    months = keep_months_with_data(con)
    forget_other_catalogs(con, config.kpis, config.channels)
    done = refresh(con, config.kpis, config.channels)
    span = f"{months[0]}..{months[-1]}" if len(months) > 1 else "".join(months) or "no month with data"
    return TaskResult(
        [],
        messages=[
            f"KPI pre-aggregates for {span}: {len(done.months)} month(s) computed again "
            f"({done.aggregates:,} rows) in {done.seconds:.1f}s"
        ],
        value=done,
    )


@dataclass(frozen=True)
class RejectsRequest:
    kind: str | None = None
    load_id: int | None = None


def run_rejects(session, config: Config, request: RejectsRequest) -> TaskResult:
    """Quarantined rows: file, line, column, value and reason."""
    from chanops.store import inventory

    frame = inventory.rejects(session.warehouse(), request.kind, request.load_id)
    return TaskResult([Section(frame, "rejects", free_text=("value",))], value=frame)


@dataclass(frozen=True)
class SqlRequest:
    statement: str
    files: tuple[ExtractTable, ...] = ()  # --file NAME[:KIND]=PATH: read-only tables for this query


def run_sql_task(session, config: Config, request: SqlRequest) -> TaskResult:
    """Read-only SQL on the warehouse, the views of what the commands compute, and the local
    extracts given with --file."""
    from chanops.store.query import run_sql
    from chanops.tasks.sql_views import create_views, named_in

    con = session.warehouse()
    extracts = read_extract_tables(con, config, request.files)

    def prepare() -> None:
        create_views(con, config, named_in(request.statement))
        for name, table in extracts.items():
            con.register(name, table)  # an Arrow scan: the statement can read it, never write it

    table = run_sql(con, request.statement, prepare)
    free_text = tuple(n for n in table.column_names if n != "msisdn")
    return TaskResult([Section(table, "sql", free_text=free_text)], value=table)


def read_extract_tables(con, config: Config, files: tuple[ExtractTable, ...]) -> dict[str, Any]:
    """Each --file read as its Arrow table, by name. A name that would hide a warehouse table
    or a view, an SQL keyword or a name given twice is refused before any file is read."""
    from chanops.errors import UsageError
    from chanops.ingest.extract_table import read_extract
    from chanops.tasks.sql_views import VIEWS

    if not files:
        return {}
    tables = {row[0].lower() for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    reserved = "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'"
    keywords = {row[0].lower() for row in con.execute(reserved).fetchall()}
    seen: set[str] = set()
    for spec in files:
        name = spec.name.lower()
        if name in tables:
            raise UsageError(f"--file {spec.name}: the warehouse has a table {spec.name}; choose another name")
        if name in VIEWS:
            raise UsageError(f"--file {spec.name}: {spec.name} is a view of chanops sql; choose another name")
        if name in keywords:
            raise UsageError(f"--file {spec.name}: {spec.name} is an SQL keyword; choose another name")
        if name in seen:
            raise UsageError(f"--file {spec.name}: the name is given twice")
        seen.add(name)
    return {spec.name: read_extract(spec, config) for spec in files}


@dataclass(frozen=True)
class ExportRequest:
    to: Path
    kinds: tuple[str, ...] = ()
    first: str | None = None
    last: str | None = None


def run_export(session, config: Config, request: ExportRequest) -> TaskResult:
    """The warehouse as Parquet partitioned by month (kind/month=YYYY-MM), for Spark and Hive."""
    from chanops.months import parse_month
    from chanops.store.export import export_warehouse

    written = export_warehouse(
        session.warehouse(),
        request.to,
        list(request.kinds) or None,
        parse_month(request.first, "--from") if request.first else None,
        parse_month(request.last, "--until") if request.last else None,
    )
    messages = [f"exported {rows:,} rows of {kind} to {request.to / kind}" for kind, rows in written.items()]
    return TaskResult([], messages=messages, value=written)
