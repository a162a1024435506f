"""`chanops points match|statement|summary|unclaimed|payout|adjust|runs` (新业务积分写实)."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import Shared, notice, shared_options

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
MATCH_RATE = ("match_rate",)


def _month(text: str) -> str:
    from chanops.months import parse_month

    return parse_month(text)


def _month_table(shared: Shared, month: str, title: str, compute, percent=()) -> None:
    """Read one month's table (the warehouse, or Spark) with compute(con, month) and emit it."""
    from chanops.present.output import Section, emit

    the_month = _month(month)
    with shared.query_engine() as con:
        table = compute(con, the_month)
    emit(Section(table, f"{title} {the_month}", percent=percent), shared.out, notice=notice)


@points_app.command("match")
@shared_options(engines=True)
def match(month: RequiredMonth, *, shared: Shared) -> None:
    """One row per claim in the month: status, held_by, fee, earned."""
    from chanops.points import reconcile

    _month_table(shared, month, "claims", reconcile.match)


def _statement_run(command: str, month: str, budget: str | None, shared: Shared):
    """Parse, run the statement (recorded as a run on the warehouse), say what was recorded."""
    from chanops.amounts import parse_amount
    from chanops.points.runs import PointsRequest, run_statement

    request = PointsRequest(_month(month), parse_amount(budget, "--budget"), command)
    if shared.engine == "duckdb":
        with shared.warehouse(write=True) as con:
            run = run_statement(con, shared.config, request)
        notice(f"recorded run {run.run_id} ({command} {run.month})")
    else:
        with shared.query_engine() as engine:
            run = run_statement(engine, shared.config, request)
        notice(f"recorded run {run.run_id} ({command} {run.month}) in {shared.source}/_points_runs")
    return run


@points_app.command("statement")
@shared_options(config=True, engines=True)
def statement(month: RequiredMonth, budget: BudgetOpt = None, *, shared: Shared) -> None:
    """Per-staff statement: claims by status, earned, deductions, adjustments, net, payout, rank."""
    from chanops.present.output import Section, emit

    run = _statement_run("statement", month, budget, shared)
    emit(Section(run.table, f"statement {run.month}", percent=MATCH_RATE), shared.out, notice=notice)


@points_app.command("payout")
@shared_options(config=True, engines=True)
def payout(month: RequiredMonth, budget: BudgetOpt = None, *, shared: Shared) -> None:
    """The bank-transfer file: staff_id, staff_name, payout (1 point = 1 yuan). Written with -o,
    formula-like names are neutralized; `[points] payout_excel = true` makes it Excel's CSV.

    Example: chanops points payout --month 2022-11 --budget 50000 -o payout.csv"""
    from chanops.present.output import Section, emit

    run = _statement_run("payout", month, budget, shared)
    out = shared.out
    if shared.config.points.payout_excel and not out.to_stdout and out.resolved_format() == "csv":
        out.excel = True
    emit(Section(run.table, f"payout {run.month}"), out, notice=notice)


@points_app.command("summary")
@shared_options(engines=True)
def summary(
    month: RequiredMonth,
    by: Annotated[str, typer.Option("--by", help="store | region | department | product")] = "store",
    *,
    shared: Shared,
) -> None:
    """Claims by status, match rate and earned points per store, region, department or product."""
    from chanops.points import reconcile

    _month_table(shared, month, f"summary by {by}", lambda con, m: reconcile.summary(con, m, by), MATCH_RATE)


@points_app.command("unclaimed")
@shared_options(engines=True)
def unclaimed(month: RequiredMonth, *, shared: Shared) -> None:
    """Valid records billing has that no staff claimed."""
    from chanops.points import reconcile

    _month_table(shared, month, "unclaimed", reconcile.unclaimed)


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
    from chanops.amounts import parse_amount
    from chanops.points.runs import add_adjustment

    the_month = _month(month)
    amount = parse_amount(points_, "--points", allow_negative=True)
    with shared.warehouse(write=True) as con:
        adjust_id = add_adjustment(con, the_month, staff, amount, note)
    notice(f"adjustment {adjust_id}: {staff} {amount:+} points for {the_month} ({note.strip()})")


@points_app.command("runs")
@shared_options(engines=True)
def runs(
    month: Annotated[str | None, typer.Option("--month", help="Only this month.", show_default=False)] = None,
    *,
    shared: Shared,
) -> None:
    """Every statement/payout run: when, month, budget, totals and fingerprints of inputs and config."""
    from chanops.points import runs as ledger
    from chanops.present.output import Section, emit

    with shared.query_engine() as con:
        table = ledger.runs(con, _month(month) if month else None)
    emit(Section(table, "runs"), shared.out, notice=notice)
