"""Funnel attribution, quotas and failure analysis on hand-worked fixtures."""

from __future__ import annotations

import json

import duckdb
import pytest

from chanops.analysis.failures import analyse_failures
from chanops.analysis.funnel import funnel
from chanops.channels import build_catalog

from . import kpi_fixture
from .conftest import write_text

FUNNEL_CONTACTS = """contact_id,contact_time,msisdn,region,touchpoint,campaign_id,wave,reached
a1,2022-11-01 08:00:00,13800000021,A,sms,K1,1,1
a2,2022-11-05 08:00:00,13800000021,A,app,K1,2,1
b1,2022-11-01 08:00:00,13800000022,A,sms,K1,1,1
b2,2022-11-03 08:00:00,13800000022,A,app,K1,2,0
c1,2022-11-01 08:00:00,13800000023,A,sms,K1,1,0
c2,2022-11-03 08:00:00,13800000023,A,app,K1,2,1
c3,2022-11-08 08:00:00,13800000023,A,wechat,K1,3,1
d1,2022-10-28 08:00:00,13800000024,A,sms,K1,1,1
e1,2022-11-01 08:00:00,13800000026,A,sms,K2,1,1
"""
FUNNEL_ORDERS = """order_id,order_time,msisdn,region,channel,product,status,campaign_id
o1,2022-11-04 09:00:00,13800000021,A,app,P,success,K1
o2,2022-11-20 09:00:00,13800000021,A,app,P,success,K1
o3,2022-11-06 09:00:00,13800000022,A,app,P,success,K1
o4,2022-11-10 09:00:00,13800000023,A,wechat,P,success,K1
o5,2022-11-02 09:00:00,13800000024,A,sms,P,success,K1
o6,2022-11-03 09:00:00,13800000025,A,app,P,success,K1
o7,2022-11-02 09:00:00,13800000026,A,app,P,success,K1
o8,2022-11-07 09:00:00,13800000022,A,app,P,fail,K1
"""


def test_funnel_attributes_each_order_to_the_latest_reached_wave(tmp_path):
    db = kpi_fixture.build(tmp_path, {"contacts": FUNNEL_CONTACTS, "orders": FUNNEL_ORDERS})
    con = duckdb.connect(str(db), read_only=True)
    rows = funnel(con, "2022-11").to_dicts()
    con.close()
    got = [
        (r["campaign_id"], r["wave"], r["contacted"], r["reached"], r["converted"], r["cumulative_converted"])
        for r in rows
    ]
    # 21: order 11-04 -> wave 1 (wave 2 reached only on 11-05), order 11-20 -> wave 2
    # 22: wave 2 not reached -> wave 1; 23: latest reached before 11-10 is wave 3
    # 24: latest reached contact in October -> carried; 25 never contacted, 26 reached only by K2
    #     -> unattributed. Converted per row: w1 {21, 22}, w2 {21}, w3 {23}: conversion never
    #     exceeds reached (w1 2 of 2). Cumulative is distinct users: w2 {21, 22} = 2, not 3.
    assert got == [
        ("K1", "1", 3, 2, 2, 2),
        ("K1", "2", 3, 2, 1, 2),
        ("K1", "3", 1, 1, 1, 3),
        ("K1", "carried", 0, 0, 1, None),
        ("K1", "unattributed", 0, 0, 2, None),
        ("K2", "1", 1, 1, 0, 0),
    ]
    assert [round(r["wave_share"], 4) for r in rows[:5]] == [round(n / 7, 4) for n in (2, 1, 1, 1, 2)]
    assert [r["conversion_rate"] for r in rows[:3]] == [1.0, 0.5, 1.0] and rows[2]["reach_rate"] == 1.0
    assert rows[3]["conversion_rate"] is None and rows[5]["wave_share"] is None


