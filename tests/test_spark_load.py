"""`chanops load --engine spark` at the edges: numbered lines in a GB18030 file with a title
line, an empty line and broken lines; re-sent files; --replace; a refused load and an
interrupted commit leave the lake as it was (or finish it); customers and rules follow the
DuckDB loader's rules. The slow tier (Spark)."""

from __future__ import annotations

import importlib.util
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from .conftest import require

pytestmark = pytest.mark.spark
require(importlib.util.find_spec("pyspark") is not None, "pyspark (the spark extra)", module_level=True)
require(shutil.which("java") is not None, "Java (Spark needs a JVM)", module_level=True)

from chanops.channels import build_catalog  # noqa: E402
from chanops.engines.spark import SparkEngine, spark_session  # noqa: E402
from chanops.errors import LoadRejected  # noqa: E402
from chanops.ingest.loader import LoadOptions, load_files  # noqa: E402
from chanops.lake.load import load_to_lake  # noqa: E402
from chanops.lake.store import Lake, finish_interrupted_load  # noqa: E402
from chanops.store.warehouse import connect  # noqa: E402

CHANNELS = build_catalog(None)
HEADER = "订单编号,办理时间,手机号码,地市,渠道,产品,办理结果"
GOOD = "o{n},2022-11-0{n} 08:00:00,1380000000{n},包头,app,流量包,成功"


@pytest.fixture(scope="module")
def spark():
    return spark_session()


def write(path: Path, lines: list[str], encoding: str = "utf-8", end: str = "\n") -> Path:
    path.write_bytes(end.join(lines).encode(encoding) + end.encode())
    return path


def lake_rows(lake: Path, sql: str, kind: str = "orders") -> list[tuple]:
    con = duckdb.connect()
    scan = f"read_parquet('{lake}/{kind}/**/*.parquet', hive_partitioning=true)"
    return con.sql(
        sql.replace("{t}", scan).replace("{rejects}", f"read_parquet('{lake}/_rejects/*.parquet')")
    ).fetchall()


def test_gb18030_lines_are_numbered_as_in_an_editor(spark, tmp_path):
    """Physical lines: 1 title, 2 header, 3 o1 good, 4 empty, 5 o2 has a 10-digit number,
    6 o3 has an eighth field, 7 o4 opens a quote it never closes, 8 o1 again (repeated key),
    9 o5 good in December. Read 6 data lines: loaded 2 (o1, o5), rejected 4 — one of them
    the duplicate. The DuckDB loader gives the same lines and reasons."""
    extract = write(
        tmp_path / "orders.csv",
        [
            "订单明细表 2022年11月",
            HEADER,
            GOOD.format(n=1),
            "",
            "o2,2022-11-02 08:00:00,1380000000,包头,app,流量包,成功",
            "o3,2022-11-03 08:00:00,13800000003,包头,app,流量包,成功,多余",
            'o4,"2022-11-04 08:00:00,13800000004,包头,app,流量包,成功',
            "o1,2022-11-05 08:00:00,13800000005,包头,app,流量包,失败",
            "o5,2022-12-01 08:00:00,13800000006,包头,app,流量包,失败",
        ],
        encoding="gb18030",
    )
    lake = tmp_path / "lake"
    [result] = load_to_lake(spark, str(lake), "orders", [str(extract)], CHANNELS, LoadOptions(max_reject_rate=1.0))
    assert (result.encoding, result.rows_read, result.rows_loaded, result.rows_rejected) == ("gb18030", 6, 2, 4)
    assert (result.duplicates, result.blank_lines, result.preamble) == (1, 1, ["订单明细表 2022年11月"])
    assert lake_rows(lake, "SELECT order_id, month FROM {t} ORDER BY 1") == [("o1", "2022-11"), ("o5", "2022-12")]
    rejects = lake_rows(lake, 'SELECT line, "column", reason FROM {rejects} ORDER BY line')
    assert rejects == [
        (5, "msisdn", "not an 11-digit mobile number"),
        (6, "(row)", "too many fields on the line"),
        (7, "(row)", "unterminated or stray quote"),
        (8, "order_id", "duplicate order_id (repeated in file)"),
    ]
    con = connect(tmp_path / "wh.duckdb", read_only=False)
    try:
        load_files(con, "orders", [extract], CHANNELS, LoadOptions(max_reject_rate=1.0))
        theirs = con.execute("SELECT line, reason FROM _rejects ORDER BY line").fetchall()
    finally:
        con.close()
    assert theirs == [(line, reason) for line, _column, reason in rejects]


