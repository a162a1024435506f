"""The SQL chanops generates, kept as reviewed text: the KPI statement, the points statement
and the preference scores, as DuckDB runs them and as sqlglot transpiles them for Spark.

A change to a query, or a sqlglot upgrade that changes the Spark text, shows up here as a
diff in seconds instead of in a multi-minute Spark run. After reviewing the diff,
regenerate with `CHANOPS_UPDATE_SNAPSHOTS=1 make test`."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from chanops.channels import build_catalog
from chanops.config import PointsConfig, PreferConfig
from chanops.kpi.catalog import build_kpi_catalog
from chanops.kpi.compile import compile_sql
from chanops.kpi.facts import MonthWindow
from chanops.store.coverage import PRESENCE_KINDS

sqlglot = pytest.importorskip("sqlglot")

SNAPSHOTS = Path(__file__).with_name("snapshots")
CHANNELS = build_catalog(None)


def kpi_by_region() -> str:
    """Every built-in KPI by region for 2022-11 compared with 2022-10 (what `kpi --by region
    --compare prev` runs)."""
    kpis = list(build_kpi_catalog(None).values())
    months = ("2022-10", "2022-11")
    # every source has rows in both months; billing in 2022-09 (2022-10's base month) too
    present = frozenset({(k, m) for k in PRESENCE_KINDS for m in months} | {("billing", "2022-09")})
    window = MonthWindow(months, {"2022-10": "2022-09", "2022-11": "2022-10"}, present=present)
    return compile_sql(kpis, ["region"], window, CHANNELS, {"2022-11": "2022-10"})


def points_statement() -> str:
    """The statement with a category deduction and a binding budget (the largest-remainder split)."""
    from chanops.points.reconcile import statement_sql

    config = PointsConfig(category_deduction={"资费争议": Decimal("1")})
    return statement_sql("2022-11", config, Decimal("1000.00"))


def prefer_scores() -> str:
    from chanops.analysis.prefer import scores_sql

    return scores_sql("2022-11", PreferConfig(), CHANNELS)


QUERIES = {"kpi_by_region": kpi_by_region, "points_statement": points_statement, "prefer_scores": prefer_scores}


def pretty_duckdb(sql: str) -> str:
    return sqlglot.parse_one(sql, read="duckdb").sql(dialect="duckdb", pretty=True)


def pretty_spark(sql: str) -> str:
    from chanops.engines.dialect import to_spark_sql

    return to_spark_sql(sql, pretty=True)


@pytest.mark.parametrize("name", QUERIES)
@pytest.mark.parametrize(("dialect", "render"), [("duckdb", pretty_duckdb), ("spark", pretty_spark)])
def test_generated_sql_matches_its_snapshot(name, dialect, render):
    text = render(QUERIES[name]()) + "\n"
    path = SNAPSHOTS / f"{name}.{dialect}.sql"
    if os.environ.get("CHANOPS_UPDATE_SNAPSHOTS"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}: run with CHANOPS_UPDATE_SNAPSHOTS=1 and review it"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} ({dialect}) changed: review `git diff`, then CHANOPS_UPDATE_SNAPSHOTS=1 to accept"
    )


def test_snapshots_hold_no_duckdb_only_hint_in_spark_text():
    """MATERIALIZED is a DuckDB hint that Spark would reject; the transpiler drops it."""
    assert "MATERIALIZED" in (SNAPSHOTS / "kpi_by_region.duckdb.sql").read_text(encoding="utf-8")
    assert "MATERIALIZED" not in (SNAPSHOTS / "kpi_by_region.spark.sql").read_text(encoding="utf-8")
