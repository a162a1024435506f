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
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 100,
    *,
    shared: Shared,
) -> None:
    """List quarantined rows: file, line, column, value and reason."""
    from chanops.present.output import Section, emit
    from chanops.store import inventory

    with shared.warehouse() as con:
        frame = inventory.rejects(con, kind.value if kind else None, load_id, limit)
    emit(Section(frame, "rejects"), shared.out, notice=notice)