def test_mixed_and_cr_line_ends_and_quoted_commas_as_on_duckdb(spark, tmp_path):
    """Three files: o1–o4 on lines 2–5, o3 with a 10-digit number, in GB18030 with CRLF ends
    but LF alone on line 3; c1–c4 likewise in a CR-only file; and o5–o8, whose 失败原因 are
    quoted with commas ("产品互斥,需先退订"), a doubled quote ("系统""繁忙"") or a quote inside
    plain text (超时"无应答), their fees "1,288.00" and "2,000", o7 on line 4 opening a quote it
    never closes. Each: read 4, loaded 3, rejected 1 on line 4 (o3, c3: the number; o7: its
    stray quote). Rows, values and reject lines equal the DuckDB loader's."""
    rows = [GOOD.format(n=n).replace("13800000003", "1380000000") for n in range(1, 5)]
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(("\r\n".join([HEADER, *rows[:2]]) + "\n" + "\r\n".join(rows[2:]) + "\r\n").encode("gb18030"))
    cr_only = write(tmp_path / "mac.csv", [HEADER, *("c" + r[1:] for r in rows)], end="\r")
    quoted = write(
        tmp_path / "quoted.csv",
        [
            f"{HEADER},失败原因,资费",
            GOOD.format(n=5) + ',"产品互斥,需先退订","1,288.00"',
            GOOD.format(n=6) + ',"系统""繁忙""",10',
            GOOD.format(n=7) + ',"产品互斥,1',
            GOOD.format(n=8) + ',超时"无应答,"2,000"',
        ],
    )
    files = [str(mixed), str(cr_only), str(quoted)]
    lake = tmp_path / "lake"
    options = LoadOptions(max_reject_rate=1.0)
    results = [r for f in files for r in load_to_lake(spark, str(lake), "orders", [f], CHANNELS, options)]
    assert [(r.rows_read, r.rows_loaded, r.rows_rejected) for r in results] == [(4, 3, 1)] * 3
    columns = "order_id, msisdn, fail_reason, CAST(fee AS VARCHAR)"
    ours = lake_rows(lake, f"SELECT {columns} FROM {{t}} ORDER BY 1")
    our_rejects = lake_rows(lake, "SELECT file, line, reason FROM {rejects} ORDER BY 1, 2")
    assert [r for r in ours if r[0] in ("o5", "o6", "o8")] == [
        ("o5", "13800000005", "产品互斥,需先退订", "1288.00"),
        ("o6", "13800000006", '系统"繁忙"', "10.00"),
        ("o8", "13800000008", '超时"无应答', "2000.00"),
    ]
    assert [(line, reason) for _file, line, reason in our_rejects] == [
        (4, "not an 11-digit mobile number"),
        (4, "not an 11-digit mobile number"),
        (4, "unterminated or stray quote"),
    ]
    con = connect(tmp_path / "wh.duckdb", read_only=False)
    try:
        load_files(con, "orders", files, CHANNELS, options)
        assert con.execute(f"SELECT {columns} FROM orders ORDER BY 1").fetchall() == ours
        assert con.execute("SELECT file, line, reason FROM _rejects ORDER BY 1, 2").fetchall() == our_rejects
    finally:
        con.close()


def test_resent_files_replace_and_a_refused_load(spark, tmp_path):
    """November o1–o3 loaded. The same bytes again: skipped. The same rows with CRLF ends:
    every row a duplicate, skipped. --replace with o7 alone for November: November holds o7
    only (3 earlier rows replaced). A file with 1 bad row of 2 at the default 1% limit:
    refused, and the lake's rows are exactly as before; as the DuckDB loader does (SPEC §2.1),
    the refusal is on record: ledger load 3 `refused` and its 1 reject (before: nothing kept).
    Refused as the first load of a new lake, the lake holds only that record."""
    lake = str(tmp_path / "lake")
    first = write(tmp_path / "nov.csv", [HEADER, *(GOOD.format(n=n) for n in (1, 2, 3))])
    [loaded] = load_to_lake(spark, lake, "orders", [str(first)], CHANNELS)
    assert (loaded.rows_loaded, loaded.load_id) == (3, 1)
    [again] = load_to_lake(spark, lake, "orders", [str(first)], CHANNELS)
    assert again.skipped == "same bytes"
    crlf = write(tmp_path / "nov-crlf.csv", [HEADER, *(GOOD.format(n=n) for n in (1, 2, 3))], end="\r\n")
    [resent] = load_to_lake(spark, lake, "orders", [str(crlf)], CHANNELS)
    assert (resent.skipped, resent.duplicates) == ("all rows already loaded", 3)

    fix = write(tmp_path / "nov-fix.csv", [HEADER, GOOD.format(n=7)])
    [replaced] = load_to_lake(spark, lake, "orders", [str(fix)], CHANNELS, LoadOptions(replace=True))
    assert replaced.replaced == [("2022-11", 3)]
    assert lake_rows(tmp_path / "lake", "SELECT order_id FROM {t}") == [("o7",)]

    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "lake" / "orders").rglob("*"))
    bad = write(tmp_path / "bad.csv", [HEADER, GOOD.format(n=8), "o9,yesterday,13800000009,包头,app,流量包,成功"])
    with pytest.raises(LoadRejected, match="1 of 2 rows rejected"):
        load_to_lake(spark, lake, "orders", [str(bad)], CHANNELS)
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "lake" / "orders").rglob("*")) == before
    assert not any((tmp_path / "lake" / "_staging").glob("*"))  # no transaction left behind
    assert sorted(Lake(spark, lake).load_ids()) == [1, 2, 3]
    ledger = "SELECT load_id, rows_read, rows_loaded, rows_rejected, status FROM {t} WHERE load_id = 3"
    assert lake_rows(tmp_path / "lake", ledger, kind="_loads") == [(3, 2, 0, 1, "refused")]
    assert lake_rows(tmp_path / "lake", "SELECT load_id, line, code FROM {rejects} WHERE load_id = 3") == [
        (3, 3, "not_a_timestamp")
    ]
    with pytest.raises(LoadRejected):  # the first load of a new lake: only the refusal's record
        load_to_lake(spark, str(tmp_path / "new-lake"), "orders", [str(bad)], CHANNELS)
    new_lake = tmp_path / "new-lake"
    assert sorted(p.name for p in new_lake.iterdir() if p.name != "_staging") == ["_loads", "_rejects"]
    assert not any((new_lake / "_staging").glob("*")) and not (new_lake / "orders").exists()


