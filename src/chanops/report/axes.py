"""Chart axes fitted to the data, with round ticks.

A 0-based axis hides what a manager looks for — a 42% → 45% month-to-month move is a
flat line on 0–100% — so a line chart's axis spans the data (and its threshold) with
a little air, on steps of 1, 2, 2.5 or 5 × 10ⁿ. Bars keep zero: their length is the
value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

ROUND_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    step: float

    @property
    def ticks(self) -> list[float]:
        count = round((self.high - self.low) / self.step)
        return [self.low + k * self.step for k in range(count + 1)]

    def position(self, value: float, start: float, length: float) -> float:
        """Where `value` falls on a line from `start` running `length` (negative: upwards)."""
        return start + (value - self.low) / (self.high - self.low) * length


def round_step(span: float, ticks: int) -> float:
    """The round step that splits `span` into at most about `ticks` intervals."""
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in ROUND_STEPS if m * magnitude >= raw * 0.999)


def fitted_axis(values: Sequence[float], ticks: int = 4, include_zero: bool = False) -> Axis:
    """An axis covering `values` with round ticks; zero included when asked (bars)."""
    values = [v for v in values if math.isfinite(v)]
    if not values:  # nothing to fit: a plain 0–1 axis rather than a crash
        return Axis(0.0, 1.0, 0.25)
    low, high = min(values), max(values)
    if include_zero:
        low, high = min(low, 0.0), max(high, 0.0)
    if high - low < 1e-12:  # one value, or all equal: a band around it
        pad = abs(high) * 0.05 or 0.01
        low, high = low - pad, high + pad
    elif not include_zero:
        pad = (high - low) * 0.1  # air above and below the lines
        low, high = low - pad, high + pad
    step = round_step(high - low, ticks)
    low_tick = math.floor(low / step + 1e-9) * step
    high_tick = math.ceil(high / step - 1e-9) * step
    if include_zero and low >= 0:
        low_tick = 0.0
    return Axis(low_tick, high_tick, step)


def tick_text(value: float, step: float, percent: bool) -> str:
    """A tick's label with as many decimals as the step needs: 40%, 42.5%, 1,500, 0.25."""
    scaled, scaled_step = (value * 100, step * 100) if percent else (value, step)
    places = max(0, -math.floor(math.log10(scaled_step) + 1e-9)) if scaled_step < 1 else 0
    if scaled_step < 1 or not float(scaled_step).is_integer():
        places = max(places, _decimals(scaled_step))
    text = f"{scaled:,.{places}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0%"
    return text + ("%" if percent else "")


def _decimals(step: float) -> int:
    """Decimals a round step shows exactly: 2.5 → 1, 0.25 → 2, 5 → 0."""
    for places in range(6):
        if abs(round(step, places) - step) < 1e-9:
            return places
    return 6
