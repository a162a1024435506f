"""How KPI results read for people: a long layout (one row per month, slice and KPI) with
values as percentages or numbers and changes in percentage points."""

from __future__ import annotations

import polars as pl

from chanops.kpi.evaluate import KpiResult
from chanops.present.numbers import amount_text, kpi_text


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
