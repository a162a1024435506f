"""Spark benchmark (issue 7): the six order/contact KPIs by region on the 10M-contact data
set (`chanops sample --rows 2000000`), `chanops kpi --engine spark` (local[2], over the
Parquet export) against the embedded DuckDB warehouse, both as whole processes. Spark on
one machine is expected to be slower; what must hold is that the answers are identical —
the CSV outputs are compared byte for byte. Usage: python bench/bench_spark.py [--rows N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import run_measured, sample_orders_and_contacts

SIX = (
    "online_share,platform_success_rate,outbound_connect_rate,outbound_success_rate,order_success_rate,e_channel_share"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders over six months (contacts ≈ 5×)")
    parser.add_argument("--keep", type=Path, help="reuse/keep the warehouse at this path")
    args = parser.parse_args()
    chanops = str(Path(sys.executable).with_name("chanops"))
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-spark-"))
    db = args.keep or work / "wh.duckdb"
    try:
        sample_orders_and_contacts(chanops, db, work, args.rows)
        t0 = time.perf_counter()
        subprocess.run(
            [chanops, "export", "--to", str(work / "export"), "--kinds", "orders,contacts", "--db", str(db)],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        print(f"exported to Parquet in {time.perf_counter() - t0:.1f}s")
        query = ["kpi", "--month", "2022-11", "--by", "region", "--metric", SIX, "--format", "csv"]
        duck_s, duck_rss, duck_out = run_measured([chanops, *query, "--db", str(db)])
        spark_s, spark_rss, spark_out = run_measured(
            [chanops, *query, "--engine", "spark", "--source", str(work / "export")]
        )
        print(f"duckdb: {duck_s:.2f}s, peak RSS {duck_rss:.0f} MiB")
        print(f"spark local[2]: {spark_s:.2f}s (driver peak RSS {spark_rss:.0f} MiB; the JVM is a child process)")
        print(f"spark / duckdb: {spark_s / duck_s:.1f}x; answers identical: {spark_out == duck_out}")
        if spark_out != duck_out:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
