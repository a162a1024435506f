"""Compile catalog KPIs into one SQL statement — one scan per source.

Every measure becomes `count(CASE WHEN cond THEN 1 END)`,
`count(DISTINCT CASE WHEN cond THEN col END)` or `sum(CASE WHEN cond THEN col END)`
in a GROUP BY (month, dims) over its fact view; all measures of a source share one
aggregate, so orders and contacts are each read once however many KPIs ask. The
per-source aggregates are joined on (month, dims) and each KPI is recomputed per
slice as scale × numerator / denominator — never an average of ratios.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from chanops.channels import Channel
from chanops.kpi.catalog import Kpi, Measure
from chanops.kpi.facts import MonthWindow, source_sql
from chanops.regions import OFFICIAL_ORDER, region_sort_sql
from chanops.sql import lit, lit_list
from chanops.store.coverage import EVENT_TABLES

CUSTOMER_SOURCES = {"customers", "retention"}
# every state of every customer: each fact view picks the one in force on its day
CUSTOMER_STATES = "SELECT msisdn, region, join_date, churn_date, brand, _valid_from, _valid_to FROM customers"


def measure_sql(m: Measure) -> str:
    cond = m.where or "TRUE"
    if m.agg == "count":
        return f"count(CASE WHEN {cond} THEN 1 END)" if m.where else "count(*)"
    if m.agg == "count_distinct":
        return f"count(DISTINCT CASE WHEN {cond} THEN {m.column} END)"
    return f"sum(CASE WHEN {cond} THEN {m.column} END)"


def _aggregate_sql(source_sql: str, group: str, measures: dict[Measure, str], month_list: str) -> str:
    """GROUP BY (month, dims) computing every measure of one source in one pass.

    When the source's distinct counts are all over one column (msisdn), aggregate in two
    levels instead: first per (month, dims, msisdn) with a 0/1 flag per distinct measure,
    then sum. One hash table replaces one per distinct measure — about 30% faster on
    10M contacts — and it is still plain SQL any engine runs.
    """
    distinct_columns = {m.column for m in measures if m.agg == "count_distinct"}
    where = f"WHERE month IN ({month_list})"
    if len(distinct_columns) != 1:
        aggregates = ", ".join(f"{measure_sql(m)} AS {alias}" for m, alias in measures.items())
        return f"SELECT {group}, {aggregates} FROM ({source_sql}) s {where} GROUP BY {group}"
    [column] = distinct_columns
    inner, outer = [], []
    for m, alias in measures.items():
        cond = m.where or "TRUE"
        if m.agg == "count_distinct":
            inner.append(f"max(CASE WHEN ({cond}) AND {column} IS NOT NULL THEN 1 ELSE 0 END) AS {alias}")
        else:
            inner.append(f"{measure_sql(m)} AS {alias}")
        outer.append(f"sum({alias}) AS {alias}")
    return (
        f"SELECT {group}, {', '.join(outer)} FROM (SELECT {group}, {column}, {', '.join(inner)} "
        f"FROM ({source_sql}) s {where} GROUP BY {group}, {column}) u GROUP BY {group}"
    )


def _reads_active(m: Measure) -> bool:
    """The measure's condition reads usage's `active` column (a customer active at month end)."""
    return any(re.search(r"\bactive\b", text or "") for text in (m.where, m.column))


def _dims_match(left: str, right: str, dims: Sequence[str]) -> str:
    return " AND ".join(
        [f"{left}.month = {right}.month"] + [f"{left}.{d} IS NOT DISTINCT FROM {right}.{d}" for d in dims]
    )


# How a source's aggregate is had: (source, {measure: alias}) -> a SELECT of (month, dims,
# aliases). compile_sql computes it from the fact view; the pre-aggregate reads it back.
AggregateBody = Callable[[str, dict[Measure, str]], str]


def measure_aliases(kpis: Sequence[Kpi]) -> dict[Measure, str]:
    """Every measure the KPIs need, once, with its column alias (m0, m1, …)."""
    measures: dict[Measure, str] = {}
    for kpi in kpis:
        for m in (kpi.numerator, kpi.denominator):
            measures.setdefault(m, f"m{len(measures)}")
    return measures


def by_source(measures: dict[Measure, str]) -> dict[str, dict[Measure, str]]:
    grouped: dict[str, dict[Measure, str]] = {}
    for m, alias in measures.items():
        grouped.setdefault(m.source, {})[m] = alias
    return grouped


def reads_customers(sources: Sequence[str], dims: Sequence[str], with_active: bool) -> bool:
    """The sources need the customers' states (the `_customers` CTE)."""
    regional = "region" in dims and set(sources) & {"usage", "complaints"}
    return bool(set(sources) & CUSTOMER_SOURCES or regional or with_active)


