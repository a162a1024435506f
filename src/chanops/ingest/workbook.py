"""An XLSX extract's first sheet as rows of text, its header found below any title block.

Workbooks from BOSS and from analysts carry a title block above the header as CSV exports
do (a merged title cell, a blank row, 制表日期 …). So, as for text (text.find_header), the
header is the first row within PREAMBLE_LINES whose cells map to the kind's required columns,
and the rows above it are reported as skipped. Rejects name the row Excel shows: calamine
(fastexcel) starts the sheet at its first row holding a value and polars drops empty rows,
so empty rows are kept while reading, numbered, then left out, and the sheet row of the
first row read comes from the sheet's XML.
"""

from __future__ import annotations

import posixpath
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from chanops.errors import InputFileError
from chanops.ingest.text import PREAMBLE_LINES

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def read_sheet(path: Path):
    """The first sheet, every cell as text (IDs and phone numbers keep their digits), no row
    taken as the header and no empty row dropped; columns c0..cN."""
    import polars as pl

    try:
        frame = pl.read_excel(path, has_header=False, infer_schema_length=0, drop_empty_rows=False)
    except Exception as exc:  # fastexcel raises its own exception types
        raise InputFileError(f"{path}: not a readable XLSX workbook ({str(exc).splitlines()[0]})") from None
    if frame.width == 0 or frame.height == 0:
        raise InputFileError(f"{path}: the first sheet is empty")
    frame.columns = [f"c{i}" for i in range(frame.width)]
    return frame


def first_sheet_row(path: Path) -> int:
    """The sheet row number (1-based) of the first row holding a value in the first sheet: where
    calamine starts reading. Read from the sheet's XML, stopping at that row."""
    try:
        with zipfile.ZipFile(path) as book:
            sheet = _first_sheet_part(book)
            with book.open(sheet) as xml:
                for _event, row in ElementTree.iterparse(xml):
                    if row.tag != f"{MAIN}row":
                        continue
                    if any(c.find(f"{MAIN}v") is not None or c.find(f"{MAIN}is") is not None for c in row):
                        return int(row.get("r", "1"))
                    row.clear()
    except (zipfile.BadZipFile, KeyError, ValueError, ElementTree.ParseError) as exc:
        raise InputFileError(f"{path}: not a readable XLSX workbook ({exc})") from None
    return 1


def _first_sheet_part(book: zipfile.ZipFile) -> str:
    """The zip member of the workbook's first sheet (its order in workbook.xml, as polars reads)."""
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    first = workbook.find(f"{MAIN}sheets/{MAIN}sheet")
    if first is None:
        raise KeyError("no sheet")
    relations = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    for relation in relations:
        if relation.get("Id") == first.get(RELATIONSHIP):
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    raise KeyError("the first sheet's part")


def find_header_row(
    rows: list[tuple], path: Path, fits: Callable[[list[str]], int | None]
) -> tuple[int, list[str], list[str]]:
    """(index of the header among `rows`, header names, non-blank rows above it as text).

    `rows` are the sheet's first rows as read; the header is the first, within PREAMBLE_LINES
    non-blank or blank rows, whose cells map to the kind (`fits`, as for text files). With no
    such row the first non-blank one is the header, and the caller's mapping names what is
    missing."""
    cells = [[("" if v is None else str(v)).strip() for v in row] for row in rows[: PREAMBLE_LINES + 1]]
    non_blank = [i for i, row in enumerate(cells) if any(row)]
    if not non_blank:
        raise InputFileError(f"{path}: no header row (the first sheet starts with empty rows only)")
    header = next((i for i in non_blank if fits(cells[i]) is not None), non_blank[0])
    above = [" ".join(v for v in cells[i] if v) for i in non_blank if i < header]
    return header, cells[header], above
