"""The sources KPIs are measured on: views over the warehouse with the standard
columns (month, the dimensions, msisdn and boolean flags such as `success`,
`platform`, `online`, `reached`). The catalog's conditions are written against
these columns, so this module is the only place that knows the table layout.

Event sources are filtered on their timestamp range first, so DuckDB skips row
groups by their min/max statistics; customer-based sources are evaluated at each
requested month end (SPEC §4: active at d = join_date ≤ d and no churn by d).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Channel
from .months import add_months, month_start_sql
from .normalize import sql_str

# One row per customer: with monthly snapshots loaded, the latest load wins.
CUSTOMERS_CTE = "SELECT DISTINCT ON (msisdn) * FROM customers ORDER BY msisdn, _load_id DESC"


@dataclass(frozen=True)
class MonthWindow:
    """The months a query covers and, for retention, each month's base month."""

    months: tuple[str, ...]
    base: dict[str, str]  # month -> base month

    @property
    def start(self) -> str:
        return month_start_sql(min(self.months))

    @property
    def end(self) -> str:
        return month_start_sql(add_months(max(self.months), 1))

    def month_of(self, ts: str) -> str:
        """The 'YYYY-MM' of timestamp column `ts`, cheaply: formatting every row with strftime
        costs as much as the whole distinct count, so compare against month boundaries instead
        (rows are already limited to the window)."""
        if len(self.months) == 1:
            return sql_str(self.months[0])
        branches = " ".join(
            f"WHEN {ts} < {month_start_sql(add_months(m, 1))} THEN {sql_str(m)}" for m in sorted(self.months)
        )
        return f"CASE {branches} END"

    def values_sql(self) -> str:
        """Rows (month, month_end, base_month, base_end) for the customer-based sources."""
        rows = []
        for month in self.months:
            base = self.base[month]
            rows.append(
                f"({sql_str(month)}, CAST({month_start_sql(add_months(month, 1))} - INTERVAL 1 DAY AS DATE), "
                f"{sql_str(base)}, CAST({month_start_sql(add_months(base, 1))} - INTERVAL 1 DAY AS DATE))"
            )
        return f"SELECT * FROM (VALUES {', '.join(rows)}) AS m(month, month_end, base_month, base_end)"


def _codes(channels: dict[str, Channel], flag: str) -> str:
    codes = [sql_str(c.code) for c in channels.values() if getattr(c, flag)]
    return f"channel IN ({', '.join(codes)})" if codes else "FALSE"


def _flags(channels: dict[str, Channel]) -> str:
    return (
        f"{_codes(channels, 'online')} AS online, {_codes(channels, 'electronic')} AS electronic, "
        "channel = 'outbound' AS outbound"
    )


def source_sql(name: str, window: MonthWindow, channels: dict[str, Channel], with_region: bool = True) -> str:
    """SELECT for source `name`. The CTEs `_months` and `_customers` must be in scope."""
    flags = _flags(channels)
    start, end = window.start, window.end
    region = "(SELECT region FROM _customers c WHERE c.msisdn = e.msisdn)" if with_region else "CAST(NULL AS VARCHAR)"
    if name == "orders":
        return f"""SELECT *, status = 'success' AS success, campaign_id IS NOT NULL AS platform, {flags}
            FROM (SELECT {window.month_of("order_time")} AS month, region, channel, product, campaign_id, msisdn,
                         status, fee, fail_reason, conflict_product
                  FROM orders WHERE order_time >= {start} AND order_time < {end})"""
    if name == "contacts":
        return f"""SELECT *, {flags}
            FROM (SELECT {window.month_of("contact_time")} AS month, region, touchpoint AS channel, product,
                         campaign_id, wave, msisdn, reached
                  FROM contacts WHERE contact_time >= {start} AND contact_time < {end})"""
    if name == "usage":
        return f"""SELECT *, {flags}
            FROM (SELECT {window.month_of("event_time")} AS month, {region} AS region, channel, msisdn, action
                  FROM usage e WHERE event_time >= {start} AND event_time < {end})"""
    if name == "complaints":
        return f"""SELECT {window.month_of("complaint_time")} AS month, {region} AS region, channel, msisdn,
                   category, staff_id
            FROM complaints e WHERE complaint_time >= {start} AND complaint_time < {end}"""
    if name == "customers":
        return """SELECT m.month, c.region, c.msisdn, c.brand
            FROM _months m JOIN _customers c
              ON c.join_date <= m.month_end AND (c.churn_date IS NULL OR c.churn_date > m.month_end)"""
    if name == "retention":
        months = ", ".join(sql_str(m) for m in sorted(set(window.months) | set(window.base.values())))
        return f"""SELECT m.month, c.region, c.msisdn,
                   (c.churn_date IS NULL OR c.churn_date > m.month_end) AS retained,
                   coalesce(cur.revenue, 0) AS revenue, coalesce(base.revenue, 0) AS base_revenue
            FROM _months m
            JOIN _customers c ON c.join_date <= m.base_end AND (c.churn_date IS NULL OR c.churn_date > m.base_end)
            LEFT JOIN (SELECT month, msisdn, sum(revenue) AS revenue FROM billing WHERE month IN ({months})
                       GROUP BY month, msisdn) cur ON cur.msisdn = c.msisdn AND cur.month = m.month
            LEFT JOIN (SELECT month, msisdn, sum(revenue) AS revenue FROM billing WHERE month IN ({months})
                       GROUP BY month, msisdn) base ON base.msisdn = c.msisdn AND base.month = m.base_month"""
    raise KeyError(name)