def context_ctes(window: MonthWindow, customers: bool) -> list[str]:
    """The CTEs every source aggregate may read: the window's months, the customers' states."""
    ctes = [f"_months AS ({window.values_sql()})"]
    if customers:
        ctes.append(f"_customers AS MATERIALIZED ({CUSTOMER_STATES})")
    return ctes


def source_aggregate_sql(
    source: str,
    measures: dict[Measure, str],
    dims: Sequence[str],
    window: MonthWindow,
    channels: dict[str, Channel],
    with_active: bool,
) -> str:
    """One source's GROUP BY (month, dims) of its measures over its fact view, for the window's
    months (the CTEs of `context_ctes` in scope)."""
    return _aggregate_sql(
        source_sql(source, window, channels, with_region="region" in dims, with_active=with_active),
        "month" + "".join(f", {d}" for d in dims),
        measures,
        lit_list(window.months),
    )


def usage_reads_active(measures: dict[Measure, str]) -> bool:
    return any(_reads_active(m) for m in measures if m.source == "usage")


def compile_sql(
    kpis: Sequence[Kpi],
    dims: Sequence[str],
    window: MonthWindow,
    channels: dict[str, Channel],
    compare_months: dict[str, str] | None = None,
    regions: Sequence[str] = OFFICIAL_ORDER,
    aggregates: AggregateBody | None = None,
) -> str:
    """The whole evaluation as one DuckDB statement (see module docstring); rows by month, then
    slice, 盟市 in `regions` order. `aggregates` gives each source's aggregate another way (read
    back from the pre-aggregate); everything after it is this same SQL."""
    measures = measure_aliases(kpis)
    sources = by_source(measures)
    dim_cols = "".join(f", {d}" for d in dims)
    with_active = usage_reads_active(measures)
    ctes = context_ctes(window, aggregates is None and reads_customers(list(sources), dims, with_active))
    for source, source_measures in sources.items():
        if aggregates is None:
            body = source_aggregate_sql(source, source_measures, dims, window, channels, with_active)
        else:
            body = aggregates(source, source_measures)
        ctes.append(f"agg_{source} AS MATERIALIZED ({body})")
    keys = " UNION ".join(f"SELECT month{dim_cols} FROM agg_{s}" for s in sources)
    ctes.append(f"_keys AS ({keys})")
    ctes.append(f"_present AS ({_presence_sql(window)})")

    joins = " ".join(f"LEFT JOIN agg_{s} ON {_dims_match('k', f'agg_{s}', dims)}" for s in sources)
    joins += " LEFT JOIN _present pr ON pr.month = k.month"
    columns = []
    for kpi in kpis:
        num = _counted(kpi.numerator, f"coalesce(agg_{kpi.numerator.source}.{measures[kpi.numerator]}, 0)")
        den = _counted(kpi.denominator, f"coalesce(agg_{kpi.denominator.source}.{measures[kpi.denominator]}, 0)")
        present = " AND ".join(dict.fromkeys(_present_flag(m) for m in (kpi.numerator, kpi.denominator)))
        value = (
            f"CASE WHEN {den} = 0 OR NOT coalesce({present}, false) THEN NULL "
            f"ELSE {kpi.scale!r} * CAST({num} AS DOUBLE) / {den} END"
        )
        columns += [f"{value} AS {kpi.id}", f"{num} AS {kpi.id}_num", f"{den} AS {kpi.id}_den"]
    result = f"SELECT k.month{''.join(f', k.{d}' for d in dims)}, {', '.join(columns)} FROM _keys k {joins}"
    if not compare_months:
        return f"WITH {', '.join(ctes)} {result} ORDER BY {_order(dims, 'k', regions)}"

    ctes.append(f"_res AS MATERIALIZED ({result})")
    pairs = ", ".join(f"({lit(m)}, {lit(c)})" for m, c in compare_months.items())
    ctes.append(f"_cmp AS (SELECT * FROM (VALUES {pairs}) AS t(month, compare_month))")
    cmp_columns = []
    for kpi in kpis:
        cmp_columns += [f"p.{kpi.id} AS {kpi.id}_prev", f"r.{kpi.id} - p.{kpi.id} AS {kpi.id}_change"]
    match = " AND ".join(["p.month = c.compare_month"] + [f"p.{d} IS NOT DISTINCT FROM r.{d}" for d in dims])
    return (
        f"WITH {', '.join(ctes)} SELECT r.*, c.compare_month, {', '.join(cmp_columns)} "
        f"FROM _res r JOIN _cmp c ON c.month = r.month LEFT JOIN _res p ON {match} "
        f"ORDER BY {_order(dims, 'r', regions)}"
    )


