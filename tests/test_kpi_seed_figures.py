"""Seed 000 (Inner Mongolia, 2022-11) at 1/100 scale: the SPEC §4 definitions must give
44.94% online share, 546 / 38,740 = 1.41% platform success (contacts must not leak into
the denominator: every reached user here has three contacts), 1,961 / 6,644 = 29.52%
connect rate and 603 / 1,961 = 30.75% outbound success."""

from __future__ import annotations

import duckdb
import pytest

from chanops.channels import build_catalog
from chanops.ingest.loader import LoadOptions, load_files
from chanops.kpi.catalog import build_kpi_catalog
from chanops.kpi.evaluate import evaluate
from chanops.store.warehouse import connect

# Successful orders: 10,000 = 546 platform (offline store, campaign set) + 603 outbound
# + 3,345 app (online) + 5,506 store (offline): online share 4,494 / 10,000.
ORDERS = """
SELECT 'o' || i AS order_id, '2022-11-15 10:00:00' AS order_time, CAST(13900000000 + i AS VARCHAR) AS msisdn,
       'X' AS region,
       CASE WHEN i < 546 THEN 'store' WHEN i < 1149 THEN 'outbound' WHEN i < 4494 THEN 'app'
            ELSE 'store' END AS channel,
       'P' AS product, 'success' AS status, CASE WHEN i < 546 THEN 'C1' END AS campaign_id
FROM range(10000) t(i)
"""
# Outbound: users 0..6643 called (twice each), users 0..1960 connected on the second call.
# Platform: 36,779 more users (10000..46778) reached three times each, plus 5,000 never reached.
CONTACTS = """
SELECT 'ob' || i || '-' || a AS contact_id, '2022-11-10 10:00:00' AS contact_time,
       CAST(13800000000 + i AS VARCHAR) AS msisdn, 'X' AS region, 'outbound' AS touchpoint, 'WH' AS campaign_id,
       CASE WHEN i < 1961 AND a = 1 THEN '1' ELSE '0' END AS reached
FROM range(6644) t(i), range(2) r(a)
UNION ALL
SELECT 'mk' || i || '-' || a, '2022-11-11 10:00:00', CAST(13800000000 + i AS VARCHAR), 'X', 'sms', 'C1',
       CASE WHEN i < 46779 THEN '1' ELSE '0' END
FROM range(10000, 51779) t(i), range(3) r(a)
"""


def test_seed_000_figures(tmp_path):
    scratch = duckdb.connect()
    for kind, sql in (("orders", ORDERS), ("contacts", CONTACTS)):
        scratch.execute(f"COPY ({sql}) TO '{tmp_path / kind}.csv' (HEADER)")
    scratch.close()
    con = connect(tmp_path / "wh.duckdb", read_only=False)
    try:
        for kind in ("orders", "contacts"):
            load_files(con, kind, [tmp_path / f"{kind}.csv"], build_catalog(None), LoadOptions(strict=True))
        assert con.execute("SELECT count(*) FROM contacts").fetchall() == [(6644 * 2 + 41779 * 3,)]
        result = evaluate(
            con,
            build_kpi_catalog(None),
            build_catalog(None),
            ["2022-11"],
            [],
            ["online_share", "platform_success_rate", "outbound_connect_rate", "outbound_success_rate"],
        )
    finally:
        con.close()
    row = result.frame.to_pylist()[0]
    assert (row["online_share_num"], row["online_share_den"]) == (4494, 10000)
    assert (row["platform_success_rate_num"], row["platform_success_rate_den"]) == (546, 38740)
    assert (row["outbound_connect_rate_num"], row["outbound_connect_rate_den"]) == (1961, 6644)
    assert (row["outbound_success_rate_num"], row["outbound_success_rate_den"]) == (603, 1961)
    assert round(row["online_share"], 4) == 0.4494
    assert round(row["platform_success_rate"], 4) == 0.0141
    assert round(row["outbound_connect_rate"], 4) == 0.2952
    assert round(row["outbound_success_rate"], 4) == 0.3075
    assert row["platform_success_rate"] == pytest.approx(546 / 38740)
