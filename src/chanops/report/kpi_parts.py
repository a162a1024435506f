"""The report's KPI parts: the six-month trend, the 盟市 ranking and the touchpoints. Each is
drawn from a kpi task's result; the alerts a part shows are that result's breaches."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import polars as pl

from chanops.engines import polars_frame
from chanops.kpi.catalog import Kpi
from chanops.kpi.evaluate import KpiRequest, KpiResult, breaches
from chanops.kpi.view import kpi_units
from chanops.present.numbers import amount_text, kpi_text
from chanops.present.output import Section
from chanops.report import charts
from chanops.report.model import Part, title, words
from chanops.tasks.kpi import breach_alert, run_kpi
from chanops.tasks.result import Alert

if TYPE_CHECKING:
    from chanops.config import Config

Built = tuple[Part, list[Alert]]

TREND_KPIS = (
    "online_share",
    "order_success_rate",
    "e_channel_share",
    "e_channel_penetration",
    "outbound_connect_rate",
    "outbound_success_rate",
    "platform_success_rate",
    "complaint_rate_per_million",
    "user_retention",
    "revenue_retention",
)
REGION_KPIS = (
    "online_share",
    "order_success_rate",
    "e_channel_share",
    "platform_success_rate",
    "outbound_connect_rate",
    "outbound_success_rate",
)
RETENTION_KPIS = ("user_retention", "revenue_retention")


def name(kpi: Kpi, lang: str) -> str:
    return kpi.zh if lang == "zh" else kpi.en


def threshold(kpi: Kpi) -> float | None:
    return kpi.min if kpi.min is not None else kpi.max


def month_alerts(result: KpiResult, month: str, config: Config) -> list[Alert]:
    """The result's breaches in the report's month, in its slices (the province's are the cards')."""
    return [breach_alert(b, config.channels) for b in result.breached if b.month == month and b.where]


def trend(province: KpiResult, config: Config, lang: str, months: list[str]) -> Built:
    """One small chart per KPI, each on its own fitted axis: a 1.5% platform rate and a 45%
    online share cannot share a scale and both show their moves. The table is the kpi
    result's rows of the six months."""
    catalog = config.kpis
    computed = {k.id for k in province.kpis}
    ids = [k for k in TREND_KPIS if k in computed] + [k.id for k in province.kpis if not k.builtin]
    rows = {row["month"]: row for row in province.frame.to_pylist()}
    part = Part("trend", title("trend", lang))
    if len(rows) < 2:
        part.notes.append(words(lang, "不足两个月的数据，无法画出趋势", "fewer than two months with data: no trend"))
        return part, []
    for kpi_id in ids:
        kpi = catalog[kpi_id]
        values = [rows.get(m, {}).get(kpi_id) for m in months]
        if sum(v is not None for v in values) < 2:
            continue
        part.charts.append(
            charts.line_chart(
                name(kpi, lang), months, {name(kpi, lang): values}, kpi.format == "pct", threshold(kpi), lang=lang
            )
        )
    table = polars_frame(province.frame).select("month", *ids).filter(pl.col("month").is_in(months)).sort("month")
    percent = [k for k in ids if catalog[k].format == "pct"]
    units = kpi_units([catalog[k] for k in ids])  # complaints per million named as such
    part.tables.append(Section(table, "trend", percent=percent, units=units))
    return part, []


def regional(session, config: Config, month: str) -> KpiResult:
    """The 盟市 slice of the month, once for the ranking and the retention table."""
    computable = [k for k in (*REGION_KPIS, *RETENTION_KPIS) if k in config.kpis]
    return run_kpi(session, config, KpiRequest(month=month, dims=("region",), metrics=tuple(computable))).value


def regional_of(by_region: KpiResult, config: Config, month: str) -> KpiResult | None:
    """The 盟市 slice of the month out of an evaluation by region over more months and KPIs
    (a region's report evaluates every 盟市 for its cards): the month's rows, the slice's KPIs
    in its order, as `regional` gives them. None when it holds none of them."""
    import pyarrow.compute as pc

    held = {k.id: k for k in by_region.kpis}
    kpis = [held[k] for k in (*REGION_KPIS, *RETENTION_KPIS) if k in config.kpis and k in held]
    if list(by_region.dims) != ["region"] or not kpis:
        return None
    columns = ["month", "region", *(f"{k.id}{end}" for k in kpis for end in ("", "_num", "_den"))]
    frame = by_region.frame.filter(pc.equal(by_region.frame["month"], month)).select(columns)
    return KpiResult(frame, kpis, ["region"], None, [], breaches(frame, kpis, ["region"]))


