"""Spark benchmark: load + kpi + points + prefer at 10M contacts (`chanops sample --rows
2000000`, CSV extracts), Spark local[2] against the embedded DuckDB warehouse, every step a
whole process. Loads: `chanops load KIND` into a warehouse vs `chanops load --engine spark
KIND --to LAKE`. Queries: the same command on the warehouse vs --engine spark over the lake.
Spark on one 2-core machine is expected to be slower; what must hold is identical answers
(CSV compared byte for byte) and bounded memory (peak RSS of the driver process; the JVM's
heap is capped by Spark's own settings). Usage: python bench/bench_spark.py [--rows N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import run_measured

KINDS = ("orders", "contacts", "entries", "valid", "rules", "complaints", "usage", "signals", "customers", "billing")
QUERIES = {
    "kpi by region": ["kpi", "--month", "2022-11", "--by", "region", "--format", "csv"],
    "points statement": ["points", "statement", "--month", "2022-11", "--format", "csv"],
    "prefer summary": ["prefer", "summary", "--month", "2022-11", "--format", "csv"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders over six months (contacts ≈ 5×)")
    args = parser.parse_args()
    chanops = str(Path(sys.executable).with_name("chanops"))
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-spark-"))
    db, lake, data = work / "wh.duckdb", work / "lake", work / "data"
    try:
        started = time.perf_counter()
        subprocess.run([chanops, "sample", "--out", str(data), "--rows", str(args.rows)], check=True)
        print(f"generated {args.rows:,} orders in {time.perf_counter() - started:.0f}s", flush=True)
        totals = {"duckdb": 0.0, "spark": 0.0}
        for kind in KINDS:
            extract = str(data / f"{kind}.csv")
            duck_s, duck_rss, _ = run_measured([chanops, "load", kind, extract, "--db", str(db)])
            spark_s, spark_rss, _ = run_measured(
                [chanops, "load", kind, extract, "--engine", "spark", "--to", str(lake)]
            )
            totals["duckdb"] += duck_s
            totals["spark"] += spark_s
            print(
                f"load {kind:<10} duckdb {duck_s:7.1f}s ({duck_rss:4.0f} MiB)   spark {spark_s:7.1f}s "
                f"({spark_rss:4.0f} MiB driver)",
                flush=True,
            )
        print(f"load, all kinds: duckdb {totals['duckdb']:.0f}s, spark {totals['spark']:.0f}s", flush=True)
        same = True
        for name, query in QUERIES.items():
            duck_s, duck_rss, duck_out = run_measured([chanops, *query, "--db", str(db)])
            spark_s, spark_rss, spark_out = run_measured([chanops, *query, "--engine", "spark", "--source", str(lake)])
            same &= spark_out == duck_out
            print(
                f"{name:<17} duckdb {duck_s:6.1f}s ({duck_rss:4.0f} MiB)   spark {spark_s:6.1f}s "
                f"({spark_rss:4.0f} MiB driver)   spark/duckdb {spark_s / duck_s:5.1f}x   "
                f"identical: {spark_out == duck_out}",
                flush=True,
            )
        if not same:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
