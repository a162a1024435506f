"""Every normalization rule of SPEC §2, on hand-made rows whose answers are written out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chanops.channels import build_catalog
from chanops.ingest.loader import LoadOptions, load_files
from chanops.store.warehouse import connect

from .conftest import query, write_text

CHANNELS = build_catalog(None)


def load(db, kind, path, **options):
    con = connect(db, read_only=False)
    try:
        return load_files(con, kind, [path], CHANNELS, LoadOptions(**options))
    finally:
        con.close()


def test_msisdn_forms(tmp_path, db):
    csv = write_text(
        tmp_path / "o.csv",
        """order_id,order_time,msisdn,region,channel,product,status
a,2022-11-01 00:00:00,13800000001,呼和浩特,app,流量包,success
b,2022-11-01 00:00:00,+8613800000002,呼和浩特,app,流量包,success
c,2022-11-01 00:00:00,8613800000003,呼和浩特,app,流量包,success
d,2022-11-01 00:00:00,138 0000 0004,呼和浩特,app,流量包,success
e,2022-11-01 00:00:00,138-0000-0005,呼和浩特,app,流量包,success
f,2022-11-01 00:00:00,+86 138-0000-0006,呼和浩特,app,流量包,success
g,2022-11-01 00:00:00,1380000007,呼和浩特,app,流量包,success
h,2022-11-01 00:00:00,23800000008,呼和浩特,app,流量包,success
""",
    )
    [result] = load(db, "orders", csv, max_reject_rate=1.0)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (8, 6, 2)
    assert query(db, "SELECT order_id, msisdn FROM orders ORDER BY 1") == [
        ("a", "13800000001"),
        ("b", "13800000002"),
        ("c", "13800000003"),
        ("d", "13800000004"),
        ("e", "13800000005"),
        ("f", "13800000006"),
    ]
    assert query(db, 'SELECT line, "column", value, reason FROM _rejects ORDER BY line') == [
        (8, "msisdn", "1380000007", "not an 11-digit mobile number"),
        (9, "msisdn", "23800000008", "not an 11-digit mobile number"),
    ]


def test_status_words(tmp_path, db):
    rows = ["成功", "失败", "success", "fail", "1", "0", "Y", "N", "SUCCESS", "maybe"]
    body = "\n".join(f"o{i},20221101,13800000001,包头,app,流量包,{s}" for i, s in enumerate(rows))
    csv = write_text(tmp_path / "o.csv", "订单编号,办理时间,手机号码,地市,渠道,产品,办理结果\n" + body + "\n")
    load(db, "orders", csv, max_reject_rate=1.0)
    got = dict(query(db, "SELECT order_id, status FROM orders"))
    assert got == {
        "o0": "success",
        "o1": "fail",
        "o2": "success",
        "o3": "fail",
        "o4": "success",
        "o5": "fail",
        "o6": "success",
        "o7": "fail",
        "o8": "success",
    }
    assert query(db, "SELECT value, reason FROM _rejects") == [
        ("maybe", "status is not success/fail (成功/失败/1/0/Y/N)")
    ]


def test_bool_words(tmp_path, db):
    words = ["是", "否", "1", "0", "Y", "N", "true", "false", "TRUE", "嗯"]
    body = "\n".join(f"k{i},2022-11-01 08:00:00,13800000001,赤峰,sms,C1,{w}" for i, w in enumerate(words))
    csv = write_text(tmp_path / "c.csv", "接触编号,接触时间,手机号码,地市,触点,活动编号,是否触达\n" + body + "\n")
    load(db, "contacts", csv, max_reject_rate=1.0)
    got = dict(query(db, "SELECT contact_id, reached FROM contacts"))
    assert got == {
        "k0": True,
        "k1": False,
        "k2": True,
        "k3": False,
        "k4": True,
        "k5": False,
        "k6": True,
        "k7": False,
        "k8": True,
    }
    # wave is absent from the file: it defaults to 1 (SPEC §2)
    assert query(db, "SELECT DISTINCT wave FROM contacts") == [(1,)]
    assert query(db, "SELECT value FROM _rejects") == [("嗯",)]


def test_timestamp_forms(tmp_path, db):
    forms = [
        "2022-11-30 08:01:02",
        "2022/11/30 08:01:02",
        "20221130080102",
        "2022-11-30T08:01:02",
        "20221130",
        "2022-11-31 00:00:00",
        "30/11/2022",
    ]
    body = "\n".join(f"o{i},{f},13800000001,通辽,store,宽带,1" for i, f in enumerate(forms))
    csv = write_text(tmp_path / "o.csv", "order_id,order_time,msisdn,region,channel,product,status\n" + body + "\n")
    load(db, "orders", csv, max_reject_rate=1.0)
    got = dict(query(db, "SELECT order_id, order_time FROM orders"))
    full = dt.datetime(2022, 11, 30, 8, 1, 2)
    assert got == {"o0": full, "o1": full, "o2": full, "o3": full, "o4": dt.datetime(2022, 11, 30)}
    assert [r[0] for r in query(db, "SELECT line FROM _rejects ORDER BY line")] == [7, 8]


def test_month_money_and_dates(tmp_path, db):
    billing = write_text(
        tmp_path / "b.csv",
        """账期,手机号码,收入
