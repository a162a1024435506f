"""Exact monthly KPI pre-aggregates: what `kpi`, `explain` and the report read instead of the raw
rows when they can (Cube's pre-aggregations, Druid's rollups — but never stale).

What is stored is what the KPI compiler aggregates (kpi/compile.py): per month, standard slice
and source, the GROUP BY (month, dims) of each measure over the source's fact view, computed by
the same `source_aggregate_sql` the raw query runs. Distinct users are counted at each slice's
own grain — a slice is never summed from a finer one (distinct counts do not roll up). Serving
compiles the request exactly as the raw path does, with each source's aggregate read back from
the table instead of recomputed; presence, coverage, ratios, comparisons and order are the same
SQL. So a served result equals the raw one by construction, to the byte.

Never stale: each measure is stored under a fingerprint of its compiled SQL (its aggregate,
condition and source view, and so the channel catalog's flags), and `_preagg_current` says which
(month, slice, source, measure) are current. A load deletes those it changes in its own
transaction (store/preagg_state.py) and `refresh` fills them after it commits; a request is
served only when every month, source and measure it needs is current — otherwise the raw query
runs. `--base` (another base month for retention) and sessions narrowed to a slice read raw rows.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from chanops.analysis import funnel_store
from chanops.channels import Channel
from chanops.engines import DuckDBEngine, only_row
from chanops.kpi.catalog import DIMENSIONS, Kpi, Measure
from chanops.kpi.compile import (
    by_source,
    compile_sql,
    context_ctes,
    measure_aliases,
    measure_sql,
    reads_customers,
    source_aggregate_sql,
    usage_reads_active,
)
from chanops.kpi.facts import MonthWindow, source_sql
from chanops.months import add_months
from chanops.regions import OFFICIAL_ORDER
from chanops.schema import KINDS
from chanops.sql import lit, lit_list

# The slices kept: the province, each dimension alone, region × channel and region × product.
STANDARD_SLICES: tuple[tuple[str, ...], ...] = (
    (),
    ("region",),
    ("channel",),
    ("product",),
    ("campaign_id",),
    ("wave",),
    ("region", "channel"),
    ("region", "product"),
)
# Bumped when what is stored changes meaning without the compiled SQL changing.
FORMAT_VERSION = "1"
_FINGERPRINT_WINDOW = MonthWindow(("2000-02",), {"2000-02": "2000-01"})


def slice_name(dims: Sequence[str]) -> str:
    """The stored name of a slice: its dimensions in catalog order ('' for the province)."""
    return ",".join(d for d in DIMENSIONS if d in dims)


STANDARD_NAMES = frozenset(slice_name(s) for s in STANDARD_SLICES)


def fingerprint(m: Measure, channels: dict[str, Channel]) -> str:
    """The measure as compiled: its aggregate and condition over its source's fact view (which
    holds the channel catalog's online/electronic flags). Any change makes another fingerprint."""
    view = source_sql(m.source, _FINGERPRINT_WINDOW, channels, with_region=True, with_active=True)
    text = "\x1f".join((FORMAT_VERSION, m.source, measure_sql(m), view))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@dataclass(frozen=True)
class Refreshed:
    """What a refresh did: the months it (re)computed something in, the aggregates written."""

    months: tuple[str, ...]
    aggregates: int
    seconds: float
    refresh_id: int | None


def refresh(
    con: duckdb.DuckDBPyConnection,
    catalog: dict[str, Kpi],
    channels: dict[str, Channel],
    months: Sequence[str] | None = None,
) -> Refreshed:
    """Compute every missing pre-aggregate of the kept months (`_preagg_months`; or only of
    `months`) for the KPIs of `catalog`, in one transaction. Current ones are left alone, so after
    a load only what it made stale is computed."""
    started = time.perf_counter()
    kept = [m for (m,) in con.execute("SELECT month FROM _preagg_months ORDER BY month").fetchall()]
    if months is not None:
        kept = [m for m in kept if m in set(months)]
    if not kept:
        return Refreshed((), 0, time.perf_counter() - started, None)
    load_id = only_row(con, "SELECT max(load_id) FROM _loads")[0]
    touched: set[str] = set()
    written = 0
    # the inserts need no order (the table is read by key): without it DuckDB's aggregates
    # and inserts skip keeping each thread's chunks in sequence (measured ~10% faster)
    preserved = only_row(con, "SELECT current_setting('preserve_insertion_order')")[0]
    con.execute("SET preserve_insertion_order = false")
    con.execute("BEGIN TRANSACTION")
    try:
        refresh_id = _next_refresh_id(con)
        for dims in STANDARD_SLICES:
            kpis = [k for k in catalog.values() if all(d in k.dimensions for d in dims)]
            for source, measures in by_source(measure_aliases(kpis)).items():
                # a month at a time: a window of six months makes a hash table of six months'
                # users, which spills where one month's fits (measured 1.2-1.5x faster)
                for month in _stale_months(con, kept, dims, source, measures, channels):
                    written += _compute(con, [month], dims, source, measures, channels, refresh_id, load_id)
                    touched.add(month)
        # the funnel's users per campaign and wave, kept the same way (analysis/funnel_store.py)
        waves, waves_written = funnel_store.refresh(con, kept, refresh_id, load_id)
        touched.update(waves)
        written += waves_written
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if preserved else 'false'}")
    return Refreshed(tuple(sorted(touched)), written, time.perf_counter() - started, refresh_id)


