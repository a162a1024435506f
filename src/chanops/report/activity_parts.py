"""The report's activity parts: the campaign funnel, why orders failed, points,
e-channel preference, and customers kept or at risk. Each is drawn from the results of the
tasks the commands run (funnel, failures, points summary, prefer summary and targets,
lifecycle, kpi by region); a task finding no data raises NoData and build.py puts a line
saying so in the part's place."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

from chanops.analysis.failures import ALL, FailuresRequest
from chanops.analysis.lifecycle import biggest_drops, stage_list
from chanops.analysis.retention import retention_view
from chanops.engines import polars_frame
from chanops.errors import NoData
from chanops.months import add_months
from chanops.points import reconcile as points
from chanops.present.labels import value_words
from chanops.present.numbers import amount_text, percent_text, points_text
from chanops.present.output import Section
from chanops.report import charts
from chanops.report.kpi_parts import Built, month_alerts
from chanops.report.model import Part, title, words
from chanops.slices import Slices, keep_sliced
from chanops.tasks import activity, customers
from chanops.tasks import points as points_tasks

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.kpi.evaluate import KpiResult


def funnel_part(session, month: str, config: Config, lang: str) -> Built:
    """Contacted → reached → converted over all waves as a chart, each wave's part beside it;
    the per-campaign rows are folded away. Both tables are the funnel command's sections."""
    result = activity.run_funnel(session, config, activity.FunnelRequest(month))
    _month, frame, waves = result.value
    if waves.is_empty():  # only unattributed orders: no campaign reached anyone this month
        raise NoData(f"no campaign contacts in {month}")
    by_campaign, by_wave = result.sections
    totals = waves.select(pl.col("contacted", "reached", "converted").sum()).row(0)
    stages = list(zip(words(lang, "接触 触达 转化", "Contacted Reached Converted").split(), totals, strict=True))
    part = Part(
        "funnel",
        title("funnel", lang),
        [_titled(by_wave, "funnel_by_wave")],
        folded=[_titled(by_campaign, "funnel")],
    )
    part.charts.append(charts.funnel(words(lang, "营销漏斗（各波次合计）", "Funnel, all waves"), stages, percent_text))
    wave_names = [words(lang, f"第{w}波", f"Wave {w}") for w in waves["wave"].to_list()]
    part.charts.append(
        charts.grouped_bars(
            words(lang, "各波次转化贡献", "Conversions by wave"),
            wave_names,
            {words(lang, "转化占比", "Share of conversions"): waves["wave_share"].to_list()},
            percent_text,
        )
    )
    contacted, reached, converted = totals
    part.summary = [
        words(
            lang,
            f"营销接触 {contacted:,} 人次，触达 {reached:,}，转化 {converted:,}",
            f"Campaigns contacted {contacted:,}, reached {reached:,}, converted {converted:,}",
        )
    ]
    return part, []


def failures_part(session, month: str, config: Config, lang: str) -> Built:
    """Why orders failed: the reasons over all products, the mutual-exclusion pairs behind most
    of them, and the focus product's online success rate over six months — the failures
    command's sections for the month, and for the six months of the focus product."""
    analysis = activity.run_failures(session, config, FailuresRequest(month=month, top=10)).value
    reasons = analysis.by_reason.filter(pl.col("product") == ALL).drop("product")
    part = Part(
        "failures",
        title("failures", lang),
        [
            Section(reasons, "fail_reasons", percent=("share",)),
            Section(analysis.conflict_pairs, "conflict_pairs"),
            Section(analysis.conflict_share, "conflict_share", percent=("conflict_share",)),
        ],
        # the (all) rows are the table above; the folded one holds each product's own
        folded=[
            Section(analysis.by_reason.filter(pl.col("product") != ALL), "fail_reasons_by_product", percent=("share",))
        ],
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "失败原因占比", "Failure reasons"),
            reasons["fail_reason"].to_list(),
            reasons["share"].to_list(),
            percent_text,
        )
    )
    overall = analysis.by_product.filter(pl.col("product") == ALL)
    if overall.height:
        attempts, failed = overall["attempts"][0], overall["failures"][0]
        top = reasons.row(0, named=True) if reasons.height else None
        line = words(lang, f"办理 {attempts:,} 笔，失败 {failed:,} 笔", f"{attempts:,} orders, {failed:,} failed")
        if top:
            line += words(
                lang,
                f"；首要原因：{top['fail_reason']}（{percent_text(top['share'])}）",
                f"; first reason: {top['fail_reason']} ({percent_text(top['share'])})",
            )
        part.summary.append(line)
    if analysis.conflict_pairs.height:
        pair = analysis.conflict_pairs.row(0, named=True)
        part.summary.append(
            words(
                lang,
                f"最多的互斥：{pair['product']} ↔ {pair['conflict_product']}（{pair['failed_orders']:,} 笔）",
                f"Most frequent conflict: {pair['product']} ↔ {pair['conflict_product']} "
                f"({pair['failed_orders']:,} orders)",
            )
        )
    _focus_trend(session, month, config, lang, part)
    return part, []


