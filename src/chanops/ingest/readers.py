"""Open an extract file as rows of text for the loader.

Every format ends up as a DuckDB FROM-clause whose columns are `c0..cN` VARCHAR, in
file order, plus the header names: text files through ingest/text.py (encodings,
header and delimiter sniffing, line counts), Parquet through DuckDB, XLSX through
calamine. Nothing is typed here, so phone numbers keep their digits and `20221130`
stays a string until normalization.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chanops.errors import InputFileError
from chanops.ingest.lineends import LineEnds, scan_line_ends
from chanops.ingest.text import PREAMBLE_LINES, TextLayout, drop_tables, open_text, read_csv_sql
from chanops.ingest.workbook import find_header_row, first_sheet_row, read_sheet
from chanops.sql import ident, lit

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}


@dataclass
class OpenedExtract:
    """A readable extract: the FROM clause over c0..cN and `_record` (the record's number in the
    file, 1-based, from the reader: never rowid, which a parallel insert scrambles), and how to
    number its rows."""

    path: Path
    headers: list[str]
    from_sql: str
    encoding: str
    first_line: int  # physical line number of the first data row
    layout: TextLayout | None = None  # text files only
    text_rejects: str | None = None  # DuckDB temp table of structurally bad lines (text files)
    preamble: list[str] = field(default_factory=list)  # lines or sheet rows above the header, skipped
    cleanup: list[Callable[[], object]] = field(default_factory=list)

    def drop_rejects(self, con: duckdb.DuckDBPyConnection) -> None:
        """Forget DuckDB's rejects of a read, before reading the file again."""
        if self.text_rejects:
            drop_tables(con, (self.text_rejects, self.text_rejects.replace("_rj_", "_rjscan_")))

    def close(self) -> None:
        for action in reversed(self.cleanup):
            try:
                action()
            except duckdb.Error:
                pass  # after a failed statement the transaction is aborted; rollback drops temp tables anyway
        self.cleanup.clear()


def unparseable(source: OpenedExtract, exc: duckdb.InvalidInputException) -> InputFileError:
    """DuckDB could not read the file at all (e.g. a bare CR outside quotes): one line."""
    detail = str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
    return InputFileError(f"{source.path}: cannot be parsed ({detail})")


def fingerprint(path: Path) -> tuple[str, LineEnds]:
    """Byte fingerprint of a file, for the loads ledger (a same-bytes re-load is skipped at once),
    and its line ends from the same read."""
    digest = hashlib.sha256()
    ends = scan_line_ends(path, "none", digest)
    return "sha256:" + digest.hexdigest(), ends


def file_format(path: Path) -> tuple[str, bool]:
    """('text'|'parquet'|'xlsx', gzipped?) from the file name."""
    suffixes = [s.lower() for s in path.suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    last = suffixes[-2] if gz and len(suffixes) > 1 else (suffixes[-1] if suffixes else "")
    if last in TEXT_SUFFIXES:
        return "text", gz
    if last == ".parquet" and not gz:
        return "parquet", False
    if last == ".xlsx" and not gz:
        return "xlsx", False
    raise InputFileError(f"{path}: unsupported file type; use .csv/.txt/.tsv (optionally .gz), .parquet or .xlsx")


def open_text_extract(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    gz: bool,
    encoding: str,
    tag: str,
    fits,
    line_mode: bool = False,
    ends: LineEnds | None = None,
) -> OpenedExtract:
    text = open_text(path, gz, encoding, fits, ends)
    text.layout.line_mode = line_mode
    rejects, scans = f"_rj_{tag}", f"_rjscan_{tag}"
    source = OpenedExtract(
        path=path,
        headers=text.headers,
        from_sql=read_csv_sql(text.layout, len(text.headers), rejects, scans),
        encoding=text.encoding,
        first_line=text.layout.header_line + 1,
        layout=text.layout,
        preamble=text.layout.preamble,
        text_rejects=rejects,
        cleanup=list(text.cleanup),
    )
    source.cleanup.append(lambda: drop_tables(con, (rejects, scans)))
    return source


def open_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> OpenedExtract:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise InputFileError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    headers = [row[0] for row in described]
    casts = ", ".join(f"CAST({ident(h)} AS VARCHAR) AS c{i}" for i, h in enumerate(headers))
    return OpenedExtract(
        path=path,
        headers=headers,
        from_sql=f"(SELECT {casts}, file_row_number + 1 AS _record "
        f"FROM read_parquet({lit(str(path))}, file_row_number=true))",
        encoding="parquet",
        first_line=1,
    )


def open_xlsx(con: duckdb.DuckDBPyConnection, path: Path, tag: str, fits) -> OpenedExtract:
    """The first sheet below its header (workbook.py); `_record` counts sheet rows from the
    first one below the header, empty ones included, so a row's line is its sheet row."""
    import polars as pl

    frame = read_sheet(path)
    header, headers, preamble = find_header_row(frame.head(PREAMBLE_LINES + 1).rows(), path, fits)
    data = frame.slice(header + 1).with_row_index("_record", offset=1)
    data = data.filter(~pl.all_horizontal(pl.exclude("_record").is_null()))  # empty rows: nothing to read
    view = f"_xlsx_{tag}"
    con.register(view, data.select(*frame.columns[: len(headers)], "_record").to_arrow())
    source = OpenedExtract(
        path=path,
        headers=headers,
        from_sql=view,
        encoding="xlsx",
        first_line=first_sheet_row(path) + header + 1,
        preamble=preamble,
    )
    source.cleanup.append(lambda: con.unregister(view))
    return source


def open_extract(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    encoding: str,
    tag: str,
    fits: Callable[[list[str]], int | None],
    line_mode: bool = False,
    ends: LineEnds | None = None,
) -> OpenedExtract:
    """Open any supported extract as text columns c0..cN for the loader. `fits` tells whether a
    candidate header line maps to the kind (text files search for it below a title block)."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if not path.is_file():
        raise InputFileError(f"{path}: not a regular file")
    fmt, gz = file_format(path)
    if fmt == "parquet":
        return open_parquet(con, path)
    if fmt == "xlsx":
        return open_xlsx(con, path, tag, fits)
    return open_text_extract(con, path, gz, encoding, tag, fits, line_mode, ends)
