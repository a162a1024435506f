"""How KPI results read for people: a long layout (one row per month, slice and KPI) with
each value in its KPI's unit (a share as a percentage, its change in percentage points; a
rate per million and its change in its own unit), and the unit of every column of the wide
frame for the workbook.

`long_section` is the long layout as numbers (ids and fractions for programs, formatted per
row by the writers for people); `long_view` is the same as text, for the report's headline."""

from __future__ import annotations

import polars as pl

from chanops.kpi.catalog import Kpi
from chanops.kpi.evaluate import KpiResult
from chanops.present.numbers import amount_text, cell_unit, kpi_text
from chanops.present.section import Section

# The long layout's figures: `value` and `previous` are in the row's KPI unit, `change` in its
# change unit, numerator and denominator are counts or yuan (shown whole or with cents).
LONG_UNITS = {"numerator": "quantity", "denominator": "quantity"}


def kpi_units(kpis: list[Kpi]) -> dict[str, str]:
    """The cell unit of each KPI column of a result frame: value and previous value in the
    KPI's unit, the change in its change unit (pp for a share)."""
    units = {}
    for kpi in kpis:
        units[kpi.id] = units[f"{kpi.id}_prev"] = cell_unit(kpi.unit)
        units[f"{kpi.id}_change"] = cell_unit(kpi.unit, change=True)
    return units


def kpi_names(kpis: list[Kpi]) -> dict[str, tuple[str, str]]:
    """Each KPI's id → (zh, en), for headers and cells naming the KPI (user KPIs included)."""
    return {kpi.id: (kpi.zh, kpi.en) for kpi in kpis}


def long_section(result: KpiResult) -> Section:
    """One row per (month, slice, KPI), in the result's order: the KPI's id and unit, value,
    numerator, denominator (and the compared month, value and change). Built by the engine:
    one select per KPI, stacked."""
    from chanops.engines import polars_frame

    frame = polars_frame(result.frame).with_row_index("_row")
    keys = ["month", *result.dims]
    parts = []
    for position, kpi in enumerate(result.kpis):
        columns = [
            *keys,
            pl.lit(kpi.id).alias("kpi"),
            pl.lit(kpi.unit).alias("unit"),
            pl.col(kpi.id).cast(pl.Float64).alias("value"),
            pl.col(f"{kpi.id}_num").cast(pl.Float64).alias("numerator"),
            pl.col(f"{kpi.id}_den").cast(pl.Float64).alias("denominator"),
        ]
        if result.compare:
            columns += [
                "compare_month",
                pl.col(f"{kpi.id}_prev").cast(pl.Float64).alias("previous"),
                pl.col(f"{kpi.id}_change").cast(pl.Float64).alias("change"),
            ]
        parts.append(frame.select("_row", pl.lit(position).alias("_kpi"), *columns))
    long = pl.concat(parts).sort("_row", "_kpi").drop("_row", "_kpi") if parts else pl.DataFrame()
    names = kpi_names(result.kpis)
    return Section(
        long,
        percent=("value", "previous"),
        points=("change",),
        row_kinds="unit",
        units=LONG_UNITS,
        keys=(*keys, "kpi", "unit"),
        spread=("value",),
        value_names={"kpi": names},
    )


def long_view(result: KpiResult, lang: str) -> pl.DataFrame:
    """Long layout for people: one row per (month, slice, KPI) with value, numerator, denominator."""

    keys = ["month", *result.dims]
    rows = []
    for record in result.frame.to_pylist():  # a result table: months × slices, not data rows
        for kpi in result.kpis:
            row = {k: record[k] for k in keys}
            row["kpi"] = kpi.zh if lang == "zh" else kpi.en
            row["value"] = kpi_text(kpi, record[kpi.id])
            row["numerator"] = amount_text(record[f"{kpi.id}_num"])
            row["denominator"] = amount_text(record[f"{kpi.id}_den"])
            if result.compare:
                row["compare_month"] = record["compare_month"]
                row["previous"] = kpi_text(kpi, record[f"{kpi.id}_prev"])
                row["change"] = kpi_text(kpi, record[f"{kpi.id}_change"], change=True)
            rows.append(row)
    return pl.DataFrame(rows, infer_schema_length=None)
