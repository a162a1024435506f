"""Render a Report as one self-contained HTML file (inline CSS and SVG: nothing fetched,
prints cleanly), an XLSX workbook (a sheet per table, real numbers) and a Markdown
summary for mail or IM. Phone numbers are masked unless asked otherwise."""

from __future__ import annotations

from html import escape
from pathlib import Path

from chanops.present.formats import OutputOptions
from chanops.present.labels import label
from chanops.present.output import Section, display_frame, write_atomically, write_xlsx
from chanops.present.report import Report

CSS = """
body { font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", sans-serif; margin: 24px auto;
       max-width: 1100px; color: #222; }
h1 { font-size: 22px; border-bottom: 2px solid #1f6fb2; padding-bottom: 6px; }
h2 { font-size: 17px; color: #1f6fb2; margin-top: 28px; }
h3 { font-size: 13px; color: #555; margin: 14px 0 4px; }
table { border-collapse: collapse; font-size: 12px; margin: 6px 0 12px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #eef3f8; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.chart { width: 100%; max-width: 680px; display: block; margin: 8px 0; }
.note { font-size: 12px; color: #555; }
.breach { color: #b00; font-weight: bold; }
@media print { body { margin: 0; max-width: none; } section { page-break-inside: avoid; } }
"""


def _html_table(section, options: OutputOptions) -> str:
    frame, numeric = display_frame(section, options.lang, options.unmask)
    head = "".join(f"<th>{escape(c)}</th>" for c in frame.columns)
    rows = []
    for row in frame.iter_rows():  # a report table: tens of rows
        cells = "".join(
            f'<td class="n">{escape(v)}</td>' if n else f"<td>{escape(v)}</td>"
            for v, n in zip(row, numeric, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _completeness_html(part, report: Report, options: OutputOptions) -> str:
    """The breached tests in the open, every test folded away (<details>, no script needed):
    a manager sees at once whether to trust the month, an analyst can unfold the rest."""
    [section] = part.tables
    status = "未通过" if report.lang == "zh" else "BREACH"
    breached = section.polars().filter(section.polars()["status"] == status)
    html = _html_table(Section(breached, "completeness"), options) if breached.height else ""
    everything = (
        f"全部 {section.polars().height} 项检查" if report.lang == "zh" else (f"All {section.polars().height} tests")
    )
    return f"{html}<details><summary>{escape(everything)}</summary>{_html_table(section, options)}</details>"


def render_html(report: Report, options: OutputOptions) -> str:
    body = [f"<h1>{escape(report.title)}</h1>"]
    if report.breaches:
        heading = "阈值告警" if report.lang == "zh" else "Threshold breaches"
        items = "".join(f"<li>{escape(b)}</li>" for b in report.breaches)
        body.append(f'<div class="breach">{heading}<ul>{items}</ul></div>')
    for part in report.parts:
        body.append(f'<section id="{part.key}"><h2>{escape(part.title)}</h2>')
        body += part.charts
        flagged = part.key == "completeness" and report.check is not None and report.check.breaches
        body += [f'<p class="{"breach" if flagged else "note"}">{escape(note)}</p>' for note in part.notes]
        if part.key == "completeness":
            body.append(_completeness_html(part, report, options))
        else:
            for section in part.tables:
                body.append(f"<h3>{escape(label(section.title, report.lang))}</h3>{_html_table(section, options)}")
        body.append("</section>")
    lang = "zh-CN" if report.lang == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(report.title)}</title><style>{CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def render_markdown(report: Report) -> str:
    zh = report.lang == "zh"
    lines = [f"# {report.title}", "", *_check_lines(report, zh)]
    lines += ["| 指标 | 本月 | 上月 | 变化 |" if zh else "| KPI | Value | Previous | Change |", "|---|---:|---:|---:|"]
    lines += [f"| {r['kpi']} | {r['value']} | {r['previous']} | {r['change']} |" for r in report.headline]
    moved = sorted(
        (r for r in report.headline if r["raw_change"] is not None and r["is_rate"]),
        key=lambda r: abs(r["raw_change"]),
        reverse=True,
    )[:3]
    if moved:
        lines += ["", "**变化最大：**" if zh else "**Biggest changes:**"]
        lines += [f"- {r['kpi']}: {r['previous']} → {r['value']} ({r['change']})" for r in moved]
    if report.breaches:
        lines += ["", "**阈值告警：**" if zh else "**Threshold breaches:**"]
        lines += [f"- {b}" for b in report.breaches]
    return "\n".join(lines) + "\n"


def _check_lines(report: Report, zh: bool) -> list[str]:
    """The completeness result first: whoever reads the mail knows whether to trust the rest."""
    if report.check is None:
        return []
    if not report.check.breaches:
        return ["**数据完整性检查：全部通过**" if zh else "**Data completeness: every test passed**", ""]
    head = (
        f"**数据完整性检查：{len(report.check.breaches)} 项未通过**"
        if zh
        else (f"**Data completeness: {len(report.check.breaches)} test(s) breached**")
    )
    return [head, *[f"- {line}" for line in report.check.breach_lines(report.lang)], ""]


def write_report(report: Report, out_dir: Path, formats: list[str], options: OutputOptions) -> list[Path]:
    """Write the chosen formats into out_dir, each atomically; returns the paths."""
    stem = f"chanops-report-{report.month}"
    tables = [section for part in report.parts for section in part.tables]
    written = []
    for fmt in formats:
        target = out_dir / f"{stem}.{fmt}"
        if fmt == "html":
            write_atomically(target, lambda fh: fh.write(render_html(report, options)), binary=False)
        elif fmt == "md":
            write_atomically(target, lambda fh: fh.write(render_markdown(report)), binary=False)
        else:
            write_atomically(target, lambda fh: write_xlsx(tables, fh, options), binary=True)
        written.append(target)
    return written
