"""Display labels (zh, en) for the snake_case ids every machine format uses.

Tables, Markdown and XLSX show these; CSV/JSON/Parquet keep the ids, which are
the stable interface for pipelines. A column without an entry shows its id.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

LABELS: dict[str, tuple[str, str]] = {
    # dimensions
    "month": ("月份", "Month"),
    "region": ("地市", "Region"),
    "channel": ("渠道", "Channel"),
    "touchpoint": ("触点", "Touchpoint"),
    "product": ("产品", "Product"),
    "campaign_id": ("活动编号", "Campaign"),
    "wave": ("波次", "Wave"),
    "msisdn": ("手机号码", "MSISDN"),
    "store": ("营业厅", "Store"),
    "department": ("营业部", "Department"),
    "staff_id": ("工号", "Staff ID"),
    "staff_name": ("姓名", "Staff name"),
    # warehouse
    "kind": ("数据类型", "Kind"),
    "label": ("名称", "Name"),
    "rows": ("行数", "Rows"),
    "first_month": ("起始月份", "First month"),
    "last_month": ("截止月份", "Last month"),
    "months": ("月份数", "Months"),
    "loads": ("加载次数", "Loads"),
    "rejected": ("拒绝行数", "Rejected"),
    "load_id": ("批次", "Load"),
    "file": ("文件", "File"),
    "loaded_at": ("加载时间", "Loaded at"),
    "encoding": ("编码", "Encoding"),
    "rows_read": ("读取", "Read"),
    "rows_loaded": ("入库", "Loaded"),
    "rows_rejected": ("拒绝", "Rejected"),
    "line": ("行号", "Line"),
    "column": ("字段", "Column"),
    "value": ("值", "Value"),
    "reason": ("原因", "Reason"),
    "code": ("原因代码", "Code"),
    "count": ("数量", "Count"),
    # KPIs
    "kpi": ("指标", "KPI"),
    "id": ("编号", "ID"),
    "numerator": ("分子", "Numerator"),
    "denominator": ("分母", "Denominator"),
    "previous": ("对比值", "Compared"),
    "change": ("变化", "Change"),
    "compare_month": ("对比月份", "Compared month"),
    "dimensions": ("可切片维度", "Dimensions"),
    "format": ("格式", "Format"),
    "unit": ("单位", "Unit"),
    "min": ("下限", "Min"),
    "max": ("上限", "Max"),
    "zh": ("中文名", "Chinese"),
    "en": ("英文名", "English"),
    # funnel, quota, failures
    "contacted": ("接触用户数", "Contacted"),
    "reached": ("触达用户数", "Reached"),
    "converted": ("转化用户数", "Converted"),
    "reach_rate": ("触达率", "Reach rate"),
    "conversion_rate": ("转化率", "Conversion rate"),
    "cumulative_converted": ("累计转化", "Cumulative converted"),
    "wave_share": ("波次贡献", "Wave share"),
    "attributed_by": ("归因方式", "Attributed by"),
    "used": ("已用", "Used"),
    "quota": ("配额", "Quota"),
    "utilization": ("使用率", "Utilization"),
    "over_quota": ("超配额", "Over quota"),
    "attempts": ("办理笔数", "Attempts"),
    "failures": ("失败笔数", "Failures"),
    "success_rate": ("成功率", "Success rate"),
    "prev_success_rate": ("上月成功率", "Previous month"),
    "fail_reason": ("失败原因", "Failure reason"),
    "share": ("占比", "Share"),
    # explain: one side against the other (a month, or the province), segment by segment
    "w0": ("基准权重", "Base weight"),
    "w1": ("权重", "Weight"),
    "r0": ("基准值", "Base value"),
    "r1": ("值", "Value"),
    "mix": ("结构效应", "Mix effect"),
    "rate": ("比率效应", "Rate effect"),
    "total": ("合计效应", "Effect"),
    "share_of_change": ("占变化比重", "Share of change"),
    "why": ("原因", "Why"),
    "conflict_product": ("互斥产品", "Conflicting product"),
    "failed_orders": ("失败笔数", "Failed orders"),
    "users": ("用户数", "Users"),
    "rank_by_orders": ("按笔数排名", "Rank by orders"),
    "rank_by_users": ("按用户排名", "Rank by users"),
    "conflict_failures": ("互斥失败笔数", "Conflict failures"),
    "conflict_share": ("互斥占比", "Conflict share"),
    # points
    "entry_id": ("录入编号", "Entry"),
    "entry_time": ("录入时间", "Entry time"),
    "status": ("状态", "Status"),
    "test": ("检查项", "Test"),
    "figure": ("实际", "Figure"),
    "expectation": ("预期", "Expectation"),
    "detail": ("说明", "Detail"),
    "held_by": ("已被认领", "Held by"),
    "fee": ("资费", "Fee"),
    "earned": ("积分", "Earned"),
    "claims": ("录入笔数", "Claims"),
    "valid": ("有效", "Valid"),
    "invalid": ("无效", "Invalid"),
    "duplicate": ("重复", "Duplicate"),
    "contested": ("争议", "Contested"),
    "no_rule": ("无规则", "No rule"),
    "match_rate": ("匹配率", "Match rate"),
    "deductions": ("扣分", "Deductions"),
    "adjustments": ("调整", "Adjustments"),
    "net": ("净积分", "Net"),
    "payout": ("奖励金额", "Payout"),
    "rank": ("排名", "Rank"),
    "run_id": ("运行编号", "Run"),
    "created_at": ("时间", "Time"),
    "command": ("命令", "Command"),
    "budget": ("预算", "Budget"),
    "staff": ("人数", "Staff"),
    # preference, retention, lifecycle
    "uses": ("使用次数", "Uses"),
    "active_months": ("活跃月数", "Active months"),
    "usage_score": ("使用次数得分", "Usage score"),
    "latent_score": ("潜量数据得分", "Latent score"),
    "frequency_bonus": ("修正加分", "Frequency bonus"),
    "complaint_deduction": ("修正减分", "Complaint deduction"),
    "score": ("偏好得分", "Score"),
    "tier": ("偏好等级", "Tier"),
    "best_other_channel": ("其他渠道最佳", "Best other channel"),
    "best_other_score": ("其他渠道得分", "Best other score"),
    "churned_from_channel": ("该渠道流失客户", "Churned from channel"),
    "last_use": ("最后使用时间", "Last use"),
    "uses_before": ("此前使用次数", "Uses before"),
    "penetration": ("本月普及率", "Penetration this month"),
    "customers": ("客户数", "Customers"),
    "high": ("高偏好", "High"),
    "medium": ("中偏好", "Medium"),
    "low": ("低偏好", "Low"),
    "churned": ("流失客户", "Churned"),
    # prefer summary: each column names the window it counts (prefer.window_note gives the months)
    "users_month": ("本月用户数", "Users this month"),
    "active_users_month": ("本月用户·月末在网", "Of them active at month end"),
    "customers_month_end": ("月末在网客户数", "Customers at month end"),
    "high_window": ("窗口内评分·高偏好", "High (window)"),
    "medium_window": ("窗口内评分·中偏好", "Medium (window)"),
    "low_window": ("窗口内评分·低偏好", "Low (window)"),
    "churned_window": ("流失客户（前一窗口用过、窗口内未用）", "Churned (window before)"),
    "base_month": ("基期月份", "Base month"),
    "base_customers": ("基期客户数", "Base customers"),
    "retained": ("保有客户数", "Retained"),
    "user_retention": ("用户保有率", "User retention"),
    "base_revenue": ("基期收入", "Base revenue"),
    "revenue": ("收入", "Revenue"),
    "revenue_retention": ("收入保有率", "Revenue retention"),
    "stage": ("生命周期阶段", "Stage"),
    "join_date": ("入网时间", "Joined"),
    "churn_date": ("离网时间", "Churned on"),
    "prior_mean": ("前三月平均收入", "Prior 3-month mean"),
    # campaign planning
    "candidates": ("候选客户", "Candidates"),
    "list_row": ("清单行", "List row"),
    "list_score": ("清单得分", "List score"),
    "already_has": ("已订购", "Already has"),
    "conflict": ("互斥冲突", "Conflict"),
    "do_not_disturb": ("免打扰", "Do not disturb"),
    "assigned": ("已分派", "Assigned"),
    "expected_conversion": ("预计转化率", "Expected conversion"),
    "expected_conversions": ("预计转化数", "Expected conversions"),
    "evidence": ("依据", "Evidence"),
    # a campaign × touchpoint row of the plan: the quota columns are the touchpoint's, over the
    # whole plan, and repeat on every campaign's row of that touchpoint
    "touchpoint_quota_before": ("触点计划前余量", "Touchpoint quota before plan"),
    "touchpoint_assigned": ("触点全计划分派", "Touchpoint assigned, whole plan"),
    "touchpoint_quota_after": ("触点计划后余量", "Touchpoint quota after plan"),
}


# report tables
REPORT_LABELS: dict[str, tuple[str, str]] = {
    "headline": ("核心指标", "Headline KPIs"),
    "trend": ("近六个月趋势", "Six-month trend"),
    "by_region": ("分盟市", "By region"),
    "by_touchpoint": ("分触点", "By touchpoint"),
    "successes": ("成功笔数", "Successes"),
    "funnel": ("营销漏斗", "Funnel"),
    "conflict_pairs": ("互斥产品对", "Mutual-exclusion pairs"),
    "completeness": ("数据完整性检查", "Data completeness"),
    "focus_trend": ("重点产品线上办理趋势", "Focus product online trend"),
    "points_top20": ("积分排名前20", "Top 20 by points"),
    "points_by_store": ("分营业厅", "By store"),
    "points_by_region": ("分区域", "By region"),
    "points_total": ("全省积分合计", "Points, whole province"),
    "channels": ("分电子渠道", "By e-channel"),
    "targets_app": ("手机营业厅推广目标前10", "Top 10 app promotion targets"),
    "retention": ("保有率", "Retention"),
    "lifecycle": ("生命周期", "Lifecycle"),
    "at_risk_top10": ("离网预警客户（收入降幅前10）", "At-risk customers (top 10 revenue drops)"),
    "funnel_by_wave": ("分波次漏斗", "Funnel by wave"),
    "fail_reasons": ("失败原因", "Failure reasons"),
    "fail_reasons_by_product": ("分产品失败原因", "Failure reasons by product"),
    "cover": ("封面", "Cover"),
}


@functools.cache
def labels_table() -> Mapping[str, tuple[str, str]]:
    """Every column's labels: LABELS, the report's tables, and each built-in KPI's id for its
    own column (trend and region tables of the report) where no label above names it. Built on
    first use, read-only: importing this module changes nothing and loads no KPI catalog."""
    from chanops.kpi.catalog import BUILTIN_KPIS

    kpis = {kpi.id: (kpi.zh, kpi.en) for kpi in BUILTIN_KPIS}
    return MappingProxyType({**kpis, **LABELS, **REPORT_LABELS})


def is_identifier(column: str) -> bool:
    """Numbers that name rather than count (a load id, a line number): shown without
    thousands separators."""
    return column.endswith("_id") or column in {"line", "list_row", "wave", "rank"}


# A KPI's own columns in a wide result: its id with a suffix, labelled after the KPI.
KPI_SUFFIXES = {
    "_num": ("分子", "numerator"),
    "_den": ("分母", "denominator"),
    "_prev": ("对比值", "compared"),
    "_change": ("变化", "change"),
}


def label(column_id: str, lang: str) -> str:
    """The column's label in `lang`; a KPI's numerator, denominator, compared value and change
    (online_share_num) as the KPI's label and what the column holds (线上产能占比·分子)."""
    table = labels_table()
    pair = table.get(column_id)
    if pair is None:
        for suffix, words in KPI_SUFFIXES.items():
            base = table.get(column_id.removesuffix(suffix)) if column_id.endswith(suffix) else None
            if base is not None:
                return f"{base[0]}·{words[0]}" if lang == "zh" else f"{base[1]} {words[1]}"
        return column_id
    return pair[0] if lang == "zh" else pair[1]


