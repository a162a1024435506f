"""The `chanops` command line. Each command module is a thin layer over the library."""

from __future__ import annotations

import copy
import os
import signal
import sys
from typing import Annotated

import typer

from chanops import __version__
from chanops.cli import coercion, help_zh
from chanops.cli.analysis_cmd import failures, funnel, quota
from chanops.cli.check_cmd import check
from chanops.cli.common import ChanopsGroup
from chanops.cli.customer_cmd import lifecycle, prefer_app, retention
from chanops.cli.db_cmd import db_app, rejects, sql
from chanops.cli.examples import add_examples, plain_types
from chanops.cli.export_cmd import export
from chanops.cli.init_cmd import init
from chanops.cli.kpi_cmd import explain, kpi_app
from chanops.cli.load_cmd import load
from chanops.cli.plan_cmd import plan
from chanops.cli.points_cmd import points_app
from chanops.cli.report_cmd import report_app
from chanops.cli.sample_cmd import sample

coercion.install()  # options converted without Pydantic where Typer's answer is plain

app = typer.Typer(
    name="chanops",
    cls=ChanopsGroup,
    help="Channel-operations analytics for mobile operators: load extracts, compute KPIs, reconcile points.",
    no_args_is_help=True,
    add_completion=True,  # chanops --install-completion (bash, zsh, fish, PowerShell)
    pretty_exceptions_enable=False,  # never print locals: they hold phone numbers
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"chanops {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """chanops: channel KPIs, failure analysis, points reconciliation and preference scores."""


app.command("load")(load)
app.command("sample")(sample)
app.command("rejects")(rejects)
app.command("funnel")(funnel)
app.command("quota")(quota)
app.command("failures")(failures)
app.command("retention")(retention)
app.command("lifecycle")(lifecycle)
app.command("export")(export)
app.command("check")(check)
app.command("plan")(plan)
app.command("sql")(sql)
app.command("explain")(explain)
app.command("init")(init)
app.add_typer(kpi_app, name="kpi")
app.add_typer(points_app, name="points")
app.add_typer(prefer_app, name="prefer")
app.add_typer(report_app, name="report")
app.add_typer(db_app, name="db")


def main() -> None:
    from chanops.cli import common

    common.command_started = common.process_started()  # --wait counts the start-up too
    # `chanops kpi | head`: die quietly on a closed pipe like any Unix filter (csvkit does the same).
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = sys.argv[1:]
    if not args or "--help" in args or "-h" in args:
        # help only: the Click tree gets examples, and Chinese texts when asked for
        command = typer.main.get_command(app)
        zh = help_zh.wanted(args)
        if zh:
            help_zh.translate(command)
            help_zh.use_chinese_panels()
        add_examples(command, zh)
        plain_types()
        command(args=help_zh.without_lang(args) if zh else args, prog_name="chanops")
        return
    invoked(args)()


def invoked(args: list[str]) -> typer.Typer:
    """The app with only the command that `args` run registered: Typer builds a Click command,
    with every option, for each command it holds, and a run needs only its own (help needs
    them all, and gets them above). The root's options are all flags, so the first argument
    that is not an option names the command; when none does, or the shell asks for completions,
    the whole app (Click's "No such command" then suggests the near names)."""
    name = next((arg for arg in args if not arg.startswith("-")), None)
    commands = [info for info in app.registered_commands if info.name == name]
    groups = [info for info in app.registered_groups if info.name == name]
    if not (commands or groups) or "_CHANOPS_COMPLETE" in os.environ:
        return app
    one = copy.copy(app)
    one.registered_commands, one.registered_groups = commands, groups
    return one
