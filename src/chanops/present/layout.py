"""Layouts and pivots: one rule for every tabular output.

A result has a wide layout — one row per key (month, slice), a column per measure: what a
pipeline reads — and may have a long one — one row per key and measure (a KPI), read down
by people. `--layout` picks one: long by default for people (table, markdown, xlsx, `-o
x.csv`, `--excel`), wide for programs (csv on stdout, json, jsonl, parquet), so a pipeline
gets what it always got unless it asks. A result with one layout shows it either way.

`--pivot DIM` then puts a dimension of the chosen layout's rows across its columns: region
× month as one row per region and a column per month. In the long layout each cell is the
measure's value (a KPI's value, in the row's unit); in the wide layout every measure column
is repeated per value of DIM (`online_share_2022-10`). Months go across in time order,
regions in the province's official order, other values as the rows list them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from chanops.errors import UsageError
from chanops.present.formats import OutputOptions
from chanops.present.labels import value_words
from chanops.present.section import Section

if TYPE_CHECKING:
    import polars as pl

LAYOUTS = ("long", "wide")
# Columns that are dimensions a pivot can put across: what rows are sliced by.
DIMENSIONS = (
    "month",
    "region",
    "channel",
    "touchpoint",
    "product",
    "campaign_id",
    "wave",
    "store",
    "department",
    "staff_id",
    "kind",
    "stage",
    "tier",
)
# a row without a value of the dimension (a complaint without a region): its column comes last
UNKNOWN = "(unknown)"
UNKNOWN_WORDS = ("未知", "Unknown")


def resolve_layout(options: OutputOptions, people: bool) -> str:
    if options.layout is None:
        return "long" if people else "wide"
    if options.layout not in LAYOUTS:
        raise UsageError(f"unknown layout '{options.layout}'. Try one of: {', '.join(LAYOUTS)}")
    return options.layout


def laid_out(sections: Sequence[Section], options: OutputOptions, people: bool) -> list[Section]:
    """Every section in the chosen layout, pivoted when asked; a pivot on a dimension no
    section's rows carry is a usage error naming the ones they do."""
    layout = resolve_layout(options, people)
    chosen = [_in_layout(section, layout) for section in sections]
    if options.pivot is None:
        return chosen
    carried = [dimensions(section, options.lang) for section in chosen]
    if not any(options.pivot in dims for dims in carried):
        there = sorted({d for dims in carried for d in dims}, key=DIMENSIONS.index)
        listed = f"pivot one of {', '.join(there)}" if there else "these rows carry no dimension to pivot"
        raise UsageError(f"--pivot {options.pivot}: not a dimension of these rows; {listed}")
    return [
        pivoted(section, options.pivot, options, people) if options.pivot in dims else section
        for section, dims in zip(chosen, carried, strict=True)
    ]


def _in_layout(section: Section, layout: str) -> Section:
    if layout == "wide":
        return replace(section, human=None, long=None)
    long = section.long() if callable(section.long) else section.long
    if long is None:
        return replace(section, long=None)  # one layout (a people view, if any, stays)
    return replace(long, title=section.title, long=None)


def keys_of(section: Section, frame: pl.DataFrame) -> list[str]:
    """The columns that name a row: declared, else every column that is not a number."""
    if section.keys is not None:
        return [k for k in section.keys if k in frame.columns]
    return [name for name, dtype in frame.schema.items() if not dtype.is_numeric()]


def dimensions(section: Section, lang: str) -> list[str]:
    frame = _source(section, lang)
    return [d for d in DIMENSIONS if d in keys_of(section, frame)]


def _source(section: Section, lang: str) -> pl.DataFrame:
    return section.people_frame(lang) if section.human is not None else section.polars()


