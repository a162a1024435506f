"""Output formats, defined once for every command.

Polars, PyArrow and xlsxwriter do the serializing; this module picks the writer.
Machine formats (csv, json, jsonl, parquet) keep snake_case ids and full
precision; human formats (table, markdown, xlsx) show zh/en labels and
percentages. Diagnostics never come here: they go to stderr, so piped output
stays clean.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from .errors import UsageError
from .formats import BINARY_FORMATS, OutputOptions
from .labels import label


@dataclass
class Section:
    """One titled result table. `percent` names ratio columns shown as percentages;
    `human`, when given, is what table and markdown show instead of `frame` (e.g. a
    long KPI layout that reads better than the wide machine layout)."""

    frame: pl.DataFrame
    title: str = ""
    percent: Sequence[str] = field(default_factory=tuple)
    points: Sequence[str] = field(default_factory=tuple)  # changes of rates, shown as +1.23pp
    human: pl.DataFrame | None = None


def percent_text(value: float | None) -> str:
    return "" if value is None else f"{value:.2%}"


def points_text(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.2f}pp"


def _display(section: Section, lang: str) -> pl.DataFrame:
    """Strings for humans: percentages with two decimals, labels as headers."""
    source = section.human if section.human is not None else section.frame
    exprs = []
    for name, dtype in source.schema.items():
        col = pl.col(name)
        if name in section.percent and section.human is None:
            col = col.map_elements(percent_text, return_dtype=pl.String)
        elif name in section.points and section.human is None:
            col = col.map_elements(points_text, return_dtype=pl.String)
        elif dtype.is_float():
            col = col.round(4).cast(pl.String)
        else:
            col = col.cast(pl.String)
        exprs.append(col.fill_null("").alias(label(name, lang)))
    return source.select(exprs) if exprs else source


def _labelled_unique(columns: Sequence[str], lang: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in columns:
        text = label(name, lang)
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({name})")
    return out


def _write_table(sections: Sequence[Section], dest: io.TextIOBase, lang: str) -> None:
    from rich.console import Console
    from rich.table import Table

    # Off a terminal (forced --format table into a file or pipe) Rich would assume 80 columns.
    width = None if getattr(dest, "isatty", lambda: False)() else 200
    console = Console(file=dest, width=width, soft_wrap=False)
    for section in sections:
        frame = _display(section, lang)
        shown = section.human if section.human is not None else section.frame
        table = Table(title=section.title or None, title_justify="left", header_style="bold")
        for name, dtype in zip(frame.columns, shown.dtypes, strict=True):
            table.add_column(name, justify="right" if dtype.is_numeric() else "left")
        for row in frame.iter_rows():
            table.add_row(*row)
        console.print(table)


def _write_markdown(sections: Sequence[Section], dest: io.TextIOBase, lang: str) -> None:
    for i, section in enumerate(sections):
        if section.title:
            dest.write(("\n" if i else "") + f"## {section.title}\n\n")
        frame = _display(section, lang)
        with pl.Config(
            tbl_formatting="MARKDOWN",
            tbl_hide_column_data_types=True,
            tbl_hide_dataframe_shape=True,
            tbl_rows=-1,
            tbl_cols=-1,
            tbl_width_chars=10_000,
            fmt_str_lengths=10_000,
        ):
            dest.write(str(frame) + "\n")


def _machine(frame: pl.DataFrame) -> pl.DataFrame:
    """Decimals as floats so JSON gets numbers, not strings."""
    return frame.with_columns(pl.col(pl.Decimal).cast(pl.Float64))


def _write_csv(sections, dest, lang):
    sections[0].frame.write_csv(dest)


def _write_json(sections, dest, lang):
    if len(sections) == 1:
        _machine(sections[0].frame).write_json(dest)
    else:  # several sections: one object keyed by section title
        dest.write("{")
        for i, section in enumerate(sections):
            buffer = io.StringIO()
            _machine(section.frame).write_json(buffer)
            dest.write(("," if i else "") + f'"{section.title or i}":' + buffer.getvalue())
        dest.write("}")
    dest.write("\n")


def _write_jsonl(sections, dest, lang):
    _machine(sections[0].frame).write_ndjson(dest)


def _write_parquet(sections, dest, lang):
    sections[0].frame.write_parquet(dest)


def _write_xlsx(sections, dest, lang):
    import xlsxwriter

    # Strings stay strings: a staff name like "=HYPERLINK(...)" must never become a formula.
    safe = {"strings_to_formulas": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(dest, safe) as workbook:
        for i, section in enumerate(sections):
            frame = section.frame.rename(
                dict(zip(section.frame.columns, _labelled_unique(section.frame.columns, lang), strict=True))
            )
            formats = {label(c, lang): "0.00%" for c in section.percent if c in section.frame.columns}
            sheet = (section.title or f"Sheet{i + 1}")[:31]
            frame.write_excel(
                workbook, worksheet=sheet, column_formats=formats or None, autofit=True, freeze_panes=(1, 0)
            )


WRITERS: dict[str, Callable] = {
    "table": _write_table,
    "csv": _write_csv,
    "json": _write_json,
    "jsonl": _write_jsonl,
    "parquet": _write_parquet,
    "markdown": _write_markdown,
    "xlsx": _write_xlsx,
}


def emit(
    sections: Section | Sequence[Section], options: OutputOptions, *, notice: Callable[[str], None] | None = None
) -> None:
    """Write result sections to -o FILE (atomically) or stdout in the chosen format."""
    if isinstance(sections, Section):
        sections = [sections]
    fmt = options.resolved_format()
    if len(sections) > 1 and fmt in {"csv", "jsonl", "parquet"} and notice:
        notice(f"{fmt} shows only the first section ({sections[0].title}); use --format json or table for all")
    writer = WRITERS[fmt]
    binary = fmt in BINARY_FORMATS
    if options.output is None:
        if binary and sys.stdout.isatty():
            raise UsageError(f"{fmt} is binary: write it to a file with -o FILE")
        dest = sys.stdout.buffer if binary else sys.stdout
        writer(sections, dest, options.lang)
        dest.flush()
        return
    target = options.output
    target.parent.mkdir(parents=True, exist_ok=True)
    # Temp file + rename: a reader (or a cron consumer) never sees a half-written file.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            writer(sections, fh, options.lang)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
