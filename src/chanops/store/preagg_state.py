"""Which KPI pre-aggregates a load makes stale — decided inside the load's own transaction, so
a pre-aggregate is never read after the rows it summarizes changed (kpi/preagg.py fills and
reads them; the tables are in store/warehouse.py).

What each kind's rows feed (kpi/facts.py): orders, contacts, usage and complaints feed the KPI
source of the same name in the months of the rows; billing feeds retention in its month and
the next (the next month's base). A customers snapshot can change any month: a customer's
first state is in force from the beginning, an older snapshot loaded late rewrites the past,
and usage and complaints take the region of the state in force now — so it makes every month
of the customer-based sources stale (customers, retention, usage, complaints), and no month of
orders or contacts, which carry their own region.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb

from chanops.months import add_months
from chanops.schema import KINDS
from chanops.sql import lit_list

EVENT_SOURCES = ("orders", "contacts", "usage", "complaints")
SNAPSHOT_SOURCES = ("customers", "retention", "usage", "complaints")
# months a comparison reads beside a month (kpi --compare prev|yoy): kept pre-aggregated too
COMPARE_SHIFTS = (-1, -12)


def months_written(con: duckdb.DuckDBPyConnection, kind: str, results: Iterable) -> set[str]:
    """The months a load's files wrote rows in or replaced rows of (`results`: loader.FileLoad)."""
    k = KINDS[kind]
    load_ids = [r.load_id for r in results if r.load_id is not None and not r.skipped]
    months = {part for r in results for part, _rows in r.replaced}
    if load_ids:
        rows = con.execute(
            f"SELECT DISTINCT {k.month_sql} FROM {k.name} WHERE _load_id IN ({', '.join(map(str, load_ids))})"
        ).fetchall()
        months |= {str(m) for (m,) in rows if m is not None}
    return months


def mark_stale(con: duckdb.DuckDBPyConnection, kind: str, results: Sequence) -> None:
    """Inside the load's transaction: forget the pre-aggregates the load changed and keep the
    months it wrote (and their comparison months) for the refresh that follows."""
    if kind == "customers":
        if any(r.load_id is not None and not r.skipped for r in results):
            forget(con, SNAPSHOT_SOURCES, None)
        return
    if kind not in (*EVENT_SOURCES, "billing"):
        return  # entries, valid, rules, signals: no KPI reads them
    months = months_written(con, kind, results)
    if not months:
        return
    if kind == "billing":
        forget(con, ("retention",), months | {add_months(m, 1) for m in months})
    else:
        forget(con, (kind,), months)
    keep = months | {add_months(m, shift) for m in months for shift in COMPARE_SHIFTS}
    con.execute(
        f"INSERT INTO _preagg_months SELECT DISTINCT m FROM (SELECT unnest([{lit_list(sorted(keep))}]) AS m) t "
        "WHERE m NOT IN (SELECT month FROM _preagg_months)"
    )


def forget(con: duckdb.DuckDBPyConnection, sources: Sequence[str], months: Iterable[str] | None) -> None:
    """Delete the pre-aggregates of `sources` in `months` (None: every month)."""
    where = f"source IN ({lit_list(sources)})"
    if months is not None:
        where += f" AND month IN ({lit_list(sorted(months))})"
    con.execute(f"DELETE FROM _preagg_current WHERE {where}")
    con.execute(f"DELETE FROM _preagg WHERE {where}")