def by_region(result: KpiResult, config: Config, lang: str, month: str) -> Built:
    """Each KPI's 盟市 in the province's official order (the kpi result's order, the same row
    in every chart), its threshold drawn and the regions breaching it in red; the table marks
    the same cells."""
    catalog = config.kpis
    computed = {k.id for k in result.kpis}
    ids = [k for k in REGION_KPIS if k in computed]
    part = Part("region", title("region", lang))
    alerts = month_alerts(result, month, config)
    if not ids:
        part.notes.append(words(lang, "本月无分盟市指标", "no KPI by region for the month"))
        return part, []
    frame = polars_frame(result.frame).filter(pl.col("region").is_not_null()).select(["region", *ids])
    regions = frame["region"].to_list()
    shown = [a for a in alerts if a.subject in ids]
    marked = {(regions.index(dict(a.where)["region"]), a.subject) for a in shown}
    part.tables.append(Section(frame, "by_region", percent=ids, marked=frozenset(marked)))
    for kpi_id in ids:
        kpi = catalog[kpi_id]
        line = threshold(kpi)
        label = ""
        if line is not None:
            label = words(lang, "下限 " if kpi.min is not None else "上限 ", "min " if kpi.min is not None else "max ")
            label += kpi_text(kpi, line)
        part.charts.append(
            charts.ranked_bars(
                name(kpi, lang),
                regions,
                frame[kpi_id].to_list(),
                functools.partial(kpi_text, kpi),
                threshold=line,
                breach_below=kpi.min is not None,
                threshold_label=label,
                keep_order=True,
            )
        )
    if shown:
        joiner = words(lang, "；", "; ")
        part.notes.append(
            words(lang, "未达标：", "Outside the threshold: ") + joiner.join(a.words(lang) for a in shown)
        )
        part.summary = [a.words(lang) for a in shown]
    return part, shown


def touchpoints(session, config: Config, month: str) -> KpiResult:
    """The touchpoint slice of the month's order success."""
    return run_kpi(session, config, KpiRequest(month=month, dims=("channel",), metrics=("order_success_rate",))).value


def by_touchpoint(result: KpiResult, month: str, config: Config, lang: str) -> Built:
    """Orders, successes and success rate per touchpoint (the kpi result by channel), ranked by
    successful orders."""
    channels = config.channels
    frame = (
        polars_frame(result.frame)
        .select(
            "channel",
            pl.col("order_success_rate_den").alias("attempts"),
            pl.col("order_success_rate_num").alias("successes"),
            pl.col("order_success_rate").alias("success_rate"),
        )
        .filter(pl.col("attempts") > 0)
        .sort(["successes", "channel"], descending=[True, False])
    )
    part = Part("touchpoint", title("touchpoint", lang))
    if frame.is_empty():
        part.notes.append(words(lang, "本月无订单", "no orders in the month"))
        return part, []
    alerts = month_alerts(result, month, config)
    codes = frame["channel"].to_list()
    marked = {(codes.index(dict(a.where)["channel"]), "success_rate") for a in alerts}
    part.tables.append(Section(frame, "by_touchpoint", percent=("success_rate",), marked=frozenset(marked)))
    labels = [_channel_name(channels, c, lang) for c in codes]
    part.charts.append(
        charts.ranked_bars(
            words(lang, "成功办理笔数", "Successful orders"),
            labels,
            [float(v) for v in frame["successes"].to_list()],
            amount_text,
        )
    )
    kpi = config.kpis["order_success_rate"]
    part.charts.append(
        charts.ranked_bars(
            words(lang, "办理成功率", "Success rate"),
            labels,
            frame["success_rate"].to_list(),
            lambda v: kpi_text(kpi, v),
            threshold=threshold(kpi),
            breach_below=kpi.min is not None,
        )
    )
    if alerts:
        part.notes.append(
            words(lang, "未达标：", "Outside the threshold: ")
            + words(lang, "；", "; ").join(a.words(lang) for a in alerts)
        )
    return part, alerts


def _channel_name(channels, code: str, lang: str) -> str:
    channel = channels.get(code)
    if channel is None:
        return code
    return channel.zh if lang == "zh" else channel.en
