"""Load benchmark: `chanops load` with everything on (header and delimiter sniffing, null
markers and edge trimming, content keys and duplicate checks, physical line accounting)
against a plain DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)` of the same file, in
the same run, each as a whole process on a fresh warehouse. The load is timed without the KPI
pre-aggregates' refresh that follows it by default (`--no-refresh`): what it costs against the
load is bench_preagg's figure (≤ 0.5× the load).

Three extracts: 20M contacts (the figure the load is held to: ratio ≤ 1.5), the same contacts
as a month-end file arrives, with a few bad and repeated lines (`--no-dirty` to skip it), and
5M orders (Chinese headers, +86 numbers, 成功/失败; ratio ≤ 1.6, see ORDERS_TARGET). Each is
run R times as pairs (reference, then chanops); the figure is the median of the pairs'
ratios. Both sides must give the same answers: row count and checksums of an id, a time and
a number column, computed on each side's table after the runs (and for the dirty file, the
lines chanops rejected).
Usage: python bench/bench_load.py [--orders N] [--contacts N] [--repeat R] [--smoke]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from measure import CHANOPS, Comparison, parse_args

# Not met: 2.12 (1.85–2.21) on an idle machine after the fingerprint went on two threads (CPU
# 2.3x → 1.95x the reference's, 5M rows paired); the reference is the faster the idler the
# machine, so the ratio is worst idle. Per 2M rows on one thread the
# reference takes ~2.1 s of CPU (read 0.85, write 1.2); chanops reads the same, but writes
# ~0.6 s more (msisdn is text, which the reference stores as a BIGINT) and normalizes: null
# markers and edge trimming ~0.6 (mostly the test of the last character), values and checks
# ~0.4, fingerprint ~0.25, duplicate check ~0.2; the probe is ~0.3 s at any size.
CONTACTS_TARGET = 1.5
# Orders carry 11 columns, four of them typed (time, +86 numbers, 成功/失败, amounts) and
# two more channel and status lookups than contacts, in a file a quarter the size: the
# normalizing is a larger share of the load than the reference's typed read.
ORDERS_TARGET = 1.6
# A file with bad or repeated lines is settled after the append: the file is read again on one
# thread (numbering records keeps a scan on one thread) and, since rows appended in the load's
# transaction are deleted, DuckDB rewrites the whole append when it commits. Measured 3.7–4.4
# on a busy machine: this target guards against it growing, it is not an aim.
DIRTY_TARGET = 4.5
TARGET_RSS_MIB = 2048

REGIONS = "['呼和浩特','包头','赤峰','通辽','鄂尔多斯','呼伦贝尔','巴彦淖尔','乌兰察布','兴安盟','锡林郭勒盟','乌海','阿拉善盟']"

# An orders extract as BOSS writes it: Chinese headers, +86 on some numbers, 成功/失败.
ORDERS = f"""
COPY (
  SELECT 'O' || lpad(CAST(i AS VARCHAR), 10, '0') AS 订单编号,
         strftime(TIMESTAMP '2022-11-01' + to_seconds(CAST(hash(i, 't') % 2592000 AS BIGINT)), '%Y-%m-%d %H:%M:%S') AS 办理时间,
         CASE WHEN i % 20 = 0 THEN '+86' ELSE '' END || CAST(13800000000 + hash(i, 'm') % 90000000 AS VARCHAR) AS 手机号码,
         {REGIONS}[1 + CAST(hash(i, 'r') % 12 AS INTEGER)] AS 地市,
         ['store','app','outbound','wechat','hotline','partner_store','sms','internet'][1 + CAST(hash(i, 'c') % 8 AS INTEGER)] AS 渠道,
         ['5G套餐','视频彩铃','咪咕视频','流量包','手机报'][1 + CAST(hash(i, 'p') % 5 AS INTEGER)] AS 业务名称,
         CASE WHEN hash(i, 's') % 10 < 9 THEN '成功' ELSE '失败' END AS 办理结果,
         CASE WHEN hash(i, 's') % 10 = 9 THEN '产品互斥' END AS 失败原因,
         CASE WHEN hash(i, 's') % 10 = 9 THEN '4G飞享套餐' END AS 互斥产品,
         CASE WHEN hash(i, 'k') % 50 = 0 THEN 'MK2211-0' || (1 + i % 8) END AS 活动编号,
         printf('%.2f', CAST(5 + hash(i, 'f') % 120 AS DOUBLE)) AS 资费
  FROM range({{rows}}) t(i)
) TO '{{path}}' (HEADER, DELIMITER ',')
"""

# A platform contact log: one row per touch, reached as 是/否.
CONTACTS = f"""
COPY (
  SELECT 'K' || lpad(CAST(i AS VARCHAR), 11, '0') AS 接触编号,
         strftime(TIMESTAMP '2022-11-01' + to_seconds(CAST(hash(i, 't') % 2592000 AS BIGINT)), '%Y-%m-%d %H:%M:%S') AS 接触时间,
         CAST(13800000000 + hash(i, 'm') % 90000000 AS VARCHAR) AS 手机号码,
         {REGIONS}[1 + CAST(hash(i, 'r') % 12 AS INTEGER)] AS 地市,
         ['sms','outbound','app','wechat'][1 + CAST(hash(i, 'c') % 4 AS INTEGER)] AS 触点,
         'MK2211-0' || (1 + i % 8) AS 活动编号,
         ['5G套餐','视频彩铃','流量包'][1 + CAST(hash(i, 'p') % 3 AS INTEGER)] AS 营销产品,
         1 + i % 3 AS 波次,
         CASE WHEN hash(i, 'x') % 10 < 3 THEN '是' ELSE '否' END AS 是否触达
  FROM range({{rows}}) t(i)
) TO '{{path}}' (HEADER, DELIMITER ',')
"""


def dirty(rows: int) -> str:
    """The contact log as a month-end file arrives: every E-th line from line E/2 on holds a
    bad number (12345), and every E-th line repeats the key of the line E/2 + 1 above it, with
    wave 9 (E = rows / 10, so at 20M both lie far beyond the probed records and the file is
    appended directly, then settled: its bad and repeated lines read again)."""
    every = max(rows // 10, 8)
    half = every // 2
    return (
        CONTACTS.replace(
            "'K' || lpad(CAST(i AS VARCHAR), 11, '0')",
            f"'K' || lpad(CAST(CASE WHEN i % {every} = {every - 1} AND i >= {every} THEN i - {half + 1} ELSE i END "
            "AS VARCHAR), 11, '0')",
        )
        .replace(
            "CAST(13800000000 + hash(i, 'm') % 90000000 AS VARCHAR)",
            f"CASE WHEN i % {every} = {half} THEN '12345' ELSE CAST(13800000000 + hash(i, 'm') % 90000000 AS VARCHAR) END",
        )
        .replace(
            "1 + i % 3 AS 波次",
            f"CASE WHEN i % {every} = {every - 1} AND i >= {every} THEN 9 ELSE 1 + i % 3 END AS 波次",
        )
    )


def dirty_lines(rows: int) -> int:
    """Lines of dirty(rows) chanops must reject: the bad numbers and the repeated keys."""
    every = max(rows // 10, 8)
    bad = len(range(every // 2, rows, every))
    repeated = len(range(2 * every - 1, rows, every))
    return bad + repeated


REFERENCE = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [sys.argv[2]])
"""

