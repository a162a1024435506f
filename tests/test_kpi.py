"""KPI definitions of SPEC §4 against the hand-worked fixture in kpi_fixture.py.

Worked by hand for 2022-11:
- successful orders: o1 o2 o3 o4 o6 o7 (o5, o10 failed; o8 is December, o9 October) = 6 of 8
- online share: o1 (platform AND online: once), o2 (platform), o4 (outbound), o7 (hotline) = 4 / 6
- platform orders (successful, campaign set): o1 o2 = 2; o10 has a campaign but failed
- distinct users with a reached contact: 01 (twice), 02, 04, 05 = 4 → platform rate 2 / 4
- outbound: called 04 05 12 13 = 4, connected 04 05 = 2 → 2 / 4; outbound successes o4 = 1 → 1 / 2
- e-channel share: o1 (app), o7 (hotline) = 2 / 6
- active at 2022-11-30: 01 02 04 06 = 4 (03 churned 11-20, 05 churned 11-30, 07 joins 12-01)
- e-channel users: 01 (app, wechat), 04 (self_service) = 2 / 4 (06 internet and 02 store are not electronic)
- complaints k1 k2 k3 = 3 → 3 × 1e6 / 4 = 750,000
- base (active 2022-10-31): 01 03 04 05 (08 churned 10-31) → still active 01 04 = 2 / 4
- revenue of base customers: Nov 110 + 60 + 5 = 175, Oct 100 + 50 + 80 + 20 = 250 → 0.7
"""

from __future__ import annotations

import functools
import random
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chanops.channels import build_catalog
from chanops.errors import ConfigError, NoData, UsageError
from chanops.kpi.catalog import build_kpi_catalog
from chanops.kpi.evaluate import evaluate

from . import kpi_fixture

CATALOG = build_kpi_catalog(None)
CHANNELS = build_catalog(None)

EXPECTED_NOV = {  # id: (numerator, denominator, value)
    "online_share": (4, 6, 4 / 6),
    "platform_success_rate": (2, 4, 0.5),
    "outbound_connect_rate": (2, 4, 0.5),
    "outbound_success_rate": (1, 2, 0.5),
    "order_success_rate": (6, 8, 0.75),
    "e_channel_share": (2, 6, 2 / 6),
    "e_channel_penetration": (2, 4, 0.5),
    "complaint_rate_per_million": (3, 4, 750_000.0),
    "user_retention": (2, 4, 0.5),
    "revenue_retention": (175, 250, 0.7),
}


@functools.cache
def REFERENCE_REGION_CHANNEL():  # noqa: N802 - a cached constant
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(kpi_fixture.build(Path(tmp))), read_only=True)
        frame = run(con, dims=["region", "channel"], metrics=["online_share", "platform_success_rate"]).frame
        con.close()
    return frame


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    db = kpi_fixture.build(tmp_path_factory.mktemp("kpi"))
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def run(con, months=("2022-11",), dims=(), metrics=None, **kw):
    return evaluate(con, CATALOG, CHANNELS, list(months), list(dims), metrics, **kw)


def test_every_kpi_for_the_month(warehouse):
    result = run(warehouse)
    [row] = result.frame.to_pylist()
    assert row["month"] == "2022-11"
    for kpi_id, (num, den, value) in EXPECTED_NOV.items():
        assert (float(row[f"{kpi_id}_num"]), float(row[f"{kpi_id}_den"])) == (num, den), kpi_id
        assert row[kpi_id] == pytest.approx(value), kpi_id


