"""`chanops funnel`, `chanops quota`, `chanops failures`: parse into a request, run the task."""

from __future__ import annotations

from typing import Annotated

import typer

from chanops.cli.common import FromOpt, MonthOpt, Shared, ToOpt, shared_options


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
    from chanops.tasks.activity import FunnelRequest

    shared.run("funnel", FunnelRequest(month, campaign))


@shared_options(config=True, engines=True)
def quota(
    month: MonthOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 3 when a touchpoint is over its quota.")] = False,
    *,
    shared: Shared,
) -> None:
    """Contacts per touchpoint against the monthly quotas in chanops.toml [quota] (配额管理)."""
    from chanops.tasks.activity import QuotaRequest

    shared.run("quota", QuotaRequest(month, shared.lang), check=check)


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
    from chanops.analysis.failures import FailuresRequest

    shared.run("failures", FailuresRequest(month, first, last, product, top, online))
