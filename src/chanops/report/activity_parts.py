"""The report's activity parts: the campaign funnel, why orders failed, points,
e-channel preference, and customers kept or at risk. Each raises NoData when its data
is not loaded, and the report leaves it out."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

from chanops.analysis import failures, funnel, lifecycle, prefer, retention
from chanops.months import add_months
from chanops.points import reconcile as points
from chanops.present.labels import value_words
from chanops.present.numbers import amount_text, percent_text, points_text
from chanops.present.output import Section
from chanops.report import charts
from chanops.report.model import Part, title, words

if TYPE_CHECKING:
    from chanops.config import Config


def funnel_part(con, month: str, lang: str) -> Part | None:
    """Contacted → reached → converted over all waves as a chart, each wave's part beside it;
    the per-campaign rows are folded away."""
    frame = funnel.funnel(con, month)
    if frame.is_empty():
        return None
    waves = (
        frame.filter(pl.col("wave").str.contains(r"^\d+$"))
        .group_by("wave")
        .agg(pl.col("contacted", "reached", "converted").sum())
        .with_columns(
            reach_rate=pl.col("reached") / pl.col("contacted"),
            conversion_rate=pl.col("converted") / pl.col("reached"),
            wave_share=pl.when(pl.col("converted").sum() > 0).then(pl.col("converted") / pl.col("converted").sum()),
        )
        .sort(pl.col("wave").cast(pl.Int64))
    )
    totals = waves.select(pl.col("contacted", "reached", "converted").sum()).row(0)
    stages = list(zip(words(lang, "接触 触达 转化", "Contacted Reached Converted").split(), totals, strict=True))
    part = Part(
        "funnel",
        title("funnel", lang),
        [Section(waves, "funnel_by_wave", percent=("reach_rate", "conversion_rate", "wave_share"))],
        folded=[Section(frame, "funnel", percent=("reach_rate", "conversion_rate", "wave_share"))],
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
    reach = percent_text(reached / contacted if contacted else 0)
    part.summary = [
        words(
            lang,
            f"营销接触 {contacted:,} 人次，触达 {reached:,}（{reach}），转化 {converted:,}",
            f"Campaigns contacted {contacted:,}, reached {reached:,} ({reach}), converted {converted:,}",
        )
    ]
    return part


def failures_part(con, month: str, config: Config, lang: str) -> Part | None:
    """Why orders failed: the reasons, the mutual-exclusion pairs behind most of them, and the
    focus product's online success rate over six months."""
    channels = config.channels
    analysis = failures.analyse_failures(con, [month], channels, top=10)
    if analysis.by_product.is_empty():
        return None
    reasons = (
        analysis.by_reason.group_by("fail_reason")
        .agg(pl.col("failures").sum())
        .with_columns(share=pl.col("failures") / pl.col("failures").sum())
        .sort(["failures", "fail_reason"], descending=[True, False])
    )
    part = Part(
        "failures",
        title("failures", lang),
        [
            Section(reasons, "fail_reasons", percent=("share",)),
            Section(analysis.conflict_pairs, "conflict_pairs"),
            Section(analysis.conflict_share, "conflict_share", percent=("conflict_share",)),
        ],
        folded=[Section(analysis.by_reason, "fail_reasons_by_product", percent=("share",))],
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "失败原因占比", "Failure reasons"),
            reasons["fail_reason"].to_list(),
            reasons["share"].to_list(),
            percent_text,
        )
    )
    overall = analysis.by_product.filter(pl.col("product") == "(all)")
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
    _focus_trend(con, month, config, lang, part)
    return part


def _focus_trend(con, month: str, config: Config, lang: str, part: Part) -> None:
    months = [add_months(month, -k) for k in range(5, -1, -1)]
    product = config.report.focus_product
    trend = failures.analyse_failures(con, months, config.channels, product=product, online_only=True).by_product
    if trend.is_empty():
        return
    rates = dict(zip(trend["month"].to_list(), trend["success_rate"].to_list(), strict=True))
    name = words(lang, f"{product} 线上办理成功率", f"{product} online success rate")
    part.charts.append(charts.line_chart(name, months, {name: [rates.get(m) for m in months]}))
    part.tables.append(Section(trend, "focus_trend", percent=("success_rate", "prev_success_rate"), points=("change",)))
    latest = trend.filter(pl.col("month") == month)
    if latest.height and latest["prev_success_rate"][0] is not None:
        row = latest.row(0, named=True)
        part.summary.append(
            f"{name}: {percent_text(row['prev_success_rate'])} → {percent_text(row['success_rate'])} "
            f"({points_text(row['change'])})"
        )


