"""The same definitions on Spark, loaded both ways: the sample extracts go into a DuckDB
warehouse with the DuckDB loader and into a Parquet lake with `load --engine spark`; the
two hold the same rows and rejects, and every analysis and command run on them agrees —
every command prints the same bytes (every section of it), every KPI slice is equal, and
so are the monthly report and the campaign plan — also on a two-executor local cluster. The slow tier: needs
the spark extra and Java (`make test-all` has both, and fails rather than skips without them)."""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from .conftest import require

pytestmark = pytest.mark.spark
require(importlib.util.find_spec("pyspark") is not None, "pyspark (the spark extra)", module_level=True)
require(importlib.util.find_spec("sqlglot") is not None, "sqlglot (the spark extra)", module_level=True)
require(shutil.which("java") is not None, "Java (Spark needs a JVM)", module_level=True)

from chanops.analysis import funnel, lifecycle, quota  # noqa: E402
from chanops.channels import build_catalog  # noqa: E402
from chanops.config import Config  # noqa: E402
from chanops.engines.spark import SparkEngine, spark_session  # noqa: E402
from chanops.ingest.loader import LoadOptions  # noqa: E402
from chanops.kpi.catalog import build_kpi_catalog  # noqa: E402
from chanops.kpi.evaluate import evaluate  # noqa: E402
from chanops.lake.load import load_to_lake  # noqa: E402
from chanops.points import reconcile as points  # noqa: E402
from chanops.schema import KINDS  # noqa: E402
from chanops.store.export import export_warehouse  # noqa: E402

from . import points_fixture  # noqa: E402
from .test_kpi_seed_figures import CONTACTS as SEED_CONTACTS  # noqa: E402
from .test_kpi_seed_figures import ORDERS as SEED_ORDERS  # noqa: E402

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
CHANNELS = build_catalog(None)
SNAPSHOT_DAY = __import__("datetime").date(2022, 11, 30)  # the sample customers' as-of
CATALOG = build_kpi_catalog(None)


def plain(rows):
    """Values as Python numbers: an engine may return a whole-number sum as Decimal('7') or 7."""

    def value(v):
        if isinstance(v, Decimal) and v == v.to_integral_value() and v.as_tuple().exponent >= 0:
            return int(v)
        return v

    return [{k: value(v) for k, v in row.items()} for row in rows]


def warehouse_and_export(directory: Path, tables: dict[str, Path]) -> tuple[Path, Path]:
    from chanops.ingest.loader import load_files
    from chanops.store.warehouse import connect

    db = directory / "wh.duckdb"
    con = connect(db, read_only=False)
    try:
        for kind, path in tables.items():
            load_files(con, kind, [path], CHANNELS, LoadOptions(as_of=SNAPSHOT_DAY))
        export_warehouse(con, directory / "export")
    finally:
        con.close()
    return db, directory / "export"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """(warehouse loaded by DuckDB, lake loaded by Spark) from the same sample extracts."""
    from chanops.ingest.loader import load_files
    from chanops.store.warehouse import connect

    directory = tmp_path_factory.mktemp("spark-sample")
    db, lake = directory / "wh.duckdb", directory / "lake"
    spark = spark_session()
    con = connect(db, read_only=False)
    try:
        for kind in KINDS:
            options = LoadOptions(as_of=SNAPSHOT_DAY)  # the sample's customers: a snapshot as of 2022-11-30
            load_files(con, kind, [SAMPLE / f"{kind}.csv"], CHANNELS, options)
            load_to_lake(spark, str(lake), kind, [str(SAMPLE / f"{kind}.csv")], CHANNELS, options)
    finally:
        con.close()
    return db, lake


@pytest.fixture(scope="module")
def spark(sample):
    engine = SparkEngine(sample[1])
    yield engine
    engine.close()


