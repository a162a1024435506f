"""Text extracts (CSV/TSV/pipe/semicolon/space, optionally .gz) as DuckDB rows of text.

What arrives from BOSS, CRM and Excel on Chinese Windows: UTF-8 with or without BOM,
GB18030 (with the odd invalid byte), UTF-16 with BOM, a title line or two above the
header, any of `,` TAB `|` `;` or space between fields, CRLF line ends. This module
finds the header (the first line whose fields map to the kind's required columns),
transcodes what DuckDB cannot read to a temporary UTF-8 file in a streaming pass
(PITFALLS: DuckDB and Polars know no GB18030), and counts the file's physical lines so
the loader can prove every data line was loaded or rejected.

DuckDB's CSV reader then reads every column as text with an explicit dialect and
`store_rejects`, so nothing is guessed and a malformed line becomes a numbered reject.
`line_mode` reads with quoting off — each physical line one record, enclosing quotes
removed afterwards — for files where an unterminated quote would otherwise swallow
the lines after it.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chanops.errors import InputFileError, UsageError
from chanops.sql import lit

SNIFF_BYTES = 256 * 1024
TRANSCODE_CHUNK = 4 * 1024 * 1024
COUNT_CHUNK = 16 * 1024 * 1024
DELIMITERS = (",", "\t", "|", ";", " ")
ENCODINGS = ("auto", "utf-8", "gb18030", "utf-16")
PREAMBLE_LINES = 20  # how far down a title block may push the header
# A head that is not UTF-8 is taken for GB18030 when at most this share of it is undecodable.
GB18030_BAD_SHARE = 0.01
REPLACEMENT = "\ufffd"
# The reader's count of records, 1-based, in file order (see read_csv_sql).
RECORD_NUMBER = "row_number() OVER ()"


@dataclass
class TextLayout:
    """How a text extract is laid out, and what reading it took."""

    delimiter: str
    header_line: int  # physical line number (1-based) of the header
    preamble: list[str]  # non-blank lines above the header, reported as skipped
    read_path: Path  # the file DuckDB reads (the original, or a UTF-8 transcode)
    compression: str  # 'gzip' or 'none' for read_path
    replaced_bytes: int = 0  # invalid byte sequences turned into U+FFFD while transcoding
    line_mode: bool = False
    known_lines: int | None = None  # counted while fingerprinting, when the bytes are the ones read

    @property
    def physical_lines(self) -> int:
        if self.known_lines is None:
            self.known_lines = count_lines(self.read_path, self.compression)
        return self.known_lines


@dataclass
class TextExtract:
    headers: list[str]
    encoding: str
    layout: TextLayout
    cleanup: list[Callable[[], object]] = field(default_factory=list)


def read_head(path: Path, gz: bool) -> bytes:
    try:
        if gz:
            with gzip.open(path, "rb") as fh:
                return fh.read(SNIFF_BYTES)
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except (gzip.BadGzipFile, EOFError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputFileError(f"{path}: cannot read ({reason})") from None


def detect_encoding(head: bytes, requested: str, path: str | Path) -> str:
    """UTF-16 by its BOM; UTF-8 (BOM or not) when the head decodes as UTF-8; else GB18030,
    when nearly all of the head decodes as such (a few bad bytes quarantine their rows)."""
    if requested not in ENCODINGS:
        raise UsageError(f"unknown encoding '{requested}'; use one of: {', '.join(ENCODINGS)}")
    if requested != "auto":
        return requested
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise InputFileError(f"{path}: looks binary (NUL bytes), not a text extract")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    text = codecs.getincrementaldecoder("gb18030")(errors="replace").decode(head, final=False)
    if text.count(REPLACEMENT) <= max(3, GB18030_BAD_SHARE * len(text)):
        return "gb18030"
    raise InputFileError(f"{path}: text is neither UTF-8, UTF-16 nor GB18030; pass --encoding")


def _split(line: str, delimiter: str) -> list[str]:
    return [h.strip().strip("\ufeff") for h in next(csv.reader([line], delimiter=delimiter))]


def find_header(
    head: bytes, encoding: str, path: str | Path, fits: Callable[[list[str]], int | None]
) -> tuple[int, str, list[str], list[str]]:
    """(physical line of the header, delimiter, header names, preamble lines above it).

    The header is the first line, within the first PREAMBLE_LINES, whose fields under some
    delimiter map to the kind's required columns (`fits` returns how many fields map, or None);
    among delimiters the one mapping the most fields wins. With no such line, the first
    non-blank line under its most frequent delimiter is returned and the caller's mapping
    names what is missing."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False).lstrip("\ufeff")
    lines = text.split("\n")[:-1] if len(head) == SNIFF_BYTES else text.split("\n")
    lines = [line.rstrip("\r") for line in lines[: PREAMBLE_LINES + 1]]
    non_blank = [(i, line) for i, line in enumerate(lines) if line.strip()]
    if not non_blank:
        raise InputFileError(f"{path}: no header row (the file starts with blank lines only)")
    for i, line in non_blank:
        best: tuple[int, str, list[str]] | None = None
        for delimiter in DELIMITERS:
            if delimiter not in line:
                continue
            fields = _split(line, delimiter)
            mapped = fits(fields)
            if mapped is not None and (best is None or mapped > best[0]):
                best = (mapped, delimiter, fields)
        if best is not None:
            preamble = [text for j, text in non_blank if j < i]
            return i + 1, best[1], best[2], preamble
    i, line = non_blank[0]
    delimiter = max(DELIMITERS, key=line.count)
    return i + 1, delimiter, _split(line, delimiter), []


