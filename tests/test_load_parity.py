"""One copy of the load rules (SPEC §2.1, §10): the same files loaded by the DuckDB loader and
by `--engine spark` give the same kept rows, the same rejects (line, column, code) and the
same ledger — corrections refused, several files under --replace, a file loaded again after
a --replace removed its rows, a load refused for its bad rows kept on record, a dry run, and
customer snapshots loaded out of order. Every file is written here; the figures are worked
out by hand in each docstring. The slow tier (Spark)."""

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
from chanops.engines.spark import spark_session  # noqa: E402
from chanops.errors import LoadRejected  # noqa: E402
from chanops.ingest.loader import LoadOptions, load_files  # noqa: E402
from chanops.lake.load import load_to_lake  # noqa: E402
from chanops.store.warehouse import connect  # noqa: E402

CHANNELS = build_catalog(None)
ORDERS = "订单编号,办理时间,手机号码,地市,渠道,产品,办理结果"
CUSTOMERS = "手机号码,地市,入网时间,离网时间"
LEDGER = "SELECT load_id, kind, rows_read, rows_loaded, rows_rejected, as_of, status FROM {loads} ORDER BY load_id"
REJECTS = 'SELECT load_id, line, "column", code FROM {rejects} ORDER BY load_id, line'


@pytest.fixture(scope="module")
def spark():
    return spark_session()


def order(key: str, day: str, phone: str = "13800000001", channel: str = "app", status: str = "成功") -> str:
    return f"{key},{day} 08:00:00,{phone},包头,{channel},流量包,{status}"


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class Both:
    """A warehouse and a lake loaded with the same files and options, step by step."""

    def __init__(self, spark, tmp_path: Path):
        self.spark, self.lake = spark, str(tmp_path / "lake")
        self.con = connect(tmp_path / "wh.duckdb", read_only=False)

    def load(self, kind: str, paths: list[Path], **options):
        """Both loads' results, or both refusals' messages (which must be the same up to where
        each keeps the rejects)."""
        opts = LoadOptions(**options)
        outcomes = []
        for run in (
            lambda: load_files(self.con, kind, paths, CHANNELS, opts),
            lambda: load_to_lake(self.spark, self.lake, kind, [str(p) for p in paths], CHANNELS, opts),
        ):
            try:
                outcomes.append(run())
            except LoadRejected as exc:
                outcomes.append(str(exc).split("; load rolled back")[0])
        ours, theirs = outcomes
        if isinstance(ours, str) or isinstance(theirs, str):
            assert ours == theirs
            return ours
        summary = [
            (r.rows_read, r.rows_loaded, r.rows_rejected, r.duplicates, r.reasons, r.skipped, r.replaced, r.customers)
            for r in ours
        ]
        assert [
            (r.rows_read, r.rows_loaded, r.rows_rejected, r.duplicates, r.reasons, r.skipped, r.replaced, r.customers)
            for r in theirs
        ] == summary
        assert [r.reject_rows for r in theirs] == [r.reject_rows for r in ours]
        return ours

    def same(self, kind: str, columns: str) -> list[tuple]:
        """The kept rows, the rejects and the ledger of warehouse and lake are the same; the rows."""
        scan = duckdb.connect()
        lake = Path(self.lake)
        table = f"read_parquet('{lake}/{kind}/**/*.parquet', hive_partitioning=true, union_by_name=true)"
        rows = f"SELECT {columns} FROM {{t}} ORDER BY ALL"
        ours = self.con.execute(rows.format(t=kind)).fetchall()
        assert (scan.sql(rows.format(t=table)).fetchall() if any((lake / kind).rglob("*.parquet")) else []) == ours
        rejects = f"read_parquet('{lake}/_rejects/*.parquet', union_by_name=true)"
        assert scan.sql(REJECTS.format(rejects=rejects)).fetchall() == self.rejects()
        loads = f"read_parquet('{lake}/_loads/*.parquet', union_by_name=true)"
        assert scan.sql(LEDGER.format(loads=loads)).fetchall() == self.ledger()
        return ours

    def rejects(self) -> list[tuple]:
        return self.con.execute(REJECTS.format(rejects="_rejects")).fetchall()

    def ledger(self) -> list[tuple]:
        return self.con.execute(LEDGER.format(loads="_loads")).fetchall()


