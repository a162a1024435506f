"""Text extracts (CSV/TSV/pipe/semicolon/space, optionally .gz) as DuckDB rows of text.

What arrives from BOSS, CRM and Excel on Chinese Windows: UTF-8 with or without BOM,
GB18030 (with the odd invalid byte), UTF-16 with BOM, a title line or two above the
header, any of `,` TAB `|` `;` or space between fields, CRLF, LF or CR line ends, mixed. This
module finds the header (the first line whose fields map to the kind's required columns),
rewrites what DuckDB cannot read as it is — another encoding (PITFALLS: DuckDB and Polars
know no GB18030) or mixed line ends (lineends.py) — to a temporary UTF-8 file with LF ends
in one streaming pass, and counts the file's physical lines so the loader can prove every
data line was loaded or rejected.

DuckDB's CSV reader then reads every column as text with an explicit dialect and
`store_rejects`, so nothing is guessed and a malformed line becomes a numbered reject.
`line_mode` reads each physical line as one record (linemode.py), for files where an
unterminated quote would otherwise swallow the lines after it.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chanops.errors import InputFileError, UsageError
from chanops.ingest.lineends import LineEnds, lf_ended, scan_line_ends
from chanops.ingest.linemode import line_mode_sql
from chanops.sql import lit

SNIFF_BYTES = 256 * 1024
TRANSCODE_CHUNK = 4 * 1024 * 1024
DELIMITERS = (",", "\t", "|", ";", " ")
ENCODINGS = ("auto", "utf-8", "gb18030", "utf-16")
PREAMBLE_LINES = 20  # how far down a title block may push the header
# A head that is not UTF-8 is taken for GB18030 when at most this share of it is undecodable.
GB18030_BAD_SHARE = 0.01
REPLACEMENT = "\ufffd"
# The reader's count of records, 1-based, in file order (see read_csv_sql).
RECORD_NUMBER = "row_number() OVER ()"
LINE_END = re.compile(r"\r\n|\r|\n")


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
            self.known_lines = scan_line_ends(self.read_path, self.compression).lines
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
    lines = LINE_END.split(text)
    lines = (lines[:-1] if len(head) == SNIFF_BYTES else lines)[: PREAMBLE_LINES + 1]
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


def rewrite_as_utf8(path: Path, gz: bool, encoding: str, workdir: Path) -> tuple[Path, int, int]:
    """Stream `path` to a UTF-8 temp file with LF line ends (chunked; bounded memory):
    (the file, invalid byte sequences turned into U+FFFD, physical lines). The replacements
    are counted so the loader quarantines just their rows; UTF-8 input is copied as bytes,
    so DuckDB still names its invalid lines itself."""
    target = workdir / "transcoded.csv"
    opener = gzip.open if gz else open
    replaced = lines = 0
    last = "\n"
    try:
        with opener(path, "rb") as src, open(target, "wb") as dst:
            chunks: Iterator[bytes] = iter(lambda: src.read(TRANSCODE_CHUNK), b"")
            if encoding == "utf-8":
                pieces: Iterator[bytes] = lf_ended(chunks)
            else:
                texts = _decoded(chunks, encoding)
                pieces = (text.encode("utf-8") for text in lf_ended(texts))
            for piece in pieces:
                if encoding != "utf-8":
                    replaced += piece.count(REPLACEMENT.encode("utf-8"))
                lines += piece.count(b"\n")
                last = piece[-1:].decode("latin-1") or last
                dst.write(piece)
    except OSError as exc:
        raise InputFileError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return target, replaced, lines + (last != "\n")


def _decoded(chunks: Iterator[bytes], encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    for chunk in chunks:
        yield decoder.decode(chunk)
    yield decoder.decode(b"", final=True)


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


def open_text(
    path: Path, gz: bool, encoding: str, fits: Callable[[list[str]], int | None], ends: LineEnds | None = None
) -> TextExtract:
    """Find the encoding, the header and the delimiter; rewrite the file as UTF-8 with LF ends
    when DuckDB cannot read it as it is. `ends`: the file's line ends, when already counted
    (they are counted here otherwise; a gzipped file's are those of its content)."""
    head = read_head(path, gz)
    if not head.strip():
        raise InputFileError(f"{path}: file is empty")
    encoding = detect_encoding(head, encoding, path)
    header_line, delimiter, headers, preamble = find_header(head, encoding, path, fits)
    extract = TextExtract(
        headers, encoding, TextLayout(delimiter, header_line, preamble, path, "gzip" if gz else "none")
    )
    if encoding == "utf-8":
        if ends is None or gz:
            ends = scan_line_ends(path, extract.layout.compression)
        if ends.uniform:
            extract.layout.known_lines = ends.lines
            return extract
    workdir = Path(tempfile.mkdtemp(prefix="chanops-"))
    extract.cleanup.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
    layout = extract.layout
    layout.read_path, layout.replaced_bytes, layout.known_lines = rewrite_as_utf8(path, gz, encoding, workdir)
    layout.compression = "none"
    return extract


def read_csv_sql(layout: TextLayout, width: int, rejects: str, scans: str) -> str:
    """DuckDB read_csv over the file: columns c0..c{width-1} all text, and `_record`, the
    record's number in the file (1-based, rejected lines not counted); explicit dialect, bad
    lines into `rejects`. Line numbers DuckDB reports count from the file's first line. In
    line mode `_fault` and `_text` come too (linemode.py)."""
    options = (
        f"header=true, skip={layout.header_line - 1}, auto_detect=false, compression='{layout.compression}', "
        f"store_rejects=true, rejects_table='{rejects}', rejects_scan='{scans}'"
    )
    if layout.line_mode:
        return line_mode_sql(options, str(layout.read_path), width, layout.delimiter)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    scan = (
        f"read_csv({lit(str(layout.read_path))}, columns={columns}, delim={lit(layout.delimiter)}, "
        f"quote='\"', escape='\"', {options})"
    )
    # `_record`: the record's number in the file, counted by a streaming window right on the
    # reader. Rows reach a multi-threaded INSERT or CREATE TABLE in no fixed order (PITFALLS,
    # December 2026), so rowid never says where a row was in the file; this column does.
    return f"(SELECT *, {RECORD_NUMBER} AS _record FROM {scan})"


def drop_tables(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> None:
    for name in names:
        con.execute(f"DROP TABLE IF EXISTS {name}")
