"""`chanops points match|statement|summary|unclaimed|payout|adjust|runs` (SPEC §6)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from .common import (
    DEFAULT_WAIT,
    ConfigOpt,
    DbOpt,
    FormatOpt,
    Lang,
    LangOpt,
    OutputOpt,
    WaitOpt,
    notice,
    output_options,
)

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
def match(
    month: RequiredMonth,
    db: DbOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """One row per claim in the month: status, held_by, fee, earned."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    the_month = _month(month)
    with open_warehouse(db, read_only=True, wait=wait) as con:
        table = points.match(con, the_month)
    emit(Section(table, f"claims {the_month}"), output_options(fmt, output, lang), notice=notice)


def _statement_run(command: str, month: str, budget_text: str | None, db, config, wait):
    """Compute the statement and record the run (the one write these commands make)."""
    from .. import points
    from ..config import load_config
    from ..warehouse import open_warehouse

    the_month = _month(month)
    budget = _amount(budget_text, "--budget")
    if budget is not None and budget < 0:
        from ..errors import UsageError

        raise UsageError("--budget cannot be negative")
    cfg = points.PointsConfig.from_section(load_config(config).raw.get("points"))
    with open_warehouse(db, read_only=False, wait=wait) as con:
        table = points.statement(con, the_month, cfg, budget)
        inputs = points.inputs_fingerprint(con, the_month)
        run_id = points.record_run(con, command, the_month, budget, cfg, table, inputs)
    notice(f"recorded run {run_id} ({command} {the_month})")
    return the_month, table


@points_app.command("statement")
def statement(
    month: RequiredMonth,
    budget: BudgetOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Per-staff statement: claims by status, earned, deductions, adjustments, net, payout, rank."""
    from ..output import Section, emit

    the_month, table = _statement_run("statement", month, budget, db, config, wait)
    emit(
        Section(table, f"statement {the_month}", percent=_percent_columns()),
        output_options(fmt, output, lang),
        notice=notice,
    )


@points_app.command("payout")
def payout(
    month: RequiredMonth,
    budget: BudgetOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """The bank-transfer file: staff_id, staff_name, payout (1 point = 1 yuan)."""
    from .. import points
    from ..output import Section, emit

    the_month, table = _statement_run("payout", month, budget, db, config, wait)
    emit(Section(points.payout_file(table), f"payout {the_month}"), output_options(fmt, output, lang), notice=notice)


@points_app.command("summary")
def summary(
    month: RequiredMonth,
    by: Annotated[str, typer.Option("--by", help="store | region | department | product")] = "store",
    db: DbOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Claims by status, match rate and earned points per store, region, department or product."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    the_month = _month(month)
    with open_warehouse(db, read_only=True, wait=wait) as con:
        table = points.summary(con, the_month, by)
    emit(
        Section(table, f"summary by {by} {the_month}", percent=_percent_columns()),
        output_options(fmt, output, lang),
        notice=notice,
    )


@points_app.command("unclaimed")
def unclaimed(
    month: RequiredMonth,
    db: DbOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Valid records billing has that no staff claimed."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    the_month = _month(month)
    with open_warehouse(db, read_only=True, wait=wait) as con:
        table = points.unclaimed(con, the_month)
    emit(Section(table, f"unclaimed {the_month}"), output_options(fmt, output, lang), notice=notice)


@points_app.command("adjust")
def adjust(
    month: RequiredMonth,
    staff: Annotated[str, typer.Option("--staff", help="Staff id (工号).")],
    points_: Annotated[str, typer.Option("--points", help="Points to add (negative to claw back).")],
    note: Annotated[str, typer.Option("--note", help="Why: correction, clawback, dispute outcome.")],
    db: DbOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
) -> None:
    """Record a manual adjustment, shown in the month's statement."""
    from .. import points
    from ..warehouse import open_warehouse

    the_month = _month(month)
    amount = _amount(points_, "--points")
    with open_warehouse(db, read_only=False, wait=wait) as con:
        adjust_id = points.add_adjustment(con, the_month, staff, amount, note)
    notice(f"adjustment {adjust_id}: {staff} {amount:+} points for {the_month} ({note.strip()})")


@points_app.command("runs")
def runs(
    month: Annotated[str | None, typer.Option("--month", help="Only this month.", show_default=False)] = None,
    db: DbOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Every statement/payout run: when, month, budget, totals and fingerprints of inputs and config."""
    from .. import points
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    with open_warehouse(db, read_only=True, wait=wait) as con:
        table = points.runs(con, _month(month) if month else None)
    emit(Section(table, "runs"), output_options(fmt, output, lang), notice=notice)
