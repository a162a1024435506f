"""Retention and lifecycle (SPEC §4, §8) on a hand-worked fixture, month 2022-11.

c01 joined 08-30: not new (August is before M−2); Nov 50 = exactly 50% of the 100 mean → stable
c02 joined 08-31: not new either; Nov 15 vs mean (0 + 30 + 30) / 3 = 20: 15 ≥ 10 → stable
c03 Nov 49.99 < 50% of 100 → at_risk      c04 no Nov bill → at_risk
c05 churned 11-15 → churned     c06 churned 10-31 → not staged            c07 joins 12-01 → not staged
c08 Nov 80 vs mean 40 (Oct 120 only, missing months count 0) → stable
c09 churned 11-30 → churned (not active on the 30th)   c10 joined and churned in November → churned
Base (active 10-31): c01 c02 c03 c04 c05 c08 c09 = 7; active 11-30: c01 c02 c03 c04 c08 = 5.
Base revenue in Oct 100+30+100+100+40+120+20 = 510; in Nov 50+15+49.99+0+10+80+20 = 224.99.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from chanops.analysis.lifecycle import lifecycle, stage_list
from chanops.analysis.retention import retention_table
from chanops.channels import build_catalog
from chanops.kpi.catalog import build_kpi_catalog

from . import kpi_fixture

CUSTOMERS = """msisdn,region,join_date,churn_date
13800000001,A,2022-08-30,
13800000002,A,2022-08-31,
13800000003,A,2020-01-01,
13800000004,B,2020-01-01,
13800000005,B,2020-01-01,2022-11-15
13800000006,B,2020-01-01,2022-10-31
13800000007,B,2022-12-01,
13800000008,B,2020-01-01,
13800000009,A,2020-01-01,2022-11-30
13800000010,B,2022-11-10,2022-11-20
"""
BILLS = {
    "2022-08": {1: "100", 3: "100", 4: "100"},
    "2022-09": {1: "100", 2: "30", 3: "100", 4: "100"},
    "2022-10": {1: "100", 2: "30", 3: "100", 4: "100", 5: "40", 6: "50", 8: "120", 9: "20"},
    "2022-11": {1: "50", 2: "15", 3: "49.99", 5: "10", 8: "80", 9: "20", 10: "5"},
}
BILLING = "month,msisdn,revenue\n" + "".join(
    f"{month},138000000{c:02d},{amount}\n" for month, bills in BILLS.items() for c, amount in bills.items()
)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = kpi_fixture.build(tmp_path_factory.mktemp("lifecycle"), {"customers": CUSTOMERS, "billing": BILLING})
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def test_stages_at_every_boundary(con):
    rows = {r["msisdn"][-2:]: r["stage"] for r in stage_list_all(con)}
    assert rows == {
        "01": "stable",
        "02": "stable",
        "03": "at_risk",
        "04": "at_risk",
        "05": "churned",
        "08": "stable",
        "09": "churned",
        "10": "churned",
    }


def stage_list_all(con):
    return [
        r for stage in ("new", "stable", "at_risk", "churned") for r in stage_list(con, "2022-11", stage).to_pylist()
    ]


def test_counts_and_revenue_per_stage(con):
    rows = lifecycle(con, "2022-11").to_pylist()
    assert [(r["stage"], r["customers"], r["revenue"]) for r in rows] == [
        ("stable", 3, Decimal("145.00")),
        ("at_risk", 2, Decimal("49.99")),
        ("churned", 3, Decimal("35.00")),
    ]
    by_region = {
        (r["region"], r["stage"]): r["customers"] for r in lifecycle(con, "2022-11", by_region=True).to_pylist()
    }
    assert by_region == {
        ("A", "stable"): 2,
        ("A", "at_risk"): 1,
        ("A", "churned"): 1,
        ("B", "stable"): 1,
        ("B", "at_risk"): 1,
        ("B", "churned"): 2,
    }
    at_risk = stage_list(con, "2022-11", "at_risk").to_pylist()
    assert [(r["msisdn"][-2:], r["revenue"], r["prior_mean"]) for r in at_risk] == [
        ("03", Decimal("49.99"), Decimal("100.00")),
        ("04", Decimal("0.00"), Decimal("100.00")),
    ]


def test_retention_with_joins_and_churns_inside_the_month(con):
    [row] = retention_table(con, build_kpi_catalog(None), build_catalog(None), "2022-11").to_pylist()
    assert (row["base_month"], row["base_customers"], row["retained"]) == ("2022-10", 7, 5)
    assert row["user_retention"] == pytest.approx(5 / 7)
    assert (row["base_revenue"], row["revenue"]) == (Decimal("510.00"), Decimal("224.99"))
    assert row["revenue_retention"] == pytest.approx(224.99 / 510)
    regions = {
        r["region"]: r
        for r in retention_table(
            con, build_kpi_catalog(None), build_catalog(None), "2022-11", dims=["region"]
        ).to_pylist()
    }
    # A: base c01 c02 c03 c09, retained c01 c02 c03; B: base c04 c05 c08, retained c04 c08
    assert (regions["A"]["base_customers"], regions["A"]["retained"]) == (4, 3)
    assert (regions["B"]["base_customers"], regions["B"]["retained"]) == (3, 2)


def test_cli_retention_and_lifecycle(chanops, con):
    db = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    result = chanops("retention", "--month", "2022-11", "--base", "2022-09", "--db", db, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    # base 2022-09: active 09-30 are c01 c02 c03 c04 c05 c06 c08 c09 (8); still active 11-30: 5
    header, line = result.stdout.splitlines()
    assert header == "month,base_month,base_customers,retained,user_retention,base_revenue,revenue,revenue_retention"
    assert line.startswith("2022-11,2022-09,8,5,0.625,")
    listed = chanops("lifecycle", "--month", "2022-11", "--stage", "churned", "--list", "--db", db, "--format", "csv")
    assert [line.split(",")[0] for line in listed.stdout.splitlines()[1:]] == [
        "13800000009",
        "13800000005",
        "13800000010",
    ]
    bad = chanops("lifecycle", "--month", "2022-11", "--list", "--db", db)
    assert bad.exit_code == 2 and "--list needs --stage" in bad.stderr


def test_a_dispatch_list_says_its_numbers_are_masked_or_unmasks_by_config(chanops, con, tmp_path):
    """The at-risk list (c03, c04: 13800000003, 13800000004) written as xlsx for the dispatch
    teams: masked (138****0003) by default, and stderr says so and how to unmask; with
    `[dispatch] unmask = true` the workbook holds full numbers and nothing is said. CSV is
    never masked and needs no note; the stage counts (no phone numbers) say nothing either."""
    from openpyxl import load_workbook

    db = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0]
    listing = ("lifecycle", "--month", "2022-11", "--stage", "at_risk", "--list", "--db", db)
    masked = chanops(*listing, "-o", tmp_path / "at_risk.xlsx")
    assert masked.exit_code == 0, masked.stderr
    assert "phone numbers are masked" in masked.stderr and "--unmask" in masked.stderr
    assert "[dispatch] unmask = true" in masked.stderr
    numbers = [c.value for c in load_workbook(tmp_path / "at_risk.xlsx").active["A"][1:]]
    assert numbers == ["138****0003", "138****0004"]

    config = tmp_path / "chanops.toml"
    config.write_text("[dispatch]\nunmask = true\n", encoding="utf-8")
    unmasked = chanops(*listing, "-o", tmp_path / "dispatch.xlsx", "--config", config)
    assert unmasked.exit_code == 0, unmasked.stderr
    assert "masked" not in unmasked.stderr
    numbers = [c.value for c in load_workbook(tmp_path / "dispatch.xlsx").active["A"][1:]]
    assert numbers == ["13800000003", "13800000004"]

    for quiet in (chanops(*listing, "--format", "csv"), chanops(*listing[:3], "--db", db, "--format", "markdown")):
        assert quiet.exit_code == 0 and "masked" not in quiet.stderr, quiet.stderr


def test_new_means_joined_in_the_last_three_calendar_months(tmp_path):
    """November 2022: joined 2022-08-31 → not new (M−2 is September); with 3 months of tenure
    and no November bill it is at_risk. Joined 2022-09-01 and 2022-11-30 → new; 2022-12-01 →
    not staged. (Counting back calendar days made an Aug-31 join new and an Aug-30 one not.)"""
    customers = (
        "msisdn,region,join_date\n13800000001,A,2022-08-31\n13800000002,A,2022-09-01\n"
        "13800000003,A,2022-11-30\n13800000004,A,2022-12-01\n"
    )
    db = kpi_fixture.build(
        tmp_path, {"customers": customers, "billing": "month,msisdn,revenue\n2022-11,13800000009,1\n"}
    )
    con = duckdb.connect(str(db), read_only=True)
    try:
        stages = {
            r["msisdn"][-1]: r["stage"]
            for s in ("new", "stable", "at_risk", "churned")
            for r in stage_list(con, "2022-11", s).to_pylist()
        }
    finally:
        con.close()
    assert stages == {"1": "at_risk", "2": "new", "3": "new"}
