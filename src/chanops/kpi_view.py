"""How KPI results read for people: a long layout (one row per month, slice and KPI) with
values as percentages or numbers and changes in percentage points."""

from __future__ import annotations

import polars as pl

from .kpi_catalog import Kpi
from .kpi_engine import KpiResult


def shown(kpi: Kpi, value: float | None, change: bool = False) -> str:
    """44.94% for a rate (+1.23pp for its change); 1,234.50 for a number."""
    if value is None:
        return ""
    if kpi.format == "pct":
        return f"{value * 100:+.2f}pp" if change else f"{value:.2%}"
    return f"{value:+,.2f}" if change else f"{value:,.2f}"


def amount(value) -> str:
    if value is None:
        return ""
    return f"{int(value):,}" if float(value).is_integer() else f"{float(value):,.2f}"


def long_view(result: KpiResult, lang: str) -> pl.DataFrame:
    """Long layout for people: one row per (month, slice, KPI) with value, numerator, denominator."""

    keys = ["month", *result.dims]
    rows = []
    for record in result.frame.to_pylist():  # a result table: months × slices, not data rows
        for kpi in result.kpis:
            row = {k: record[k] for k in keys}
            row["kpi"] = kpi.zh if lang == "zh" else kpi.en
            row["value"] = shown(kpi, record[kpi.id])
            row["numerator"] = amount(record[f"{kpi.id}_num"])
            row["denominator"] = amount(record[f"{kpi.id}_den"])
            if result.compare:
                row["compare_month"] = record["compare_month"]
                row["previous"] = shown(kpi, record[f"{kpi.id}_prev"])
                row["change"] = shown(kpi, record[f"{kpi.id}_change"], change=True)
            rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)
