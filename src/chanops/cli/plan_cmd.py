"""`chanops plan PLAN.toml`: check campaign target lists and assign touchpoints before contact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import Shared, notice, shared_options


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
    *,
    shared: Shared,
) -> None:
    """Check target lists before anyone is contacted — invalid, already_has, conflict (互斥),
    do_not_disturb, duplicate across campaigns — then give each remaining customer the
    touchpoint with the best expected conversion that still has quota (配额管理, 智能调度).

    Example: chanops plan plan.toml --month 2022-12 --out dispatch/"""
    from chanops.plan.run import PlanRequest, run_plan, write_out
    from chanops.present.output import Section, emit

    config = shared.config
    with shared.query_engine() as engine:
        result = run_plan(engine, config, PlanRequest(plan_file, month, with_candidates=out is None))
        written = write_out(engine, result, out) if out else []
    by_status = {s: sum(result.statuses.column(s).to_pylist()) for s in ("assigned", "over_quota")}
    total = sum(result.statuses.column("candidates").to_pylist())
    notice(
        f"plan {result.month}: {total:,} candidates in {len(result.plan.campaigns)} campaigns; "
        f"{by_status['assigned']:,} assigned, {by_status['over_quota']:,} over quota"
    )
    for line in result.notes:
        notice(line)
    if written:
        notice(f"wrote {len(written)} files to {out}: " + ", ".join(p.name for p in written))
    sections = [
        Section(result.summary, f"plan {result.month} by touchpoint"),
        Section(result.statuses, f"plan {result.month} by status"),
    ]
    if not out:
        sections.insert(0, Section(result.candidates, f"plan {result.month}", percent=("expected_conversion",)))
    emit(sections, shared.out, notice=notice)
