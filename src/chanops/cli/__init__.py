"""The `chanops` command line. Each command module is a thin layer over the library.

The commands are listed here by name and module: a run imports the module of the command it
invokes and builds that command alone; --help, shell completion and `app` get the whole tree.
"""

from __future__ import annotations

import functools
import importlib
import os
import signal
import sys
from typing import Annotated, Any

import typer

from chanops import __version__
from chanops.cli import coercion, help_zh
from chanops.cli.common import ChanopsGroup
from chanops.cli.examples import add_examples, plain_types

coercion.install()  # options converted without Pydantic where Typer's answer is plain

# name -> (module in chanops.cli, the command's function), in the order --help lists them
COMMANDS = {
    "load": ("load_cmd", "load"),
    "sample": ("sample_cmd", "sample"),
    "rejects": ("db_cmd", "rejects"),
    "funnel": ("analysis_cmd", "funnel"),
    "quota": ("analysis_cmd", "quota"),
    "failures": ("analysis_cmd", "failures"),
    "retention": ("customer_cmd", "retention"),
    "lifecycle": ("customer_cmd", "lifecycle"),
    "export": ("export_cmd", "export"),
    "check": ("check_cmd", "check"),
    "plan": ("plan_cmd", "plan"),
    "sql": ("db_cmd", "sql"),
    "explain": ("kpi_cmd", "explain"),
    "init": ("init_cmd", "init"),
}
# name -> (module, the group's Typer app), listed after the commands
GROUPS = {
    "kpi": ("kpi_cmd", "kpi_app"),
    "points": ("points_cmd", "points_app"),
    "prefer": ("customer_cmd", "prefer_app"),
    "report": ("report_cmd", "report_app"),
    "db": ("db_cmd", "db_app"),
}


def _version(value: bool) -> None:
    if value:
        print(f"chanops {__version__}")
        raise typer.Exit()


def root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """chanops: channel KPIs, failure analysis, points reconciliation and preference scores."""


def _defined(module: str, name: str) -> Any:
    return getattr(importlib.import_module(f"chanops.cli.{module}"), name)


def build_app(only: str | None = None) -> typer.Typer:
    """The `chanops` app with every command, or with the command (or group) `only` alone."""
    app = typer.Typer(
        name="chanops",
        cls=ChanopsGroup,
        help="Channel-operations analytics for mobile operators: load extracts, compute KPIs, reconcile points.",
        no_args_is_help=True,
        add_completion=True,  # chanops --install-completion (bash, zsh, fish, PowerShell)
        pretty_exceptions_enable=False,  # never print locals: they hold phone numbers
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(root)
    for name, (module, function) in COMMANDS.items():
        if only in (None, name):
            app.command(name)(_defined(module, function))
    for name, (module, group) in GROUPS.items():
        if only in (None, name):
            app.add_typer(_defined(module, group), name=name)
    return app


@functools.cache
def whole_app() -> typer.Typer:
    return build_app()


def __getattr__(name: str) -> Any:
    """`chanops.cli.app`: the whole app (what tests and CliRunner drive), built on first use."""
    if name == "app":
        return whole_app()
    raise AttributeError(f"module 'chanops.cli' has no attribute {name!r}")


def main() -> None:
    from chanops.cli import common

    common.command_started = common.process_started()  # --wait counts the start-up too
    # `chanops kpi | head`: die quietly on a closed pipe like any Unix filter (csvkit does the same).
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    args = sys.argv[1:]
    if not args or "--help" in args or "-h" in args:
        # help only: the Click tree gets examples, and Chinese texts when asked for
        command = typer.main.get_command(whole_app())
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
    """The app a run needs: the command that `args` run alone — Typer builds a Click command,
    with every option, for each command an app holds, and a run needs only its own. The root's
    options are all flags, so the first argument that is not an option names the command; when
    none does, or the shell asks for completions, the whole app (then Click's "No such command"
    suggests the near names)."""
    name = next((arg for arg in args if not arg.startswith("-")), None)
    if (name not in COMMANDS and name not in GROUPS) or "_CHANOPS_COMPLETE" in os.environ:
        return whole_app()
    return build_app(name)
