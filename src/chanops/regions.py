"""The province's regions (盟市) in their official order — the order every provincial report
lists them in, and so the order chanops lists them in: tables, CSV and JSON, the check, the
report's tables and charts. Inner Mongolia's 12 盟市 are built in; `[regions] order` in
chanops.toml replaces them (another province, or the names as its extracts spell them).
A region not in the order comes after those that are, by name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from chanops.errors import ConfigError
from chanops.sql import lit

if TYPE_CHECKING:
    import polars as pl

# 内蒙古自治区 12 盟市, in the order of the region's own statistics and reports
OFFICIAL_ORDER: tuple[str, ...] = (
    "呼和浩特",
    "包头",
    "呼伦贝尔",
    "兴安盟",
    "通辽",
    "赤峰",
    "锡林郭勒盟",
    "乌兰察布",
    "鄂尔多斯",
    "巴彦淖尔",
    "乌海",
    "阿拉善盟",
)


def region_order(section: dict | None) -> tuple[str, ...]:
    """`[regions] order = [...]`, validated; the built-in order without it."""
    section = section or {}
    unknown = set(section) - {"order"}
    if unknown:
        raise ConfigError(f"[regions]: unknown key(s) {', '.join(sorted(unknown))}; known: order")
    order = section.get("order", OFFICIAL_ORDER)
    if not isinstance(order, (list, tuple)) or not order or not all(isinstance(r, str) and r.strip() for r in order):
        raise ConfigError('[regions] order must be a list of region names, e.g. order = ["呼和浩特", "包头"]')
    names = tuple(r.strip() for r in order)
    repeated = sorted({r for r in names if names.count(r) > 1})
    if repeated:
        raise ConfigError(f"[regions] order names {', '.join(repeated)} more than once")
    return names


def region_sort_sql(column: str, order: Sequence[str] = OFFICIAL_ORDER) -> str:
    """ORDER BY terms listing `column` in `order`, others after by name, NULL (a total) last.
    Plain CASE, so Spark runs it as DuckDB does."""
    branches = " ".join(f"WHEN {lit(name)} THEN {i}" for i, name in enumerate(order))
    return f"CASE {column} {branches} ELSE {len(order)} END, {column} NULLS LAST"


def region_sort_key(order: Sequence[str] = OFFICIAL_ORDER) -> Callable[[str | None], tuple]:
    """A sort key for region names in Python: `order` first, others by name, None last."""
    rank = {name: i for i, name in enumerate(order)}
    return lambda name: (name is None, rank.get(name or "", len(order)), name or "")


def region_rank(column: str, order: Sequence[str] = OFFICIAL_ORDER) -> pl.Expr:
    """A Polars expression ranking `column` in `order` (others after, equal): sort by it, then
    by the name."""
    import polars as pl

    ranks = dict(zip(order, range(len(order)), strict=True))
    return pl.col(column).replace_strict(ranks, default=len(order), return_dtype=pl.Int64).fill_null(len(order) + 1)
