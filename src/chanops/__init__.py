"""chanops — channel-operations analytics for mobile operators.

Every command is a task (chanops.tasks): a request in, a TaskResult out — the sections every
output format renders, notes, alerts and the exit code. The library gives exactly what the
commands give:

    import chanops
    config = chanops.load_config("chanops.toml")
    with chanops.open_session(chanops.SessionOptions(db=Path("chanops.duckdb"))) as session:
        kpis = chanops.run_task("kpi", session, config, chanops.KpiRequest(month="2022-11", compare="prev"))
        report = chanops.run_task("report monthly", session, config, chanops.ReportRequest(month="2022-11"))
    kpis.sections[0].frame, kpis.alerts, report.value.parts

`chanops.TASKS` lists every command; each request class is exported under its own name.
Names are imported on first use, so `chanops --help` does not pay for DuckDB and Polars.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Config": "chanops.config",
    "load_config": "chanops.config",
    "open_warehouse": "chanops.store.warehouse",
    "ChanopsError": "chanops.errors",
    # the task layer: every command
    "TASKS": "chanops.tasks",
    "LOCAL_TASKS": "chanops.tasks",
    "run_task": "chanops.tasks",
    "open_session": "chanops.tasks",
    "SessionOptions": "chanops.tasks",
    "TaskResult": "chanops.tasks.result",
    "Alert": "chanops.tasks.result",
    # the requests, one per command (points statement and payout share PointsRequest)
    "LoadRequest": "chanops.tasks.load",
    "KpiRequest": "chanops.kpi.evaluate",
    "KpiListRequest": "chanops.tasks.kpi",
    "ExplainRequest": "chanops.tasks.explain",
    "FunnelRequest": "chanops.tasks.activity",
    "QuotaRequest": "chanops.tasks.activity",
    "FailuresRequest": "chanops.analysis.failures",
    "CheckRequest": "chanops.tasks.warehouse",
    "PlanTaskRequest": "chanops.tasks.plan",
    "PointsMonth": "chanops.tasks.points",
    "PointsRequest": "chanops.points.runs",
    "PointsSummaryRequest": "chanops.tasks.points",
    "AdjustRequest": "chanops.tasks.points",
    "RunsRequest": "chanops.tasks.points",
    "ScoresRequest": "chanops.tasks.customers",
    "TargetsRequest": "chanops.tasks.customers",
    "ChurnedRequest": "chanops.tasks.customers",
    "PreferSummaryRequest": "chanops.tasks.customers",
    "RetentionRequest": "chanops.tasks.customers",
    "LifecycleRequest": "chanops.tasks.customers",
    "ReportRequest": "chanops.report.model",
    "InfoRequest": "chanops.tasks.warehouse",
    "RejectsRequest": "chanops.tasks.warehouse",
    "SqlRequest": "chanops.tasks.warehouse",
    "ExtractTable": "chanops.ingest.extract_table",  # SqlRequest.files: --file NAME[:KIND]=PATH
    "ExportRequest": "chanops.tasks.warehouse",
    "SampleSpec": "chanops.ingest.sample",
    "InitRequest": "chanops.tasks.local",
    # the library calls the tasks are made of, kept for existing callers
    "LoadOptions": "chanops.ingest.loader",
    "load_files": "chanops.ingest.loader",
    "KpiResult": "chanops.kpi.evaluate",
    "run_kpis": "chanops.kpi.evaluate",
    "PointsRun": "chanops.points.runs",
    "run_statement": "chanops.points.runs",
    "run_failures": "chanops.analysis.failures",
    "build_report": "chanops.report",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chanops' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
