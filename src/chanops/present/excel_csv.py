"""The CSV people open in Excel (`-o x.csv`, `--excel`): what the workbook shows, written so
that Excel and LibreOffice read every figure as a number.

A CSV carries no number formats, so each cell is written as the text a spreadsheet parses
into the number people expect: a share as `45.36%` (read as 0.4536 shown as a percentage),
a change of a share as `1.23` in percentage points under a header that says `(pp)`, a count
as `1355`, yuan and other figures with two decimals (`987177.08`) — no thousands separators,
which a comma-separated file would have to quote and a locale could misread. In a table
whose rows are different KPIs the unit column says what each row's figures are in. Headers
and codes are words in `--lang`, text a spreadsheet would run as a formula gets a leading
apostrophe (numbers are written after that, so `-4.10` stays a number). Phone numbers are
never masked in a CSV (a list for dispatch needs them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chanops.present.formats import OutputOptions
from chanops.present.labels import worded
from chanops.present.section import Section, masked, neutralized

if TYPE_CHECKING:
    import polars as pl

# What each row's unit column reads in a table whose rows are different KPIs.
UNIT_WORDS = {
    "share": ("占比（%），变化为百分点（pp）", "share (%), change in pp"),
    "per_million": ("每百万", "per million"),
    "amount": ("元", "yuan"),
    "number": ("数值", "number"),
    "count": ("数量", "count"),
}
POINTS_HEADER = {"zh": "（pp）", "en": " (pp)"}


def excel_frame(section: Section, options: OutputOptions) -> pl.DataFrame:
    """The section as text cells a spreadsheet reads back as typed numbers (module docstring)."""
    import polars as pl

    from chanops.present.workbook import cell_kinds

    lang = options.lang
    frame = masked(section.people_frame(lang), True, section.free_text)  # structs as text, numbers kept
    kinds = cell_kinds(frame, section) if section.human is None else {}
    by_row = section.row_kinds if section.human is None and section.row_kinds in frame.columns else None
    frame = neutralized(section.worded_values(worded(frame, lang, options.channels), lang))
    exprs = []
    for name in frame.columns:
        kind = kinds.get(name, "text")
        col = pl.col(name)
        header = section.label(name, lang)
        if name == by_row:
            pick = 0 if lang == "zh" else 1
            col = col.replace({"pct": "share"}).replace({unit: words[pick] for unit, words in UNIT_WORDS.items()})
        elif by_row and (name in section.percent or name in section.points):
            share = pl.col(by_row).is_in(["share", "pct"])
            if name in section.points:
                col = pl.when(share).then(_decimals(col * 100)).otherwise(_decimals(col))
            else:
                count = pl.col(by_row) == "count"
                col = pl.when(share).then(_percent(col)).when(count).then(_whole_or_cents(col))
                col = col.otherwise(_decimals(pl.col(name)))
        elif kind in ("pct", "share"):
            col = _percent(col)
        elif kind == "pp":
            col, header = _decimals(col * 100), header + POINTS_HEADER.get(lang, POINTS_HEADER["en"])
        elif kind in ("count", "id"):
            col = col.cast(pl.Int64, strict=False).cast(pl.String)
        elif kind == "quantity":
            col = _whole_or_cents(col)
        elif kind != "text" and kind not in ("datetime", "date"):
            col = _decimals(col)  # money, decimals, per million, yuan, numbers and their changes
        exprs.append(col.alias(header))
    return frame.select(_unique(exprs))


def _whole_or_cents(col: pl.Expr) -> pl.Expr:
    """A count as 1355, yuan as 987177.08."""
    import polars as pl

    number = col.cast(pl.Float64)
    return pl.when(number.round(0) == number).then(number.cast(pl.Int64).cast(pl.String)).otherwise(_decimals(col))


def _percent(col: pl.Expr) -> pl.Expr:
    return _decimals(col * 100) + "%"


def _decimals(col: pl.Expr) -> pl.Expr:
    """Two decimals, no thousands separator: 987177.08, -4.10."""
    import polars as pl

    return col.cast(pl.Float64).round(2).cast(pl.Decimal(38, 2)).cast(pl.String)


def _unique(exprs: list[pl.Expr]) -> list[pl.Expr]:
    """Two columns with one label (an id without a label next to its labelled twin) keep both."""
    seen: dict[str, int] = {}
    out = []
    for expr in exprs:
        name = expr.meta.output_name()
        seen[name] = seen.get(name, 0) + 1
        out.append(expr if seen[name] == 1 else expr.alias(f"{name} ({seen[name]})"))
    return out
