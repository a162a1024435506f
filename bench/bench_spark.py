"""Spark benchmark: load + kpi + points + prefer at 10M contacts (`chanops sample --rows
2000000`, CSV extracts), Spark local[2] against the embedded DuckDB warehouse, every step a
whole process. Loads: `chanops load KIND` into a warehouse vs `chanops load --engine spark
KIND --to LAKE`. Queries: the same command on the warehouse vs --engine spark over the lake.
Spark on one 2-core machine is expected to be slower; what must hold is identical answers
(CSV compared byte for byte) and bounded memory (peak RSS of the driver process; the JVM's
heap is capped by Spark's own settings). With --smoke (CI) the data is tiny and the Spark side
runs every load and query in this one process (one JVM start instead of thirteen): the answers
are compared all the same, nothing is timed.
Usage: python bench/bench_spark.py [--rows N] [--smoke]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import measure
from measure import CHANOPS, parse_args, run_measured


def spark_in_process(args: list[str]) -> tuple[float, float, str]:
    """`chanops ARGS` run in this process, sharing one Spark session (smoke only): seconds, no
    RSS (0), stdout."""
    from typer.testing import CliRunner

    from chanops.cli import app

    started = time.perf_counter()
    result = CliRunner().invoke(app, args)
    if result.exit_code != 0:
        sys.exit(f"benchmark command failed ({result.exit_code}): chanops {' '.join(args)}\n{result.stderr}")
    return time.perf_counter() - started, 0.0, result.stdout


KINDS = ("orders", "contacts", "entries", "valid", "rules", "complaints", "usage", "signals", "customers", "billing")
QUERIES = {
    "kpi by region": ["kpi", "--month", "2022-11", "--by", "region", "--format", "csv"],
    "points statement": ["points", "statement", "--month", "2022-11", "--format", "csv"],
    "prefer summary": ["prefer", "summary", "--month", "2022-11", "--format", "csv"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders over six months (contacts ≈ 5×)")
    args = parse_args(parser, rows=400)
    chanops = CHANOPS
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-spark-"))
    db, lake, data = work / "wh.duckdb", work / "lake", work / "data"
    try:
        started = time.perf_counter()
        subprocess.run([chanops, "sample", "--out", str(data), "--rows", str(args.rows)], check=True)
        print(f"generated {args.rows:,} orders in {time.perf_counter() - started:.0f}s", flush=True)
        if measure.SMOKE:
            spark = spark_in_process
        else:

            def spark(args: list[str]) -> tuple[float, float, str]:
                return run_measured([chanops, *args])

        totals = {"duckdb": 0.0, "spark": 0.0}
        for kind in KINDS:
            extract = str(data / f"{kind}.csv")
            duck_s, duck_rss, _ = run_measured([chanops, "load", kind, extract, "--db", str(db)])
            spark_s, spark_rss, _ = spark(["load", kind, extract, "--engine", "spark", "--to", str(lake)])
            totals["duckdb"] += duck_s
            totals["spark"] += spark_s
            driver = f"{spark_rss:4.0f} MiB driver" if spark_rss else "in-process"
            print(
                f"load {kind:<10} duckdb {duck_s:7.1f}s ({duck_rss:4.0f} MiB)   spark {spark_s:7.1f}s ({driver})",
                flush=True,
            )
        print(f"load, all kinds: duckdb {totals['duckdb']:.0f}s, spark {totals['spark']:.0f}s", flush=True)
        same = True
        for name, query in QUERIES.items():
            duck_s, duck_rss, duck_out = run_measured([chanops, *query, "--db", str(db)])
            spark_s, spark_rss, spark_out = spark([*query, "--engine", "spark", "--source", str(lake)])
            same &= spark_out == duck_out
            print(
                f"{name:<17} duckdb {duck_s:6.1f}s ({duck_rss:4.0f} MiB)   spark {spark_s:6.1f}s "
                f"({f'{spark_rss:4.0f} MiB driver' if spark_rss else 'in-process'})   spark/duckdb {spark_s / duck_s:5.1f}x   "
                f"identical: {spark_out == duck_out}",
                flush=True,
            )
        print(f"answers equal: {same}")
        if not same:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