def _order(dims: Sequence[str], table: str, regions: Sequence[str]) -> str:
    """Month, then each slice; 盟市 in the province's official order, not by code point."""
    terms = [f"{table}.month"]
    for d in dims:
        terms.append(region_sort_sql(f"{table}.{d}", regions) if d == "region" else f"{table}.{d} NULLS LAST")
    return ", ".join(terms)


def _presence_sql(window: MonthWindow) -> str:
    """Per month of the window, which sources have rows: a KPI is blank, never 0 or 100%, for
    a month whose sources are empty (a year-on-year month before the data starts)."""

    def has(kind: str, month: str) -> str:
        return "TRUE" if (kind, month) in window.present else "FALSE"

    rows = []
    for month in window.months:
        flags = [f"{has(t, month)} AS has_{t}" for t in EVENT_TABLES]
        covered = "FALSE" if month in window.uncovered else "TRUE"
        rows.append(
            f"SELECT {lit(month)} AS month, {', '.join(flags)}, {has('billing', month)} AS has_billing, "
            f"{has('billing', window.base[month])} AS base_has_billing, {covered} AS customers_cover"
        )
    any_rows = " OR ".join([*(f"has_{t}" for t in EVENT_TABLES), "has_billing"])
    return f"SELECT *, {any_rows} AS has_data FROM ({' UNION ALL '.join(rows)}) p"


def _counted(m: Measure, expr: str) -> str:
    """A measure's count, blank in a month no customers snapshot covers when it counts the
    customer base: a count from an older snapshot is no more the month's than a ratio is."""
    return f"CASE WHEN coalesce(pr.customers_cover, true) THEN {expr} END" if on_customer_base(m) else expr


def on_customer_base(m: Measure) -> bool:
    """The measure counts the customer base at a month's end (customers, retention, usage by
    active customers): a month no snapshot covers leaves it blank."""
    return m.source in CUSTOMER_SOURCES or (m.source == "usage" and _reads_active(m))


def _present_flag(m: Measure) -> str:
    """The presence a measure needs: its event table's rows in the month; revenue needs billing
    in the month and its base month; customer counts need any data in the month; and whatever
    counts the customer base needs a snapshot that covers the month."""
    if m.source in EVENT_TABLES:
        flag = f"pr.has_{m.source}"
    elif m.source == "retention" and m.agg == "sum":
        flag = "(pr.has_billing AND pr.base_has_billing)"
    else:
        flag = "pr.has_data"
    return f"({flag} AND pr.customers_cover)" if on_customer_base(m) else flag
