"""`chanops db info` and `chanops rejects`: what the warehouse holds."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import KindName, Shared, notice, shared_options

db_app = typer.Typer(help="Inspect the warehouse.", no_args_is_help=True)


@db_app.command("info")
@shared_options()
def info(*, shared: Shared) -> None:
    """Tables with row counts and months covered, recent loads, reject counts by reason."""
    from chanops.present.output import Section, emit
    from chanops.store import inventory

    with shared.warehouse() as con:
        sections = [
            Section(inventory.tables_summary(con), "tables"),
            Section(inventory.recent_loads(con), "loads"),
            Section(inventory.reject_reasons(con), "rejects"),
        ]
    emit(sections, shared.out, notice=notice)


@db_app.command("migrate")
@shared_options(output=False)
def migrate(*, shared: Shared) -> None:
    """Bring a warehouse written by an older chanops up to date, in place (chanops load does it too)."""
    from chanops.store.warehouse import SCHEMA_VERSION

    with shared.warehouse(write=True):
        pass  # opening for writing migrates (one transaction)
    notice(f"{shared.db or 'warehouse'}: schema version {SCHEMA_VERSION}")


@shared_options()
def rejects(
    kind: Annotated[KindName | None, typer.Option("--kind", help="Only this kind.", show_default=False)] = None,
    load_id: Annotated[int | None, typer.Option("--load", help="Only this load id.", show_default=False)] = None,
    *,
    shared: Shared,
) -> None:
    """List quarantined rows: file, line, column, value and reason."""
    from chanops.present.output import Section, emit
    from chanops.store import inventory

    with shared.warehouse() as con:
        frame = inventory.rejects(con, kind.value if kind else None, load_id)
    emit(Section(frame, "rejects", free_text=("value",)), shared.out, notice=notice)


@db_app.command("schema")
@shared_options()
def schema(*, shared: Shared) -> None:
    """The warehouse's tables and columns, with what each table holds — what `chanops sql` queries.

    Example: chanops db schema --format markdown"""
    from chanops.present.output import Section, emit
    from chanops.store import inventory

    with shared.warehouse() as con:
        frame = inventory.schema(con)
    emit(Section(frame, "schema"), shared.out, notice=notice)


@shared_options()
def sql(
    statement: Annotated[str, typer.Argument(help="One SQL statement (DuckDB dialect); tables: chanops db schema.")],
    *,
    shared: Shared,
) -> None:
    """Run read-only SQL on the warehouse, in any output format. Files outside the warehouse
    cannot be read or written from it.

    Example: chanops sql "SELECT region, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 2 DESC\""""
    from chanops.present.output import Section, emit
    from chanops.store.query import run_sql

    with shared.warehouse() as con:
        table = run_sql(con, statement)
    emit(
        Section(table, "sql", free_text=tuple(n for n in table.column_names if n != "msisdn")),
        shared.out,
        notice=notice,
    )