def test_the_spark_loader_loads_the_sample_as_the_duckdb_loader(sample):
    """Every kind row for row (values and types as read back), every reject with its line,
    column, value and reason, and the ledger's counts per file."""
    db, lake = sample
    con = duckdb.connect(str(db), read_only=True)
    try:
        for name, kind in KINDS.items():
            columns = ", ".join(f'"{c.name}"' for c in kind.columns)
            if kind.mode == "snapshot":
                columns += ", _valid_from, _valid_to"
            files = f"'{lake}/{name}/*.parquet'" if name in ("customers", "rules") else f"'{lake}/{name}/*/*.parquet'"
            ours = con.sql(f"SELECT {columns} FROM {name} ORDER BY ALL").fetchall()
            theirs = con.sql(f"SELECT {columns} FROM read_parquet({files}) ORDER BY ALL").fetchall()
            assert theirs == ours, name
            assert len(ours) > 0, name
        rejects = 'SELECT kind, file, line, "column", value, reason FROM {} ORDER BY ALL'
        assert (
            con.sql(rejects.format(f"read_parquet('{lake}/_rejects/*.parquet')")).fetchall()
            == con.sql(rejects.format("_rejects")).fetchall()
        )
        ledger = "SELECT kind, file, fingerprint, encoding, rows_read, rows_loaded, rows_rejected FROM {} ORDER BY ALL"
        assert (
            con.sql(ledger.format(f"read_parquet('{lake}/_loads/*.parquet')")).fetchall()
            == con.sql(ledger.format("_loads")).fetchall()
        )
    finally:
        con.close()


@pytest.mark.parametrize("dims", [[], ["channel"], ["product"], ["campaign_id"], ["wave"], ["region", "channel"]])
def test_every_kpi_every_slice_equals_duckdb(sample, spark, dims):
    con = duckdb.connect(str(sample[0]), read_only=True)
    try:
        ours = evaluate(con, CATALOG, CHANNELS, ["2022-10", "2022-11"], dims, compare="prev")
    finally:
        con.close()
    theirs = evaluate(spark, CATALOG, CHANNELS, ["2022-10", "2022-11"], dims, compare="prev")
    assert [k.id for k in ours.kpis] == [k.id for k in theirs.kpis]
    assert plain(theirs.frame.to_pylist()) == plain(ours.frame.to_pylist())
    assert ours.frame.num_rows > 0


def test_seed_figures_and_points_fixture_on_spark(tmp_path):
    seed = tmp_path / "seed"
    seed.mkdir()
    scratch = duckdb.connect()
    for kind, sql in (("orders", SEED_ORDERS), ("contacts", SEED_CONTACTS)):
        scratch.execute(f"COPY ({sql}) TO '{seed / kind}.csv' (HEADER)")
    scratch.close()
    _db, export = warehouse_and_export(seed, {"orders": seed / "orders.csv", "contacts": seed / "contacts.csv"})
    engine = SparkEngine(export)  # the same session, now over the seed data
    ids = ["online_share", "platform_success_rate", "outbound_connect_rate", "outbound_success_rate"]
    [row] = evaluate(engine, CATALOG, CHANNELS, ["2022-11"], [], ids).frame.to_pylist()
    assert (row["online_share_num"], row["online_share_den"]) == (4494, 10000)
    assert (row["platform_success_rate_num"], row["platform_success_rate_den"]) == (546, 38740)
    assert (row["outbound_connect_rate_num"], row["outbound_connect_rate_den"]) == (1961, 6644)
    assert (row["outbound_success_rate_num"], row["outbound_success_rate_den"]) == (603, 1961)

    case = tmp_path / "points"
    case.mkdir()
    db = points_fixture.build(case)
    con = duckdb.connect(str(db), read_only=True)
    try:
        export_warehouse(con, case / "export")
        ours = points.statement(con, "2022-11", points.PointsConfig(), Decimal("10.00")).to_pylist()
    finally:
        con.close()
    theirs = points.statement(SparkEngine(case / "export"), "2022-11", points.PointsConfig(), Decimal("10.00"))
    assert plain(theirs.to_pylist()) == plain(ours)
    assert [(r["staff_id"], r["payout"]) for r in theirs.to_pylist()][:2] == [
        ("G2", Decimal("5.58")),
        ("G3", Decimal("1.48")),  # points_fixture: G3 outranks G6 on staff_id at 2 matched claims
    ]


def test_a_kpi_spark_cannot_run_is_a_clear_error(sample):
    from chanops.errors import ConfigError

    spark = SparkEngine(sample[1])  # the shared session's views again over the sample lake

    catalog = build_kpi_catalog(
        {"odd": {"numerator": {"source": "orders", "where": "success"}, "denominator": {"source": "orders"}}}
    )
    # chanops.toml refuses an unknown column when read (kpi/where.py); past that guard, the
    # engine's own failure must still be one clear line
    odd = catalog["odd"]
    catalog["odd"] = replace(odd, numerator=replace(odd.numerator, where="no_such_column = 1"))
    with pytest.raises(ConfigError, match=r"a KPI from config \(odd\) does not compile: Spark could not run"):
        evaluate(spark, catalog, CHANNELS, ["2022-11"], [], ["odd"])


