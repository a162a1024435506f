"""The hand-worked reconciliation of tests/test_points.py (month 2022-11).

G1 中心营业厅: e02 valid 视频彩铃 8.35 × 0.30 = 2.505 → 2.51 (half-up); e03 duplicate (G1 holds);
   e08 contested (same second as G3's e07, entry_id decides; G3 holds) → earned 2.51, net 2.51
G2 中心营业厅: e04 手机报 fixed 2; e05 流量包 30 × 0.25 (rule changed 2022-11) = 7.50 → net 9.50
G3 新华营业厅: e06 宽带 no rule → 0; e07 视频彩铃 10 × 0.30 = 3.00; adjustment −0.49 → net 2.51
G4 新华营业厅: e09 (billing has it only in October) and e10 (23:59:59 on the 30th) invalid; two
   complaints → −4
G5 新华营业厅: no claim in November (an October entry gives the profile); one complaint → −2
G6 人民路营业厅: e13, e14 手机报 fixed 2 each = 4.00; adjustment −1.49 → net 2.51
e01 (October 31st 23:59:59) and e11 (December 1st 00:00:00) are outside the month.
Ranks: G2 9.50; then three at 2.51, by matched claims (valid + no_rule): G3 (e07 valid, e06
no_rule) and G6 (2 valid) with 2 before G1 with 1, G3 before G6 by staff_id; G5; G4.
Budget 10.00 < 17.03 of positive nets: cents 950, 251, 251, 251 of 1703 → floors 557, 147 × 3
(998), remainders 1429, 659 × 3 → the 2 leftover cents go to G2 and G3 (the better rank of the
659s) → G2 5.58, G3 1.48, G6 1.47, G1 1.47.
Unclaimed: 13800000009 视频彩铃 10.00 (13800000010 is October's).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from chanops.points.runs import add_adjustment
from chanops.store.warehouse import connect

from . import kpi_fixture

RULES = """product,rate,points,valid_from,valid_to
视频彩铃,0.30,,2022-01,
手机报,,2,2022-01,
流量包,0.20,,2022-01,2022-10
流量包,25%,,2022-11,
"""
VALID = """month,msisdn,product,fee
2022-11,13800000001,视频彩铃,8.35
2022-11,13800000002,手机报,5.00
2022-11,13800000003,流量包,30.00
2022-11,13800000004,宽带,50.00
2022-11,13800000005,视频彩铃,10.00
2022-11,13800000009,视频彩铃,10.00
2022-11,13800000011,手机报,5.00
2022-11,13800000012,手机报,5.00
2022-10,13800000006,视频彩铃,10.00
2022-10,13800000010,流量包,30.00
"""
ENTRIES = """entry_id,entry_time,staff_id,staff_name,store,region,department,msisdn,product
e01,2022-10-31 23:59:59,G1,王伟,中心营业厅,包头,包头营业部,13800000001,视频彩铃
e02,2022-11-01 00:00:00,G1,王伟,中心营业厅,包头,包头营业部,13800000001,视频彩铃
e03,2022-11-02 10:00:00,G1,王伟,中心营业厅,包头,包头营业部,13800000001,视频彩铃
e04,2022-11-03 10:00:00,G2,李娜,中心营业厅,包头,包头营业部,13800000002,手机报
e05,2022-11-03 11:00:00,G2,李娜,中心营业厅,包头,包头营业部,13800000003,流量包
e06,2022-11-04 10:00:00,G3,张敏,新华营业厅,包头,包头营业部,13800000004,宽带
e07,2022-11-05 10:00:00,G3,张敏,新华营业厅,包头,包头营业部,13800000005,视频彩铃
e08,2022-11-05 10:00:00,G1,王伟,中心营业厅,包头,包头营业部,13800000005,视频彩铃
e09,2022-11-06 10:00:00,G4,刘强,新华营业厅,包头,包头营业部,13800000006,视频彩铃
e10,2022-11-30 23:59:59,G4,刘强,新华营业厅,包头,包头营业部,13800000007,手机报
e11,2022-12-01 00:00:00,G4,刘强,新华营业厅,包头,包头营业部,13800000002,手机报
e12,2022-10-15 10:00:00,G5,陈静,新华营业厅,包头,包头营业部,13800000008,手机报
e13,2022-11-07 10:00:00,G6,杨洋,人民路营业厅,赤峰,赤峰营业部,13800000011,手机报
e14,2022-11-08 10:00:00,G6,杨洋,人民路营业厅,赤峰,赤峰营业部,13800000012,手机报
"""
COMPLAINTS = """complaint_id,complaint_time,msisdn,staff_id,category
k1,2022-11-10 10:00:00,13800000006,G4,服务态度
k2,2022-11-11 10:00:00,13800000007,G4,资费争议
k3,2022-11-12 10:00:00,13800000008,G5,服务态度
k4,2022-10-12 10:00:00,13800000001,G1,服务态度
k5,2022-11-12 10:00:00,13800000001,,服务态度
"""
TABLES = {"rules": RULES, "valid": VALID, "entries": ENTRIES, "complaints": COMPLAINTS}
ADJUSTMENTS = [("G3", "-0.49", "clawback: duplicate paper form"), ("G6", "-1.49", "dispute outcome")]


def build(directory: Path, tables: dict[str, str] | None = None, adjustments=ADJUSTMENTS) -> Path:
    """Load the tables (kpi_fixture.build does the loading) and record the adjustments."""
    db = kpi_fixture.build(directory, tables or TABLES)
    con = connect(db, read_only=False)
    try:
        for staff, points, note in adjustments:
            add_adjustment(con, "2022-11", staff, Decimal(points), note)
    finally:
        con.close()
    return db