2022-11,13800000001,"1,234.50"
202211,13800000002,¥12
2022/11,13800000003,8.355
2022-13,13800000004,1
202211,13800000005,abc
""",
    )
    load(db, "billing", billing, max_reject_rate=1.0)
    assert query(db, "SELECT month, msisdn, revenue FROM billing ORDER BY msisdn") == [
        ("2022-11", "13800000001", Decimal("1234.50")),
        ("2022-11", "13800000002", Decimal("12.00")),
        ("2022-11", "13800000003", Decimal("8.36")),
    ]
    assert query(db, 'SELECT line, "column", reason FROM _rejects ORDER BY line') == [
        (5, "month", "not a month (e.g. 2022-11, 202211)"),
        (6, "revenue", "not an amount (e.g. 1,234.50)"),
    ]
    customers = write_text(
        tmp_path / "c.csv",
        """手机号码,地市,入网时间,离网时间
13800000001,乌海,20200105,
13800000002,乌海,2020-01-05,2022/11/15
""",
    )
    load(db, "customers", customers, as_of=dt.date(2022, 11, 30))
    assert query(db, "SELECT join_date, churn_date FROM customers ORDER BY msisdn") == [
        (dt.date(2020, 1, 5), None),
        (dt.date(2020, 1, 5), dt.date(2022, 11, 15)),
    ]


def test_channel_codes_and_labels(tmp_path, db):
    csv = write_text(
        tmp_path / "u.csv",
        """msisdn,channel,event_time
13800000001,app,2022-11-01 01:00:00
13800000001,手机营业厅,2022-11-01 01:00:01
13800000001,APP,2022-11-01 01:00:02
13800000001,公众号,2022-11-01 01:00:00
13800000001,tiktok,2022-11-01 01:00:00
""",
    )
    load(db, "usage", csv, max_reject_rate=1.0)
    assert query(db, "SELECT channel, count(*) FROM usage GROUP BY 1 ORDER BY 1") == [("app", 3), ("wechat", 1)]
    assert query(db, "SELECT reason FROM _rejects") == [("unknown channel code 'tiktok'",)]


def test_catalog_extension_accepts_new_code(tmp_path, db):
    channels = build_catalog({"tiktok": {"zh": "抖音小店", "online": True, "electronic": False}})
    csv = write_text(tmp_path / "u.csv", "msisdn,channel,event_time\n13800000001,抖音小店,2022-11-01\n")
    con = connect(db, read_only=False)
    try:
        load_files(con, "usage", [csv], channels, LoadOptions())
    finally:
        con.close()
    assert query(db, "SELECT channel FROM usage") == [("tiktok",)]


def test_rules_need_exactly_one_of_rate_or_points(tmp_path, db):
    csv = write_text(
        tmp_path / "r.csv",
        """业务名称,奖励比例,积分,生效月份,失效月份
