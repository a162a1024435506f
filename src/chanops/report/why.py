"""The report's "why" lines (SPEC §14): under every alert and every top mover, the sentence
`chanops explain` gives for it — a province KPI against the month before, a 盟市's value
against the province, a touchpoint's against the month before — split by the dimension
that explains most. The sentence is the explain task's own; the report adds none."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chanops.errors import NoData, UsageError

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.report.model import Card
    from chanops.tasks.explain import ExplainRequest
    from chanops.tasks.figures import KpiFigures
    from chanops.tasks.result import Alert

MOVERS = 3  # the top movers the report names


def movers(cards: list[Card]) -> list[Card]:
    """The rates that moved most in percentage points (numbers like complaints per million
    do not compare with them)."""
    rates = [c for c in cards if c.kpi.unit == "share" and c.change is not None and abs(c.change) >= 1e-4]
    return sorted(rates, key=lambda c: abs(c.change or 0.0), reverse=True)[:MOVERS]


def alert_request(month: str, alert: Alert, lang: str, region: str | None) -> ExplainRequest:
    """The explain asked for a KPI alert: a 盟市's gap to the province, else the slice's
    change against the month before (within the report's 盟市, in a region's report)."""
    from chanops.tasks.explain import ExplainRequest

    where = dict(alert.where)
    if region:
        where.setdefault("region", region)
    if "region" in where and len(where) == 1:
        return ExplainRequest(alert.subject, month, "province", region=where["region"], lang=lang)
    return ExplainRequest(
        alert.subject, month, "prev", lang=lang, region=where.get("region"), channel=where.get("channel")
    )


def mover_request(month: str, card: Card, lang: str, region: str | None) -> ExplainRequest:
    """The explain asked for a top mover: its change against the month before."""
    from chanops.tasks.explain import ExplainRequest

    return ExplainRequest(card.kpi.id, month, "prev", region=region, lang=lang)


def sentences(session, config: Config, asked: dict[str, ExplainRequest], figures: KpiFigures) -> dict[str, str]:
    """Each asked explain's sentence (by the key it is asked under), none where there is nothing
    to split (no base month, one segment). Every explain tells `figures` what it needs before
    any is run, so a figure two of them share is evaluated once."""
    from chanops.tasks.explain import planned, run_explain

    runnable = {}
    for key, request in asked.items():
        try:
            planned(session, config, request, figures)
        except (NoData, UsageError):
            continue
        runnable[key] = request
    found = {}
    for key, request in runnable.items():
        try:
            found[key] = run_explain(session, config, request, figures).value.sentence
        except (NoData, UsageError):
            continue
    return found
