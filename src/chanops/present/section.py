"""One titled result table (Section), and what every human format does to its cells before
showing them: phone numbers masked, text a spreadsheet would run as a formula neutralized.
Shared by the writers in output and the workbook, below both."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

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
        import polars as pl

        # a Table (or a RecordBatch) gives a DataFrame; pl.from_arrow is annotated DataFrame | Series
        return self.frame if isinstance(self.frame, pl.DataFrame) else cast("pl.DataFrame", pl.from_arrow(self.frame))

    def human_frame(self, lang: str = "zh") -> pl.DataFrame | None:
        return self.human(lang) if callable(self.human) else self.human

    def people_frame(self, lang: str = "zh") -> pl.DataFrame:
        """What a human format shows, before formatting: the human frame, else the frame
        without its machine-only columns."""
        human = self.human_frame(lang)
        return human if human is not None else self.polars().drop(self.machine_only, strict=False)


# Columns holding phone numbers: masked as 138****0001 in table, markdown and xlsx output
# unless --unmask (个人信息保护); csv/json/parquet for pipelines keep full numbers.
MSISDN_COLUMNS = frozenset({"msisdn"})


# A phone number inside free text (a rejected line, a value): 138****0001 as well.
PHONE_IN_TEXT = r"(1[3-9][0-9])[0-9]{4}([0-9]{4})"
# OWASP CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_START = r"^[=+\-@\t\r]"


def masked(frame: pl.DataFrame, unmask: bool, free_text: Sequence[str] = ()) -> pl.DataFrame:
    """`frame` with its phone-number columns masked, and phone numbers inside `free_text`
    columns, unless `unmask`."""
    import polars as pl

    columns = [c for c in frame.columns if c in MSISDN_COLUMNS]
    texts = [c for c in free_text if c in frame.columns and frame.schema[c] == pl.String]
    if unmask or not (columns or texts):
        return frame
    return frame.with_columns(
        *(pl.col(c).str.slice(0, 3) + "****" + pl.col(c).str.slice(-4) for c in columns),
        *(pl.col(c).str.replace_all(PHONE_IN_TEXT, "${1}****${2}") for c in texts),
    )


def neutralized(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells a spreadsheet would run as a formula get a leading apostrophe."""
    import polars as pl

    texts = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then("'" + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in texts
    )
