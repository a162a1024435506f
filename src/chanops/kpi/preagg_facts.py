"""One month of a KPI source's facts, materialized once for every slice a pre-aggregate refresh
computes from it (kpi/preagg.py), for the sources that count distinct users.

Each slice re-reading the fact view would evaluate it again; and the raw query counts distinct
users with a hash table of every (month, dims, msisdn) — one per slice, the refresh's main cost.
Here each user with a row in the month gets a dense number (0 … users − 1), and a slice's
distinct users with a condition are the bits set by `bitstring_agg` over those numbers in each
group of a small GROUP BY (month, dims): exact, since numbering is one-to-one on the month's
users, and about 2.5× cheaper than the two-level hash aggregate per slice.

A bitmap is users / 8 bytes per group, measure and thread: a slice whose bitmaps would pass
BITMAP_BUDGET (many groups in a month of many users) is computed with the raw query's own
aggregate (kpi/compile.py) over the materialized facts instead — same figures, memory bounded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from chanops.channels import Channel
from chanops.engines import only_row
from chanops.kpi.catalog import SOURCE_COLUMNS, SOURCE_DIMENSIONS, Measure
from chanops.kpi.compile import aggregate_sql, context_ctes, measure_sql, reads_customers, usage_reads_active
from chanops.kpi.facts import MonthWindow, source_sql
from chanops.sql import lit_list

FACTS = "_preagg_facts"
USER = "_user"  # the user's dense number within the month (NULL where msisdn is NULL)
BITMAP_BUDGET = 256 * 2**20  # bytes of bitmap state one slice's aggregate may hold

Slices = Sequence[tuple[Sequence[str], dict[Measure, str]]]


def counts_users(measures: dict[Measure, str]) -> bool:
    """Every measure is a row count or distinct msisdn, at least one distinct: the bitmap path."""
    distinct = [m for m in measures if m.agg == "count_distinct"]
    return (
        bool(distinct)
        and all(m.column == "msisdn" for m in distinct)
        and all(m.agg in ("count", "count_distinct") for m in measures)
    )


@dataclass(frozen=True)
class MonthFacts:
    """What the month's materialized facts hold: rows, users, and per slice dimension its number
    of distinct non-null values (for the bitmaps' size)."""

    month: str
    rows: int
    users: int
    values: dict[str, int]
    msisdn: bool  # msisdn itself kept (a condition reads it); else only the users' numbers


def materialize(
    con: duckdb.DuckDBPyConnection, source: str, window: MonthWindow, slices: Slices, channels: dict[str, Channel]
) -> MonthFacts:
    """FACTS := the source's fact view for the window's one month, with every column any slice
    reads, and each user's dense number."""
    [month] = window.months
    measures = {m: a for _dims, ms in slices for m, a in ms.items()}
    with_active = usage_reads_active(measures)
    with_region = any("region" in dims for dims, _ms in slices)
    customers = any(reads_customers([source], dims, with_active) for dims, _ms in slices)
    view = source_sql(source, window, channels, with_region=with_region, with_active=with_active)
    read = _columns_read(source, slices)
    # the users' numbers stand for msisdn, unless a condition reads the number itself
    keep_msisdn = any(_mentions(m.where, "msisdn") for m in measures)
    kept = ", ".join(f"_facts.{c}" for c in [*read, *(["msisdn"] if keep_msisdn else [])])
    ctes = [
        *context_ctes(window, customers),
        f"_facts AS MATERIALIZED (SELECT {', '.join([*read, 'msisdn'])} FROM ({view}) s "
        f"WHERE month IN ({lit_list([month])}))",
        # numbered in no particular order: only one-to-one matters
        f"_users AS (SELECT msisdn, CAST(row_number() OVER () - 1 AS INTEGER) AS {USER} "
        "FROM (SELECT DISTINCT msisdn FROM _facts WHERE msisdn IS NOT NULL) d)",
    ]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {FACTS} AS WITH {', '.join(ctes)} "
        f"SELECT {kept}, _users.{USER} FROM _facts LEFT JOIN _users ON _users.msisdn = _facts.msisdn"
    )
    dims = [d for d in dict.fromkeys(d for dims, _ms in slices for d in dims)]
    counts = "".join(f", count(DISTINCT {d})" for d in dims)
    row = only_row(con, f"SELECT count(*), coalesce(max({USER}) + 1, 0){counts} FROM {FACTS}")
    values = {d: int(n) for d, n in zip(dims, row[2:], strict=True)}
    return MonthFacts(month, int(row[0]), int(row[1]), values, keep_msisdn)


def _mentions(text: str | None, column: str) -> bool:
    return bool(text) and re.search(rf"\b{column}\b", text or "") is not None


def _columns_read(source: str, slices: Slices) -> list[str]:
    """The fact view's columns the slices group by or their measures read (besides msisdn): only
    these are materialized — a month of contacts is millions of rows."""
    dims = {d for dims, _ms in slices for d in dims}
    texts = [t for _dims, ms in slices for m in ms for t in (m.where, m.column)]
    columns = [*SOURCE_DIMENSIONS[source], *SOURCE_COLUMNS[source]]
    read = [c for c in columns if c != "msisdn" and (c in dims or any(_mentions(t, c) for t in texts))]
    return ["month", *read]


def drop(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"DROP TABLE IF EXISTS {FACTS}")


def slice_sql(facts: MonthFacts, dims: Sequence[str], measures: dict[Measure, str], threads: int) -> str:
    """The slice's GROUP BY (month, dims) of `measures` over FACTS: bitmaps when they fit the
    budget, else the raw query's own aggregate over the same rows."""
    group = "month" + "".join(f", {d}" for d in dims)
    if not counts_users(measures) or not _bitmaps_fit(facts, dims, measures, threads):
        rows = f"SELECT * FROM {FACTS}" if facts.msisdn else f"SELECT *, {USER} AS msisdn FROM {FACTS}"
        return aggregate_sql(rows, group, measures, lit_list([facts.month]))
    top = max(facts.users, 1) - 1
    columns = []
    for m, alias in measures.items():
        if m.agg == "count_distinct":
            users = f"bitstring_agg({USER}, 0, {top}) FILTER (WHERE {m.where or 'TRUE'})"
            columns.append(f"coalesce(bit_count({users}), 0) AS {alias}")
        else:
            columns.append(f"{measure_sql(m)} AS {alias}")
    return f"SELECT {group}, {', '.join(columns)} FROM {FACTS} GROUP BY {group}"


def _bitmaps_fit(facts: MonthFacts, dims: Sequence[str], measures: dict[Measure, str], threads: int) -> bool:
    # groups at most the product of each dimension's values (and NULL); each thread holds its own
    groups = math.prod(facts.values[d] + 1 for d in dims)
    distinct = sum(1 for m in measures if m.agg == "count_distinct")
    return groups * distinct * threads * (facts.users // 8 + 1) <= BITMAP_BUDGET