def _focus_trend(session, month: str, config: Config, lang: str, part: Part) -> None:
    months = [add_months(month, -k) for k in range(5, -1, -1)]
    product = config.report.focus_product
    request = FailuresRequest(first=months[0], last=month, product=product, online_only=True)
    try:
        trend = activity.run_failures(session, config, request).value.by_product
    except NoData:
        part.notes.append(words(lang, f"{product}：六个月内无线上订单", f"{product}: no online orders in six months"))
        return
    rates = dict(zip(trend["month"].to_list(), trend["success_rate"].to_list(), strict=True))
    name = words(lang, f"{product} 线上办理成功率", f"{product} online success rate")
    part.charts.append(charts.line_chart(name, months, {name: [rates.get(m) for m in months]}, lang=lang))
    part.tables.append(Section(trend, "focus_trend", percent=("success_rate", "prev_success_rate"), points=("change",)))
    latest = trend.filter(pl.col("month") == month)
    if latest.height and latest["prev_success_rate"][0] is not None:
        row = latest.row(0, named=True)
        part.summary.append(
            f"{name}: {percent_text(row['prev_success_rate'])} → {percent_text(row['success_rate'])} "
            f"({points_text(row['change'])})"
        )


def points_part(
    session, month: str, config: Config, lang: str, budget: Decimal | None, slices: Slices | None = None
) -> Built:
    """The month's statement (top 20), the points summary by region and store — whose whole-month
    row gives the line's match rate ((valid + no_rule) / claims, SPEC §6.5) — budget use and
    unclaimed records. With a region's `slices`, its staff and claims out of the whole
    month's judgement (as `points … --region`); unclaimed records carry no region and are
    left to the province's report."""
    slices = slices or Slices()
    statement = polars_frame(keep_sliced(points.statement(session, month, config.points, budget), slices))
    top = statement.head(20).select(
        "rank", "staff_id", "staff_name", "store", "valid", "earned", "deductions", "net", "payout"
    )
    summary = points_tasks.PointsSummaryRequest
    region_summary = points_tasks.run_summary(session, config, summary(month, "region", slices))
    by_region, total = (polars_frame(t) for t in region_summary.value)
    by_store = points_tasks.run_summary(session, config, summary(month, "store", slices))
    paid, net = statement["payout"].sum(), statement["net"].sum()
    claims, match_rate = int(total["claims"][0]), total["match_rate"][0]
    line = words(
        lang,
        f"{statement.height:,} 名营业员，净积分 {amount_text(net)}，奖励 {amount_text(paid)}；"
        f"录入 {claims:,} 笔，匹配率 {percent_text(match_rate)}",
        f"{statement.height:,} staff, net points {amount_text(net)}, payout {amount_text(paid)}; "
        f"{claims:,} claims, match rate {percent_text(match_rate)}",
    )
    if not slices:
        unclaimed = points_tasks.run_unclaimed(session, config, points_tasks.PointsMonth(month)).value.num_rows
        line += words(lang, f"；未被认领的有效记录 {unclaimed:,} 条", f"; {unclaimed:,} valid records nobody claimed")
    notes = [line]
    if budget is not None:
        use = float(paid) / float(budget) if budget else 0.0
        whose = words(lang, "（全区预算）", " (the province's budget)") if slices else ""
        notes.append(
            words(lang, "预算使用：", "Budget used: ") + f"{paid:,.2f} / {budget:,.2f}{whose} ({percent_text(use, 1)})"
        )
    part = Part(
        "points",
        title("points", lang),
        [
            Section(top, "points_top20"),
            Section(by_region, "points_by_region", percent=("match_rate",)),
            Section(total, "points_total", percent=("match_rate",)),
        ],
        notes=notes,
        summary=list(notes),
        folded=[_titled(by_store.sections[0], "points_by_store")],
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "分区域积分", "Points earned by region"),
            by_region["region"].to_list(),
            [float(v) for v in by_region["earned"].to_list()],
            amount_text,
            keep_order=True,  # the 盟市 in their official order
        )
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "分区域匹配率", "Match rate by region"),
            by_region["region"].to_list(),
            by_region["match_rate"].to_list(),
            percent_text,
            keep_order=True,  # the 盟市 in their official order
        )
    )
    return part, []


