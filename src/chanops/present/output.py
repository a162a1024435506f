"""Output formats, defined once for every command.

DuckDB, Polars and xlsxwriter do the serializing; this module picks the writer.
Machine formats (csv, json, jsonl, parquet) keep snake_case ids and full
precision and are written by DuckDB's COPY, whatever produced the result (a Polars
frame or an Arrow table) — one serializer for every command, and no Polars import
on the pipeline path. Human formats (table, markdown, xlsx) show zh/en labels and
percentages. Diagnostics never come here: they go to stderr, so piped output stays
clean.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

from chanops.errors import UsageError
from chanops.present.formats import BINARY_FORMATS, OutputOptions
from chanops.present.labels import is_identifier, worded
from chanops.present.numbers import cell_text, cell_unit, percent_text, points_text, row_unit
from chanops.present.section import MSISDN_COLUMNS, Section, masked
from chanops.sql import neutralized_columns

if TYPE_CHECKING:
    import polars as pl

ONE_THREAD_ROWS = 100_000

COPY_OPTIONS = {
    "csv": "FORMAT csv, HEADER",
    "json": "FORMAT json, ARRAY true",
    "jsonl": "FORMAT json",
    "parquet": "FORMAT parquet",
}


# Control characters (C0 but line feed and tab, DEL, C1) would move or recolour the terminal.
CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"


def _visible(col):
    r"""Control characters shown as escapes (\n, \t, \r, \e) or U+FFFD, never sent to a terminal."""
    return (
        col.str.replace_all("\n", "\\n", literal=True)
        .str.replace_all("\t", "\\t", literal=True)
        .str.replace_all("\r", "\\r", literal=True)
        .str.replace_all("\x1b", "\\e", literal=True)
        .str.replace_all(CONTROL, "\ufffd")
    )


def display_frame(section: Section, options: OutputOptions) -> tuple[pl.DataFrame, list[bool]]:
    """Strings for humans (percentages with two decimals, counts and money with thousands
    separators, codes as words, labels as headers, phone numbers masked), and which
    columns are numeric so tables can right-align them. In a table whose rows are different
    KPIs (`row_kinds`), each value reads in its row's unit and the unit column is not shown."""
    import polars as pl

    human = section.human_frame(options.lang)
    source = masked(section.people_frame(options.lang), options.shows_numbers(section.dispatch), section.free_text)
    by_row = _row_unit_column(section, source.columns)
    numeric = [dtype.is_numeric() for name, dtype in source.schema.items() if name != by_row]
    source = section.worded_values(worded(source, options.lang, options.channels), options.lang)
    exprs = []
    for name, dtype in source.schema.items():
        col = pl.col(name)
        if name == by_row:
            continue
        if by_row and (name in section.percent or name in section.points):
            col = pl.struct(name, by_row).map_elements(
                functools.partial(_in_row_unit, name, by_row, name in section.points), return_dtype=pl.String
            )
        elif name in section.units and human is None:
            col = col.map_elements(functools.partial(cell_text, section.units[name]), return_dtype=pl.String)
        elif name in section.percent and human is None:
            col = col.map_elements(percent_text, return_dtype=pl.String)
        elif name in section.points and human is None:
            col = col.map_elements(points_text, return_dtype=pl.String)
        elif (dtype.is_integer() or isinstance(dtype, pl.Decimal)) and not is_identifier(name):
            col = with_thousands(col.cast(pl.String))
        elif dtype.is_float():  # scores, means: two decimals, as money reads
            col = with_thousands(col.round(2).cast(pl.Decimal(38, 2)).cast(pl.String))
        elif isinstance(dtype, pl.Datetime):
            col = col.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif dtype == pl.String:
            col = _visible(col)
        else:
            col = col.cast(pl.String)
        exprs.append(col.fill_null("").alias(section.label(name, options.lang)))
    return (source.select(exprs) if exprs else source), numeric


def shown_columns(section: Section, lang: str) -> list[str]:
    """The ids of the columns display_frame shows, in its order."""
    columns = section.people_frame(lang).columns
    by_row = _row_unit_column(section, columns)
    return [c for c in columns if c != by_row]


