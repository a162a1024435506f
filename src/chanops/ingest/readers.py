"""Open an extract file as rows of text for the loader.

Every format ends up as a DuckDB FROM-clause whose columns are `c0..cN` VARCHAR,
in file order, plus the header names. Text files are read by DuckDB's CSV reader
with an explicit dialect (sniffed here from the header line) and every column as
text, so nothing is guessed: phone numbers keep their digits and `20221130` stays
a string until normalization. GB18030 — what Excel writes on Chinese Windows —
is transcoded to a temporary UTF-8 file in a streaming pass, since neither DuckDB
nor Polars can decode it (PITFALLS).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chanops.errors import InputFileError, UsageError
from chanops.sql import lit

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
SNIFF_BYTES = 256 * 1024
TRANSCODE_CHUNK = 4 * 1024 * 1024
DELIMITERS = (",", "\t", "|")
ENCODINGS = ("auto", "utf-8", "gb18030")


@dataclass
class OpenedExtract:
    """A readable extract: the FROM clause over c0..cN, and how to number its rows."""

    path: Path
    headers: list[str]
    from_sql: str
    encoding: str
    first_line: int  # line number of the first data row (2 when a header row precedes it)
    text_rejects: str | None = None  # DuckDB temp table of structurally bad lines (text files)
    cleanup: list = field(default_factory=list)

    def close(self) -> None:
        for action in reversed(self.cleanup):
            try:
                action()
            except duckdb.Error:
                pass  # after a failed statement the transaction is aborted; rollback drops temp tables anyway
        self.cleanup.clear()


def fingerprint(path: Path) -> str:
    """Content fingerprint of a file, for the loads ledger."""
    with open(path, "rb") as fh:
        return "sha256:" + hashlib.file_digest(fh, "sha256").hexdigest()


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


def _read_head(path: Path, gz: bool) -> bytes:
    try:
        if gz:
            with gzip.open(path, "rb") as fh:
                return fh.read(SNIFF_BYTES)
        with open(path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except (gzip.BadGzipFile, EOFError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InputFileError(f"{path}: cannot read ({reason})") from None


def detect_encoding(head: bytes, requested: str, path: Path) -> str:
    """UTF-8 (BOM or not) if the head decodes as UTF-8, else GB18030."""
    if requested not in ENCODINGS:
        raise UsageError(f"unknown encoding '{requested}'; use one of: {', '.join(ENCODINGS)}")
    if requested != "auto":
        return requested
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise InputFileError(f"{path}: text is neither UTF-8 nor GB18030; pass --encoding") from None


def sniff_header(head: bytes, encoding: str, path: Path) -> tuple[str, list[str]]:
    """The delimiter (`,` tab or `|`, whichever the header line uses most) and header names."""
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    text = text.lstrip("\ufeff")
    first_line = text.splitlines()[0] if text.strip() else ""
    if not first_line.strip():
        raise InputFileError(f"{path}: the first line is empty; expected a header row")
    delimiter = max(DELIMITERS, key=first_line.count)
    headers = next(csv.reader([first_line], delimiter=delimiter))
    return delimiter, [h.strip() for h in headers]


def _transcode_to_utf8(path: Path, gz: bool, encoding: str, workdir: Path) -> Path:
    """Stream `path` from `encoding` to a UTF-8 temp file (chunked; bounded memory)."""
    target = workdir / "transcoded.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as src, open(target, "w", encoding="utf-8", newline="") as dst:
            while chunk := src.read(TRANSCODE_CHUNK):
                dst.write(decoder.decode(chunk))
            dst.write(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path}: not valid {encoding} near byte {exc.start}; check --encoding") from None
    return target


def open_text(con: duckdb.DuckDBPyConnection, path: Path, gz: bool, encoding: str, tag: str) -> OpenedExtract:
    head = _read_head(path, gz)
    if not head:
        raise InputFileError(f"{path}: file is empty")
    if b"\x00" in head:
        raise InputFileError(f"{path}: looks binary (NUL bytes), not a text extract")
    encoding = detect_encoding(head, encoding, path)
    delimiter, headers = sniff_header(head, encoding, path)
    source = OpenedExtract(path=path, headers=headers, from_sql="", encoding=encoding, first_line=2)
    read_path, compression = path, "gzip" if gz else "none"
    if encoding != "utf-8":
        workdir = Path(tempfile.mkdtemp(prefix="chanops-"))
        source.cleanup.append(lambda: shutil.rmtree(workdir, ignore_errors=True))
        read_path, compression = _transcode_to_utf8(path, gz, encoding, workdir), "none"
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(headers))) + "}"
    rejects, scans = f"_rj_{tag}", f"_rjscan_{tag}"
    # Explicit dialect and auto_detect=false: nothing is inferred, and a malformed
    # line becomes a numbered entry in the rejects table instead of an error.
    source.from_sql = (
        f"read_csv({lit(str(read_path))}, columns={columns}, header=true, auto_detect=false, "
        f"delim={lit(delimiter)}, quote='\"', escape='\"', compression='{compression}', "
        f"store_rejects=true, rejects_table='{rejects}', rejects_scan='{scans}')"
    )
    source.text_rejects = rejects

    def drop_rejects() -> None:
        for table in (rejects, scans):
            con.execute(f"DROP TABLE IF EXISTS {table}")

    source.cleanup.append(drop_rejects)
    return source


def open_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> OpenedExtract:
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise InputFileError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]})") from None
    headers = [row[0] for row in described]
    casts = ", ".join(f'CAST("{h.replace(chr(34), chr(34) * 2)}" AS VARCHAR) AS c{i}' for i, h in enumerate(headers))
    return OpenedExtract(
        path=path,
        headers=headers,
        from_sql=f"(SELECT {casts} FROM read_parquet({lit(str(path))}))",
        encoding="parquet",
        first_line=1,
    )


def open_xlsx(con: duckdb.DuckDBPyConnection, path: Path, tag: str) -> OpenedExtract:
    import polars as pl

    try:
        # infer_schema_length=0: every cell as text, so IDs and phone numbers survive.
        frame = pl.read_excel(path, infer_schema_length=0)
    except Exception as exc:  # fastexcel raises its own exception types
        raise InputFileError(f"{path}: not a readable XLSX workbook ({str(exc).splitlines()[0]})") from None
    if frame.width == 0:
        raise InputFileError(f"{path}: the first sheet is empty")
    headers = [str(h).strip() for h in frame.columns]
    frame.columns = [f"c{i}" for i in range(frame.width)]
    view = f"_xlsx_{tag}"
    con.register(view, frame.to_arrow())
    source = OpenedExtract(path=path, headers=headers, from_sql=view, encoding="xlsx", first_line=2)
    source.cleanup.append(lambda: con.unregister(view))
    return source


def open_extract(con: duckdb.DuckDBPyConnection, path: Path, encoding: str, tag: str) -> OpenedExtract:
    """Open any supported extract as text columns c0..cN for the loader."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file")
    if not path.is_file():
        raise InputFileError(f"{path}: not a regular file")
    fmt, gz = file_format(path)
    if fmt == "parquet":
        return open_parquet(con, path)
    if fmt == "xlsx":
        return open_xlsx(con, path, tag)
    return open_text(con, path, gz, encoding, tag)
