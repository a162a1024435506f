"""`points match|statement|payout|summary|unclaimed|adjust|runs` (新业务积分写实, SPEC §6)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from chanops.present.output import Section
from chanops.slices import Slices, keep_sliced
from chanops.tasks.result import TaskResult

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.points.runs import PointsRequest

MATCH_RATE = ("match_rate",)


@dataclass(frozen=True)
class PointsMonth:
    month: str
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_match(session, config: Config, request: PointsMonth) -> TaskResult:
    """One row per claim of the month: status, held_by, fee, earned."""
    from chanops.points import reconcile

    table = keep_sliced(reconcile.match(session, request.month), request.slices)
    return TaskResult([Section(table, f"claims {request.month}")], value=table)


def run_statement_task(session, config: Config, request: PointsRequest) -> TaskResult:
    """The per-staff statement (or the payout file), recorded as a run where it was computed."""
    from chanops.points.runs import run_statement

    run = run_statement(session, config, request)
    where = "" if session.source is None else f" in {session.source}/_points_runs"
    message = f"recorded run {run.run_id} ({request.command} {run.month}){where}"
    percent = MATCH_RATE if request.command == "statement" else ()
    return TaskResult(
        [Section(run.table, f"{request.command} {run.month}", percent=percent)], messages=[message], value=run
    )


@dataclass(frozen=True)
class PointsSummaryRequest:
    month: str
    by: str = "store"
    slices: Slices = Slices()  # --region/--product (chanops/slices.py)


def run_summary(session, config: Config, request: PointsSummaryRequest) -> TaskResult:
    """Claims by status, match rate ((valid + no_rule) / claims, SPEC §6.5) and earned points per
    store, region, department or product, and the same for the whole month."""
    from chanops.points import reconcile

    table = reconcile.summary(session, request.month, request.by, request.slices, config.regions)
    total = reconcile.summary(session, request.month, None, request.slices)
    return TaskResult(
        [
            Section(table, f"summary by {request.by} {request.month}", percent=MATCH_RATE),
            Section(total, f"total {request.month}", percent=MATCH_RATE),
        ],
        value=(table, total),
    )


def run_unclaimed(session, config: Config, request: PointsMonth) -> TaskResult:
    """Valid records billing has that no staff claimed (SPEC §6.7)."""
    from chanops.points import reconcile

    table = keep_sliced(reconcile.unclaimed(session, request.month), request.slices)
    return TaskResult([Section(table, f"unclaimed {request.month}")], value=table)


@dataclass(frozen=True)
class AdjustRequest:
    month: str
    staff: str
    points: Decimal
    note: str


def run_adjust(session, config: Config, request: AdjustRequest) -> TaskResult:
    """A manual adjustment, shown in the month's statement."""
    from chanops.points.runs import add_adjustment

    adjust_id = add_adjustment(session.warehouse(), request.month, request.staff, request.points, request.note)
    message = (
        f"adjustment {adjust_id}: {request.staff} {request.points:+} points for {request.month} "
        f"({request.note.strip()})"
    )
    return TaskResult([], messages=[message], value=adjust_id)


@dataclass(frozen=True)
class RunsRequest:
    month: str | None = None


def run_runs(session, config: Config, request: RunsRequest) -> TaskResult:
    """Every statement/payout run: when, month, budget, totals and fingerprints."""
    from chanops.points import runs as ledger

    table = ledger.runs(session, request.month)
    return TaskResult([Section(table, "runs")], value=table)