def transcode_to_utf8(path: Path, gz: bool, encoding: str, workdir: Path) -> tuple[Path, int]:
    """Stream `path` from `encoding` to a UTF-8 temp file (chunked; bounded memory). Invalid
    byte sequences become U+FFFD, counted, so the loader quarantines just their rows."""
    target = workdir / "transcoded.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    opener = gzip.open if gz else open
    replaced = 0
    try:
        with opener(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(TRANSCODE_CHUNK):
                text = decoder.decode(chunk)
                replaced += text.count(REPLACEMENT)
                dst.write(text)
            tail = decoder.decode(b"", final=True)
            replaced += tail.count(REPLACEMENT)
            dst.write(tail)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return target, replaced


def count_lines(path: Path, compression: str, digest=None) -> int:
    """Physical lines of a file: newlines, plus a last line without one. With `digest` (a
    hashlib object) the same pass feeds it the bytes, so fingerprint and count cost one read."""
    opener = gzip.open if compression == "gzip" else open
    lines, last = 0, b"\n"
    with opener(path, "rb") as fh:
        while chunk := fh.read(COUNT_CHUNK):
            if digest is not None:
                digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (0 if last == b"\n" else 1)


def blank_lines(path: Path, compression: str, after: int) -> list[int]:
    """Physical numbers of the empty lines after line `after` (DuckDB skips them without a
    trace). Only called when the line count shows there are some, so its cost is rare."""
    opener = gzip.open if compression == "gzip" else open
    found, number = [], 0
    with opener(path, "rb") as fh:
        for line in fh:
            number += 1
            if number > after and not line.rstrip(b"\r\n"):
                found.append(number)
    # a file ending in "\n" has no line after the last newline: nothing to drop
    return found


def open_text(path: Path, gz: bool, encoding: str, fits: Callable[[list[str]], int | None]) -> TextExtract:
    """Find the encoding, the header and the delimiter; transcode when DuckDB cannot read it."""
    head = read_head(path, gz)
    if not head.strip():
        raise InputFileError(f"{path}: file is empty")
    encoding = detect_encoding(head, encoding, path)
    header_line, delimiter, headers, preamble = find_header(head, encoding, path, fits)
    extract = TextExtract(
        headers, encoding, TextLayout(delimiter, header_line, preamble, path, "gzip" if gz else "none")
    )
    if encoding != "utf-8":
        workdir = Path(tempfile.mkdtemp(prefix="chanops-"))
        extract.cleanup.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
        read_path, replaced = transcode_to_utf8(path, gz, encoding, workdir)
        extract.layout.read_path, extract.layout.compression, extract.layout.replaced_bytes = (
            read_path,
            "none",
            replaced,
        )
    return extract


def _fully_quoted(column: str) -> str:
    return f"(length({column}) >= 2 AND starts_with({column}, '\"') AND ends_with({column}, '\"'))"


def unquote_sql(column: str) -> str:
    """In line mode a field keeps its quotes: `"a"` → a and `""` → `"` when it is fully quoted."""
    return (
        f"CASE WHEN {_fully_quoted(column)} "
        f"THEN replace(substr({column}, 2, length({column}) - 2), '\"\"', '\"') ELSE {column} END"
    )


def stray_quote_sql(width: int) -> str:
    """In line mode: a field holding a quote without being fully quoted — the line that opened
    the quote which swallowed the lines after it."""
    fields = [f"c{i}" for i in range(width)]
    return " OR ".join(f"(strpos({c}, '\"') > 0 AND NOT coalesce({_fully_quoted(c)}, false))" for c in fields)


def read_csv_sql(layout: TextLayout, width: int, rejects: str, scans: str) -> str:
    """DuckDB read_csv over the file: columns c0..c{width-1} all text, and `_record`, the
    record's number in the file (1-based, rejected lines not counted); explicit dialect, bad
    lines into `rejects`. Line numbers DuckDB reports count from the file's first line."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    quoting = "quote='', escape=''" if layout.line_mode else "quote='\"', escape='\"'"
    scan = (
        f"read_csv({lit(str(layout.read_path))}, columns={columns}, header=true, skip={layout.header_line - 1}, "
        f"auto_detect=false, delim={lit(layout.delimiter)}, {quoting}, compression='{layout.compression}', "
        f"store_rejects=true, rejects_table='{rejects}', "
        f"rejects_scan='{scans}')"
    )
    # `_record`: the record's number in the file, counted by a streaming window right on the
    # reader. Rows reach a multi-threaded INSERT or CREATE TABLE in no fixed order (PITFALLS,
    # December 2026), so rowid never says where a row was in the file; this column does.
    if not layout.line_mode:
        return f"(SELECT *, {RECORD_NUMBER} AS _record FROM {scan})"
    unquoted = ", ".join(f"{unquote_sql(f'c{i}')} AS c{i}" for i in range(width))
    return f"(SELECT {unquoted}, {stray_quote_sql(width)} AS _stray_quote, {RECORD_NUMBER} AS _record FROM {scan})"


def drop_tables(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> None:
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS {name}")
