"""The monthly report: what a cron job writes on the 1st and managers read.

`build_report(con, config, ReportRequest(...))` gathers the parts from the library —
KPIs, funnel, failures, points, preference, retention and lifecycle — each only when
its data is loaded, with the same Config the commands use (so a [points] deduction or
a [prefer] weight reads the same in the report as in `chanops points statement`);
present/render.py turns the Report into HTML (inline SVG charts), XLSX and Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from chanops.analysis import failures, funnel, lifecycle, prefer, retention
from chanops.errors import NoData
from chanops.kpi.catalog import Kpi
from chanops.kpi.evaluate import evaluate
from chanops.kpi.view import long_view
from chanops.months import add_months
from chanops.points import reconcile as points
from chanops.present import charts
from chanops.present.numbers import kpi_text, percent_text
from chanops.present.output import Section
from chanops.store.completeness import CheckResult, check_month
from chanops.store.coverage import months_with_data, resolve_months

if TYPE_CHECKING:
    from chanops.config import Config

TITLES = {
    "completeness": ("数据完整性检查", "Data completeness"),
    "headline": ("核心指标", "Headline KPIs"),
    "trend": ("近六个月趋势", "Six-month trend"),
    "region": ("分盟市指标", "KPIs by region"),
    "touchpoint": ("分触点办理", "Orders by touchpoint"),
    "funnel": ("多波次营销漏斗", "Campaign funnel by wave"),
    "failures": ("办理失败分析", "Failure analysis"),
    "points": ("新业务积分", "Points"),
    "prefer": ("电子渠道偏好", "Channel preference"),
    "customers": ("保有与生命周期", "Retention and lifecycle"),
}
TREND_GROUPS = {
    "shares": ("online_share", "order_success_rate", "e_channel_share"),
    "outbound": ("outbound_connect_rate", "outbound_success_rate", "platform_success_rate"),
}
REGION_KPIS = (
    "online_share",
    "order_success_rate",
    "e_channel_share",
    "platform_success_rate",
    "outbound_connect_rate",
    "outbound_success_rate",
)


@dataclass(frozen=True)
class ReportRequest:
    """A monthly report: the month (default: the latest with data), the labels' language,
    and a points budget to show its use."""

    month: str | None = None
    lang: str = "zh"
    points_budget: Decimal | None = None


@dataclass
class Part:
    key: str
    title: str
    tables: list[Section] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    month: str
    lang: str
    parts: list[Part]
    headline: list[dict]  # kpi, value, previous, change (display strings) and the raw change, for Markdown
    breaches: list[str]
    check: CheckResult | None = None  # the data-completeness check run before anything else

    @property
    def title(self) -> str:
        return f"渠道运营月报 {self.month}" if self.lang == "zh" else f"Channel operations report {self.month}"


def _t(key: str, lang: str) -> str:
    zh, en = TITLES[key]
    return zh if lang == "zh" else en


def _label(kpi: Kpi, lang: str) -> str:
    return kpi.zh if lang == "zh" else kpi.en


STEP_COUNT = 10  # the steps build_report tells `progress`: completeness, headline, eight parts


def build_report(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    request: ReportRequest,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Every part whose data is loaded for the month. No data for the month at all is NoData."""
    [month] = resolve_months(con, request.month)
    if month not in months_with_data(con, [month]):
        raise NoData(f"no data for {month}: nothing to report")
    lang = request.lang
    step = progress or (lambda _message: None)
    step("data completeness")
    check = check_month(con, month, config.check)
    parts: list[Part] = [_completeness(check, lang)]
    step("headline KPIs")
    headline, breaches, first = _headline(con, month, config, lang)
    parts.append(first)
    builders = [
        ("trend", lambda: _trend(con, month, config, lang)),
        ("region", lambda: _by_region(con, month, config, lang)),
        ("touchpoint", lambda: _by_touchpoint(con, month, config, lang)),
        ("funnel", lambda: _funnel(con, month, lang)),
        ("failures", lambda: _failures(con, month, config, lang)),
        ("points", lambda: _points(con, month, config, lang, request.points_budget)),
        ("prefer", lambda: _prefer(con, month, config, lang)),
        ("customers", lambda: _customers(con, month, config, lang)),
    ]
    for key, build in builders:
        step(_t(key, "en").lower())
        try:
            part = build()
        except NoData:
            part = None  # this part's data is not loaded: the report leaves it out
        if part is not None:
            parts.append(part)
    return Report(month, lang, parts, headline, breaches, check)