OUTBOUND_CONTACTS = """contact_id,contact_time,msisdn,region,touchpoint,campaign_id,product,wave,reached
w31,2022-11-01 08:00:00,13800000031,A,outbound,WH-A,5G套餐,1,1
w32,2022-10-01 08:00:00,13800000032,A,outbound,WH-A,5G套餐,1,1
w33,2022-11-02 08:00:00,13800000033,A,outbound,WH-A,5G套餐,1,1
v33,2022-11-05 08:00:00,13800000033,A,outbound,WH-B,5G套餐,2,1
w34,2022-11-02 08:00:00,13800000034,A,outbound,WH-A,流量包,1,1
w35,2022-10-25 08:00:00,13800000035,A,outbound,WH-A,5G套餐,2,1
w36,2022-11-01 08:00:00,13800000036,A,outbound,WH-A,5G套餐,1,0
w37,2022-11-01 08:00:00,13800000037,A,outbound,WH-A,5G套餐,1,1
k38,2022-11-01 08:00:00,13800000038,A,sms,K1,5G套餐,1,1
"""
OUTBOUND_ORDERS = """order_id,order_time,msisdn,region,channel,product,status,campaign_id
o31,2022-11-11 08:00:00,13800000031,A,outbound,5G套餐,success,
o32,2022-11-10 08:00:00,13800000032,A,outbound,5G套餐,success,
o33,2022-11-06 08:00:00,13800000033,A,outbound,5G套餐,success,
o34,2022-11-03 08:00:00,13800000034,A,outbound,5G套餐,success,
o35,2022-11-03 08:00:00,13800000035,A,outbound,5G套餐,success,
o36,2022-11-02 08:00:00,13800000036,A,outbound,5G套餐,success,
o37,2022-11-02 08:00:00,13800000037,A,store,5G套餐,success,
o38,2022-11-02 08:00:00,13800000038,A,sms,5G套餐,success,K1
"""


def test_outbound_orders_convert_for_the_campaign_whose_call_preceded_them(tmp_path):
    """Outbound orders carry no campaign id (SPEC §4 decision): an outbound order converts for
    the campaign of the latest reached outbound call about its product in the 30 days before it.

      31  called by WH-A (wave 1) 11-01, bought on outbound 11-11, 10 days later → WH-A wave 1
      32  called by WH-A 10-01, bought 11-10: 40 days later, outside the window → nowhere
      33  called by WH-A 11-02 and WH-B (wave 2) 11-05, bought 11-06 → WH-B wave 2 only (latest call)
      34  called about 流量包, bought 5G套餐 → nowhere;  36 call not connected → nowhere
      35  called by WH-A (wave 2) 10-25, bought 11-03 → WH-A, carried from October
      37  called, bought in a store: not an outbound order → nowhere
      38  a platform order of K1 after its sms contact → K1 wave 1, by campaign_id
    WH-A wave 1: contacted 31, 33, 34, 36, 37 = 5; reached 4 (36 not); converted {31} = 1.
    With a 45-day window, 32 converts too: WH-A carried 2. Asked for WH-A alone, 33 stays WH-B's.
    """
    from chanops.config import FunnelConfig

    db = kpi_fixture.build(tmp_path, {"contacts": OUTBOUND_CONTACTS, "orders": OUTBOUND_ORDERS})
    con = duckdb.connect(str(db), read_only=True)
    columns = ("campaign_id", "wave", "attributed_by", "contacted", "reached", "converted", "cumulative_converted")
    rows = [tuple(r[c] for c in columns) for r in funnel(con, "2022-11").to_dicts()]
    assert rows == [
        ("K1", "1", "campaign_id", 1, 1, 1, 1),
        ("WH-A", "1", "touchpoint", 5, 4, 1, 1),
        ("WH-A", "carried", "touchpoint", 0, 0, 1, None),
        ("WH-B", "2", "touchpoint", 1, 1, 1, 1),
    ]
    only_a = [tuple(r[c] for c in columns) for r in funnel(con, "2022-11", "WH-A").to_dicts()]
    assert only_a == rows[1:3]
    wider = funnel(con, "2022-11", config=FunnelConfig(outbound_window_days=45))
    assert wider.filter(campaign_id="WH-A", wave="carried")["converted"].to_list() == [2]
    con.close()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("analysis"))


