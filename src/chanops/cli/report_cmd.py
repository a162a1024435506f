"""`chanops report monthly`: the report a cron job writes on the 1st of the month."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import (
    DEFAULT_WAIT,
    ConfigOpt,
    DbOpt,
    EngineOpt,
    Lang,
    LangOpt,
    Shared,
    SourceOpt,
    SparkConfOpt,
    SparkMasterOpt,
    UnmaskOpt,
    WaitOpt,
    render,
    split_list,
)

report_app = typer.Typer(help="Reports for managers and cron jobs.", no_args_is_help=True)
REPORT_FORMATS = ("html", "xlsx", "md")


@report_app.command("monthly")
def monthly(
    out: Annotated[Path, typer.Option("--out", help="Directory the report files are written into.")],
    month: Annotated[
        str | None, typer.Option("--month", help="Month YYYY-MM (default: latest with data).", show_default=False)
    ] = None,
    formats: Annotated[str, typer.Option("--formats", help="Any of html,xlsx,md.")] = "html,xlsx,md",
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 3 when the completeness check or a KPI threshold is breached (the report is still written).",
        ),
    ] = False,
    budget: Annotated[
        str | None, typer.Option("--budget", help="Points budget, to show budget use.", show_default=False)
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="One 盟市's own report.", show_default=False)] = None,
    db: DbOpt = None,
    config: ConfigOpt = None,
    wait: WaitOpt = DEFAULT_WAIT,
    lang: LangOpt = Lang.zh,
    unmask: UnmaskOpt = False,
    engine: EngineOpt = "duckdb",
    source: SourceOpt = None,
    spark_master: SparkMasterOpt = "local[2]",
    spark_conf: SparkConfOpt = None,
) -> None:
    """Write the monthly report: HTML (offline, inline charts), XLSX and Markdown, atomically."""
    from chanops.amounts import parse_amount
    from chanops.errors import UsageError
    from chanops.present.formats import OutputOptions
    from chanops.present.progress import steps
    from chanops.report import STEP_COUNT, ReportRequest, write_report
    from chanops.tasks import run_task

    chosen = split_list(formats)
    unknown = [f for f in chosen if f not in REPORT_FORMATS]
    if unknown or not chosen:
        raise UsageError(f"--formats takes any of {', '.join(REPORT_FORMATS)}, got '{formats}'")
    if region is not None and ("," in region or not region.strip()):
        raise UsageError("--region takes one 盟市: a report is one region's (run one report per region)")
    request = ReportRequest(month, lang.value, parse_amount(budget, "--budget"), region.strip() if region else None)
    from chanops.tasks.session import check_output

    check_output(out, db, directory=True)
    shared = Shared(
        db=db,
        wait=wait,
        config_path=config,
        engine=engine,
        source=source,
        spark_master=spark_master,
        spark_conf=spark_conf,
    )
    settings = shared.config
    with shared.query_engine() as session, steps(session, STEP_COUNT, in_bytes=False, unit="") as bar:
        result = run_task("report monthly", session, settings, request, progress=_stepper(bar))
    options = OutputOptions(lang=lang.value, unmask=unmask, channels=settings.channels)
    written = write_report(result.value, out, chosen, options)
    result.messages.extend(f"wrote {path}" for path in written)
    # the sections are in the files; stderr gets the notes, what was written and, with --check, the alerts
    result.sections = []
    render(result, None, check)


def _stepper(bar):
    """build_report's step names → the progress bar: each name ends the step before it."""
    if bar is None:
        return None
    started = []

    def step(name: str) -> None:
        if started:
            bar.done()
        started.append(name)
        bar.start(f"report: {name}", 1)

    return step
