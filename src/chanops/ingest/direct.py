"""The direct append: an extract goes from the file into its table in one statement.

Staging every row in a scratch table first, to name the bad ones, costs about a third of a
large load. So a file of an event or monthly kind whose first 200,000 records show no bad
row and no record spanning lines is appended straight into its table: every row tagged
with the load id, a row failing any check (the same checks staging makes) with the load
id negated. Most files are then done, or nearly:

- When every physical line below the header is one appended row (DuckDB rejected no line,
  no record spans lines, no line is empty), a row's line is its record number from the
  reader (`_record`) below the header. The few rows to settle — bad ones, keys already
  loaded, keys repeated in the file — are read again with those numbers and staged (the
  reasons are staging's own, the first occurrence in the file is kept), then quarantined
  and taken out of the table. The table's row order is never used: a parallel insert does
  not keep the file's (PITFALLS, December 2026).
- Otherwise (a file that lines do not account for simply, or text recoded from bytes that
  were not valid) the appended rows are deleted again and the loader stages the whole file,
  which names every line.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from chanops.channels import Channel
from chanops.engines import only_row
from chanops.ingest import accounting, keys, rules
from chanops.ingest.normalize import value_sql
from chanops.ingest.readers import OpenedExtract, unparseable
from chanops.ingest.reject_codes import is_duplicate
from chanops.ingest.staging import stage_sql
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
    settled = _settle(con, k, source, mapping, channels, load_id, appended) if appended else None
    if settled is None:
        con.execute(f"DELETE FROM {k.name} WHERE _load_id IN ({load_id}, {-load_id})")
    return settled


def _looks_clean(con, k: Kind, source: OpenedExtract, mapping, channels) -> bool:
    """Do the first PROBE_ROWS records hold no bad row, no line DuckDB rejects and no record
    spanning lines? Deleting rows appended in the same transaction makes DuckDB rewrite the
    whole append when it commits, so a file that shows trouble early is staged instead."""
    probe = stage_sql(k, source, mapping, channels, with_spans=source.layout is not None, carry=("_record",))
    spans = "count(*) FILTER (WHERE _span > 1)" if source.layout is not None else "0"
    # By record number: a LIMIT alone over a multi-threaded read takes whichever records the
    # threads reach first, so the same file was appended directly in one run and staged in
    # the next. Numbering keeps the scan in file order, and the LIMIT then stops it early.
    bad, spanning = only_row(
        con,
        f"SELECT count(_bad_reason), {spans} FROM "
        f"(SELECT * FROM ({probe}) WHERE _record <= {PROBE_ROWS} LIMIT {PROBE_ROWS})",
    )
    rejected = accounting.parse_rejects(con, source)[0] if source.layout is not None else 0
    source.drop_rejects(con)  # the append reads the file again into the same rejects table
    return not (bad or spanning or rejected)


def _lines_are_rows(con: duckdb.DuckDBPyConnection, source: OpenedExtract, appended: int) -> bool:
    """Does the append hold one row per physical data line? Then a row's line is its record
    number (`_record`, from the reader) below the header."""
    if source.layout is None:  # Parquet and XLSX: a record is a row
        return True
    rejected, _spanning = accounting.parse_rejects(con, source)
    return not (rejected or appended != accounting.physical_data_lines(source) or source.layout.replaced_bytes)


def _settle(con, k: Kind, source: OpenedExtract, mapping, channels, load_id: int, appended: int) -> Appended | None:
    """Quarantine the appended rows that are bad or duplicates, naming their physical lines.

    The rows to settle are read from the file again, with the reader's record numbers: the
    order rows reach the table in is not the file's (PITFALLS), so neither a row's line nor
    which of two rows with one key came first can be told from the table."""
    if not _lines_are_rows(con, source, appended):
        return None
    bad = only_row(con, f"SELECT count(*) FROM {k.name} WHERE _load_id = {-load_id}")[0]
    if bad > MOST_BAD_ROWS:
        return None
    key_cols = ", ".join(ident(c) for c in k.key)
    others = f"(SELECT * FROM {k.name} WHERE _load_id NOT IN ({load_id}, {-load_id}))"  # loaded before
    concern = f"_concern_{load_id}"  # keys loaded before, or repeated in this file
    # Repeated keys: their 64-bit hashes are grouped first (a fifth cheaper than grouping the
    # keys over every appended row, and less memory), then only the rows whose hash repeats
    # are grouped by key; rows with equal keys have equal hashes, NULL parts included.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {concern} AS
        SELECT DISTINCT {key_cols} FROM {k.name}
        WHERE _load_id = {load_id} AND {rules.key_loaded(k, k.name, others)}
        UNION
        SELECT {key_cols} FROM {k.name}
        WHERE _load_id = {load_id} AND hash({key_cols}) IN (
            SELECT h FROM (SELECT hash({key_cols}) AS h FROM {k.name} WHERE _load_id = {load_id})
            GROUP BY h HAVING count(*) > 1)
        GROUP BY ALL HAVING count(*) > 1""")
    settle = f"_settle_{load_id}"
    try:
        concerned = only_row(con, f"SELECT count(*) FROM {concern}")[0]
        if not bad and not concerned:
            return Appended(rows=appended, rejected=0, duplicates=0)
        in_concern = "EXISTS (SELECT 1 FROM {c} c WHERE {same})"
        source.drop_rejects(con)  # none (the lines are rows); the second reading stores its own
        staged = _suspects_staged(k, source, mapping, channels, load_id, concern)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {settle} AS SELECT * FROM ({staged}) s WHERE s._bad_reason IS NOT NULL "
            f"OR {in_concern.format(c=concern, same=rules.same_key(k, 'c', 's'))}"
        )
        again = only_row(con, f"SELECT count(_bad_reason) FROM {settle}")[0]
        if again != bad:  # the second reading disagrees: let staging name every line
            return None
        con.execute(
            f"DELETE FROM {k.name} WHERE _load_id = {-load_id} OR (_load_id = {load_id} AND "
            f"{in_concern.format(c=concern, same=rules.same_key(k, 'c', k.name))})"
        )
        correction = keys.find_correction(con, k, settle)
        if correction:
            raise correction.refusal(source.path, k)
        keys.mark_grain(con, k, settle)
        names = ", ".join(ident(c.name) for c in k.columns)
        con.execute(
            f"INSERT INTO {k.name} ({names}, _load_id) SELECT {names}, {load_id} FROM {settle} "
            f"WHERE _bad_reason IS NULL"
        )
        con.execute(
            f"""INSERT INTO _rejects SELECT {load_id}, {lit(k.name)}, {lit(str(source.path))},
                       _record - 1 + {source.first_line}, _bad_column, _bad_value, _bad_reason, _bad_code
                FROM {settle} WHERE _bad_reason IS NOT NULL ORDER BY _record"""
        )
        rejected, duplicates = only_row(
            con,
            f"SELECT count(_bad_reason), count(*) FILTER (WHERE {is_duplicate('_bad_code')}) FROM {settle}",
        )
        return Appended(rows=appended, rejected=int(rejected), duplicates=int(duplicates))
    finally:
        con.execute(f"DROP TABLE IF EXISTS {concern}")
        con.execute(f"DROP TABLE IF EXISTS {settle}")


