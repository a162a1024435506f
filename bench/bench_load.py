"""Load benchmark (issue: foundation): `chanops load orders` on a generated 5M-row
orders CSV against a plain DuckDB `CREATE TABLE AS SELECT * FROM read_csv(...)` of the
same file, in the same run, each as a whole process on a fresh warehouse.

Prints both timings, the ratio (target ≤ 2.0) and each side's peak RSS. Both runs
must agree on the row count. Usage: python bench/bench_load.py [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from measure import run_measured

TARGET_RATIO = 2.0

# An orders extract as BOSS writes it: Chinese headers, +86 on some numbers, 成功/失败.
GENERATE = """
COPY (
  SELECT 'O' || lpad(CAST(i AS VARCHAR), 10, '0') AS 订单编号,
         strftime(TIMESTAMP '2022-11-01' + to_seconds(CAST(hash(i, 't') % 2592000 AS BIGINT)), '%Y-%m-%d %H:%M:%S') AS 办理时间,
         CASE WHEN i % 20 = 0 THEN '+86' ELSE '' END || CAST(13800000000 + hash(i, 'm') % 90000000 AS VARCHAR) AS 手机号码,
         ['呼和浩特','包头','赤峰','通辽','鄂尔多斯','呼伦贝尔','巴彦淖尔','乌兰察布','兴安盟','锡林郭勒盟','乌海','阿拉善盟'][1 + CAST(hash(i, 'r') % 12 AS INTEGER)] AS 地市,
         ['store','app','outbound','wechat','hotline','partner_store','sms','internet'][1 + CAST(hash(i, 'c') % 8 AS INTEGER)] AS 渠道,
         ['5G套餐','视频彩铃','咪咕视频','流量包','手机报'][1 + CAST(hash(i, 'p') % 5 AS INTEGER)] AS 业务名称,
         CASE WHEN hash(i, 's') % 10 < 9 THEN '成功' ELSE '失败' END AS 办理结果,
         CASE WHEN hash(i, 's') % 10 = 9 THEN '产品互斥' END AS 失败原因,
         CASE WHEN hash(i, 's') % 10 = 9 THEN '4G飞享套餐' END AS 互斥产品,
         CASE WHEN hash(i, 'k') % 50 = 0 THEN 'MK2211-0' || (1 + i % 8) END AS 活动编号,
         printf('%.2f', CAST(5 + hash(i, 'f') % 120 AS DOUBLE)) AS 资费
  FROM range({rows}) t(i)
) TO '{path}' (HEADER, DELIMITER ',')
"""

REFERENCE = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
con.execute("SET enable_progress_bar = false")
con.execute("CREATE TABLE orders AS SELECT * FROM read_csv(?)", [sys.argv[2]])
print(con.execute("SELECT count(*) FROM orders").fetchone()[0])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="best of R runs each")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chanops-bench-"))
    try:
        csv = work / "orders.csv"
        t0 = time.perf_counter()
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false")
        con.execute(GENERATE.format(rows=args.rows, path=csv))
        con.close()
        print(
            f"generated {args.rows:,} orders ({csv.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f}s"
        )

        chanops = str(Path(sys.executable).with_name("chanops"))
        best_ref, best_ours, rss_ref, rss_ours = float("inf"), float("inf"), 0.0, 0.0
        for attempt in range(args.repeat):
            for db in work.glob("*.duckdb*"):
                db.unlink()
            seconds, rss, out = run_measured([sys.executable, "-c", REFERENCE, str(work / "ref.duckdb"), str(csv)])
            ref_rows = int(out.strip())
            best_ref, rss_ref = min(best_ref, seconds), max(rss_ref, rss)
            seconds, rss, _ = run_measured([chanops, "load", "orders", str(csv), "--db", str(work / "ours.duckdb")])
            best_ours, rss_ours = min(best_ours, seconds), max(rss_ours, rss)
            ours_rows = (
                duckdb.connect(str(work / "ours.duckdb"), read_only=True)
                .execute("SELECT count(*) FROM orders")
                .fetchone()[0]
            )
            print(f"run {attempt + 1}: reference {best_ref:.2f}s, chanops {seconds:.2f}s")
            if ours_rows != ref_rows:
                sys.exit(f"row counts differ: chanops {ours_rows:,} vs reference {ref_rows:,}")
        ratio = best_ours / best_ref
        print(f"reference CTAS read_csv: {best_ref:.2f}s, peak RSS {rss_ref:.0f} MiB")
        print(f"chanops load:            {best_ours:.2f}s, peak RSS {rss_ours:.0f} MiB")
        print(f"ratio: {ratio:.2f} (target ≤ {TARGET_RATIO})  rows: {ref_rows:,}")
        if ratio > TARGET_RATIO:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