# The answers both sides must agree on, as (the reference's column, chanops' column) read by
# one expression each: the reference's read_csv types the columns itself (手机号码 a BIGINT,
# 资费 a DOUBLE), chanops normalizes them (+86 dropped, amounts DECIMAL). Integer sums: exact
# whatever the order rows were added in.
CHECKSUMS = {
    "contacts": [
        ("sum(hash({}))", "接触编号", "contact_id"),
        ("sum(CAST(epoch({}) AS BIGINT))", "接触时间", "contact_time"),
        ("sum(CAST(right(CAST({} AS VARCHAR), 11) AS BIGINT))", "手机号码", "msisdn"),
    ],
    "orders": [
        ("sum(hash({}))", "订单编号", "order_id"),
        ("sum(CAST(epoch({}) AS BIGINT))", "办理时间", "order_time"),
        ("sum(CAST(right(CAST({} AS VARCHAR), 11) AS BIGINT))", "手机号码", "msisdn"),
        ("sum(CAST(round({} * 100) AS BIGINT))", "资费", "fee"),
    ],
}


def answers(db: Path, table: str, side: int, kind: str, where: str = "true") -> tuple:
    """Row count and checksums of one side's table (side 1: the reference, 2: chanops)."""
    exprs = ", ".join(expr.format(f'"{cols[side - 1]}"') for expr, *cols in CHECKSUMS[kind])
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(f"SELECT count(*), {exprs} FROM {table} WHERE {where}").fetchone()
        rejected = con.execute("SELECT count(*) FROM _rejects").fetchone() if side == 2 else (0,)
    finally:
        con.close()
    assert row is not None and rejected is not None
    return (*row, rejected[0])


