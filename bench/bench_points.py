"""Points benchmark (issue 4): `chanops points statement` on 5M entries against 5M valid
records, against the same match + dedup + points written by hand in DuckDB SQL, both
as whole processes in the same run. Prints timings, the ratio (target ≤ 1.5), peak
RSS (target ≤ 2 GiB) and checks that per-staff valid counts and points agree.
Usage: python bench/bench_points.py [--entries N] [--repeat R] [--smoke]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path

from measure import CHANOPS, Comparison, parse_args

TARGET_RATIO = 1.5
TARGET_RSS_MIB = 2048

# Claims over November by 2,000 staff; ~3% repeat a (msisdn, product) pair. Billing's valid
# data holds 80% of the claimed pairs plus unclaimed ones, 5M rows in all.
GENERATE = """
INSERT INTO entries
SELECT 'E' || lpad(CAST(k AS VARCHAR), 9, '0'), TIMESTAMP '2022-11-01' + to_seconds(CAST(hash(hash(k, 't')) % 2591999 AS BIGINT)),
       'G' || lpad(CAST(hash(hash(k, 's')) % 2000 AS VARCHAR), 5, '0'), 'staff', 'store' || hash(hash(k, 's')) % 2000 % 300,
       'region', 'dept', CAST(13000000000 + CASE WHEN hash(hash(k, 'd')) % 100 < 3 THEN k - 1 ELSE k END AS VARCHAR),
       ['视频彩铃', '咪咕视频', '流量包', '手机报', '权益会员', '5G套餐'][1 + CAST(hash(hash(CASE WHEN hash(hash(k, 'd')) % 100 < 3 THEN k - 1 ELSE k END, 'p')) % 6 AS INTEGER)],
       0
FROM range({n}) t(k);
INSERT INTO valid
SELECT '2022-11', CAST(13000000000 + k AS VARCHAR),
       ['视频彩铃', '咪咕视频', '流量包', '手机报', '权益会员', '5G套餐'][1 + CAST(hash(hash(k, 'p')) % 6 AS INTEGER)],
       CAST(5 + hash(hash(k, 'f')) % 12000 / 100.0 AS DECIMAL(18,2)), 0
FROM range({n} * 5 // 4) t(k) WHERE hash(hash(k, 'v')) % 5 < 4;
INSERT INTO rules VALUES
  ('视频彩铃', 0.30, NULL, '2022-01', NULL, 0), ('咪咕视频', 0.25, NULL, '2022-01', NULL, 0),
  ('流量包', 0.25, NULL, '2022-01', NULL, 0), ('手机报', NULL, 2, '2022-01', NULL, 0),
  ('权益会员', 0.30, NULL, '2022-01', NULL, 0);
"""

HAND_WRITTEN = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
rows = con.execute('''
WITH c AS (
  SELECT staff_id, msisdn, product,
         row_number() OVER (PARTITION BY msisdn, product ORDER BY entry_time, entry_id) AS n
  FROM entries WHERE entry_time >= TIMESTAMP '2022-11-01' AND entry_time < TIMESTAMP '2022-12-01'),
v AS (SELECT msisdn, product, max(fee) AS fee FROM valid WHERE month = '2022-11' GROUP BY ALL),
r AS (SELECT * FROM rules WHERE valid_from <= '2022-11' AND (valid_to IS NULL OR valid_to >= '2022-11'))
SELECT c.staff_id,
       count(*) FILTER (WHERE c.n = 1 AND v.msisdn IS NOT NULL AND r.product IS NOT NULL) AS valid,
       sum(CASE WHEN c.n = 1 AND v.msisdn IS NOT NULL THEN coalesce(r.points, round(v.fee * r.rate, 2)) ELSE 0 END) AS earned
FROM c LEFT JOIN v ON v.msisdn = c.msisdn AND v.product = c.product LEFT JOIN r ON r.product = c.product
GROUP BY c.staff_id ORDER BY c.staff_id
''').fetchall()
for row in rows:
    print(",".join(str(v) for v in row))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parse_args(parser, entries=20_000)

    from chanops.store.warehouse import connect

    work = Path(tempfile.mkdtemp(prefix="chanops-bench-points-"))
    db = work / "wh.duckdb"
    try:
        t0 = time.perf_counter()
        con = connect(db, read_only=False)
        con.execute(GENERATE.format(n=args.entries))
        counts = con.execute("SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM valid)").fetchall()[0]
        con.close()
        print(f"generated {counts[0]:,} entries and {counts[1]:,} valid records in {time.perf_counter() - t0:.0f}s")

        chanops = CHANOPS
        ours_cmd = [chanops, "points", "statement", "--month", "2022-11", "--db", str(db), "--format", "csv"]
        ref_cmd = [sys.executable, "-c", HAND_WRITTEN, str(db)]
        runs = Comparison(ref_cmd, ours_cmd, args.repeat)
        ref_out, ours_out = runs.ref_out, runs.ours_out

        reference = {row[0]: (int(row[1]), float(row[2])) for row in csv.reader(io.StringIO(ref_out))}
        ours = {r["staff_id"]: (int(r["valid"]), float(r["earned"])) for r in csv.DictReader(io.StringIO(ours_out))}
        runs.verdict(
            "chanops points statement", reference == ours, TARGET_RATIO, TARGET_RSS_MIB, f"staff: {len(ours)}; "
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
