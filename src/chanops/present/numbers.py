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


def kpi_text(kpi: Kpi, value: float | None, change: bool = False) -> str:
    """A KPI value as its format says: 44.94% for a rate (+1.23pp for its change); 1,234.50 for a number."""
    if value is None:
        return ""
    if kpi.format == "pct":
        return points_text(value) if change else percent_text(value)
    return f"{value:+,.2f}" if change else f"{value:,.2f}"
