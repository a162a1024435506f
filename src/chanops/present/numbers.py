"""How numbers read for people, written once: rates as percentages, changes of rates in
percentage points, counts and money with thousands separators. Machine formats never
come here; they keep full-precision fractions."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chanops.kpi.catalog import Kpi


def percent_text(value: float | None, places: int = 2) -> str:
    """0.4494 → 44.94%."""
    return "" if value is None else f"{value:.{places}%}"


def points_text(value: float | None) -> str:
    """A change of a rate: 0.0123 → +1.23pp."""
    return "" if value is None else f"{value * 100:+.2f}pp"


def amount_text(value) -> str:
    """19022 → 19,022; 816.2 → 816.20."""
    if value is None:
        return ""
    return f"{int(value):,}" if float(value).is_integer() else f"{float(value):,.2f}"


def unit_text(unit: str, value: float | None, change: bool = False) -> str:
    """A figure in `unit` (a KPI unit, catalog.UNITS): 44.94% for a share (+1.23pp for its
    change); 638.09 for a rate per million, 1,234.50 for yuan or a number (−4.10 for a change,
    in the same unit — the KPI's name says which)."""
    if value is None:
        return ""
    if unit == "share":
        return points_text(value) if change else percent_text(value)
    return f"{value:+,.2f}" if change else f"{value:,.2f}"


def cell_unit(unit: str, change: bool = False) -> str:
    """What a cell holding a figure in KPI unit `unit` is in: the unit itself for a value; for a
    change, pp when the unit is a share, else `<unit>_change` (the same unit, signed)."""
    if not change:
        return unit
    return "pp" if unit == "share" else f"{unit}_change"


def row_unit(unit: str | None) -> str:
    """The KPI unit of a row of a table whose rows are different figures: `pct`, the older
    name, is a share; anything else unknown is a plain number."""
    unit = {"pct": "share"}.get(unit or "", unit or "")
    return unit if unit in ("share", "per_million", "amount", "number") else "number"


def cell_text(unit: str, value: float | None) -> str:
    """A cell in a cell unit (see cell_unit; `quantity`: a count or yuan, see amount_text) as text."""
    if unit == "quantity":
        return amount_text(value)
    if unit == "pp":
        return unit_text("share", value, change=True)
    base, change, _rest = unit.partition("_change")
    return unit_text(base, value, change=bool(change))


def kpi_text(kpi: Kpi, value: float | None, change: bool = False) -> str:
    """A KPI value, or its change, in the KPI's unit (see unit_text)."""
    return unit_text(kpi.unit, value, change)
