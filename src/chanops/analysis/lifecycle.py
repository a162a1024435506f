"""Customer lifecycle stage at the end of a month (SPEC §8, seed 002).

  churned  (离网期)     churn_date in M
  new      (入网期)     active, joined in M−2..M (calendar months: an August join is not new in November)
  at_risk  (离网预警期) active, tenure ≥ 3 months, and revenue in M below 50% of the mean
                        of M−3..M−1 (months without a bill count as 0), or no revenue in M
  stable   (在网期)     every other active customer
Customers neither active at the end of M nor churned in M are not staged.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from chanops.engines import as_engine, first_row
from chanops.errors import NoData, UsageError
from chanops.months import add_months
from chanops.regions import OFFICIAL_ORDER, region_sort_sql
from chanops.sql import customer_state, lit, lit_list, month_end, month_first_day, not_churned_by, probe
from chanops.store.coverage import require_rows

STAGES = ("new", "stable", "at_risk", "churned")
NEW_MONTHS = 3
AT_RISK_SHARE = 0.5


def stages_sql(month: str) -> str:
    """One row per staged customer: msisdn, region, join_date, churn_date, revenue, prior_mean, stage."""
    start, end = month_first_day(month), month_end(month)
    prior = lit_list(add_months(month, -k) for k in (1, 2, 3))
    return f"""
        WITH c AS ({customer_state(end)}),
        bills AS (
            SELECT msisdn, sum(revenue) FILTER (WHERE month = {lit(month)}) AS revenue,
                   coalesce(sum(revenue) FILTER (WHERE month IN ({prior})), 0) AS prior_sum
            FROM billing WHERE month IN ({lit(month)}, {prior}) GROUP BY msisdn),
        staged AS (
            SELECT c.msisdn, c.region, c.join_date, c.churn_date,
                   coalesce(b.revenue, 0) AS revenue, coalesce(b.prior_sum, 0) / 3 AS prior_mean,
                   CASE WHEN c.churn_date BETWEEN {start} AND {end} THEN 'churned'
                        WHEN c.join_date >= {month_first_day(add_months(month, 1 - NEW_MONTHS))} THEN 'new'
                        -- revenue < 50% × (sum / 3), kept in exact decimals: 3 × revenue < 0.5 × sum
                        WHEN b.revenue IS NULL OR 3 * b.revenue < {AT_RISK_SHARE} * b.prior_sum THEN 'at_risk'
                        ELSE 'stable' END AS stage
            FROM c LEFT JOIN bills b USING (msisdn)
            WHERE c.join_date <= {end} AND {not_churned_by(month_end(add_months(month, -1)), "c")})
        SELECT msisdn, region, join_date, churn_date, CAST(revenue AS DECIMAL(18,2)) AS revenue,
               CAST(prior_mean AS DECIMAL(18,2)) AS prior_mean, stage FROM staged"""


def require_customers(con: duckdb.DuckDBPyConnection, month: str) -> None:
    """Refuse (NoData) when no customers are loaded or `month` has no bills: the months stages
    are judged for (the `lifecycle` view of chanops sql covers the same)."""
    row = first_row(con, f"SELECT {probe('SELECT 1 AS hit FROM customers')} AS n")
    if not row or not row[0]:
        raise NoData("no customers (客户资料) loaded; load customers first")
    # stages are judged on the month's bills: without any, every customer would look at risk
    require_rows(con, month, ["billing"])


def lifecycle(
    con: duckdb.DuckDBPyConnection, month: str, by_region: bool = False, regions: Sequence[str] = OFFICIAL_ORDER
) -> pa.Table:
    """Customers and revenue in M per stage (and region, in `regions` order)."""
    require_customers(con, month)
    region = "region, " if by_region else ""
    by = f"{region_sort_sql('region', regions)}, " if by_region else ""
    order = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(STAGES))
    return as_engine(con).table(f"""
        SELECT {region}stage, count(*) AS customers, CAST(sum(revenue) AS DECIMAL(18,2)) AS revenue,
               count(*) / sum(count(*)) OVER ({"PARTITION BY region" if by_region else ""}) AS share
        FROM ({stages_sql(month)}) GROUP BY {region}stage
        ORDER BY {by}CASE stage {order} END""")


def stage_list(
    con: duckdb.DuckDBPyConnection, month: str, stage: str, regions: Sequence[str] = OFFICIAL_ORDER
) -> pa.Table:
    """The customers of one stage, for the order-dispatch teams: by 盟市 in `regions` order."""
    check_stage(stage)
    require_customers(con, month)
    return as_engine(con).table(
        f"SELECT * FROM ({stages_sql(month)}) WHERE stage = {lit(stage)} "
        f"ORDER BY {region_sort_sql('region', regions)}, msisdn"
    )


def check_stage(stage: str | None) -> str | None:
    if stage is not None and stage not in STAGES:
        raise UsageError(f"--stage must be one of: {', '.join(STAGES)}")
    return stage


def lifecycle_view(
    con: duckdb.DuckDBPyConnection,
    month: str,
    by_region: bool = False,
    stage: str | None = None,
    as_list: bool = False,
    regions: Sequence[str] = OFFICIAL_ORDER,
) -> pa.Table:
    """What `chanops lifecycle` shows: the stage counts (optionally one stage's rows of them),
    or with `as_list` the customers of `stage`."""
    check_stage(stage)
    if as_list:
        if not stage:
            raise UsageError("--list needs --stage new|stable|at_risk|churned")
        return stage_list(con, month, stage, regions)
    table = lifecycle(con, month, by_region, regions)
    if stage:
        import pyarrow.compute as pc

        table = table.filter(pc.equal(table["stage"], stage))
    return table


def biggest_drops(at_risk: pa.Table, top: int) -> pa.Table:
    """The `top` at-risk customers whose revenue fell most below their earlier mean (ties by
    msisdn): the first calls of a retention team."""
    import pyarrow.compute as pc

    drop = pc.subtract(at_risk["prior_mean"], at_risk["revenue"])
    ranked = at_risk.append_column("_drop", drop).sort_by([("_drop", "descending"), ("msisdn", "ascending")])
    return ranked.slice(0, top).drop_columns(["_drop"])
