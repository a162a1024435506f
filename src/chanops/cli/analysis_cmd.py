"""`chanops funnel`, `chanops quota`, `chanops failures`: parse, one library call, render."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import FromOpt, MonthOpt, Shared, ToOpt, notice, shared_options


@shared_options(engines=True)
def funnel(
    month: MonthOpt = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Only this campaign id.", show_default=False)
    ] = None,
    *,
    shared: Shared,
) -> None:
    """Campaign funnel by wave: users contacted, reached, converted (多波次营销)."""
    from chanops.analysis.funnel import campaign_funnel
    from chanops.present.output import Section, emit

    with shared.query_engine() as con:
        the_month, frame = campaign_funnel(con, month, campaign)
    emit(
        Section(frame, f"funnel {the_month}", percent=("reach_rate", "conversion_rate", "wave_share")),
        shared.out,
        notice=notice,
    )


@shared_options(config=True, engines=True)
def quota(
    month: MonthOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 3 when a touchpoint is over its quota.")] = False,
    *,
    shared: Shared,
) -> None:
    """Contacts per touchpoint against the monthly quotas in chanops.toml [quota] (配额管理)."""
    from chanops.analysis.quota import over_quota, touchpoint_quotas
    from chanops.errors import CheckBreached
    from chanops.present.output import Section, emit

    with shared.query_engine() as con:
        the_month, frame = touchpoint_quotas(con, shared.config, month, shared.lang)
    if not shared.config.quota.for_month(the_month):
        notice("note: no [quota] in the config; showing contacts per touchpoint only")
    emit(Section(frame, f"quota {the_month}", percent=("utilization",)), shared.out, notice=notice)
    breaches = over_quota(frame)
    if check and breaches:
        for line in breaches:
            notice(f"breach: {line}")
        raise CheckBreached(f"{len(breaches)} touchpoint(s) over quota in {the_month}")


@shared_options(config=True, engines=True)
def failures(
    month: MonthOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    product: Annotated[str | None, typer.Option("--product", help="Only this product.", show_default=False)] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many mutual-exclusion pairs.")] = 10,
    online: Annotated[bool, typer.Option("--online", help="Only orders on online channels.")] = False,
    *,
    shared: Shared,
) -> None:
    """Why orders fail: success rate and trend per product, reasons, mutual-exclusion pairs."""
    from chanops.analysis.failures import FailuresRequest, run_failures
    from chanops.present.output import Section, emit

    request = FailuresRequest(month, first, last, product, top, online)
    with shared.query_engine() as con:
        analysis = run_failures(con, shared.config, request)
    emit(
        [
            Section(
                analysis.by_product, "by_product", percent=("success_rate", "prev_success_rate"), points=("change",)
            ),
            Section(analysis.by_reason, "by_reason", percent=("share",)),
            Section(analysis.conflict_pairs, "conflict_pairs"),
            Section(analysis.conflict_share, "conflict_share", percent=("conflict_share",)),
        ],
        shared.out,
        notice=notice,
    )
