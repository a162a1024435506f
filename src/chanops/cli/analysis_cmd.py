"""`chanops funnel`, `chanops quota`, `chanops failures`: parse into a request, run the task."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import (
    FromOpt,
    MonthOpt,
    ProductOpt,
    RegionOpt,
    Shared,
    ToOpt,
    shared_options,
    slices_of,
    split_list,
)


@shared_options(engines=True)
def funnel(
    month: MonthOpt = None,
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Only this campaign id.", show_default=False)
    ] = None,
    region: RegionOpt = None,
    product: ProductOpt = None,
    *,
    shared: Shared,
) -> None:
    """Campaign funnel by wave: users contacted, reached, converted (多波次营销)."""
    from chanops.tasks.activity import FunnelRequest

    shared.run("funnel", FunnelRequest(month, campaign, slices_of(region, product)))


@shared_options(config=True, engines=True)
def quota(
    month: MonthOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 3 when a touchpoint is over its quota.")] = False,
    region: RegionOpt = None,
    product: ProductOpt = None,
    *,
    shared: Shared,
) -> None:
    """Contacts per touchpoint against the monthly quotas in chanops.toml [quota] (配额管理)."""
    from chanops.tasks.activity import QuotaRequest

    shared.run("quota", QuotaRequest(month, shared.lang, slices_of(region, product)), check=check)


@shared_options(config=True, engines=True)
def failures(
    month: MonthOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    product: ProductOpt = None,
    region: RegionOpt = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many mutual-exclusion pairs.")] = 10,
    online: Annotated[bool, typer.Option("--online", help="Only orders on online channels.")] = False,
    *,
    shared: Shared,
) -> None:
    """Why orders fail: success rate and trend per product, reasons, mutual-exclusion pairs."""
    from chanops.analysis.failures import FailuresRequest

    products = split_list(product)
    # one product: its own trend, without the month's total over all products above it
    single = products[0] if len(products) == 1 else None
    shared.run("failures", FailuresRequest(month, first, last, single, top, online, slices_of(region, product)))