def points_part(con, month: str, config: Config, lang: str, budget: Decimal | None) -> Part:
    """The month's statement: the top 20, stores and regions, budget use and unclaimed records."""
    statement = pl.from_arrow(points.statement(con, month, config.points, budget))
    top = statement.head(20).select(
        "rank", "staff_id", "staff_name", "store", "valid", "earned", "deductions", "net", "payout"
    )
    by_region = pl.from_arrow(points.summary(con, month, "region")).sort("earned", descending=True)
    unclaimed = points.unclaimed(con, month).num_rows
    paid, net = statement["payout"].sum(), statement["net"].sum()
    claims, valid = int(by_region["claims"].sum()), int(by_region["valid"].sum())
    notes = [
        words(
            lang,
            f"{statement.height:,} 名营业员，净积分 {amount_text(net)}，奖励 {amount_text(paid)}；"
            f"录入 {claims:,} 笔，匹配率 {percent_text(valid / claims if claims else 0)}；"
            f"未被认领的有效记录 {unclaimed:,} 条",
            f"{statement.height:,} staff, net points {amount_text(net)}, payout {amount_text(paid)}; "
            f"{claims:,} claims, match rate {percent_text(valid / claims if claims else 0)}; "
            f"{unclaimed:,} valid records nobody claimed",
        )
    ]
    if budget is not None:
        use = float(paid) / float(budget) if budget else 0.0
        notes.append(
            words(lang, "预算使用：", "Budget used: ") + f"{paid:,.2f} / {budget:,.2f} ({percent_text(use, 1)})"
        )
    part = Part(
        "points",
        title("points", lang),
        [
            Section(top, "points_top20"),
            Section(by_region, "points_by_region", percent=("match_rate",)),
        ],
        notes=notes,
        summary=list(notes),
        folded=[
            Section(pl.from_arrow(points.summary(con, month, "store")), "points_by_store", percent=("match_rate",))
        ],
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "分区域积分", "Points earned by region"),
            by_region["region"].to_list(),
            [float(v) for v in by_region["earned"].to_list()],
            amount_text,
        )
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "分区域匹配率", "Match rate by region"),
            by_region["region"].to_list(),
            by_region["match_rate"].to_list(),
            percent_text,
        )
    )
    return part


def prefer_part(con, month: str, config: Config, lang: str) -> Part:
    """Penetration of each e-channel and the customers to promote the app to."""
    channels = config.channels
    summary = pl.from_arrow(prefer.summary(con, month, config.prefer, channels))
    names = value_words(lang, channels)["channel"]
    part = Part("prefer", title("prefer", lang), [Section(summary, "channels", percent=("penetration",))])
    part.notes.append(prefer.window_note(month, config.prefer, lang))  # the months each column counts
    part.charts.append(
        charts.ranked_bars(
            words(lang, "电子渠道普及率", "E-channel penetration"),
            [names.get(c, c) for c in summary["channel"].to_list()],
            summary["penetration"].to_list(),
            percent_text,
        )
    )
    target = "app" if "app" in channels and channels["app"].electronic else summary["channel"][0]
    targets = pl.from_arrow(prefer.targets(con, month, target, config.prefer, channels, top=10))
    part.tables.append(Section(targets, f"targets_{target}"))
    return part


def customers_part(con, month: str, config: Config, lang: str) -> Part:
    """Retention by region against the base month, the lifecycle stages, and the customers
    whose revenue fell most."""
    stages = pl.from_arrow(lifecycle.lifecycle(con, month))
    kept = (
        pl.from_arrow(retention.retention_table(con, config.kpis, config.channels, month, dims=["region"]))
        .filter(pl.col("region").is_not_null())
        .drop("month")  # the report's month, on every row
        .sort(["revenue_retention", "region"], descending=[True, False], nulls_last=True)
    )
    at_risk = (
        pl.from_arrow(lifecycle.stage_list(con, month, "at_risk"))
        .with_columns(drop=pl.col("prior_mean") - pl.col("revenue"))
        .sort(["drop", "msisdn"], descending=[True, False])
        .head(10)
        .drop("drop")
    )
    stage_names = value_words(lang, config.channels)["stage"]
    part = Part(
        "customers",
        title("customers", lang),
        [
            Section(kept, "retention", percent=("user_retention", "revenue_retention")),
            Section(stages, "lifecycle", percent=("share",)),
            Section(at_risk, "at_risk_top10"),
        ],
    )
    part.charts.append(
        charts.grouped_bars(
            words(lang, "客户生命周期分布", "Customers by lifecycle stage"),
            [stage_names.get(s, s) for s in stages["stage"].to_list()],
            {words(lang, "客户数", "Customers"): [float(v) for v in stages["customers"].to_list()]},
            amount_text,
        )
    )
    part.charts.append(
        charts.ranked_bars(
            words(lang, "分盟市收入保有率", "Revenue retention by region"),
            kept["region"].to_list(),
            kept["revenue_retention"].to_list(),
            percent_text,
        )
    )
    return part