def _suspects_staged(k: Kind, source: OpenedExtract, mapping, channels, load_id: int, concern: str) -> str:
    """stage_sql over the file's rows that can need settling, with their record numbers: rows
    whose key is missing, is a bad appended row's, or is of concern. Every other row is good
    and settled already, so only the key is normalized on the way: numbering the records keeps
    the second reading on one thread, and the full normalization of every row on that one
    thread cost as much as the append. A bad row the key misses would show in the count of
    bad rows read again, and the file would be staged."""
    key_cols = ", ".join(ident(c) for c in k.key)
    keyed = {c: ident(f"_key_{c}") for c in k.key}
    raw = stage_sql(k, source, mapping, channels, carry=("_record",), raw_table="")
    normalized = ", ".join(f"{value_sql(k.column(c).type, ident(f'r_{c}'), channels)} AS {keyed[c]}" for c in k.key)
    missing = " OR ".join(f"r.{keyed[c]} IS NULL" for c in k.key)
    same = " AND ".join(f"x.{ident(c)} = r.{keyed[c]}" for c in k.key)
    suspects = f"SELECT {key_cols} FROM {k.name} WHERE _load_id = {-load_id} UNION SELECT {key_cols} FROM {concern}"
    rows = f"""(SELECT r.* EXCLUDE ({", ".join(keyed.values())})
               FROM (SELECT *, {normalized} FROM ({raw})) r
               WHERE {missing} OR EXISTS (SELECT 1 FROM ({suspects}) x WHERE {same}))"""
    return stage_sql(k, source, mapping, channels, carry=("_record",), raw_table=rows)
