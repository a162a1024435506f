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
}


def label(column_id: str, lang: str) -> str:
    pair = LABELS.get(column_id)
    if pair is None:
        return column_id
    return pair[0] if lang == "zh" else pair[1]
