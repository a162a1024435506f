"""`chanops points match|statement|summary|unclaimed|payout|adjust|runs` (新业务积分写实)."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import ProductOpt, RegionOpt, Shared, StaffOpt, shared_options, slices_of

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
    from chanops.months import parse_month

    return parse_month(text)


@points_app.command("match")
@shared_options(engines=True)
def match(
    month: RequiredMonth,
    region: RegionOpt = None,
    product: ProductOpt = None,
    staff: StaffOpt = None,
    *,
    shared: Shared,
) -> None:
    """One row per claim in the month: status, held_by, fee, earned."""
    from chanops.tasks.points import PointsMonth

    shared.run("points match", PointsMonth(_month(month), slices_of(region, product, staff)))


def _points_request(command: str, month: str, budget: str | None, slices=None):
    from chanops.amounts import parse_amount
    from chanops.points.runs import PointsRequest
    from chanops.slices import Slices

    return PointsRequest(_month(month), parse_amount(budget, "--budget"), command, slices or Slices())


@points_app.command("statement")
@shared_options(config=True, engines=True)
def statement(
    month: RequiredMonth,
    budget: BudgetOpt = None,
    region: RegionOpt = None,
    product: ProductOpt = None,
    staff: StaffOpt = None,
    *,
    shared: Shared,
) -> None:
    """Per-staff statement: claims by status, earned, deductions, adjustments, net, payout, rank.
    A --product slice is refused: deductions and adjustments are not by product (points
    summary --by staff --product P gives each staff member's claims and earned points of P)."""
    shared.run("points statement", _points_request("statement", month, budget, slices_of(region, product, staff)))


@points_app.command("payout")
@shared_options(config=True, engines=True)
def payout(
    month: RequiredMonth,
    budget: BudgetOpt = None,
    region: RegionOpt = None,
    product: ProductOpt = None,
    *,
    shared: Shared,
) -> None:
    """The bank-transfer file: staff_id, staff_name, payout (1 point = 1 yuan). `-o payout.csv`
    writes the CSV Excel opens on Chinese Windows (UTF-8 with BOM), formula-like names
    neutralized; `[points] payout_excel = true` writes it so on stdout too.

    Example: chanops points payout --month 2022-11 --budget 50000 -o payout.csv"""
    out = shared.out
    if shared.config.points.payout_excel and out.resolved_format() == "csv":
        out.excel = True
    shared.run("points payout", _points_request("payout", month, budget, slices_of(region, product)))


@points_app.command("summary")
@shared_options(engines=True)
def summary(
    month: RequiredMonth,
    by: Annotated[str, typer.Option("--by", help="store | region | department | product | staff")] = "store",
    region: RegionOpt = None,
    product: ProductOpt = None,
    *,
    shared: Shared,
) -> None:
    """Claims by status, match rate and earned points per store, region, department, product or
    staff, and for the whole month."""
    from chanops.tasks.points import PointsSummaryRequest

    shared.run("points summary", PointsSummaryRequest(_month(month), by, slices_of(region, product)))


@points_app.command("unclaimed")
@shared_options(engines=True)
def unclaimed(month: RequiredMonth, region: RegionOpt = None, product: ProductOpt = None, *, shared: Shared) -> None:
    """Valid records billing has that no staff claimed."""
    from chanops.tasks.points import PointsMonth

    shared.run("points unclaimed", PointsMonth(_month(month), slices_of(region, product)))


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
    from chanops.tasks.points import AdjustRequest

    amount = parse_amount(points_, "--points", allow_negative=True)
    shared.run("points adjust", AdjustRequest(_month(month), staff, amount, note))


@points_app.command("runs")
@shared_options(engines=True)
def runs(
    month: Annotated[str | None, typer.Option("--month", help="Only this month.", show_default=False)] = None,
    *,
    shared: Shared,
) -> None:
    """Every statement/payout run: when, month, budget, totals and fingerprints of inputs and config."""
    from chanops.tasks.points import RunsRequest

    shared.run("points runs", RunsRequest(_month(month) if month else None))