def test_slices_by_region_are_recomputed_not_averaged(warehouse):
    result = run(warehouse, dims=["region"])
    rows = {r["region"]: r for r in result.frame.to_pylist()}
    assert set(rows) == {"A", "B", None}  # k3 has no msisdn, so no region
    a, b = rows["A"], rows["B"]
    assert (a["online_share_num"], a["online_share_den"], b["online_share_num"], b["online_share_den"]) == (2, 3, 2, 3)
    assert (a["platform_success_rate_num"], a["platform_success_rate_den"], a["platform_success_rate"]) == (2, 2, 1.0)
    assert (b["platform_success_rate_num"], b["platform_success_rate_den"], b["platform_success_rate"]) == (0, 2, 0.0)
    assert a["outbound_connect_rate"] is None and a["outbound_connect_rate_den"] == 0
    assert (b["outbound_success_rate_num"], b["outbound_success_rate_den"]) == (1, 2)
    assert (a["user_retention_num"], a["user_retention_den"], b["user_retention_num"], b["user_retention_den"]) == (
        1,
        2,
        1,
        2,
    )
    assert float(a["revenue_retention_num"]) == 110 and float(a["revenue_retention_den"]) == 150
    assert float(b["revenue_retention_num"]) == 65 and float(b["revenue_retention_den"]) == 100
    assert (a["e_channel_penetration_num"], a["e_channel_penetration_den"]) == (1, 2)
    assert rows[None]["complaint_rate_per_million_num"] == 1 and rows[None]["complaint_rate_per_million"] is None
    # additive numerators add up to the total
    total = run(warehouse).frame.to_pylist()[0]
    for kpi_id in ("online_share", "order_success_rate", "complaint_rate_per_million", "user_retention"):
        assert sum(r[f"{kpi_id}_num"] for r in rows.values()) == total[f"{kpi_id}_num"]


def test_channel_and_wave_slices(warehouse):
    by_channel = {
        r["channel"]: r
        for r in run(
            warehouse, dims=["channel"], metrics=["platform_success_rate", "outbound_connect_rate"]
        ).frame.to_pylist()
    }
    # platform orders by order channel, reached users by touchpoint
    assert (by_channel["app"]["platform_success_rate_num"], by_channel["app"]["platform_success_rate_den"]) == (1, 1)
    assert (by_channel["store"]["platform_success_rate_num"], by_channel["store"]["platform_success_rate_den"]) == (
        1,
        0,
    )
    assert by_channel["store"]["platform_success_rate"] is None
    assert (
        by_channel["outbound"]["outbound_connect_rate_num"],
        by_channel["outbound"]["outbound_connect_rate_den"],
    ) == (2, 4)
    by_wave = {r["wave"]: r for r in run(warehouse, dims=["wave"], metrics=["outbound_connect_rate"]).frame.to_pylist()}
    # wave 1 called 04 05 12 13, connected 05; wave 2 called 04, connected 04
    assert (by_wave[1]["outbound_connect_rate_num"], by_wave[1]["outbound_connect_rate_den"]) == (1, 4)
    assert (by_wave[2]["outbound_connect_rate_num"], by_wave[2]["outbound_connect_rate_den"]) == (1, 1)


def test_month_range_and_compare(warehouse):
    result = run(
        warehouse,
        months=["2022-10", "2022-11"],
        metrics=["order_success_rate", "outbound_connect_rate"],
        compare="prev",
    )
    rows = {r["month"]: r for r in result.frame.to_pylist()}
    # October: o9 only (1 of 1); c11 called and connected 14
    assert (rows["2022-10"]["order_success_rate_num"], rows["2022-10"]["order_success_rate_den"]) == (1, 1)
    assert rows["2022-10"]["outbound_connect_rate"] == 1.0
    nov = rows["2022-11"]
    assert nov["compare_month"] == "2022-10"
    assert nov["order_success_rate_prev"] == 1.0
    assert nov["order_success_rate_change"] == pytest.approx(-0.25)
    assert nov["outbound_connect_rate_change"] == pytest.approx(-0.5)
    assert rows["2022-10"]["order_success_rate_prev"] is None  # September has no data


def test_explicit_base_month(warehouse):
    # base 2022-09: customers active on 09-30 are 01 03 04 05 08; still active 11-30: 01 04
    row = run(warehouse, metrics=["user_retention"], base="2022-09").frame.to_pylist()[0]
    assert (row["user_retention_num"], row["user_retention_den"]) == (2, 5)


