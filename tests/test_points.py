"""Points reconciliation (SPEC §6) against the hand-worked case in points_fixture.py."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from chanops.errors import NoData, UsageError
from chanops.points import reconcile as points

from . import points_fixture

D = Decimal
CONFIG = points.PointsConfig()


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db = points_fixture.build(tmp_path_factory.mktemp("points"))
    connection = duckdb.connect(str(db), read_only=True)
    yield connection
    connection.close()


def test_match_statuses_held_by_and_earned(con):
    rows = points.match(con, "2022-11").to_pylist()
    got = [(r["entry_id"], r["staff_id"], r["status"], r["held_by"], r["fee"], r["earned"]) for r in rows]
    assert got == [
        ("e02", "G1", "valid", None, D("8.35"), D("2.51")),
        ("e03", "G1", "duplicate", "G1", None, D("0.00")),
        ("e04", "G2", "valid", None, D("5.00"), D("2.00")),
        ("e05", "G2", "valid", None, D("30.00"), D("7.50")),
        ("e06", "G3", "no_rule", None, D("50.00"), D("0.00")),
        ("e07", "G3", "valid", None, D("10.00"), D("3.00")),
        ("e08", "G1", "contested", "G3", None, D("0.00")),
        ("e09", "G4", "invalid", None, None, D("0.00")),
        ("e13", "G6", "valid", None, D("5.00"), D("2.00")),
        ("e14", "G6", "valid", None, D("5.00"), D("2.00")),
        ("e10", "G4", "invalid", None, None, D("0.00")),
    ]


def test_statement_ranks_deducts_and_adjusts(con):
    rows = points.statement(con, "2022-11", CONFIG).to_pylist()
    got = [
        (
            r["rank"],
            r["staff_id"],
            r["claims"],
            r["valid"],
            r["invalid"],
            r["duplicate"],
            r["contested"],
            r["no_rule"],
            r["earned"],
            r["deductions"],
            r["adjustments"],
            r["net"],
            r["payout"],
        )
        for r in rows
    ]
    assert got == [
        (1, "G2", 2, 2, 0, 0, 0, 0, D("9.50"), D("0.00"), D("0.00"), D("9.50"), D("9.50")),
        (2, "G3", 2, 1, 0, 0, 0, 1, D("3.00"), D("0.00"), D("-0.49"), D("2.51"), D("2.51")),
        (3, "G6", 2, 2, 0, 0, 0, 0, D("4.00"), D("0.00"), D("-1.49"), D("2.51"), D("2.51")),
        (4, "G1", 3, 1, 0, 1, 1, 0, D("2.51"), D("0.00"), D("0.00"), D("2.51"), D("2.51")),
        (5, "G5", 0, 0, 0, 0, 0, 0, D("0.00"), D("2.00"), D("0.00"), D("-2.00"), D("0.00")),
        (6, "G4", 2, 0, 2, 0, 0, 0, D("0.00"), D("4.00"), D("0.00"), D("-4.00"), D("0.00")),
    ]
    by_staff = {r["staff_id"]: r for r in rows}
    assert by_staff["G1"]["match_rate"] == pytest.approx(1 / 3)
    assert by_staff["G3"]["match_rate"] == 1.0  # no_rule claims matched billing too
    assert by_staff["G5"]["match_rate"] is None
    assert (by_staff["G5"]["staff_name"], by_staff["G5"]["store"]) == ("陈静", "新华营业厅")  # from October


def test_budget_prorates_to_the_exact_cent(con):
    rows = points.statement(con, "2022-11", CONFIG, D("10.00")).to_pylist()
    assert [(r["staff_id"], r["payout"]) for r in rows] == [
        ("G2", D("5.58")),
        ("G3", D("1.48")),
        ("G6", D("1.47")),
        ("G1", D("1.47")),
        ("G5", D("0.00")),
        ("G4", D("0.00")),
    ]
    assert sum(r["payout"] for r in rows) == D("10.00")
    # a budget that does not bind pays the nets
    loose = points.statement(con, "2022-11", CONFIG, D("100")).to_pylist()
    assert [r["payout"] for r in loose] == [D("9.50"), D("2.51"), D("2.51"), D("2.51"), D("0.00"), D("0.00")]
    zero = points.statement(con, "2022-11", CONFIG, D("0")).to_pylist()
    assert {r["payout"] for r in zero} == {D("0.00")}


def test_category_deductions_from_config(con):
    config = points.PointsConfig.from_section({"complaint_deduction": 3, "category_deduction": {"资费争议": 1}})
    rows = {r["staff_id"]: r for r in points.statement(con, "2022-11", config).to_pylist()}
    assert rows["G4"]["deductions"] == D("4.00")  # 服务态度 3 + 资费争议 1
    assert rows["G5"]["deductions"] == D("3.00")


def test_summary_by_store_and_product(con):
    stores = points.summary(con, "2022-11", "store").to_pylist()
    assert [
        (
            r["store"],
            r["claims"],
            r["valid"],
            r["invalid"],
            r["duplicate"],
            r["contested"],
            r["no_rule"],
            r["match_rate"],
            r["earned"],
        )
        for r in stores
    ] == [
        ("中心营业厅", 5, 3, 0, 1, 1, 0, 0.6, D("12.01")),
        ("人民路营业厅", 2, 2, 0, 0, 0, 0, 1.0, D("4.00")),
        ("新华营业厅", 4, 1, 2, 0, 0, 1, 0.5, D("3.00")),
    ]
    products = {r["product"]: r["claims"] for r in points.summary(con, "2022-11", "product").to_pylist()}
    assert products == {"视频彩铃": 5, "手机报": 4, "流量包": 1, "宽带": 1}


def test_unclaimed_and_payout_file(con):
    assert points.unclaimed(con, "2022-11").to_pylist() == [
        {"msisdn": "13800000009", "product": "视频彩铃", "fee": D("10.00")}
    ]
    payout = points.payout_file(points.statement(con, "2022-11", CONFIG, D("10.00")))
    assert payout.to_pylist() == [
        {"staff_id": "G2", "staff_name": "李娜", "payout": D("5.58")},
        {"staff_id": "G3", "staff_name": "张敏", "payout": D("1.48")},
        {"staff_id": "G6", "staff_name": "杨洋", "payout": D("1.47")},
        {"staff_id": "G1", "staff_name": "王伟", "payout": D("1.47")},
    ]


def test_bad_months_and_budgets(con):
    with pytest.raises(NoData, match="no entries"):
        points.statement(con, "2023-01", CONFIG)
    with pytest.raises(UsageError, match="cannot be negative"):
        points.statement(con, "2022-11", CONFIG, D("-1"))
    with pytest.raises(UsageError, match="--by must be one of"):
        points.summary(con, "2022-11", "city")
