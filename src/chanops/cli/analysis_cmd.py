"""`chanops funnel`, `chanops quota`, `chanops failures`: thin layers over funnel.py,
quota.py and failures.py."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import FromOpt, MonthOpt, Shared, ToOpt, notice, resolve_months, shared_options


@shared_options()
def funnel(
    month: MonthOpt = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Only this campaign id.", show_default=False)
    ] = None,
    *,
    shared: Shared,
) -> None:
    """Campaign funnel by wave: users contacted, reached, converted (多波次营销)."""
    from ..errors import NoData
    from ..funnel import funnel as campaign_funnel
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    with open_warehouse(shared.db, read_only=True, wait=shared.wait) as con:
        [the_month] = resolve_months(con, month, None, None)
        frame = campaign_funnel(con, the_month, campaign)
    if frame.is_empty():
        which = f"campaign {campaign} in " if campaign else ""
        raise NoData(f"no contacts or platform orders for {which}{the_month}")
    emit(
        Section(frame, f"funnel {the_month}", percent=("reach_rate", "conversion_rate", "wave_share")),
        shared.out,
        notice=notice,
    )


@shared_options(config=True)
def quota(
    month: MonthOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 3 when a touchpoint is over its quota.")] = False,
    *,
    shared: Shared,
) -> None:
    """Contacts per touchpoint against the monthly quotas in chanops.toml [quota] (配额管理)."""
    from ..config import load_config
    from ..errors import CheckBreached
    from ..output import Section, emit
    from ..quota import quota_usage, quotas_for
    from ..warehouse import open_warehouse

    cfg = load_config(shared.config)
    with open_warehouse(shared.db, read_only=True, wait=shared.wait) as con:
        [the_month] = resolve_months(con, month, None, None)
        quotas = quotas_for(cfg.raw.get("quota"), the_month, cfg.channels)
        frame = quota_usage(con, the_month, quotas, cfg.channels, shared.lang)
    if not quotas:
        notice("note: no [quota] in the config; showing contacts per touchpoint only")
    emit(Section(frame, f"quota {the_month}", percent=("utilization",)), shared.out, notice=notice)
    over = frame.filter(frame["over_quota"])
    if check and not over.is_empty():
        for row in over.iter_rows(named=True):
            notice(f"breach: {row['touchpoint']} used {row['used']:,} of quota {row['quota']:,}")
        raise CheckBreached(f"{over.height} touchpoint(s) over quota in {the_month}")


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
    from ..config import load_config
    from ..errors import NoData
    from ..failures import analyse_failures
    from ..output import Section, emit

    cfg = load_config(shared.config)
    with shared.query_engine() as con:
        months = resolve_months(con, month, first, last)
        analysis = analyse_failures(con, months, cfg.channels, product, top, online)
    if analysis.by_product.is_empty():
        which = f" of {product}" if product else ""
        raise NoData(f"no orders{which} in {', '.join(months)}")
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
