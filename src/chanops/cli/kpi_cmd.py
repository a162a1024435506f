"""`chanops kpi` and `chanops kpi list`."""

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
    render,
    shared_options,
    slices_of,
    split_list,
)

kpi_app = typer.Typer(
    help="Channel KPIs: 线上产能占比, 呼通率, success rates, e-channel share, retention …",
    invoke_without_command=True,
    no_args_is_help=False,
)


@kpi_app.callback()
@shared_options(config=True, engines=True)
def kpi(
    ctx: typer.Context,
    month: MonthOpt = None,
    first: FromOpt = None,
    last: ToOpt = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Slice by region,channel,product,campaign_id,wave.", show_default=False)
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric", help="KPI ids, comma-separated (default: all that the slice supports).", show_default=False
        ),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option("--compare", help="prev | yoy: add the earlier value and the change.", show_default=False),
    ] = None,
    base: Annotated[
        str | None,
        typer.Option("--base", help="Base month for retention (default: previous month).", show_default=False),
    ] = None,
    region: RegionOpt = None,
    product: ProductOpt = None,
    check: Annotated[bool, typer.Option("--check", help="Exit 3 when a KPI crosses its threshold.")] = False,
    *,
    shared: Shared,
) -> None:
    """Compute channel KPIs per month and slice, with numerators and denominators."""
    if ctx.invoked_subcommand is not None:
        return
    from chanops.kpi.evaluate import KpiRequest

    request = KpiRequest(
        month,
        first,
        last,
        tuple(split_list(by)),
        tuple(split_list(metric)) or None,
        base=base,
        compare=compare,
        slices=slices_of(region, product),
    )
    shared.run("kpi", request, check=check)


@kpi_app.command("list")
@shared_options(warehouse=False, config=True)
def kpi_list(*, shared: Shared) -> None:
    """The KPI catalog: ids, labels, definitions in words, dimensions, thresholds."""
    from chanops.tasks.kpi import KpiListRequest, run_kpi_list

    shared.check_output()
    render(run_kpi_list(None, shared.config, KpiListRequest(shared.lang)), shared.out)


@shared_options(config=True, engines=True)
def explain(
    kpi_id: Annotated[str, typer.Argument(metavar="KPI", help="A KPI id (chanops kpi list).", show_default=False)],
    month: MonthOpt = None,
    vs: Annotated[
        str,
        typer.Option("--vs", help="prev | yoy | YYYY-MM | province (a --region's gap to the province)."),
    ] = "prev",
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="Split by region, channel, product, campaign_id or wave (default: the one that explains most).",
            show_default=False,
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="Explain one region's figure.", show_default=False)
    ] = None,
    product: Annotated[
        str | None, typer.Option("--product", help="Explain one product's figure.", show_default=False)
    ] = None,
    *,
    shared: Shared,
) -> None:
    """Why a KPI moved: its change split exactly into segments (mix and rate effects), with one sentence."""
    from chanops.tasks.explain import ExplainRequest

    shared.run("explain", ExplainRequest(kpi_id, month, vs, by, region, shared.lang, product))
