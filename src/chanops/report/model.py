"""What a monthly report holds, independent of how it is drawn: KPI cards, parts with
their tables and charts, threshold breaches and the completeness check. html.py,
workbook.py and markdown.py each render the same Report."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chanops.kpi.catalog import Kpi
    from chanops.present.output import Section
    from chanops.store.completeness import CheckResult
    from chanops.tasks.result import Alert

TITLES = {
    "completeness": ("数据完整性检查", "Data completeness"),
    "headline": ("核心指标", "Headline KPIs"),
    "trend": ("近六个月趋势", "Six-month trend"),
    "region": ("分盟市指标", "KPIs by region"),
    "touchpoint": ("分触点办理", "Orders by touchpoint"),
    "funnel": ("多波次营销漏斗", "Campaign funnel by wave"),
    "failures": ("办理失败分析", "Failure analysis"),
    "points": ("新业务积分", "Points"),
    "prefer": ("电子渠道偏好", "Channel preference"),
    "customers": ("保有与生命周期", "Retention and lifecycle"),
}


def title(key: str, lang: str) -> str:
    zh, en = TITLES[key]
    return zh if lang == "zh" else en


def words(lang: str, zh: str, en: str) -> str:
    """The report's language picks one of two phrasings."""
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class ReportRequest:
    """A monthly report: the month (default: the latest with data), the labels' language,
    and a points budget to show its use."""

    month: str | None = None
    lang: str = "zh"
    points_budget: Decimal | None = None
    region: str | None = None  # one 盟市's own report: its KPIs, its funnel, its staff …


@dataclass
class Card:
    """One headline KPI: this month, the month before, and the last six months."""

    kpi: Kpi
    value: float | None
    previous: float | None
    change: float | None
    history: list[float | None]  # the six months ending with the report's month
    breach: Alert | None = None

    @property
    def good_news(self) -> bool | None:
        """Whether the change is good for this KPI; None when there is none to judge."""
        if self.change is None or abs(self.change) < 1e-12:
            return None
        return (self.change > 0) == self.kpi.good_when_higher

    def move_words(self, lang: str) -> str:
        """'收入保有率: 99.88% → 96.07% (-3.81pp, 变差)': the line a top mover gets in every
        surface that lists the biggest moves."""
        from chanops.present.numbers import kpi_text

        name = self.kpi.zh if lang == "zh" else self.kpi.en
        verdict = words(lang, "向好", "better") if self.good_news else words(lang, "变差", "worse")
        return (
            f"{name}: {kpi_text(self.kpi, self.previous)} → {kpi_text(self.kpi, self.value)} "
            f"({kpi_text(self.kpi, self.change, change=True)}, {verdict})"
        )


@dataclass
class Part:
    key: str
    title: str
    tables: list[Section] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shown under the part's title
    summary: list[str] = field(default_factory=list)  # the lines the Markdown digest takes from this part
    folded: list[Section] = field(default_factory=list)  # detail tables: folded away in HTML, sheets in XLSX


@dataclass
class Report:
    month: str
    lang: str
    parts: list[Part]
    cards: list[Card]
    # One list: the completeness tests breached, then the KPI values beyond their thresholds
    # in the province and in every slice the report shows. The cover, the HTML, the Markdown
    # and the exit code of `report monthly --check` all read it.
    alerts: list[Alert] = field(default_factory=list)
    check: CheckResult | None = None  # the data-completeness check run before anything else
    notes: list[str] = field(default_factory=list)  # caveats about the figures, for stderr too
    region: str | None = None  # the 盟市 of a region's own report
    movers: list[Card] = field(default_factory=list)  # the rates that moved most (report/why.py)
    # the explain sentence under an alert (by its line) and under a mover (by its KPI id)
    why: dict[str, str] = field(default_factory=dict)

    @property
    def kpi_alerts(self) -> list[Alert]:
        return [a for a in self.alerts if a.kind == "kpi"]

    @property
    def title(self) -> str:
        place = f" · {self.region}" if self.region else ""
        return words(self.lang, f"渠道运营月报 {self.month}{place}", f"Channel operations report {self.month}{place}")

    def alert_why(self, alert: Alert) -> str | None:
        return self.why.get(alert.line)

    def mover_why(self, card: Card) -> str | None:
        return self.why.get(f"mover:{card.kpi.id}")

    def part(self, key: str) -> Part | None:
        return next((p for p in self.parts if p.key == key), None)

    def sections(self) -> list[Section]:
        """Every table, in reading order: what the workbook gets a sheet for."""
        return [s for part in self.parts for s in (*part.tables, *part.folded)]