def _next_refresh_id(con) -> int:
    """A number per refresh run, never reused (kept in _meta): which run computed an aggregate."""
    row = con.execute("SELECT value FROM _meta WHERE key = 'preagg_refresh_id'").fetchall()
    refresh_id = int(row[0][0]) + 1 if row else 1
    con.execute(
        "INSERT INTO _meta VALUES ('preagg_refresh_id', ?) ON CONFLICT DO UPDATE SET value = excluded.value",
        [str(refresh_id)],
    )
    return refresh_id


def keep_months_with_data(con: duckdb.DuckDBPyConnection) -> list[str]:
    """`db refresh`: keep every month with event rows or billing (and its comparison months)."""
    from chanops.store.coverage import EVENT_TABLES, months_with_data
    from chanops.store.preagg_state import COMPARE_SHIFTS

    bounds = [f"SELECT min({c}) AS lo, max({c}) AS hi FROM {t}" for t, c in EVENT_TABLES.items()]
    row = only_row(
        con,
        f"SELECT strftime(min(lo), '%Y-%m'), strftime(max(hi), '%Y-%m') FROM ({' UNION ALL '.join(bounds)}) b",
    )
    billing = only_row(con, "SELECT min(month), max(month) FROM billing")
    firsts = [m for m in (row[0], billing[0]) if m]
    lasts = [m for m in (row[1], billing[1]) if m]
    if not firsts:
        return []
    candidates, month = [], min(firsts)
    while month <= max(lasts):
        candidates.append(month)
        month = add_months(month, 1)
    present = sorted(months_with_data(con, candidates))
    keep = sorted(set(present) | {add_months(m, s) for m in present for s in COMPARE_SHIFTS})
    con.execute(
        f"INSERT INTO _preagg_months SELECT m FROM (SELECT unnest([{lit_list(keep)}]) AS m) t "
        "WHERE m NOT IN (SELECT month FROM _preagg_months)"
    )
    return present


def forget_other_catalogs(con: duckdb.DuckDBPyConnection, catalog: dict[str, Kpi], channels) -> None:
    """Drop the pre-aggregates of measures this catalog does not have (an older definition); the
    funnel's are kept (their SQL is their fingerprint)."""
    kpis = list(catalog.values())
    fps = sorted({fingerprint(m, channels) for m in measure_aliases(kpis)} | set(funnel_store.fingerprints().values()))
    con.execute("BEGIN TRANSACTION")
    try:
        for table in ("_preagg_current", "_preagg"):
            con.execute(f"DELETE FROM {table} WHERE measure NOT IN ({lit_list(fps)})")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _stale_months(
    con, kept: Sequence[str], dims: Sequence[str], source: str, measures: dict[Measure, str], channels
) -> list[str]:
    fps = [fingerprint(m, channels) for m in measures]
    current = con.execute(
        f"""SELECT month FROM _preagg_current
            WHERE slice = ? AND source = ? AND measure IN ({lit_list(fps)}) AND month IN ({lit_list(kept)})
            GROUP BY month HAVING count(DISTINCT measure) = {len(set(fps))}""",
        [slice_name(dims), source],
    ).fetchall()
    done = {m for (m,) in current}
    return [m for m in kept if m not in done]


def _window(months: Sequence[str]) -> MonthWindow:
    """The default window: each month's base month is the one before (retention)."""
    return MonthWindow(tuple(months), {m: add_months(m, -1) for m in months})


