"""A local extract as a table for one `chanops sql` query (`--file NAME=PATH`).

The file is read by the loader's own reader (ingest/readers.py): encoding sniffed (UTF-8 with
or without BOM, UTF-16, GB18030), title lines above the header skipped, the delimiter found;
.xlsx and .parquet as `load` reads them. Two ways to read it:

  NAME=PATH       every column as text under the file's own header (a phone number keeps
                  its digits, 20221130 stays as written)
  NAME:KIND=PATH  as `chanops load KIND` maps and normalizes it: headers (canonical, Chinese
                  aliases, [columns.KIND] of chanops.toml) to the kind's columns, values to
                  their types (+86 numbers, 成功/失败, 2022/11/30 …), so it joins the warehouse

The file is read in a DuckDB of its own, in memory, and handed over as an Arrow table: the
warehouse connection, whose access to files is switched off for the statement, never reads
a file. A row that cannot be read refuses the whole file in one line — a query over a file
with rows silently missing would give a wrong number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chanops.errors import InputFileError, UsageError
from chanops.schema import KINDS
from chanops.sql import ident

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from chanops.config import Config
    from chanops.ingest.readers import OpenedExtract
    from chanops.schema import Kind

TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SHOWN_VALUE = 60  # characters of a refused value quoted in the message


@dataclass(frozen=True)
class ExtractTable:
    """`--file NAME[:KIND]=PATH`: the table NAME, read from PATH, mapped as KIND when given."""

    name: str
    path: Path
    kind: str | None = None

    @classmethod
    def parse(cls, text: str) -> ExtractTable:
        """'name=path' or 'name:kind=path'; a bad name or kind is a usage error."""
        target, sep, path = text.partition("=")
        if not sep or not target.strip() or not path.strip():
            raise UsageError(f"--file {text}: give NAME=PATH, or NAME:KIND=PATH to read it as `load KIND` does")
        name, _, kind = target.strip().partition(":")
        if not TABLE_NAME.fullmatch(name):
            raise UsageError(
                f"--file {text}: '{name}' is not a table name (letters, digits and _, not starting with a digit)"
            )
        if kind and kind not in KINDS:
            raise UsageError(f"--file {text}: unknown kind '{kind}'; kinds: {', '.join(KINDS)}")
        return cls(name, Path(path.strip()), kind or None)


def read_extract(spec: ExtractTable, config: Config) -> pa.Table:
    """The extract's rows in file order: text columns under its own header, or the kind's
    columns normalized (see the module docstring)."""
    import duckdb

    from chanops.ingest.readers import open_extract
    from chanops.ingest.staging import header_fit

    k = KINDS[spec.kind] if spec.kind else None
    user_map = config.column_maps.get(spec.kind, {}) if spec.kind else {}
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        fits = header_fit(k, user_map) if k else _header_of_several_fields
        source = open_extract(con, spec.path, "auto", "sqlfile", fits)
        try:
            table = _typed(con, spec, source, k, user_map, config) if k else _as_text(con, source)
            _account_for_every_line(con, spec, source)
            return table
        finally:
            source.close()
    except duckdb.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputFileError(f"{spec.path}: cannot be read ({detail})") from None
    finally:
        con.close()


def _header_of_several_fields(fields: list[str]) -> int | None:
    """Without a kind the header is the first line of two fields or more: a title line above
    it ("2022年11月业务办理记录") has one."""
    return len(fields) if len(fields) > 1 else None


def _column_names(headers: list[str]) -> list[str]:
    """The file's headers as column names: a blank one is column_N (its position), a repeated
    one gets _2, _3 … (a table cannot hold two columns of one name)."""
    names: list[str] = []
    seen: set[str] = set()
    for i, header in enumerate(headers, 1):
        base = header.strip() or f"column_{i}"
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name.lower())
        names.append(name)
    return names


def _as_text(con: duckdb.DuckDBPyConnection, source: OpenedExtract) -> pa.Table:
    columns = ", ".join(f"c{i} AS {ident(name)}" for i, name in enumerate(_column_names(source.headers)))
    return con.sql(f"SELECT {columns} FROM {source.from_sql} ORDER BY _record").to_arrow_table()


def _typed(
    con: duckdb.DuckDBPyConnection,
    spec: ExtractTable,
    source: OpenedExtract,
    k: Kind,
    user_map: dict[str, str],
    config: Config,
) -> pa.Table:
    """The kind's columns, normalized by the loader's own SQL; any row it would reject refuses
    the file, naming the first."""
    from chanops.ingest.staging import map_headers, stage_sql

    mapping = map_headers(k, source.headers, user_map, spec.path)
    con.execute(f"CREATE TEMP TABLE staged AS {stage_sql(k, source, mapping, config.channels, carry=('_record',))}")
    bad = con.execute(
        """SELECT count(*) OVER (), _record, _bad_column, _bad_value, _bad_reason FROM staged
           WHERE _bad_reason IS NOT NULL ORDER BY _record LIMIT 1"""
    ).fetchall()
    if bad:
        count, record, column, value, reason = bad[0]
        shown = str(value)[:SHOWN_VALUE] if value is not None else ""
        raise InputFileError(
            f"{spec.path}: {count:,} row(s) do not read as {k.name}; the first, data row {record}: "
            f"{column} '{shown}' — {reason} (chanops load {k.name} --dry-run lists them all; "
            f"--file {spec.name}=PATH reads the file as text)"
        )
    names = ", ".join(ident(c.name) for c in k.columns)
    return con.sql(f"SELECT {names} FROM staged ORDER BY _record").to_arrow_table()


def _account_for_every_line(con: duckdb.DuckDBPyConnection, spec: ExtractTable, source: OpenedExtract) -> None:
    """Every physical line below a text file's header is a row (or part of one, a quoted line
    break), or blank. A line DuckDB's reader could not split (a field too many, an
    unterminated quote) is left out of its scan, and a layout it misreads can leave out more:
    the file is refused rather than queried without them."""
    from chanops.ingest.text import blank_lines

    if source.layout is None or not source.text_rejects:  # .xlsx and .parquet have no lines to lose
        return
    layout = source.layout
    newlines = " + ".join(
        f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(len(source.headers))
    )
    covered = con.execute(f"SELECT coalesce(sum(1 + {newlines}), 0) FROM {source.from_sql}").fetchall()[0][0]
    rejected = con.execute(
        f"SELECT count(DISTINCT line), min(line), first(error_message ORDER BY line) FROM {source.text_rejects}"
    ).fetchall()
    count, line, message = rejected[0]
    if count:
        detail = str(message).strip().splitlines()[0] if message and str(message).strip() else "cannot be parsed"
        raise InputFileError(f"{spec.path}: {count:,} line(s) cannot be read, the first line {line} ({detail})")
    missing = max(layout.physical_lines - layout.header_line, 0) - int(covered)
    if missing > 0:
        missing -= len(blank_lines(layout.read_path, layout.compression, layout.header_line))
    if missing:
        raise InputFileError(
            f"{spec.path}: {abs(missing):,} line(s) below the header line {layout.header_line} were not read as rows; "
            "check the file's layout (an unterminated quote, blank lines between title and header)"
        )
