"""The direct append: an extract goes from the file into its table in one statement.

Staging every row in a scratch table first, to name the bad ones, costs about a third of a
large load. So a file of an event or monthly kind whose first 200,000 records show no bad
row and no record spanning lines is appended straight into its table: every row tagged
with the load id, a row failing any check (the same checks staging makes) with the load
id negated. Most files are then done, or nearly:

- When every physical line below the header is one appended row (DuckDB rejected no line,
  no record spans lines, no line is empty), a row's line number is its position in the
  append, so the few rows to reject are settled here: duplicates (a key already loaded,
  or repeated earlier in the file) from the appended rows themselves, and bad rows by
  reading just their lines again and staging those — the reasons are staging's own. Then
  they are quarantined and deleted from the table.
- Otherwise (a file that lines do not account for simply, or text recoded from bytes that
  were not valid) the appended rows are deleted again and the loader stages the whole file,
  which names every line.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from chanops.channels import Channel
from chanops.engines import only_row
from chanops.ingest import accounting, keys
from chanops.ingest.readers import OpenedExtract, open_extract, unparseable
from chanops.ingest.staging import header_fit, map_headers, stage_sql
from chanops.ingest.text import pick_lines
from chanops.schema import Kind
from chanops.sql import ident, lit

# More bad rows than this and reading their lines again is no cheaper than staging the file.
MOST_BAD_ROWS = 100_000
# Records read before the append to see whether the file is likely clean.
PROBE_ROWS = 200_000


@dataclass
class Appended:
    rows: int  # rows read: every physical data line
    rejected: int  # bad rows and duplicates, quarantined in _rejects and not in the table
    duplicates: int


def applies(k: Kind, replace: bool) -> bool:
    """Event and monthly kinds whose keys come from the file, appended (not replacing).
    Snapshots, reference rules, generated keys and --replace need the staged rows to decide."""
    return k.mode in ("event", "monthly") and not replace and not k.key_from


def append(
    con: duckdb.DuckDBPyConnection,
    k: Kind,
    source: OpenedExtract,
    mapping: dict[str, int],
    channels: dict[str, Channel],
    load_id: int,
    column_map: dict[str, str],
) -> Appended | None:
    """Append the file under `load_id` and settle its rejects; None (nothing left behind)
    when the file must be staged instead."""
    names = ", ".join(ident(c.name) for c in k.columns)
    sql = stage_sql(k, source, mapping, channels)
    try:
        if not _looks_clean(con, k, source, mapping, channels):
            return None
        appended = int(
            only_row(
                con,
                f"INSERT INTO {k.name} ({names}, _load_id) "
                f"SELECT {names}, CASE WHEN _bad_reason IS NULL THEN {load_id} ELSE {-load_id} END FROM ({sql})",
            )[0]
        )
    except duckdb.InvalidInputException as exc:
        raise unparseable(source, exc) from None
    settled = _settle(con, k, source, (mapping, column_map), channels, load_id, appended) if appended else None
    if settled is None:
        con.execute(f"DELETE FROM {k.name} WHERE _load_id IN ({load_id}, {-load_id})")
    return settled


def _looks_clean(con, k: Kind, source: OpenedExtract, mapping, channels) -> bool:
    """Do the first PROBE_ROWS records hold no bad row, no line DuckDB rejects and no record
    spanning lines? Deleting rows appended in the same transaction makes DuckDB rewrite the
    whole append when it commits, so a file that shows trouble early is staged instead."""
    probe = stage_sql(k, source, mapping, channels, with_spans=source.layout is not None)
    spans = "count(*) FILTER (WHERE _span > 1)" if source.layout is not None else "0"
    bad, spanning = only_row(
        con, f"SELECT count(_bad_reason), {spans} FROM (SELECT * FROM ({probe}) LIMIT {PROBE_ROWS})"
    )
    rejected = accounting.parse_rejects(con, source)[0] if source.layout is not None else 0
    source.drop_rejects(con)  # the append reads the file again into the same rejects table
    return not (bad or spanning or rejected)


def _lines_are_rows(con: duckdb.DuckDBPyConnection, k: Kind, source: OpenedExtract, load_id: int, appended: int):
    """The first row's rowid when the append holds one row per data line in file order."""
    if source.layout is not None:
        rejected, _spanning = accounting.parse_rejects(con, source)
        if rejected or appended != accounting.physical_data_lines(source) or source.layout.replaced_bytes:
            return None
    first, last, rows = only_row(
        con, f"SELECT min(rowid), max(rowid), count(*) FROM {k.name} WHERE _load_id IN ({load_id}, {-load_id})"
    )
    return first if rows == appended and last - first + 1 == rows else None