def _compute(
    con,
    months: list[str],
    dims: Sequence[str],
    source: str,
    measures: dict[Measure, str],
    channels,
    refresh_id,
    load_id,
) -> int:
    """(Re)compute one source's measures at one slice for `months`, with the raw query's own SQL."""
    window = _window(months)
    with_active = usage_reads_active(measures)
    body = source_aggregate_sql(source, measures, dims, window, channels, with_active)
    ctes = [*context_ctes(window, reads_customers([source], dims, with_active)), f"_agg AS MATERIALIZED ({body})"]
    name = slice_name(dims)
    dim_values = ", ".join(f"CAST({d} AS VARCHAR)" if d in dims else "CAST(NULL AS VARCHAR)" for d in DIMENSIONS)
    rows = " UNION ALL ".join(
        f"SELECT month, {lit(name)}, {lit(source)}, {dim_values}, {lit(fingerprint(m, channels))}, "
        f"CAST({alias} AS VARCHAR) FROM _agg"
        for m, alias in measures.items()
    )
    stale = f"slice = {lit(name)} AND source = {lit(source)} AND month IN ({lit_list(months)})"
    con.execute(f"DELETE FROM _preagg_current WHERE {stale}")
    con.execute(f"DELETE FROM _preagg WHERE {stale}")
    count = only_row(con, f"INSERT INTO _preagg WITH {', '.join(ctes)} {rows}")
    fps = sorted({fingerprint(m, channels) for m in measures})
    con.execute(
        f"""INSERT INTO _preagg_current
            SELECT m, {lit(name)}, {lit(source)}, f, ?, ?, now()::TIMESTAMP
            FROM (SELECT unnest([{lit_list(months)}]) AS m) ms, (SELECT unnest([{lit_list(fps)}]) AS f) fs""",
        [refresh_id, load_id],
    )
    return int(count[0])


def served(
    engine,
    kpis: Sequence[Kpi],
    dims: Sequence[str],
    window: MonthWindow,
    channels: dict[str, Channel],
    compare_months: dict[str, str] | None,
    regions: Sequence[str] = OFFICIAL_ORDER,
) -> pa.Table | None:
    """The request's result read from the pre-aggregates, or None when they do not cover it (a
    slice not kept, a month or measure not current, another base month, a narrowed session)."""
    if not isinstance(engine, DuckDBEngine) or len(set(dims)) != len(dims) or slice_name(dims) not in STANDARD_NAMES:
        return None
    if any(window.base[m] != add_months(m, -1) for m in window.months):
        return None
    con = engine.con
    measures = measure_aliases(kpis)
    try:
        if is_narrowed(con) or not _all_current(con, window.months, dims, measures, channels):
            return None
    except duckdb.CatalogException:  # a warehouse without the tables: nothing kept
        return None
    with_active = usage_reads_active(measures)

    def stored(source: str, source_measures: dict[Measure, str]) -> str:
        return _stored_aggregate(con, source, source_measures, dims, window, channels, with_active)

    return engine.table(compile_sql(kpis, dims, window, channels, compare_months, regions, aggregates=stored))


def is_narrowed(con) -> bool:
    """A temporary view shadows a kind's table (a session narrowed to --region/--product)."""
    views = only_row(
        con, f"SELECT count(*) FROM duckdb_views() WHERE temporary AND view_name IN ({lit_list(list(KINDS))})"
    )
    return bool(views[0])


def _all_current(con, months: Sequence[str], dims: Sequence[str], measures: dict[Measure, str], channels) -> bool:
    wanted = {(m.source, fingerprint(m, channels)) for m in measures}
    pairs = ", ".join(f"({lit(s)}, {lit(f)})" for s, f in sorted(wanted))
    found = only_row(
        con,
        f"""SELECT count(*) FROM (SELECT DISTINCT month, source, measure FROM _preagg_current
            WHERE slice = ? AND month IN ({lit_list(months)}) AND (source, measure) IN ({pairs}))""",
        [slice_name(dims)],
    )
    return int(found[0]) == len(months) * len(wanted)


def _stored_aggregate(
    con, source: str, measures: dict[Measure, str], dims: Sequence[str], window: MonthWindow, channels, with_active
) -> str:
    """One source's aggregate read back, each column cast to the type the raw aggregate has."""
    raw = source_aggregate_sql(source, measures, dims, window, channels, with_active)
    ctes = context_ctes(window, reads_customers([source], dims, with_active))
    bound = con.sql(f"WITH {', '.join(ctes)} {raw}")  # bound, not run: only its column types
    types = dict(zip(bound.columns, (str(t) for t in bound.types), strict=True))
    keys = ["month", *dims]
    columns = [f"CAST({k} AS {types[k]}) AS {k}" for k in keys]
    columns += [
        f"CAST(max(value) FILTER (WHERE measure = {lit(fingerprint(m, channels))}) AS {types[alias]}) AS {alias}"
        for m, alias in measures.items()
    ]
    fps = lit_list(sorted({fingerprint(m, channels) for m in measures}))
    return (
        f"SELECT {', '.join(columns)} FROM _preagg "
        f"WHERE slice = {lit(slice_name(dims))} AND source = {lit(source)} "
        f"AND month IN ({lit_list(window.months)}) AND measure IN ({fps}) GROUP BY {', '.join(keys)}"
    )
