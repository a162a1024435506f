"""The monthly report: what a cron job writes on the 1st and managers read.

`build_report(con, config, ReportRequest(...))` gathers the parts from the library —
KPIs, funnel, failures, points, preference, retention and lifecycle — each only when
its data is loaded, with the same Config the commands use (so a [points] deduction or
a [prefer] weight reads the same in the report as in `chanops points statement`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from chanops.errors import NoData
from chanops.kpi.evaluate import evaluate
from chanops.kpi.view import long_view
from chanops.months import add_months
from chanops.present.output import Section
from chanops.report import activity_parts, kpi_parts
from chanops.report.model import Card, Part, Report, ReportRequest, title, words
from chanops.store.completeness import CheckResult, check_month
from chanops.store.coverage import months_with_data, resolve_months

if TYPE_CHECKING:
    from chanops.config import Config

STEP_COUNT = 10  # the steps build_report tells `progress`: completeness, headline, eight parts
HISTORY = 6  # months on a card's sparkline and in the trend charts


def build_report(
    con: duckdb.DuckDBPyConnection,
    config: Config,
    request: ReportRequest,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Every part whose data is loaded for the month. No data for the month at all is NoData."""
    [month] = resolve_months(con, request.month)
    if month not in months_with_data(con, [month]):
        raise NoData(f"no data for {month}: nothing to report")
    lang = request.lang
    step = progress or (lambda _message: None)
    step("data completeness")
    check = check_month(con, month, config.check)
    parts: list[Part] = [_completeness(check, lang)]
    step("headline KPIs")
    months = [add_months(month, -k) for k in range(HISTORY - 1, -1, -1)]
    history = _history(con, config, months)
    cards, headline = _headline(con, month, config, lang, history)
    parts.append(headline)
    region_breaches = []

    def region() -> Part:
        part, breached = kpi_parts.by_region(con, month, config, lang)
        region_breaches.extend(breached)
        return part

    builders = [
        ("trend", lambda: kpi_parts.trend(config, lang, months, history)),
        ("region", region),
        ("touchpoint", lambda: kpi_parts.by_touchpoint(con, month, config, lang)),
        ("funnel", lambda: activity_parts.funnel_part(con, month, lang)),
        ("failures", lambda: activity_parts.failures_part(con, month, config, lang)),
        ("points", lambda: activity_parts.points_part(con, month, config, lang, request.points_budget)),
        ("prefer", lambda: activity_parts.prefer_part(con, month, config, lang)),
        ("customers", lambda: activity_parts.customers_part(con, month, config, lang)),
    ]
    for key, build in builders:
        step(title(key, "en").lower())
        try:
            part = build()
        except NoData:
            part = None  # this part's data is not loaded: the report leaves it out
        if part is not None:
            parts.append(part)
    breaches = [card.breach for card in cards if card.breach is not None]
    return Report(month, lang, parts, cards, breaches, region_breaches, check)


def _completeness(check: CheckResult, lang: str) -> Part:
    """The check's result at the top of the report: one line saying whether the month can be
    trusted, then every test."""
    breached = len(check.breaches)
    if not breached:
        summary = words(lang, "全部检查通过", "every test passed")
    else:
        summary = words(
            lang,
            f"{breached} 项检查未通过：本月数据可能不完整，请核实后再使用",
            f"{breached} test(s) breached: the month may be incomplete",
        )
    table = pl.from_arrow(check.for_people(lang))
    return Part("completeness", title("completeness", lang), [Section(table, "completeness")], notes=[summary])


def _history(con, config: Config, months: list[str]) -> dict[str, dict]:
    """Every KPI for each month with data among `months`: month → {kpi id: value}."""
    with_data = months_with_data(con, months)  # once: on Spark each probe is a job
    present = [m for m in months if m in with_data]
    result = evaluate(con, config.kpis, config.channels, present)
    return {row["month"]: row for row in result.frame.to_pylist()}


def _headline(con, month: str, config: Config, lang: str, history: dict[str, dict]) -> tuple[list[Card], Part]:
    """A card per KPI (value, change on the month before, six-month line, breach), and the
    same as a table for the workbook."""
    result = evaluate(con, config.kpis, config.channels, [month], compare="prev")
    [record] = result.frame.to_pylist()
    breach_of = {b.kpi.id: b for b in result.breached}
    months = sorted(history)
    cards = [
        Card(
            kpi,
            record[kpi.id],
            record[f"{kpi.id}_prev"],
            record[f"{kpi.id}_change"],
            [history[m].get(kpi.id) for m in months] if months else [],
            breach_of.get(kpi.id),
        )
        for kpi in result.kpis
    ]
    table = Section(
        _headline_numbers(cards, lang),
        "headline",
        human=long_view(result, lang).drop("month"),
        percent=("value", "previous", "min", "max"),
        points=("change",),
        row_kinds="format",
        marked=frozenset((i, "value") for i, card in enumerate(cards) if card.breach),
    )
    return cards, Part("headline", title("headline", lang), [table])


def _headline_numbers(cards: list[Card], lang: str) -> pl.DataFrame:
    """The headline as numbers for the workbook, one row per KPI named in the report's
    language; `format` holds each KPI's unit (a share's change is in percentage points, a rate
    per million's in its own unit)."""
    return pl.DataFrame(
        {
            "kpi": [c.kpi.zh if lang == "zh" else c.kpi.en for c in cards],
            "value": [c.value for c in cards],
            "previous": [c.previous for c in cards],
            "change": [c.change for c in cards],
            "min": [c.kpi.min for c in cards],
            "max": [c.kpi.max for c in cards],
            "format": [c.kpi.unit for c in cards],
        },
        schema={
            "kpi": pl.String,
            "value": pl.Float64,
            "previous": pl.Float64,
            "change": pl.Float64,
            "min": pl.Float64,
            "max": pl.Float64,
            "format": pl.String,
        },
    )
