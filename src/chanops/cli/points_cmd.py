"""`chanops points match|statement|summary|unclaimed|payout|adjust|runs` (SPEC §6)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from .common import Shared, notice, shared_options

points_app = typer.Typer(
    help="Points reconciliation of staff claims against billing (新业务积分写实).", no_args_is_help=True
)

RequiredMonth = Annotated[str, typer.Option("--month", help="The month to reconcile (YYYY-MM).")]
BudgetOpt = Annotated[
    str | None,
    typer.Option(
        "--budget", help="Total to pay out; positive nets are prorated to add up to it exactly.", show_default=False
    ),
]


def _month(text: str) -> str:
    from ..months import parse_month

    return parse_month(text)


def _amount(text: str | None, option: str) -> Decimal | None:
    from ..errors import UsageError

    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise UsageError(f"{option} must be a number, got '{text}'") from None
    if not value.is_finite():
        raise UsageError(f"{option} must be a number, got '{text}'")
    return value


def _percent_columns() -> tuple[str, ...]:
    return ("match_rate",)


@points_app.command("match")
@shared_options()
def match(month: RequiredMonth, *, shared: Shared) -> None:
    """One row per claim in the month: status, held_by, fee, earned."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    the_month = _month(month)
    with open_warehouse(shared.db, read_only=True, wait=shared.wait) as con:
        table = points.match(con, the_month)
    emit(Section(table, f"claims {the_month}"), shared.out, notice=notice)


def _statement_run(command: str, month: str, budget_text: str | None, shared: Shared):
    """Compute the statement; on the warehouse, also record the run (the one write made)."""
    from .. import points
    from ..config import load_config
    from ..errors import UsageError
    from ..warehouse import open_warehouse

    the_month = _month(month)
    budget = _amount(budget_text, "--budget")
    if budget is not None and budget < 0:
        raise UsageError("--budget cannot be negative")
    cfg = points.PointsConfig.from_section(load_config(shared.config).raw.get("points"))
    if shared.engine != "duckdb":
        with shared.query_engine() as engine:
            table = points.statement(engine, the_month, cfg, budget)
        notice(f"note: run not recorded (--engine {shared.engine} reads the export, not the warehouse)")
        return the_month, table
    with open_warehouse(shared.db, read_only=False, wait=shared.wait) as con:
        table = points.statement(con, the_month, cfg, budget)
        inputs = points.inputs_fingerprint(con, the_month)
        run_id = points.record_run(con, command, the_month, budget, cfg, table, inputs)
    notice(f"recorded run {run_id} ({command} {the_month})")
    return the_month, table


@points_app.command("statement")
@shared_options(config=True, engines=True)
def statement(month: RequiredMonth, budget: BudgetOpt = None, *, shared: Shared) -> None:
    """Per-staff statement: claims by status, earned, deductions, adjustments, net, payout, rank."""
    from ..output import Section, emit

    the_month, table = _statement_run("statement", month, budget, shared)
    emit(
        Section(table, f"statement {the_month}", percent=_percent_columns()),
        shared.out,
        notice=notice,
    )


@points_app.command("payout")
@shared_options(config=True)
def payout(month: RequiredMonth, budget: BudgetOpt = None, *, shared: Shared) -> None:
    """The bank-transfer file: staff_id, staff_name, payout (1 point = 1 yuan)."""
    from .. import points
    from ..output import Section, emit

    the_month, table = _statement_run("payout", month, budget, shared)
    emit(Section(points.payout_file(table), f"payout {the_month}"), shared.out, notice=notice)


@points_app.command("summary")
@shared_options()
def summary(
    month: RequiredMonth,
    by: Annotated[str, typer.Option("--by", help="store | region | department | product")] = "store",
    *,
    shared: Shared,
) -> None:
    """Claims by status, match rate and earned points per store, region, department or product."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    the_month = _month(month)
    with open_warehouse(shared.db, read_only=True, wait=shared.wait) as con:
        table = points.summary(con, the_month, by)
    emit(
        Section(table, f"summary by {by} {the_month}", percent=_percent_columns()),
        shared.out,
        notice=notice,
    )


@points_app.command("unclaimed")
@shared_options()
def unclaimed(month: RequiredMonth, *, shared: Shared) -> None:
    """Valid records billing has that no staff claimed."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    the_month = _month(month)
    with open_warehouse(shared.db, read_only=True, wait=shared.wait) as con:
        table = points.unclaimed(con, the_month)
    emit(Section(table, f"unclaimed {the_month}"), shared.out, notice=notice)


@points_app.command("adjust")
@shared_options(output=False)
def adjust(
    month: RequiredMonth,
    staff: Annotated[str, typer.Option("--staff", help="Staff id (工号).")],
    points_: Annotated[str, typer.Option("--points", help="Points to add (negative to claw back).")],
    note: Annotated[str, typer.Option("--note", help="Why: correction, clawback, dispute outcome.")],
    *,
    shared: Shared,
) -> None:
    """Record a manual adjustment, shown in the month's statement."""
    from .. import points
    from ..warehouse import open_warehouse

    the_month = _month(month)
    amount = _amount(points_, "--points")
    with open_warehouse(shared.db, read_only=False, wait=shared.wait) as con:
        adjust_id = points.add_adjustment(con, the_month, staff, amount, note)
    notice(f"adjustment {adjust_id}: {staff} {amount:+} points for {the_month} ({note.strip()})")


@points_app.command("runs")
@shared_options()
def runs(
    month: Annotated[str | None, typer.Option("--month", help="Only this month.", show_default=False)] = None,
    *,
    shared: Shared,
) -> None:
    """Every statement/payout run: when, month, budget, totals and fingerprints of inputs and config."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    with open_warehouse(shared.db, read_only=True, wait=shared.wait) as con:
        table = points.runs(con, _month(month) if month else None)
    emit(Section(table, "runs"), shared.out, notice=notice)
