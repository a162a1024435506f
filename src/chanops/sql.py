"""The SQL vocabulary every chanops query is written in.

Month bounds, month ends, "active at a date", the customer state in force, the
channel flag lists and quoting are each written once here, and every query (KPIs,
analysis, points, preference, loading) builds on these pieces. The text is plain
DuckDB SQL that sqlglot transpiles for Spark, so a piece changed here changes on
both engines at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from chanops.months import add_months

if TYPE_CHECKING:
    from chanops.channels import Channel


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def lit_list(values: Iterable[str]) -> str:
    """'a', 'b', 'c' — the inside of an IN (…) list."""
    return ", ".join(lit(v) for v in values)


def ident(name: str) -> str:
    """A quoted identifier (column names from files can be anything)."""
    return '"' + name.replace('"', '""') + '"'


def month_start(month: str) -> str:
    """Timestamp literal of the first instant of `month` ('YYYY-MM')."""
    return f"TIMESTAMP '{month}-01 00:00:00'"


def month_bounds(first: str, last: str | None = None) -> tuple[str, str]:
    """[start, end) timestamp literals covering months first..last (default: first only)."""
    return month_start(first), month_start(add_months(last or first, 1))


def in_months(column: str, first: str, last: str | None = None) -> str:
    """`column` lies in months first..last: a range test, so engines skip row groups by min/max."""
    start, end = month_bounds(first, last)
    return f"{column} >= {start} AND {column} < {end}"


def month_first_day(month: str) -> str:
    """DATE literal expression of the first day of `month`."""
    return f"CAST({month_start(month)} AS DATE)"


def month_end(month: str) -> str:
    """DATE expression of the last day of `month` (the day "active at month end" is judged on)."""
    return f"CAST({month_start(add_months(month, 1))} - INTERVAL 1 DAY AS DATE)"


def month_runs(months: Iterable[str]) -> list[tuple[str, str]]:
    """Consecutive months grouped: ['2021-11', '2022-10', '2022-11'] → [(2021-11, 2021-11), (2022-10, 2022-11)]."""
    runs: list[tuple[str, str]] = []
    for month in sorted(set(months)):
        if runs and add_months(runs[-1][1], 1) == month:
            runs[-1] = (runs[-1][0], month)
        else:
            runs.append((month, month))
    return runs


def in_any_month(column: str, months: Iterable[str]) -> str:
    """`column` lies in one of `months` — one range per run of consecutive months, so a
    year-on-year comparison reads two months, not the thirteen between them."""
    ranges = [in_months(column, first, last) for first, last in month_runs(months)]
    return ranges[0] if len(ranges) == 1 else "(" + " OR ".join(f"({r})" for r in ranges) + ")"


def month_case(ts: str, months: Iterable[str]) -> str:
    """The 'YYYY-MM' of timestamp `ts`, for rows already limited to `months` (in_any_month).

    Boundary comparisons, not strftime: formatting every row costs as much as the whole
    distinct count that follows. Only an upper bound per month is needed while the months
    are consecutive; across a gap (year on year) a row of a month in between must not be
    taken for the next listed month, so there each month is tested on both bounds."""
    ordered = sorted(set(months))
    if len(ordered) == 1:
        return lit(ordered[0])
    if len(month_runs(ordered)) == 1:
        branches = " ".join(f"WHEN {ts} < {month_start(add_months(m, 1))} THEN {lit(m)}" for m in ordered)
    else:
        branches = " ".join(f"WHEN {in_months(ts, m)} THEN {lit(m)}" for m in ordered)
    return f"CASE {branches} END"


def not_churned_by(day: str, alias: str = "") -> str:
    """The customer had not left by `day` (churn_date empty or later)."""
    a = f"{alias}." if alias else ""
    return f"({a}churn_date IS NULL OR {a}churn_date > {day})"


def active_at(day: str, alias: str = "") -> str:
    """A customer is active at `day`: joined on or before it and not churned by it (SPEC §4)."""
    a = f"{alias}." if alias else ""
    return f"{a}join_date <= {day} AND {not_churned_by(day, alias)}"


def in_force(day: str, alias: str = "") -> str:
    """A customer state (one snapshot row) was in force on `day`: from `_valid_from` (NULL: from
    the beginning) until the day before `_valid_to` (NULL: still in force)."""
    a = f"{alias}." if alias else ""
    return f"({a}_valid_from IS NULL OR {a}_valid_from <= {day}) AND ({a}_valid_to IS NULL OR {a}_valid_to > {day})"


def customer_state(day: str) -> str:
    """One row per customer: the state in force on `day` (a DATE expression)."""
    return f"SELECT * FROM customers WHERE {in_force(day)}"


def current_customer(alias: str = "") -> str:
    """The state in force now (the latest snapshot) — what a customer's region is taken from
    when an event is attributed to a region."""
    a = f"{alias}." if alias else ""
    return f"{a}_valid_to IS NULL"


def active_customers(month: str, columns: str = "msisdn, region") -> str:
    """Customers active at the end of `month`, in the state in force that day."""
    end = month_end(month)
    return f"SELECT {columns} FROM ({customer_state(end)}) WHERE {active_at(end)}"


def channel_codes(channels: Mapping[str, Channel], flag: str) -> list[str]:
    """Codes of the catalog's channels with `flag` ('online' or 'electronic') set, in catalog order."""
    return [c.code for c in channels.values() if getattr(c, flag)]


def channel_in(column: str, channels: Mapping[str, Channel], flag: str) -> str:
    """`column` holds a channel with `flag` set; FALSE when the catalog has none."""
    codes = channel_codes(channels, flag)
    return f"{column} IN ({lit_list(codes)})" if codes else "FALSE"


def probe(select: str) -> str:
    """1 when `select` returns any row, else 0 — stops at the first row (LIMIT 1)."""
    return f"(SELECT count(*) FROM ({select} LIMIT 1) p)"


# OWASP CSV injection: a text cell starting with one of these is run as a formula by spreadsheets.
FORMULA_START = r"^[=+\-@\t\r]"
APOSTROPHE = lit("'")  # the SQL literal of one apostrophe


def neutralized_columns(columns: Iterable[tuple[str, str]]) -> str:
    """The select list over `columns` ((name, DuckDB type) pairs, as DESCRIBE gives them) that
    gives every text cell a spreadsheet would run as a formula a leading apostrophe — what
    every file meant for people gets (SPEC §11)."""
    return ", ".join(
        f"CASE WHEN regexp_matches({ident(name)}, {lit(FORMULA_START)}) THEN {APOSTROPHE} || {ident(name)} "
        f"ELSE {ident(name)} END AS {ident(name)}"
        if kind == "VARCHAR"
        else ident(name)
        for name, kind in columns
    )
