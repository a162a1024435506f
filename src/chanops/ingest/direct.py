"""The direct append: a clean extract goes from the file into its table in one statement.

Most monthly extracts are clean. Staging every row in a scratch table first, to name the
bad ones, costs about a third of a large load, so a file of an event or monthly kind is
first appended straight into its table: every row tagged with the load id, a row failing
any check (the same checks staging makes) with the load id negated. Then the append is
checked against everything the staged path would enforce:

- no row failed a check;
- every physical line below the header is one row: DuckDB rejected no line, no record spans
  lines, no line is empty (so line accounting holds trivially);
- no key occurs twice in the file, and none is already in the warehouse.

If all of that holds, the load is done. Otherwise the appended rows are deleted again and
the loader stages the file, which names each bad line and duplicate. A file with bad or
duplicate rows therefore pays for one extra read; a clean one saves the staging.
"""

from __future__ import annotations

import duckdb

from chanops.channels import Channel
from chanops.engines import first_row
from chanops.ingest import accounting, keys
from chanops.ingest.readers import OpenedExtract, unparseable
from chanops.ingest.schema import Kind
from chanops.ingest.staging import stage_sql
from chanops.sql import ident


def applies(k: Kind, replace: bool) -> bool:
    """Event and monthly kinds whose keys come from the file, appended (not replacing).
    Snapshots, reference rules, generated keys and --replace need the staged rows to decide."""
    return k.mode in ("event", "monthly") and not replace and not k.key_from


def append_clean(
    con: duckdb.DuckDBPyConnection,
    k: Kind,
    source: OpenedExtract,
    mapping: dict[str, int],
    channels: dict[str, Channel],
    load_id: int,
) -> int | None:
    """Append the file's rows under `load_id`; the number of rows when the file was clean,
    else None with nothing left behind."""
    names = ", ".join(ident(c.name) for c in k.columns)
    sql = stage_sql(k, source, mapping, channels)
    try:
        appended = int(
            first_row(
                con,
                f"INSERT INTO {k.name} ({names}, _load_id) "
                f"SELECT {names}, CASE WHEN _bad_reason IS NULL THEN {load_id} ELSE {-load_id} END FROM ({sql})",
            )[0]
        )
    except duckdb.InvalidInputException as exc:
        raise unparseable(source, exc) from None
    if appended and _is_clean(con, k, source, load_id, appended):
        return appended
    con.execute(f"DELETE FROM {k.name} WHERE _load_id IN ({load_id}, {-load_id})")
    return None


def _is_clean(con: duckdb.DuckDBPyConnection, k: Kind, source: OpenedExtract, load_id: int, appended: int) -> bool:
    if source.layout is not None:
        rejected, _spanning = accounting.parse_rejects(con, source)
        if rejected or appended != accounting.physical_data_lines(source):
            return False
    bad = first_row(con, f"SELECT count(*) FROM {k.name} WHERE _load_id = {-load_id}")[0]
    return not bad and not keys.repeated_in_load(con, k, load_id) and not keys.loaded_before(con, k, load_id)
