"""XLSX that works like Excel: every number a number with its format (0.00% for rates,
+0.00"pp" for changes of rates, #,##0.00"/百万" for a rate per million customers and
+#,##0.00"/百万" for its change, #,##0 for counts, #,##0.00 for money and points), bold
frozen headers, an autofilter on every table, columns wide enough for Chinese text, sheet
names in the reader's language — and nothing a spreadsheet would run (strings never
become formulas, text that looks like one gets a leading apostrophe).

`write_xlsx` is the `--format xlsx` writer of every command; the report adds a cover
sheet through `add_formats` and `write_table`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING, Any, cast

from chanops.present.formats import OutputOptions
from chanops.present.labels import is_identifier, label, worded

if TYPE_CHECKING:
    import polars as pl

    from chanops.present.section import Section

NUMBER_FORMATS = {
    "pct": "0.00%",
    "pp": '+0.00"pp";-0.00"pp";0.00"pp"',
    "count": "#,##0",
    "id": "0",
    "money": "#,##0.00",
    "signed": "+#,##0.00;-#,##0.00;0.00",
    "decimal": "#,##0.0#",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "date": "yyyy-mm-dd",
    "text": "@",
}
# KPI cells (numbers.cell_unit): the format names the unit, so a change of a rate per
# million never reads as percentage points. Stored values: a share as its fraction, a pp
# change as points (×100, which 0.00% would do for a share), every other unit as is.
UNIT_NAMES = {"zh": {"per_million": "/百万", "amount": "元"}, "en": {"per_million": " per million", "amount": " yuan"}}
CELL_SCALE = {"pp": 100}


def unit_formats(lang: str) -> dict[str, str]:
    """Number formats of the KPI cell units in the reader's language."""
    names = UNIT_NAMES["zh" if lang == "zh" else "en"]
    formats = {"share": NUMBER_FORMATS["pct"], "pp": NUMBER_FORMATS["pp"]}
    for unit in ("per_million", "amount", "number"):
        suffix = f'"{names[unit]}"' if unit in names else ""
        formats[unit] = f"#,##0.00{suffix}"
        formats[f"{unit}_change"] = f"+#,##0.00{suffix};-#,##0.00{suffix};0.00{suffix}"
    return formats


WORKBOOK_OPTIONS = {
    # strings stay strings: a staff name like "=HYPERLINK(...)" must never become a formula
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": True,
    "remove_timezone": True,  # Excel has no time zones; loads are stamped in local time
}
MOST_WIDTH, LEAST_WIDTH = 48, 6
NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def add_formats(workbook, lang: str = "zh") -> dict[str, Any]:
    """The workbook's cell formats: per kind plain, and red bold for a breached cell."""
    formats = {"header": workbook.add_format({"bold": True, "bg_color": "#EEF3F8", "bottom": 1, "text_wrap": False})}
    for kind, pattern in {**NUMBER_FORMATS, **unit_formats(lang)}.items():
        formats[kind] = workbook.add_format({"num_format": pattern})
        formats[f"{kind}!"] = workbook.add_format({"num_format": pattern, "bold": True, "font_color": "#C0392B"})
    formats["title"] = workbook.add_format({"bold": True, "font_size": 16})
    formats["bad"] = workbook.add_format({"bold": True, "font_color": "#C0392B"})
    formats["good"] = workbook.add_format({"bold": True, "font_color": "#2E8B57"})
    return formats


def write_xlsx(sections: Sequence[Section], dest: IO, options: OutputOptions) -> None:
    import xlsxwriter

    with xlsxwriter.Workbook(dest, WORKBOOK_OPTIONS) as workbook:
        formats = add_formats(workbook, options.lang)
        used: set[str] = set()
        for i, section in enumerate(sections):
            sheet = workbook.add_worksheet(sheet_name(section.title or f"Sheet{i + 1}", options.lang, used))
            write_table(sheet, section, options, formats)


