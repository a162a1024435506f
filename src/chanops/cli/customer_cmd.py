"""`chanops prefer ...`, `chanops retention`, `chanops lifecycle`: customers and their channels."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import MonthOpt, RegionOpt, Shared, shared_options, slices_of, split_list

prefer_app = typer.Typer(
    help="Electronic-channel preference scores and promotion targets (电子渠道偏好).", no_args_is_help=True
)
ChannelOpt = Annotated[str, typer.Option("--channel", help="An electronic channel code (app, wechat, sms …).")]


@prefer_app.command("scores")
@shared_options(config=True, engines=True)
def scores(
    month: MonthOpt = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Only this channel.", show_default=False)] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="high | medium | low", show_default=False)] = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Only scores at least this.", show_default=False)
    ] = None,
    region: RegionOpt = None,
    *,
    shared: Shared,
) -> None:
    """Preference score per (msisdn, electronic channel) with each component (电子渠道偏好得分)."""
    from chanops.tasks.customers import ScoresRequest

    shared.run("prefer scores", ScoresRequest(month, channel, tier, min_score, slices_of(region)))


@prefer_app.command("targets")
@shared_options(config=True, engines=True)
def targets(
    channel: ChannelOpt,
    month: MonthOpt = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Only the first N.", show_default=False)] = None,
    region: RegionOpt = None,
    *,
    shared: Shared,
) -> None:
    """Promotion targets for a channel: active customers not using it, best prospects first."""
    from chanops.tasks.customers import TargetsRequest

    shared.run("prefer targets", TargetsRequest(channel, month, top, slices_of(region)))


@prefer_app.command("churned")
@shared_options(config=True, engines=True)
def churned(channel: ChannelOpt, month: MonthOpt = None, region: RegionOpt = None, *, shared: Shared) -> None:
    """Users of a channel before the window who stopped using it (流失客户), with their last use."""
    from chanops.tasks.customers import ChurnedRequest

    shared.run("prefer churned", ChurnedRequest(channel, month, slices_of(region)))


@prefer_app.command("summary")
@shared_options(config=True, engines=True)
def summary(month: MonthOpt = None, region: RegionOpt = None, *, shared: Shared) -> None:
    """Per electronic channel: users, penetration, tier distribution, churned users."""
    from chanops.tasks.customers import PreferSummaryRequest

    shared.run("prefer summary", PreferSummaryRequest(month, shared.lang, slices_of(region)))


@shared_options(config=True, engines=True)
def retention(
    month: MonthOpt = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Base month (default: the previous month).", show_default=False)
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="region", show_default=False)] = None,
    region: RegionOpt = None,
    *,
    shared: Shared,
) -> None:
    """User and revenue retention against a base month (用户保有率, 收入保有率)."""
    from chanops.tasks.customers import RetentionRequest

    shared.run("retention", RetentionRequest(month, base, tuple(split_list(by)), slices_of(region)))


@shared_options(engines=True)
def lifecycle(
    month: MonthOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="region", show_default=False)] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="new | stable | at_risk | churned", show_default=False)
    ] = None,
    as_list: Annotated[bool, typer.Option("--list", help="List the customers of --stage.")] = False,
    region: RegionOpt = None,
    *,
    shared: Shared,
) -> None:
    """Customers and revenue per lifecycle stage (入网期, 在网期, 离网预警期, 离网期), or the list of one stage."""
    from chanops.analysis.lifecycle import check_stage
    from chanops.errors import UsageError
    from chanops.tasks.customers import LifecycleRequest

    if by not in (None, "region"):
        raise UsageError("--by must be region")
    check_stage(stage)
    shared.run("lifecycle", LifecycleRequest(month, by == "region", stage, as_list, slices_of(region)))
