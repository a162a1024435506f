"""Write a Report's chosen formats into a directory, each file atomically: a cron job
that dies half-way leaves the previous report or none, never half of one. Phone numbers
are masked unless asked otherwise."""

from __future__ import annotations

from pathlib import Path

from chanops.present.formats import OutputOptions
from chanops.present.output import write_atomically
from chanops.report.html import render_html
from chanops.report.markdown import render_markdown
from chanops.report.model import Report
from chanops.report.workbook import write_report_xlsx


def write_report(report: Report, out_dir: Path, formats: list[str], options: OutputOptions) -> list[Path]:
    """Write the chosen formats into out_dir; returns the paths."""
    stem = f"chanops-report-{report.month}"
    written = []
    for fmt in formats:
        target = out_dir / f"{stem}.{fmt}"
        if fmt == "html":
            write_atomically(target, lambda fh: fh.write(render_html(report, options)), binary=False)
        elif fmt == "md":
            write_atomically(target, lambda fh: fh.write(render_markdown(report)), binary=False)
        else:
            write_atomically(target, lambda fh: write_report_xlsx(report, fh, options), binary=True)
        written.append(target)
    return written
