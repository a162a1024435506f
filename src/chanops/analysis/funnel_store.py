"""The funnel's users contacted and reached per campaign and wave of a month, kept beside the
KPI pre-aggregates and never stale the same way (kpi/preagg.py, store/preagg_state.py).

Counting a month's distinct users per (campaign, wave) is most of what `funnel` and the
report's funnel part cost on a large month: one grouping of every user of the month. The
result is a few rows per campaign and depends on that month's contacts only, so it is stored
in `_preagg` as the slice `campaign_id,wave` of the contacts source, one fingerprinted
measure per column. A contacts load deletes the months it writes with every contacts
pre-aggregate, in its own transaction; the refresh after it computes them again with the
same SQL the raw query runs (`waves_sql`), so what is read back equals what would be
computed. A month not current, a narrowed session (--region) or another engine reads the
raw rows.
"""

from __future__ import annotations

import hashlib

from chanops.engines import DuckDBEngine, only_row
from chanops.sql import in_months, lit, lit_list

SLICE, SOURCE = "campaign_id,wave", "contacts"
# the stored columns and their types in the raw aggregate
COLUMNS = {"contacted": "BIGINT", "reached": "BIGINT", "by_id": "INTEGER", "by_touchpoint": "INTEGER"}
# Bumped when what is stored changes meaning without the SQL changing.
FORMAT_VERSION = "1"
# the touchpoint whose orders carry no campaign id (10086在线外呼), as the KPI catalog names it
OUTBOUND = "outbound"


def waves_sql(month: str, only: str = "") -> str:
    """campaign_id, wave, contacted, reached, by_id, by_touchpoint of the month's contacts.

    Each user's contacts of a wave are folded into one row first, so the users contacted and
    reached are counted off one grouping, not two distinct counts (each its own hash table of
    every user); a row without a number counts no user but still tells its touchpoint."""
    outbound = lit(OUTBOUND)
    return f"""
        SELECT campaign_id, wave, count(msisdn) AS contacted,
               count(CASE WHEN reached = 1 THEN msisdn END) AS reached,
               max(by_id) AS by_id, max(by_touchpoint) AS by_touchpoint
        FROM (SELECT campaign_id, wave, msisdn, max(CASE WHEN reached THEN 1 ELSE 0 END) AS reached,
                     max(CASE WHEN touchpoint <> {outbound} THEN 1 ELSE 0 END) AS by_id,
                     max(CASE WHEN touchpoint = {outbound} THEN 1 ELSE 0 END) AS by_touchpoint
              FROM contacts WHERE {in_months("contact_time", month)} {only}
              GROUP BY campaign_id, wave, msisdn) wave_users
        GROUP BY campaign_id, wave"""


def fingerprints() -> dict[str, str]:
    """Each stored column's measure id: a digest of the SQL that computes it, so changed SQL
    is never read as the old one's figures."""
    text = "\x1f".join((FORMAT_VERSION, waves_sql("2000-01")))
    return {c: hashlib.sha256(f"{text}\x1f{c}".encode()).hexdigest()[:20] for c in COLUMNS}


def stored_sql(engine, month: str, only: str = "") -> str | None:
    """The month's rows of `waves_sql` read back from the store, or None when they are not
    current (or the session is narrowed, or the engine is not the warehouse)."""
    import duckdb

    from chanops.kpi.preagg import is_narrowed

    if not isinstance(engine, DuckDBEngine):
        return None
    fps = fingerprints()
    try:
        if is_narrowed(engine.con) or not _current(engine.con, month, fps):
            return None
    except duckdb.CatalogException:  # a warehouse without the tables: nothing kept
        return None
    columns = ", ".join(
        f"CAST(max(value) FILTER (WHERE measure = {lit(fps[c])}) AS {kind}) AS {c}" for c, kind in COLUMNS.items()
    )
    return f"""
        SELECT campaign_id, CAST(wave AS BIGINT) AS wave, {columns} FROM _preagg
        WHERE slice = {lit(SLICE)} AND source = {lit(SOURCE)} AND month = {lit(month)}
          AND measure IN ({lit_list(sorted(fps.values()))}) {only}
        GROUP BY campaign_id, wave"""


def _current(con, month: str, fps: dict[str, str]) -> bool:
    found = only_row(
        con,
        f"""SELECT count(DISTINCT measure) FROM _preagg_current
            WHERE slice = ? AND source = ? AND month = ? AND measure IN ({lit_list(sorted(fps.values()))})""",
        [SLICE, SOURCE, month],
    )
    return int(found[0]) == len(fps)


def refresh(con, kept: list[str], refresh_id: int, load_id: int | None) -> tuple[list[str], int]:
    """Inside the pre-aggregates' refresh transaction: compute the kept months not current;
    the months computed and the rows written."""
    fps = fingerprints()
    months = [m for m in kept if not _current(con, m, fps)]
    written = 0
    for month in months:
        stale = f"slice = {lit(SLICE)} AND source = {lit(SOURCE)} AND month = {lit(month)}"
        con.execute(f"DELETE FROM _preagg_current WHERE {stale}")
        con.execute(f"DELETE FROM _preagg WHERE {stale}")
        rows = " UNION ALL ".join(
            f"SELECT {lit(month)}, {lit(SLICE)}, {lit(SOURCE)}, NULL, NULL, NULL, campaign_id, "
            f"CAST(wave AS VARCHAR), {lit(fps[c])}, CAST({c} AS VARCHAR) FROM _waves"
            for c in COLUMNS
        )
        count = only_row(con, f"INSERT INTO _preagg WITH _waves AS MATERIALIZED ({waves_sql(month)}) {rows}")
        written += int(count[0])
        con.execute(
            f"""INSERT INTO _preagg_current
                SELECT {lit(month)}, {lit(SLICE)}, {lit(SOURCE)}, f, ?, ?, now()::TIMESTAMP
                FROM (SELECT unnest([{lit_list(sorted(fps.values()))}]) AS f) fs""",
            [refresh_id, load_id],
        )
    return months, written