def test_orders_the_same_on_both_engines(spark, tmp_path):
    """nov.csv (lines 2–7): o1; o2 with a 10-digit number (bad_phone); o3 on channel tiktok
    (unknown_channel); o1 again (duplicate_in_file); o4 with no region... as 包头 replaced by
    an empty field (missing_value); o5. Read 6, loaded 2, rejected 4 (1 duplicate) — load 1.
    nov_v2.csv: o1 now 失败 and o6 new: a correction, refused on both, nothing written.
    dec.csv: d1–d3 (load 2). part1.csv (d4) and part2.csv (d5) with --replace in one command:
    part 1 replaces December's 3 earlier rows, part 2 nothing (loads 3, 4): December d4, d5.
    dec.csv again: its rows are gone, so it loads (load 5, read 3 loaded 3): December d1–d5;
    a third time: skipped, same bytes. November is o1, o5 throughout."""
    both = Both(spark, tmp_path)
    nov = write(
        tmp_path / "nov.csv",
        [
            ORDERS,
            order("o1", "2022-11-01"),
            order("o2", "2022-11-02", phone="1380000000"),
            order("o3", "2022-11-03", channel="tiktok"),
            order("o1", "2022-11-01"),
            order("o4", "2022-11-04").replace("包头", ""),
            order("o5", "2022-11-05"),
        ],
    )
    [first] = both.load("orders", [nov], max_reject_rate=1.0)
    assert (first.rows_read, first.rows_loaded, first.rows_rejected, first.duplicates) == (6, 2, 4, 1)
    assert both.rejects() == [
        (1, 3, "msisdn", "bad_phone"),
        (1, 4, "channel", "unknown_channel"),
        (1, 5, "order_id", "duplicate_in_file"),
        (1, 6, "region", "missing_value"),
    ]

    corrected = write(
        tmp_path / "nov_v2.csv", [ORDERS, order("o1", "2022-11-01", status="失败"), order("o6", "2022-11-06")]
    )
    refusal = both.load("orders", [corrected])
    assert "1 row(s) hold keys already loaded with other values" in refusal
    assert "order_id o1: status is success in the warehouse, fail in the file" in refusal

    dec = write(tmp_path / "dec.csv", [ORDERS, *(order(f"d{n}", f"2022-12-0{n}") for n in (1, 2, 3))])
    both.load("orders", [dec])
    part1 = write(tmp_path / "part1.csv", [ORDERS, order("d4", "2022-12-04")])
    part2 = write(tmp_path / "part2.csv", [ORDERS, order("d5", "2022-12-05")])
    one, two = both.load("orders", [part1, part2], replace=True)
    assert (one.replaced, two.replaced) == ([("2022-12", 3)], [])
    assert both.same("orders", "order_id") == [("d4",), ("d5",), ("o1",), ("o5",)]

    [again] = both.load("orders", [dec])
    assert (again.skipped, again.rows_loaded) == (None, 3)
    [third] = both.load("orders", [dec])
    assert third.skipped == "same bytes"
    assert both.same("orders", "order_id, status") == [
        *((f"d{n}", "success") for n in range(1, 6)),
        ("o1", "success"),
        ("o5", "success"),
    ]
    assert [(n, read, loaded, rejected, status) for n, _k, read, loaded, rejected, _a, status in both.ledger()] == [
        (1, 6, 2, 4, "loaded"),
        (2, 3, 3, 0, "loaded"),
        (3, 1, 1, 0, "loaded"),
        (4, 1, 1, 0, "loaded"),
        (5, 3, 3, 0, "loaded"),
    ]


def test_a_refused_load_is_kept_on_record_and_a_dry_run_writes_nothing(spark, tmp_path):
    """bad.csv: 4 orders, the second (line 3) with the number 12345: 1 bad of 4 = 25% > the
    default 1% — refused on both, the same line; no order written; the ledger holds load 1
    refused (read 4, loaded 0, rejected 1) and its reject (line 3, msisdn, bad_phone) is kept
    (before, the lake kept nothing). A dry run of it with --max-reject-rate 0.5: read 4,
    loaded 3, rejected 1, the reject listed, nothing written on either side."""
    both = Both(spark, tmp_path)
    rows = [order(f"b{n}", f"2022-11-0{n}") for n in (1, 2, 3, 4)]
    rows[1] = rows[1].replace("13800000001", "12345")
    bad = write(tmp_path / "bad.csv", [ORDERS, *rows])
    refusal = both.load("orders", [bad])
    assert "1 of 4 rows rejected (25.0%, above --max-reject-rate 0.01; most common: not an 11" in refusal
    assert both.same("orders", "order_id") == []
    assert both.ledger() == [(1, "orders", 4, 0, 1, None, "refused")]
    assert both.rejects() == [(1, 3, "msisdn", "bad_phone")]
    [dry] = both.load("orders", [bad], max_reject_rate=0.5, dry_run=True)
    assert (dry.rows_read, dry.rows_loaded, dry.rows_rejected) == (4, 3, 1)
    assert dry.reject_rows == [(3, "msisdn", "12345", "bad_phone", "not an 11-digit mobile number")]
    assert both.same("orders", "order_id") == [] and len(both.ledger()) == 1