def _row_unit_column(section: Section, columns: Sequence[str]) -> str | None:
    """The column naming each row's unit, when the rows' figures are numbers to format by it
    (a people view of text has its units written in already)."""
    if section.human is None and section.row_kinds in columns:
        return section.row_kinds
    return None


def _in_row_unit(name: str, by_row: str, change: bool, row: dict) -> str:
    if row[by_row] == "count" and not change:  # a whole number in a table of mixed figures
        return cell_text("quantity", row[name])
    return cell_text(cell_unit(row_unit(row[by_row]), change), row[name])


def with_thousands(text: pl.Expr) -> pl.Expr:
    """'-1234567.50' → '-1,234,567.50', in the engine: the integer part is reversed, cut
    into threes, and reversed back (Polars regexes have no lookahead)."""
    whole = text.str.extract(r"^-?(\d+)", 1)
    grouped = whole.str.reverse().str.replace_all(r"(\d{3})", "${1},").str.strip_suffix(",").str.reverse()
    sign = text.str.extract(r"^(-?)", 1)
    rest = text.str.extract(r"^-?\d+(.*)$", 1)
    return sign + grouped + rest


def _write_table(sections: Sequence[Section], dest: IO, options: OutputOptions) -> None:
    from rich.console import Console
    from rich.table import Table

    # Off a terminal (forced --format table into a file or pipe) Rich would assume 80 columns.
    on_terminal = getattr(dest, "isatty", lambda: False)()
    console = Console(file=dest, width=None if on_terminal else 200, soft_wrap=False)
    for section in sections:
        frame, numeric = display_frame(section, options)
        if on_terminal:
            ids = shown_columns(section, options.lang)
            frame, numeric = _fitted(frame, numeric, ids, console.width, section.title)
        table = Table(title=section.title or None, title_justify="left", header_style="bold")
        for name, is_number in zip(frame.columns, numeric, strict=True):
            table.add_column(name, justify="right" if is_number else "left")
        for row in frame.iter_rows():
            table.add_row(*row)
        console.print(table)


# The result a row is about: kept on a narrow terminal when other columns are left out.
ESSENTIAL = frozenset({"value", "change", "score", "tier", "status", "net", "payout", "rank", "evidence"})
MONTH_COLUMN = re.compile(r"^\d{4}-\d{2}$")


def _fitted(
    frame: pl.DataFrame, numeric: list[bool], ids: Sequence[str], width: int, title: str
) -> tuple[pl.DataFrame, list[bool]]:
    """Columns left out from the right (commands put the least important last), never the
    first nor an ESSENTIAL one, until the table fits the terminal — said on stderr. A CJK
    character takes two cells."""
    from rich.cells import cell_len

    def needed(column: str) -> int:
        return max(cell_len(column), *(cell_len(v) for v in frame.get_column(column).to_list())) + 3

    widths = dict(zip(frame.columns, (needed(c) for c in frame.columns), strict=True))
    droppable = [c for i, (c, id_) in enumerate(zip(frame.columns, ids, strict=True)) if i and id_ not in ESSENTIAL]
    # months across (a pivot): the oldest go first, the latest month is what the table is read for
    months = sorted((c for c in droppable if MONTH_COLUMN.match(c)), reverse=True)
    droppable = [c for c in droppable if not MONTH_COLUMN.match(c)] + months
    left_out: list[str] = []
    while droppable and sum(widths.values()) + 1 > width:
        column = droppable.pop()
        left_out.insert(0, column)
        del widths[column]
    if not left_out:
        return frame, numeric
    left_out.sort(key=frame.columns.index)
    name = f"{title}: " if title else ""
    sys.stderr.write(
        f"{name}{len(left_out)} column(s) left out to fit {width} columns ({', '.join(left_out)}); "
        "a wider terminal or --format csv/markdown shows them\n"
    )
    kept = [i for i, c in enumerate(frame.columns) if c not in left_out]
    return frame.select([frame.columns[i] for i in kept]), [numeric[i] for i in kept]


def _write_markdown(sections: Sequence[Section], dest: IO, options: OutputOptions) -> None:
    import polars as pl

    for i, section in enumerate(sections):
        if section.title:
            dest.write(("\n" if i else "") + f"## {section.title}\n\n")
        frame, _numeric = display_frame(section, options)
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


