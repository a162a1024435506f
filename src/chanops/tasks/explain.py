"""`explain`: why a KPI moved — its change against a month, or a region's gap to the
province, split exactly into segments of a dimension (SPEC §14; the arithmetic is in
kpi/explain.py, the figures come from the same evaluation `chanops kpi` runs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from chanops.errors import NoData, UsageError
from chanops.kpi.explain import ALL, OVERLAP, Side, Split, effect_columns, shift_share, unevenness
from chanops.months import add_months, parse_month
from chanops.present.output import Section
from chanops.tasks.figures import KpiFigures
from chanops.tasks.result import TaskResult

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.kpi.catalog import Kpi

VS_SHIFT = {"prev": -1, "yoy": -12}
PROVINCE = "province"


@dataclass(frozen=True)
class ExplainRequest:
    """`chanops explain KPI`: the month (default the latest with data), what it is compared
    with (prev, yoy, a month, or the province for --region), the dimension to split by
    (default: the one whose segments moved most unevenly), one region and/or one product
    whose figure is explained."""

    kpi: str
    month: str | None = None
    vs: str = "prev"
    by: str | None = None
    region: str | None = None
    lang: str = "zh"
    product: str | None = None
    channel: str | None = None  # a touchpoint's figure (the report explains its alerts)

    def focus(self) -> dict[str, str]:
        """The slice whose figure is explained: {dimension: value}."""
        pairs = (("region", self.region), ("product", self.product), ("channel", self.channel))
        return {d: v for d, v in pairs if v}


@dataclass(frozen=True)
class Explanation:
    kpi: Kpi
    by: str
    region: str | None
    split: Split
    sentence: str


def run_explain(session, config: Config, request: ExplainRequest, figures: KpiFigures | None = None) -> TaskResult:
    """SPEC §14. `figures`, when a report shares its KPI figures, answers the evaluations
    (each figure evaluated once for the whole report); else they are this explain's own."""
    from chanops.kpi.explain_words import sentence

    explain = planned(session, config, request, figures or KpiFigures(session, config))
    kpi, month, dims = explain.kpi, explain.month, explain.dims
    splits = {dim: explain.by(dim) for dim in dims}
    # the dimension asked for, else the one whose top segment carries the most of the change
    by = dims[0] if request.by else max(dims, key=lambda d: unevenness(splits[d]))
    split = splits[by]
    from chanops.kpi.explain_words import segment_label

    place = " ".join(segment_label(d, v, request.lang, config.channels) for d, v in request.focus().items()) or None
    words = sentence(kpi, by, split, month, request.lang, config.channels, place, explain.province)
    notes = list(explain.notes)
    if not request.by and len(dims) > 1:
        notes.append(f"split by {by}, the dimension whose segments moved most unevenly (--by to choose)")
    if split.overlapping:
        notes.append(
            f"{kpi.id}'s {by} segments overlap (a user or row counted in several, or numerators without a "
            f"denominator): the {OVERLAP} row is the part of the change they cannot place"
        )
    title = f"explain {kpi.id} {month}" + (f" {place}" if place else "") + f" vs {split.base.label}"
    return TaskResult(
        [_section(kpi, by, split, title), _sentence_section(words)],
        notes=notes,
        value=Explanation(kpi, by, request.region, split, words),
    )


def planned(session, config: Config, request: ExplainRequest, figures: KpiFigures) -> _Explainer:
    """The explain's month, dimensions and sides settled, the figures it will ask for told to
    `figures` up front (nothing evaluated yet); refused in one line as run_explain refuses."""
    from chanops.store.coverage import resolve_months

    kpi = _kpi(config, request.kpi)
    month = resolve_months(session, request.month)[0]
    dims = _dimensions(kpi, request)
    return _Explainer(figures, kpi, month, dims, request)


def _kpi(config: Config, kpi_id: str) -> Kpi:
    if kpi_id not in config.kpis:
        raise UsageError(f"unknown KPI '{kpi_id}'; see chanops kpi list (ids: {', '.join(config.kpis)})")
    return config.kpis[kpi_id]


def _dimensions(kpi: Kpi, request: ExplainRequest) -> list[str]:
    """The dimensions to split by: --by, else every one the KPI carries but the sliced ones;
    refused in one line when the KPI cannot be split or sliced that way."""
    focus = request.focus()
    if request.vs == PROVINCE and not request.region:
        raise UsageError("--vs province explains a region's gap to the province: give --region R")
    for dim, value in focus.items():
        if dim not in kpi.dimensions:
            raise UsageError(
                f"KPI {kpi.id} cannot be sliced by {dim}: its rows carry only {', '.join(kpi.dimensions) or 'month'}"
            )
        if "," in value:
            raise UsageError(f"explain takes one --{dim} at a time (the split is of one KPI value)")
    usable = [d for d in kpi.dimensions if d not in focus]
    if request.by:
        if request.by not in kpi.dimensions:
            raise UsageError(
                f"KPI {kpi.id} cannot be split by {request.by}: its rows carry only "
                f"{', '.join(kpi.dimensions) or 'month'}"
            )
        if request.by in focus:
            raise UsageError(f"--by {request.by} within one --{request.by} has one segment: choose another --by")
        return [request.by]
    if not usable:
        raise UsageError(f"KPI {kpi.id} has no dimension to split by ({', '.join(kpi.dimensions) or 'month only'})")
    return usable


