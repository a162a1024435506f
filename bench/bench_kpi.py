"""KPI benchmark (issue 3): `chanops kpi --month M --by region` for the six order/contact
KPIs against the same six KPIs written by hand as one DuckDB query on the same
warehouse, both as whole processes, in the same run. Data: `chanops sample --rows 2000000`
(≈2M orders, ≈10M contacts), loaded with `chanops load`.

Prints both timings, the ratio (target ≤ 1.0), peak RSS (target ≤ 2 GiB) and checks
that the two answers are equal. Usage: python bench/bench_kpi.py [--rows N] [--repeat R] [--smoke]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import sys
import tempfile
from pathlib import Path

from measure import CHANOPS, Comparison, parse_args, sample_orders_and_contacts

TARGET_RATIO = 1.0
TARGET_RSS_MIB = 2048
MONTH = "2022-11"
SIX = (
    "online_share,platform_success_rate,outbound_connect_rate,outbound_success_rate,order_success_rate,e_channel_share"
)
ONLINE = "'outbound','hotline','app','wechat','sms','web','ussd','internet','partner_online'"
ELECTRONIC = "'hotline','app','wechat','sms','web','ussd','self_service'"

HAND_WRITTEN = f"""
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
rows = con.execute('''
WITH o AS (
  SELECT region,
         count(*) AS orders,
         count(*) FILTER (WHERE status = 'success') AS ok,
         count(*) FILTER (WHERE status = 'success' AND (campaign_id IS NOT NULL OR channel IN ({ONLINE}))) AS online,
         count(*) FILTER (WHERE status = 'success' AND campaign_id IS NOT NULL) AS platform,
         count(*) FILTER (WHERE status = 'success' AND channel = 'outbound') AS outbound_ok,
         count(*) FILTER (WHERE status = 'success' AND channel IN ({ELECTRONIC})) AS electronic
  FROM orders WHERE order_time >= TIMESTAMP '{MONTH}-01' AND order_time < TIMESTAMP '{MONTH}-01' + INTERVAL 1 MONTH
  GROUP BY region),
c AS (
  SELECT region,
         count(DISTINCT msisdn) FILTER (WHERE reached) AS reached,
         count(DISTINCT msisdn) FILTER (WHERE touchpoint = 'outbound') AS called,
         count(DISTINCT msisdn) FILTER (WHERE touchpoint = 'outbound' AND reached) AS connected
  FROM contacts WHERE contact_time >= TIMESTAMP '{MONTH}-01' AND contact_time < TIMESTAMP '{MONTH}-01' + INTERVAL 1 MONTH
  GROUP BY region)
SELECT region, online / ok, platform / reached, connected / called, outbound_ok / connected, ok / orders, electronic / ok
FROM o FULL JOIN c USING (region) ORDER BY region
''').fetchall()
for row in rows:
    print(",".join(str(v) for v in row))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000, help="orders over six months (contacts ≈ 5×)")
    parser.add_argument("--repeat", type=int, default=3, help="R paired runs (reference, chanops)")
    parser.add_argument("--keep", type=Path, help="reuse/keep the warehouse at this path")
    args = parse_args(parser, rows=3_000)

    chanops = CHANOPS
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-kpi-"))
    db = args.keep or work / "wh.duckdb"
    try:
        sample_orders_and_contacts(chanops, db, work, args.rows)
        ours_cmd = [
            chanops,
            "kpi",
            "--db",
            str(db),
            "--month",
            MONTH,
            "--by",
            "region",
            "--metric",
            SIX,
            "--format",
            "csv",
        ]
        ref_cmd = [sys.executable, "-c", HAND_WRITTEN, str(db)]
        runs = Comparison(ref_cmd, ours_cmd, args.repeat)
        ref_out, ours_out = runs.ref_out, runs.ours_out

        reference = [row for row in csv.reader(io.StringIO(ref_out))]
        ours = list(csv.DictReader(io.StringIO(ours_out)))
        ids = SIX.split(",")
        # chanops lists the 盟市 in the province's official order, the reference by name:
        # the answers are compared region by region
        by_region = {row["region"]: row for row in ours}
        mismatches = abs(len(reference) - len(ours))
        for ref_row in reference:
            our_row = by_region.get(ref_row[0])
            if our_row is None:
                mismatches += 1
                continue
            for kpi_id, ref_value in zip(ids, ref_row[1:], strict=True):
                a = None if ref_value == "None" else float(ref_value)
                b = None if our_row[kpi_id] == "" else float(our_row[kpi_id])
                if (a is None) != (b is None) or (a is not None and abs(a - b) > 1e-12):
                    mismatches += 1
        runs.verdict("chanops kpi", mismatches == 0, TARGET_RATIO, TARGET_RSS_MIB, f"regions: {len(ours)}; ")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
