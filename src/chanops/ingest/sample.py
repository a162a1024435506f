"""`chanops sample`: a consistent synthetic province (Inner Mongolia's 12 盟市) for
demos, tests and benchmarks.

All generation is DuckDB SQL over `range(n)`, with randomness from `hash(hash(i,
tag, seed))`: deterministic for a seed, streamed to disk by COPY, and bounded in memory
at any size (a scratch database spills to disk). The levels follow seed 000:
an online share climbing from ≈38% to ≈45% (the cities ahead, 兴安盟 far behind), the
app taking a growing part of online orders, ≈1.4% platform success over distinct
reached users, ≈30% outbound connect rate, ≈31% success among connected users, and a
5G online success rate climbing from 49% to 87% as mutual-exclusion conflicts are fixed.

Files are written the way extracts arrive: Chinese headers for BOSS/CRM kinds,
mixed msisdn spellings, `成功/失败` statuses, compact timestamps, money with
thousands separators, and a few bad rows (well under the 1% reject threshold).
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from chanops.errors import UsageError
from chanops.ingest.sample_plan import write_sample_plan
from chanops.sql import lit
from chanops.store.warehouse import DEFAULT_MEMORY_LIMIT

REGIONS = {  # 盟市, weighted roughly by subscribers
    "呼和浩特": 14,
    "包头": 13,
    "赤峰": 13,
    "通辽": 10,
    "鄂尔多斯": 10,
    "呼伦贝尔": 9,
    "巴彦淖尔": 6,
    "乌兰察布": 6,
    "兴安盟": 5,
    "锡林郭勒盟": 5,
    "乌海": 3,
    "阿拉善盟": 2,
}
# product: (monthly fee, conflicting product that blocks it online)
PRODUCTS = {
    "5G套餐": (128.00, "4G飞享套餐"),
    "视频彩铃": (10.00, "炫铃"),
    "咪咕视频": (15.00, "咪咕会员"),
    "流量包": (30.00, "不限量套餐"),
    "手机报": (5.00, None),
    "权益会员": (19.90, "视听会员"),
    "宽带": (50.00, None),
}
# Orders not from a platform campaign or outbound call: a store-or-online choice first
# (by region and month, below), then a channel within it.
OFFLINE_ORDER_CHANNELS = {"store": 36, "partner_store": 24, "direct_sales": 3, "self_service": 3}
OTHER_ONLINE_CHANNELS = {"hotline": 8, "wechat": 6, "internet": 3, "sms": 2, "partner_online": 2, "web": 1}
# How far each 盟市's online uptake sits from the province's: the cities lead, the
# pastoral leagues lag, 兴安盟 most (the story a region chart should tell).
ONLINE_TILT = {
    "呼和浩特": 0.11,
    "包头": 0.07,
    "鄂尔多斯": 0.05,
    "乌海": 0.03,
    "赤峰": 0.0,
    "通辽": -0.01,
    "呼伦贝尔": -0.03,
    "巴彦淖尔": -0.04,
    "锡林郭勒盟": -0.05,
    "乌兰察布": -0.06,
    "阿拉善盟": -0.08,
    "兴安盟": -0.15,
}
PLATFORM_TOUCHPOINTS = {"sms": 5, "app": 3, "wechat": 2, "internet": 1}
USAGE_CHANNELS = {"app": 40, "wechat": 25, "sms": 15, "hotline": 10, "web": 5, "self_service": 3, "ussd": 2}
FAIL_REASONS = {"余额不足": 3, "系统超时": 2, "用户状态异常": 1}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平"]
FORMATS = ("csv", "parquet")
SAMPLE_ENCODINGS = ("utf-8", "gb18030")


@dataclass
class SampleSpec:
    out: Path
    rows: int = 20_000
    seed: int = 1
    end_month: str = "2022-11"
    encoding: str = "utf-8"
    format: str = "csv"


def _weighted(weights: dict[str, int]) -> str:
    """SQL list literal where each value appears `weight` times: pick() then draws by weight."""
    return "[" + ", ".join(lit(v) for v, w in weights.items() for _ in range(w)) + "]"


def _month_start(end_month: str) -> str:
    match = re.fullmatch(r"(\d{4})-(\d{2})", end_month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UsageError(f"--end-month must be YYYY-MM, got '{end_month}'")
    year, month = int(match.group(1)), int(match.group(2))
    index = year * 12 + month - 1 - 5
    return f"{index // 12:04d}-{index % 12 + 1:02d}-01"


def _macros(con: duckdb.DuckDBPyConnection, spec: SampleSpec, customers: int) -> None:
    seed, start = int(spec.seed), _month_start(spec.end_month)
    regions = _weighted(REGIONS)
    for sql in [
        # hash() of several values mixes them only into the high bits: the low bits of
        # hash(i, 'a') and hash(i, 'b') are correlated. Hashing again mixes them.
        f"CREATE MACRO h(i, tag) AS hash(hash(i, tag, {seed}))",
        "CREATE MACRO u(i, tag) AS (h(i, tag) % 1000003) / 1000003.0",
        "CREATE MACRO pick(i, tag, arr) AS arr[1 + CAST(h(i, tag) % len(arr) AS INTEGER)]",
        f"CREATE MACRO cust(i, tag) AS CAST(h(i, tag) % {customers} AS BIGINT)",
        "CREATE MACRO msisdn_of(c) AS CAST(13800000000 + c AS VARCHAR)",
        f"CREATE MACRO region_of(c) AS pick(c, 'region', {regions})",
        f"CREATE MACRO month_start(m) AS CAST(DATE '{start}' + to_months(CAST(m AS INTEGER)) AS TIMESTAMP)",
        "CREATE MACRO month_secs(m) AS epoch(month_start(m + 1)) - epoch(month_start(m))",
        # Events fill every day of the month (a day without orders is a completeness breach);
        # one that follows another (a retry, the order after a call) stays in its month.
        "CREATE MACRO in_month(m, i, tag) AS month_start(m) + to_seconds(CAST(floor(u(i, tag) * month_secs(m)) AS BIGINT))",
        "CREATE MACRO later(base, t) AS least(t, date_trunc('month', base) + INTERVAL 1 MONTH - INTERVAL 1 SECOND)",
        f"CREATE MACRO month_no(t) AS CAST(date_diff('month', DATE '{start}', t) AS INTEGER)",
        "CREATE MACRO yymm(m) AS strftime(month_start(m), '%y%m')",
        "CREATE MACRO ym(m) AS strftime(month_start(m), '%Y-%m')",
        # How extracts really spell phone numbers: mostly plain, some +86 / spaced.
        "CREATE MACRO messy_msisdn(s, i) AS CASE WHEN u(i, 'msfmt') < 0.05 THEN '+86' || s "
        "WHEN u(i, 'msfmt') < 0.07 THEN substr(s, 1, 3) || ' ' || substr(s, 4, 4) || ' ' || substr(s, 8) ELSE s END",
        "CREATE MACRO money(x, i) AS CASE WHEN u(i, 'moneyfmt') < 0.03 THEN '¥' || printf('%.2f', x) ELSE printf('%.2f', x) END",
    ]:
        con.execute(sql)


def _build_tables(con: duckdb.DuckDBPyConnection, spec: SampleSpec) -> None:
    per_month = max(spec.rows // 6, 50)
    customers = max(spec.rows // 2, 500)
    outbound_users = int(per_month * 1.4)
    platform_pairs = int(per_month * 1.6)
    other_orders = int(per_month * 0.85)
    products = list(PRODUCTS)
    fee_case = " ".join(f"WHEN {lit(p)} THEN {fee}" for p, (fee, _c) in PRODUCTS.items())
    conflict_case = " ".join(f"WHEN {lit(p)} THEN {lit(c)}" for p, (_f, c) in PRODUCTS.items() if c)
    tilt = " ".join(f"WHEN {lit(r)} THEN {t}" for r, t in ONLINE_TILT.items())
    product_list = "[" + ", ".join(lit(p) for p in products) + "]"
    _macros(con, spec, customers)
    con.execute(f"CREATE MACRO fee_of(p) AS CASE p {fee_case} END")
    con.execute(f"CREATE MACRO conflict_of(p) AS CASE p {conflict_case} END")
    # 5G online success month by month as its conflicts are fixed (seed 000 §三.2: 49% → 87%)
    con.execute("CREATE MACRO climb_5g(m) AS 0.49 + 0.076 * m")

    # Customers: most long-standing; ~10% joined inside the six months; ~1%/month churn.
    con.execute(f"""
        CREATE TABLE customers AS
        SELECT c, msisdn_of(c) AS msisdn, region_of(c) AS region,
               CASE WHEN u(c, 'newjoin') < 0.10 THEN CAST(in_month(CAST(floor(u(c, 'jm') * 6) AS INTEGER), c, 'jd') AS DATE)
                    ELSE CAST(DATE '2008-01-01' + to_days(CAST(floor(u(c, 'jd') * 5000) AS INTEGER)) AS DATE) END AS join_date,
               CASE WHEN u(c, 'churn') < 0.06 THEN CAST(in_month(CAST(floor(u(c, 'cm') * 6) AS INTEGER), c, 'cd') AS DATE) END AS churn_date,
               pick(c, 'brand', ['全球通', '动感地带', '神州行', '神州行']) AS brand,
               20 + floor(u(c, 'arpu') * 180) AS arpu
        FROM range({customers}) t(c)""")
    con.execute("UPDATE customers SET churn_date = NULL WHERE churn_date <= join_date")

    # Outbound (10086在线外呼): ≈29.5% of called users connect (more in the leading 盟市),
    # ≈30.75% of those buy.
    con.execute(f"""
        CREATE TABLE outbound_users AS
        SELECT *, CASE WHEN connected THEN 1 + (u(j, 'retry') < 0.3)::INT ELSE 1 + (u(j, 'retry') < 0.5)::INT END AS attempts
        FROM (SELECT j, CAST(j // {outbound_users} AS INTEGER) AS m, cust(j, 'ob') AS c,
                     u(j, 'conn') < 0.255 + (CASE region_of(cust(j, 'ob')) {tilt} ELSE 0 END) / 3 AS connected
              FROM range({outbound_users * 6}) t(j))""")
    con.execute("""
        CREATE TABLE contacts_raw AS
        SELECT 'OB' || yymm(m) || '-' || lpad(CAST(j AS VARCHAR), 9, '0') || '-' || CAST(a AS VARCHAR) AS contact_id,
               later(in_month(m, j, 'obt'), in_month(m, j, 'obt') + to_hours(CAST(a * 20 AS BIGINT))) AS contact_time,
               c, 'outbound' AS touchpoint, 'WH' || yymm(m) || '-0' || CAST(1 + j % 4 AS VARCHAR) AS campaign_id,
               pick(j, 'obp', ['5G套餐', '流量包', '权益会员', '宽带']) AS product, a + 1 AS wave,
               connected AND a = attempts - 1 AS reached, j AS src
        FROM outbound_users, range(attempts) r(a)""")

    # Platform campaigns (数智集中运营平台): up to three waves per user, 8 campaigns a month.
    con.execute(f"""
        CREATE TABLE platform_pairs AS
        SELECT p, CAST(p // {platform_pairs} AS INTEGER) AS m, cust(p, 'pp') AS c,
               1 + (u(p, 'w2') < 0.6)::INT + (u(p, 'w3') < 0.3)::INT AS waves,
               1 + CAST(h(p, 'camp') % 8 AS INTEGER) AS campaign_no
        FROM range({platform_pairs * 6}) t(p)""")
    con.execute(f"""
        INSERT INTO contacts_raw
        SELECT 'MK' || yymm(m) || '-' || lpad(CAST(p AS VARCHAR), 9, '0') || '-' || CAST(w AS VARCHAR) AS contact_id,
               later(in_month(m, p, 'mkt'), in_month(m, p, 'mkt') + to_hours(CAST(w * 30 AS BIGINT))) AS contact_time, c,
               pick(p * 10 + w, 'tp', {_weighted(PLATFORM_TOUCHPOINTS)}) AS touchpoint,
               'MK' || yymm(m) || '-0' || CAST(campaign_no AS VARCHAR) AS campaign_id,
               {product_list}[1 + (campaign_no % {len(products)})] AS product, w + 1 AS wave,
               u(p * 10 + w, 'reach') < 0.7 AS reached, p + 1000000000000 AS src
        FROM platform_pairs, range(waves) r(w)""")

    # Orders from three sources: outbound sales, platform conversions, everything else.
    con.execute("""
        CREATE TABLE orders_raw AS
        SELECT 'OB' || substr(contact_id, 3) AS order_id, later(contact_time, contact_time + INTERVAL 5 MINUTE) AS order_time, c,
               'outbound' AS channel, product,
               CASE WHEN (CASE WHEN product = '5G套餐' THEN u(src, 'ok5g') < climb_5g(month_no(contact_time)) ELSE u(src, 'obbuy') < 0.27 END) THEN 'success' ELSE 'fail' END AS status,
               CAST(NULL AS VARCHAR) AS campaign_id, src AS i
        FROM contacts_raw
        WHERE touchpoint = 'outbound' AND reached AND u(src, 'obbuy') < 0.29""")
    con.execute("""
        INSERT INTO orders_raw
        SELECT 'PF' || substr(contact_id, 3), later(contact_time, contact_time + INTERVAL 2 HOUR), c, touchpoint, product,
               CASE WHEN u(src, 'pfok') < (CASE WHEN product = '5G套餐' THEN climb_5g(month_no(contact_time)) ELSE 0.92 END) THEN 'success' ELSE 'fail' END, campaign_id, src
        FROM (SELECT *, row_number() OVER (PARTITION BY src ORDER BY wave DESC) AS last_reached
              FROM contacts_raw WHERE touchpoint <> 'outbound' AND reached)
        WHERE last_reached = 1 AND u(src, 'convert') < 0.0155""")
    # Orders outside campaigns: online uptake grows 1.5 points a month from its region's
    # level, and within online the app takes a growing part (25% → 50%). 5G online
    # success climbs from 49% to 87% over the six months (seed 000 §三.2).
    con.execute(f"""
        INSERT INTO orders_raw
        SELECT 'BS' || yymm(m) || '-' || lpad(CAST(i AS VARCHAR), 9, '0'), in_month(m, i, 'ot'), c, channel, product,
               CASE WHEN u(i, 'ok') < (CASE WHEN product = '5G套餐' AND channel IN ('app', 'wechat', 'hotline', 'sms', 'web', 'internet')
                                           THEN climb_5g(m) ELSE 0.93 END) THEN 'success' ELSE 'fail' END,
               NULL, i
        FROM (SELECT i, m, c, product,
                     CASE WHEN u(i, 'online') >= 0.30 + 0.015 * m + (CASE region_of(c) {tilt} ELSE 0 END)
                               THEN pick(i, 'och', {_weighted(OFFLINE_ORDER_CHANNELS)})
                          WHEN u(i, 'app') < 0.25 + 0.05 * m THEN 'app'
                          ELSE pick(i, 'och', {_weighted(OTHER_ONLINE_CHANNELS)}) END AS channel
              FROM (SELECT i, CAST(i // {other_orders} AS INTEGER) AS m, cust(i, 'oc') AS c,
                           pick(i, 'op', ['5G套餐', '5G套餐', '视频彩铃', '咪咕视频', '流量包', '流量包', '手机报', '权益会员', '宽带']) AS product
                    FROM range({other_orders * 6}) t(i)))""")

    # Staff claims (新业务积分写实): primary claims, same-staff repeats, other-staff contests.
    claims = max(per_month // 3, 30)
    staff = max(claims // 120, 12)
    con.execute(f"""
        CREATE TABLE staff AS
        SELECT s, 'GH' || lpad(CAST(10000 + s AS VARCHAR), 5, '0') AS staff_id,
               pick(s, 'sn', {list(SURNAMES)}) || pick(s, 'gn', {GIVEN}) || pick(s, 'gn2', ['', '', {", ".join(lit(g) for g in GIVEN[:6])}]) AS staff_name,
               region_of(s) AS region
        FROM range({staff}) t(s)""")
    con.execute("""
        ALTER TABLE staff ADD COLUMN store VARCHAR;
        ALTER TABLE staff ADD COLUMN department VARCHAR;
        UPDATE staff SET store = region || pick(s % 4, 'store', ['中心营业厅', '新华营业厅', '人民路营业厅', '开发区营业厅']),
                         department = region || '营业部'""")
    con.execute(f"""
        CREATE TABLE claims AS
        SELECT k, CAST(k // {claims} AS INTEGER) AS m, cust(k, 'cl') AS c,
               pick(k, 'clp', ['视频彩铃', '视频彩铃', '咪咕视频', '流量包', '手机报', '权益会员', '5G套餐', '宽带']) AS product,
               CAST(h(k, 'st') % {staff} AS BIGINT) AS s
        FROM range({claims * 6}) t(k)""")
    con.execute("""
        CREATE TABLE entries_raw AS
        SELECT 'LR' || lpad(CAST(k AS VARCHAR), 9, '0') AS entry_id, in_month(m, k, 'et') AS entry_time, s, c, product FROM claims
        UNION ALL
        SELECT 'LR' || lpad(CAST(k AS VARCHAR), 9, '0') || 'D', later(in_month(m, k, 'et'), in_month(m, k, 'et') + INTERVAL 3 DAY), s, c, product
        FROM claims WHERE u(k, 'dup') < 0.02
        UNION ALL
        SELECT 'LR' || lpad(CAST(k AS VARCHAR), 9, '0') || 'C', later(in_month(m, k, 'et'), in_month(m, k, 'et') + INTERVAL 2 DAY),
               (s + 1 + CAST(h(k, 'other') % 5 AS BIGINT)) % (SELECT count(*) FROM staff), c, product
        FROM claims WHERE u(k, 'contest') < 0.03""")
    con.execute("""
        CREATE TABLE valid_raw AS
        -- billing's valid data holds each (month, msisdn, product) once: its grain
        SELECT DISTINCT ON (month, c, product) * FROM (
            SELECT ym(m) AS month, c, product, fee_of(product) AS fee, k FROM claims WHERE u(k, 'valid') < 0.85
            UNION ALL
            SELECT ym(m), cust(k, 'uc'), product, fee_of(product), k + 1000000000 FROM claims WHERE u(k, 'unclaimed') < 0.08)
        ORDER BY month, c, product, k""")


def _exports(spec: SampleSpec) -> dict[str, str]:
    """The SELECT behind each output file, with the headers extracts use."""
    end_date = "(month_start(6) - INTERVAL 1 DAY)"
    complaints = max(spec.rows // 500, 10)
    signals_per_month = max(spec.rows // 40, 20)
    usage_events = int(spec.rows * 1.5)
    return {
        "orders": """
            SELECT order_id AS 订单编号, strftime(order_time, '%Y-%m-%d %H:%M:%S') AS 办理时间,
                   CASE WHEN u(i, 'bad') < 0.001 THEN '1380000' ELSE messy_msisdn(msisdn_of(c), i) END AS 手机号码,
                   region_of(c) AS 地市, channel AS 渠道, product AS 业务名称,
                   CASE WHEN status = 'success' THEN '成功' ELSE '失败' END AS 办理结果,
                   CASE WHEN status = 'fail' AND conflict_of(product) IS NOT NULL
                             AND (u(i, 'why') < 0.6 OR product = '5G套餐') THEN '产品互斥'
                        WHEN status = 'fail' THEN pick(i, 'fr', """
        + _weighted(FAIL_REASONS)
        + """) END AS 失败原因,
                   CASE WHEN status = 'fail' AND conflict_of(product) IS NOT NULL
                             AND (u(i, 'why') < 0.6 OR product = '5G套餐') THEN conflict_of(product) END AS 互斥产品,
                   campaign_id AS 活动编号, money(fee_of(product), i) AS 资费
            FROM orders_raw ORDER BY order_time, order_id""",
        "contacts": """
            SELECT contact_id AS 接触编号, strftime(contact_time, '%Y%m%d%H%M%S') AS 接触时间,
                   msisdn_of(c) AS 手机号码, region_of(c) AS 地市, touchpoint AS 触点, campaign_id AS 活动编号,
                   product AS 营销产品, wave AS 波次, CASE WHEN reached THEN '是' ELSE '否' END AS 是否触达
            FROM contacts_raw ORDER BY contact_time, contact_id""",
        "entries": """
            SELECT entry_id AS 录入编号, strftime(entry_time, '%Y/%m/%d %H:%M:%S') AS 录入时间,
                   staff_id AS 工号, staff_name AS 营业员姓名, store AS 营业厅, region AS 营业区域,
                   department AS 营业部, msisdn_of(c) AS 手机号码, product AS 业务名称
            FROM entries_raw JOIN staff USING (s) ORDER BY entry_time, entry_id""",
        "valid": """
            SELECT replace(month, '-', '') AS 账期, msisdn_of(c) AS 手机号码, product AS 业务名称,
                   printf('%.2f', fee) AS 资费
            FROM valid_raw ORDER BY month, k""",
        "rules": """
            SELECT * FROM (VALUES
                ('视频彩铃', '0.30', NULL, '2022-01', NULL),
                ('咪咕视频', '0.25', NULL, '2022-01', NULL),
                ('流量包', '0.20', NULL, '2022-01', '2022-08'),
                ('流量包', '0.25', NULL, '2022-09', NULL),
                ('手机报', NULL, '2', '2022-01', NULL),
                ('权益会员', '0.30', NULL, '2022-01', NULL),
                ('5G套餐', '0.20', NULL, '2022-01', NULL)
            ) t(业务名称, 奖励比例, 积分, 生效月份, 失效月份)""",
        "complaints": f"""
            SELECT 'TS' || lpad(CAST(i AS VARCHAR), 8, '0') AS 投诉编号,
                   strftime(in_month(CAST(i % 6 AS INTEGER), i, 'cpt'), '%Y-%m-%d %H:%M:%S') AS 投诉时间,
                   msisdn_of(cust(i, 'cpc')) AS 手机号码,
                   CASE WHEN u(i, 'cps') < 0.4 THEN (SELECT staff_id FROM staff WHERE s = CAST(h(i, 'cpst') % (SELECT count(*) FROM staff) AS BIGINT)) END AS 工号,
                   CASE WHEN u(i, 'cpch') < 0.6 THEN pick(i, 'cpc2', {_weighted(USAGE_CHANNELS)}) END AS 渠道,
                   pick(i, 'cat', ['服务态度', '业务办理', '资费争议', '电子渠道使用', '网络质量']) AS 投诉类型
            FROM range({complaints}) t(i) ORDER BY 投诉时间, 投诉编号""",
        "usage": f"""
            SELECT msisdn_of(CAST(floor(pow(u(i, 'uc'), 2) * (SELECT count(*) FROM customers)) AS BIGINT)) AS msisdn,
                   pick(i, 'uch', {_weighted(USAGE_CHANNELS)}) AS channel,
                   strftime(in_month(CAST(i % 6 AS INTEGER), i, 'ut'), '%Y-%m-%d %H:%M:%S') AS event_time,
                   pick(i, 'ua', ['查询话费', '充值缴费', '办理业务', '查询流量', '查询积分']) AS action
            FROM range({usage_events}) t(i)""",
        # one row per (month, msisdn, channel, signal), the kind's grain; a positive value wins
        "signals": f"""
            SELECT DISTINCT ON (month, msisdn, channel, signal) month, msisdn, channel, signal, value FROM (
                SELECT ym(CAST(i % 6 AS INTEGER)) AS month, msisdn_of(cust(i, 'sg')) AS msisdn,
                       pick(i, 'sgc', ['app', 'app', 'wechat', 'web', 'sms']) AS channel,
                       pick(i, 'sgn', ['mailbox_active', 'app_installed', 'wechat_follower']) AS signal,
                       CASE WHEN u(i, 'sgv') < 0.1 THEN '0' ELSE '1' END AS value, i
                FROM range({signals_per_month * 6}) t(i))
            ORDER BY month, msisdn, channel, signal, value DESC, i""",
        "customers": f"""
            SELECT messy_msisdn(msisdn, c) AS 手机号码, region AS 地市, strftime(join_date, '%Y%m%d') AS 入网时间,
                   CASE WHEN churn_date <= {end_date} THEN strftime(churn_date, '%Y-%m-%d') END AS 离网时间, brand AS 品牌,
                   strftime({end_date}, '%Y%m%d') AS 统计日期  -- the snapshot's day, as BOSS extracts carry it
            FROM customers ORDER BY c""",
        "billing": """
            SELECT ym(m) AS 账期, msisdn AS 手机号码,
                   money(round(arpu * (0.9 + 0.2 * u(c * 7 + m, 'rev'))
                         * CASE WHEN u(c, 'decline') < 0.05 AND m = 5 THEN 0.3 ELSE 1 END, 2), c * 7 + m) AS 出账收入
            FROM customers, range(6) r(m)
            WHERE join_date <= CAST(month_start(m + 1) - INTERVAL 1 DAY AS DATE)
              AND (churn_date IS NULL OR churn_date > CAST(month_start(m) AS DATE))
            ORDER BY m, c""",
    }


def generate_sample(spec: SampleSpec, track: Callable | None = None) -> dict[str, Path]:
    """Write DIR/<kind>.<csv|parquet> for all ten kinds; returns the paths written. `track`,
    given the scratch connection and the number of steps, makes a progress context
    (present/progress.steps) whose tracker is told each step."""
    if spec.rows < 1:
        raise UsageError("--rows must be positive")
    if spec.format not in FORMATS:
        raise UsageError(f"--format must be one of: {', '.join(FORMATS)}")
    if spec.encoding not in SAMPLE_ENCODINGS:
        raise UsageError(f"--encoding must be one of: {', '.join(SAMPLE_ENCODINGS)}")
    if spec.format == "parquet" and spec.encoding != "utf-8":
        raise UsageError("--encoding applies to csv only; Parquet text is always UTF-8")
    _month_start(spec.end_month)
    spec.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="chanops-sample-"))
    written: dict[str, Path] = {}
    try:
        # A file-backed scratch database, so tens of millions of rows spill to disk.
        con = duckdb.connect(str(scratch / "sample.duckdb"))
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET temp_directory = {lit(str(scratch / 'spill'))}")
        con.execute(f"SET memory_limit = {lit(os.environ.get('CHANOPS_MEMORY_LIMIT', DEFAULT_MEMORY_LIMIT))}")
        exports = _exports(spec)
        build_weight = len(exports)  # building the tables takes about as long as writing them
        try:
            with track(con, build_weight + len(exports) + 1) if track else nullcontext() as bar:
                _step(bar, "building the province", build_weight, lambda: _build_tables(con, spec))
                for kind, query in exports.items():
                    target = spec.out / f"{kind}.{spec.format}"
                    _step(
                        bar,
                        f"writing {target.name}",
                        1,
                        functools.partial(_write, con, query, target, spec, scratch),
                        1,
                    )
                    written[kind] = target
                _step(
                    bar,
                    "writing the sample plan",
                    1,
                    lambda: written.update(
                        write_sample_plan(
                            con,
                            spec.out,
                            spec.end_month,
                            spec.rows,
                            lambda query, path: _write(con, query, path, replace(spec, format="csv"), scratch),
                        )
                    ),
                )
        finally:
            con.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return written


def _step(bar, label: str, weight: int, work: Callable[[], object], files: int = 0) -> None:
    if bar:
        bar.start(label, weight)
    work()
    if bar:
        bar.done(files)


def _write(con: duckdb.DuckDBPyConnection, query: str, target: Path, spec: SampleSpec, scratch: Path) -> None:
    if spec.format == "parquet":
        con.execute(f"COPY ({query}) TO {lit(str(target))} (FORMAT parquet)")
        return
    if spec.encoding == "utf-8":
        con.execute(f"COPY ({query}) TO {lit(str(target))} (HEADER, DELIMITER ',')")
        return
    # GB18030, as Excel on Chinese Windows saves CSV: DuckDB writes UTF-8, we re-encode in chunks.
    staging = scratch / f"{target.stem}.utf8.csv"
    con.execute(f"COPY ({query}) TO {lit(str(staging))} (HEADER, DELIMITER ',')")
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(staging, "rb") as src, open(target, "wb") as dst:
        while chunk := src.read(4 * 1024 * 1024):
            dst.write(decoder.decode(chunk).encode("gb18030"))
        dst.write(decoder.decode(b"", final=True).encode("gb18030"))
    staging.unlink()
