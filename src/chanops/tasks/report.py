"""`report monthly`: the month's report, composed of the other tasks' results (report/build.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from chanops.tasks.result import TaskResult

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.report.model import ReportRequest


def run_report(
    session, config: Config, request: ReportRequest, progress: Callable[[str], None] | None = None
) -> TaskResult:
    """The report's parts; its alerts (completeness, then KPI values in the province and every
    slice shown) are the list the cover prints and `--check` exits on."""
    from chanops.report.build import build_report

    report = build_report(session, config, request, progress=progress)
    completeness = sum(1 for a in report.alerts if a.kind == "completeness")
    kpis = len(report.alerts) - completeness
    return TaskResult(
        report.sections(),
        notes=list(report.notes),
        alerts=list(report.alerts),
        breach_summary=(f"{completeness} completeness test(s) and {kpis} KPI value(s) breached; the report is written"),
        value=report,
    )
