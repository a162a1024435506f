"""Points runs: the one call `chanops points statement|payout` makes, the run ledger and
manual adjustments.

Every statement or payout computed on the warehouse is recorded in `_points_runs` with
fingerprints of the rows it read, of the [points] config and of its output, so a payout
can be traced to exactly what produced it and a re-run shown to be byte-identical.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa

from chanops.config import PointsConfig
from chanops.engines import as_engine, first_row, only_row
from chanops.errors import UsageError
from chanops.months import parse_month
from chanops.points.reconcile import payout_file, statement
from chanops.slices import Slices, keep_sliced
from chanops.sql import in_months, lit

if TYPE_CHECKING:
    from chanops.config import Config


@dataclass(frozen=True)
class PointsRequest:
    """A statement or payout: the month, an optional budget, and which command asks."""

    month: str
    budget: Decimal | None = None
    command: str = "statement"  # or "payout"
    slices: Slices = Slices()  # --region: the staff of these regions, out of the whole statement


@dataclass(frozen=True)
class PointsRun:
    """What a statement run returns: the per-staff statement (or the payout file) and the
    run id in the ledger (the warehouse's, or on Spark the one beside the Parquet data)."""

    month: str
    table: pa.Table
    run_id: int | None


def run_statement(con, config: Config, request: PointsRequest) -> PointsRun:
    """The per-staff statement of `request.month` (or its payout file), recorded as a run when
    computed on the warehouse; on another engine it is computed only."""
    month = parse_month(request.month)
    if request.budget is not None and request.budget < 0:
        raise UsageError("--budget cannot be negative")
    table = statement(con, month, config.points, request.budget)
    inputs = inputs_fingerprint(con, month)
    run_id = record_run(con, request.command, month, request.budget, config.points, table, inputs)
    if request.slices:  # the run is the whole statement; the slice is what is shown of it
        table = keep_sliced(table, request.slices)
    return PointsRun(month, payout_file(table) if request.command == "payout" else table, run_id)


def add_adjustment(con: duckdb.DuckDBPyConnection, month: str, staff_id: str, points: Decimal, note: str) -> int:
    """Record a manual adjustment for a staff's statement of `month`; returns its id."""
    if not note.strip():
        raise UsageError("--note is required: say why the points change")
    if not staff_id.strip():
        raise UsageError("--staff is required")
    row = only_row(con, "SELECT coalesce(max(adjust_id), 0) + 1 FROM _adjustments")
    adjust_id = int(row[0])
    con.execute(
        "INSERT INTO _adjustments VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
        [adjust_id, month, staff_id.strip(), points, note.strip()],
    )
    return adjust_id


def inputs_fingerprint(con, month: str) -> str:
    """Order-independent digest of every row the reconciliation of `month` reads. (Each engine
    hashes rows its own way: compare fingerprints of runs on one engine.)"""
    m = lit(month)
    parts = {
        "entries": f"SELECT count(*), sum(hash(entry_id, entry_time, staff_id, staff_name, store, region, department, "
        f"msisdn, product)) FROM entries WHERE {in_months('entry_time', month)}",
        "valid": f"SELECT count(*), sum(hash(msisdn, product, fee)) FROM valid WHERE month = {m}",
        "rules": "SELECT count(*), sum(hash(product, rate, points, valid_from, valid_to)) FROM rules",
        "complaints": f"SELECT count(*), sum(hash(complaint_id, staff_id, category)) FROM complaints "
        f"WHERE staff_id IS NOT NULL AND {in_months('complaint_time', month)}",
        "adjustments": f"SELECT count(*), sum(hash(adjust_id, staff_id, points)) FROM _adjustments WHERE month = {m}",
    }
    digest = hashlib.sha256()
    for name, sql in parts.items():
        digest.update(f"{name}:{first_row(con, sql)}\n".encode())
    return "sha256:" + digest.hexdigest()


def _output_fingerprint(table: pa.Table) -> str:
    return "sha256:" + hashlib.sha256(repr(table.to_pylist()).encode()).hexdigest()


def record_run(
    con_or_engine, command: str, month: str, budget: Decimal | None, config: PointsConfig, table: pa.Table, inputs: str
) -> int:
    """Append the run to the ledger _points_runs (the warehouse's table, or on Spark a file per
    run beside the Parquet data); returns the run id. The row is computed by DuckDB from the
    statement on either engine, so both ledgers hold the same columns."""
    engine = as_engine(con_or_engine)
    run_id = int(only_row(engine, "SELECT coalesce(max(run_id), 0) + 1 FROM _points_runs")[0])
    scratch = duckdb.connect()
    try:
        scratch.register("_statement", table)
        params = [run_id, command, month, budget, inputs, config.fingerprint(), _output_fingerprint(table)]
        row = scratch.sql(_RUN_ROW, params=params).to_arrow_table()
    finally:
        scratch.close()
    engine.append("_points_runs", f"run-{run_id}.parquet", row)
    return run_id


# One run's ledger row from its statement (registered as _statement), in the ledger's columns.
_RUN_ROW = """
    SELECT ? AS run_id, now()::TIMESTAMP AS created_at, ? AS command, ? AS month, CAST(? AS DECIMAL(18,2)) AS budget,
           ? AS inputs_fingerprint, ? AS config_fingerprint, ? AS output_fingerprint, count(*) AS staff,
           coalesce(sum(claims), 0) AS claims, CAST(coalesce(sum(earned), 0) AS DECIMAL(18,2)) AS earned,
           CAST(coalesce(sum(deductions), 0) AS DECIMAL(18,2)) AS deductions,
           CAST(coalesce(sum(net), 0) AS DECIMAL(18,2)) AS net,
           CAST(coalesce(sum(payout), 0) AS DECIMAL(18,2)) AS payout
    FROM _statement"""


def runs(con, month: str | None = None) -> pa.Table:
    where = f"WHERE month = {lit(month)}" if month else ""
    return as_engine(con).table(f"""SELECT run_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') AS created_at,
                              command, month, budget,
                              staff, claims, earned, deductions, net, payout,
                              inputs_fingerprint, config_fingerprint, output_fingerprint
                       FROM _points_runs {where} ORDER BY run_id""")
