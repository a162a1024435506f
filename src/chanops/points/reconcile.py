"""Points reconciliation, 新业务积分写实 (SPEC §6, seed 003), step by step in SQL.

For month M, over entries with entry_time in M:
 1. claims are ordered by (entry_time, entry_id); the first claim of a (msisdn,
    product) is primary, a later one is `duplicate` when the same staff holds the
    primary and `contested` when another staff does (both name `held_by`);
 2. a primary claim is `valid` when billing's valid data has (M, msisdn, product),
    else `invalid`;
 3. a valid claim earns fee × rate rounded half-up to 0.01 (exact decimals), or the
    fixed points, of the rule in force for the product in M; without a rule it is
    `no_rule` and earns 0;
 4. each complaint against the staff in M deducts 2 points (per category in config);
 5. net = earned − deductions + manual adjustments; rank by net desc, matched claims
    (valid + no_rule: the claims billing confirms) desc, staff_id;
 6. with a budget smaller than the positive nets, each positive net is scaled by
    budget / total and rounded to the cent by largest remainder so payouts add up to
    the budget exactly; negative nets pay 0;
 7. valid records nobody claimed are listed.
Runs, adjustments and the one call `chanops points statement|payout` makes: points/runs.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from chanops.config import PointsConfig
from chanops.engines import as_engine
from chanops.errors import NoData, UsageError
from chanops.regions import OFFICIAL_ORDER, region_sort_sql
from chanops.slices import Slices
from chanops.sql import in_months, lit, month_start
from chanops.store.coverage import has_rows, require_rows

SUMMARY_KEYS = ("store", "region", "department", "product", "staff")
# the columns a --by key groups by: a staff member is their id and name
SUMMARY_COLUMNS = {"staff": "staff_id, staff_name"}
STATUSES = ("valid", "invalid", "duplicate", "contested", "no_rule")


def claims_sql(month: str) -> str:
    """One row per claim in `month` with status, held_by, fee and earned (steps 1–3)."""
    m = lit(month)
    return f"""
        WITH ordered AS (
            SELECT *,
                   row_number() OVER (PARTITION BY msisdn, product ORDER BY entry_time, entry_id) AS claim_no,
                   -- an explicit ROWS frame: the default RANGE frame costs DuckDB 20% more here
                   first_value(staff_id) OVER (PARTITION BY msisdn, product ORDER BY entry_time, entry_id
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS holder
            FROM entries WHERE {in_months("entry_time", month)}),
        valid_m AS (SELECT msisdn, product, max(fee) AS fee FROM valid WHERE month = {m} GROUP BY msisdn, product),
        rules_m AS (SELECT product, rate, points FROM rules
                    WHERE valid_from <= {m} AND (valid_to IS NULL OR valid_to >= {m})),
        judged AS (
            SELECT o.entry_id, o.entry_time, o.staff_id, o.staff_name, o.store, o.region, o.department,
                   o.msisdn, o.product,
                   CASE WHEN o.claim_no > 1 AND o.holder = o.staff_id THEN 'duplicate'
                        WHEN o.claim_no > 1 THEN 'contested'
                        WHEN v.msisdn IS NULL THEN 'invalid'
                        WHEN r.product IS NULL THEN 'no_rule'
                        ELSE 'valid' END AS status,
                   CASE WHEN o.claim_no > 1 THEN o.holder END AS held_by,
                   CASE WHEN o.claim_no = 1 THEN v.fee END AS fee,
                   r.rate, r.points
            FROM ordered o
            LEFT JOIN valid_m v ON v.msisdn = o.msisdn AND v.product = o.product
            LEFT JOIN rules_m r ON r.product = o.product)
        SELECT entry_id, entry_time, staff_id, staff_name, store, region, department, msisdn, product, status,
               held_by, fee,
               CAST(CASE WHEN status <> 'valid' THEN 0
                         WHEN points IS NOT NULL THEN points
                         ELSE round(fee * rate, 2) END AS DECIMAL(18,2)) AS earned
        FROM judged"""


def _require_entries(con, month: str) -> None:
    if not has_rows(con, [("entries", month)])[0]:
        raise NoData(f"no entries (营业员录入) in {month}; nothing to reconcile")


def match(con: duckdb.DuckDBPyConnection, month: str) -> pa.Table:
    """Per-claim status for `month`, in claim order."""
    _require_entries(con, month)
    return as_engine(con).table(f"SELECT * FROM ({claims_sql(month)}) ORDER BY entry_time, entry_id")


def _status_counts() -> str:
    return ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS {s}" for s in STATUSES)


def statement_sql(month: str, config: PointsConfig, budget: Decimal | None) -> str:
    """Per-staff statement (steps 4–6), ranked."""
    categories = ", ".join(f"({lit(k)}, {v})" for k, v in config.category_deduction.items())
    category_join = (
        f"LEFT JOIN (VALUES {categories}) AS cat(category, amount) ON cat.category = k.category"
        if categories
        else "LEFT JOIN (SELECT NULL AS category, NULL AS amount) cat ON FALSE"
    )
    if budget is None:
        payout = "CASE WHEN net > 0 THEN net ELSE 0 END"
        budget_ctes = ""
    else:
        budget_cents = int(budget * 100)
        cents = "CAST({t}net * 100 AS DECIMAL(38,0))"  # a whole number of cents, exact in any engine
        # Integer cents throughout, so the split is exact: floor shares first, then one
        # cent each to the largest remainders (ties: better rank first) until B is reached.
        budget_ctes = f""",
        positive AS (SELECT coalesce(sum({cents.format(t="")}) FILTER (WHERE net > 0), 0) AS cents FROM ranked),
        products AS (
            SELECT r.*, p.cents AS positive_cents,
                   CASE WHEN r.net > 0 AND p.cents > 0 THEN {cents.format(t="r.")} * {budget_cents} END AS product
            FROM ranked r, positive p),
        shares AS (
            -- product // positive without integer division, which engines spell differently:
            -- subtract the exact remainder, then divide (the quotient is a whole number ≤ B)
            SELECT *, positive_cents > {budget_cents} AS binding, product % positive_cents AS remainder,
                   CAST(round((product - product % positive_cents) / positive_cents) AS BIGINT) AS floor_cents
            FROM products),
        leftover AS (SELECT {budget_cents} - coalesce(sum(floor_cents), 0) AS cents FROM shares),
        split AS (
            SELECT s.*, CASE WHEN s.net > 0 AND row_number() OVER (ORDER BY s.remainder DESC NULLS LAST, s.rank)
                                   <= l.cents THEN 1 ELSE 0 END AS extra_cent
            FROM shares s, leftover l)"""
        payout = (
            "CASE WHEN NOT binding THEN (CASE WHEN net > 0 THEN net ELSE 0 END) "
            "WHEN net > 0 THEN CAST((floor_cents + extra_cent) AS DECIMAL(18,2)) / 100 ELSE 0 END"
        )
    final_from = "split" if budget is not None else "ranked"
    return f"""
        WITH claims AS ({claims_sql(month)}),
        per_staff AS (
            SELECT staff_id, count(*) AS claims, {_status_counts()}, sum(earned) AS earned
            FROM claims GROUP BY staff_id),
        deductions AS (
            SELECT k.staff_id, sum(coalesce(cat.amount, {config.complaint_deduction})) AS deductions
            FROM complaints k {category_join}
            WHERE k.staff_id IS NOT NULL AND {in_months("k.complaint_time", month)}
            GROUP BY k.staff_id),
        adjustments AS (
            SELECT staff_id, sum(points) AS adjustments FROM _adjustments WHERE month = {lit(month)}
            GROUP BY staff_id),
        everyone AS (SELECT staff_id FROM per_staff UNION SELECT staff_id FROM deductions
                     UNION SELECT staff_id FROM adjustments),
        -- name, store, region, department from the staff's latest entry of the month, or, for
        -- staff with only a complaint or an adjustment this month, their latest earlier entry
        profile AS (
            SELECT staff_id, arg_max({{'staff_name': staff_name, 'store': store, 'region': region,
                                      'department': department}}, (entry_time, entry_id)) AS p
            FROM entries
            WHERE ({in_months("entry_time", month)})
               OR (entry_time < {month_start(month)}
                   AND staff_id IN (SELECT staff_id FROM everyone EXCEPT SELECT staff_id FROM per_staff))
            GROUP BY staff_id),
        base AS (
            SELECT e.staff_id, f.p.staff_name, f.p.store, f.p.region, f.p.department,
                   coalesce(p.claims, 0) AS claims, {", ".join(f"coalesce(p.{s}, 0) AS {s}" for s in STATUSES)},
                   CASE WHEN coalesce(p.claims, 0) > 0 THEN (p.valid + p.no_rule) / p.claims END AS match_rate,
                   CAST(coalesce(p.earned, 0) AS DECIMAL(18,2)) AS earned,
                   CAST(coalesce(d.deductions, 0) AS DECIMAL(18,2)) AS deductions,
                   CAST(coalesce(j.adjustments, 0) AS DECIMAL(18,2)) AS adjustments
            FROM everyone e
            LEFT JOIN per_staff p USING (staff_id) LEFT JOIN profile f USING (staff_id)
            LEFT JOIN deductions d USING (staff_id) LEFT JOIN adjustments j USING (staff_id)),
        ranked AS (
            SELECT *, CAST(earned - deductions + adjustments AS DECIMAL(18,2)) AS net,
                   row_number() OVER (ORDER BY earned - deductions + adjustments DESC, valid + no_rule DESC,
                                      staff_id) AS rank
            FROM base){budget_ctes}
        SELECT staff_id, staff_name, store, region, department, claims, {", ".join(STATUSES)}, match_rate,
               earned, deductions, adjustments, net, CAST({payout} AS DECIMAL(18,2)) AS payout, rank
        FROM {final_from} ORDER BY rank"""


def statement(con, month: str, config: PointsConfig, budget: Decimal | None = None) -> pa.Table:
    """One row per staff with claims, complaints or adjustments in `month` (SPEC §6 outputs),
    on a DuckDB connection or any Engine (Spark runs the same SQL, transpiled)."""
    if budget is not None and budget < 0:
        raise UsageError("--budget cannot be negative")
    engine = as_engine(con)
    _require_entries(engine, month)
    if not has_rows(engine, [("rules", None)])[0]:
        # every claim would earn 0 and the payout file would pay nobody, silently
        raise NoData("no points rules (积分规则) loaded: load rules before a statement or payout")
    return engine.table(statement_sql(month, config, budget))


def summary(
    con: duckdb.DuckDBPyConnection,
    month: str,
    by: str | None,
    slices: Slices | None = None,
    regions: Sequence[str] = OFFICIAL_ORDER,
) -> pa.Table:
    """Claims by status, match rate and earned points per store, region, department, product or
    staff; with `by` None, one row for the whole month — the same expressions, so the month's
    match rate is the one its regions' rates add up to. With `slices`, the claims of those
    regions/products only, each judged against every claim of the month first (a claim
    contested from another region stays contested). Most points first; the 盟市, a fixed set
    every report lists alike, in `regions` order."""
    if by is not None and by not in SUMMARY_KEYS:
        raise UsageError(f"--by must be one of: {', '.join(SUMMARY_KEYS)}")
    _require_entries(con, month)
    slices = slices or Slices()
    columns = SUMMARY_COLUMNS.get(by or "", by)
    order = region_sort_sql("region", regions) if by == "region" else f"earned DESC, {columns}"
    key, group = (f"{columns}, ", f"GROUP BY {columns} ORDER BY {order}") if by else ("", "")
    claims = f"SELECT * FROM ({claims_sql(month)}) c WHERE {slices.condition()}"
    table = as_engine(con).table(f"""
        SELECT {key}count(*) AS claims, {_status_counts()},
               (count(*) FILTER (WHERE status IN ('valid', 'no_rule'))) / count(*) AS match_rate,
               CAST(sum(earned) AS DECIMAL(18,2)) AS earned
        FROM ({claims}) c {group}""")
    if slices and not table.num_rows or (by is None and slices and not table["claims"][0].as_py()):
        raise NoData(f"no claims in {month} for {slices.words()}")
    return table


def unclaimed(con: duckdb.DuckDBPyConnection, month: str) -> pa.Table:
    """Valid records (billing has them) that no claim in `month` points at (step 7)."""
    require_rows(con, month, ["entries", "valid"])
    return as_engine(con).table(f"""
        SELECT msisdn, product, max(fee) AS fee FROM valid v
        WHERE month = {lit(month)} AND NOT EXISTS (
            SELECT 1 FROM entries e WHERE e.msisdn = v.msisdn AND e.product = v.product
              AND {in_months("e.entry_time", month)})
        GROUP BY msisdn, product ORDER BY msisdn, product""")


def payout_file(statement_table: pa.Table) -> pa.Table:
    """The bank-transfer file: staff with something to pay, in rank order."""
    keep = pc.greater(statement_table["payout"], pa.scalar(Decimal("0"), statement_table["payout"].type))
    return statement_table.filter(keep).select(["staff_id", "staff_name", "payout"])
