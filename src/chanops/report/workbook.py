"""The report as a workbook: a cover sheet (the month, whether its data is complete, the
breaches and the headline KPIs), then one sheet per table, named in the report's language."""

from __future__ import annotations

from datetime import datetime
from typing import IO

from chanops.months import add_months
from chanops.present.formats import OutputOptions
from chanops.present.workbook import WORKBOOK_OPTIONS, add_formats, sheet_name, write_table
from chanops.report.model import Report, words


def write_report_xlsx(report: Report, dest: IO, options: OutputOptions) -> None:
    import xlsxwriter

    with xlsxwriter.Workbook(dest, WORKBOOK_OPTIONS) as workbook:
        workbook.set_properties(properties(report))
        formats = add_formats(workbook, report.lang)
        used: set[str] = set()
        _cover(workbook.add_worksheet(sheet_name("cover", report.lang, used)), report, options, formats)
        for section in report.sections():
            write_table(workbook.add_worksheet(sheet_name(section.title, report.lang, used)), section, options, formats)


def properties(report: Report) -> dict:
    """Document properties that depend on the report alone, so a re-run on the same data
    writes the same bytes: xlsxwriter stamps the file with the clock unless given a created
    date (its zip entries are already dated 1980). The date is the 1st of the next month,
    the day the cron job reports the month."""
    year, month = map(int, add_months(report.month, 1).split("-"))
    return {"title": report.title, "author": "chanops", "created": datetime(year, month, 1)}


def _cover(sheet, report: Report, options: OutputOptions, formats: dict) -> None:
    lang = report.lang
    sheet.write(0, 0, report.title, formats["title"])
    row = 2
    check = report.check
    if check is not None:
        breached = len(check.breaches)
        line = (
            words(lang, "数据完整性检查：全部通过", "Data completeness: every test passed")
            if not breached
            else words(
                lang,
                f"数据完整性检查：{breached} 项未通过，本月数据可能不完整",
                f"Data completeness: {breached} test(s) breached, the month may be incomplete",
            )
        )
        sheet.write(row, 0, line, formats["bad" if breached else "good"])
        row += 1
        for text in check.breach_lines(lang):
            sheet.write(row, 0, f"· {text}", formats["bad"])
            row += 1
    every = report.kpi_alerts
    sheet.write(
        row,
        0,
        words(lang, f"阈值告警：{len(every)} 项", f"Threshold breaches: {len(every)}"),
        formats["bad" if every else "good"],
    )
    row += 1
    for breach in every:
        sheet.write(row, 0, f"· {breach.words(lang)}", formats["bad"])
        row += 1
        why = report.alert_why(breach)
        if why:  # the explain sentence under its alert, as in the HTML and the Markdown
            sheet.write(row, 0, f"  {words(lang, '原因：', 'Why: ')}{why}")
            row += 1
    for note in report.notes + [n for p in report.parts if not (p.tables or p.folded) for n in p.notes]:
        sheet.write(row, 0, note)  # a KPI left out, a part without data: said on the cover
        row += 1
    headline = report.part("headline")
    if headline is not None:
        # the table sets column widths; the lines above it run on into the empty cells beside them
        write_table(sheet, headline.tables[0], options, formats, first_row=row + 1)
