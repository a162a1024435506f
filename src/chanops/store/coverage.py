"""Which months the warehouse (or a Spark export) holds data for, and the month a command
runs on when none is given: --month, --from/--to, or the latest month with events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import duckdb

from chanops.engines import EngineError, as_engine, first_row
from chanops.errors import NoData, UsageError
from chanops.months import last_day, month_range, parse_month

EVENT_TABLES = {
    "orders": "order_time",
    "contacts": "contact_time",
    "usage": "event_time",
    "complaints": "complaint_time",
}


# the sources a month "has data" in: the event tables and billing
PRESENCE_KINDS = (*EVENT_TABLES, "billing")


def has_rows(con, asked: Sequence[tuple[str, str | None]]) -> list[bool]:
    """Whether each (kind, month) has rows (month None: any row at all), as the engine answers
    it fastest: DuckDB probes that stop at the first row, Spark one grouped scan per kind."""
    return as_engine(con).has_rows(asked)


def months_with_data(con, months: Sequence[str]) -> set[str]:
    """Which of `months` have any event rows (orders, contacts, usage, complaints) or billing."""
    asked = [(kind, month) for month in months for kind in PRESENCE_KINDS]
    hits = has_rows(con, asked)
    return {month for (_kind, month), hit in zip(asked, hits, strict=True) if hit}


def customers_as_of(con) -> date | None:
    """The as-of date of the latest customers snapshot loaded (the ledger's `as_of`), or None
    when none was loaded or the ledger does not say (a lake written before it did)."""
    try:
        row = first_row(as_engine(con), "SELECT max(as_of) FROM _loads WHERE kind = 'customers'")
    except (duckdb.Error, EngineError):  # a ledger without the column: coverage unknown, nothing blanked
        return None
    value = row[0] if row else None
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def uncovered_months(months: Sequence[str], as_of: date | None) -> list[str]:
    """The months no customers snapshot covers: the latest as-of is before the month's end
    (SPEC §4). Their customer-based KPIs are blank, never carried forward."""
    if as_of is None:
        return []
    return [m for m in months if last_day(m) > as_of]


def latest_month(con) -> str:
    """The latest month with orders, contacts, usage or complaints, for a default --month —
    up to this month: a row dated in the future (a typo) never becomes the default."""
    horizon = "date_trunc('month', current_date) + INTERVAL 1 MONTH"
    parts = [
        f"SELECT strftime(max({col}), '%Y-%m') AS month FROM {table} WHERE {col} < {horizon}"
        for table, col in EVENT_TABLES.items()
    ]
    row = first_row(as_engine(con), f"SELECT max(month) AS month FROM ({' UNION ALL '.join(parts)}) t")
    if not row or row[0] is None:
        raise NoData("the warehouse has no orders, contacts, usage or complaints yet; load some first")
    return row[0]


def latest_or_none(con) -> str:
    try:
        return latest_month(con)
    except NoData:
        return "none"


def resolve_months(con, month: str | None = None, first: str | None = None, last: str | None = None) -> list[str]:
    """--month, or --from/--to (one row per month), or the latest month with data."""
    if month and (first or last):
        raise UsageError("give either --month or --from/--to, not both")
    if first or last:
        if not (first and last):
            raise UsageError("--from and --to go together")
        return month_range(parse_month(first, "--from"), parse_month(last, "--to"))
    return [parse_month(month)] if month else [latest_month(con)]


def kinds_with_rows(con, month: str, kinds: Sequence[str]) -> list[str]:
    """Which of `kinds` have rows in `month`."""
    hits = has_rows(con, [(kind, month) for kind in kinds])
    return [kind for kind, hit in zip(kinds, hits, strict=True) if hit]


def require_rows(con, month: str, kinds: Sequence[str]) -> None:
    """A command asked for a month none of whose sources has rows exits 1 naming them (SPEC §4),
    instead of an empty table or a list of every customer as at risk."""
    if not kinds_with_rows(con, month, kinds):
        raise NoData(f"no data for {month}: no rows of {', '.join(kinds)} in that month")
