"""Campaign-planning benchmark: `chanops plan` with 5 campaigns × 2M candidates against a
warehouse of 10M contacts (5M customers, 2M orders, usage for preference tiers, products in
force for M-1), writing
the dispatch files. The time reference, in the same run, is the I/O floor written by hand in
DuckDB: read the five lists, join them to the active customers and write them back out.
Prints both timings, the ratio, and chanops' peak RSS (target ≤ 2 GiB).

The answers are checked against `serve_one_by_one`, SPEC §12 written out as a Python loop
over the candidates (facts fetched by plain SQL): every candidate's status, touchpoint and
expected conversion must agree. A loop is slow, so it runs up to --compare-max candidates
(all of them with --smoke, what CI runs).
Usage: python bench/bench_plan.py [--candidates N] [--contacts N] [--repeat R] [--smoke]
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import duckdb
from measure import Comparison, missed, parse_args

TARGET_RSS_MIB = 2048
PRODUCTS = "['5G套餐','视频彩铃','咪咕视频','流量包','权益会员']"
TOUCHPOINTS = "['sms','outbound','app','wechat']"
QUOTA = {"sms": 3_000_000, "outbound": 200_000, "app": 2_000_000, "wechat": 1_000_000}

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
SELECT 'O' || i,
       -- one order in four follows contact i: bought on its touchpoint a day later (conversion history)
       CASE WHEN i % 4 = 0 THEN TIMESTAMP '2022-09-02' + to_seconds(CAST(hash(i, 't') % 7862400 AS BIGINT))
            ELSE TIMESTAMP '2022-03-01' + to_seconds(CAST(hash(i, 't') % 23587200 AS BIGINT)) END,
       CAST(13000000000 + hash(i, 'm') % {customers} AS VARCHAR), 'R1',
       {touchpoints}[1 + CAST(hash(i, CASE WHEN i % 4 = 0 THEN 'tp' ELSE 'c' END) % 4 AS INTEGER)],
       CASE WHEN i % 40 = 0 THEN '4G飞享套餐' ELSE {products}[1 + CAST(hash(i, 'p') % 5 AS INTEGER)] END,
       CASE WHEN hash(i, 's') % 10 < 9 THEN 'success' ELSE 'fail' END,
       NULL, CASE WHEN hash(i, 's') % 10 = 9 THEN '4G飞享套餐' END, 'MK1', 10, 1
FROM range({contacts} // 5) t(i);
-- products in force in November (业务有效): a holding of its own, whatever the orders say
INSERT INTO valid (month, msisdn, product, fee, _load_id)
SELECT DISTINCT '2022-11', CAST(13000000000 + hash(i, 'v') % {customers} AS VARCHAR),
       CASE WHEN i % 3 = 0 THEN '4G飞享套餐' ELSE {products}[1 + CAST(hash(i, 'vp') % 5 AS INTEGER)] END, 10, 1
FROM range({customers} // 20) t(i);
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


def build(work: Path, candidates: int, contacts: int, quota_scale: float) -> tuple[Path, Path, Path]:
    from chanops.store.warehouse import connect

    db = work / "plan.duckdb"
    customers = contacts // 2
    con = connect(db, read_only=False)
    con.execute(WAREHOUSE.format(customers=customers, contacts=contacts, products=PRODUCTS, touchpoints=TOUCHPOINTS))
    con.execute(
        "INSERT INTO _loads (load_id, kind, file, fingerprint, loaded_at, encoding, rows_read, rows_loaded, "
        "rows_rejected) VALUES (1, 'bench', 'bench', 'bench', now()::TIMESTAMP, 'utf-8', 0, 0, 0)"
    )
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
    config.write_text(
        '[quota."2022-12"]\n' + "".join(f"{t} = {n}\n" for t, n in quota_for(candidates, quota_scale).items())
    )
    return db, plan, config


def quota_for(candidates: int, scale: float) -> dict[str, int]:
    """Quotas in proportion to the lists (3M SMS for 5 × 2M candidates, times `scale`)."""
    return {t: max(int(n * scale * candidates / 2_000_000), 1) for t, n in QUOTA.items()}


MONTH, DAY, NEXT, PREVIOUS = "2022-12", "DATE '2022-12-01'", "DATE '2023-01-01'", "2022-11"
ELECTRONIC = ("hotline", "app", "wechat", "sms", "web", "ussd", "self_service")
TIER_WEIGHT = {"high": 1.5, "medium": 1.0, "low": 0.5, None: 1.0}


def serve_one_by_one(db: Path, lists: Path, quota: dict[str, int]) -> Counter:
    """SPEC §12 with chanops' default windows, candidate by candidate: a Counter of
    (campaign, msisdn, status, touchpoint, expected conversion rounded to 6 places)."""
    con = duckdb.connect(str(db), read_only=True)

    def rows(sql: str) -> list[tuple]:
        return con.execute(sql).fetchall()

    def since(column: str, amount: str) -> str:
        return f"{column} >= {DAY} - INTERVAL {amount} AND {column} < {NEXT}"

    active = {
        m
        for (m,) in rows(f"""SELECT msisdn FROM customers
        WHERE (_valid_from IS NULL OR _valid_from <= {DAY}) AND (_valid_to IS NULL OR _valid_to > {DAY})
          AND join_date <= {DAY} AND (churn_date IS NULL OR churn_date > {DAY})""")
    }
    # holding a product (SPEC §12 decision): a successful order of it (in 3 months for
    # already_has, 12 for conflict), a `valid` row of it for M-1, or one of the customer's own
    # failed orders in 6 months naming it as conflict_product
    in_force = set(rows(f"SELECT msisdn, product FROM valid WHERE month = '{PREVIOUS}'"))
    named = set(
        rows(f"""SELECT msisdn, conflict_product FROM orders
            WHERE status = 'fail' AND conflict_product IS NOT NULL AND {since("order_time", "6 MONTH")}""")
    )
    owned = in_force | named
    owned |= set(
        rows(f"SELECT msisdn, product FROM orders WHERE status = 'success' AND {since('order_time', '3 MONTH')}")
    )
    held: dict[str, set[str]] = {}
    for msisdn, product in in_force | named:
        held.setdefault(msisdn, set()).add(product)
    for msisdn, product in rows(
        f"SELECT msisdn, product FROM orders WHERE status = 'success' AND {since('order_time', '12 MONTH')}"
    ):
        held.setdefault(msisdn, set()).add(product)
    excluded: dict[str, set[str]] = {}  # product -> products named as conflicting in its failures
    for product, other in rows(f"""SELECT product, conflict_product FROM orders
            WHERE status = 'fail' AND conflict_product IS NOT NULL AND {since("order_time", "6 MONTH")}"""):
        excluded.setdefault(product, set()).add(other)
    complained = {m for (m,) in rows(f"SELECT msisdn FROM complaints WHERE {since('complaint_time', '90 DAY')}")}
    reached = {m for (m,) in rows(f"SELECT msisdn FROM contacts WHERE reached AND {since('contact_time', '7 DAY')}")}
    used = {
        t: n
        for t, n in rows(f"""SELECT touchpoint, count(*) FROM contacts
        WHERE contact_time >= {DAY} AND contact_time < {NEXT} GROUP BY ALL""")
    }
    left = {t: max(q - used.get(t, 0), 0) for t, q in quota.items()}
    # conversion: of the customers reached on a touchpoint about a product in the 3 months
    # before M, the share who bought it on that touchpoint in those months
    window = f">= {DAY} - INTERVAL 3 MONTH AND {{}} < {DAY}"
    seen = set(
        rows(
            f"SELECT msisdn, product, touchpoint FROM contacts WHERE reached AND contact_time {window.format('contact_time')}"
        )
    )
    bought = set(
        rows(
            f"SELECT msisdn, product, channel FROM orders WHERE status = 'success' AND order_time {window.format('order_time')}"
        )
    )
    reach, buy = Counter((p, t) for _, p, t in seen), Counter((p, t) for m, p, t in seen if (m, p, t) in bought)
    # preference tiers (SPEC §7) on the month before M: window 2022-09..2022-11
    pairs: dict[tuple[str, str], list] = {}
    for msisdn, channel, uses, months in rows(f"""SELECT msisdn, channel, count(*), count(DISTINCT month(event_time))
            FROM usage WHERE event_time >= DATE '2022-09-01' AND event_time < {DAY} GROUP BY ALL"""):
        pairs[(msisdn, channel)] = [uses, months, 0, 0]
    for msisdn, channel in rows(
        f"SELECT DISTINCT msisdn, channel FROM signals WHERE month = '{PREVIOUS}' AND value > 0"
    ):
        pairs.setdefault((msisdn, channel), [0, 0, 0, 0])[2] = 1
    for msisdn, channel, n in (
        rows(f"""SELECT msisdn, channel, count(*) FROM complaints
            WHERE complaint_time >= DATE '2022-09-01' AND complaint_time < {DAY} AND msisdn IS NOT NULL GROUP BY ALL""")
    ):
        pairs.setdefault((msisdn, channel), [0, 0, 0, 0])[3] = n
    tiers = {}
    for (msisdn, channel), (uses, months, latent, complaints) in pairs.items():
        if channel in ELECTRONIC:
            score = min(max(5 * min(uses, 10) + 20 * latent + 10 * months - 20 * complaints, 0), 100)
            tiers[(msisdn, channel)] = "high" if score >= 60 else "medium" if score >= 30 else "low"
    con.close()

    candidates = []  # (priority, -score, campaign, list order, msisdn, product, touchpoints)
    for campaign, product, priority, touchpoints in CAMPAIGNS:
        with (lists / f"{campaign}.csv").open(encoding="utf-8") as f:
            for n, row in enumerate(csv.DictReader(f)):
                candidates.append((priority, -float(row["得分"]), campaign, n, row["手机号码"], product, touchpoints))
    answers: Counter = Counter()
    survivors = []
    for c in candidates:
        _priority, _score, campaign, _n, msisdn, product, _tps = c
        if msisdn not in active:
            status = "invalid"
        elif (msisdn, product) in owned:
            status = "already_has"
        elif held.get(msisdn, set()) & excluded.get(product, set()):
            status = "conflict"
        elif msisdn in complained or msisdn in reached:
            status = "do_not_disturb"
        else:
            survivors.append(c)
            continue
        answers[(campaign, msisdn, status, "", "")] += 1
    offered = set()
    served = []
    for c in sorted(survivors, key=lambda c: (c[0], c[1], c[2], c[3])):  # priority, score, campaign, row
        if c[4] in offered:
            answers[(c[2], c[4], "duplicate", "", "")] += 1
        else:
            offered.add(c[4])
            served.append(c)
    for _priority, _score, campaign, _n, msisdn, product, touchpoints in sorted(
        served, key=lambda c: (c[0], c[1], c[4], c[2])
    ):  # serving order: priority, score, msisdn
        best = None
        for t in touchpoints:
            if left.get(t, 1) <= 0:
                continue
            conversion = buy[(product, t)] / reach[(product, t)] if reach[(product, t)] else 0.0
            weight = TIER_WEIGHT[tiers.get((msisdn, t))] if t in ELECTRONIC else 1
            expected = conversion * weight
            if best is None or (-expected, t) < (-best[0], best[1]):
                best = (expected, t)
        if best is None:
            answers[(campaign, msisdn, "over_quota", "", "")] += 1
        else:
            if best[1] in left:
                left[best[1]] -= 1
            answers[(campaign, msisdn, "assigned", best[1], f"{best[0]:.6f}")] += 1
    return answers


def chanops_answers(candidates_csv: Path) -> Counter:
    with candidates_csv.open(encoding="utf-8") as f:
        return Counter(
            (
                r["campaign_id"],
                r["msisdn"],
                r["status"],
                r["touchpoint"],
                r["expected_conversion"] and f"{float(r['expected_conversion']):.6f}",
            )
            for r in csv.DictReader(f)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", type=int, default=2_000_000, help="per campaign (5 campaigns)")
    parser.add_argument("--contacts", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--compare-max", type=int, default=1_000_000, help="check answers up to this many candidates")
    parser.add_argument("--quota-scale", type=float, default=1.0, help="below 1: touchpoints run out sooner")
    # at smoke scale half the quota, so that touchpoints fill up and some candidates are over quota
    args = parse_args(parser, candidates=3_000, contacts=30_000, quota_scale=0.5)
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-plan-"))
    try:
        started = time.perf_counter()
        db, plan, config = build(work, args.candidates, args.contacts, args.quota_scale)
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
        equal = None
        if args.candidates * len(CAMPAIGNS) <= args.compare_max:
            ours = chanops_answers(work / "out" / "candidates.csv")
            reference = serve_one_by_one(db, work / "targets", quota_for(args.candidates, args.quota_scale))
            equal = ours == reference
            for key in sorted((ours - reference) + (reference - ours))[:10]:
                print(f"  differs: {key} chanops {ours[key]}, reference {reference[key]}")
        print(f"answers equal: {'not compared at this scale' if equal is None else equal}")
        if equal is False or missed(0, 1, comparison.ours_rss, TARGET_RSS_MIB):
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
