"""The grain rules (ingest/rules.py) applied by DuckDB to a staged temp table: generated keys
filled in, --replace's partitions deleted, corrections found, duplicates and overlapping
rules marked bad with an UPDATE (the customer snapshot's history: ingest/snapshot.py).

The stage's good rows have `_bad_reason IS NULL`; its file order is the reader's record
number `_record` (never rowid: a parallel insert does not keep file order).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from chanops.engines import first_row
from chanops.ingest import rules
from chanops.ingest.rules import GOOD, Correction, Mark, Stage
from chanops.schema import Kind
from chanops.sql import lit


def staged(table: str) -> Stage:
    return Stage(table, "_record")


def apply_mark(con: duckdb.DuckDBPyConnection, stage: Stage, mark: Mark) -> None:
    con.execute(
        f"""UPDATE {stage.name} SET _bad_column = {mark.column}, _bad_value = {mark.value},
                   _bad_code = {lit(mark.code)}, _bad_reason = {mark.reason}
            WHERE {GOOD} AND {stage.order} IN ({mark.hits})"""
    )


def fill_generated_key(con: duckdb.DuckDBPyConnection, k: Kind, stage: str) -> None:
    if not k.key_from:
        return
    [key] = k.key
    con.execute(f"UPDATE {stage} SET {key} = {rules.generated_key_sql(k)} WHERE {key} IS NULL")


def find_correction(con: duckdb.DuckDBPyConnection, k: Kind, stage: str) -> Correction | None:
    """Good rows of `stage` whose key is already loaded with other values (rules.correction_sql)."""
    sql = rules.correction_sql(k, staged(stage), k.name)
    return rules.correction_of(first_row(con, sql)) if sql else None


def mark_grain(con: duckdb.DuckDBPyConnection, k: Kind, stage: str) -> None:
    """Mark duplicates (already loaded, repeated in the file) and overlapping rules bad."""
    for mark in rules.grain_marks(k):
        apply_mark(con, staged(stage), mark(k, staged(stage), k.name))


def replace_partitions(
    con: duckdb.DuckDBPyConnection, k: Kind, stage: str, keep_loads: Sequence[int] = ()
) -> list[tuple[str, int]]:
    """Delete the kind's rows in the partitions the staged good rows cover, but not rows of
    `keep_loads` (rules.replaced); (partition, rows deleted) per partition."""
    counts = con.execute(rules.replaced_counts_sql(k, staged(stage), k.name, keep_loads)).fetchall()
    if counts:
        con.execute(f"DELETE FROM {k.name} WHERE {rules.replaced(k, staged(stage), keep_loads)}")
    return [(str(p), int(n)) for p, n in counts]
