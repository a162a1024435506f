"""The physical plans Spark makes of chanops' main queries (PITFALLS: a KPI by region once
planned a broadcast nested-loop join and ran 860 s where DuckDB took 6 s). Every query the
engine runs for a KPI by region, a points statement and a plan is EXPLAINed as it runs, and
no plan may join without an equality key — BroadcastNestedLoopJoin or CartesianProduct — nor
number rows in one task (a window without PARTITION BY over the candidates)."""

from __future__ import annotations

import importlib.util
import re
import shutil
from decimal import Decimal

import duckdb
import pytest

from .conftest import require

pytestmark = pytest.mark.spark
require(importlib.util.find_spec("pyspark") is not None, "pyspark (the spark extra)", module_level=True)
require(importlib.util.find_spec("sqlglot") is not None, "sqlglot (the spark extra)", module_level=True)
require(shutil.which("java") is not None, "Java (Spark needs a JVM)", module_level=True)

from chanops.channels import build_catalog  # noqa: E402
from chanops.engines.dialect import to_spark_sql  # noqa: E402
from chanops.engines.spark import SparkEngine  # noqa: E402
from chanops.kpi.catalog import build_kpi_catalog  # noqa: E402
from chanops.kpi.evaluate import evaluate  # noqa: E402
from chanops.points import reconcile as points  # noqa: E402
from chanops.store.export import export_warehouse  # noqa: E402

from . import kpi_fixture, points_fixture  # noqa: E402

UNKEYED_JOINS = re.compile(r"BroadcastNestedLoopJoin|CartesianProduct")


@pytest.fixture
def plans(monkeypatch) -> list[tuple[str, str]]:
    """(DuckDB SQL, Spark's physical plan) of every query a SparkEngine runs from now on."""
    seen: list[tuple[str, str]] = []

    def explained(method):
        def run(self, *args, **kwargs):
            sql = args[1] if method.__name__ == "materialize" else args[0]
            [(plan,)] = self.spark.sql(f"EXPLAIN {to_spark_sql(sql)}").collect()
            seen.append((sql, plan))
            return method(self, *args, **kwargs)

        return run

    monkeypatch.setattr(SparkEngine, "table", explained(SparkEngine.table))
    monkeypatch.setattr(SparkEngine, "materialize", explained(SparkEngine.materialize))
    return seen


def exported(db, directory):
    con = duckdb.connect(str(db), read_only=True)
    try:
        export_warehouse(con, directory)
    finally:
        con.close()
    return directory


def unkeyed(plans: list[tuple[str, str]]) -> list[str]:
    return [f"{sql.strip()[:300]}\n{plan}" for sql, plan in plans if UNKEYED_JOINS.search(plan)]


def test_kpi_by_region_and_points_statement_plan_keyed_joins(tmp_path, plans):
    """Every KPI by region over the KPI fixture, with --compare prev, and the points fixture's
    statement: the plans join on keys only. The presence of sources per month is asked once per
    kind (a grouped scan), not by a LIMIT 1 job per source and month."""
    lake = exported(kpi_fixture.build(tmp_path), tmp_path / "lake")
    engine = SparkEngine(lake)
    catalog = build_kpi_catalog(None)
    evaluate(engine, catalog, build_catalog(None), ["2022-11"], ["region"], None, compare="prev")
    assert any("GROUP BY" in sql and "region" in sql for sql, _plan in plans)  # the KPI statement was seen
    assert unkeyed(plans) == []
    presence = [sql for sql, _plan in plans if "SELECT DISTINCT" in sql and " AS month FROM " in sql]
    # once per kind at most: orders, contacts, usage, complaints, billing, customers
    assert len(presence) == len(set(presence)) <= 6
    assert not any("LIMIT 1" in sql for sql, _plan in plans)

    plans.clear()
    case = tmp_path / "points"
    case.mkdir()
    lake = exported(points_fixture.build(case), case / "lake")
    points.statement(SparkEngine(lake), "2022-11", points.PointsConfig(), Decimal("10.00"))
    assert plans and unkeyed(plans) == []


def test_plan_plans_keyed_joins_and_partitioned_windows(chanops, tmp_path, db, monkeypatch, plans):
    """test_plan's warehouse where every status occurs, planned on Spark: no unkeyed join, and
    no window over all candidates in one partition (Spark says `Window [...], [], [...]` for a
    window without PARTITION BY and moves every row to one task: `SinglePartition`)."""
    from .test_plan import _plan, _warehouse

    _warehouse(chanops, tmp_path, db)
    plan = _plan(tmp_path)
    lake = exported(db, tmp_path / "lake")
    monkeypatch.setattr(SparkEngine, "close", lambda self: None)
    common = ["plan", plan, "--month", "2022-12", "--config", tmp_path / "chanops.toml"]
    done = chanops(*common, "--out", tmp_path / "spark", "--engine", "spark", "--source", lake)
    assert done.exit_code == 0, done.stderr
    assert any("_plan_options" in sql for sql, _plan in plans)
    assert unkeyed(plans) == []
    served = [plan for sql, plan in plans if "nth_in_run" in sql]
    assert served and not any("SinglePartition" in plan and "nth_in_run" in plan for plan in served)
