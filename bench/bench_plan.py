"""Campaign-planning benchmark: `chanops plan` with 5 campaigns × 2M candidates against a
warehouse of 10M contacts (5M customers, 2M orders, usage for preference tiers), writing
the dispatch files. The reference, in the same run, is the I/O floor written by hand in
DuckDB: read the five lists, join them to the active customers and write them back out.
Prints both timings, the ratio, and chanops' peak RSS (target ≤ 2 GiB).
Usage: python bench/bench_plan.py [--candidates N] [--contacts N] [--repeat R]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from measure import Comparison

TARGET_RSS_MIB = 2048
PRODUCTS = "['5G套餐','视频彩铃','咪咕视频','流量包','权益会员']"
TOUCHPOINTS = "['sms','outbound','app','wechat']"

WAREHOUSE = """
INSERT INTO customers (msisdn, region, join_date, churn_date, brand, _load_id)
SELECT CAST(13000000000 + c AS VARCHAR), 'R' || (c % 12), DATE '2015-01-01',
       CASE WHEN c % 50 = 0 THEN DATE '2022-10-01' END, NULL, 1 FROM range({customers}) t(c);
INSERT INTO contacts (contact_id, contact_time, msisdn, region, touchpoint, campaign_id, product, wave, reached, _load_id)
SELECT 'K' || i, TIMESTAMP '2022-09-01' + to_seconds(CAST(hash(i, 't') % 7862400 AS BIGINT)),
       CAST(13000000000 + hash(i, 'm') % {customers} AS VARCHAR), 'R1',
       {touchpoints}[1 + CAST(hash(i, 'tp') % 4 AS INTEGER)], 'MK' || (i % 20),
       {products}[1 + CAST(hash(i, 'p') % 5 AS INTEGER)], 1, hash(i, 'r') % 10 < 3, 1
FROM range({contacts}) t(i);
INSERT INTO orders (order_id, order_time, msisdn, region, channel, product, status, fail_reason, conflict_product,
                    campaign_id, fee, _load_id)
SELECT 'O' || i, TIMESTAMP '2022-03-01' + to_seconds(CAST(hash(i, 't') % 23587200 AS BIGINT)),
       CAST(13000000000 + hash(i, 'm') % {customers} AS VARCHAR), 'R1',
       {touchpoints}[1 + CAST(hash(i, 'c') % 4 AS INTEGER)],
       CASE WHEN i % 40 = 0 THEN '4G飞享套餐' ELSE {products}[1 + CAST(hash(i, 'p') % 5 AS INTEGER)] END,
       CASE WHEN hash(i, 's') % 10 < 9 THEN 'success' ELSE 'fail' END,
       NULL, CASE WHEN hash(i, 's') % 10 = 9 THEN '4G飞享套餐' END, 'MK1', 10, 1
FROM range({contacts} // 5) t(i);
INSERT INTO usage (msisdn, channel, event_time, action, _load_id)
SELECT CAST(13000000000 + hash(i, 'u') % {customers} AS VARCHAR), ['app','wechat','sms'][1 + CAST(hash(i, 'uc') % 3 AS INTEGER)],
       TIMESTAMP '2022-09-01' + to_seconds(CAST(hash(i, 'ut') % 7862400 AS BIGINT)), NULL, 1
FROM range({contacts}) t(i);
INSERT INTO complaints (complaint_id, complaint_time, msisdn, staff_id, channel, category, _load_id)
SELECT 'P' || i, TIMESTAMP '2022-09-01' + to_seconds(CAST(hash(i, 'pt') % 7862400 AS BIGINT)),
       CAST(13000000000 + hash(i, 'pm') % {customers} AS VARCHAR), NULL, 'hotline', NULL, 1
FROM range({customers} // 100) t(i);
"""

CAMPAIGNS = [
    ("MK2212-01", "5G套餐", 1, ["outbound", "sms", "app"]),
    ("MK2212-02", "视频彩铃", 2, ["sms", "app", "wechat"]),
    ("MK2212-03", "咪咕视频", 2, ["app", "wechat"]),
    ("MK2212-04", "流量包", 3, ["sms", "wechat"]),
    ("MK2212-05", "权益会员", 4, ["app", "sms", "outbound"]),
]

REFERENCE = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
con.execute(f\"\"\"COPY (SELECT l.* FROM read_csv('{sys.argv[2]}/*.csv', all_varchar=true, filename=true) l
               JOIN customers c ON c.msisdn = l.手机号码 WHERE c.churn_date IS NULL)
               TO '{sys.argv[3]}' (HEADER)\"\"\")
"""


def build(work: Path, candidates: int, contacts: int) -> tuple[Path, Path, Path]:
    from chanops.store.warehouse import connect

    db = work / "plan.duckdb"
    customers = contacts // 2
    con = connect(db, read_only=False)
    con.execute(WAREHOUSE.format(customers=customers, contacts=contacts, products=PRODUCTS, touchpoints=TOUCHPOINTS))
    con.execute("INSERT INTO _loads VALUES (1, 'bench', 'bench', 'bench', now()::TIMESTAMP, 'utf-8', 0, 0, 0)")
    lists = work / "targets"
    lists.mkdir()
    for n, (campaign, *_rest) in enumerate(CAMPAIGNS):
        # drawn from 1.2× the customers: some numbers are no customer at all; lists overlap
        con.execute(f"""COPY (SELECT CAST(13000000000 + hash(i, {n}) % {int(customers * 1.2)} AS VARCHAR) AS 手机号码,
                                    round((hash(i, 's{n}') % 1000) / 1000.0, 3) AS 得分
                             FROM range({candidates}) t(i))
                        TO '{lists / f"{campaign}.csv"}' (HEADER)""")
    con.close()
    plan = work / "plan.toml"
    plan.write_text(
        "".join(
            f'[[campaigns]]\nid = "{c}"\nproduct = "{p}"\nlist = "targets/{c}.csv"\npriority = {pr}\n'
            f"touchpoints = {tps!r}\n\n".replace("'", '"')
            for c, p, pr, tps in CAMPAIGNS
        ),
        encoding="utf-8",
    )
    config = work / "chanops.toml"
    config.write_text('[quota."2022-12"]\nsms = 3000000\noutbound = 200000\napp = 2000000\nwechat = 1000000\n')
    return db, plan, config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2_000_000, help="per campaign (5 campaigns)")
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-plan-"))
    try:
        started = time.perf_counter()
        db, plan, config = build(work, args.candidates, args.contacts)
        print(f"warehouse and lists built in {time.perf_counter() - started:.0f}s")
        chanops = str(Path(sys.executable).with_name("chanops"))
        comparison = Comparison(
            [sys.executable, "-c", REFERENCE, str(db), str(work / "targets"), str(work / "ref.csv")],
            [
                chanops,
                "plan",
                str(plan),
                "--month",
                "2022-12",
                "--db",
                str(db),
                "--config",
                str(config),
                "--out",
                str(work / "out"),
                "--format",
                "csv",
            ],
            args.repeat,
        )
        print(f"reference (read lists, join customers, write): {comparison.ref_s:.2f}s, {comparison.ref_rss:.0f} MiB")
        print(
            f"chanops plan: {comparison.ours_s:.2f}s, peak RSS {comparison.ours_rss:.0f} MiB "
            f"(target ≤ {TARGET_RSS_MIB}); ratio {comparison.ratio:.2f}"
        )
        for line in (work / "out" / "statuses.csv").read_text(encoding="utf-8").splitlines():
            print("  " + line)
        if comparison.ours_rss > TARGET_RSS_MIB:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