def _settle(con, k: Kind, source: OpenedExtract, maps, channels, load_id: int, appended: int) -> Appended | None:
    first_rowid = _lines_are_rows(con, k, source, load_id, appended)
    if first_rowid is None:
        return None
    line = f"rowid - {first_rowid} + {source.first_line}"
    bad = only_row(con, f"SELECT count(*) FROM {k.name} WHERE _load_id = {-load_id}")[0]
    if bad > MOST_BAD_ROWS:
        return None
    if bad and not _quarantine_bad_rows(con, k, source, maps, channels, load_id, line):
        return None
    duplicates = 0
    if keys.loaded_before(con, k, load_id) or keys.repeated_in_load(con, k, load_id):
        duplicates = _quarantine_duplicates(con, k, source, load_id, line)
    return Appended(rows=appended, rejected=bad + duplicates, duplicates=duplicates)


def _quarantine_bad_rows(con, k: Kind, source: OpenedExtract, maps, channels, load_id: int, line: str) -> bool:
    """Read the bad rows' lines again, stage just those (with the header above them) for their
    reasons, quarantine and delete them. False when the second reading disagrees."""
    lines = [row[0] for row in con.execute(f"SELECT {line} FROM {k.name} WHERE _load_id = {-load_id}").fetchall()]
    layout = source.layout
    if layout is None:  # Parquet and XLSX are read whole and cheaply: let staging name the rows
        return False
    text = pick_lines(layout.read_path, layout.compression, [layout.header_line, *lines])
    scratch = Path(tempfile.mkdtemp(prefix="chanops-bad-rows-"))
    try:
        excerpt = scratch / "bad_rows.csv"
        excerpt.write_bytes(b"\n".join(text[n] for n in [layout.header_line, *sorted(lines)]) + b"\n")
        mapping, column_map = maps
        small = open_extract(con, excerpt, "auto", f"bad{load_id}", header_fit(k, column_map))
        try:
            small_mapping = map_headers(k, small.headers, column_map, excerpt)
            if [small.headers[i] for i in small_mapping.values()] != [source.headers[i] for i in mapping.values()]:
                return False
            reasons = f"_bad_lines_{load_id}"
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {reasons} AS SELECT _bad_column, _bad_value, _bad_reason "
                f"FROM ({stage_sql(k, small, small_mapping, channels)})"
            )
            con.register(f"_bad_numbers_{load_id}", pa.table({"n": list(range(len(lines))), "line": sorted(lines)}))
            try:
                agree = only_row(
                    con, f"SELECT count(*) = {len(lines)} AND count(_bad_reason) = count(*) FROM {reasons}"
                )[0]
                if not agree:
                    return False
                con.execute(
                    f"""INSERT INTO _rejects SELECT {load_id}, {lit(k.name)}, {lit(str(source.path))}, b.line,
                               r._bad_column, r._bad_value, r._bad_reason
                        FROM {reasons} r
                        JOIN _bad_numbers_{load_id} b ON b.n = r.rowid - (SELECT min(rowid) FROM {reasons})
                        ORDER BY b.line"""
                )
            finally:
                con.unregister(f"_bad_numbers_{load_id}")
                con.execute(f"DROP TABLE IF EXISTS {reasons}")
        finally:
            small.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    con.execute(f"DELETE FROM {k.name} WHERE _load_id = {-load_id}")
    return True


def _quarantine_duplicates(con, k: Kind, source: OpenedExtract, load_id: int, line: str) -> int:
    """Keys already loaded, then keys seen earlier in the file: quarantined and deleted, as
    staging would mark them (keys.mark_duplicates)."""
    marked = f"_duplicates_{load_id}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {marked} AS
        SELECT rowid AS rid, {line} AS line, {keys.key_text(k)} AS value,
               CASE WHEN {keys.already_loaded(k, k.name, but_load=load_id)}
                    THEN {lit(f"duplicate {keys.key_name(k)} (already loaded)")} END AS reason
        FROM {k.name} WHERE _load_id = {load_id}""")
    partition = ", ".join(ident(c) for c in k.key)
    con.execute(f"""
        UPDATE {marked} SET reason = {lit(f"duplicate {keys.key_name(k)} (repeated in file)")}
        WHERE rid IN (SELECT rid FROM (
            SELECT t.rowid AS rid, row_number() OVER (PARTITION BY {partition} ORDER BY t.rowid) AS n
            FROM {k.name} t JOIN {marked} m ON m.rid = t.rowid
            WHERE t._load_id = {load_id} AND m.reason IS NULL) WHERE n > 1)""")
    try:
        con.execute(
            f"""INSERT INTO _rejects SELECT {load_id}, {lit(k.name)}, {lit(str(source.path))}, line,
                       {lit(keys.key_name(k))}, value, reason
                FROM {marked} WHERE reason IS NOT NULL ORDER BY line"""
        )
        con.execute(f"DELETE FROM {k.name} WHERE rowid IN (SELECT rid FROM {marked} WHERE reason IS NOT NULL)")
        return int(only_row(con, f"SELECT count(reason) FROM {marked}")[0])
    finally:
        con.execute(f"DROP TABLE IF EXISTS {marked}")
