"""The monthly report: build.py gathers it from the library, html.py, workbook.py and
markdown.py draw it, write.py writes the chosen formats atomically."""

from chanops.report.build import STEP_COUNT, build_report
from chanops.report.model import Report, ReportRequest
from chanops.report.write import write_report

__all__ = ["STEP_COUNT", "Report", "ReportRequest", "build_report", "write_report"]
