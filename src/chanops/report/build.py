"""The monthly report: what a cron job writes on the 1st and managers read.

`build_report(session, config, ReportRequest(...))` runs the same tasks the commands run —
check, kpi (the province over six months, by 盟市, by touchpoint), funnel, failures, points
summary and statement, prefer summary and targets, lifecycle, explain — once each, and lays
their results out as parts. It computes no figure of its own: a number in the report is a
number some command prints. A part whose data is not loaded says so where it would be.
Each KPI figure is evaluated once for the whole report (tasks/figures.py): the explains
behind the why lines read the cards', 盟市 and touchpoint results and share the rest.

A 盟市's own report (`region`) is the same report of that region's slice, as `--region`
gives it on every command: the cards are `kpi --region R`, the activity parts run on the
session narrowed to R, the points part keeps R's staff of the whole month's judgement; the
ranking of 盟市 stays, for where R stands, and R's alerts are explained against the province.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl

from chanops.errors import NoData
from chanops.kpi.evaluate import KpiRequest, breaches
from chanops.months import add_months
from chanops.present.labels import label
from chanops.present.output import Section
from chanops.report import activity_parts, kpi_parts
from chanops.report.model import Card, Part, Report, ReportRequest, title, words
from chanops.report.why import alert_request, mover_request, movers, sentences
from chanops.schema import KINDS
from chanops.slices import Slices, keep_sliced, narrowed
from chanops.store.coverage import months_with_data, resolve_months
from chanops.tasks.figures import KpiFigures
from chanops.tasks.kpi import breach_alert, run_kpi
from chanops.tasks.warehouse import CheckRequest, run_check

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.kpi.evaluate import KpiResult
    from chanops.store.completeness import CheckResult
    from chanops.tasks.result import Alert

STEP_COUNT = 11  # the steps build_report tells `progress`: completeness, headline, eight parts, why
HISTORY = 6  # months on a card's sparkline and in the trend charts

# The kinds each part is drawn from: when its builder finds no data, the part names the ones
# missing for the month instead of vanishing.
PART_KINDS = {
    "trend": ("orders", "contacts"),
    "region": ("orders", "contacts"),
    "touchpoint": ("orders",),
    "funnel": ("contacts",),
    "failures": ("orders",),
    "points": ("entries", "valid", "rules"),
    "prefer": ("usage", "customers"),
    "customers": ("customers", "billing"),
}


def build_report(
    session,
    config: Config,
    request: ReportRequest,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Every part of the month's report. No data for the month at all is NoData."""
    [month] = resolve_months(session, request.month)
    if month not in months_with_data(session, [month]):
        raise NoData(f"no data for {month}: nothing to report")
    lang = request.lang
    step = progress or (lambda _message: None)
    step("data completeness")
    checked = run_check(session, config, CheckRequest(month))
    check: CheckResult = checked.value
    parts: list[Part] = [_completeness(check, lang)]

    step("headline KPIs")
    months = [add_months(month, -k) for k in range(HISTORY - 1, -1, -1)]
    slices = Slices((request.region,)) if request.region else Slices()
    # one evaluation gives the cards, their six-month lines and each month's change; a region's
    # report evaluates them for every 盟市 and keeps its own (as `kpi --region R` does)
    every: KpiResult = run_kpi(
        session, config, KpiRequest(first=months[0], last=month, compare="prev", dims=tuple(slices.asked()))
    ).value
    province = _kept_to(every, slices)
    # every figure the report shows is evaluated once: the parts and the why lines share them
    figures = KpiFigures(session, config)
    figures.keep(every, months)
    current_alerts = [breach_alert(b, config.channels) for b in province.breached if b.month == month]
    cards = _cards(province, month, months, current_alerts, tuple((d, v[0]) for d, v in slices.asked().items()))
    parts.append(_headline(province, cards, month, lang))
    alerts: list[Alert] = [*checked.alerts, *current_alerts]

    missing = {r["kind"] for r in check.rows if r["test"] == "kind_loaded" and r["status"] == "breach"}
    # the 盟市 slice of the month, for the ranking and for retention: a region's cards already
    # evaluated it, the province's report evaluates it once
    regional: KpiResult | None = kpi_parts.regional_of(every, config, month) if slices else None
    if regional is None:
        try:
            regional = kpi_parts.regional(session, config, month)
            figures.keep(regional, [month])
        except NoData:
            pass

    def region() -> kpi_parts.Built:
        if regional is None:
            raise NoData(f"no KPI by region for {month}")
        return kpi_parts.by_region(regional, config, lang, month)

    def touchpoint() -> kpi_parts.Built:
        result = kpi_parts.touchpoints(session, config, month)
        if not slices:  # a region's touchpoints are evaluated on its narrowed session
            figures.keep(result, [month])
        return kpi_parts.by_touchpoint(result, month, config, lang)

    def narrowed_to_region(build: Callable[[], kpi_parts.Built]) -> Callable[[], kpi_parts.Built]:
        def built() -> kpi_parts.Built:
            with narrowed(session, slices):
                return build()

        return built

    # (key, builder, whether a region's report narrows the session for it)
    builders: list[tuple[str, Callable[[], kpi_parts.Built], bool]] = [
        ("trend", lambda: kpi_parts.trend(province, config, lang, months), False),
        ("region", region, False),  # every 盟市: where the report's own stands
        ("touchpoint", touchpoint, True),
        ("funnel", lambda: activity_parts.funnel_part(session, month, config, lang), True),
        ("failures", lambda: activity_parts.failures_part(session, month, config, lang), True),
        (
            "points",
            lambda: activity_parts.points_part(session, month, config, lang, request.points_budget, slices),
            False,  # a claim is judged against every claim of the month, then R's are kept
        ),
        ("prefer", lambda: activity_parts.prefer_part(session, month, config, lang), True),
        ("customers", lambda: activity_parts.customers_part(session, month, config, lang, regional), True),
    ]
    for key, build, narrows in builders:
        step(title(key, "en").lower())
        try:
            part, part_alerts = (narrowed_to_region(build) if narrows else build)()
        except NoData as exc:
            part, part_alerts = _without_data(key, lang, missing, str(exc)), []
        parts.append(part)
        if not (request.region and key == "region"):  # a region's own values are its cards' alerts
            alerts += part_alerts
    report = Report(month, lang, parts, cards, alerts, check, _kpi_notes(province, config, missing, lang))
    report.region = request.region
    step("why")
    report.movers = movers(cards)
    report.why = _why(session, config, report, figures)
    return report


