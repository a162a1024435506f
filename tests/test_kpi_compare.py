"""--compare prev|yoy: the earlier value is that month's own value, computed as the current one
is, and blank when that month has no rows in the KPI's sources (SPEC §4 decisions).

kpi_fixture plus three orders of November 2021:
  y1 2021-11-05 app success, y2 2021-11-06 store success, y3 2021-11-07 store fail
→ 2021-11: online share 1/2 (y1 online; y2 store), order success 2/3.
2022-11 stays as in test_kpi.py: online share 4/6, order success 6/8 — whatever is compared.
2022-10: order success 1/1 (o9); 2021-10 has no data, so its comparison is blank.
"""

from __future__ import annotations

import duckdb
import pytest

from chanops.channels import build_catalog
from chanops.kpi.catalog import build_kpi_catalog
from chanops.kpi.evaluate import evaluate

from . import kpi_fixture

YEAR_BEFORE = """y1,2021-11-05 10:00:00,13800000001,A,app,P1,success,,,
y2,2021-11-06 10:00:00,13800000002,A,store,P1,success,,,
y3,2021-11-07 10:00:00,13800000003,B,store,P2,fail,,,
"""


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    tables = {**kpi_fixture.TABLES, "orders": kpi_fixture.ORDERS + YEAR_BEFORE}
    con = duckdb.connect(str(kpi_fixture.build(tmp_path_factory.mktemp("yoy"), tables)), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def one_year(tmp_path_factory):
    con = duckdb.connect(str(kpi_fixture.build(tmp_path_factory.mktemp("one"))), read_only=True)
    yield con
    con.close()


def rows(con, months, compare, metrics=("online_share", "order_success_rate")):
    result = evaluate(con, build_kpi_catalog(None), build_catalog(None), months, [], list(metrics), compare=compare)
    return {r["month"]: r for r in result.frame.to_pylist()}


def test_year_on_year_compares_the_month_with_its_own_month_a_year_before(two_years):
    nov = rows(two_years, ["2022-11"], "yoy")["2022-11"]
    assert (nov["online_share_num"], nov["online_share_den"]) == (4, 6)
    assert (nov["order_success_rate_num"], nov["order_success_rate_den"]) == (6, 8)
    assert nov["compare_month"] == "2021-11"
    assert nov["online_share_prev"] == 0.5
    assert nov["online_share_change"] == pytest.approx(4 / 6 - 0.5)
    assert nov["order_success_rate_prev"] == pytest.approx(2 / 3)


def test_the_current_value_never_depends_on_compare(two_years):
    plain = rows(two_years, ["2022-10", "2022-11"], None)
    for compare in ("prev", "yoy"):
        compared = rows(two_years, ["2022-10", "2022-11"], compare)
        for month in ("2022-10", "2022-11"):
            for column in ("online_share", "online_share_num", "online_share_den", "order_success_rate_num"):
                assert compared[month][column] == plain[month][column], (compare, month, column)
    ranged = rows(two_years, ["2022-10", "2022-11"], "yoy")
    assert (ranged["2022-10"]["order_success_rate_num"], ranged["2022-10"]["order_success_rate_den"]) == (1, 1)
    assert ranged["2022-10"]["order_success_rate_prev"] is None  # 2021-10 has no data
    assert ranged["2022-11"]["order_success_rate_prev"] == pytest.approx(2 / 3)


def test_a_comparison_month_without_data_is_blank_not_zero_or_hundred(one_year):
    """No data at all in November 2021: every KPI's earlier value and change are blank —
    customer-based ones included, though customers who joined in 2020 exist then."""
    ids = [k for k in build_kpi_catalog(None)]
    nov = rows(one_year, ["2022-11"], "yoy", ids)["2022-11"]
    for kpi in ids:
        assert nov[f"{kpi}_prev"] is None and nov[f"{kpi}_change"] is None, kpi
    assert nov["user_retention"] == 0.5  # the current month as ever: 2 of 4


def test_a_kpi_whose_event_source_is_empty_that_month_is_blank(one_year):
    """October 2022 has orders (o9), contacts (c11), usage (05 on app) and a complaint (k4),
    but complaints per million is 1 × 1e6 / customers active on 10-31 (01 03 04 05 → 4) =
    250,000 — computed, because its source has a row; December has orders but no usage, so
    e-channel penetration for December is blank, not 0%."""
    months = rows(one_year, ["2022-10", "2022-12"], None, ("complaint_rate_per_million", "e_channel_penetration"))
    assert months["2022-10"]["complaint_rate_per_million"] == 250_000.0
    assert months["2022-12"]["e_channel_penetration"] is None
