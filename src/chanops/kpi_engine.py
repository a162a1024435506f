"""Evaluate catalog KPIs for months and slices — one SQL statement, one scan per source.

Compilation: every measure becomes `count(CASE WHEN cond THEN 1 END)`,
`count(DISTINCT CASE WHEN cond THEN col END)` or `sum(CASE WHEN cond THEN col END)`
in a GROUP BY (month, dims) over its source; all measures of a source share one
aggregate, so orders and contacts are each read once however many KPIs ask. The
per-source aggregates are joined on (month, dims) and each KPI is recomputed per
slice as scale × numerator / denominator — never an average of ratios.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from .catalog import Channel
from .engines import EngineError, as_engine, first_row
from .errors import ConfigError, NoData, UsageError
from .kpi_catalog import DIMENSIONS, Kpi, Measure
from .kpi_sources import CUSTOMERS_CTE, MonthWindow, source_sql
from .months import add_months, month_start_sql
from .normalize import sql_str

COMPARE_SHIFT = {"prev": -1, "yoy": -12}
CUSTOMER_SOURCES = {"customers", "retention"}
EVENT_TABLES = {
    "orders": "order_time",
    "contacts": "contact_time",
    "usage": "event_time",
    "complaints": "complaint_time",
}


@dataclass
class KpiResult:
    frame: pa.Table  # month, dims..., then per KPI: id, id_num, id_den (and id_prev, id_change)
    kpis: list[Kpi]
    dims: list[str]
    compare: str | None = None
    notes: list[str] = field(default_factory=list)  # for stderr: KPIs left out, empty months
    breaches: list[str] = field(default_factory=list)  # thresholds crossed (for --check)


def select_kpis(
    catalog: dict[str, Kpi], metric_ids: Sequence[str] | None, dims: Sequence[str]
) -> tuple[list[Kpi], list[str]]:
    """The KPIs to compute and notes about the ones left out (SPEC §4 slicing rule)."""
    for dim in dims:
        if dim not in DIMENSIONS:
            raise UsageError(f"unknown dimension '{dim}'; use any of: {', '.join(DIMENSIONS)}")
    if metric_ids:
        chosen = []
        for kpi_id in metric_ids:
            if kpi_id not in catalog:
                raise UsageError(f"unknown KPI '{kpi_id}'; see chanops kpi list (ids: {', '.join(catalog)})")
            kpi = catalog[kpi_id]
            for dim in dims:
                if dim not in kpi.dimensions:
                    raise UsageError(
                        f"KPI {kpi_id} cannot be sliced by {dim}: its rows carry only "
                        f"{', '.join(kpi.dimensions) or 'month'}"
                    )
            chosen.append(kpi)
        return chosen, []
    chosen = [k for k in catalog.values() if all(d in k.dimensions for d in dims)]
    left_out = [k.id for k in catalog.values() if k not in chosen]
    notes = [f"not sliceable by {', '.join(dims)}, left out: {', '.join(left_out)}"] if left_out else []
    if not chosen:
        raise UsageError(f"no KPI can be sliced by {', '.join(dims)}")
    return chosen, notes


def _measure_sql(m: Measure) -> str:
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
        aggregates = ", ".join(f"{_measure_sql(m)} AS {alias}" for m, alias in measures.items())
        return f"SELECT {group}, {aggregates} FROM ({source_sql}) s {where} GROUP BY {group}"
    [column] = distinct_columns
    inner, outer = [], []
    for m, alias in measures.items():
        cond = m.where or "TRUE"
        if m.agg == "count_distinct":
            inner.append(f"max(CASE WHEN ({cond}) AND {column} IS NOT NULL THEN 1 ELSE 0 END) AS {alias}")
        else:
            inner.append(f"{_measure_sql(m)} AS {alias}")
        outer.append(f"sum({alias}) AS {alias}")
    return (
        f"SELECT {group}, {', '.join(outer)} FROM (SELECT {group}, {column}, {', '.join(inner)} "
        f"FROM ({source_sql}) s {where} GROUP BY {group}, {column}) u GROUP BY {group}"
    )


def _dims_match(left: str, right: str, dims: Sequence[str]) -> str:
    return " AND ".join(
        [f"{left}.month = {right}.month"] + [f"{left}.{d} IS NOT DISTINCT FROM {right}.{d}" for d in dims]
    )


def compile_sql(
    kpis: Sequence[Kpi],
    dims: Sequence[str],
    window: MonthWindow,
    channels: dict[str, Channel],
    compare_months: dict[str, str] | None = None,
) -> str:
    """The whole evaluation as one DuckDB statement (see module docstring)."""
    measures: dict[Measure, str] = {}
    for kpi in kpis:
        for m in (kpi.numerator, kpi.denominator):
            measures.setdefault(m, f"m{len(measures)}")
    by_source: dict[str, list[Measure]] = {}
    for m in measures:
        by_source.setdefault(m.source, []).append(m)

    dim_cols = "".join(f", {d}" for d in dims)
    ctes = [f"_months AS ({window.values_sql()})"]
    if by_source.keys() & CUSTOMER_SOURCES or ("region" in dims and by_source.keys() & {"usage", "complaints"}):
        ctes.append(f"_customers AS MATERIALIZED ({CUSTOMERS_CTE})")
    month_list = ", ".join(sql_str(m) for m in window.months)
    for source, source_measures in by_source.items():
        body = _aggregate_sql(
            source_sql(source, window, channels, with_region="region" in dims),
            f"month{dim_cols}",
            {m: measures[m] for m in source_measures},
            month_list,
        )
        ctes.append(f"agg_{source} AS MATERIALIZED ({body})")
    keys = " UNION ".join(f"SELECT month{dim_cols} FROM agg_{s}" for s in by_source)
    ctes.append(f"_keys AS ({keys})")

    joins = " ".join(f"LEFT JOIN agg_{s} ON {_dims_match('k', f'agg_{s}', dims)}" for s in by_source)
    columns = []
    for kpi in kpis:
        num = f"coalesce(agg_{kpi.numerator.source}.{measures[kpi.numerator]}, 0)"
        den = f"coalesce(agg_{kpi.denominator.source}.{measures[kpi.denominator]}, 0)"
        value = f"CASE WHEN {den} = 0 THEN NULL ELSE {kpi.scale!r} * CAST({num} AS DOUBLE) / {den} END"
        columns += [f"{value} AS {kpi.id}", f"{num} AS {kpi.id}_num", f"{den} AS {kpi.id}_den"]
    order = ", ".join(["month"] + [f"{d} NULLS LAST" for d in dims])
    result = f"SELECT k.month{''.join(f', k.{d}' for d in dims)}, {', '.join(columns)} FROM _keys k {joins}"
    if not compare_months:
        return f"WITH {', '.join(ctes)} {result} ORDER BY {order}"

    ctes.append(f"_res AS MATERIALIZED ({result})")
    pairs = ", ".join(f"({sql_str(m)}, {sql_str(c)})" for m, c in compare_months.items())
    ctes.append(f"_cmp AS (SELECT * FROM (VALUES {pairs}) AS t(month, compare_month))")
    cmp_columns = []
    for kpi in kpis:
        cmp_columns += [f"p.{kpi.id} AS {kpi.id}_prev", f"r.{kpi.id} - p.{kpi.id} AS {kpi.id}_change"]
    match = " AND ".join(["p.month = c.compare_month"] + [f"p.{d} IS NOT DISTINCT FROM r.{d}" for d in dims])
    return (
        f"WITH {', '.join(ctes)} SELECT r.*, c.compare_month, {', '.join(cmp_columns)} "
        f"FROM _res r JOIN _cmp c ON c.month = r.month LEFT JOIN _res p ON {match} ORDER BY {order}"
    )


def months_with_data(con, months: Sequence[str]) -> set[str]:
    """Which of `months` have any event rows (orders, contacts, usage, complaints) or billing.

    One probe per table and month that stops at the first row (LIMIT 1): milliseconds
    where a scan of the month would take a tenth of a second. Plain SQL, so Spark runs it too."""
    engine = as_engine(con)
    probes = []
    for month in months:
        start, end = month_start_sql(month), month_start_sql(add_months(month, 1))
        tables = [f"SELECT 1 AS hit FROM {t} WHERE {c} >= {start} AND {c} < {end}" for t, c in EVENT_TABLES.items()]
        tables.append(f"SELECT 1 AS hit FROM billing WHERE month = {sql_str(month)}")
        hits = " + ".join(f"(SELECT count(*) FROM ({t} LIMIT 1) p)" for t in tables)
        probes.append(f"{hits} AS {_month_alias(month)}")
    row = first_row(engine, f"SELECT {', '.join(probes)}")
    return {month for month, present in zip(months, row, strict=True) if present}


def _month_alias(month: str) -> str:
    return "m_" + month.replace("-", "_")


def latest_month(con) -> str:
    """The latest month with orders, contacts, usage or complaints, for a default --month."""
    parts = [f"SELECT strftime(max({col}), '%Y-%m') AS month FROM {table}" for table, col in EVENT_TABLES.items()]
    row = first_row(as_engine(con), f"SELECT max(month) AS month FROM ({' UNION ALL '.join(parts)}) t")
    if not row or row[0] is None:
        raise NoData("the warehouse has no orders, contacts, usage or complaints yet; load some first")
    return row[0]


def breaches(result_frame: pa.Table, kpis: Sequence[Kpi], dims: Sequence[str]) -> list[str]:
    """One line per (row, KPI) whose value is outside its declared min/max."""
    lines = []
    for kpi in kpis:
        if kpi.min is None and kpi.max is None:
            continue
        for row in result_frame.to_pylist():  # the result: months × slices, not data rows
            value = row[kpi.id]
            if value is None:
                continue
            where = " ".join([row["month"]] + [f"{d}={row[d]}" for d in dims])
            shown = (lambda v: f"{v:.2%}") if kpi.format == "pct" else (lambda v: f"{v:,.2f}")
            if kpi.min is not None and value < kpi.min:
                lines.append(f"{kpi.id} {where}: {shown(value)} below min {shown(kpi.min)}")
            if kpi.max is not None and value > kpi.max:
                lines.append(f"{kpi.id} {where}: {shown(value)} above max {shown(kpi.max)}")
    return lines


def evaluate(
    con,
    catalog: dict[str, Kpi],
    channels: dict[str, Channel],
    months: Sequence[str],
    dims: Sequence[str] = (),
    metric_ids: Sequence[str] | None = None,
    base: str | None = None,
    compare: str | None = None,
) -> KpiResult:
    """KPIs per (month, slice) with numerators and denominators (SPEC §4), on a DuckDB
    connection or any Engine (Spark runs the same SQL, transpiled)."""
    engine = as_engine(con)
    dims = list(dict.fromkeys(dims))
    kpis, notes = select_kpis(catalog, metric_ids, dims)
    if compare is not None and compare not in COMPARE_SHIFT:
        raise UsageError(f"--compare must be prev or yoy, got '{compare}'")
    if base is not None and any(base >= m for m in months):
        raise UsageError(f"--base {base} must be before the month(s) measured")

    present = months_with_data(engine, months)
    empty = [m for m in months if m not in present]
    if len(empty) == len(months):
        raise NoData(
            f"no data for {', '.join(empty)} (no orders, contacts, usage, complaints or billing); "
            f"latest month with data: {_latest_or_none(engine)}"
        )
    if empty:
        notes.append(f"no data for {', '.join(empty)}")
    measured = [m for m in months if m in present]
    compare_months = {m: add_months(m, COMPARE_SHIFT[compare]) for m in measured} if compare else None
    all_months = tuple(sorted(set(measured) | set((compare_months or {}).values())))
    window = MonthWindow(all_months, {m: base or add_months(m, -1) for m in all_months})
    sql = compile_sql(kpis, dims, window, channels, compare_months)
    try:
        # Arrow, not Polars: a pipeline asking for csv then never pays Polars' import.
        frame = engine.table(sql)
    except (duckdb.Error, EngineError) as exc:
        custom = [k.id for k in kpis if not k.builtin]
        if custom:
            raise ConfigError(
                f"a KPI from config ({', '.join(custom)}) does not compile: {str(exc).splitlines()[0]}"
            ) from None
        raise
    return KpiResult(frame, kpis, dims, compare, notes, breaches(frame, kpis, dims))


def _latest_or_none(con) -> str:
    try:
        return latest_month(con)
    except NoData:
        return "none"