def bench(name: str, kind: str, generate: str, rows: int, repeat: int, work: Path, target: float, bad: int = 0) -> bool:
    """Time the load of one generated file against the reference's; compare the answers. With
    `bad` lines (the dirty file), the reference's table holds them too: its rows are counted
    without them (wave 9 and the number 12345 mark them) and chanops must reject exactly `bad`."""
    csv = work / f"{kind}.csv"
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(generate.format(rows=rows, path=csv))
    con.close()
    size = csv.stat().st_size / 2**20
    print(f"\n{name}: generated {rows:,} rows ({size:,.0f} MiB) in {time.perf_counter() - started:.1f}s")

    def fresh() -> None:
        for db in work.glob("*.duckdb*"):
            db.unlink()

    comparison = Comparison(
        [sys.executable, "-c", REFERENCE, str(work / "ref.duckdb"), str(csv)],
        [CHANOPS, "load", kind, str(csv), "--db", str(work / "ours.duckdb"), "--no-refresh"],
        repeat,
        before_each=fresh,
    )
    csv.unlink()
    # the last pair's tables, after the timed runs: checksums cost neither side time
    clean = "CAST(波次 AS VARCHAR) <> '9' AND CAST(手机号码 AS VARCHAR) <> '12345'" if bad else "true"
    ref = answers(work / "ref.duckdb", "t", 1, kind, clean)[:-1] + (bad,)
    ours = answers(work / "ours.duckdb", kind, 2, kind)
    names = [
        "rows",
        *(f"checksum of {col}" for _expr, _ref_col, col in CHECKSUMS[kind]),
        "lines rejected (reference: as generated)",
    ]
    for label, a, b in zip(names, ref, ours, strict=True):
        print(f"  {label}: reference {a:,}, chanops {b:,}{'' if a == b else '  <- DIFFERENT'}")
    equal = ref == ours and ref[0] == rows - bad
    return comparison.report(f"chanops load {kind}", equal, target, TARGET_RSS_MIB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--contacts", type=int, default=20_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="R paired runs (reference, chanops)")
    parser.add_argument(
        "--dirty",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the contacts with bad and repeated lines too",
    )
    args = parse_args(parser, orders=3_000, contacts=10_000)
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-"))
    try:
        ok = bench("contacts", "contacts", CONTACTS, args.contacts, args.repeat, work, CONTACTS_TARGET)
        if args.dirty:
            ok = (
                bench(
                    "contacts with bad and repeated lines",
                    "contacts",
                    dirty(args.contacts),
                    args.contacts,
                    args.repeat,
                    work,
                    DIRTY_TARGET,
                    bad=dirty_lines(args.contacts),
                )
                and ok
            )
        ok = bench("orders", "orders", ORDERS, args.orders, args.repeat, work, ORDERS_TARGET) and ok
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
