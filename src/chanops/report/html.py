"""The report as one self-contained HTML file: inline CSS and SVG, nothing fetched, no
script. A manager reads it top-down in two minutes — is the month complete, which KPIs
moved and which are off their line, where (盟市), and why (failures) — and an analyst
unfolds the detail tables."""

from __future__ import annotations

from html import escape

from chanops.present.formats import OutputOptions
from chanops.present.labels import label
from chanops.present.numbers import kpi_text
from chanops.present.output import Section, display_frame, shown_columns
from chanops.report import charts
from chanops.report.model import Card, Part, Report, words
from chanops.report.style import CSS


def render_html(report: Report, options: OutputOptions) -> str:
    lang = report.lang
    body = [
        f'<header class="top"><h1>{escape(report.title)}</h1><div class="meta">{escape(_meta(report))}</div></header>',
        _toc(report),
        "<main>",
    ]
    for part in report.parts:
        body.append(f'<section id="{part.key}"><h2>{escape(part.title)}</h2>')
        if part.key == "completeness":
            body.append(_completeness(part, report, options))
        elif part.key == "headline":
            notes = "".join(f'<p class="note">{escape(note)}</p>' for note in report.notes)
            body.append(_alerts(report) + _movers(report) + notes + _cards(report.cards, lang))
        else:
            body.append(_part(part, options))
        body.append("</section>")
    body.append("</main>")
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _meta(report: Report) -> str:
    """The line under the title: the province's KPIs against their lines, then the 盟市' and
    the touchpoints'."""
    lang = report.lang
    sliced_by = [a.where[0][0] if a.where else "" for a in report.kpi_alerts]
    province, regions, touchpoints = (sliced_by.count(d) for d in ("", "region", "channel"))
    line = (
        words(lang, f"{province} 项全省指标未达考核线", f"{province} province KPI(s) outside their threshold")
        if province
        else words(lang, "全省指标均在考核线以内", "Every province KPI within its threshold")
    )
    if regions:
        line += words(lang, f"；{regions} 项分盟市指标未达标", f"; {regions} by-region value(s) outside")
    if touchpoints:
        line += words(lang, f"；{touchpoints} 项分触点指标未达标", f"; {touchpoints} by-touchpoint value(s) outside")
    return line


def _toc(report: Report) -> str:
    links = "".join(f'<a href="#{p.key}">{escape(p.title)}</a>' for p in report.parts)
    return f'<nav class="toc" aria-label="{escape(words(report.lang, "目录", "Contents"))}">{links}</nav>'


def _completeness(part: Part, report: Report, options: OutputOptions) -> str:
    """One line saying whether to trust the month; the breached tests in the open, every
    test folded away (<details>, no script needed)."""
    [section] = part.tables
    breached = bool(report.check and report.check.breaches)
    html = (
        f'<div class="status {"bad" if breached else "ok"}">{"⚠ " if breached else "✓ "}{escape(part.notes[0])}</div>'
    )
    frame = section.human_frame(report.lang)
    assert frame is not None  # the completeness section is read as text (build._completeness)
    status = words(report.lang, "未通过", "BREACH")
    failing = frame.filter(frame["status"] == status)
    if failing.height:
        html += _table(Section(failing, "completeness"), options)
    everything = words(report.lang, f"全部 {frame.height} 项检查", f"All {frame.height} tests")
    return html + f"<details><summary>{escape(everything)}</summary>{_table(section, options)}</details>"


def _alerts(report: Report) -> str:
    lang = report.lang
    every = report.kpi_alerts
    if not every:
        return ""
    items = "".join(
        f'<li><span class="alert-line">{escape(b.words(lang))}</span>{_why(report.alert_why(b), lang)}</li>'
        for b in every
    )
    heading = escape(words(lang, "阈值告警", "Threshold breaches"))
    return f'<div class="alerts" role="alert"><strong>{heading}</strong><ul>{items}</ul></div>'