def _copy(section: Section, fmt: str, dest: IO, neutralize: bool = False) -> None:
    """Serialize with DuckDB's COPY into a scratch file, then stream it to `dest`; with
    `neutralize`, text cells starting like a formula get a leading apostrophe."""
    import duckdb

    # a small result is written by one thread: starting DuckDB's thread pool would cost more
    # than the writing (a KPI table is a few rows; start-up is all a small command's time)
    con = duckdb.connect(config={"threads": 1} if section.height < ONE_THREAD_ROWS else {})
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("result", section.frame)
        columns = "*"
        if neutralize:
            described = con.execute("DESCRIBE SELECT * FROM result").fetchall()
            columns = neutralized_columns((name, kind) for name, kind, *_rest in described)
        with tempfile.TemporaryDirectory(prefix="chanops-out-") as scratch:
            path = Path(scratch) / f"result.{fmt}"
            con.execute(f"COPY (SELECT {columns} FROM result) TO '{path}' ({COPY_OPTIONS[fmt]})")
            if isinstance(dest, ExcelDest):
                dest.write_csv(path)
                return
            opened = open(path, "rb") if fmt in BINARY_FORMATS else open(path, encoding="utf-8", newline="")
            with opened as fh:
                shutil.copyfileobj(fh, dest)
    finally:
        con.close()


class ExcelDest:
    """A binary destination that takes CSV as Excel opens it on Chinese Windows: UTF-8 with a
    byte-order mark, CRLF line ends.

    Why not GB18030: Excel opens a CSV without a BOM in the ANSI code page, which on Chinese
    Windows is 936 (GBK), not GB18030 — the characters GB18030 writes in four bytes (rare
    characters in names, CJK Extension B, Mongolian script) come out garbled. With the BOM
    Excel reads UTF-8, whatever the PC's locale, and so do DuckDB, Polars, pandas and
    chanops' own reader."""

    def __init__(self, raw: IO) -> None:
        self.raw = raw

    def write_csv(self, path: Path) -> None:
        """UTF-8 CSV → BOM + UTF-8 with CRLF line ends, in chunks (bounded memory)."""
        self.raw.write(codecs.BOM_UTF8)
        with open(path, encoding="utf-8", newline="") as fh:
            while chunk := fh.read(4 * 1024 * 1024):
                self.raw.write(chunk.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))


def _write_csv(sections, dest, options):
    # for people (a file, or Excel's CSV): labels, typed-looking figures, formulas neutralized
    # (excel_csv.py); piped to a program: ids and full precision, raw
    if isinstance(dest, ExcelDest):
        from dataclasses import replace

        from chanops.present.excel_csv import excel_frame

        _copy(replace(sections[0], frame=excel_frame(sections[0], options)), "csv", dest)
        return
    _copy(sections[0], "csv", dest)


def _write_json(sections, dest, options):
    if len(sections) == 1:
        _copy(sections[0], "json", dest)
        return
    # Several sections: one object keyed by section title, each an array of rows.
    dest.write("{")
    for i, section in enumerate(sections):
        dest.write(("," if i else "") + f'"{section.title or i}":')
        _copy(section, "json", dest)
    dest.write("}\n")


def _write_jsonl(sections, dest, options):
    _copy(sections[0], "jsonl", dest)


def _write_parquet(sections, dest, options):
    _copy(sections[0], "parquet", dest)


def _write_xlsx(sections, dest, options):
    from chanops.present.workbook import write_xlsx

    write_xlsx(sections, dest, options)


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
    if options.excel and fmt != "csv":
        raise UsageError(f"--excel is for CSV output, not {fmt}")
    if len(sections) > 1 and fmt in {"csv", "jsonl", "parquet"} and notice:
        notice(f"{fmt} shows only the first section ({sections[0].title}); use --format json or table for all")
    from chanops.present.layout import laid_out

    sections = _capped(laid_out(sections, options, options.for_people(fmt)), fmt, options, notice)
    if notice and fmt in MASKING_FORMATS:
        _say_dispatch_lists_are_masked(sections, options, notice)
    writer = WRITERS[fmt]
    excel = options.for_excel(fmt)
    binary = fmt in BINARY_FORMATS or excel

    def write(dest: IO) -> None:
        writer(sections, ExcelDest(dest) if excel else dest, options)

    if options.to_stdout:
        if binary and sys.stdout.isatty():
            if excel:
                raise UsageError("Excel's CSV is for a file: write it with -o FILE.csv")
            raise UsageError(f"{fmt} is binary: write it to a file with -o FILE")
        dest = sys.stdout.buffer if binary else sys.stdout
        write(dest)
        dest.flush()
        return
    assert options.output is not None  # to_stdout covers no -o
    write_atomically(options.output, write, binary)


