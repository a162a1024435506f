"""`chanops db info` and `chanops rejects`: what the warehouse holds."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import KindName, Shared, shared_options

db_app = typer.Typer(help="Inspect the warehouse.", no_args_is_help=True)


@db_app.command("info")
@shared_options()
def info(*, shared: Shared) -> None:
    """Tables with row counts and months covered, recent loads, reject counts by reason."""
    from chanops.tasks.warehouse import InfoRequest

    shared.run("db info", InfoRequest())


@db_app.command("migrate")
@shared_options(output=False)
def migrate(*, shared: Shared) -> None:
    """Bring a warehouse written by an older chanops up to date, in place (chanops load does it too)."""
    from chanops.tasks.warehouse import InfoRequest

    shared.run("db migrate", InfoRequest())


@shared_options()
def rejects(
    kind: Annotated[KindName | None, typer.Option("--kind", help="Only this kind.", show_default=False)] = None,
    load_id: Annotated[int | None, typer.Option("--load", help="Only this load id.", show_default=False)] = None,
    *,
    shared: Shared,
) -> None:
    """List quarantined rows: file, line, column, value and reason."""
    from chanops.tasks.warehouse import RejectsRequest

    shared.run("rejects", RejectsRequest(kind.value if kind else None, load_id))


@db_app.command("refresh")
@shared_options(output=False)
def refresh(*, shared: Shared) -> None:
    """Compute the KPI pre-aggregates of every month with data again where they are missing or
    were made with another KPI or channel catalog (loads keep them current by themselves)."""
    from chanops.tasks.warehouse import InfoRequest

    shared.run("db refresh", InfoRequest())


@db_app.command("schema")
@shared_options()
def schema(*, shared: Shared) -> None:
    """The warehouse's tables and the views chanops sql adds, with their columns and what each
    holds — what `chanops sql` queries.

    Example: chanops db schema --format markdown"""
    from chanops.tasks.warehouse import InfoRequest

    shared.run("db schema", InfoRequest())


@shared_options()
def sql(
    statement: Annotated[
        str, typer.Argument(help="One SQL statement (DuckDB dialect); tables and views: chanops db schema.")
    ],
    files: Annotated[
        list[str] | None,
        typer.Option(
            "--file",
            metavar="NAME=PATH",
            help="A local extract as the read-only table NAME for this query (repeatable); "
            "NAME:KIND=PATH maps its headers and values as `chanops load KIND` does.",
            show_default=False,
        ),
    ] = None,
    *,
    shared: Shared,
) -> None:
    """Run read-only SQL on the warehouse and on views of what the commands compute (claims,
    preference, lifecycle, current_customers), in any output format. The SQL itself cannot
    read or write files; --file hands it a local extract, read as `chanops load` reads one.

    Example: chanops sql "SELECT month, status, count(*) AS claims FROM claims GROUP BY ALL ORDER BY ALL\""""
    from chanops.ingest.extract_table import ExtractTable
    from chanops.tasks.warehouse import SqlRequest

    shared.run("sql", SqlRequest(statement, tuple(ExtractTable.parse(text) for text in files or ())))
