"""KPIs on the customer base (SPEC §4, "Decisions on details"), on the hand-worked fixture of
kpi_fixture.py (users 138000000NN called NN; customers active at 2022-11-30: 01 02 04 06).

1. A share of the base counts only its members. November e-channel users of the fixture are 01
   (app, wechat) and 04 (self_service); here four more used an electronic channel in November
   without being customers active at 11-30: 03 (churned 11-20), 05 (churned 11-30: not active
   on the day it left), 07 (joins 12-01) and 99 (no customer at all). Penetration stays
   2 / 4 = 50% — counting every user would give 6 / 4 = 150%. By region: A has 01 of 01 02
   → 1 / 2 (03 is in A but gone); B has 04 of 04 06 → 1 / 2.

2. A month no customers snapshot covers is blank. The customers extract is as of 2022-11-30;
   orders o8 (2022-12-01) and o11 (2023-01-05) give December and January data. December's user
   retention would read 4 / 4 = 100% (the November-end base 01 02 04 06, all still active in a
   snapshot that cannot know of later churn): it is blank, with a note naming the as-of, and
   so is its change on November (0.5, covered: 11-30 is the month's end). January compared
   with December: December's value is blank, so the change is too. Order KPIs are untouched:
   December's order success rate is o8 = 1 / 1.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from chanops.channels import build_catalog
from chanops.ingest.loader import LoadOptions, load_files
from chanops.kpi.catalog import build_kpi_catalog
from chanops.kpi.evaluate import evaluate
from chanops.store.warehouse import connect

from . import kpi_fixture

CATALOG = build_kpi_catalog(None)
CHANNELS = build_catalog(None)

OUTSIDE_THE_BASE = """13800000003,app,2022-11-10 09:00:00
13800000005,wechat,2022-11-29 09:00:00
13800000007,sms,2022-11-30 09:00:00
13800000099,web,2022-11-15 09:00:00
"""
JANUARY_ORDER = "o11,2023-01-05 10:00:00,13800000001,A,app,P1,success,,,\n"
NOTE = "customer KPIs blank for {}: the latest customers snapshot is as of 2022-11-30"


def build(directory: Path, tables: dict[str, str], as_of: date) -> Path:
    """kpi_fixture.build, with the customers extract loaded as of `as_of`."""
    db = directory / "wh.duckdb"
    con = connect(db, read_only=False)
    try:
        for kind, text in tables.items():
            path = directory / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            options = LoadOptions(strict=True, as_of=as_of if kind == "customers" else None)
            load_files(con, kind, [path], CHANNELS, options)
    finally:
        con.close()
    return db


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tables = {
        **kpi_fixture.TABLES,
        "usage": kpi_fixture.USAGE + OUTSIDE_THE_BASE,
        "orders": kpi_fixture.ORDERS + JANUARY_ORDER,
    }
    db = build(tmp_path_factory.mktemp("base"), tables, date(2022, 11, 30))
    con = duckdb.connect(str(db), read_only=True)
    yield db, con
    con.close()


def run(con, months, dims=(), metrics=None, compare=None):
    return evaluate(con, CATALOG, CHANNELS, list(months), list(dims), metrics, compare=compare)


def test_penetration_counts_only_customers_active_at_month_end(warehouse):
    _db, con = warehouse
    [row] = run(con, ["2022-11"], metrics=["e_channel_penetration"]).frame.to_pylist()
    assert (row["e_channel_penetration_num"], row["e_channel_penetration_den"]) == (2, 4)
    assert row["e_channel_penetration"] == 0.5
    by_region = {
        r["region"]: (r["e_channel_penetration_num"], r["e_channel_penetration_den"])
        for r in run(con, ["2022-11"], ["region"], ["e_channel_penetration"]).frame.to_pylist()
    }
    assert by_region["A"] == (1, 2) and by_region["B"] == (1, 2)
    assert all(num <= den for num, den in by_region.values())


def test_a_month_no_snapshot_covers_is_blank_with_a_note(warehouse):
    _db, con = warehouse
    result = run(con, ["2022-12"], compare="prev")
    [row] = result.frame.to_pylist()
    for kpi_id in ("user_retention", "revenue_retention", "e_channel_penetration", "complaint_rate_per_million"):
        assert row[kpi_id] is None and row[f"{kpi_id}_change"] is None, kpi_id
    assert row["user_retention_prev"] == 0.5  # November is covered: its own value
    assert row["order_success_rate"] == 1.0  # o8; not a KPI on the customer base
    assert NOTE.format("2022-12") in result.notes

    [january] = run(con, ["2023-01"], metrics=["user_retention"], compare="prev").frame.to_pylist()
    assert january["user_retention_prev"] is None and january["user_retention_change"] is None

    november = run(con, ["2022-11"], compare="prev")
    assert november.frame.to_pylist()[0]["user_retention"] == 0.5
    assert not any("blank" in note for note in november.notes)


def test_the_cli_says_why_on_stderr(warehouse, chanops):
    db, _con = warehouse
    result = chanops("kpi", "--month", "2022-12", "--compare", "prev", "--format", "csv", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert f"note: {NOTE.format('2022-12')}" in result.stderr
    header, row = result.stdout.splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert values["user_retention"] == "" and values["user_retention_change"] == ""


def test_december_counts_on_the_base_are_blank_too_and_every_command_says_why(warehouse, chanops):
    """December is not covered (snapshot as of 2022-11-30): user retention's 4 / 4 counts come
    from a snapshot that cannot know December, so they are blank with the ratio, in `kpi` and in
    `retention` alike, and `retention` prints the same note `kpi` does. `prefer summary` for
    December blanks its month-end base columns (customers active at month end, penetration)
    and says why; the usage counts, which are December's own, stay."""
    db, con = warehouse
    [row] = run(con, ["2022-12"], metrics=["user_retention"]).frame.to_pylist()
    assert (row["user_retention_num"], row["user_retention_den"]) == (None, None)
    kept = chanops("retention", "--month", "2022-12", "--db", db, "--format", "json")
    assert kept.exit_code == 0, kept.stderr
    assert f"note: {NOTE.format('2022-12')}" in kept.stderr
    [retained] = json.loads(kept.stdout)
    assert retained["user_retention"] is None and retained["retained"] is None


def test_prefer_summary_blanks_the_base_of_an_uncovered_month(tmp_path, chanops):
    """Customers as of 2022-10-31 only: November's month-end base is unknown, so `prefer
    summary` for November blanks customers active at month end, the users among them and the
    penetration, and says why; November's users (01 on app and wechat, 04 on self_service) are
    November's own and stay."""
    db = build(tmp_path, kpi_fixture.TABLES, date(2022, 10, 31))
    summary = chanops("prefer", "summary", "--month", "2022-11", "--db", db, "--format", "json", "--lang", "en")
    assert summary.exit_code == 0, summary.stderr
    assert "note: customer base blank for 2022-11: the latest customers snapshot is as of 2022-10-31" in summary.stderr
    rows = {r["channel"]: r for r in json.loads(summary.stdout)}
    assert all(r["customers_month_end"] is None and r["penetration"] is None for r in rows.values())
    assert rows["app"]["users_month"] == 1 and rows["self_service"]["users_month"] == 1
