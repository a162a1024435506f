"""Why orders fail (SPEC §5, seed 000 §三.2): attempts, failures and success rate per
month and product with the trend — the month's total over all products first, as product
"(all)" — failures by reason, the top mutual-exclusion pairs (product, conflict_product)
by failed orders and by distinct users, and the share of each product's failures
explained by exclusion conflicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

from chanops.channels import Channel
from chanops.engines import as_engine, polars_frame
from chanops.errors import NoData
from chanops.months import add_months
from chanops.slices import Slices
from chanops.sql import channel_in, in_months, lit, lit_list, month_start
from chanops.store.coverage import resolve_months

if TYPE_CHECKING:
    from chanops.config import Config


ALL = "(all)"  # the product value of the rows that total every product


@dataclass(frozen=True)
class FailuresRequest:
    """`chanops failures`: a month or a range, optionally one product, how many conflict pairs,
    online channels only."""

    month: str | None = None
    first: str | None = None
    last: str | None = None
    product: str | None = None
    top: int = 10
    online_only: bool = False
    slices: Slices = Slices()  # --region/--product: the session's orders are narrowed to them


@dataclass
class FailureAnalysis:
    by_product: pl.DataFrame  # month, product, attempts, failures, success_rate, prev_success_rate, change
    by_reason: pl.DataFrame  # product, fail_reason, failures, share
    conflict_pairs: pl.DataFrame  # product, conflict_product, failed_orders, users, rank_by_orders, rank_by_users
    conflict_share: pl.DataFrame  # product, failures, conflict_failures, conflict_share


def analyse_failures(
    con,
    months: list[str],
    channels: dict[str, Channel],
    product: str | None = None,
    top: int = 10,
    online_only: bool = False,
) -> FailureAnalysis:
    """The four views of SPEC §5 over `months` (trend needs the month before the first), on a
    DuckDB connection or any Engine."""
    engine = as_engine(con)
    first, last = months[0], months[-1]
    filters = [in_months("order_time", add_months(first, -1), last)]
    if product:
        filters.append(f"product = {lit(product)}")
    if online_only:
        filters.append(channel_in("channel", channels, "online"))
    # named columns, not *: the Parquet export carries a `month` partition column of its own.
    # A row's month is the timestamp its month starts at: months are written as text only
    # once grouped (formatting every row's time was most of what a large month cost)
    scope = f"""SELECT date_trunc('month', order_time) AS month, order_id, msisdn, product, status, fail_reason,
                       conflict_product FROM orders WHERE {" AND ".join(filters)}"""
    in_scope = f"month IN ({', '.join(month_start(m) for m in months)})"
    counts = "count(*) AS attempts, count(*) FILTER (status = 'fail') AS failures"
    # the month's total over all products leads the table (not when one product is asked for)
    total = "" if product else f" UNION ALL SELECT month, {lit(ALL)}, {counts} FROM ({scope}) GROUP BY month"
    by_product = polars_frame(
        engine.table(f"""
        WITH per AS (SELECT strftime(month, '%Y-%m') AS month, product, attempts, failures
                     FROM (SELECT month, product, {counts} FROM ({scope}) GROUP BY month, product{total}) g),
        rated AS (SELECT *, (attempts - failures) / attempts AS success_rate FROM per)
        SELECT r.month, r.product, r.attempts, r.failures, r.success_rate, p.success_rate AS prev_success_rate,
               r.success_rate - p.success_rate AS change
        FROM rated r LEFT JOIN rated p ON p.product = r.product
             AND p.month = strftime(strptime(r.month || '-01', '%Y-%m-%d') - INTERVAL 1 MONTH, '%Y-%m')
        WHERE r.month IN ({lit_list(months)}) ORDER BY r.month, r.product <> {lit(ALL)}, r.product""")
    )
    failed = f"SELECT * FROM ({scope}) WHERE status = 'fail' AND {in_scope}"
    # the month's reasons over all products lead, as in by_product (not when one product is asked for)
    every = "" if product else f" UNION ALL SELECT {lit(ALL)} AS product, fail_reason FROM reasons"
    by_reason = polars_frame(
        engine.table(f"""
        WITH reasons AS (SELECT product, coalesce(fail_reason, '(none)') AS fail_reason FROM ({failed}) f),
        both_levels AS (SELECT product, fail_reason FROM reasons{every})
        SELECT product, fail_reason, count(*) AS failures,
               count(*) / sum(count(*)) OVER (PARTITION BY product) AS share
        FROM both_levels GROUP BY 1, 2 ORDER BY product <> {lit(ALL)}, product, failures DESC, fail_reason""")
    )
    conflict_pairs = polars_frame(
        engine.table(f"""
        SELECT product, conflict_product, count(*) AS failed_orders, count(DISTINCT msisdn) AS users,
               rank() OVER (ORDER BY count(*) DESC) AS rank_by_orders,
               rank() OVER (ORDER BY count(DISTINCT msisdn) DESC) AS rank_by_users
        FROM ({failed}) WHERE conflict_product IS NOT NULL GROUP BY product, conflict_product
        QUALIFY rank_by_orders <= {int(top)} OR rank_by_users <= {int(top)}
        ORDER BY rank_by_orders, rank_by_users, product, conflict_product""")
    )
    shares = (
        "count(*) AS failures, count(conflict_product) AS conflict_failures, "
        "count(conflict_product) / count(*) AS conflict_share"
    )
    all_share = "" if product else f" UNION ALL SELECT {lit(ALL)} AS product, {shares} FROM ({failed})"
    conflict_share = polars_frame(
        engine.table(f"""
        SELECT * FROM (SELECT product, {shares} FROM ({failed}) GROUP BY product{all_share}) s
        WHERE failures > 0 ORDER BY product <> {lit(ALL)}, failures DESC, product""")
    )
    return FailureAnalysis(by_product, by_reason, conflict_pairs, conflict_share)


def run_failures(con, config: Config, request: FailuresRequest) -> FailureAnalysis:
    """`chanops failures` as one call; NoData when the months have no orders (of the product)."""
    months = resolve_months(con, request.month, request.first, request.last)
    analysis = analyse_failures(con, months, config.channels, request.product, request.top, request.online_only)
    if analysis.by_product.is_empty():
        which = f" of {request.product}" if request.product else ""
        raise NoData(f"no orders{which} in {', '.join(months)}")
    return analysis