def test_an_interrupted_commit_is_finished_before_anything_reads(spark, tmp_path, monkeypatch):
    """The commit marker is written, then the moves fail: nothing is lost — the next reader
    finishes the moves and sees both rows."""
    lake = str(tmp_path / "lake")
    extract = write(tmp_path / "nov.csv", [HEADER, GOOD.format(n=1), GOOD.format(n=2)])

    def crash(self, txn):
        raise OSError("disk went away")

    with monkeypatch.context() as patch:
        patch.setattr(Lake, "_apply", crash)
        with pytest.raises(OSError):
            load_to_lake(spark, lake, "orders", [str(extract)], CHANNELS)
    assert (tmp_path / "lake" / "_staging").exists() and not (tmp_path / "lake" / "orders").exists()
    engine = SparkEngine(lake, prepare=finish_interrupted_load)  # as the CLI opens a lake
    assert engine.table("SELECT count(*) AS n FROM orders").to_pylist() == [{"n": 2}]
    assert not any((tmp_path / "lake" / "_staging").glob("*"))  # no transaction left behind


def test_customer_snapshots_and_rules_as_the_duckdb_loader(spark, tmp_path):
    """Customers: a first snapshot, then one on 2022-12-01 where c2 changed region and c3 is
    new (c1 unchanged, not a reject). Rules: two products, then a rule overlapping the first.
    Both lakes hold exactly what the warehouse holds."""
    c1 = write(
        tmp_path / "c1.csv",
        ["msisdn,region,join_date", "13800000001,包头,2020-01-01", "13800000002,包头,2021-01-01"],
    )
    c2 = write(
        tmp_path / "c2.csv",
        [
            "msisdn,region,join_date",
            "13800000001,包头,2020-01-01",
            "13800000002,赤峰,2021-01-01",
            "13800000003,赤峰,2022-11-20",
        ],
    )
    r1 = write(tmp_path / "r1.csv", ["product,rate,valid_from", "流量包,10%,2022-01", "5G套餐,,2022-01"])
    r2 = write(tmp_path / "r2.csv", ["product,points,valid_from", "流量包,3,2022-06"])
    r1.write_text("product,rate,points,valid_from\n流量包,10%,,2022-01\n5G套餐,,5,2022-01\n", encoding="utf-8")
    steps = [("customers", c1, date(2022, 11, 1)), ("customers", c2, date(2022, 12, 1)), ("rules", r1, None)]
    steps.append(("rules", r2, None))
    lake = str(tmp_path / "lake")
    con = connect(tmp_path / "wh.duckdb", read_only=False)
    try:
        for kind, path, as_of in steps:
            options = LoadOptions(as_of=as_of, max_reject_rate=1.0)
            [ours] = load_files(con, kind, [path], CHANNELS, options)
            [theirs] = load_to_lake(spark, lake, kind, [str(path)], CHANNELS, options)
            assert (theirs.rows_loaded, theirs.rows_rejected, theirs.reasons) == (
                ours.rows_loaded,
                ours.rows_rejected,
                ours.reasons,
            ), (kind, path.name)
        customers = "SELECT msisdn, region, join_date, _valid_from, _valid_to FROM {t} ORDER BY ALL"
        warehouse = con.execute(customers.replace("{t}", "customers")).fetchall()
        rules = "SELECT product, rate, points, valid_from, valid_to FROM {t} ORDER BY ALL"
        warehouse_rules = con.execute(rules.replace("{t}", "rules")).fetchall()
    finally:
        con.close()
    scan = duckdb.connect()
    assert scan.sql(customers.replace("{t}", f"read_parquet('{lake}/customers/*.parquet')")).fetchall() == warehouse
    assert scan.sql(rules.replace("{t}", f"read_parquet('{lake}/rules/*.parquet')")).fetchall() == warehouse_rules
    assert len(warehouse) == 4  # c2: the 包头 state closed on 2022-12-01, the 赤峰 one opened
    assert len(warehouse_rules) == 2  # the overlapping rule refused
