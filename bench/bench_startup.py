"""Start-up benchmark: `chanops --help` and `chanops kpi --format csv` on a small warehouse,
each against Python answering a count with DuckDB (`import duckdb`, open the file read-only,
`SELECT count(*) FROM contacts`) — the least a command reading the warehouse can cost — as
whole processes, paired, in the same run.

On a small warehouse a command is all start-up: imports (Typer, DuckDB, and whatever else a
path pulls in) and building the command tree. Target: each ≤ 0.3 s on an idle machine, where
the reference takes ~0.145 s: a ratio ≤ 2.0. Prints both timings, the ratios and peak RSS.
Usage: python bench/bench_startup.py [--rows N] [--repeat R] [--smoke]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from measure import CHANOPS, Comparison, parse_args, sample_orders_and_contacts

# An installed chanops runs from compiled bytecode (pip writes it); a shell that turns bytecode
# off would time the compiling of every module instead of start-up.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

TARGET_RATIO = 2.0  # 0.3 s against the reference's 0.145 s on an idle machine
TARGET_RSS_MIB = 512

COUNT = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.sql("SELECT count(*) FROM contacts").fetchall()[0][0])
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000, help="orders in the small warehouse (contacts ≈ 5×)")
    parser.add_argument("--repeat", type=int, default=15, help="R paired runs (reference, chanops) per command")
    args = parse_args(parser, rows=300)

    work = Path(tempfile.mkdtemp(prefix="chanops-bench-startup-"))
    db = work / "wh.duckdb"
    try:
        sample_orders_and_contacts(CHANOPS, db, work, args.rows)
        reference = [sys.executable, "-c", COUNT, str(db)]
        for warm_up in ([CHANOPS, "--help"], [CHANOPS, "kpi", "--format", "csv", "--db", str(db)]):
            subprocess.run(warm_up, check=True, capture_output=True)  # bytecode written, files cached
        ok = True

        print("== chanops --help")
        runs = Comparison(reference, [CHANOPS, "--help"], args.repeat)
        listed = "kpi" in runs.ours_out and "load" in runs.ours_out
        ok &= runs.report("chanops --help", listed and int(runs.ref_out) > 0, TARGET_RATIO, TARGET_RSS_MIB)

        print("== chanops kpi --format csv")
        runs = Comparison(reference, [CHANOPS, "kpi", "--format", "csv", "--db", str(db)], args.repeat)
        lines = runs.ours_out.splitlines()
        answered = len(lines) >= 2 and lines[0].startswith("month,")
        ok &= runs.report(
            "chanops kpi --format csv", answered, TARGET_RATIO, TARGET_RSS_MIB, f"rows: {len(lines) - 1}; "
        )
        if not ok:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