def test_an_older_snapshot_loaded_late_goes_into_history_on_both(spark, tmp_path):
    """The December snapshot (as of 2022-12-31) first: 01 churned 2022-12-15, 02 active. Then
    November's (2022-11-30): 01 and 02 active, 03 joined 2022-11-03. On both engines: 01's
    November state is history (in force until 12-31) and the December churn stays current;
    02 is one state seen on 11-30 and 12-31; 03 is new — new 1, changed 1, unchanged 1.
    Before, Spark rejected both of 01 and 02 ("load snapshots oldest first")."""
    both = Both(spark, tmp_path)
    dec = write(
        tmp_path / "dec.csv", [CUSTOMERS, "13800000001,包头,2020-01-01,2022-12-15", "13800000002,包头,2020-01-01,"]
    )
    nov = write(
        tmp_path / "nov.csv",
        [CUSTOMERS, "13800000001,包头,2020-01-01,", "13800000002,包头,2020-01-01,", "13800000003,赤峰,2022-11-03,"],
    )
    both.load("customers", [dec], as_of=date(2022, 12, 31))
    [late] = both.load("customers", [nov], as_of=date(2022, 11, 30))
    assert (late.rows_read, late.rows_loaded, late.rows_rejected, late.customers) == (3, 3, 0, (1, 1, 1))
    nov_, dec_ = date(2022, 11, 30), date(2022, 12, 31)
    assert both.same("customers", "msisdn, churn_date, _valid_from, _valid_to, _seen, _load_id") == [
        ("13800000001", date(2022, 12, 15), dec_, None, [dec_], 1),
        ("13800000001", None, None, dec_, [nov_], 2),
        ("13800000002", None, None, None, [nov_, dec_], 1),
        ("13800000003", None, None, None, [nov_], 2),
    ]
    assert [(n, a) for n, _k, _r, _l, _j, a, _s in both.ledger()] == [(1, dec_), (2, nov_)]


def test_a_lake_written_before_seen_dates_takes_them_from_its_ledger(spark, tmp_path):
    """A lake whose customers table and ledger were written before `_seen` and `status`: the
    December snapshot (01 churned 2022-12-15) as load 1. Its state is taken as seen on its
    load's as-of, 2022-12-31, so the November snapshot loaded late goes into history: 01 is
    current churned, its November state in force until 12-31."""
    lake = tmp_path / "lake"
    dec = write(tmp_path / "dec.csv", [CUSTOMERS, "13800000001,包头,2020-01-01,2022-12-15"])
    load_to_lake(spark, str(lake), "customers", [str(dec)], CHANNELS, LoadOptions(as_of=date(2022, 12, 31)))
    scan = duckdb.connect()
    for table, dropped in (("customers", "_seen"), ("_loads", "status")):
        [path] = (lake / table).glob("*.parquet")
        scan.execute(f"COPY (SELECT * EXCLUDE ({dropped}) FROM '{path}') TO '{path}.old' (FORMAT parquet)")
        Path(f"{path}.old").replace(path)
        path.with_name(f".{path.name}.crc").unlink(missing_ok=True)  # Hadoop's checksum of the old bytes
    nov = write(tmp_path / "nov.csv", [CUSTOMERS, "13800000001,包头,2020-01-01,"])
    [late] = load_to_lake(spark, str(lake), "customers", [str(nov)], CHANNELS, LoadOptions(as_of=date(2022, 11, 30)))
    assert late.customers == (0, 1, 0)
    states = scan.sql(
        f"SELECT churn_date, _valid_from, _valid_to, _seen FROM '{lake}/customers/*.parquet' ORDER BY 2 NULLS FIRST"
    )
    dec_ = date(2022, 12, 31)
    assert states.fetchall() == [(None, None, dec_, [date(2022, 11, 30)]), (date(2022, 12, 15), dec_, None, [dec_])]