def sheet_name(title: str, lang: str, used: set[str]) -> str:
    """The title's label, without the characters Excel forbids, at most 31 characters, unique."""
    base = NOT_IN_SHEET_NAMES.sub(" ", label(title, lang)).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def write_table(sheet, section: Section, options: OutputOptions, formats: dict, first_row: int = 0) -> int:
    """The section as a table from `first_row`: bold frozen header, autofilter, widths fitted;
    returns the row after it."""
    from chanops.present.section import masked, neutralized

    # masked first: it turns structs, lists and BLOBs (and integers holding a phone number) into
    # text, and the cell kinds follow what is written
    frame = masked(
        section.polars().drop(section.machine_only, strict=False),
        options.shows_numbers(section.dispatch),
        section.free_text,
    )
    kinds = cell_kinds(frame, section)
    row_units = frame[section.row_kinds].to_list() if section.row_kinds else None
    if section.row_kinds:
        frame = frame.drop(section.row_kinds)
    frame = neutralized(section.worded_values(worded(frame, options.lang, options.channels), options.lang))
    headers = _unique_labels(frame.columns, section, options.lang)
    sheet.write_row(first_row, 0, headers, formats["header"])
    for col, name in enumerate(frame.columns):
        values, kind = _cells(frame, name, kinds.get(name, "text"))
        for row, value in enumerate(values):
            cell_kind = _row_kind(kind, name, section, row_units[row]) if row_units else kind
            if cell_kind == "quantity":  # a count, or yuan with cents
                cell_kind = "money" if value is not None and not float(value).is_integer() else "count"
            if value is not None and cell_kind in CELL_SCALE:
                value = value * CELL_SCALE[cell_kind]
            if (row, name) in section.marked:
                cell_kind += "!"
            sheet.write(first_row + 1 + row, col, value, formats[cell_kind])
        sheet.set_column(col, col, _width(headers[col], frame, name, kind))
    last_row = first_row + frame.height
    sheet.autofilter(first_row, 0, last_row, max(len(headers) - 1, 0))
    if first_row == 0:
        sheet.freeze_panes(1, 0)
    return last_row + 1


def cell_kinds(frame: pl.DataFrame, section: Section) -> dict[str, str]:
    import polars as pl

    kinds = {}
    for name, dtype in frame.schema.items():
        if name in section.units:
            kinds[name] = section.units[name]
        elif name in section.percent:
            kinds[name] = "pct"
        elif name in section.points:
            kinds[name] = "pp"
        elif dtype.is_integer():
            kinds[name] = "id" if is_identifier(name) else "count"
        elif isinstance(dtype, pl.Decimal):  # a whole one is a count (DuckDB's SUM of integers)
            kinds[name] = "money" if dtype.scale else ("id" if is_identifier(name) else "count")
        elif dtype.is_float():
            kinds[name] = "decimal"
        elif isinstance(dtype, pl.Datetime):
            kinds[name] = "datetime"
        elif dtype == pl.Date:
            kinds[name] = "date"
        else:
            kinds[name] = "text"
    return kinds


def _row_kind(kind: str, name: str, section: Section, row_unit: str | None) -> str:
    """In a table whose rows are different KPIs, a `percent` column is in the row's unit and
    a `points` column is a change in the row's change unit (SPEC §4: the change of a rate per
    million is in its own unit, not pp). `pct`/`number`, the older row formats, are read as
    share/number."""
    from chanops.present.numbers import cell_unit

    unit = {"pct": "share"}.get(row_unit or "", row_unit or "")
    if unit == "count" and name in section.percent:  # a whole number in a table of mixed figures
        return "count"
    if unit not in ("share", "per_million", "amount", "number"):
        unit = "number"
    if name in section.percent:
        return cell_unit(unit)
    if name in section.points:
        return cell_unit(unit, change=True)
    return kind


def _cells(frame: pl.DataFrame, name: str, kind: str) -> tuple[list, str]:
    """Python values for xlsxwriter: Decimals as floats (each cell is scaled to its unit when
    written: a change of a share in points)."""
    import polars as pl

    column = frame.get_column(name)
    if isinstance(column.dtype, pl.Decimal):
        column = column.cast(pl.Float64)
    return column.to_list(), kind


def _unique_labels(columns: Sequence[str], section: Section, lang: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        text = section.label(name, lang)
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({name})")
    return out


def _width(header: str, frame: pl.DataFrame, name: str, kind: str) -> float:
    """Characters the widest cell needs, a CJK character counting two (UTF-8 spends three
    bytes on it and one on ASCII, so chars + (bytes − chars)/2 is its width), plus room
    for the autofilter arrow."""
    import polars as pl

    column = frame.get_column(name)
    if kind == "text":
        widths = column.cast(pl.String).drop_nulls()
        # a numeric Series' max is a number; Series.max() is annotated for every dtype
        text = cast(float, (widths.str.len_chars() + (widths.str.len_bytes() - widths.str.len_chars()) / 2).max() or 0)
    elif kind in ("datetime", "date"):
        text = 19 if kind == "datetime" else 10
    else:
        numbers = column.cast(pl.Float64).drop_nulls().abs()
        largest = cast(float, numbers.max()) if numbers.len() else 0
        text = len(f"{largest or 0:,.2f}") + 2 + (6 if kind.startswith(("per_million", "amount")) else 0)
    head = len(header) + (len(header.encode()) - len(header)) / 2
    return float(min(max(text, head + 3, LEAST_WIDTH), MOST_WIDTH) + 2)