def pivoted(section: Section, dim: str, options: OutputOptions, people: bool = False) -> Section:
    """`dim`'s values across the columns (see the module's docstring). For people, a key that
    is not a dimension and has one value in every row (the one KPI asked for) goes into the
    title: region × month then fits an 80-column terminal."""
    import polars as pl
    from polars.exceptions import ComputeError

    frame = _source(section, options.lang)
    keys = keys_of(section, frame)
    index = [k for k in keys if k != dim and not _describes(frame, k, dim)]
    if section.spread is None:  # every other column, a dimension's names among them (_describes)
        spread = [c for c in frame.columns if c not in index and c != dim]
    else:
        spread = [c for c in section.spread if c in frame.columns and c not in keys]
    if not spread:
        raise UsageError(f"--pivot {dim}: these rows have no figures to put across")
    frame = frame.with_columns(pl.col(dim).cast(pl.String).fill_null(UNKNOWN))
    across = _ordered(frame.get_column(dim), dim, options)
    try:
        wide = frame.pivot(on=dim, on_columns=across, index=index or None, values=spread)
    except ComputeError:
        raise UsageError(
            f"--pivot {dim}: more than one row per {', '.join(index) or 'table'} and {dim}; slice it so each has one"
        ) from None
    one = len(spread) == 1
    ids = {(v, p): p if one else f"{v}_{p}" for v in spread for p in across}
    wide = wide.select(*index, *ids.values())
    words = {lang: value_words(lang, options.channels).get(dim, {}) for lang in ("zh", "en")}
    own = {UNKNOWN: UNKNOWN_WORDS, **section.value_names.get(dim, {})}

    def shown(value: str, lang: str) -> str:
        pick = 0 if lang == "zh" else 1
        return own[value][pick] if value in own else words[lang].get(value, value)

    names = {
        id_: tuple(shown(p, lang) if one else f"{section.label(v, lang)}·{shown(p, lang)}" for lang in ("zh", "en"))
        for (v, p), id_ in ids.items()
    }
    spread_as = {v: [ids[(v, p)] for p in across] for v in spread}
    title = section.title
    if people:
        constant = [k for k in index if k not in DIMENSIONS and k != section.row_kinds and wide[k].n_unique() == 1]
        for key in constant:
            value = section.worded_values(wide.select(key).head(1), options.lang).item()
            title = f"{title} · {value}" if title else str(value)
        wide, index = wide.drop(constant), [k for k in index if k not in constant]
    return replace(
        section,
        frame=wide,
        title=title,
        human=None,
        long=None,
        keys=tuple(index),
        spread=None,
        marked=frozenset(),
        percent=[c for v in spread if v in section.percent for c in spread_as[v]],
        points=[c for v in spread if v in section.points for c in spread_as[v]],
        units={c: section.units[v] for v in spread if v in section.units for c in spread_as[v]},
        names={**section.names, **names},  # type: ignore[dict-item]
    )


def _describes(frame: pl.DataFrame, column: str, dim: str) -> bool:
    """Whether `column` names `dim`'s values (a touchpoint's label beside its code): it takes one
    value per value of `dim` and more than one in all. It goes with `dim` across the columns."""
    if column in DIMENSIONS:
        return False
    pairs = frame.select(dim, column).unique()
    return bool(pairs.height == pairs.get_column(dim).n_unique() and pairs.get_column(column).n_unique() > 1)


def _ordered(values: pl.Series, dim: str, options: OutputOptions) -> list[str]:
    """The distinct values of `dim`: months in time order, regions in the official order, others
    as the rows list them; rows without a value last."""
    import polars as pl

    distinct = values.unique(maintain_order=True)
    if dim == "month":
        distinct = distinct.sort()
    elif dim == "region":
        from chanops.regions import OFFICIAL_ORDER, region_rank

        order = options.regions or OFFICIAL_ORDER
        ranked = pl.DataFrame({"region": distinct})
        distinct = ranked.sort(region_rank("region", order), pl.col("region"), maintain_order=True)["region"]
    listed = [v for v in distinct.to_list() if v != UNKNOWN]
    return listed + ([UNKNOWN] if UNKNOWN in distinct.to_list() else [])