class _Explainer:
    """Evaluates the KPI for both sides through the same code `chanops kpi` runs, and splits."""

    def __init__(self, figures: KpiFigures, kpi: Kpi, month: str, dims: list[str], request: ExplainRequest):
        self.figures, self.kpi, self.month, self.dims = figures, kpi, month, dims
        self.focus = request.focus()
        self.place = " ".join(self.focus.values())
        self.province = request.vs == PROVINCE
        self.base_month = month if self.province else _base_month(month, request.vs)
        if not self.province and self.base_month >= month:
            raise UsageError(f"--vs {request.vs} must be before {month}")
        self.notes: list[str] = []
        self._totals: dict[str, Side] | None = None
        for months, sliced in self._evaluations():
            figures.need(kpi.id, months, sliced)

    def _evaluations(self) -> list[tuple[list[str], list[str]]]:
        """The (months, slice dimensions) `_sides` evaluates: the totals, then each split."""
        asked = []
        for dim in [None, *self.dims]:
            dims = [dim] if dim else []
            if self.province:
                asked += [([self.month], dims), ([self.month], [*self.focus, *dims])]
            else:
                asked.append(([self.base_month, self.month], [*self.focus, *dims]))
        return asked

    def by(self, dim: str) -> Split:
        if self._totals is None:
            self._totals = self._sides(None)
        segments = self._sides(dim)
        base = _with_segments(self._totals["base"], segments["base"])
        month = _with_segments(self._totals["month"], segments["month"])
        return shift_share(base, month, self.kpi.scale)

    def _sides(self, dim: str | None) -> dict[str, Side]:
        """{'base': Side, 'month': Side}: totals (dim None) or segments by `dim`."""
        dims = [dim] if dim else []
        if self.province:  # the province's month against the region's month
            province = self._evaluate([self.month], dims)
            focused = self._in_focus(self._evaluate([self.month], [*self.focus, *dims]))
            return {"base": self._side(province, dim, PROVINCE), "month": self._side(focused, dim, self.place)}
        prefix = list(self.focus)
        rows = self._evaluate([self.base_month, self.month], [*prefix, *dims])
        if self.focus:
            rows = self._in_focus(rows)
        return {
            "base": self._side([r for r in rows if r["month"] == self.base_month], dim, self.base_month),
            "month": self._side([r for r in rows if r["month"] == self.month], dim, self.month),
        }

    def _evaluate(self, months: list[str], dims: list[str]) -> list[dict]:
        rows, notes = self.figures.rows(self.kpi.id, months, dims)
        for note in notes:  # a month without data is refused below, by name
            if note not in self.notes and not note.startswith("no data for"):
                self.notes.append(note)
        return rows  # months × segments of one KPI: a handful of rows

    def _in_focus(self, rows: list[dict]) -> list[dict]:
        """The rows of the explained slice; a value in no row is refused naming those there are."""
        for dim, value in self.focus.items():
            kept = [r for r in rows if r[dim] == value]
            if not kept:
                there = ", ".join(sorted({str(r[dim]) for r in rows}))
                raise NoData(f"no {self.kpi.id} figures for {dim} '{value}' in {self.month}; {dim}s: {there}")
            rows = kept
        return rows

    def _side(self, rows: list[dict], dim: str | None, label: str) -> Side:
        """One side's totals (dim None: one row) or segments; refused when it has no figure."""
        num, den = f"{self.kpi.id}_num", f"{self.kpi.id}_den"
        if not any(r[den] for r in rows):
            where = f" in {self.place}" if self.place and label != self.place else ""
            raise NoData(f"{self.kpi.id} has no figure for {label}{where} (no data, or its denominator is empty)")
        if dim is None:
            [row] = rows
            return Side(label, row[num] or 0, row[den], {})
        return Side(label, 0, 0, {_segment(r[dim]): (r[num] or 0, r[den] or 0) for r in rows})


def _with_segments(totals: Side, segments: Side) -> Side:
    return Side(totals.label, totals.numerator, totals.denominator, segments.segments)


def _segment(value) -> str | None:
    return None if value is None else str(value)


def _base_month(month: str, vs: str) -> str:
    if vs in VS_SHIFT:
        return add_months(month, VS_SHIFT[vs])
    if vs == PROVINCE:
        return month
    try:
        return parse_month(vs, "--vs")
    except UsageError:
        raise UsageError(f"--vs must be prev, yoy, province or a month YYYY-MM, got '{vs}'") from None


def _section(kpi: Kpi, by: str, split: Split, title: str) -> Section:
    """One row per segment, ranked, after the whole change (ALL): weights as shares, rates in
    the KPI's unit, effects in its change unit (pp for a share)."""
    import pyarrow as pa

    from chanops.present.numbers import cell_unit

    whole = {"w0": 1.0, "w1": 1.0, "r0": split.r0, "r1": split.r1}
    effects = split.effects
    columns = effect_columns(effects)
    mix = sum(e.mix for e in effects if e.mix is not None)
    rate = sum(e.rate for e in effects if e.rate is not None)
    table = {
        by: [ALL, *[e.segment for e in effects]],
        **{name: [whole[name], *values] for name, values in columns.items() if name in whole},
        "mix": [mix, *columns["mix"]],
        "rate": [rate, *columns["rate"]],
        "total": [split.change, *columns["total"]],
        "share_of_change": [1.0 if split.change else None, *columns["share_of_change"]],
    }
    units = {
        "w0": "share",
        "w1": "share",
        "r0": kpi.unit,
        "r1": kpi.unit,
        "mix": cell_unit(kpi.unit, change=True),
        "rate": cell_unit(kpi.unit, change=True),
        "total": cell_unit(kpi.unit, change=True),
        "share_of_change": "share",
    }
    frame = pa.table(
        {name: pa.array(values, pa.string() if name == by else pa.float64()) for name, values in table.items()}
    )
    return Section(frame, title, units=units)


def _sentence_section(words: str) -> Section:
    import pyarrow as pa

    return Section(pa.table({"why": [words]}), "why")
