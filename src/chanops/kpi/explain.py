"""Why a KPI moved (SPEC §14): the exact shift-share split of a change into segments.

A ratio KPI R = N/D over the segments s of a dimension is a weighted mean of segment
rates: weights w = D_s/D, rates r = N_s/D_s, R = Σ w·r. Between a base (0) and a month
(1) the change splits, per segment, into a mix effect (w1 − w0)·(r0 − R0) — the segment
grew or shrank, and it sits above or below the base's level — and a rate effect
w1·(r1 − r0) — the segment's own rate moved. A segment absent in the base takes r0 = R0
(it adds no mix effect, only its rate against the base's level). The effects sum to
R1 − R0 exactly: the arithmetic here is in fractions, floats only at the end.

Where the segments overlap — a user contacted both by SMS and by app counts in both
touchpoints' distinct users, so Σ D_s exceeds D — Σ w·r is not R. That difference is
one more row, `(overlap)`, so the rows still sum to the change, and a note says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

ALL = "(all)"  # the row of the whole change, first (as failures' "(all)" rows lead)
OVERLAP = "(overlap)"  # the part of the change segments counted twice cannot place
SAME_DIRECTION_DRIVERS = 3  # how many drivers the sentence names at most


@dataclass(frozen=True)
class Side:
    """One side of a comparison: its totals and its segments' numerators and denominators."""

    label: str  # the month, or the province, as the sentence names it
    numerator: float
    denominator: float
    segments: Mapping[str | None, tuple[float, float]]  # segment → (N_s, D_s)

    def rate(self) -> Fraction:
        return Fraction(self.numerator) / Fraction(self.denominator)


@dataclass(frozen=True)
class Effect:
    """One segment's part of the change (rates and effects in the KPI's unit)."""

    segment: str | None
    w0: float | None
    w1: float | None
    r0: float | None
    r1: float | None
    mix: float | None  # None on the overlap row, which is neither
    rate: float | None
    total: float
    share_of_change: float | None  # None when the KPI did not move


@dataclass(frozen=True)
class Split:
    base: Side
    month: Side
    r0: float  # the KPI on each side, in its unit
    r1: float
    effects: list[Effect]  # ranked by |total|, the overlap row (if any) last

    @property
    def change(self) -> float:
        return self.r1 - self.r0

    @property
    def overlapping(self) -> bool:
        return any(e.segment == OVERLAP for e in self.effects)

    def top(self) -> Effect | None:
        ranked = [e for e in self.effects if e.segment != OVERLAP]
        return ranked[0] if ranked else None


def shift_share(base: Side, month: Side, scale: float = 1.0) -> Split:
    """The exact split of month's KPI against base's (see the module docstring)."""
    if not base.denominator or not month.denominator:
        raise ValueError("a side with an empty denominator has no rate to explain")
    k = Fraction(scale)
    big_r0, big_r1 = base.rate() * k, month.rate() * k
    d0, d1 = Fraction(base.denominator), Fraction(month.denominator)
    change = big_r1 - big_r0
    explained = Fraction(0)
    effects = []
    for segment in _segments(base, month):
        n0, s0 = (Fraction(v) for v in base.segments.get(segment, (0, 0)))
        n1, s1 = (Fraction(v) for v in month.segments.get(segment, (0, 0)))
        if not s0 and not s1:  # no weight on either side: no part of the KPI (its N, if any, is overlap)
            continue
        w0, w1 = s0 / d0, s1 / d1
        r0 = n0 / s0 * k if s0 else None
        r1 = n1 / s1 * k if s1 else None
        level0 = big_r0 if r0 is None else r0
        mix = (w1 - w0) * (level0 - big_r0)
        rate = w1 * ((r1 if r1 is not None else level0) - level0)
        explained += mix + rate
        effects.append(
            Effect(
                segment,
                float(w0),
                float(w1),
                _float(r0),
                _float(r1),
                float(mix),
                float(rate),
                float(mix + rate),
                _share(mix + rate, change),
            )
        )
    effects.sort(key=lambda e: (-abs(e.total), str(e.segment)))
    if explained != change:  # segments overlap: Σ w·r is not the KPI
        rest = change - explained
        effects.append(Effect(OVERLAP, None, None, None, None, None, None, float(rest), _share(rest, change)))
    return Split(base, month, float(big_r0), float(big_r1), effects)


def _segments(base: Side, month: Side) -> list[str | None]:
    keys = set(base.segments) | set(month.segments)
    return sorted(keys, key=lambda s: (s is None, str(s)))


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _share(part: Fraction, change: Fraction) -> float | None:
    return float(part / change) if change else None


def drivers(split: Split) -> tuple[list[Effect], Effect | None]:
    """The segments that moved the KPI the way it went (at most three, biggest first, until
    they cover the change), and the biggest one that pushed the other way when it is worth
    naming (a tenth of the change or more)."""
    change = split.change
    if not change:
        return [], None
    same = [e for e in split.effects if e.segment != OVERLAP and e.total * change > 0]
    named: list[Effect] = []
    covered = 0.0
    for effect in same[:SAME_DIRECTION_DRIVERS]:
        named.append(effect)
        covered += effect.total
        if abs(covered) >= abs(change):
            break
    against = [e for e in split.effects if e.segment != OVERLAP and e.total * change < 0]
    offset = against[0] if against and abs(against[0].total) >= abs(change) / 10 else None
    return named, offset


def unevenness(split: Split) -> float:
    """How far the split is from "every segment moved alike" (each carrying its weight's part
    of the change): Σ |total − w1·change| / |change|. The dimension that explains most is the
    most uneven one — a split where one segment is nearly the whole says nothing new."""
    change = split.change
    segments = [e for e in split.effects if e.segment != OVERLAP]
    spread = sum(abs(e.total - (e.w1 or 0.0) * change) for e in segments)
    return spread / abs(change) if change else spread


def effect_columns(effects: Sequence[Effect]) -> dict[str, list]:
    """The rows as columns, for a table (the segment column is named by the caller)."""
    names = ("w0", "w1", "r0", "r1", "mix", "rate", "total", "share_of_change")
    return {name: [getattr(e, name) for e in effects] for name in names}
