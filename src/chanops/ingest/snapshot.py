"""The customer snapshot (SPEC §2.1): the date a snapshot describes, and its merge into the
history of states.

A snapshot is only as good as its date. Its as-of is `--as-of`, else a date in the file
name, else the one date of a snapshot-date column; never today by default. Every state
of a customer keeps the as-of dates of the snapshots that showed it (`_seen`), so a
snapshot loaded late goes into the history at its place: the history of a customer is
their observations in date order, a state in force from the first snapshot that showed
it (the first state: from the beginning) until the first that showed another.
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from pathlib import Path

import duckdb

from chanops.errors import UsageError
from chanops.ingest import history
from chanops.ingest.rules import Stage
from chanops.schema import Kind

# Headers of a column holding the date the extract describes (compared case-insensitively).
SNAPSHOT_DATE_COLUMNS = ("数据日期", "统计日期", "snapshot_date")

# A date in a file name, not part of a longer run of digits: 20221130, 2022-11-30, 202211, 2022-11.
_NAME_DATES = (
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})-(\d{2})(?!-?\d)"),
)

ASK = "pass --as-of DATE (the day the snapshot describes, e.g. --as-of 2022-11-30)"


def as_of_from_name(name: str) -> date | None:
    """The day a file name says: YYYYMMDD or YYYY-MM-DD, or YYYYMM / YYYY-MM meaning that
    month's last day. None when the name holds no date; UsageError when it holds two."""
    found: set[date] = set()
    for pattern in _NAME_DATES:
        for match in pattern.finditer(name):
            year, month = int(match[1]), int(match[2])
            if not (1980 <= year <= 2099 and 1 <= month <= 12):
                continue
            last = calendar.monthrange(year, month)[1]
            day = int(match[3]) if match.lastindex == 3 else last
            if 1 <= day <= last:
                found.add(date(year, month, day))
    if len(found) > 1:
        days = ", ".join(sorted(d.isoformat() for d in found))
        raise UsageError(f"{name}: the file name holds several dates ({days}); {ASK}")
    return found.pop() if found else None


def snapshot_date_column(headers: list[str]) -> int | None:
    """Index of the file's snapshot-date column, if it has one."""
    wanted = {h.lower() for h in SNAPSHOT_DATE_COLUMNS}
    for index, header in enumerate(headers):
        if header.strip().lower() in wanted:
            return index
    return None


def column_dates_sql(column_sql: str, from_sql: str) -> str:
    """(text, date) of up to three distinct values of the snapshot-date column, for as_of_of_column."""
    from chanops.ingest.normalize import raw_text_sql, value_sql

    return (
        f"SELECT DISTINCT r, {value_sql('date', 'r', {})} AS d FROM (SELECT {raw_text_sql(column_sql)} AS r "
        f"FROM {from_sql}) t WHERE r IS NOT NULL ORDER BY d NULLS FIRST LIMIT 3"
    )


def as_of_of_column(path: Path | str, header: str, rows: list[tuple]) -> date:
    """The one date the snapshot-date column holds (`rows` from column_dates_sql); a column with
    several dates, none, or a value that is no date is refused."""
    bad = [r for r, d in rows if d is None]
    if bad:
        raise UsageError(f"{path}: column {header} holds '{bad[0]}', not a date; {ASK}")
    days = sorted({d for _r, d in rows})
    if not days:
        raise UsageError(f"{path}: column {header} is empty; {ASK}")
    if len(days) > 1:
        raise UsageError(
            f"{path}: column {header} holds several dates ({', '.join(d.isoformat() for d in days[:2])}, …); "
            f"load one snapshot date per file, or {ASK}"
        )
    return days[0]


def missing_as_of(path: Path | str) -> UsageError:
    return UsageError(f"{path}: no snapshot date in the file name or a {'/'.join(SNAPSHOT_DATE_COLUMNS)} column; {ASK}")


def snapshot_merge(
    con: duckdb.DuckDBPyConnection, k: Kind, stage: str, load_id: int, as_of: date, names: str
) -> tuple[int, int, int]:
    """Merge the staged good rows, a snapshot as of `as_of`, into the history (ingest/history.py);
    returns how many customers were (new, changed, unchanged). The file's customers' states
    are swapped for their merged states."""
    judged, merged = f"_judged_{stage}", f"_merged_{stage}"
    staged = Stage(stage, "_record")
    con.execute(f"CREATE TEMP TABLE {judged} AS {history.verdicts_sql(k, staged, k.name, as_of)}")
    try:
        counts = history.verdict_counts(con.execute(history.verdict_counts_sql(judged)).fetchall())
        con.execute(
            f"CREATE TEMP TABLE {merged} AS {history.merged_states_sql(k, staged, k.name, judged, load_id, as_of)}"
        )
        con.execute(f"DELETE FROM {k.name} WHERE msisdn IN (SELECT msisdn FROM {judged})")
        columns = ", ".join([names, *history.HISTORY_COLUMNS])
        con.execute(f"INSERT INTO {k.name} ({columns}) SELECT * FROM {merged}")
    finally:
        con.execute(f"DROP TABLE IF EXISTS {judged}")
        con.execute(f"DROP TABLE IF EXISTS {merged}")
    return counts