def test_quota_usage_and_check(chanops, db, tmp_path):
    (tmp_path / "cfg").mkdir()
    config = write_text(
        tmp_path / "cfg" / "q.toml", '[quota]\nsms = 2\noutbound = 10\n[quota."2022-11"]\noutbound = 5\n'
    )
    result = chanops("quota", "--db", db, "--month", "2022-11", "--config", config, "--format", "json", "--check")
    assert result.exit_code == 3
    rows = {r["touchpoint"]: r for r in json.loads(result.stdout)}
    # November contacts: sms c1 c3 c5, app c2, wechat c4, outbound c6..c10
    assert {k: (r["used"], r["quota"], r["over_quota"]) for k, r in rows.items()} == {
        "app": (1, None, False),
        "outbound": (5, 5, False),
        "sms": (3, 2, True),
        "wechat": (1, None, False),
    }
    assert rows["sms"]["utilization"] == 1.5 and rows["outbound"]["utilization"] == 1.0
    assert result.stderr.splitlines() == [
        "breach: sms used 3 of quota 2",
        "chanops: error: 1 touchpoint(s) over quota in 2022-11",
    ]
    bad = write_text(tmp_path / "cfg" / "bad.toml", "[quota]\ntiktok = 5\n")
    assert chanops("quota", "--db", db, "--month", "2022-11", "--config", bad).exit_code == 2


def test_failure_analysis(db):
    con = duckdb.connect(str(db), read_only=True)
    analysis = analyse_failures(con, ["2022-11"], build_catalog(None))
    online = analyse_failures(con, ["2022-11"], build_catalog(None), product="P2", online_only=True)
    con.close()
    # November: P1 o1 o2 o4 o7 all succeed (October o9 succeeded too); P2 o3 o6 succeed, o5 o10 fail;
    # all products: 8 attempts, 2 failures → 0.75 against October's 1 of 1
    assert [
        (r["product"], r["attempts"], r["failures"], r["success_rate"], r["prev_success_rate"], r["change"])
        for r in analysis.by_product.to_dicts()
    ] == [("(all)", 8, 2, 0.75, 1.0, -0.25), ("P1", 4, 0, 1.0, 1.0, 0.0), ("P2", 4, 2, 0.5, None, None)]
    # the month's reasons over every product lead, as the (all) row leads by_product
    assert analysis.by_reason.to_dicts() == [
        {"product": "(all)", "fail_reason": "产品互斥", "failures": 2, "share": 1.0},
        {"product": "P2", "fail_reason": "产品互斥", "failures": 2, "share": 1.0},
    ]
    assert analysis.conflict_pairs.to_dicts() == [
        {
            "product": "P2",
            "conflict_product": "P9",
            "failed_orders": 2,
            "users": 2,
            "rank_by_orders": 1,
            "rank_by_users": 1,
        }
    ]
    assert analysis.conflict_share.to_dicts() == [
        {"product": "(all)", "failures": 2, "conflict_failures": 2, "conflict_share": 1.0},
        {"product": "P2", "failures": 2, "conflict_failures": 2, "conflict_share": 1.0},
    ]
    # online channels only: o5 (outbound) and o10 (wechat), both failed
    assert [(r["attempts"], r["failures"]) for r in online.by_product.to_dicts()] == [(2, 2)]


def test_failures_cli_sections_and_empty_month(chanops, db):
    result = chanops("failures", "--db", db, "--from", "2022-10", "--to", "2022-11", "--format", "json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"by_product", "by_reason", "conflict_pairs", "conflict_share"}
    assert [(r["month"], r["product"]) for r in data["by_product"]] == [
        ("2022-10", "(all)"),
        ("2022-10", "P1"),
        ("2022-11", "(all)"),
        ("2022-11", "P1"),
        ("2022-11", "P2"),
    ]
    empty = chanops("failures", "--db", db, "--month", "2021-01")
    assert empty.exit_code == 1 and empty.stderr == "chanops: error: no orders in 2021-01\n"
    funnel_empty = chanops("funnel", "--db", db, "--month", "2022-11", "--campaign", "NOPE")
    assert funnel_empty.exit_code == 1 and "no contacts or platform orders for campaign NOPE" in funnel_empty.stderr