MASKING_FORMATS = ("table", "markdown", "xlsx")  # human formats: phone numbers masked unless --unmask


def _say_dispatch_lists_are_masked(sections: Sequence[Section], options: OutputOptions, notice) -> None:
    """A list for dispatch teams with masked numbers is useless to them: never silently."""
    for section in sections:
        frame = section.frame  # an Arrow table, or a Polars frame
        columns = frame.column_names if hasattr(frame, "column_names") else frame.columns
        if section.dispatch and MSISDN_COLUMNS & set(columns) and not options.shows_numbers(True):
            name = f"{section.title}: " if section.title else ""
            notice(
                f"note: {name}phone numbers are masked (138****0418); for a list the dispatch team can dial, "
                "add --unmask or set `[dispatch] unmask = true` in chanops.toml (or write CSV, never masked)"
            )


TERMINAL_ROWS = 40


def _capped(sections: Sequence[Section], fmt: str, options: OutputOptions, notice) -> list[Section]:
    """Tables for people show `--limit` rows (40 on a terminal by default) and say how many
    more there are; machine formats are never cut."""
    if fmt not in ("table", "markdown"):
        return list(sections)
    rows = options.limit
    if rows is None:
        rows = TERMINAL_ROWS if fmt == "table" and options.to_stdout and sys.stdout.isatty() else 0
    if rows == 0:
        return list(sections)
    capped = []
    for section in sections:
        if section.height > rows:
            if notice:
                name = f"{section.title}: " if section.title else ""
                notice(
                    f"{name}{section.height - rows:,} more rows — --limit N shows N, --limit 0 all, "
                    "--format csv for a program"
                )
            section = section.head(rows)
        capped.append(section)
    return capped


def check_output_path(target: Path, warehouse: Path | None, *, directory: bool = False) -> None:
    """Refuse, before anything runs, an output that would destroy data: the warehouse file,
    its WAL or spill directory, any other DuckDB database, and for `-o FILE` a directory
    (for `--out DIR`, an existing file). One line, exit 2."""
    option = "--out" if directory else "-o/--output"
    protected = {}
    if warehouse is not None:
        protected = {
            warehouse: "the warehouse",
            Path(f"{warehouse}.wal"): "the warehouse's WAL",
            Path(f"{warehouse}.tmp"): "the warehouse's spill directory",
            Path(f"{warehouse}.lock"): "the warehouse's writer lock",
            Path(f"{warehouse}.loading"): "the copy a load writes",
        }
    real = os.path.realpath(target)
    for path, what in protected.items():
        if real == os.path.realpath(path) or (target.exists() and path.exists() and os.path.samefile(target, path)):
            raise UsageError(f"{option} {target} is {what}; write the output elsewhere")
    if directory:
        if target.exists() and not target.is_dir():
            raise UsageError(f"--out {target} is a file, not a directory")
        return
    if str(target) == "" or target.is_dir():
        shown = str(target) or "''"
        raise UsageError(f"-o/--output {shown} is a directory; give a file name")
    _refuse_database(target, option)


def _refuse_database(target: Path, option: str) -> None:
    """A DuckDB database is never overwritten by an output file (its magic is at byte 8)."""
    try:
        with open(target, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return
    if head[8:12] == b"DUCK":
        raise UsageError(f"{option} {target} is a DuckDB database; write elsewhere")


def write_atomically(target: Path, write: Callable[[IO], object], binary: bool) -> None:
    """Write `target` through a temp file in the same directory, then rename: a reader (or a
    cron consumer) never sees a half-written file, and a failure leaves nothing behind."""
    if target.is_dir():
        raise UsageError(f"{target} is a directory; give a file name")
    _refuse_database(target, "the output")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        # mkstemp makes the file private (0600); a report is meant to be read like any file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