def _why(session, config: Config, report: Report, figures: KpiFigures) -> dict[str, str]:
    """The explain sentence under each KPI alert (by its line) and each top mover, from the
    report's shared figures."""
    asked = {alert.line: alert_request(report.month, alert, report.lang, report.region) for alert in report.kpi_alerts}
    for card in report.movers:
        asked[f"mover:{card.kpi.id}"] = mover_request(report.month, card, report.lang, report.region)
    return sentences(session, config, asked, figures)


def _kept_to(result: KpiResult, slices: Slices) -> KpiResult:
    """The result's rows of the slices and their breaches (what run_kpi gives for --region)."""
    if not slices:
        return result
    frame = keep_sliced(result.frame, slices)
    return replace(result, frame=frame, breached=breaches(frame, result.kpis, result.dims))


def _kpi_notes(province: KpiResult, config: Config, missing: set[str], lang: str) -> list[str]:
    """The kpi result's notes in the report's language: each KPI left out names the extracts
    it lacks; months of the trend without data are shown as gaps, not noted."""
    from chanops.kpi.evaluate import SOURCE_KINDS

    computed = {k.id for k in province.kpis}
    notes = []
    for kpi in config.kpis.values():
        if kpi.id in computed:
            continue
        kinds = dict.fromkeys(k for m in (kpi.numerator, kpi.denominator) for k in SOURCE_KINDS[m.source])
        lacking = [k for k in kinds if k in missing] or list(kinds)
        notes.append(
            words(
                lang,
                f"{kpi.zh}未计算：未加载{'、'.join(KINDS[k].label for k in lacking)}",
                f"{kpi.en} not computed: no {', '.join(lacking)} loaded",
            )
        )
    for note in province.notes:
        if note.startswith("no data for ") or " left out: " in note:
            continue
        blank = re.fullmatch(r"customer KPIs blank for (.+): the latest customers snapshot is as of (\S+)", note)
        if blank and lang == "zh":
            months, as_of = blank.groups()
            note = f"客户类指标（普及率、申诉率、保有率）{months} 留空：最新客户快照截至 {as_of}"
        notes.append(note)
    return notes


def _without_data(key: str, lang: str, missing: set[str], reason: str) -> Part:
    """The part's place, saying why it is empty: the kinds not loaded for the month, or the
    reason the part's task gave."""
    lacking = [k for k in PART_KINDS[key] if k in missing]
    if lacking:
        zh = "未加载" + "、".join(KINDS[k].label for k in lacking)
        en = f"no {', '.join(lacking)} loaded for the month"
    else:
        zh, en = "本月无可展示的数据", reason
    part = Part(key, title(key, lang))
    part.notes.append(title(key, lang) + words(lang, f"：{zh}", f": {en}"))
    part.summary = list(part.notes)
    return part


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
    table = Section(
        pl.from_arrow(check.for_people(lang)),
        "completeness",
        human=pl.from_arrow(check.for_reading(lang)),
        percent=("figure",),
        row_kinds="unit",  # the workbook stores counts and the reject share as numbers
    )
    return Part("completeness", title("completeness", lang), [table], notes=[summary])


def _cards(province: KpiResult, month: str, months: list[str], alerts: list[Alert], where: tuple = ()) -> list[Card]:
    """A card per KPI: the month's value and change from the kpi result's row of the month, its
    line from the rows of the six months (of the province, or of the region `where` names)."""
    rows = {row["month"]: row for row in province.frame.to_pylist()}
    record = rows.get(month, {})
    breach_of = {a.subject: a for a in alerts if a.where == where}
    return [
        Card(
            kpi,
            record.get(kpi.id),
            record.get(f"{kpi.id}_prev"),
            record.get(f"{kpi.id}_change"),
            [rows.get(m, {}).get(kpi.id) for m in months],
            breach_of.get(kpi.id),
        )
        for kpi in province.kpis
    ]


def _headline(province: KpiResult, cards: list[Card], month: str, lang: str) -> Part:
    """The cards, and the same as a table for the workbook: the kpi command's long layout."""
    from chanops.kpi.view import long_view

    human = long_view(province, lang).filter(pl.col("month") == month)
    human = human.drop([c for c in human.columns if c in ("month", "region", label("region", lang))])
    table = Section(
        _headline_numbers(cards, lang),
        "headline",
        human=human,
        percent=("value", "previous", "min", "max"),
        points=("change",),
        row_kinds="format",
        marked=frozenset((i, "value") for i, card in enumerate(cards) if card.breach),
    )
    return Part("headline", title("headline", lang), [table], notes=[])


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