# Values that are codes in machine output and words for people (SPEC §8, §12).
VALUE_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "stage": {
        "new": ("新入网", "New"),
        "stable": ("稳定期", "Stable"),
        "at_risk": ("离网预警", "At risk"),
        "churned": ("已离网", "Churned"),
    },
    "tier": {"high": ("高偏好", "High"), "medium": ("中偏好", "Medium"), "low": ("低偏好", "Low")},
    # how a funnel row's conversions are attributed: by the order's campaign id, or (outbound
    # orders, which carry none) by the outbound call that preceded the order
    "attributed_by": {
        "campaign_id": ("活动编号", "Campaign ID"),
        "touchpoint": ("外呼触点", "Outbound call"),
        "campaign_id, touchpoint": ("活动编号+外呼触点", "Campaign ID + outbound call"),
    },
}
# Status codes (points, plan) read as the column labels of the same id: valid → 有效.
STATUS_CODES = (
    "valid",
    "invalid",
    "duplicate",
    "contested",
    "no_rule",
    "already_has",
    "conflict",
    "do_not_disturb",
    "assigned",
)
CHANNEL_COLUMNS = ("channel", "touchpoint", "best_other_channel")
YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}


def value_words(lang: str, channels=None) -> dict[str, dict[str, str]]:
    """column → {code: word} for the report's language; channel names from `channels`
    (the config's catalog) or the built-in ones."""
    from chanops.channels import DEFAULT_CHANNELS

    pick = 0 if lang == "zh" else 1
    catalog = channels if channels is not None else {c.code: c for c in DEFAULT_CHANNELS}
    names = {code: (ch.zh if lang == "zh" else ch.en) for code, ch in catalog.items()}
    words = {column: {code: pair[pick] for code, pair in codes.items()} for column, codes in VALUE_LABELS.items()}
    labels = labels_table()
    words["status"] = {code: labels[code][pick] for code in STATUS_CODES}
    # the whole's row of a table by segment (failures by product, explain), and explain's
    # row for what overlapping segments cannot place
    whole = {"(all)": ("全部", "All")[pick], "(overlap)": ("重叠部分", "Overlap")[pick]}
    words.update({column: whole for column in ("region", "product", "campaign_id", "wave")})
    words.update({column: {**names, **whole} for column in CHANNEL_COLUMNS})
    if lang == "zh":  # the extract kinds by their Chinese names (业务办理记录); English keeps the ids
        from chanops.schema import KINDS

        words["kind"] = {name: kind.label for name, kind in KINDS.items()}
    return words


def worded(frame, lang: str, channels=None):
    """`frame` with code columns as words and booleans as 是/否 — for people only: machine
    formats keep the codes. A value without a word stays as it is."""
    import polars as pl

    words = value_words(lang, channels)
    yes, no = YES_NO[lang if lang in YES_NO else "en"]
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.Boolean:
            exprs.append(pl.when(pl.col(name)).then(pl.lit(yes)).when(~pl.col(name)).then(pl.lit(no)).alias(name))
        elif name in words and dtype == pl.String:
            exprs.append(pl.col(name).replace(words[name]))
        elif name == "reason" and dtype == pl.String and lang == "zh":
            from chanops.present.reject_words import reason_words

            # a few distinct reasons however many rejected rows: each worded once
            reasons = {r: reason_words(r, lang) for r in frame.get_column(name).unique().drop_nulls().to_list()}
            exprs.append(pl.col(name).replace(reasons))
    return frame.with_columns(exprs) if exprs else frame
