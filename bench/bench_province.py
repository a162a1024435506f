"""Province benchmark: a province-month's extracts loaded, then `kpi`, `kpi --by region`,
`explain` and `report monthly`, each as a whole process against a reference in the same run.

Scale by CHANOPS_BENCH_SCALE (1.0 = a province-month: 1.07 亿 contacts, 2,000 万 orders,
1,000 万 customers; default 0.02). The extracts are bench_load's generated orders and contacts
(the month before at the same scale, for the changes `explain` and the report split) and a
customers snapshot, written as CSV into a temporary directory (TMPDIR; 8.6 GB of contacts at
1.0, one file at a time) and loaded with `chanops load`, each load timed with its peak RSS.

Then, R pairs each (reference first; the figure is the median of the pairs' ratios):
- `chanops kpi --metric SIX` and `kpi --by region` against one hand-written DuckDB statement of
  the same six KPIs over the raw rows: every numerator and denominator compared;
- `chanops explain online_share --by region` against a hand-written statement of the split
  (each 盟市's weight and rate in both months, its mix and rate effects): compared to 1e-9;
- `chanops report monthly` against the same report run by the code of REPORT_BEFORE (the
  report as it was before it evaluated each figure once): the Markdown and HTML compared
  byte for byte.

Targets (not checked with --smoke, where the scale is tiny): kpi and kpi --by region ≤ 0.05×
the hand-written statement (and ≤ 1 s at scale ≥ 1); report ≤ 0.25× REPORT_BEFORE's; every
process's peak RSS ≤ 4 GiB. Exit 1 on a difference in answers or a missed target.
Usage: CHANOPS_BENCH_SCALE=0.05 python bench/bench_province.py [--repeat R] [--smoke]
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import duckdb
from bench_kpi import ELECTRONIC, ONLINE, SIX
from bench_load import CONTACTS, ORDERS, REGIONS
from measure import CHANOPS, SRC, Comparison, parse_args, run_measured

PROVINCE_MONTH = {"contacts": 107_000_000, "orders": 20_000_000, "customers": 10_000_000}
DEFAULT_SCALE = 0.02
SMOKE_SCALE = 0.0001  # ≈10,700 contacts, 2,000 orders, 1,000 customers
MONTH, BEFORE = "2022-11", "2022-10"
AS_OF = "2022-11-30"
KPI_TARGET = 0.05
KPI_SECONDS = 1.0  # at a province-month (scale ≥ 1)
REPORT_TARGET = 0.25
TARGET_RSS_MIB = 4096
# The report as it was before each of its figures was evaluated once: its code is the
# reference `report monthly` is timed against ("≤ 0.25× today's").
REPORT_BEFORE = "a3cb5fc"

# A customers snapshot: numbers spread over the range bench_load's extracts draw theirs from
# (13800000000 + 0…9e7), so about one order or contact in nine is a customer's; a few churned.
CUSTOMERS = f"""
COPY (
  SELECT CAST(13800000000 + c * (90000000 // {{rows}}) AS VARCHAR) AS 手机号码,
         {REGIONS}[1 + CAST(hash(c, 'r') % 12 AS INTEGER)] AS 地市,
         strftime(DATE '2012-01-01' + CAST(hash(c, 'j') % 3800 AS INTEGER), '%Y%m%d') AS 入网时间,
         CASE WHEN hash(c, 'x') % 50 = 0 THEN strftime(DATE '2022-10-01' + CAST(hash(c, 'd') % 60 AS INTEGER), '%Y%m%d')
         END AS 离网时间,
         ['全球通','动感地带','神州行'][1 + CAST(hash(c, 'b') % 3 AS INTEGER)] AS 品牌
  FROM range({{rows}}) t(c)
) TO '{{path}}' (HEADER, DELIMITER ',')
"""


def month_before(generate: str, rows: int) -> str:
    """bench_load's November extract as October's: other rows (other ids, numbers, regions,
    channels and outcomes drawn) a month earlier."""
    return generate.replace("FROM range({rows}) t(i)", f"FROM range({rows}, 2 * {rows}) t(i)").replace(
        "TIMESTAMP '2022-11-01'", "TIMESTAMP '2022-10-01'"
    )


# The six KPIs' numerators and denominators by hand over the raw rows, in SIX's order;
# {group} is empty for the province or `region` for the 盟市.
KPI_STATEMENT = f"""
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
group = sys.argv[2]
key = group + "," if group else ""
by = "GROUP BY " + group if group else ""
join = "FULL JOIN c USING (" + group + ")" if group else "CROSS JOIN c"
rows = con.execute(f'''
WITH o AS (
  SELECT {{key}}
         count(*) AS orders,
         count(*) FILTER (WHERE status = 'success') AS ok,
         count(*) FILTER (WHERE status = 'success' AND (campaign_id IS NOT NULL OR channel IN ({ONLINE}))) AS online,
         count(*) FILTER (WHERE status = 'success' AND campaign_id IS NOT NULL) AS platform,
         count(*) FILTER (WHERE status = 'success' AND channel = 'outbound') AS outbound_ok,
         count(*) FILTER (WHERE status = 'success' AND channel IN ({ELECTRONIC})) AS electronic
  FROM orders WHERE order_time >= TIMESTAMP '{MONTH}-01' AND order_time < TIMESTAMP '{MONTH}-01' + INTERVAL 1 MONTH
  {{by}}),
c AS (
  SELECT {{key}}
         count(DISTINCT msisdn) FILTER (WHERE reached) AS reached,
         count(DISTINCT msisdn) FILTER (WHERE touchpoint = 'outbound') AS called,
         count(DISTINCT msisdn) FILTER (WHERE touchpoint = 'outbound' AND reached) AS connected
  FROM contacts WHERE contact_time >= TIMESTAMP '{MONTH}-01' AND contact_time < TIMESTAMP '{MONTH}-01' + INTERVAL 1 MONTH
  {{by}})
SELECT {{key}} online, ok, platform, reached, connected, called, outbound_ok, connected, ok, orders, electronic, ok
FROM o {{join}}
''').fetchall()
for row in rows:
    print(",".join("" if v is None else str(v) for v in row))
"""

# online_share's change from October to November split by 盟市 (SPEC §14): weights w = D_s/D,
# rates r = N_s/D_s, mix (w1 − w0)(r0 − R0), rate w1(r1 − r0); a 盟市 absent in October takes r0 = R0.
EXPLAIN_STATEMENT = f"""
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("SET enable_progress_bar = false")
rows = con.execute('''
WITH s AS (
  SELECT region, strftime(order_time, '%Y-%m') AS month,
         count(*) FILTER (WHERE status = 'success' AND (campaign_id IS NOT NULL OR channel IN ({ONLINE}))) AS n,
         count(*) FILTER (WHERE status = 'success') AS d
  FROM orders WHERE order_time >= TIMESTAMP '{BEFORE}-01' AND order_time < TIMESTAMP '{MONTH}-01' + INTERVAL 1 MONTH
  GROUP BY ALL),
t AS (SELECT month, sum(n) / sum(d) AS r, sum(d) AS d FROM s GROUP BY month),
p AS (
  SELECT coalesce(a.region, b.region) AS region,
         coalesce(a.d, 0) / (SELECT d FROM t WHERE month = '{BEFORE}') AS w0,
         coalesce(b.d, 0) / (SELECT d FROM t WHERE month = '{MONTH}') AS w1,
         CASE WHEN a.d > 0 THEN a.n / a.d END AS r0, CASE WHEN b.d > 0 THEN b.n / b.d END AS r1,
         (SELECT r FROM t WHERE month = '{BEFORE}') AS big_r0
  FROM (SELECT * FROM s WHERE month = '{BEFORE}') a FULL JOIN (SELECT * FROM s WHERE month = '{MONTH}') b USING (region))
SELECT region, w0, w1, r0, r1, (w1 - w0) * (coalesce(r0, big_r0) - big_r0) AS mix,
       w1 * (coalesce(r1, r0, big_r0) - coalesce(r0, big_r0)) AS rate
FROM p WHERE w0 > 0 OR w1 > 0
''').fetchall()
for row in rows:
    print(",".join("" if v is None else str(v) for v in row))
"""


def scale() -> float:
    value = os.environ.get("CHANOPS_BENCH_SCALE", str(DEFAULT_SCALE))
    try:
        return float(value)
    except ValueError:
        sys.exit(f"CHANOPS_BENCH_SCALE must be a number (1.0 = a province-month), got '{value}'")


def load(work: Path, db: Path, kind: str, generate: str, rows: int, label: str, *extra: str) -> float:
    """Generate one extract as CSV, load it with chanops, delete it; print the load's figures."""
    path = work / f"{kind}.csv"
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(generate.format(rows=rows, path=path))
    con.close()
    made = time.perf_counter() - started
    size = path.stat().st_size / 2**20
    seconds, rss, _out = run_measured([CHANOPS, "load", kind, str(path), "--db", str(db), *extra])
    path.unlink()
    print(
        f"load {label}: {rows:,} rows ({size:,.0f} MiB CSV, generated in {made:.0f}s) in {seconds:.1f}s, {rss:.0f} MiB"
    )
    return rss


def load_all(work: Path, db: Path, rows: dict[str, int]) -> list[float]:
    """The customers snapshot, October's orders and contacts, then November's: each load's peak RSS."""
    extracts = [
        ("customers", CUSTOMERS, "customers", ("--as-of", AS_OF)),
        ("orders", month_before(ORDERS, rows["orders"]), f"orders {BEFORE}", ()),
        ("contacts", month_before(CONTACTS, rows["contacts"]), f"contacts {BEFORE}", ()),
        ("orders", ORDERS, f"orders {MONTH}", ()),
        ("contacts", CONTACTS, f"contacts {MONTH}", ()),
    ]
    return [load(work, db, kind, generate, rows[kind], label, *extra) for kind, generate, label, extra in extracts]


def reference_src(work: Path, rev: str) -> Path:
    """The src/ of `rev` of this repository, for the report's reference side; this checkout's
    when the history is not there (a shallow clone): the ratio is then about 1."""
    root = SRC.parent
    try:
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", "--format=tar", rev, "src"], capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        print(f"reference report: {rev} not in this clone's history, this checkout's code used instead")
        return SRC
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(work / "reference", filter="data")
    return work / "reference" / "src"


def kpi_answers(ours_out: str, ref_out: str, by_region: bool) -> tuple[bool, int]:
    """Every numerator and denominator of chanops' csv against the hand-written statement's
    (the 盟市 matched by name: chanops lists them in the official order); and the rows."""
    ids = SIX.split(",")
    ours = {(row["region"] if by_region else ""): row for row in csv.DictReader(io.StringIO(ours_out))}
    mismatches = 0
    reference = list(csv.reader(io.StringIO(ref_out)))
    for ref in reference:
        where, figures = (ref[0], ref[1:]) if by_region else ("", ref)
        row = ours.get(where)
        if row is None:
            mismatches += 1
            continue
        for i, kpi_id in enumerate(ids):
            num, den = figures[2 * i] or "0", figures[2 * i + 1] or "0"
            if (int(row[f"{kpi_id}_num"]), int(row[f"{kpi_id}_den"])) != (int(num), int(den)):
                print(
                    f"  {kpi_id} {where}: chanops {row[f'{kpi_id}_num']}/{row[f'{kpi_id}_den']}, reference {num}/{den}"
                )
                mismatches += 1
    return mismatches == 0 and len(reference) == len(ours), len(ours)


def explain_answers(ours_out: str, ref_out: str) -> bool:
    """chanops' split by 盟市 against the hand-written one, each figure to 1e-9."""
    ours = {row["region"]: row for row in csv.DictReader(io.StringIO(ours_out)) if row["region"] != "(all)"}
    reference = list(csv.reader(io.StringIO(ref_out)))
    equal = len(reference) == len(ours)
    for region, *figures in reference:
        row = ours.get(region)
        if row is None:
            return False
        for name, value in zip(("w0", "w1", "r0", "r1", "mix", "rate"), figures, strict=True):
            a, b = (float(value) if value else None), (float(row[name]) if row[name] else None)
            if (a is None) != (b is None) or (a is not None and b is not None and abs(a - b) > 1e-9):
                print(f"  {region} {name}: chanops {row[name]}, reference {value}")
                equal = False
    return equal


def same_files(left: Path, right: Path) -> bool:
    """The two report directories hold the same Markdown and HTML, byte for byte."""
    names = sorted(p.name for p in left.iterdir() if p.suffix in (".md", ".html"))
    return bool(names) and all((left / n).read_bytes() == (right / n).read_bytes() for n in names)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="R paired runs (reference, chanops)")
    parser.add_argument("--reference-rev", default=REPORT_BEFORE, help="the code the report is timed against")
    parser.add_argument(
        "--keep", type=Path, help="reuse/keep the warehouse at this path (loaded once, not timed again)"
    )
    args = parse_args(parser, repeat=1)
    factor = SMOKE_SCALE if args.smoke else scale()
    rows = {kind: max(int(n * factor), 100) for kind, n in PROVINCE_MONTH.items()}
    print(
        f"scale {factor}: {rows['contacts']:,} contacts, {rows['orders']:,} orders a month, {rows['customers']:,} customers"
    )
    work = Path(tempfile.mkdtemp(prefix="chanops-bench-province-"))
    db = args.keep or work / "wh.duckdb"
    ok = True
    try:
        if db.exists():
            print(f"warehouse {db} kept from an earlier run: nothing loaded")
        rss = [] if db.exists() else load_all(work, db, rows)
        if not args.smoke and max(rss, default=0) > TARGET_RSS_MIB:
            print(f"a load's peak RSS {max(rss):.0f} MiB is above {TARGET_RSS_MIB} MiB")
            ok = False

        for by_region in (False, True):
            what = "kpi --by region" if by_region else "kpi"
            print(f"\n{what} {MONTH}, six order/contact KPIs, against the hand-written statement")
            ours = [CHANOPS, "kpi", "--db", str(db), "--month", MONTH, "--metric", SIX, "--format", "csv"]
            runs = Comparison(
                [sys.executable, "-c", KPI_STATEMENT, str(db), "region" if by_region else ""],
                ours + (["--by", "region"] if by_region else []),
                args.repeat,
            )
            equal, count = kpi_answers(runs.ours_out, runs.ref_out, by_region)
            ok = runs.report(f"chanops {what}", equal, KPI_TARGET, TARGET_RSS_MIB, f"rows: {count}; ") and ok
            if not args.smoke and factor >= 1 and runs.ours_s > KPI_SECONDS:
                print(f"chanops {what} took {runs.ours_s:.2f}s at a province-month: above {KPI_SECONDS}s")
                ok = False

        print(f"\nexplain online_share {MONTH} vs {BEFORE} by region, against the hand-written split")
        runs = Comparison(
            [sys.executable, "-c", EXPLAIN_STATEMENT, str(db)],
            [
                CHANOPS,
                "explain",
                "online_share",
                "--db",
                str(db),
                "--month",
                MONTH,
                "--by",
                "region",
                "--format",
                "csv",
            ],
            args.repeat,
        )
        equal = explain_answers(runs.ours_out, runs.ref_out)
        print(
            f"chanops explain: {runs.ours_s:.2f}s, peak RSS {runs.ours_rss:.0f} MiB; reference {runs.ref_s:.2f}s; "
            f"ratio {runs.ratio:.2f} (no target: its statements are kpi's); answers equal: {equal}"
        )
        ok = equal and (args.smoke or runs.ours_rss <= TARGET_RSS_MIB) and ok

        print(f"\nreport monthly {MONTH}, against the report of {args.reference_rev}'s code")
        before = reference_src(work, args.reference_rev)
        ref_dir, ours_dir = work / "report-before", work / "report"
        runs = Comparison(
            ["env", f"PYTHONPATH={before}", CHANOPS, "report", "monthly", "--db", str(db), "--month", MONTH]
            + ["--out", str(ref_dir)],
            [CHANOPS, "report", "monthly", "--db", str(db), "--month", MONTH, "--out", str(ours_dir)],
            args.repeat,
        )
        ok = runs.report("chanops report monthly", same_files(ref_dir, ours_dir), REPORT_TARGET, TARGET_RSS_MIB) and ok
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