def _completeness(check: CheckResult, lang: str) -> Part:
    """The check's result at the top of the report: one line saying whether the month can be
    trusted, then every test."""
    breached = len(check.breaches)
    if lang == "zh":
        summary = "全部检查通过" if not breached else f"{breached} 项检查未通过：本月数据可能不完整，请核实后再使用"
    else:
        summary = "every test passed" if not breached else f"{breached} test(s) breached: the month may be incomplete"
    table = pl.from_arrow(check.for_people(lang))
    return Part("completeness", _t("completeness", lang), [Section(table, "completeness")], notes=[summary])


def _headline(con, month, config, lang) -> tuple[list[dict], list[str], Part]:
    result = evaluate(con, config.kpis, config.channels, [month], compare="prev")
    table = long_view(result, lang).drop("month")
    rows = []
    [record] = result.frame.to_pylist()
    for kpi in result.kpis:
        rows.append(
            {
                "kpi": _label(kpi, lang),
                "value": kpi_text(kpi, record[kpi.id]),
                "previous": kpi_text(kpi, record[f"{kpi.id}_prev"]),
                "change": kpi_text(kpi, record[f"{kpi.id}_change"], change=True),
                "raw_change": record[f"{kpi.id}_change"],
                "is_rate": kpi.format == "pct",
            }
        )
    part = Part("headline", _t("headline", lang), [Section(table, "headline")])
    return rows, result.breaches, part


def _trend(con, month, config, lang) -> Part | None:
    catalog = config.kpis
    months = [add_months(month, -k) for k in range(5, -1, -1)]
    present = [m for m in months if m in months_with_data(con, months)]
    if len(present) < 2:
        return None
    ids = [k for group in TREND_GROUPS.values() for k in group if k in catalog]
    result = evaluate(con, catalog, config.channels, present, metric_ids=ids)
    by_month = {r["month"]: r for r in result.frame.to_pylist()}
    part = Part("trend", _t("trend", lang))
    for group in TREND_GROUPS.values():
        series = {_label(catalog[k], lang): [by_month.get(m, {}).get(k) for m in months] for k in group if k in catalog}
        part.charts.append(charts.line_chart(_t("trend", lang), months, series))
    part.tables.append(Section(pl.from_arrow(result.frame).select(["month", *ids]), "trend", percent=ids))
    return part


def _by_region(con, month, config, lang) -> Part:
    catalog = config.kpis
    ids = [k for k in REGION_KPIS if k in catalog]
    result = evaluate(con, catalog, config.channels, [month], ["region"], ids)
    frame = pl.from_arrow(result.frame).filter(pl.col("region").is_not_null()).select(["region", *ids])
    part = Part("region", _t("region", lang), [Section(frame, "by_region", percent=ids)])
    part.charts.append(
        charts.bar_chart(
            _label(catalog["online_share"], lang), frame["region"].to_list(), frame["online_share"].to_list()
        )
    )
    return part


def _by_touchpoint(con, month, config, lang) -> Part | None:
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
    labels = [channels[c].zh if lang == "zh" and c in channels else c for c in frame["channel"].to_list()]
    part = Part(
        "touchpoint", _t("touchpoint", lang), [Section(frame, "by_touchpoint", percent=("success_rate", "share"))]
    )
    part.charts.append(charts.bar_chart(_t("touchpoint", lang), labels, frame["share"].to_list()))
    return part


