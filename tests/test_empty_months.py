"""A month with no rows in a command's sources exits 1 naming them; a KPI over a kind never
loaded is left out with a note; a points statement without any rules refuses (SPEC §4).

kpi_fixture: orders, contacts, usage, complaints, customers and billing of October and
November 2022 (plus one order and one contact on 2022-12-01, and no bills in December)."""

from __future__ import annotations

import pytest

from . import kpi_fixture, points_fixture


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("empty"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lifecycle", "--month", "2022-12"], "no data for 2022-12: no rows of billing in that month"),
        (["quota", "--month", "2023-01"], "no data for 2023-01: no rows of contacts in that month"),
        (["points", "unclaimed", "--month", "2023-01"], "no data for 2023-01: no rows of entries, valid in that month"),
        (
            ["prefer", "churned", "--channel", "app", "--month", "2023-01"],
            "no data for 2023-01: no rows of usage, signals, complaints in that month",
        ),
    ],
)
def test_an_empty_month_exits_1_naming_its_sources(chanops, db, args, message):
    result = chanops(*args, "--db", db)
    assert result.exit_code == 1
    assert result.stderr == f"chanops: error: {message}\n" and result.stdout == ""


def test_a_kpi_over_a_kind_never_loaded_is_left_out(chanops, tmp_path):
    """Only orders loaded: the three KPIs made of orders alone are computed; the other seven are
    left out, each named with the kinds it lacks — not shown as 0."""
    db = kpi_fixture.build(tmp_path, {"orders": kpi_fixture.ORDERS})
    result = chanops("kpi", "--month", "2022-11", "--db", db, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    header = result.stdout.splitlines()[0].split(",")
    # the three KPIs made of orders alone; outbound success needs contacts for its denominator
    assert [c for c in header if c.endswith("_num")] == [
        "online_share_num",
        "order_success_rate_num",
        "e_channel_share_num",
    ]
    assert "note: platform_success_rate left out: no contacts loaded" in result.stderr
    assert "note: e_channel_penetration left out: no customers, usage loaded" in result.stderr
    assert "note: revenue_retention left out: no billing, customers loaded" in result.stderr
    assert "e_channel_penetration" not in result.stdout


def test_a_statement_without_rules_refuses(chanops, tmp_path):
    tables = {k: v for k, v in points_fixture.TABLES.items() if k != "rules"}
    db = points_fixture.build(tmp_path, tables, adjustments=[])
    result = chanops("points", "statement", "--month", "2022-11", "--db", db)
    assert result.exit_code == 1
    assert (
        result.stderr == "chanops: error: no points rules (积分规则) loaded: load rules before a statement or payout\n"
    )