def prefer_part(session, month: str, config: Config, lang: str) -> Built:
    """Penetration of each e-channel and the customers to promote the app to: the prefer
    summary and targets commands' results."""
    channels = config.channels
    summary_result = customers.run_prefer_summary(session, config, customers.PreferSummaryRequest(month, lang))
    summary = polars_frame(summary_result.value)
    names = value_words(lang, channels)["channel"]
    part = Part("prefer", title("prefer", lang), [_titled(summary_result.sections[0], "channels")])
    part.notes += summary_result.notes  # the months each column counts
    part.charts.append(
        charts.ranked_bars(
            words(lang, "电子渠道普及率", "E-channel penetration"),
            [names.get(c, c) for c in summary["channel"].to_list()],
            summary["penetration"].to_list(),
            percent_text,
        )
    )
    target = "app" if "app" in channels and channels["app"].electronic else summary["channel"][0]
    targets = customers.run_targets(session, config, customers.TargetsRequest(target, month, top=10))
    part.tables.append(_titled(targets.sections[0], f"targets_{target}"))
    return part, []


def customers_part(session, month: str, config: Config, lang: str, regional: KpiResult | None) -> Built:
    """Retention by region against the base month (the kpi result by region the 盟市 part
    shows), the lifecycle stages, and the customers whose revenue fell most."""
    stages_result = customers.run_lifecycle(session, config, customers.LifecycleRequest(month))
    stages = polars_frame(stages_result.value)
    tables = []
    alerts = []
    if regional is not None and {k.id for k in regional.kpis} & {"user_retention", "revenue_retention"}:
        kept = (
            polars_frame(retention_view(regional.frame, add_months(month, -1)))
            .filter(pl.col("region").is_not_null())
            .drop("month")  # the report's month, on every row; the 盟市 in the kpi result's official order
        )
        tables.append(Section(kept, "retention", percent=("user_retention", "revenue_retention")))
        retention_ids = ("user_retention", "revenue_retention")
        alerts = [a for a in month_alerts(regional, month, config) if a.subject in retention_ids]
    at_risk = polars_frame(biggest_drops(stage_list(session, month, "at_risk"), 10))
    tables += [_titled(stages_result.sections[0], "lifecycle"), Section(at_risk, "at_risk_top10")]
    stage_names = value_words(lang, config.channels)["stage"]
    part = Part("customers", title("customers", lang), tables)
    part.charts.append(
        charts.grouped_bars(
            words(lang, "客户生命周期分布", "Customers by lifecycle stage"),
            [stage_names.get(s, s) for s in stages["stage"].to_list()],
            {words(lang, "客户数", "Customers"): [float(v) for v in stages["customers"].to_list()]},
            amount_text,
        )
    )
    if tables[0].title == "retention":
        kept = tables[0].polars()
        part.charts.append(
            charts.ranked_bars(
                words(lang, "分盟市收入保有率", "Revenue retention by region"),
                kept["region"].to_list(),
                kept["revenue_retention"].to_list(),
                percent_text,
                keep_order=True,  # the 盟市 in their official order
            )
        )
    return part, alerts


def _titled(section: Section, name: str) -> Section:
    """A task's section under the report's name for it (its sheet and heading). The report goes
    to managers, not to dispatch teams: none of its tables is a dispatch list."""
    return replace(section, title=name, dispatch=False)