# What no command in COMMANDS prints (the commands compare the rest byte for byte).
ANALYSES = {
    "at-risk list": lambda e, c: lifecycle.stage_list(e, "2022-11", "at_risk"),
    "points by store": lambda e, c: points.summary(e, "2022-11", "store"),
    "quota without config": lambda e, c: quota.quota_usage(e, "2022-11", {"sms": 10, "outbound": 5000}, c.channels),
}


@pytest.mark.parametrize("name", list(ANALYSES))
def test_every_analysis_equals_duckdb(sample, spark, name):
    """The same SQL text on both engines: every row and value equal, in the same order."""
    compute, config = ANALYSES[name], Config()
    con = duckdb.connect(str(sample[0]), read_only=True)
    try:
        ours = pl.DataFrame(compute(con, config))
    finally:
        con.close()
    theirs = pl.DataFrame(compute(spark, config))
    assert ours.height > 0
    assert theirs.columns == ours.columns
    assert plain(theirs.to_dicts()) == plain(ours.to_dicts())


COMMANDS = [
    ["kpi", "--month", "2022-11", "--by", "region"],
    ["kpi", "--month", "2022-11", "--compare", "yoy"],
    ["funnel", "--month", "2022-11"],
    ["quota", "--month", "2022-11"],
    ["failures", "--month", "2022-11"],
    ["retention", "--month", "2022-11", "--by", "region"],
    ["lifecycle", "--month", "2022-11", "--by", "region"],
    ["prefer", "scores", "--month", "2022-11", "--limit", "50"],
    ["prefer", "targets", "--channel", "wechat", "--top", "20"],
    ["prefer", "churned", "--channel", "app", "--month", "2022-11"],
    ["prefer", "summary", "--month", "2022-11"],
    ["points", "match", "--month", "2022-11", "--limit", "50"],
    ["points", "summary", "--month", "2022-11", "--by", "region"],
    ["points", "unclaimed", "--month", "2022-11"],
    ["points", "statement", "--month", "2022-11"],
    ["points", "payout", "--month", "2022-11", "--budget", "5000"],
    ["failures", "--from", "2022-09", "--to", "2022-11", "--product", "5G套餐"],
    ["check", "--month", "2022-11"],
    ["plan", "plan.toml", "--month", "2022-12"],
    ["explain", "online_share", "--month", "2022-11", "--vs", "province", "--region", "兴安盟"],
    ["explain", "user_retention", "--month", "2022-11"],
    ["funnel", "--month", "2022-11", "--region", "兴安盟"],
    ["lifecycle", "--month", "2022-11", "--region", "兴安盟"],
    ["prefer", "summary", "--month", "2022-11", "--region", "兴安盟"],
    ["kpi", "--month", "2022-11", "--region", "兴安盟,阿拉善盟", "--product", "5G套餐"],
    ["points", "summary", "--month", "2022-11", "--by", "staff", "--product", "5G套餐"],
]
ONLY_FIRST_SECTION = "csv shows only the first section"


