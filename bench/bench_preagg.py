"""KPI pre-aggregate benchmark (issue 28, item 1), in the same run:

1. load: `chanops sample --rows N` orders and contacts loaded with the loader, each load timed
   apart from the pre-aggregate refresh it triggers (target: refresh ≤ 0.5× its load), in one
   child process whose peak RSS is the figure (target ≤ 4 GiB);
2. `chanops kpi --month M` and `chanops kpi --month M --by region`, served from the
   pre-aggregates, against bench_kpi's hand-written statement over the raw rows
   (target ≤ 0.05× each), and the same `kpi --by region` read from the raw rows (the warehouse
   copied with its pre-aggregates marked stale) — for scale, and to check that the JSON output
   is byte-identical either way.

Usage: python bench/bench_preagg.py [--rows N] [--repeat R] [--smoke]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_kpi import HAND_WRITTEN, MONTH
from measure import CHANOPS, Comparison, missed, parse_args, run_measured

TARGET_KPI_RATIO = 0.05
TARGET_REFRESH_RATIO = 0.5
TARGET_RSS_MIB = 4096

# one process: each load and the refresh it triggers timed apart (run_load does both in turn)
LOAD_AND_REFRESH = """
import json, sys, time
import duckdb
from chanops.config import load_config
from chanops.ingest.loader import load_files
from chanops.kpi.preagg import refresh
from chanops.store.warehouse import connect
from pathlib import Path
db, data = Path(sys.argv[1]), Path(sys.argv[2])
config = load_config(None)
con = connect(db, read_only=False)
figures = {}
for kind in ("orders", "contacts"):
    started = time.perf_counter()
    load_files(con, kind, [data / f"{kind}.parquet"], config.channels)
    loaded = time.perf_counter() - started
    done = refresh(con, config.kpis, config.channels)
    figures[kind] = {"load_s": loaded, "refresh_s": done.seconds, "months": list(done.months), "rows": done.aggregates}
print(json.dumps(figures))
"""


def kpi_cmd(db: Path, *extra: str) -> list[str]:
    return [CHANOPS, "kpi", "--db", str(db), "--month", MONTH, *extra]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders over six months (contacts ≈ 5×)")
    parser.add_argument("--repeat", type=int, default=3, help="R paired runs (reference, chanops)")
    args = parse_args(parser, rows=3_000)

    work = Path(tempfile.mkdtemp(prefix="chanops-bench-preagg-"))
    db = work / "wh.duckdb"
    ok = True
    try:
        subprocess.run(
            [CHANOPS, "sample", "--out", str(work / "data"), "--rows", str(args.rows), "--format", "parquet"],
            check=True,
            stderr=subprocess.DEVNULL,
        )
        _seconds, rss, out = run_measured([sys.executable, "-c", LOAD_AND_REFRESH, str(db), str(work / "data")])
        figures = json.loads(out)
        for kind, f in figures.items():
            ratio = f["refresh_s"] / f["load_s"]
            print(
                f"{kind}: load {f['load_s']:.1f}s, refresh {f['refresh_s']:.1f}s ({len(f['months'])} months, "
                f"{f['rows']:,} rows), ratio {ratio:.2f} (target ≤ {TARGET_REFRESH_RATIO})"
            )
            ok &= not missed(ratio, TARGET_REFRESH_RATIO, rss, TARGET_RSS_MIB)
        print(f"load and refresh: peak RSS {rss:.0f} MiB (target ≤ {TARGET_RSS_MIB} MiB)")

        raw_db = work / "raw.duckdb"
        shutil.copyfile(db, raw_db)
        _mark_stale(raw_db)
        ref_cmd = [sys.executable, "-c", HAND_WRITTEN, str(db)]
        for extra in ((), ("--by", "region")):
            what = " ".join(["chanops kpi", *extra])
            runs = Comparison(ref_cmd, kpi_cmd(db, *extra, "--format", "csv"), args.repeat)
            ok &= runs.report(f"{what} (pre-aggregates)", True, TARGET_KPI_RATIO, TARGET_RSS_MIB)
        raw_s, raw_rss, raw_json = run_measured(kpi_cmd(raw_db, "--by", "region", "--format", "json"))
        _s, _rss, served_json = run_measured(kpi_cmd(db, "--by", "region", "--format", "json"))
        same = raw_json == served_json
        print(f"chanops kpi --by region from raw rows: {raw_s:.2f}s, peak RSS {raw_rss:.0f} MiB")
        print(f"JSON byte-identical, pre-aggregates vs raw rows: {same}")
        ok &= same
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not ok:
        sys.exit(1)


def _mark_stale(raw_db: Path) -> None:
    """The copy's pre-aggregates marked stale, so every kpi there reads the raw rows."""
    import duckdb

    con = duckdb.connect(str(raw_db))
    try:
        con.execute("DELETE FROM _preagg_current")
    finally:
        con.close()


if __name__ == "__main__":
    main()