def _funnel(con, month, lang) -> Part | None:
    frame = funnel.funnel(con, month)
    if frame.is_empty():
        return None
    return Part(
        "funnel",
        _t("funnel", lang),
        [Section(frame, "funnel", percent=("reach_rate", "conversion_rate", "wave_share"))],
    )


def _failures(con, month, config, lang) -> Part | None:
    channels = config.channels
    analysis = failures.analyse_failures(con, [month], channels, top=10)
    if analysis.by_product.is_empty():
        return None
    part = Part(
        "failures",
        _t("failures", lang),
        [
            Section(analysis.conflict_pairs, "conflict_pairs"),
            Section(analysis.conflict_share, "conflict_share", percent=("conflict_share",)),
        ],
    )
    months = [add_months(month, -k) for k in range(5, -1, -1)]
    product = config.report.focus_product
    trend = failures.analyse_failures(con, months, channels, product=product, online_only=True).by_product
    if not trend.is_empty():
        rates = dict(zip(trend["month"].to_list(), trend["success_rate"].to_list(), strict=True))
        name = f"{product} 线上办理成功率" if lang == "zh" else f"{product} online success rate"
        part.charts.append(charts.line_chart(name, months, {name: [rates.get(m) for m in months]}))
        part.tables.append(
            Section(trend, "focus_trend", percent=("success_rate", "prev_success_rate"), points=("change",))
        )
    return part


def _points(con, month, config, lang, budget) -> Part:
    statement = pl.from_arrow(points.statement(con, month, config.points, budget))
    top = statement.head(20).select(
        "rank", "staff_id", "staff_name", "store", "valid", "earned", "deductions", "net", "payout"
    )
    unclaimed = points.unclaimed(con, month).num_rows
    paid = statement["payout"].sum()
    notes = [("未被认领的有效记录：" if lang == "zh" else "Valid records nobody claimed: ") + f"{unclaimed:,}"]
    if budget is not None:
        use = float(paid) / float(budget) if budget else 0.0
        used = f"{paid:,.2f} / {budget:,.2f} ({percent_text(use, 1)})"
        notes.append(("预算使用：" if lang == "zh" else "Budget used: ") + used)
    return Part(
        "points",
        _t("points", lang),
        [
            Section(top, "points_top20"),
            Section(pl.from_arrow(points.summary(con, month, "store")), "points_by_store", percent=("match_rate",)),
            Section(pl.from_arrow(points.summary(con, month, "region")), "points_by_region", percent=("match_rate",)),
        ],
        notes=notes,
    )


def _prefer(con, month, config, lang) -> Part:
    channels = config.channels
    summary = pl.from_arrow(prefer.summary(con, month, config.prefer, channels))
    part = Part("prefer", _t("prefer", lang), [Section(summary, "channels", percent=("penetration",))])
    labels = [channels[c].zh if lang == "zh" else channels[c].en for c in summary["channel"].to_list()]
    part.charts.append(charts.bar_chart(_t("prefer", lang), labels, summary["penetration"].to_list()))
    target = "app" if "app" in channels and channels["app"].electronic else summary["channel"][0]
    targets = pl.from_arrow(prefer.targets(con, month, target, config.prefer, channels, top=10))
    part.tables.append(Section(targets, f"targets_{target}"))
    return part


def _customers(con, month, config, lang) -> Part:
    stages = pl.from_arrow(lifecycle.lifecycle(con, month))
    kept = retention.retention_table(con, config.kpis, config.channels, month, dims=["region"])
    at_risk = pl.from_arrow(lifecycle.stage_list(con, month, "at_risk"))
    at_risk = (
        at_risk.with_columns(drop=pl.col("prior_mean") - pl.col("revenue"))
        .sort(["drop", "msisdn"], descending=[True, False])
        .head(10)
        .drop("drop")
    )
    return Part(
        "customers",
        _t("customers", lang),
        [
            Section(pl.from_arrow(kept), "retention", percent=("user_retention", "revenue_retention")),
            Section(stages, "lifecycle", percent=("share",)),
            Section(at_risk, "at_risk_top10"),
        ],
    )
