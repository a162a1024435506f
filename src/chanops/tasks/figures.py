"""KPI figures shared by the tasks of one report: each (KPI, month, slice) evaluated once.

A report asks for the same figures many times over — the cards' six months, the 盟市 and
touchpoint slices, then every "why" line splits an alert's or a mover's KPI by each of its
dimensions, for the month and the month before, for the province and for the slice. Each
of those was one statement over the raw facts. `KpiFigures` is told what the report needs
up front (`need`), takes the results the report already has (`keep`), and evaluates what
is left in as few statements as it can: one per set of slice dimensions and months, every
KPI asked for them in it (the catalog compiles them into one scan per source).

A figure served from a shared statement is the figure its own statement gives: a KPI's
numerator and denominator per (month, slice) do not depend on the other KPIs or months
evaluated beside it. The shared statement may hold slices where this KPI has no rows (they
come from another KPI's source); they carry 0 over 0, which no split counts.

Scoped to one report session: nothing is kept across sessions or after the warehouse
changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chanops.errors import NoData

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.kpi.evaluate import KpiResult

Cell = tuple[str, str, frozenset[str]]  # (KPI id, month, slice dimensions)


@dataclass
class _Evaluation:
    """One statement's answer: its rows, the KPIs it computed, its notes; or why it had none."""

    rows: list[dict]
    computed: frozenset[str]
    notes: list[str] = field(default_factory=list)
    failure: NoData | None = None


class KpiFigures:
    """The figures of one report session (see the module docstring)."""

    def __init__(self, session, config: Config):
        self.session, self.config = session, config
        self._where: dict[Cell, _Evaluation] = {}  # which evaluation answers each cell
        self._pending: dict[frozenset[str], dict[str, set[str]]] = {}  # dims → KPI → months
        self._order: dict[frozenset[str], tuple[str, ...]] = {}  # dims as first asked (row order)

    def keep(self, result: KpiResult, months: Sequence[str]) -> None:
        """A result evaluated elsewhere answers its cells: every row of `months`, unsliced."""
        dims = frozenset(result.dims)
        evaluation = _Evaluation(result.frame.to_pylist(), frozenset(k.id for k in result.kpis), list(result.notes))
        for kpi in result.kpis:
            for month in months:
                self._where.setdefault((kpi.id, month, dims), evaluation)

    def need(self, kpi: str, months: Iterable[str], dims: Sequence[str]) -> None:
        """Tell what will be asked, so one statement evaluates it with everything asked alike."""
        key = frozenset(dims)
        self._order.setdefault(key, tuple(dims))
        months = [m for m in months if (kpi, m, key) not in self._where]
        if months:
            self._pending.setdefault(key, {}).setdefault(kpi, set()).update(months)

    def rows(self, kpi: str, months: Sequence[str], dims: Sequence[str]) -> tuple[list[dict], list[str]]:
        """The rows of `kpi` for `months` sliced by `dims` (month, dims, KPI columns) — its own
        evaluation's, and a shared statement's slices of 0 over 0 — and the notes of the
        evaluations they come from. No data in any of the months is NoData, as evaluate says it."""
        key = frozenset(dims)
        self.need(kpi, months, dims)
        if key in self._pending:
            self._evaluate(key)
        found: list[dict] = []
        notes: list[str] = []
        for month in months:
            evaluation = self._where[(kpi, month, key)]
            if evaluation.failure is not None:
                continue  # no data at all in the statement's months: no rows for this one
            if kpi not in evaluation.computed:  # its extracts were never loaded
                why = [n for n in evaluation.notes if n.startswith(f"{kpi} left out")]
                raise NoData(f"no KPI can be computed: {why[0] if why else kpi + ' left out'}")
            found += [r for r in evaluation.rows if r["month"] == month]
            notes += [n for n in evaluation.notes if n not in notes]
        failures = [self._where[(kpi, m, key)].failure for m in months]
        if failures and failures[0] is not None and all(failures):
            raise failures[0]
        return found, notes

    def _evaluate(self, key: frozenset[str]) -> None:
        """Everything pending for these dimensions in one statement — every KPI asked for the
        months any of them is asked — unless that would evaluate a cell a kept result already
        answers; then one statement per set of months asked, so no cell is evaluated twice."""
        pending = self._pending.pop(key)
        every_month = sorted(set().union(*pending.values()))
        if any((kpi, m, key) in self._where for kpi in pending for m in every_month):
            by_months: dict[tuple[str, ...], list[str]] = {}
            for kpi, asked in pending.items():
                by_months.setdefault(tuple(sorted(asked)), []).append(kpi)
            batches = list(by_months.items())
        else:
            batches = [(tuple(every_month), list(pending))]
        for batch_months, kpis in batches:
            evaluation = self._run(batch_months, kpis, self._order[key])
            for kpi in kpis:
                for month in batch_months:
                    self._where[(kpi, month, key)] = evaluation

    def _run(self, months: Sequence[str], kpis: list[str], dims: Sequence[str]) -> _Evaluation:
        """One statement: the KPIs for the months sliced by dims (the evaluation `chanops kpi` runs)."""
        from chanops.kpi import evaluate as kpi_evaluate

        try:
            result = kpi_evaluate.evaluate(
                self.session,
                self.config.kpis,
                self.config.channels,
                list(months),
                dims,
                kpis,
                regions=self.config.regions,
            )
        except NoData as exc:
            return _Evaluation([], frozenset(), failure=exc)
        return _Evaluation(result.frame.to_pylist(), frozenset(k.id for k in result.kpis), list(result.notes))
