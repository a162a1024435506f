"""The report's KPI parts: the six-month trend, the 盟市 ranking and the touchpoints."""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from chanops.kpi.catalog import Kpi
from chanops.kpi.evaluate import Breach, evaluate
from chanops.kpi.view import kpi_units
from chanops.present.numbers import kpi_text, percent_text
from chanops.present.output import Section
from chanops.report import charts
from chanops.report.model import Part, title, words

if TYPE_CHECKING:
    from chanops.config import Config

TREND_KPIS = (
    "online_share",
    "order_success_rate",
    "e_channel_share",
    "e_channel_penetration",
    "outbound_connect_rate",
    "outbound_success_rate",
    "platform_success_rate",
    "complaint_rate_per_million",
)
REGION_KPIS = (
    "online_share",
    "order_success_rate",
    "e_channel_share",
    "platform_success_rate",
    "outbound_connect_rate",
    "outbound_success_rate",
)


def name(kpi: Kpi, lang: str) -> str:
    return kpi.zh if lang == "zh" else kpi.en


def threshold(kpi: Kpi) -> float | None:
    return kpi.min if kpi.min is not None else kpi.max


def trend(config: Config, lang: str, months: list[str], history: dict[str, dict]) -> Part | None:
    """One small chart per KPI, each on its own fitted axis: a 1.5% platform rate and a 45%
    online share cannot share a scale and both show their moves."""
    if len(history) < 2:
        return None
    catalog = config.kpis
    ids = [k for k in TREND_KPIS if k in catalog] + [k for k in catalog if not catalog[k].builtin]
    part = Part("trend", title("trend", lang))
    for kpi_id in ids:
        kpi = catalog[kpi_id]
        values = [history.get(m, {}).get(kpi_id) for m in months]
        if sum(v is not None for v in values) < 2:
            continue
        part.charts.append(
            charts.line_chart(name(kpi, lang), months, {name(kpi, lang): values}, kpi.format == "pct", threshold(kpi))
        )
    rows = [{"month": m, **{k: history[m].get(k) for k in ids}} for m in months if m in history]
    percent = [k for k in ids if catalog[k].format == "pct"]
    units = kpi_units([catalog[k] for k in ids])  # complaints per million named as such
    part.tables.append(Section(pl.DataFrame(rows, infer_schema_length=None), "trend", percent=percent, units=units))
    return part


def by_region(con, month: str, config: Config, lang: str) -> tuple[Part, list[Breach]]:
    """Each KPI's 盟市 ranked best first, its threshold drawn and the regions breaching it in
    red; the table marks the same cells."""
    catalog = config.kpis
    ids = [k for k in REGION_KPIS if k in catalog]
    result = evaluate(con, catalog, config.channels, [month], ["region"], ids)
    frame = (
        pl.from_arrow(result.frame)
        .filter(pl.col("region").is_not_null())
        .select(["region", *ids])
        .sort([ids[0], "region"], descending=[True, False], nulls_last=True)
    )
    regions = frame["region"].to_list()
    breached = [b for b in result.breached if b.where]
    marked = {(regions.index(dict(b.where)["region"]), b.kpi.id) for b in breached}
    part = Part("region", title("region", lang), [Section(frame, "by_region", percent=ids, marked=frozenset(marked))])
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
                lambda v, k=kpi: kpi_text(k, v),
                threshold=line,
                breach_below=kpi.min is not None,
                threshold_label=label,
            )
        )
    if breached:
        joiner = words(lang, "；", "; ")
        part.notes.append(
            words(lang, "未达标：", "Outside the threshold: ") + joiner.join(b.words(lang) for b in breached)
        )
        part.summary = [b.words(lang) for b in breached]
    return part, breached


def by_touchpoint(con, month: str, config: Config, lang: str) -> Part | None:
    """Orders, successes and success rate per touchpoint, ranked by its share of successes."""
    channels = config.channels
    result = evaluate(con, config.kpis, channels, [month], ["channel"], ["order_success_rate"])
    frame = (
        pl.from_arrow(result.frame)
        .select(
            "channel",
            pl.col("order_success_rate_den").alias("attempts"),
            pl.col("order_success_rate_num").alias("successes"),
            pl.col("order_success_rate").alias("success_rate"),
        )
        .filter(pl.col("attempts") > 0)
    )
    if frame.is_empty():
        return None
    frame = frame.with_columns(share=pl.col("successes") / pl.col("successes").sum()).sort("successes", descending=True)
    labels = [_channel_name(channels, c, lang) for c in frame["channel"].to_list()]
    part = Part(
        "touchpoint", title("touchpoint", lang), [Section(frame, "by_touchpoint", percent=("success_rate", "share"))]
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "成功办理占比", "Share of successful orders"), labels, frame["share"].to_list(), percent_text
        )
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "办理成功率", "Success rate"), labels, frame["success_rate"].to_list(), percent_text
        )
    )
    return part


def _channel_name(channels, code: str, lang: str) -> str:
    channel = channels.get(code)
    if channel is None:
        return code
    return channel.zh if lang == "zh" else channel.en
