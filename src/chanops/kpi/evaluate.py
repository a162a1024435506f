"""Evaluate catalog KPIs for months and slices (SPEC §4), on the warehouse or any Engine.

`run_kpis(con, config, KpiRequest(...))` is what `chanops kpi` calls: it settles the
months, compiles every asked KPI into one statement (kpi/compile.py), runs it, and
returns a KpiResult — the wide frame pipelines get, the KPIs it holds, notes for
stderr and the thresholds crossed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from chanops.channels import Channel
from chanops.engines import EngineError, as_engine
from chanops.errors import ConfigError, NoData, UsageError
from chanops.kpi.catalog import DIMENSIONS, Kpi
from chanops.kpi.compile import compile_sql, on_customer_base
from chanops.kpi.facts import MonthWindow
from chanops.kpi.preagg import served
from chanops.months import add_months, parse_month
from chanops.present.numbers import kpi_text
from chanops.regions import OFFICIAL_ORDER
from chanops.slices import Slices, keep_sliced, with_slice_dims
from chanops.store.coverage import (
    PRESENCE_KINDS,
    customers_as_of,
    has_rows,
    latest_or_none,
    months_with_data,
    resolve_months,
    uncovered_months,
)

if TYPE_CHECKING:
    from chanops.config import Config

COMPARE_SHIFT = {"prev": -1, "yoy": -12}


@dataclass(frozen=True)
class KpiRequest:
    """What `chanops kpi` asks: a month (default: the latest with data) or a range, slices,
    KPI ids (default: all the slices allow), a base month for retention, a comparison."""

    month: str | None = None
    first: str | None = None
    last: str | None = None
    dims: tuple[str, ...] = ()
    metrics: tuple[str, ...] | None = None
    base: str | None = None
    compare: str | None = None
    slices: Slices = Slices()


@dataclass
class KpiResult:
    frame: pa.Table  # month, dims..., then per KPI: id, id_num, id_den (and id_prev, id_change)
    kpis: list[Kpi]
    dims: list[str]
    compare: str | None = None
    notes: list[str] = field(default_factory=list)  # for stderr: KPIs left out, empty months
    breached: list[Breach] = field(default_factory=list)  # thresholds crossed (for --check and reports)
    # where the numbers came from: "preagg" (kpi/preagg.py, the same figures) or "raw" rows
    served_from: str = "raw"

    @property
    def breaches(self) -> list[str]:
        return [b.line() for b in self.breached]


@dataclass(frozen=True)
class Breach:
    """A KPI value outside its declared min or max, in one month and slice."""

    kpi: Kpi
    month: str
    where: tuple[tuple[str, str], ...]  # (dimension, value) of the slice; () for the province
    value: float
    bound: str  # "min" or "max"
    limit: float

    def line(self) -> str:
        """For stderr and logs: ids, stable for grep."""
        where = " ".join([self.month] + [f"{d}={v}" for d, v in self.where])
        side = "below min" if self.bound == "min" else "above max"
        return f"{self.kpi.id} {where}: {kpi_text(self.kpi, self.value)} {side} {kpi_text(self.kpi, self.limit)}"

    def words(self, lang: str) -> str:
        """For people: 线上产能占比 兴安盟 26.75%，低于下限 45.00%."""
        name = self.kpi.zh if lang == "zh" else self.kpi.en
        place = "".join(f" {v}" for _d, v in self.where)
        value, limit = kpi_text(self.kpi, self.value), kpi_text(self.kpi, self.limit)
        if lang == "zh":
            side = "低于下限" if self.bound == "min" else "高于上限"
            return f"{name}{place} {value}，{side} {limit}"
        side = "below the minimum of" if self.bound == "min" else "above the maximum of"
        return f"{name}{place}: {value}, {side} {limit}"


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


def breaches(result_frame: pa.Table, kpis: Sequence[Kpi], dims: Sequence[str]) -> list[Breach]:
    """Every (row, KPI) whose value is outside its declared min/max."""
    found = []
    for kpi in kpis:
        if kpi.min is None and kpi.max is None:
            continue
        for row in result_frame.to_pylist():  # the result: months × slices, not data rows
            value = row[kpi.id]
            if value is None:
                continue
            where = tuple((d, str(row[d])) for d in dims)
            if kpi.min is not None and value < kpi.min:
                found.append(Breach(kpi, row["month"], where, value, "min", kpi.min))
            if kpi.max is not None and value > kpi.max:
                found.append(Breach(kpi, row["month"], where, value, "max", kpi.max))
    return found


def evaluate(
    con,
    catalog: dict[str, Kpi],
    channels: dict[str, Channel],
    months: Sequence[str],
    dims: Sequence[str] = (),
    metric_ids: Sequence[str] | None = None,
    base: str | None = None,
    compare: str | None = None,
    regions: Sequence[str] = OFFICIAL_ORDER,
) -> KpiResult:
    """KPIs per (month, slice) with numerators and denominators (SPEC §4), on a DuckDB
    connection or any Engine (Spark runs the same SQL, transpiled); 盟市 in `regions` order."""
    engine = as_engine(con)
    dims = list(dict.fromkeys(dims))
    kpis, notes = select_kpis(catalog, metric_ids, dims)
    kpis, never = _loaded_only(engine, kpis)
    notes += never
    if compare is not None and compare not in COMPARE_SHIFT:
        raise UsageError(f"--compare must be prev or yoy, got '{compare}'")
    if base is not None and any(base >= m for m in months):
        raise UsageError(f"--base {base} must be before the month(s) measured")

    present = months_with_data(engine, months)
    empty = [m for m in months if m not in present]
    if len(empty) == len(months):
        raise NoData(
            f"no data for {', '.join(empty)} (no orders, contacts, usage, complaints or billing); "
            f"latest month with data: {latest_or_none(engine)}"
        )
    if empty:
        notes.append(f"no data for {', '.join(empty)}")
    measured = [m for m in months if m in present]
    compare_months = {m: add_months(m, COMPARE_SHIFT[compare]) for m in measured} if compare else None
    all_months = tuple(sorted(set(measured) | set((compare_months or {}).values())))
    uncovered, note = _uncovered(engine, kpis, all_months)
    notes += note
    bases = {m: base or add_months(m, -1) for m in all_months}
    asked = sorted(
        {(kind, m) for m in all_months for kind in PRESENCE_KINDS} | {("billing", b) for b in bases.values()}
    )
    sources = frozenset(pair for pair, hit in zip(asked, has_rows(engine, asked), strict=True) if hit)
    window = MonthWindow(all_months, bases, frozenset(uncovered), sources)
    frame = served(engine, kpis, dims, window, channels, compare_months, regions)
    if frame is not None:
        return KpiResult(frame, kpis, dims, compare, notes, breaches(frame, kpis, dims), served_from="preagg")
    sql = compile_sql(kpis, dims, window, channels, compare_months, regions)
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


def run_kpis(con, config: Config, request: KpiRequest) -> KpiResult:
    """`chanops kpi` as one call: the request's months settled, its KPIs evaluated."""
    months = resolve_months(con, request.month, request.first, request.last)
    base = parse_month(request.base, "--base") if request.base else None
    dims = with_slice_dims(request.dims, request.slices)
    result = evaluate(
        con,
        config.kpis,
        config.channels,
        months,
        dims,
        request.metrics,
        base=base,
        compare=request.compare,
        regions=config.regions,
    )
    if request.slices:
        result.frame = keep_sliced(result.frame, request.slices)
        result.breached = breaches(result.frame, result.kpis, result.dims)
    return result


