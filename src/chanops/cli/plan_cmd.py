"""`chanops plan PLAN.toml`: check campaign target lists and assign touchpoints before contact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import ProductOpt, RegionOpt, Shared, shared_options, slices_of


@shared_options(config=True, engines=True)
def plan(
    plan_file: Annotated[
        Path,
        typer.Argument(help="PLAN.toml: campaigns with product, list file, priority, touchpoints, optional cap."),
    ],
    month: Annotated[
        str | None,
        typer.Option(
            "--month", help="Month to plan (default: the month after the latest with data).", show_default=False
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Directory for candidates.csv, summary.csv, statuses.csv and one dispatch_<touchpoint>.csv each.",
            show_default=False,
        ),
    ] = None,
    region: RegionOpt = None,
    product: ProductOpt = None,
    *,
    shared: Shared,
) -> None:
    """Check target lists before anyone is contacted — invalid, already_has, conflict (互斥),
    do_not_disturb, duplicate across campaigns — then give each remaining customer the
    touchpoint with the best expected conversion that still has quota (配额管理, 智能调度).

    Example: chanops plan plan.toml --month 2022-12 --out dispatch/"""
    from chanops.tasks.plan import PlanTaskRequest

    shared.run("plan", PlanTaskRequest(plan_file, month, out, shared.lang, slices_of(region, product)))