def test_slicing_rules(warehouse):
    result = run(warehouse, dims=["wave"])
    assert [k.id for k in result.kpis] == ["outbound_connect_rate"]
    assert "left out" in result.notes[0] and "online_share" in result.notes[0]
    with pytest.raises(UsageError, match="KPI user_retention cannot be sliced by channel"):
        run(warehouse, dims=["channel"], metrics=["user_retention"])
    with pytest.raises(UsageError, match="unknown dimension 'city'"):
        run(warehouse, dims=["city"])
    with pytest.raises(UsageError, match="unknown KPI 'nps'"):
        run(warehouse, metrics=["nps"])


def test_month_without_data(warehouse):
    with pytest.raises(NoData, match=r"no data for 2023-05 .* latest month with data: 2022-12"):
        run(warehouse, months=["2023-05"])


def test_user_defined_kpi_and_thresholds(warehouse):
    catalog = build_kpi_catalog(
        {
            "hotline_share": {
                "zh": "热线占比",
                "numerator": {"source": "orders", "where": "success AND channel = 'hotline'"},
                "denominator": {"source": "orders", "where": "success"},
                "min": 0.5,
            },
            "online_share": {"max": 0.6},
        }
    )
    result = evaluate(warehouse, catalog, CHANNELS, ["2022-11"], [], ["hotline_share", "online_share"])
    row = result.frame.to_pylist()[0]
    assert (row["hotline_share_num"], row["hotline_share_den"]) == (1, 6)
    assert result.breaches == [
        "hotline_share 2022-11: 16.67% below min 50.00%",
        "online_share 2022-11: 66.67% above max 60.00%",
    ]


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_shuffled_rows_change_nothing(seed):
    """Property: the order rows arrive in changes no KPI of any slice."""

    def shuffled(text: str) -> str:
        header, *rows = text.strip().splitlines()
        random.Random(seed).shuffle(rows)
        return "\n".join([header, *rows]) + "\n"

    with tempfile.TemporaryDirectory() as tmp:
        db = kpi_fixture.build(Path(tmp), {k: shuffled(v) for k, v in kpi_fixture.TABLES.items()})
        con = duckdb.connect(str(db), read_only=True)
        shuffled_result = run(con, dims=["region", "channel"], metrics=["online_share", "platform_success_rate"]).frame
        con.close()
    assert shuffled_result.equals(REFERENCE_REGION_CHANNEL())


@pytest.mark.parametrize(
    ("where", "refusal"),
    [
        ("read_text('/etc/passwd') IS NOT NULL", "'read_text' is not allowed"),
        ("glob('/root/*') IS NULL", "'glob' is not allowed"),
        ("getenv('HOME') = 'x'", "'getenv' is not allowed"),
        ("msisdn IN (SELECT msisdn FROM customers)", "not allowed"),
        ("success; DROP TABLE orders", "one condition, not 2 statements"),
        ("o.fee > 1", "may not name a table"),
        ("password = 'x'", "uses 'password'"),
    ],
)
def test_a_user_where_that_reads_anything_but_its_columns_is_refused(where, refusal):
    """Refused when chanops.toml is read, before any SQL runs, naming the construct."""
    with pytest.raises(ConfigError, match=refusal):
        build_kpi_catalog(
            {"x": {"numerator": {"source": "orders", "where": where}, "denominator": {"source": "orders"}}}
        )


def test_a_user_where_with_functions_and_case_is_accepted(warehouse):
    """lower(), IN, BETWEEN and CASE over orders' own columns: hotline orders among successful
    ones, as in test_user_defined_kpi_and_thresholds: 1 of 6."""
    catalog = build_kpi_catalog(
        {
            "hotline_share": {
                "numerator": {
                    "source": "orders",
                    "where": "CASE WHEN success THEN lower(channel) IN ('hotline') ELSE false END",
                },
                "denominator": {"source": "orders", "where": "success AND length(region) BETWEEN 1 AND 20"},
            }
        }
    )
    row = evaluate(warehouse, catalog, CHANNELS, ["2022-11"], [], ["hotline_share"]).frame.to_pylist()[0]
    assert (row["hotline_share_num"], row["hotline_share_den"]) == (1, 6)
