"""`--region R[,R…]` and `--product P[,P…]`: for whom a command's figures are (SPEC §14).

One meaning everywhere: the figures are those of the named regions' or products' own
rows — a ratio for 兴安盟 is 兴安盟's numerator over 兴安盟's denominator, never a share of
the province's. Two ways to get there, the same numbers either way:
- `keep_sliced`: compute at the slice's grain (as `--by` would) and keep the named rows —
  for outputs whose rows carry the dimension (kpi, points claims, lists of customers), and
  wherever a row is judged against others first (a claim is contested by a claim of
  another region; a slice must not turn it valid);
- `narrow`: the session's tables hold only the slice's rows — for commands whose figures
  are counts over rows (funnel, quota, failures, lifecycle, preference): orders, contacts,
  claims and customers by their own region and product; usage, complaints, billing and the
  other kinds of customers by the customer's region.
A name that matches no row is refused with the names there are (a typo must not read as
"no data"); a command whose rows carry no product refuses `--product` in one line.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from chanops.errors import NoData, UsageError
from chanops.sql import lit_list


@dataclass(frozen=True)
class Slices:
    regions: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()  # staff ids: points' claims and statements only

    def asked(self) -> dict[str, tuple[str, ...]]:
        """column → the values asked, for the dimensions asked only."""
        pairs = (("region", self.regions), ("product", self.products), ("staff_id", self.staff))
        return {d: v for d, v in pairs if v}

    def __bool__(self) -> bool:
        return bool(self.regions or self.products or self.staff)

    def condition(self) -> str:
        """The slice as a condition on rows carrying its columns ("TRUE" for no slice)."""
        parts = [f"{dim} IN ({lit_list(values)})" for dim, values in self.asked().items()]
        return " AND ".join(parts) or "TRUE"

    def words(self) -> str:
        """region 兴安盟 product 5G套餐 — for a message."""
        return " ".join(f"{dim} {','.join(values)}" for dim, values in self.asked().items())


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
        _refuse_unknown(dim, values, present)
        hit = pc.is_in(table.column(dim), value_set=pa.array(values, table.schema.field(dim).type))
        mask = hit if mask is None else pc.and_(mask, hit)
    return table if mask is None else table.filter(mask)


def refuse_unsliceable(slices: Slices, command: str, carries: Sequence[str]) -> None:
    """One line for a dimension the command's rows do not carry."""
    for dim in slices.asked():
        if dim not in carries:
            raise UsageError(f"{command} cannot be sliced by {dim}: its rows carry no {dim}")


@contextmanager
def narrowed(engine, slices: Slices) -> Iterator[None]:
    """While inside, every table of the session holds only the slice's rows (see the module
    docstring); an asked name found in no row is refused first. The whole tables are back after."""
    from chanops.schema import KINDS

    asked = slices.asked()
    if not asked:
        yield
        return
    _require_known(engine, asked)
    region = asked.get("region")
    restores = []
    for kind in KINDS.values():
        columns = {c.name for c in kind.columns}
        conditions = []
        if region and "region" in columns:
            conditions.append(f"region IN ({lit_list(region)})")
        elif region and "msisdn" in columns:
            of_region = f"SELECT msisdn FROM customers WHERE region IN ({lit_list(region)})"
            conditions.append(f"msisdn IN ({of_region})")
        if "product" in asked and "product" in columns:
            conditions.append(f"product IN ({lit_list(asked['product'])})")
        if conditions:
            restores.append(engine.narrow(kind.name, " AND ".join(conditions)))
    try:
        yield
    finally:
        for restore in reversed(restores):
            restore()


# where each sliceable dimension's names are found, for a refusal that lists them
NAMES_IN = {
    "region": ("customers", "orders", "contacts", "entries"),
    "product": ("orders", "contacts", "entries", "valid"),
}


def _require_known(engine, asked: dict[str, tuple[str, ...]]) -> None:
    for dim, values in asked.items():
        union = " UNION ".join(f"SELECT DISTINCT {dim} AS v FROM {t}" for t in NAMES_IN[dim])
        present = {r[0] for r in engine.rows(f"SELECT v FROM ({union}) u WHERE v IS NOT NULL")}
        _refuse_unknown(dim, values, present)


SHOWN_NAMES = 20  # a refusal lists this many of the names there are


def _refuse_unknown(dim: str, values: Sequence[str], present: set) -> None:
    unknown = [v for v in values if v not in present]
    if unknown:
        names = sorted(str(v) for v in present)
        there = ", ".join(names[:SHOWN_NAMES]) + (f" … ({len(names)} in all)" if len(names) > SHOWN_NAMES else "")
        raise NoData(f"no rows for {dim} {', '.join(unknown)}; {dim}s with rows: {there or 'none'}")
