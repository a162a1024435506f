"""Every physical line of a text extract accounted for (SPEC §2.1): lines read = rows
loaded + rows rejected, with physical line numbers on every reject.

DuckDB's CSV reader drops malformed lines from its scan (recording them as rejects), skips
empty lines without a trace, lets a quoted field run over line breaks, and numbers lines
as records, not physical lines. So the loader compares the file's physical line count
(ingest/lineends.scan_line_ends) with what it staged and rejected:

- balanced, the common case: no record spans lines and no line is empty, so DuckDB's
  numbers are physical and a staged row's line is its position plus the rejected lines
  before it;
- empty lines: their numbers come from one scan of the file, and they shift the rows
  after them like rejected lines do;
- records spanning lines: when a reject spans lines, or a spanning field holds the
  delimiter too, an unterminated quote swallowed whole lines: the file is read again
  line by line (text.py `line_mode`), so each swallowed line is a row of its own, loaded
  or rejected with its own number. Otherwise they are quoted line breaks (an Excel cell
  with Alt+Enter) and each record's span moves the numbering on (empty lines are then
  counted, but rows after them are numbered as if they were not there);
- anything still unaccounted for refuses the load: a line is never silently absorbed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from chanops.engines import first_row, only_row
from chanops.errors import InputFileError
from chanops.ingest.readers import OpenedExtract
from chanops.ingest.text import blank_lines


@dataclass
class LineAccount:
    """How the physical data lines of a text extract divide up."""

    data_lines: int  # physical lines below the header
    staged: int  # records staged (each may span lines)
    rejected_lines: int  # lines DuckDB could not parse
    blank: list[int] = field(default_factory=list)  # physical numbers of empty lines
    spans_lines: bool = False  # some staged record covers more than one line

    @property
    def rows_read(self) -> int:
        return self.data_lines - len(self.blank)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = first_row(con, sql)
    return int(row[0] or 0) if row else 0


def parse_rejects(con: duckdb.DuckDBPyConnection, source: OpenedExtract) -> tuple[int, bool]:
    """(distinct lines DuckDB rejected, whether any rejected record spans lines)."""
    row = only_row(
        con,
        "SELECT count(DISTINCT line), coalesce(bool_or(strpos(rtrim(csv_line, chr(10) || chr(13)), chr(10)) > 0), "
        f"false) FROM {source.text_rejects}",
    )
    return int(row[0]), bool(row[1])


def physical_data_lines(source: OpenedExtract) -> int:
    assert source.layout is not None  # text extracts only
    return max(source.layout.physical_lines - source.layout.header_line, 0)


def swallowed(con: duckdb.DuckDBPyConnection, stage: str, source: OpenedExtract) -> bool:
    """Did an unterminated quote swallow lines? A rejected record spanning lines, or a staged
    field spanning lines that also holds the delimiter (needs a stage with `_suspect`)."""
    _lines, spanning_reject = parse_rejects(con, source)
    return spanning_reject or bool(_scalar(con, f"SELECT count(*) FROM {stage} WHERE _suspect"))


def account(con: duckdb.DuckDBPyConnection, stage: str, source: OpenedExtract, spans: bool) -> LineAccount:
    """Count the lines; find the empty ones when the counts show some. Raises when lines remain
    unaccounted for."""
    data_lines = physical_data_lines(source)
    rejected, _spanning = parse_rejects(con, source)
    staged_lines = _scalar(con, f"SELECT {'sum(_span)' if spans else 'count(*)'} FROM {stage}")
    staged = _scalar(con, f"SELECT count(*) FROM {stage}")
    result = LineAccount(data_lines, staged, rejected, spans_lines=staged_lines > staged)
    missing = data_lines - staged_lines - rejected
    if missing > 0:
        assert source.layout is not None  # physical_data_lines checked it
        result.blank = blank_lines(source.layout.read_path, source.layout.compression, source.layout.header_line)
        missing -= len(result.blank)
    if missing != 0:
        raise InputFileError(
            f"{source.path}: {abs(missing):,} line(s) cannot be accounted for (an unterminated quote?); "
            "load refused, warehouse unchanged"
        )
    return result


def line_numbers_sql(stage: str, source: OpenedExtract, account_: LineAccount | None) -> str:
    """SELECT rid, line: the physical line of each bad staged row, `rid` its `_record` (the
    reader's record number; rowid says nothing about file order).

    The k-th skipped line (rejected or empty, sorted) at physical number s_k comes after
    n_k = s_k - first_line - (k - 1) staged lines; a staged row is shifted by every skipped
    line with n_k at or below the lines staged before it. With records spanning lines,
    DuckDB numbers rejects by record, so they are placed by record count instead and the
    staged rows move on by their spans."""
    first = source.first_line
    position = "_record - 1"
    bad = "_bad_reason IS NOT NULL"
    if not source.text_rejects or account_ is None:
        return f"SELECT _record AS rid, {position} + {first} AS line FROM {stage} WHERE {bad}"
    skipped = [f"SELECT DISTINCT line FROM {source.text_rejects}"]
    if account_.blank and not account_.spans_lines:
        skipped.append("SELECT * FROM (VALUES " + ", ".join(f"({n})" for n in account_.blank) + ") b(line)")
    thresholds = f"""SELECT line - {first} - (row_number() OVER (ORDER BY line) - 1) AS threshold
                     FROM ({" UNION ".join(skipped)})"""
    if account_.spans_lines:  # the spans of every row before a bad one count: sum them all, then keep the bad
        lines_before = (
            "coalesce(sum(_span) OVER (ORDER BY _record ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)"
        )
        rows = (
            f"SELECT * FROM (SELECT _record AS rid, {position} AS ordinal, {lines_before} AS lines_before, "
            f"_bad_reason FROM {stage}) WHERE {bad}"
        )
    else:
        rows = f"SELECT _record AS rid, {position} AS ordinal, {position} AS lines_before FROM {stage} WHERE {bad}"
    return f"""
        SELECT s.rid, s.lines_before + {first} + (SELECT count(*) FROM ({thresholds}) t WHERE t.threshold <= s.ordinal)
               AS line
        FROM ({rows}) s"""


def reject_lines_sql(source: OpenedExtract, stage: str, account_: LineAccount | None) -> str:
    """The physical line of each DuckDB reject: its own number, unless records spanning lines
    came before it (then moved on by their extra lines)."""
    if account_ is None or not account_.spans_lines:
        return f"SELECT DISTINCT ON (line) line AS physical, * FROM {source.text_rejects} ORDER BY line"
    first = source.first_line
    return f"""
        WITH d AS (SELECT DISTINCT ON (line) * FROM {source.text_rejects} ORDER BY line),
        r AS (SELECT *, line - {first} - (row_number() OVER (ORDER BY line) - 1) AS staged_before FROM d),
        extra AS (SELECT _record - 1 AS ordinal,
                         sum(_span - 1) OVER (ORDER BY _record ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                                AS extra
                  FROM {stage})
        SELECT r.line + coalesce((SELECT e.extra FROM extra e WHERE e.ordinal = r.staged_before - 1), 0) AS physical,
               r.*
        FROM r ORDER BY r.line"""
