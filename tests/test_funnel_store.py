"""The funnel's users per campaign and wave kept beside the KPI pre-aggregates
(analysis/funnel_store.py): read back only when current, equal to the raw count, made stale
by a contacts load of the month in its own transaction, computed again by the refresh.

The fixture's November contacts, worked by hand:
- MK1 wave 1: 01 sms reached, 01 sms not reached, 02 outbound not reached → contacted 2
  (01, 02), reached 1 (01; its second contact does not take it back), by campaign id and by
  touchpoint (sms and outbound);
- MK1 wave 2: 03 app reached, 01 sms not reached → contacted 2, reached 1, by campaign id;
- MK2 wave 1: 04 outbound reached → contacted 1, reached 1, by touchpoint.
One platform order of MK1 by 03 after its wave-2 contact: converted 1 on MK1 wave 2.
The second contacts file adds 05 reached by sms on MK2 wave 1: contacted 2, reached 2.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from chanops.analysis import funnel as funnel_module
from chanops.analysis import funnel_store
from chanops.analysis.funnel import funnel
from chanops.channels import build_catalog
from chanops.engines import DuckDBEngine
from chanops.ingest.loader import LoadOptions, load_files
from chanops.kpi.catalog import build_kpi_catalog
from chanops.kpi.preagg import forget_other_catalogs, refresh
from chanops.slices import Slices, narrowed
from chanops.store.warehouse import connect

from .conftest import write_text

CATALOG = build_kpi_catalog(None)
CHANNELS = build_catalog(None)
CONTACTS = """contact_id,contact_time,msisdn,region,touchpoint,campaign_id,wave,reached
K1,2022-11-02 09:00:00,13800000001,A,sms,MK1,1,是
K2,2022-11-03 09:00:00,13800000001,A,sms,MK1,1,否
K3,2022-11-03 10:00:00,13800000002,B,outbound,MK1,1,否
K4,2022-11-10 09:00:00,13800000003,A,app,MK1,2,是
K5,2022-11-11 09:00:00,13800000001,A,sms,MK1,2,否
K6,2022-11-12 09:00:00,13800000004,B,outbound,MK2,1,是
"""
MORE_CONTACTS = """contact_id,contact_time,msisdn,region,touchpoint,campaign_id,wave,reached
K7,2022-11-20 09:00:00,13800000005,B,sms,MK2,1,是
"""
ORDERS = """order_id,order_time,msisdn,region,channel,product,status,campaign_id
O1,2022-11-15 10:00:00,13800000003,A,app,视频彩铃,成功,MK1
"""
# (campaign, wave) → contacted, reached, converted, attributed_by
HAND_WORKED = {
    ("MK1", "1"): (2, 1, 0, "campaign_id, touchpoint"),
    ("MK1", "2"): (2, 1, 1, "campaign_id"),
    ("MK2", "1"): (1, 1, 0, "touchpoint"),
}


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "wh.duckdb"
    con = connect(path, read_only=False)
    try:
        load_files(con, "contacts", [write_text(tmp_path / "contacts.csv", CONTACTS)], CHANNELS, LoadOptions())
        load_files(con, "orders", [write_text(tmp_path / "orders.csv", ORDERS)], CHANNELS, LoadOptions())
        refresh(con, CATALOG, CHANNELS)
    finally:
        con.close()
    return path


def rows(frame) -> dict:
    return {
        (r["campaign_id"], r["wave"]): (r["contacted"], r["reached"], r["converted"], r["attributed_by"])
        for r in frame.to_dicts()
    }


def raw(engine, month: str, monkeypatch, campaign: str | None = None):
    with monkeypatch.context() as patch:
        patch.setattr(funnel_module, "stored_sql", lambda *a, **k: None)
        return funnel(engine, month, campaign)


def test_the_refresh_keeps_the_months_waves_and_the_funnel_reads_them(db, monkeypatch):
    con = duckdb.connect(str(db), read_only=True)
    engine = DuckDBEngine(con)
    assert funnel_store.stored_sql(engine, "2022-11") is not None
    stored = con.execute(
        "SELECT count(*) FROM _preagg WHERE slice = 'campaign_id,wave' AND month = '2022-11'"
    ).fetchone()
    assert stored == (3 * len(funnel_store.COLUMNS),)  # three (campaign, wave), one row per column
    served = funnel(engine, "2022-11")
    assert rows(served) == HAND_WORKED
    assert served.equals(raw(engine, "2022-11", monkeypatch))
    assert served.schema == raw(engine, "2022-11", monkeypatch).schema
    one = funnel(engine, "2022-11", "MK2")  # a campaign asked for: its stored rows only
    assert rows(one) == {("MK2", "1"): HAND_WORKED[("MK2", "1")]}
    assert one.equals(raw(engine, "2022-11", monkeypatch, "MK2"))
    con.close()


def test_a_contacts_load_of_the_month_makes_it_stale_until_the_refresh(db, tmp_path, monkeypatch):
    con = connect(db, read_only=False)
    try:
        # the load alone (a load's refresh is a second transaction): the month is no longer read back
        load_files(con, "contacts", [write_text(tmp_path / "more.csv", MORE_CONTACTS)], CHANNELS, LoadOptions())
        engine = DuckDBEngine(con)
        assert funnel_store.stored_sql(engine, "2022-11") is None
        assert rows(funnel(engine, "2022-11"))[("MK2", "1")] == (2, 2, 0, "campaign_id, touchpoint")
        refresh(con, CATALOG, CHANNELS)
        assert funnel_store.stored_sql(engine, "2022-11") is not None
        served = funnel(engine, "2022-11")
        assert rows(served)[("MK2", "1")] == (2, 2, 0, "campaign_id, touchpoint")
        assert served.equals(raw(engine, "2022-11", monkeypatch))
    finally:
        con.close()


def test_a_narrowed_session_reads_the_raw_contacts(db):
    con = duckdb.connect(str(db), read_only=True)
    engine = DuckDBEngine(con)
    with narrowed(engine, Slices(("B",))):
        assert funnel_store.stored_sql(engine, "2022-11") is None
        # region B: 02 on MK1 wave 1 (not reached), 04 on MK2 wave 1 (reached)
        assert {k: v[:2] for k, v in rows(funnel(engine, "2022-11")).items()} == {
            ("MK1", "1"): (1, 0),
            ("MK2", "1"): (1, 1),
        }
    assert funnel_store.stored_sql(engine, "2022-11") is not None
    con.close()


def test_db_refresh_keeps_the_funnels_waves_and_changed_sql_is_not_read(db, monkeypatch):
    con = connect(db, read_only=False)
    try:
        forget_other_catalogs(con, CATALOG, CHANNELS)
        engine = DuckDBEngine(con)
        assert funnel_store.stored_sql(engine, "2022-11") is not None
        # another definition of the count: another fingerprint, so nothing stored is current
        monkeypatch.setattr(funnel_store, "FORMAT_VERSION", "changed")
        assert funnel_store.stored_sql(engine, "2022-11") is None
    finally:
        con.close()
