"""One titled result table (Section), and what every human format does to its cells before
showing them: phone numbers masked, text a spreadsheet would run as a formula neutralized.
Shared by the writers in output and the workbook, below both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from chanops.sql import FORMULA_START

if TYPE_CHECKING:
    import polars as pl


@dataclass
class Section:
    """One titled result table (a Polars frame or an Arrow table).

    `percent` names ratio columns shown as percentages and `points` changes of rates
    shown as +1.23pp. `human`, when given (a frame, or a function of the labels' language
    making one), is what table and markdown show instead of `frame` — e.g. a long KPI
    layout that reads better than the wide machine layout."""

    frame: Any
    title: str = ""
    percent: Sequence[str] = field(default_factory=tuple)
    points: Sequence[str] = field(default_factory=tuple)
    human: Any = None
    free_text: Sequence[str] = field(default_factory=tuple)  # columns whose text may hold phone numbers
    marked: frozenset = frozenset()  # (row, column id) cells outside a threshold: shown as breaches
    # a column saying each row's KPI unit (share, per_million, amount, number), for a table whose
    # rows are different KPIs: its `percent` columns are in that unit, its `points` columns are
    # changes in that unit's change unit (pp for a share)
    row_kinds: str | None = None
    units: Mapping[str, str] = field(default_factory=dict)  # column -> cell unit (numbers.cell_unit)
    # a list of customers for dispatch teams, who need numbers they can dial: `[dispatch]
    # unmask = true` shows them, and a masked one says so on stderr
    dispatch: bool = False
    # columns for programs only: people read a code's label in the code's own column (worded)
    machine_only: Sequence[str] = field(default_factory=tuple)
    # the same result one row per (key, measure) — a Section, or a function making one — for
    # `--layout long`; without it the section has one layout (present/layout.py)
    long: Any = None
    # the columns that name a row (default: every column that is not a number) — `--pivot` can
    # put those that are dimensions across — and the columns a pivot spreads (default: the rest)
    keys: Sequence[str] | None = None
    spread: Sequence[str] | None = None
    # labels (zh, en) of this section's own columns, before the shared LABELS, and of the codes
    # in a column (a KPI id in a long KPI table, a channel across a pivot's columns)
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    value_names: Mapping[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict)

    @property
    def height(self) -> int:
        return self.frame.height if hasattr(self.frame, "height") else self.frame.num_rows

    def head(self, rows: int) -> Section:
        """The first `rows` rows, for a capped table (sliced before any formatting)."""
        frame = self.frame.head(rows) if hasattr(self.frame, "height") else self.frame.slice(0, rows)
        human = self.human
        if callable(human):
            return replace(self, frame=frame, human=lambda lang: human(lang).head(rows))
        return replace(self, frame=frame, human=None if human is None else human.head(rows))

    def polars(self) -> pl.DataFrame:
        """The frame for the human formats (table, markdown, xlsx, the report)."""
        import polars as pl

        if isinstance(self.frame, pl.DataFrame):
            return self.frame
        # a Table (or a RecordBatch) gives a DataFrame; pl.from_arrow is annotated DataFrame | Series
        return cast("pl.DataFrame", pl.from_arrow(_importable(self.frame)))

    def label(self, column: str, lang: str) -> str:
        """The column's header for people: the section's own name for it, else the shared label."""
        from chanops.present.labels import KPI_SUFFIXES, label

        pick = 0 if lang == "zh" else 1
        pair = self.names.get(column)
        if pair is not None:
            return pair[pick]
        for suffix, words in KPI_SUFFIXES.items():  # a user KPI's online_share_num
            base = self.names.get(column.removesuffix(suffix)) if column.endswith(suffix) else None
            if base is not None:
                return f"{base[pick]}·{words[pick]}" if lang == "zh" else f"{base[pick]} {words[pick]}"
        return label(column, lang)

    def worded_values(self, frame: pl.DataFrame, lang: str) -> pl.DataFrame:
        """`frame` with the codes of `value_names` columns as their labels (people only)."""
        import polars as pl

        pick = 0 if lang == "zh" else 1
        exprs = [
            pl.col(column).replace({code: pair[pick] for code, pair in codes.items()})
            for column, codes in self.value_names.items()
            if column in frame.columns and frame.schema[column] == pl.String
        ]
        return frame.with_columns(exprs) if exprs else frame

    def human_frame(self, lang: str = "zh") -> pl.DataFrame | None:
        return self.human(lang) if callable(self.human) else self.human

    def people_frame(self, lang: str = "zh") -> pl.DataFrame:
        """What a human format shows, before formatting: the human frame, else the frame
        without its machine-only columns."""
        human = self.human_frame(lang)
        return human if human is not None else self.polars().drop(self.machine_only, strict=False)


def _importable(table: Any) -> Any:
    """An Arrow table with the columns Polars cannot import (DuckDB's UNION and INTERVAL, which
    `chanops sql` may return) as the text DuckDB prints for them; other columns as they are."""
    import pyarrow as pa

    if not isinstance(table, pa.Table):
        return table
    foreign = [
        field.name for field in table.schema if pa.types.is_union(field.type) or pa.types.is_interval(field.type)
    ]
    if not foreign:
        return table
    text = duckdb_text(table.select(foreign))
    for name in foreign:
        table = table.set_column(table.schema.get_field_index(name), name, text.column(name))
    return table


def duckdb_text(table: Any) -> Any:
    """Every column of an Arrow table as the text DuckDB prints for its values (CAST AS
    VARCHAR): `{'msisdn': 13800000001, 'fee': 12.50}`, `[a, b]`, `{key=value}`, BLOB bytes
    with `\\xNN` escapes, `1 day` — the text `--format csv` writes, so a cell reads alike in both."""
    import duckdb

    from chanops.sql import ident

    con = duckdb.connect()
    try:
        con.register("cells", table)
        casts = ", ".join(f"CAST({ident(c)} AS VARCHAR) AS {ident(c)}" for c in table.column_names)
        return con.sql(f"SELECT {casts} FROM cells").to_arrow_table()
    finally:
        con.close()


# Columns holding phone numbers: masked as 138****0001 in table, markdown and xlsx output
# unless --unmask (个人信息保护); csv/json/parquet for pipelines keep full numbers.
MSISDN_COLUMNS = frozenset({"msisdn"})


# A phone number inside free text (a rejected line, a value): 138****0001 as well, also when
# written in groups (138-0000-0001, 138 0000 0001), as an extract read as text may hold it.
PHONE_IN_TEXT = r"(1[3-9][0-9])[- ]?[0-9]{4}[- ]?([0-9]{4})"


def masked(frame: pl.DataFrame, unmask: bool, free_text: Sequence[str] = ()) -> pl.DataFrame:
    """`frame` as people see it: structs, lists, maps and BLOBs as readable text (a table cell
    or a spreadsheet cell holds no structure), and unless `unmask` every phone number masked —
    in the phone-number columns, inside `free_text` columns and inside that readable text
    (a struct of an order holds its msisdn). An integer `free_text` column holding a phone
    number (`CAST(msisdn AS BIGINT)` in chanops sql) is shown as masked text."""
    import polars as pl

    composite = [c for c, dtype in frame.schema.items() if dtype.is_nested() or dtype == pl.Binary]
    frame = readable_text(frame, composite)
    if unmask:
        return frame
    sliced = [c for c in frame.columns if c in MSISDN_COLUMNS and frame.schema[c] == pl.String and c not in composite]
    numbers = [
        c
        for c, dtype in frame.schema.items()
        if _whole_numbers(dtype) and (c in MSISDN_COLUMNS or c in free_text) and _holds_phone_number(frame[c])
    ]
    texts = [
        c
        for c in frame.columns
        if c in composite or (c in free_text and frame.schema[c] == pl.String and c not in sliced)
    ]
    if not (sliced or numbers or texts):
        return frame
    return frame.with_columns(
        *(pl.col(c).str.slice(0, 3) + "****" + pl.col(c).str.slice(-4) for c in sliced),
        *(pl.col(c).str.replace_all(PHONE_IN_TEXT, "${1}****${2}") for c in texts),
        *(pl.col(c).cast(pl.String).str.replace_all(PHONE_IN_TEXT, "${1}****${2}") for c in numbers),
    )


# The integers that are mobile numbers: 13x…19x, eleven digits.
PHONE_INTEGERS = (13_000_000_000, 19_999_999_999)


def _whole_numbers(dtype: Any) -> bool:
    """Integers, and decimals without places (DuckDB's HUGEINT arrives as one)."""
    return bool(dtype.is_integer() or (dtype.is_decimal() and dtype.scale == 0))


def _holds_phone_number(column: pl.Series) -> bool:
    import polars as pl

    return bool(column.cast(pl.Float64).is_between(*PHONE_INTEGERS).any())


def readable_text(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """`columns` (structs, lists, maps, BLOBs) as the text DuckDB prints for them (duckdb_text)."""
    if not columns:
        return frame
    import polars as pl

    text = cast("pl.DataFrame", pl.from_arrow(duckdb_text(frame.select(columns).to_arrow())))
    return frame.with_columns(text.get_column(c).alias(c) for c in columns)


def neutralized(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula get a leading apostrophe."""
    import polars as pl

    texts = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in texts
    )
