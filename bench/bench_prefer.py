"""Preference benchmark (issue 5): `chanops prefer scores` over 30M usage events of 5M
customers against the same scoring written by hand in DuckDB SQL, both as whole
processes writing Parquet, in the same run. Prints timings, the ratio (target ≤ 1.5),
peak RSS (target ≤ 2 GiB) and checks that both outputs hold exactly the same rows.
Usage: python bench/bench_prefer.py [--events N] [--customers N] [--repeat R] [--smoke]
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

TARGET_RATIO = 1.5
TARGET_RSS_MIB = 2048
ELECTRONIC = "'hotline','app','wechat','sms','web','ussd','self_service'"

GENERATE = """
INSERT INTO customers (msisdn, region, join_date, churn_date, brand, _load_id)
SELECT CAST(13000000000 + c AS VARCHAR), 'R' || (c % 12), DATE '2015-01-01', NULL, NULL, 0 FROM range({customers}) t(c);
INSERT INTO usage
SELECT CAST(13000000000 + CAST(floor(pow((hash(hash(i, 'c')) % 1000003) / 1000003.0, 2) * {customers}) AS BIGINT) AS VARCHAR),
       ['app','app','app','wechat','wechat','sms','hotline','web','self_service','ussd'][1 + CAST(hash(hash(i, 'ch')) % 10 AS INTEGER)],
       TIMESTAMP '2022-06-01' + to_seconds(CAST(hash(hash(i, 't')) % 15811200 AS BIGINT)), NULL, 0
FROM range({events}) t(i);
INSERT INTO signals
SELECT '2022-11', CAST(13000000000 + hash(hash(i, 's')) % {customers} AS VARCHAR),
       ['app','wechat','web'][1 + CAST(hash(hash(i, 'sc')) % 3 AS INTEGER)], 'mailbox_active',
       CASE WHEN i % 10 = 0 THEN 0 ELSE 1 END, 0
FROM range({customers} // 10) t(i);
INSERT INTO complaints
SELECT 'K' || i, TIMESTAMP '2022-09-01' + to_seconds(CAST(hash(hash(i, 'kt')) % 7862400 AS BIGINT)),
       CAST(13000000000 + hash(hash(i, 'k')) % {customers} AS VARCHAR), NULL,
       ['app','wechat','sms'][1 + CAST(hash(hash(i, 'kc')) % 3 AS INTEGER)], '电子渠道使用', 0
FROM range({customers} // 100) t(i);
"""

HAND_WRITTEN = f"""
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
con.execute('''
COPY (
WITH u AS (
  SELECT msisdn, channel, count(*) AS uses, count(DISTINCT date_trunc('month', event_time)) AS months
  FROM usage WHERE event_time >= TIMESTAMP '2022-09-01' AND event_time < TIMESTAMP '2022-12-01'
    AND channel IN ({ELECTRONIC}) GROUP BY ALL),
s AS (SELECT DISTINCT msisdn, channel FROM signals WHERE month = '2022-11' AND value > 0 AND channel IN ({ELECTRONIC})),
k AS (SELECT msisdn, channel, count(*) AS n FROM complaints
      WHERE complaint_time >= TIMESTAMP '2022-09-01' AND complaint_time < TIMESTAMP '2022-12-01'
        AND msisdn IS NOT NULL AND channel IN ({ELECTRONIC}) GROUP BY ALL),
-- SPEC §7: a pair with a use, a positive signal or a complaint; a complaint-only pair scores 0, tier low
all_pairs AS (SELECT msisdn, channel FROM u UNION SELECT msisdn, channel FROM s UNION SELECT msisdn, channel FROM k),
scored AS (
  SELECT a.msisdn, a.channel, coalesce(u.uses, 0) AS uses, coalesce(u.months, 0) AS active_months,
         50.0 * least(coalesce(u.uses, 0), 10) / 10 AS usage_score,
         CASE WHEN s.msisdn IS NULL THEN 0.0 ELSE 20.0 END AS latent_score,
         30.0 * coalesce(u.months, 0) / 3 AS frequency_bonus, 20.0 * coalesce(k.n, 0) AS complaint_deduction
  FROM all_pairs a LEFT JOIN u USING (msisdn, channel) LEFT JOIN s USING (msisdn, channel)
  LEFT JOIN k USING (msisdn, channel))
SELECT *, round(greatest(0, least(100, usage_score + latent_score + frequency_bonus - complaint_deduction)), 1) AS score,
       CASE WHEN score >= 60 THEN 'high' WHEN score >= 30 THEN 'medium' ELSE 'low' END AS tier
FROM scored ORDER BY msisdn, channel
) TO '{{out}}' (FORMAT parquet)
'''.replace('{{out}}', sys.argv[2]))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30_000_000)
    parser.add_argument("--customers", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parse_args(parser, events=60_000, customers=10_000)

    from chanops.store.warehouse import connect

    work = Path(tempfile.mkdtemp(prefix="chanops-bench-prefer-"))
    db = work / "wh.duckdb"
    try:
        t0 = time.perf_counter()
        con = connect(db, read_only=False)
        con.execute(GENERATE.format(events=args.events, customers=args.customers))
        con.close()
        print(
            f"generated {args.events:,} usage events over {args.customers:,} customers "
            f"in {time.perf_counter() - t0:.0f}s"
        )
        chanops = CHANOPS
        ours_file, ref_file = work / "ours.parquet", work / "ref.parquet"
        ours_cmd = [chanops, "prefer", "scores", "--month", "2022-11", "--db", str(db), "-o", str(ours_file)]
        ref_cmd = [sys.executable, "-c", HAND_WRITTEN, str(db), str(ref_file)]
        runs = Comparison(ref_cmd, ours_cmd, args.repeat)
        check = duckdb.connect()
        columns = (
            "msisdn, channel, uses, active_months, CAST(usage_score AS DOUBLE), CAST(latent_score AS DOUBLE), "
            "CAST(frequency_bonus AS DOUBLE), CAST(complaint_deduction AS DOUBLE), CAST(score AS DOUBLE), tier"
        )
        rows, only_ours, only_ref = check.execute(f"""
            SELECT (SELECT count(*) FROM '{ours_file}'),
                   (SELECT count(*) FROM (SELECT {columns} FROM '{ours_file}' EXCEPT ALL SELECT {columns} FROM '{ref_file}')),
                   (SELECT count(*) FROM (SELECT {columns} FROM '{ref_file}' EXCEPT ALL SELECT {columns} FROM '{ours_file}'))
        """).fetchall()[0]
        runs.verdict(
            "chanops prefer scores", only_ours == 0 and only_ref == 0, TARGET_RATIO, TARGET_RSS_MIB, f"rows: {rows:,}; "
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
