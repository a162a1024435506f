"""Retention (SPEC §4 用户保有率 / 收入保有率) as a table of its own: the two catalog KPIs,
evaluated by the KPI engine, with their numerators and denominators named for people."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from chanops.channels import Channel
from chanops.kpi.catalog import Kpi
from chanops.kpi.evaluate import evaluate
from chanops.months import add_months, parse_month
from chanops.regions import OFFICIAL_ORDER
from chanops.store.coverage import resolve_months

if TYPE_CHECKING:
    from chanops.config import Config

COLUMNS = {  # engine column -> retention table column
    "month": "month",
    "region": "region",
    "user_retention_den": "base_customers",
    "user_retention_num": "retained",
    "user_retention": "user_retention",
    "revenue_retention_den": "base_revenue",
    "revenue_retention_num": "revenue",
    "revenue_retention": "revenue_retention",
}


def retention_table(
    con: duckdb.DuckDBPyConnection,
    catalog: dict[str, Kpi],
    channels: dict[str, Channel],
    month: str,
    base: str | None = None,
    dims: list[str] | None = None,
) -> pa.Table:
    """base_month, base_customers, retained, user_retention, base_revenue, revenue, revenue_retention."""
    return retention_result(con, catalog, channels, month, base, dims)[0]


def retention_result(
    con,
    catalog: dict[str, Kpi],
    channels: dict[str, Channel],
    month: str,
    base: str | None = None,
    dims: list[str] | None = None,
    regions: Sequence[str] = OFFICIAL_ORDER,
) -> tuple[pa.Table, list[str]]:
    """The retention table and the KPI result's notes (a month no snapshot covers is blank, and
    the note says why)."""
    result = evaluate(
        con, catalog, channels, [month], dims or [], ["user_retention", "revenue_retention"], base=base, regions=regions
    )
    return retention_view(result.frame, base or add_months(month, -1)), list(result.notes)


def retention_view(frame: pa.Table, base_month: str) -> pa.Table:
    """The retention columns of a KPI result, named for people, with the base month."""
    kept = [c for c in COLUMNS if c in frame.column_names]
    table = frame.select(kept).rename_columns([COLUMNS[c] for c in kept])
    return table.add_column(1, "base_month", pa.array([base_month] * table.num_rows, pa.string()))


def run_retention(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    month: str | None = None,
    base: str | None = None,
    dims: list[str] | None = None,
) -> tuple[str, pa.Table]:
    """`chanops retention`: the month settled (default: the latest with data) and its table."""
    the_month, table, _notes = retention_with_notes(con, config, month, base, dims)
    return the_month, table


def retention_with_notes(
    con, config: Config, month: str | None = None, base: str | None = None, dims: list[str] | None = None
) -> tuple[str, pa.Table, list[str]]:
    """`chanops retention`: the month settled, its table, and the notes to print with it."""
    [the_month] = resolve_months(con, month)
    base_month = parse_month(base, "--base") if base else None
    table, notes = retention_result(con, config.kpis, config.channels, the_month, base_month, dims, config.regions)
    return the_month, table, notes