def test_every_command_prints_the_same_csv_on_both_engines(chanops, sample, tmp_path, monkeypatch):
    """Each command's CSV byte for byte; the monthly report's Markdown and HTML byte for
    byte and its workbook cell for cell; points runs on Spark land in the lake's ledger."""
    import openpyxl

    db, lake = sample
    monkeypatch.chdir(SAMPLE)  # its chanops.toml: thresholds, quotas
    # the CLI stops Spark when a command ends; here the next command reuses the session
    monkeypatch.setattr(SparkEngine, "close", lambda self: None)
    for command in COMMANDS:
        on_duckdb = chanops(*command, "--format", "csv", "--db", db)
        on_spark = chanops(*command, "--format", "csv", "--engine", "spark", "--source", lake)
        assert on_duckdb.exit_code == on_spark.exit_code, (command, on_spark.stderr)
        assert on_spark.stdout == on_duckdb.stdout, command
        assert len(on_duckdb.stdout.splitlines()) > 1, command
        if ONLY_FIRST_SECTION in on_duckdb.stderr:  # the other sections, in JSON
            on_duckdb = chanops(*command, "--format", "json", "--db", db)
            on_spark = chanops(*command, "--format", "json", "--engine", "spark", "--source", lake)
            assert on_spark.stdout == on_duckdb.stdout, command
    runs = chanops("points", "runs", "--format", "csv", "--engine", "spark", "--source", lake)
    assert [line.split(",")[2:4] for line in runs.stdout.splitlines()[1:]] == [
        ["statement", "2022-11"],
        ["payout", "2022-11"],
    ]

    report = ["report", "monthly", "--month", "2022-11"]
    assert chanops(*report, "--out", tmp_path / "duckdb", "--db", db).exit_code == 0
    on_spark = chanops(*report, "--out", tmp_path / "spark", "--engine", "spark", "--source", lake)
    assert on_spark.exit_code == 0, on_spark.stderr
    for suffix in ("md", "html"):
        name = f"chanops-report-2022-11.{suffix}"
        assert (tmp_path / "spark" / name).read_bytes() == (tmp_path / "duckdb" / name).read_bytes(), name

    def cells(path):
        book = openpyxl.load_workbook(path)
        return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book}

    workbook = "chanops-report-2022-11.xlsx"
    assert cells(tmp_path / "spark" / workbook) == cells(tmp_path / "duckdb" / workbook)

    plan = ["plan", "plan.toml", "--month", "2022-12", "--out"]
    assert chanops(*plan, tmp_path / "plan-duckdb", "--db", db).exit_code == 0
    assert chanops(*plan, tmp_path / "plan-spark", "--engine", "spark", "--source", lake).exit_code == 0
    dispatch = sorted(p.name for p in (tmp_path / "plan-duckdb").iterdir())
    assert len(dispatch) == 7 and sorted(p.name for p in (tmp_path / "plan-spark").iterdir()) == dispatch
    for name in dispatch:
        assert (tmp_path / "plan-spark" / name).read_bytes() == (tmp_path / "plan-duckdb" / name).read_bytes(), name

    missing = chanops("kpi", "--engine", "spark")
    assert missing.exit_code == 2 and "--engine spark needs --source DIR" in missing.stderr


def _plan_on_both_engines(chanops, tmp_path, db, monkeypatch, plan, config, *options) -> None:
    """Export the warehouse as a lake, plan into tmp_path/duckdb and tmp_path/spark, and hold
    every file the two engines write equal byte for byte."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        export_warehouse(con, tmp_path / "lake")
    finally:
        con.close()
    monkeypatch.setattr(SparkEngine, "close", lambda self: None)
    common = ["plan", plan, "--month", "2022-12", "--config", config, *options, "--out"]
    assert chanops(*common, tmp_path / "duckdb", "--db", db).exit_code == 0
    on_spark = chanops(*common, tmp_path / "spark", "--engine", "spark", "--source", tmp_path / "lake")
    assert on_spark.exit_code == 0, on_spark.stderr
    for path in sorted((tmp_path / "duckdb").iterdir()):
        assert (tmp_path / "spark" / path.name).read_bytes() == path.read_bytes(), path.name


def test_plan_on_spark_every_status(chanops, tmp_path, db, monkeypatch):
    """test_plan's hand-made warehouse, where every status occurs (its docstring works each
    row out), as a lake: on Spark the plan writes the same bytes, with 01 → outbound,
    06 and 07 → sms, 03 a conflict over 4G飞享套餐 and 10 beyond MK-B's cap of 1."""
    from .test_plan import _plan, _read, _warehouse, n

    _warehouse(chanops, tmp_path, db)
    _plan_on_both_engines(chanops, tmp_path, db, monkeypatch, _plan(tmp_path), tmp_path / "chanops.toml")
    rows = {(r["campaign_id"], r["msisdn"]): r for r in _read(tmp_path / "spark" / "candidates.csv")}
    assert [rows["MK-A", n(m)]["touchpoint"] for m in (1, 6, 7)] == ["outbound", "sms", "sms"]
    assert rows["MK-A", n(3)]["evidence"] == "已持有4G飞享套餐（2022-03-01办理），2笔5G套餐失败订单因与其互斥"
    assert rows["MK-B", n(10)]["evidence"] == "已达活动上限 1"


