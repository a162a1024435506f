"""Every command is a task: a request in, a TaskResult out (dbt's `task.run()`, sqlite-utils'
"a command is one library call").

    with open_session(SessionOptions(db=Path("chanops.duckdb"))) as session:
        result = run_task("kpi", session, load_config(None), KpiRequest(month="2022-11", compare="prev"))
    result.sections, result.notes, result.alerts, result.exit_code(check=True)

The CLI parses options into a request, runs the task in a session opened as the task says
(read-only, or writing the warehouse), renders the sections and takes its exit code from the
result; the monthly report runs the same tasks and renders their sections. The table is
names → module and function, imported on first use so `chanops --help` stays light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chanops.tasks.session import SessionOptions, open_session

if TYPE_CHECKING:
    from chanops.config import Config
    from chanops.tasks.result import TaskResult


@dataclass(frozen=True)
class Task:
    module: str
    function: str
    writes: bool = False  # opens the warehouse for writing (loads, recorded runs, adjustments)
    request: str = ""  # the request class, as module:name, for `from chanops import …`
    # --region/--product (chanops/slices.py): the dimensions its rows carry, and how a slice is
    # taken — "narrow": the session's tables hold only the slice's rows before the task runs;
    # "rows": the task keeps the slice's rows of what it computed on everything
    carries: tuple[str, ...] = ()
    slicing: str = ""

    def runner(self) -> Callable[..., TaskResult]:
        return getattr(importlib.import_module(self.module), self.function)


BOTH, REGION, PRODUCT = ("region", "product"), ("region",), ("product",)  # what a task's rows carry
STAFF = "staff_id"  # points' claims and statements carry their staff

TASKS: dict[str, Task] = {
    "load": Task("chanops.tasks.load", "run_load", writes=True, request="chanops.tasks.load:LoadRequest"),
    "kpi": Task(
        "chanops.tasks.kpi", "run_kpi", request="chanops.kpi.evaluate:KpiRequest", carries=BOTH, slicing="rows"
    ),
    "explain": Task("chanops.tasks.explain", "run_explain", request="chanops.tasks.explain:ExplainRequest"),
    "kpi list": Task("chanops.tasks.kpi", "run_kpi_list", request="chanops.tasks.kpi:KpiListRequest"),
    "funnel": Task(
        "chanops.tasks.activity",
        "run_funnel",
        request="chanops.tasks.activity:FunnelRequest",
        carries=BOTH,
        slicing="narrow",
    ),
    "quota": Task("chanops.tasks.activity", "run_quota", request="chanops.tasks.activity:QuotaRequest"),
    "failures": Task(
        "chanops.tasks.activity",
        "run_failures",
        request="chanops.analysis.failures:FailuresRequest",
        carries=BOTH,
        slicing="narrow",
    ),
    "check": Task("chanops.tasks.warehouse", "run_check", request="chanops.tasks.warehouse:CheckRequest"),
    "plan": Task(
        "chanops.tasks.plan",
        "run_plan_task",
        request="chanops.tasks.plan:PlanTaskRequest",
        carries=PRODUCT,
        slicing="rows",
    ),
    "points match": Task(
        "chanops.tasks.points",
        "run_match",
        request="chanops.tasks.points:PointsMonth",
        carries=(*BOTH, STAFF),
        slicing="rows",
    ),
    "points statement": Task(
        "chanops.tasks.points",
        "run_statement_task",
        writes=True,
        request="chanops.points.runs:PointsRequest",
        carries=(*REGION, STAFF),
        slicing="rows",
    ),
    "points payout": Task(
        "chanops.tasks.points",
        "run_statement_task",
        writes=True,
        request="chanops.points.runs:PointsRequest",
        carries=(*REGION, STAFF),
        slicing="rows",
    ),
    "points summary": Task(
        "chanops.tasks.points",
        "run_summary",
        request="chanops.tasks.points:PointsSummaryRequest",
        carries=BOTH,
        slicing="rows",
    ),
    "points unclaimed": Task(
        "chanops.tasks.points",
        "run_unclaimed",
        request="chanops.tasks.points:PointsMonth",
        carries=PRODUCT,
        slicing="rows",
    ),
    "points adjust": Task(
        "chanops.tasks.points", "run_adjust", writes=True, request="chanops.tasks.points:AdjustRequest"
    ),
    "points runs": Task("chanops.tasks.points", "run_runs", request="chanops.tasks.points:RunsRequest"),
    "prefer scores": Task(
        "chanops.tasks.customers",
        "run_scores",
        request="chanops.tasks.customers:ScoresRequest",
        carries=REGION,
        slicing="narrow",
    ),
    "prefer targets": Task(
        "chanops.tasks.customers",
        "run_targets",
        request="chanops.tasks.customers:TargetsRequest",
        carries=REGION,
        slicing="narrow",
    ),
    "prefer churned": Task(
        "chanops.tasks.customers",
        "run_churned",
        request="chanops.tasks.customers:ChurnedRequest",
        carries=REGION,
        slicing="narrow",
    ),
    "prefer summary": Task(
        "chanops.tasks.customers",
        "run_prefer_summary",
        request="chanops.tasks.customers:PreferSummaryRequest",
        carries=REGION,
        slicing="narrow",
    ),
    "retention": Task(
        "chanops.tasks.customers",
        "run_retention",
        request="chanops.tasks.customers:RetentionRequest",
        carries=REGION,
        slicing="narrow",
    ),
    "lifecycle": Task(
        "chanops.tasks.customers",
        "run_lifecycle",
        request="chanops.tasks.customers:LifecycleRequest",
        carries=REGION,
        slicing="narrow",
    ),
    "report monthly": Task("chanops.tasks.report", "run_report", request="chanops.report.model:ReportRequest"),
    "db info": Task("chanops.tasks.warehouse", "run_info", request="chanops.tasks.warehouse:InfoRequest"),
    "db schema": Task("chanops.tasks.warehouse", "run_schema", request="chanops.tasks.warehouse:InfoRequest"),
    "db migrate": Task(
        "chanops.tasks.warehouse", "run_migrate", writes=True, request="chanops.tasks.warehouse:InfoRequest"
    ),
    "db refresh": Task(
        "chanops.tasks.warehouse", "run_refresh", writes=True, request="chanops.tasks.warehouse:InfoRequest"
    ),
    "rejects": Task("chanops.tasks.warehouse", "run_rejects", request="chanops.tasks.warehouse:RejectsRequest"),
    "sql": Task("chanops.tasks.warehouse", "run_sql_task", request="chanops.tasks.warehouse:SqlRequest"),
    "export": Task("chanops.tasks.warehouse", "run_export", request="chanops.tasks.warehouse:ExportRequest"),
}

# Commands that need no engine session: they write files or print a template.
LOCAL_TASKS: dict[str, Task] = {
    "sample": Task("chanops.tasks.local", "run_sample", request="chanops.ingest.sample:SampleSpec"),
    "init": Task("chanops.tasks.local", "run_init", request="chanops.tasks.local:InitRequest"),
}


def run_task(name: str, session: Any, config: Config, request: Any, **hooks: Any) -> TaskResult:
    """Run the task `name` on an open session (what open_session yields). `hooks` are the
    optional progress callbacks a task accepts (a load's per-file lines, a report's steps). A
    bare DuckDB connection is taken as the warehouse. A request's `slices` are refused in one
    line where the task's rows do not carry them, and narrow the session where it says so."""
    from chanops.engines import as_engine
    from chanops.slices import Slices, narrowed, refuse_unsliceable

    task, engine = TASKS[name], as_engine(session)
    slices = getattr(request, "slices", None) or Slices()
    refuse_unsliceable(slices, name, task.carries)
    with narrowed(engine, slices if task.slicing == "narrow" else Slices()):
        return task.runner()(engine, config, request, **hooks)


def request_class(name: str) -> type:
    module, _, attr = (TASKS | LOCAL_TASKS)[name].request.partition(":")
    return getattr(importlib.import_module(module), attr)


__all__ = ["LOCAL_TASKS", "TASKS", "SessionOptions", "Task", "open_session", "request_class", "run_task"]
