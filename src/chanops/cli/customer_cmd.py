"""`chanops prefer ...`, `chanops retention`, `chanops lifecycle`: customers and their channels."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import (
    DEFAULT_WAIT,
    ConfigOpt,
    DbOpt,
    FormatOpt,
    Lang,
    LangOpt,
    MonthOpt,
    OutputOpt,
    WaitOpt,
    notice,
    output_options,
    resolve_months,
)

prefer_app = typer.Typer(
    help="Electronic-channel preference scores and promotion targets (电子渠道偏好).", no_args_is_help=True
)
ChannelOpt = Annotated[str, typer.Option("--channel", help="An electronic channel code (app, wechat, sms …).")]


def _run_prefer(config, month, db, wait, compute):
    """Open the warehouse read-only, settle the month (default: latest with data) and call
    compute(con, channels, prefer_config, month) -> table."""
    from ..config import load_config
    from ..prefer import PreferConfig
    from ..warehouse import open_warehouse

    cfg = load_config(config)
    prefer_config = PreferConfig.from_section(cfg.raw.get("prefer"))
    with open_warehouse(db, read_only=True, wait=wait) as con:
        [the_month] = resolve_months(con, month, None, None)
        return the_month, compute(con, cfg.channels, prefer_config, the_month)


@prefer_app.command("scores")
def scores(
    month: MonthOpt = None,
    channel: Annotated[str | None, typer.Option("--channel", help="Only this channel.", show_default=False)] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="high | medium | low", show_default=False)] = None,
    min_score: Annotated[
        float | None, typer.Option("--min-score", help="Only scores at least this.", show_default=False)
    ] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Preference score per (msisdn, electronic channel) with each component (SPEC §7)."""
    from .. import prefer
    from ..output import Section, emit

    the_month, table = _run_prefer(
        config,
        month,
        db,
        wait,
        lambda con, channels, pc, m: prefer.scores(con, m, pc, channels, channel, tier, min_score),
    )
    emit(Section(table, f"scores {the_month}"), output_options(fmt, output, lang), notice=notice)


@prefer_app.command("targets")
def targets(
    channel: ChannelOpt,
    month: MonthOpt = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Only the first N.", show_default=False)] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Promotion targets for a channel: active customers not using it, best prospects first."""
    from .. import prefer
    from ..output import Section, emit

    the_month, table = _run_prefer(
        config, month, db, wait, lambda con, channels, pc, m: prefer.targets(con, m, channel, pc, channels, top)
    )
    emit(Section(table, f"targets {channel} {the_month}"), output_options(fmt, output, lang), notice=notice)


@prefer_app.command("churned")
def churned(
    channel: ChannelOpt,
    month: MonthOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Users of a channel before the window who stopped using it (流失客户), with their last use."""
    from .. import prefer
    from ..output import Section, emit

    the_month, table = _run_prefer(
        config, month, db, wait, lambda con, channels, pc, m: prefer.churned(con, m, channel, pc, channels)
    )
    emit(Section(table, f"churned {channel} {the_month}"), output_options(fmt, output, lang), notice=notice)


@prefer_app.command("summary")
def summary(
    month: MonthOpt = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Per electronic channel: users, penetration, tier distribution, churned users."""
    from .. import prefer
    from ..output import Section, emit

    the_month, table = _run_prefer(
        config, month, db, wait, lambda con, channels, pc, m: prefer.summary(con, m, pc, channels)
    )
    emit(
        Section(table, f"channels {the_month}", percent=("penetration",)),
        output_options(fmt, output, lang),
        notice=notice,
    )


def retention(
    month: MonthOpt = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Base month (default: the previous month).", show_default=False)
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="region", show_default=False)] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """User and revenue retention against a base month (SPEC §4 保有率)."""
    from ..config import load_config
    from ..kpi_catalog import build_kpi_catalog
    from ..months import parse_month
    from ..output import Section, emit
    from ..retention import retention_table
    from ..warehouse import open_warehouse
    from .common import split_list

    cfg = load_config(config)
    with open_warehouse(db, read_only=True, wait=wait) as con:
        [the_month] = resolve_months(con, month, None, None)
        table = retention_table(
            con,
            build_kpi_catalog(cfg.raw.get("kpis")),
            cfg.channels,
            the_month,
            parse_month(base, "--base") if base else None,
            split_list(by),
        )
    emit(
        Section(table, f"retention {the_month}", percent=("user_retention", "revenue_retention")),
        output_options(fmt, output, lang),
        notice=notice,
    )


def lifecycle(
    month: MonthOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="region", show_default=False)] = None,
    stage: Annotated[
        str | None, typer.Option("--stage", help="new | stable | at_risk | churned", show_default=False)
    ] = None,
    as_list: Annotated[bool, typer.Option("--list", help="List the customers of --stage.")] = False,
    db: DbOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    lang: LangOpt = Lang.zh,
) -> None:
    """Customers and revenue per lifecycle stage (SPEC §8), or the list of one stage."""
    from .. import lifecycle as stages
    from ..errors import UsageError
    from ..output import Section, emit
    from ..warehouse import open_warehouse

    if by not in (None, "region"):
        raise UsageError("--by must be region")
    if as_list and not stage:
        raise UsageError("--list needs --stage new|stable|at_risk|churned")
    with open_warehouse(db, read_only=True, wait=wait) as con:
        [the_month] = resolve_months(con, month, None, None)
        if as_list:
            table = stages.stage_list(con, the_month, stage)
            title = f"{stage} {the_month}"
        else:
            table = stages.lifecycle(con, the_month, by == "region")
            if stage:
                import pyarrow.compute as pc

                if stage not in stages.STAGES:
                    raise UsageError(f"--stage must be one of: {', '.join(stages.STAGES)}")
                table = table.filter(pc.equal(table["stage"], stage))
            title = f"lifecycle {the_month}"
    emit(Section(table, title, percent=("share",)), output_options(fmt, output, lang), notice=notice)