def test_plan_holdings_and_a_new_product_on_spark(chanops, tmp_path, db, monkeypatch):
    """test_plan's holdings fixture (a valid row for M−1, an own failure log) with a new-product
    campaign beside it, as a lake: Spark writes the same bytes, with 23 and 09 in conflict, 22
    already_has, and N's customer on sms's conversion over all products (0.333333)."""
    from .test_plan import _holdings_plan, _read, n

    new = '[[campaigns]]\nid = "N"\nproduct = "手机营业厅登录"\nlist = "targets/n.csv"\ntouchpoints = ["sms"]\n'
    plan = _holdings_plan(chanops, tmp_path, db, "\n" + new + "new_product = true\npriority = 2\n")
    (tmp_path / "targets" / "n.csv").write_text(f"手机号码\n{n(6)}\n", encoding="utf-8")
    config = tmp_path / "none.toml"
    config.write_text("", encoding="utf-8")
    _plan_on_both_engines(chanops, tmp_path, db, monkeypatch, plan, config, "--lang", "en")
    rows = {r["msisdn"]: (r["status"], r["expected_conversion"]) for r in _read(tmp_path / "spark" / "candidates.csv")}
    assert rows == {
        n(23): ("conflict", ""),
        n(22): ("already_has", ""),
        n(9): ("conflict", ""),
        n(10): ("assigned", "0.25"),
        n(6): ("assigned", "0.333333"),
    }


def test_explain_on_the_hand_worked_fixture_on_spark(tmp_path):
    """tests/test_explain.py's hand-worked splits, on Spark over the fixture's export: online
    share by region (A and B each −1/6 of −1/3) and region A against the province by channel
    (app +1/18, store −1/18, outbound and hotline −1/18, partner_store +1/9, summing to 0)."""
    from chanops.config import load_config
    from chanops.tasks.explain import ExplainRequest, run_explain

    from . import kpi_fixture

    db = kpi_fixture.build(tmp_path)
    con = duckdb.connect(str(db), read_only=True)
    try:
        export_warehouse(con, tmp_path / "export")
    finally:
        con.close()
    engine, config = SparkEngine(tmp_path / "export"), load_config(None)
    by_region = run_explain(engine, config, ExplainRequest("online_share", "2022-11", by="region")).value.split
    assert {e.segment: e.total for e in by_region.effects} == pytest.approx({"A": -1 / 6, "B": -1 / 6})
    gap = run_explain(
        engine, config, ExplainRequest("online_share", "2022-11", "province", by="channel", region="A")
    ).value.split
    expected = {"app": 1 / 18, "store": -1 / 18, "outbound": -1 / 18, "hotline": -1 / 18, "partner_store": 1 / 9}
    assert {e.segment: e.mix for e in gap.effects} == pytest.approx(expected)
    assert sum(e.total for e in gap.effects) == pytest.approx(0)


def test_on_a_two_executor_cluster(sample, tmp_path):
    """local-cluster[2,1,1024]: two executor JVMs, so shuffles cross processes. Orders and
    contacts loaded there — the orders' rejects carry the same line numbers as the
    warehouse's — entries, valid and rules as the local loader wrote them; KPIs by region,
    the funnel and points by store computed there: the same rows as the warehouse's. The
    session is stopped and started again on the cluster (a master is fixed at start); the
    last test of the module, so the others share the local session."""
    db, local_lake = sample
    lake = tmp_path / "lake"
    spark_session().stop()  # the module's local session
    spark = spark_session("local-cluster[2,1,1024]")
    try:
        for kind in ("orders", "contacts"):
            load_to_lake(spark, str(lake), kind, [str(SAMPLE / f"{kind}.csv")], CHANNELS, LoadOptions())
        for kind in ("entries", "valid", "rules"):
            shutil.copytree(local_lake / kind, lake / kind)
        engine = SparkEngine(lake, "local-cluster[2,1,1024]")
        assert engine.spark.sparkContext.master == "local-cluster[2,1,1024]"
        kpis = evaluate(engine, CATALOG, CHANNELS, ["2022-11"], ["region"], ["online_share", "outbound_connect_rate"])
        theirs = [
            kpis.frame,
            funnel.funnel(engine, "2022-11"),
            points.summary(engine, "2022-11", "store"),
            engine.table(REJECTS),
        ]
    finally:
        spark.stop()  # the next module starts its own local session
    con = duckdb.connect(str(db), read_only=True)
    try:
        kpis = evaluate(con, CATALOG, CHANNELS, ["2022-11"], ["region"], ["online_share", "outbound_connect_rate"])
        ours = [
            kpis.frame,
            funnel.funnel(con, "2022-11"),
            points.summary(con, "2022-11", "store"),
            con.sql(REJECTS).to_arrow_table(),
        ]
        for mine, cluster in zip(ours, theirs, strict=True):
            assert plain(pl.DataFrame(cluster).to_dicts()) == plain(pl.DataFrame(mine).to_dicts())
            assert pl.DataFrame(mine).height > 0
    finally:
        con.close()


REJECTS = """SELECT kind, line, "column", value, reason FROM _rejects
             WHERE kind IN ('orders', 'contacts') ORDER BY ALL"""