def _uncovered(engine, kpis: list[Kpi], months: Sequence[str]) -> tuple[list[str], list[str]]:
    """Months whose customer-based KPIs are blank — no customers snapshot covers them — and the
    note naming the snapshot's as-of (SPEC §4: never carried forward into 100% or a change)."""
    if not any(on_customer_base(m) for kpi in kpis for m in (kpi.numerator, kpi.denominator)):
        return [], []
    as_of = customers_as_of(engine)
    uncovered = uncovered_months(months, as_of)
    if not uncovered or as_of is None:  # no as-of on record: coverage unknown, nothing blanked
        return [], []
    return uncovered, [
        f"customer KPIs blank for {', '.join(uncovered)}: the latest customers snapshot is as of {as_of.isoformat()}"
    ]


# The tables each KPI source reads: a KPI whose table holds no row at all is left out.
SOURCE_KINDS = {
    "orders": ("orders",),
    "contacts": ("contacts",),
    "usage": ("usage", "customers"),
    "complaints": ("complaints", "customers"),
    "customers": ("customers",),
    "retention": ("customers", "billing"),
}


def _loaded_only(engine, kpis: list[Kpi]) -> tuple[list[Kpi], list[str]]:
    """The KPIs whose source kinds were ever loaded, and a note for the rest — a KPI over a
    kind never loaded would show 0, which reads like a fact (a warehouse without usage has
    no e-channel penetration of 0%)."""
    kinds = sorted({k for kpi in kpis for m in (kpi.numerator, kpi.denominator) for k in SOURCE_KINDS[m.source]})
    hits = has_rows(engine, [(k, None) for k in kinds])
    missing = {k for k, present in zip(kinds, hits, strict=True) if not present}
    if not missing:
        return kpis, []
    kept, notes = [], []
    for kpi in kpis:
        lacking = sorted({k for m in (kpi.numerator, kpi.denominator) for k in SOURCE_KINDS[m.source]} & missing)
        if lacking:
            notes.append(f"{kpi.id} left out: no {', '.join(lacking)} loaded")
        else:
            kept.append(kpi)
    if not kept:
        raise NoData(f"no KPI can be computed: {', '.join(sorted(missing))} never loaded")
    return kept, notes