def _movers(report: Report) -> str:
    """The rates that moved most on last month, as the Markdown lists them, each coloured by
    whether the move is good for its KPI, with the explain sentence under it."""
    lang = report.lang
    if not report.movers:
        return ""
    items = "".join(
        f'<li><span class="mover-line {"good" if card.good_news else "bad"}">'
        f"{escape(card.move_words(lang))}</span>{_why(report.mover_why(card), lang)}</li>"
        for card in report.movers
    )
    heading = escape(words(lang, "变化最大", "Biggest moves"))
    return f'<div class="movers"><strong>{heading}</strong><ul>{items}</ul></div>'


def _why(sentence: str | None, lang: str) -> str:
    """The explain sentence under an alert or a mover."""
    if not sentence:
        return ""
    return f'<p class="why">{escape(words(lang, "原因：", "Why: "))}{escape(sentence)}</p>'


def _cards(cards: list[Card], lang: str) -> str:
    return '<div class="cards">' + "".join(_card(card, lang) for card in cards) + "</div>"


def _card(card: Card, lang: str) -> str:
    """Value, change on last month coloured by whether it is good for this KPI, six-month
    sparkline, and the threshold — in red with a badge when breached."""
    kpi = card.kpi
    name = kpi.zh if lang == "zh" else kpi.en
    value = kpi_text(kpi, card.value) if card.value is not None else "—"
    good = card.good_news
    tone = "flat" if good is None else "good" if good else "bad"
    arrow = "" if card.change is None or abs(card.change) < 1e-12 else "▲ " if card.change > 0 else "▼ "
    change = (
        f"{arrow}{kpi_text(kpi, card.change, change=True)} {words(lang, '环比', 'vs last month')}"
        if card.change is not None
        else words(lang, "上月无数据", "no previous month")
    )
    limit = ""
    if kpi.min is not None or kpi.max is not None:
        side, line = (
            (words(lang, "下限", "min"), kpi.min) if kpi.min is not None else (words(lang, "上限", "max"), kpi.max)
        )
        limit = f"{side} {kpi_text(kpi, line)}"
    badge = f'<span class="badge">{escape(words(lang, "未达标", "breach"))}</span>' if card.breach else ""
    return (
        f'<div class="card{" breach" if card.breach else ""}" data-kpi="{escape(kpi.id)}">'
        f'<div class="name">{escape(name)}{badge}</div>'
        f'<div class="line"><div class="value">{escape(value)}</div>'
        f"{charts.sparkline(card.history, kpi.good_when_higher)}</div>"
        f'<div class="line"><span class="change {tone}">{escape(change)}</span>'
        f'<span class="limit">{escape(limit)}</span></div></div>'
    )


def _part(part: Part, options: OutputOptions) -> str:
    html = "".join(f'<p class="note">{escape(note)}</p>' for note in part.notes)
    if part.charts:
        html += '<div class="charts">' + "".join(c for c in part.charts if c) + "</div>"
    if part.tables:
        html += '<div class="tables">'
        html += "".join(
            f'<div class="table-wrap"><h3>{escape(label(s.title, options.lang))}</h3>{_table(s, options)}</div>'
            for s in part.tables
        )
        html += "</div>"
    for section in part.folded:
        html += (
            f"<details><summary>{escape(label(section.title, options.lang))}</summary>"
            f'<div class="table-wrap">{_table(section, options)}</div></details>'
        )
    return html


def _table(section: Section, options: OutputOptions) -> str:
    frame, numeric = display_frame(section, options)
    ids = shown_columns(section, options.lang)
    head = "".join(
        f'<th class="n">{escape(c)}</th>' if n else f"<th>{escape(c)}</th>"
        for c, n in zip(frame.columns, numeric, strict=True)
    )
    rows = []
    for r, row in enumerate(frame.iter_rows()):  # a report table: tens of rows
        cells = []
        for value, is_number, column in zip(row, numeric, ids, strict=True):
            css = " ".join(filter(None, ["n" if is_number else "", "breach" if (r, column) in section.marked else ""]))
            cells.append(f'<td class="{css}">{escape(value)}</td>' if css else f"<td>{escape(value)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
