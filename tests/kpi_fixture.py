"""A tiny province whose every KPI was worked out by hand (see the comments in test_kpi.py),
and build(), which loads any such set of CSV texts into a fresh warehouse.

Regions A and B; users 138000000NN are called "NN" below.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from chanops.channels import build_catalog
from chanops.ingest.loader import LoadOptions, load_files
from chanops.store.warehouse import connect

ORDERS = """order_id,order_time,msisdn,region,channel,product,status,fail_reason,conflict_product,campaign_id
o1,2022-11-01 00:00:00,13800000001,A,app,P1,success,,,C1
o2,2022-11-05 10:00:00,13800000002,A,store,P1,success,,,C1
o3,2022-11-06 10:00:00,13800000003,A,store,P2,success,,,
o4,2022-11-07 10:00:00,13800000004,B,outbound,P1,success,,,
o5,2022-11-08 10:00:00,13800000005,B,outbound,P2,fail,产品互斥,P9,
o6,2022-11-09 10:00:00,13800000006,B,partner_store,P2,success,,,
o7,2022-11-30 23:59:59,13800000007,B,hotline,P1,success,,,
o8,2022-12-01 00:00:00,13800000008,A,app,P1,success,,,C1
o9,2022-10-31 23:59:59,13800000009,A,app,P1,success,,,
o10,2022-11-10 10:00:00,13800000010,A,wechat,P2,fail,产品互斥,P9,C1
"""

CONTACTS = """contact_id,contact_time,msisdn,region,touchpoint,campaign_id,product,wave,reached
c1,2022-11-01 08:00:00,13800000001,A,sms,C1,P1,1,1
c2,2022-11-03 08:00:00,13800000001,A,app,C1,P1,2,1
c3,2022-11-02 08:00:00,13800000002,A,sms,C1,P1,1,0
c4,2022-11-04 08:00:00,13800000002,A,wechat,C1,P1,2,1
c5,2022-11-02 08:00:00,13800000011,A,sms,C1,P1,1,0
c6,2022-11-05 08:00:00,13800000004,B,outbound,WH1,P1,1,0
c7,2022-11-06 08:00:00,13800000004,B,outbound,WH1,P1,2,1
c8,2022-11-06 08:00:00,13800000005,B,outbound,WH1,P2,1,1
c9,2022-11-07 08:00:00,13800000012,B,outbound,WH1,P2,1,0
c10,2022-11-07 08:00:00,13800000013,B,outbound,WH1,P2,1,0
c11,2022-10-31 23:00:00,13800000014,B,outbound,WH1,P2,1,1
c12,2022-12-01 00:00:00,13800000015,B,outbound,WH1,P2,1,1
"""

CUSTOMERS = """msisdn,region,join_date,churn_date
13800000001,A,2020-01-01,
13800000002,A,2022-11-15,
13800000003,A,2020-01-01,2022-11-20
13800000004,B,2020-01-01,
13800000005,B,2020-01-01,2022-11-30
13800000006,B,2022-11-30,
13800000007,B,2022-12-01,
13800000008,A,2020-01-01,2022-10-31
"""

BILLING = """month,msisdn,revenue
2022-10,13800000001,100
2022-10,13800000003,50
2022-10,13800000004,80
2022-10,13800000005,20
2022-11,13800000001,110
2022-11,13800000004,60
2022-11,13800000002,30
2022-11,13800000005,5
"""

USAGE = """msisdn,channel,event_time
13800000001,app,2022-11-02 09:00:00
13800000001,wechat,2022-11-03 09:00:00
13800000004,self_service,2022-11-04 09:00:00
13800000006,internet,2022-11-04 09:00:00
13800000002,store,2022-11-05 09:00:00
13800000005,app,2022-10-15 09:00:00
"""

COMPLAINTS = """complaint_id,complaint_time,msisdn,channel
k1,2022-11-02 09:00:00,13800000001,app
k2,2022-11-12 09:00:00,13800000004,store
k3,2022-11-20 09:00:00,,hotline
k4,2022-10-20 09:00:00,13800000001,app
"""

TABLES = {
    "orders": ORDERS,
    "contacts": CONTACTS,
    "customers": CUSTOMERS,
    "billing": BILLING,
    "usage": USAGE,
    "complaints": COMPLAINTS,
}


def build(directory: Path, tables: dict[str, str] | None = None) -> Path:
    """Write the CSVs, load them into directory/wh.duckdb, return the warehouse path."""
    db = directory / "wh.duckdb"
    con = connect(db, read_only=False)
    try:
        for kind, text in (tables or TABLES).items():
            path = directory / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            # one snapshot of customers, as of the fixtures' last month end
            as_of = date(2022, 11, 30) if kind == "customers" else None
            load_files(con, kind, [path], build_catalog(None), LoadOptions(strict=True, as_of=as_of))
    finally:
        con.close()
    return db
