"""`--region R[,R…]` and `--product P[,P…]`: for whom a command's figures are (SPEC §14).

One meaning everywhere: the figures are computed at their own grain as if the dimension
were asked with `--by`, and only the rows of the named regions or products are kept — a
ratio for 兴安盟 is 兴安盟's numerator over 兴安盟's denominator, never a share of the
province's. A name that matches no row is refused with the names there are (a typo must
not read as "no data").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chanops.errors import NoData

SLICE_DIMENSIONS = ("region", "product")


@dataclass(frozen=True)
class Slices:
    regions: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    def asked(self) -> dict[str, tuple[str, ...]]:
        """dimension → the values asked, for the dimensions asked only."""
        return {d: v for d, v in (("region", self.regions), ("product", self.products)) if v}

    def __bool__(self) -> bool:
        return bool(self.regions or self.products)


def with_slice_dims(dims: Sequence[str], slices: Slices) -> list[str]:
    """The dimensions to compute: those asked with --by, then the sliced ones not among them."""
    return list(dict.fromkeys([*dims, *slices.asked()]))


def keep_sliced(table, slices: Slices):
    """The rows of an Arrow table whose region/product columns hold an asked value; an asked
    value found in no row is NoData naming the values there are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = None
    for dim, values in slices.asked().items():
        present = {v for v in table.column(dim).to_pylist() if v is not None}
        unknown = [v for v in values if v not in present]
        if unknown:
            there = ", ".join(sorted(present)) or "none"
            raise NoData(f"no rows for {dim} {', '.join(unknown)}; {dim}s with rows: {there}")
        hit = pc.is_in(table.column(dim), value_set=pa.array(values, table.schema.field(dim).type))
        mask = hit if mask is None else pc.and_(mask, hit)
    return table if mask is None else table.filter(mask)
