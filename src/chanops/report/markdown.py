"""The report as a Markdown digest for mail or IM: whether the month is complete, the
headline, what breached its line, what moved most, and a line or two each on failures,
points and campaigns. The numbers are the report's; the detail is in the HTML and XLSX."""

from __future__ import annotations

from chanops.present.numbers import kpi_text
from chanops.report.model import Card, Report, title, words

DIGEST_PARTS = ("failures", "points", "funnel")


def render_markdown(report: Report) -> str:
    lang = report.lang
    lines = [f"# {report.title}", "", *_check_lines(report)]
    lines += [
        f"## {title('headline', lang)}",
        "",
        words(lang, "| 指标 | 本月 | 上月 | 变化 | 考核线 |", "| KPI | Value | Previous | Change | Threshold |"),
        "|---|---:|---:|---:|---:|",
    ]
    lines += [_headline_row(card, lang) for card in report.cards]
    lines += [f"> {note}" for note in report.notes]
    every = report.kpi_alerts
    if every:
        lines += ["", words(lang, "## 阈值告警", "## Threshold breaches"), ""]
        for alert in every:
            lines += [f"- {alert.words(lang)}", *_why_line(report.alert_why(alert), lang)]
    if report.movers:
        lines += ["", words(lang, "## 变化最大", "## Biggest moves"), ""]
        for card in report.movers:
            lines += [_mover_line(card, lang), *_why_line(report.mover_why(card), lang)]
    for part in report.parts:
        empty = not (part.tables or part.folded or part.charts)  # a part without data says so here too
        if (part.key in DIGEST_PARTS or empty) and part.summary:
            lines += ["", f"## {part.title}", ""]
            lines += [f"- {line}" for line in part.summary]
    return "\n".join(lines) + "\n"


def _check_lines(report: Report) -> list[str]:
    """The completeness result first: whoever reads the mail knows whether to trust the rest."""
    lang = report.lang
    if report.check is None:
        return []
    if not report.check.breaches:
        return [words(lang, "**数据完整性检查：全部通过**", "**Data completeness: every test passed**"), ""]
    count = len(report.check.breaches)
    head = words(lang, f"**数据完整性检查：{count} 项未通过**", f"**Data completeness: {count} test(s) breached**")
    return [head, *[f"- {line}" for line in report.check.breach_lines(lang)], ""]


def _headline_row(card: Card, lang: str) -> str:
    kpi = card.kpi
    name = kpi.zh if lang == "zh" else kpi.en
    limit = ""
    if kpi.min is not None:
        limit = f"≥ {kpi_text(kpi, kpi.min)}"
    elif kpi.max is not None:
        limit = f"≤ {kpi_text(kpi, kpi.max)}"
    value = kpi_text(kpi, card.value)
    if card.breach:
        value = f"**{value}** ⚠"
    change = kpi_text(kpi, card.change, change=True)
    return f"| {name} | {value} | {kpi_text(kpi, card.previous)} | {change} | {limit} |"


def _why_line(sentence: str | None, lang: str) -> list[str]:
    """The explain sentence, indented under its bullet."""
    return [f"  - {words(lang, '原因：', 'Why: ')}{sentence}"] if sentence else []


def _mover_line(card: Card, lang: str) -> str:
    return f"- {card.move_words(lang)}"
