"""The sample's campaign plan for the month after the sample (`chanops plan` in the demo):
three campaigns whose target lists overlap, with a few unreadable numbers and customers
who have left, and a chanops.toml holding the province's KPI thresholds and that month's
touchpoint quotas — small enough that the first campaign uses up outbound and app and the
last one meets `over_quota`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from chanops.months import add_months

# quota of the plan's month = sample rows / divisor: outbound and app run out in the first
# campaign, wechat in the last
QUOTA_DIVISORS = {"sms": 20, "outbound": 100, "app": 50, "wechat": 35}
# The province's assessment lines (考核底线) the sample's KPIs are held to
THRESHOLDS = {
    "online_share": ("min", 0.40),
    "outbound_connect_rate": ("min", 0.25),
    "order_success_rate": ("min", 0.90),
}
# id suffix, product, priority, touchpoints, share of customers listed
CAMPAIGNS = [
    ("01", "5G套餐", 1, ["outbound", "sms", "app"], 0.10),
    ("02", "视频彩铃", 2, ["sms", "app", "wechat"], 0.12),
    ("03", "咪咕视频", 3, ["app", "wechat"], 0.08),
]


def write_sample_plan(
    con: duckdb.DuckDBPyConnection, out: Path, end_month: str, rows: int, write_csv: Callable[[str, Path], None]
) -> dict[str, Path]:
    """plan.toml, targets/<campaign>.csv and chanops.toml in `out`; reads the scratch
    database's `customers` and its u() macro. `write_csv(query, path)` writes each list the
    way the sample's extracts are written (in the encoding asked for)."""
    month = add_months(end_month, 1)
    yymm = month[2:4] + month[5:7]
    targets = out / "targets"
    targets.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    plan = []
    for suffix, product, priority, touchpoints, share in CAMPAIGNS:
        campaign = f"MK{yymm}-{suffix}"
        path = targets / f"{campaign}.csv"
        write_csv(
            f"""SELECT CASE WHEN u(c, 'plan-bad{suffix}') < 0.005 THEN left(msisdn, 7) ELSE msisdn END AS 手机号码,
                       round(u(c, 'plan-score{suffix}'), 3) AS 模型得分
                FROM customers WHERE u(c, 'plan{suffix}') < {share} ORDER BY c""",
            path,
        )
        written[f"targets/{campaign}"] = path
        plan.append(
            f'[[campaigns]]\nid = "{campaign}"\nproduct = "{product}"\nlist = "targets/{campaign}.csv"\n'
            f"priority = {priority}\ntouchpoints = [{', '.join(f'{chr(34)}{t}{chr(34)}' for t in touchpoints)}]\n"
        )
    written["plan"] = out / "plan.toml"
    written["plan"].write_text(f"# chanops plan {written['plan'].name} --month {month}\n\n" + "\n".join(plan), "utf-8")
    written["config"] = out / "chanops.toml"
    written["config"].write_text(
        "# The sample province's config: `chanops report monthly --config` and `chanops plan --config`.\n"
        "# Assessment thresholds: the report marks a KPI or a 盟市 outside them.\n"
        + "".join(f"[kpis.{kpi}]\n{bound} = {value}\n\n" for kpi, (bound, value) in THRESHOLDS.items())
        + "# Touchpoint quotas for the sample plan's month.\n"
        f'[quota."{month}"]\n'
        + "".join(f"{touchpoint} = {max(rows // per, 1)}\n" for touchpoint, per in QUOTA_DIVISORS.items()),
        "utf-8",
    )
    return written
