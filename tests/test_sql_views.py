"""The views `chanops sql` adds (claims, preference, lifecycle, current_customers) are what
their commands compute: each month of a view equals the command's output for that month, on
the hand-worked fixtures of the commands' own tests.

claims (tests/points_fixture.py): 2022-11 has 11 claims — valid e02 e04 e05 e07 e13 e14 (6),
duplicate e03, contested e08, no_rule e06, invalid e09 e10 (2); 2022-10 holds e01 and e12 and
2022-12 e11, each invalid (billing has none of them in its month).
preference (tests/test_prefer.py): 2022-11 scores 9 pairs, high 2 (u01 app 80, u02 app 60),
medium 2 (u03 sms 30, u05 web 35), low 5; the view covers the months with usage, signals or
complaints that `prefer scores` answers for: 2022-05, -06, -08, -09, -10, -11 (July has no row).
lifecycle (tests/test_lifecycle.py): 2022-11 stable 3 (145.00), at_risk 2 (49.99), churned 3
(35.00); months with bills 2022-08..2022-11.
current_customers: two snapshots; 13800000001 moved from A (as of 10-31) to C (11-30),
13800000002 only in the first, 13800000003 new in the second.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from chanops.config import load_config
from chanops.sql import customer_state
from chanops.store.warehouse import connect
from chanops.tasks import run_task
from chanops.tasks.customers import LifecycleRequest, ScoresRequest
from chanops.tasks.points import PointsMonth
from chanops.tasks.warehouse import SqlRequest

from . import kpi_fixture, points_fixture
from .conftest import write_text
from .test_lifecycle import BILLING, CUSTOMERS
from .test_prefer import TABLES as PREFER_TABLES


def sql(db, statement: str):
    with connect(db, read_only=True) as con:
        return run_task("sql", con, load_config(None), SqlRequest(statement)).value


def command(db, name: str, request):
    with connect(db, read_only=True) as con:
        return run_task(name, con, load_config(None), request).value


def without_month(table):
    return table.drop_columns(["month"]).to_pylist()


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture(scope="module")
def points_db(tmp_path_factory):
    return points_fixture.build(tmp_path_factory.mktemp("claims"))


@pytest.fixture(scope="module")
def prefer_db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("preference"), PREFER_TABLES)


@pytest.fixture(scope="module")
def lifecycle_db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("lifecycle"), {"customers": CUSTOMERS, "billing": BILLING})


def test_claims_is_points_match_for_every_month(points_db, chanops):
    counts = sql(points_db, "SELECT month, status, count(*) AS n FROM claims GROUP BY ALL ORDER BY ALL").to_pylist()
    assert [(r["month"], r["status"], r["n"]) for r in counts] == [
        ("2022-10", "invalid", 2),
        ("2022-11", "contested", 1),
        ("2022-11", "duplicate", 1),
        ("2022-11", "invalid", 2),
        ("2022-11", "no_rule", 1),
        ("2022-11", "valid", 6),
        ("2022-12", "invalid", 1),
    ]
    for month in ("2022-10", "2022-11", "2022-12"):
        view = sql(points_db, f"SELECT * FROM claims WHERE month = '{month}' ORDER BY entry_time, entry_id")
        assert without_month(view) == command(points_db, "points match", PointsMonth(month)).to_pylist(), month
    # the CLI prints the same bytes for the view as for the command
    shown = chanops(
        "sql",
        "SELECT * EXCLUDE (month) FROM claims WHERE month = '2022-11' ORDER BY entry_time, entry_id",
        "--db",
        points_db,
        "-f",
        "csv",
    )
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout == chanops("points", "match", "--month", "2022-11", "--db", points_db, "-f", "csv").stdout


def test_preference_is_prefer_scores_for_every_month_they_answer_for(prefer_db):
    months = sql(prefer_db, "SELECT DISTINCT month FROM preference ORDER BY 1").column("month").to_pylist()
    assert months == ["2022-05", "2022-06", "2022-08", "2022-09", "2022-10", "2022-11"]
    tiers = sql(prefer_db, "SELECT tier, count(*) AS n FROM preference WHERE month = '2022-11' GROUP BY 1 ORDER BY 1")
    assert tiers.to_pylist() == [{"tier": "high", "n": 2}, {"tier": "low", "n": 5}, {"tier": "medium", "n": 2}]
    for month in months:
        view = sql(prefer_db, f"SELECT * FROM preference WHERE month = '{month}' ORDER BY msisdn, channel")
        assert without_month(view) == command(prefer_db, "prefer scores", ScoresRequest(month)).to_pylist(), month


def test_lifecycle_is_the_stage_of_every_customer_for_every_month_with_bills(lifecycle_db):
    months = sql(lifecycle_db, "SELECT DISTINCT month FROM lifecycle ORDER BY 1").column("month").to_pylist()
    assert months == ["2022-08", "2022-09", "2022-10", "2022-11"]
    per_stage = sql(
        lifecycle_db,
        """SELECT stage, count(*) AS customers, sum(revenue) AS revenue FROM lifecycle
           WHERE month = '2022-11' GROUP BY stage""",
    ).to_pylist()
    shown = command(lifecycle_db, "lifecycle", LifecycleRequest("2022-11")).to_pylist()
    assert (
        sorted((r["stage"], r["customers"], r["revenue"]) for r in per_stage)
        == sorted((r["stage"], r["customers"], r["revenue"]) for r in shown)
        == [("at_risk", 2, Decimal("49.99")), ("churned", 3, Decimal("35.00")), ("stable", 3, Decimal("145.00"))]
    )
    for month in months:
        for stage in ("new", "stable", "at_risk", "churned"):
            view = sql(
                lifecycle_db,
                f"SELECT * FROM lifecycle WHERE month = '{month}' AND stage = '{stage}' ORDER BY region, msisdn",
            )
            listed = command(lifecycle_db, "lifecycle", LifecycleRequest(month, stage=stage, as_list=True))
            assert without_month(view) == listed.to_pylist(), (month, stage)


def test_current_customers_is_the_state_in_force_now(chanops, tmp_path, db):
    header = "msisdn,region,join_date,churn_date\n"
    first = write_text(tmp_path / "c1.csv", header + "13800000001,A,2020-01-01,\n13800000002,B,2020-01-01,\n")
    second = write_text(tmp_path / "c2.csv", header + "13800000001,C,2020-01-01,\n13800000003,A,2022-11-10,\n")
    assert chanops("load", "customers", first, "--as-of", "2022-10-31", "--db", db).exit_code == 0
    assert chanops("load", "customers", second, "--as-of", "2022-11-30", "--db", db).exit_code == 0
    now = sql(db, "SELECT msisdn, region, state_since, last_seen FROM current_customers ORDER BY msisdn")
    assert [(r["msisdn"][-1], r["region"], str(r["state_since"]), str(r["last_seen"])) for r in now.to_pylist()] == [
        ("1", "C", "2022-11-30", "2022-11-30"),
        ("2", "B", "2022-10-31", "2022-10-31"),
        ("3", "A", "2022-11-30", "2022-11-30"),
    ]
    # the state in force on any day after the latest snapshot, as every command reads it
    state = customer_state("DATE '2099-12-31'")
    later = sql(db, f"SELECT msisdn, region FROM ({state})")
    assert sorted(later.to_pylist(), key=lambda r: r["msisdn"]) == [
        {"msisdn": r["msisdn"], "region": r["region"]} for r in now.to_pylist()
    ]


def test_db_schema_lists_the_views_with_their_columns(chanops, points_db):
    """Kinds first (kind table), then the four views (kind view) with a month column where
    they are by month, then the ledger tables."""
    result = chanops("db", "schema", "--db", points_db, "-f", "csv")
    assert result.exit_code == 0, result.stderr
    listed = rows(result.stdout)
    assert listed[0] == ["table", "kind", "column", "type", "holds"]
    views = [r for r in listed[1:] if r[1] == "view"]
    assert [r[0] for r in views if r[2] == "month"] == ["claims", "preference", "lifecycle"]
    assert {r[0] for r in views} == {"claims", "preference", "lifecycle", "current_customers"}
    columns = {(r[0], r[2]): r[3] for r in views}
    assert columns[("claims", "status")] == "VARCHAR" and columns[("preference", "score")] == "DOUBLE"
    assert columns[("lifecycle", "stage")] == "VARCHAR" and columns[("current_customers", "state_since")] == "DATE"
    order = [("ledger" if r[0].startswith("_") else r[1]) for r in listed[1:]]
    assert order == sorted(order, key=["table", "view", "ledger"].index)


def test_the_views_are_temporary_and_the_sandbox_holds(chanops, points_db):
    """The views exist for the statement only: the warehouse file gains no view, and a
    statement using a view still cannot read a file."""
    ok = chanops("sql", "SELECT count(*) AS n FROM claims", "--db", points_db, "-f", "csv")
    assert ok.exit_code == 0 and ok.stdout.splitlines() == ["n", "14"]
    with connect(points_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]
    refused = chanops("sql", "SELECT * FROM claims, read_text('/etc/passwd')", "--db", points_db)
    assert refused.exit_code == 2 and "root:" not in refused.stderr
