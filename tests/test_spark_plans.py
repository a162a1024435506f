"""The physical plans Spark makes of chanops' main queries (PITFALLS: a KPI by region once
planned a broadcast nested-loop join and ran 860 s where DuckDB took 6 s). Every query the
engine runs for a KPI by region, a points statement and a plan is EXPLAINed as it runs, and
no plan may join two tables without an equality key — a CartesianProduct, or a
BroadcastNestedLoopJoin whose broadcast side reads a table — nor number rows in one task (a
window without PARTITION BY over the candidates).

A nested loop is allowed against a side of literal rows or of one row: the customer base's
"active at each month's end" tests each customer against the window's two or three month
ends (a VALUES list), the points statement sets each staff row beside the month's one-row
totals — a filter per row, the work DuckDB does too."""

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

# one plan node per line: "+- Name ..." or ":- Name ...", its depth told by the column of the marker
NODE = re.compile(r"^(?P<indent>[ :|]*)(?:[+:]- )?(?P<name>\w+)")


@pytest.fixture
def spark_session_for_plans():
    from chanops.engines.spark import spark_session

    return spark_session()


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


def unkeyed_joins(plan: str) -> list[str]:
    """The joins in a physical plan that pair rows of two tables without a key: every
    CartesianProduct, and every BroadcastNestedLoopJoin whose broadcast side may hold more
    than one row of a table — not literal rows, not a global aggregate (one row)."""
    lines = plan.split("== Physical Plan ==")[-1].strip().split("\n\n")[0].splitlines()
    depth = [len(m.group("indent")) if (m := NODE.match(line)) else -1 for line in lines]

    def name(k: int) -> str:
        return m.group("name") if (m := NODE.match(lines[k])) else ""

    def children(k: int) -> list[int]:
        """Direct children, leaving out a scalar subquery's plan printed beside its operator."""
        kids = []
        for j in range(k + 1, len(lines)):
            if depth[j] <= depth[k]:
                break
            if depth[j] == depth[k] + 3 and name(j) != "Subquery":
                kids.append(j)
        return kids

    def few_rows(k: int) -> bool:
        while True:
            node = lines[k].lstrip(" :+-")
            if node.startswith(("LocalTableScan", "Scan OneRowRelation", "HashAggregate(keys=[],")):
                return True
            kids = children(k)
            if name(k) not in ("BroadcastExchange", "Project", "Filter") or len(kids) != 1:
                return False
            k = kids[0]

    found = []
    for i, line in enumerate(lines):
        if "CartesianProduct" in line:
            found.append(line.strip())
        elif "BroadcastNestedLoopJoin" in line and not few_rows(children(i)[0 if "BuildLeft" in line else -1]):
            found.append(line.strip())
    return found


def unkeyed(plans: list[tuple[str, str]]) -> list[str]:
    return [f"{sql.strip()[:300]}\n{plan}" for sql, plan in plans if unkeyed_joins(plan)]


def test_the_plan_reader_finds_a_nested_loop_over_two_tables(spark_session_for_plans):
    """The check itself: a join on an inequality between two tables and a cross join are found;
    a join with a literal list on an inequality, an equi-join and a cross join with a one-row
    total are not."""
    spark = spark_session_for_plans
    spark.range(100).selectExpr("id AS a").createOrReplaceTempView("t1")
    spark.range(100).selectExpr("id AS b").createOrReplaceTempView("t2")

    def explain(sql):
        return spark.sql(f"EXPLAIN {sql}").collect()[0][0]

    assert unkeyed_joins(explain("SELECT * FROM t1 JOIN t2 ON t1.a < t2.b"))
    assert unkeyed_joins(explain("SELECT * FROM t1 CROSS JOIN t2"))
    assert not unkeyed_joins(explain("SELECT * FROM t1 JOIN (VALUES (1), (2)) v(x) ON t1.a < v.x"))
    assert not unkeyed_joins(explain("SELECT * FROM t1 JOIN t2 ON t1.a = t2.b"))
    assert not unkeyed_joins(explain("SELECT * FROM t1 CROSS JOIN (SELECT sum(b) AS total FROM t2) s"))


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
    the serving order numbered in partitions — Spark prints `Window [...], [], [...]` for a
    window without PARTITION BY, which moves every row to one task; only the offsets of the
    (priority, score) runs are computed so, over one row per run."""
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
    [served] = [plan for sql, plan in plans if "nth_in_run" in sql]
    windows = windows_of(served)
    # numbered per run and per campaign; only the runs' offsets (a sum over one row per run) in one task
    partitions = {name: partition for name, partition, _expression in windows}
    assert partitions["nth_in_run"].startswith("priority#") and partitions["nth"].startswith("campaign_id#")
    assert [expression.split("(")[0] for _name, partition, expression in windows if not partition] == ["sum"]


def windows_of(plan: str) -> list[tuple[str, str, str]]:
    """(column, its PARTITION BY, its expression) for each window of a Window node, as Spark
    prints one: `Window [row_number() … AS n#12], [partition…], [order…]` — without a
    partition, only `Window [… AS n#12], [order…]`: a window in one task."""
    found = []
    for line in plan.splitlines():
        node = line.lstrip(" :+-")
        if not node.startswith("Window ["):
            continue
        groups, level, start = [], 0, 0
        for i, char in enumerate(node):
            if char == "[":
                level += 1
                start = i + 1 if level == 1 else start
            elif char == "]":
                level -= 1
                if level == 0:
                    groups.append(node[start:i])
        partition = groups[1] if len(groups) == 3 else ""
        for expression, name in re.findall(r"(\w+\(.*?) AS (\w+)#\d+", groups[0]):
            found.append((name, partition, expression))
    return found
