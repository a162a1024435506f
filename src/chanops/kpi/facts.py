"""The fact views KPIs are measured on: one SELECT per KPI source (orders, contacts,
usage, complaints, customers, retention) over the warehouse, with the standard columns
(month, the dimensions, msisdn and boolean flags such as `success`, `platform`,
`online`, `reached`). The catalog's conditions are written against these columns, so
this module is the only place the KPI path knows the table layout.

Event sources are filtered on their timestamp range first, so DuckDB skips row
groups by their min/max statistics; customer-based sources are evaluated at each
requested month end (SPEC §4: active at d = join_date ≤ d and no churn by d).
"""

from __future__ import annotations

from dataclasses import dataclass

from chanops.channels import Channel
from chanops.sql import (
    active_at,
    channel_in,
    current_customer,
    in_any_month,
    in_force,
    lit,
    lit_list,
    month_case,
    month_end,
    not_churned_by,
)


@dataclass(frozen=True)
class MonthWindow:
    """The months a query covers and, for retention, each month's base month."""

    months: tuple[str, ...]
    base: dict[str, str]  # month -> base month
    # months no customers snapshot covers (latest as-of before the month's end): KPIs on the
    # customer base are blank there (SPEC §4)
    uncovered: frozenset[str] = frozenset()
    # the (kind, month) pairs with rows, of the event tables and billing in the window's months
    # and billing in the base months, found before the query (store.coverage.has_rows): a
    # presence probe inside the statement would be a Spark job of its own
    present: frozenset[tuple[str, str]] = frozenset()

    def covers(self, ts: str) -> str:
        """Timestamp column `ts` lies in one of the window's months."""
        return in_any_month(ts, self.months)

    def month_of(self, ts: str) -> str:
        return month_case(ts, self.months)

    def values_sql(self) -> str:
        """Rows (month, month_end, base_month, base_end) for the customer-based sources."""
        rows = [f"({lit(m)}, {month_end(m)}, {lit(self.base[m])}, {month_end(self.base[m])})" for m in self.months]
        return f"SELECT * FROM (VALUES {', '.join(rows)}) AS m(month, month_end, base_month, base_end)"


def _flags(channels: dict[str, Channel]) -> str:
    return (
        f"{channel_in('channel', channels, 'online')} AS online, "
        f"{channel_in('channel', channels, 'electronic')} AS electronic, channel = 'outbound' AS outbound"
    )


def source_sql(
    name: str, window: MonthWindow, channels: dict[str, Channel], with_region: bool = True, with_active: bool = False
) -> str:
    """SELECT for source `name`. The CTEs `_months` and `_customers` must be in scope.

    `with_active` gives usage a column `active`: the user is a customer active at the end of
    the event's month (SPEC §4: a share of the customer base counts only members of the base,
    so e-channel penetration's numerator ⊆ its denominator). A join, not a correlated EXISTS:
    each customer has one state in force on a day, so no usage row is repeated."""
    flags = _flags(channels)
    region = (
        f"(SELECT region FROM _customers c WHERE c.msisdn = e.msisdn AND {current_customer('c')})"
        if with_region
        else "CAST(NULL AS VARCHAR)"
    )
    if name == "orders":
        return f"""SELECT *, status = 'success' AS success, campaign_id IS NOT NULL AS platform, {flags}
            FROM (SELECT {window.month_of("order_time")} AS month, region, channel, product, campaign_id, msisdn,
                         status, fee, fail_reason, conflict_product
                  FROM orders WHERE {window.covers("order_time")})"""
    if name == "contacts":
        return f"""SELECT *, {flags}
            FROM (SELECT {window.month_of("contact_time")} AS month, region, touchpoint AS channel, product,
                         campaign_id, wave, msisdn, reached
                  FROM contacts WHERE {window.covers("contact_time")})"""
    if name == "usage":
        events = f"""SELECT *, {flags}
            FROM (SELECT {window.month_of("event_time")} AS month, {region} AS region, channel, msisdn, action
                  FROM usage e WHERE {window.covers("event_time")})"""
        if not with_active:
            return events
        return f"""SELECT u.*, a.msisdn IS NOT NULL AS active
            FROM ({events}) u
            LEFT JOIN ({_active_at_month_end()}) a ON a.month = u.month AND a.msisdn = u.msisdn"""
    if name == "complaints":
        return f"""SELECT {window.month_of("complaint_time")} AS month, {region} AS region, channel, msisdn,
                   category, staff_id
            FROM complaints e WHERE {window.covers("complaint_time")}"""
    if name == "customers":
        return f"""SELECT m.month, c.region, c.msisdn, c.brand
            FROM _months m JOIN _customers c ON {in_force("m.month_end", "c")} AND {active_at("m.month_end", "c")}"""
    if name == "retention":
        months = lit_list(sorted(set(window.months) | set(window.base.values())))
        bills = (
            f"(SELECT month, msisdn, sum(revenue) AS revenue FROM billing WHERE month IN ({months}) "
            "GROUP BY month, msisdn)"
        )
        # base customers in their state at the base month's end; retained judged on the state
        # in force at this month's end (a later snapshot may have recorded the churn)
        return f"""SELECT m.month, c.region, c.msisdn,
                   (n.msisdn IS NOT NULL AND {not_churned_by("m.month_end", "n")}) AS retained,
                   coalesce(cur.revenue, 0) AS revenue, coalesce(base.revenue, 0) AS base_revenue
            FROM _months m
            JOIN _customers c ON {in_force("m.base_end", "c")} AND {active_at("m.base_end", "c")}
            LEFT JOIN _customers n ON n.msisdn = c.msisdn AND {in_force("m.month_end", "n")}
            LEFT JOIN {bills} cur ON cur.msisdn = c.msisdn AND cur.month = m.month
            LEFT JOIN {bills} base ON base.msisdn = c.msisdn AND base.month = m.base_month"""
    raise KeyError(name)


def _active_at_month_end() -> str:
    """(month, msisdn) of every customer active at the end of each month of the window."""
    return f"""SELECT m.month, c.msisdn FROM _months m
        JOIN _customers c ON {in_force("m.month_end", "c")} AND {active_at("m.month_end", "c")}"""
