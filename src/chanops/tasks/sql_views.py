"""The views `chanops sql` sees beside the warehouse's tables: what the commands compute, each
built from the command's own SQL builder, so a view and its command cannot drift apart.

  claims             `points match`: each claim with status, held_by, fee and earned
  preference         `prefer scores`: each (msisdn, electronic channel) with components, score, tier
  lifecycle          `lifecycle --list`: each staged customer with revenue, prior mean and stage
  current_customers  each customer in the state in force now (`_valid_to` open)

The first three are judged per month, so they carry a `month` column and cover every month
their command answers for (the months with entries; the months `prefer scores` does not
refuse; the months with bills, once customers are loaded). Each is one UNION ALL branch per
month of the command's SQL with the month as a literal, so `WHERE month = '2022-11'` leaves
DuckDB one branch: the command's own query and cost.

The views are TEMP, created in the read-only sql session and gone with it: nothing is written
to the warehouse, and a warehouse loaded before they existed has them too. Listing a view's
months reads its source, so only the views a statement names are created.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chanops.errors import NoData
from chanops.sql import current_customer, ident, lit

if TYPE_CHECKING:
    from chanops.config import Config

# Any month: the SQL of a view with no month of data still needs one to have its columns.
SHAPE_MONTH = "2000-01"


def _claims(month: str, config: Config) -> str:
    from chanops.points.reconcile import claims_sql

    return claims_sql(month)


def _preference(month: str, config: Config) -> str:
    from chanops.analysis.prefer import scores_sql

    return scores_sql(month, config.prefer, config.channels)


def _lifecycle(month: str, config: Config) -> str:
    from chanops.analysis.lifecycle import stages_sql

    return stages_sql(month)


def _current_customers(month: str, config: Config) -> str:
    # state_since: the as-of of the snapshot that first showed this state (a first state is in
    # force "from the beginning", _valid_from NULL, but it was first seen on a date);
    # last_seen: the latest snapshot that listed the customer — an older one says the
    # customer is missing from the recent extracts
    return f"""SELECT msisdn, region, join_date, churn_date, brand,
                      coalesce(_valid_from, list_min(_seen)) AS state_since, list_max(_seen) AS last_seen
               FROM customers WHERE {current_customer()}"""


def _months(con, sql: str) -> list[str]:
    return sorted(row[0] for row in con.execute(sql).fetchall() if row[0] is not None)


def _event_months(con, table: str, column: str) -> list[str]:
    """The months `table` has rows in (distinct month starts first: formatting every row
    would cost as much as the scan)."""
    return _months(
        con,
        f"SELECT strftime(m, '%Y-%m') FROM (SELECT DISTINCT date_trunc('month', {column}) AS m FROM {table}) t",
    )


def _accepted(months: Iterable[str], gate: Callable[[str], object]) -> list[str]:
    """The months the command's own refusal (`gate` raising NoData) lets through."""
    kept = []
    for month in months:
        try:
            gate(month)
        except NoData:
            continue
        kept.append(month)
    return kept


def _claims_months(con, config: Config) -> list[str]:
    return _event_months(con, "entries", "entry_time")  # points match refuses only a month without entries


def _preference_months(con, config: Config) -> list[str]:
    from chanops.analysis.prefer import Window, require_usage

    candidates = set(_event_months(con, "usage", "event_time"))
    candidates |= set(_event_months(con, "complaints", "complaint_time"))
    candidates |= set(_months(con, "SELECT DISTINCT month FROM signals"))
    return _accepted(sorted(candidates), lambda m: require_usage(con, Window(m, int(config.prefer.window))))


def _lifecycle_months(con, config: Config) -> list[str]:
    from chanops.analysis.lifecycle import require_customers

    return _accepted(_months(con, "SELECT DISTINCT month FROM billing"), lambda m: require_customers(con, m))


@dataclass(frozen=True)
class View:
    name: str
    holds: str  # one line for `db schema`
    select: Callable[[str, Config], str]  # the command's SQL for one month
    months: Callable[[Any, Config], list[str]] | None = None  # None: the view is not by month

    def sql(self, con, config: Config) -> str:
        """The view's SELECT: per month, the command's SQL with the month as a column."""
        if self.months is None:
            return self.select(SHAPE_MONTH, config)
        months = self.months(con, config)
        branches = [f"SELECT {lit(m)} AS month, * FROM ({self.select(m, config)}) v" for m in months]
        # no month with data: the view's columns, no rows
        return " UNION ALL ".join(branches) or (
            f"SELECT CAST(NULL AS VARCHAR) AS month, * FROM ({self.select(SHAPE_MONTH, config)}) v WHERE false"
        )

    def shape_sql(self, config: Config) -> str:
        """A SELECT with the view's columns, for describing it without reading any month."""
        if self.months is None:
            return self.select(SHAPE_MONTH, config)
        return f"SELECT CAST(NULL AS VARCHAR) AS month, * FROM ({self.select(SHAPE_MONTH, config)}) v"


VIEWS: dict[str, View] = {
    v.name: v
    for v in [
        View(
            "claims",
            "points match for every month with entries: each claim with status (valid, invalid, duplicate, "
            "contested, no_rule), held_by, fee, earned",
            _claims,
            _claims_months,
        ),
        View(
            "preference",
            "prefer scores for every month they answer for: each (msisdn, electronic channel) with uses, "
            "components, score and tier",
            _preference,
            _preference_months,
        ),
        View(
            "lifecycle",
            "lifecycle stage of each customer at the end of every month with bills: revenue, prior mean, "
            "stage (new, stable, at_risk, churned)",
            _lifecycle,
            _lifecycle_months,
        ),
        View(
            "current_customers",
            "customers as of now: each one's state in force, the snapshot date it was first seen on "
            "(state_since) and the latest snapshot that listed the customer (last_seen)",
            _current_customers,
        ),
    ]
}


def named_in(statement: str) -> list[str]:
    """The views a statement mentions (a word of the statement; a mention in a comment or a
    string only costs creating the view)."""
    return [name for name in VIEWS if re.search(rf"(?<![\w$]){name}(?![\w$])", statement, re.IGNORECASE)]


def create_views(con, config: Config, names: Iterable[str]) -> None:
    """Create the views `names` as TEMP views on the warehouse connection `con`."""
    for name in names:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {VIEWS[name].sql(con, config)}")


def describe(con, config: Config) -> list[tuple[str, str, str, str]]:
    """(view, column, type, holds) for every view, in column order — bound, never run."""
    rows = []
    for view in VIEWS.values():
        for column, type_, *_rest in con.execute(f"DESCRIBE {view.shape_sql(config)}").fetchall():
            rows.append((view.name, column, type_, view.holds))
    return rows
