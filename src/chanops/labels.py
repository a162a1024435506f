"""Display labels (zh, en) for the snake_case ids every machine format uses.

Tables, Markdown and XLSX show these; CSV/JSON/Parquet keep the ids, which are
the stable interface for pipelines. A column without an entry shows its id.
"""

from __future__ import annotations

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
}


def label(column_id: str, lang: str) -> str:
    pair = LABELS.get(column_id)
    if pair is None:
        return column_id
    return pair[0] if lang == "zh" else pair[1]