视频彩铃,0.3,,2022-01,
手机报,,2,2022-01,
咪咕视频,0.3,2,2022-01,
流量包,,,2022-01,
宽带,0.2,,2022-09,2022-08
""",
    )
    load(db, "rules", csv, max_reject_rate=1.0)
    assert query(db, "SELECT product FROM rules ORDER BY 1") == [("手机报",), ("视频彩铃",)]
    assert query(db, "SELECT line, reason FROM _rejects ORDER BY line") == [
        (4, "a rule needs exactly one of rate or points"),
        (5, "a rule needs exactly one of rate or points"),
        (6, "valid_to is before valid_from"),
    ]


def test_rules_with_overlapping_validity_are_rejected(tmp_path, db):
    first = write_text(tmp_path / "r1.csv", "product,rate,valid_from,valid_to\n流量包,20%,2022-01,2022-08\n")
    load(db, "rules", first)
    second = write_text(
        tmp_path / "r2.csv",
        """product,rate,valid_from,valid_to
流量包,0.25,2022-09,
流量包,0.30,2022-06,2022-07
视频彩铃,0.125,2022-01,
视频彩铃,0.3,2022-05,2022-05
""",
    )
    load(db, "rules", second, max_reject_rate=1.0)
    assert query(db, "SELECT product, rate::VARCHAR, valid_from, valid_to FROM rules ORDER BY product, valid_from") == [
        ("流量包", "0.200000", "2022-01", "2022-08"),
        ("流量包", "0.250000", "2022-09", None),
        ("视频彩铃", "0.125000", "2022-01", None),
    ]
    assert query(db, "SELECT line, reason FROM _rejects ORDER BY line") == [
        (3, "validity overlaps another rule for 流量包"),
        (5, "validity overlaps another rule for 视频彩铃"),
    ]


def test_missing_required_value_is_named(tmp_path, db):
    csv = write_text(
        tmp_path / "o.csv",
        """order_id,order_time,msisdn,region,channel,product,status
o1,2022-11-01,13800000001,,app,流量包,1
""",
    )
    load(db, "orders", csv, max_reject_rate=1.0)
    assert query(db, 'SELECT "column", reason FROM _rejects') == [("region", "missing region")]


def test_numbers_are_told_by_their_text_not_by_a_cast(tmp_path, db):
    """A cast alone would take '1.000000000' (11 characters) for a phone number, '1.5' for
    wave 2 and '1e2' for an amount of 100. Only the plain forms pass:
      c1 wave 2, msisdn plain             → loaded
      c2 msisdn 1.000000000               → rejected, msisdn
      c3 msisdn 1_000000000               → rejected, msisdn
      c4 wave 1.5                         → rejected, wave
      c5 wave 0x1F                        → rejected, wave
    Loaded 1 of 5."""
    csv = write_text(
        tmp_path / "c.csv",
        """contact_id,contact_time,msisdn,region,touchpoint,campaign_id,wave,reached
c1,2022-11-01 09:00:00,13800000001,包头,outbound,K1,2,1
c2,2022-11-01 09:00:00,1.000000000,包头,outbound,K1,1,1
c3,2022-11-01 09:00:00,1_000000000,包头,outbound,K1,1,1
c4,2022-11-01 09:00:00,13800000004,包头,outbound,K1,1.5,1
c5,2022-11-01 09:00:00,13800000005,包头,outbound,K1,0x1F,1
""",
    )
    [result] = load(db, "contacts", csv, max_reject_rate=1.0)
    assert (result.rows_loaded, result.rows_rejected) == (1, 4)
    assert query(db, "SELECT contact_id, wave FROM contacts") == [("c1", 2)]
    assert query(db, 'SELECT line, "column", value FROM _rejects ORDER BY line') == [
        (3, "msisdn", "1.000000000"),
        (4, "msisdn", "1_000000000"),
        (5, "wave", "1.5"),
        (6, "wave", "0x1F"),
    ]
