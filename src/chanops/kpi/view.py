"""How KPI results read for people: a long layout (one row per month, slice and KPI) with
each value in its KPI's unit (a share as a percentage, its change in percentage points; a
rate per million and its change in its own unit), and the unit of every column of the wide
frame for the workbook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chanops.present.numbers import amount_text, cell_unit, kpi_text

if TYPE_CHECKING:
    import polars as pl

    from chanops.kpi.catalog import Kpi
    from chanops.kpi.evaluate import KpiResult


def kpi_units(kpis: list[Kpi]) -> dict[str, str]:
    """The cell unit of each KPI column of a result frame: value and previous value in the
    KPI's unit, the change in its change unit (pp for a share)."""
    units = {}
    for kpi in kpis:
        units[kpi.id] = units[f"{kpi.id}_prev"] = cell_unit(kpi.unit)
        units[f"{kpi.id}_change"] = cell_unit(kpi.unit, change=True)
    return units


def long_view(result: KpiResult, lang: str) -> pl.DataFrame:
    """Long layout for people: one row per (month, slice, KPI) with value, numerator, denominator."""
    import polars as pl  # only people's formats need it: a pipeline's csv is written from Arrow

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
