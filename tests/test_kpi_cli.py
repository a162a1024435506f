"""`chanops kpi` through the CLI: formats, --check, usage errors, empty months."""

from __future__ import annotations

import json

import pytest

from . import kpi_fixture
from .conftest import write_text


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("kpicli"))


def test_csv_has_ids_fractions_numerators_and_denominators(chanops, db):
    result = chanops(
        "kpi", "--db", db, "--month", "2022-11", "--metric", "outbound_success_rate,online_share", "--format", "csv"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        "month,outbound_success_rate,outbound_success_rate_num,outbound_success_rate_den,"
        "online_share,online_share_num,online_share_den",
        "2022-11,0.5,1,2,0.6666666666666666,4,6",
    ]


def test_default_month_is_the_latest_with_data(chanops, db):
    # December has o8 and c12 only
    result = chanops("kpi", "--db", db, "--metric", "order_success_rate", "--format", "json")
    assert json.loads(result.stdout) == [
        {"month": "2022-12", "order_success_rate": 1.0, "order_success_rate_num": 1, "order_success_rate_den": 1}
    ]


def test_table_shows_labels_and_percentages(chanops, db):
    result = chanops(
        "kpi",
        "--db",
        db,
        "--month",
        "2022-11",
        "--by",
        "region",
        "--metric",
        "online_share",
        "--format",
        "markdown",
        "--lang",
        "en",
        "--compare",
        "prev",
    )
    assert result.exit_code == 0, result.stderr
    assert "| Online share of orders | 66.67%" in result.stdout
    assert "Compared month" in result.stdout


def test_check_exits_3_and_names_every_breach(chanops, db, tmp_path):
    (tmp_path / "cfg").mkdir()
    config = write_text(
        tmp_path / "cfg" / "alerts.toml", "[kpis.online_share]\nmin = 0.7\n[kpis.order_success_rate]\nmin = 0.8\n"
    )
    result = chanops(
        "kpi",
        "--db",
        db,
        "--month",
        "2022-11",
        "--metric",
        "online_share,order_success_rate",
        "--config",
        config,
        "--check",
        "--format",
        "csv",
    )
    assert result.exit_code == 3
    assert result.stdout.startswith("month,online_share")  # the numbers are still written
    assert result.stderr.splitlines() == [
        "breach: online_share 2022-11: 66.67% below min 70.00%",
        "breach: order_success_rate 2022-11: 75.00% below min 80.00%",
        "chanops: error: 2 KPI value(s) outside their thresholds",
    ]
    ok = chanops("kpi", "--db", db, "--month", "2022-11", "--metric", "online_share", "--check", "--format", "csv")
    assert ok.exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "nps"], "unknown KPI 'nps'"),
        (["--by", "city"], "unknown dimension 'city'"),
        (["--by", "channel", "--metric", "user_retention"], "KPI user_retention cannot be sliced by channel"),
        (["--month", "2022-13"], "--month must be a month like 2022-11, got '2022-13'"),
        (["--compare", "week"], "--compare must be prev or yoy"),
        (["--from", "2022-11"], "--from and --to go together"),
    ],
)
def test_usage_errors_exit_2(chanops, db, args, message):
    result = chanops("kpi", "--db", db, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("chanops: error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_month_without_data_exits_1(chanops, db):
    result = chanops("kpi", "--db", db, "--month", "2021-01")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("chanops: error: no data for 2021-01")


def test_unsliceable_kpis_are_left_out_with_a_note(chanops, db):
    result = chanops("kpi", "--db", db, "--month", "2022-11", "--by", "wave", "--format", "csv")
    assert result.exit_code == 0
    assert (
        result.stdout.splitlines()[0]
        == "month,wave,outbound_connect_rate,outbound_connect_rate_num,outbound_connect_rate_den"
    )
    assert result.stderr.startswith("note: not sliceable by wave, left out: online_share")


def test_kpi_list(chanops):
    result = chanops("kpi", "list", "--format", "json", "--lang", "en")
    catalog = {row["id"]: row for row in json.loads(result.stdout)}
    assert len(catalog) == 10
    assert catalog["platform_success_rate"]["denominator"] == "distinct users with a reached contact"
    assert catalog["complaint_rate_per_million"]["numerator"] == "complaints × 1,000,000"
    assert catalog["user_retention"]["dimensions"] == "region"
