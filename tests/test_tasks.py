"""Every command is a task in the one registry, and the command line computes nothing.

How "cli/ holds no computation" is held: each cli module may import from chanops only the
CLI's own modules, the task layer, errors, option parsers (months, amounts), the output and
progress code, the config loader, and — from computing modules — nothing but the request
classes and the validators named in ALLOWED_FROM_COMPUTATION. A command that called a
computing function directly would have to import it and fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import typer

import chanops
from chanops.cli import app
from chanops.tasks import LOCAL_TASKS, TASKS, request_class
from chanops.tasks.result import TaskResult

CLI = Path(chanops.__file__).parent / "cli"
NEUTRAL = (
    "chanops.cli",
    "chanops.tasks",
    "chanops.errors",
    "chanops.months",
    "chanops.amounts",
    "chanops.present",
    "chanops.config",
)
ALLOWED_FROM_COMPUTATION = {
    "chanops": {"__version__"},
    "chanops.kpi.evaluate": {"KpiRequest"},
    "chanops.analysis.failures": {"FailuresRequest"},
    "chanops.analysis.lifecycle": {"check_stage"},  # a usage error before the warehouse opens
    "chanops.points.runs": {"PointsRequest"},
    "chanops.ingest.sample": {"SampleSpec"},
    "chanops.ingest.extract_table": {"ExtractTable"},  # part of SqlRequest, parsed from --file
    "chanops.schema": {"KINDS"},  # the kind names, for the KIND argument's choices
    "chanops.slices": {"Slices"},  # the --region/--product part of a request
    "chanops.report": {"STEP_COUNT", "ReportRequest", "write_report"},
}


def _leaf_commands(group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands") and command.commands:
            if getattr(command, "invoke_without_command", False):
                yield path  # `kpi` runs itself and has `kpi list`
            yield from _leaf_commands(command, path)
        else:
            yield path


def test_every_command_is_a_registered_task():
    commands = {" ".join(path) for path in _leaf_commands(typer.main.get_command(app))}
    assert commands == set(TASKS) | set(LOCAL_TASKS)


def test_every_task_has_a_request_the_library_exports():
    for name in [*TASKS, *LOCAL_TASKS]:
        request = request_class(name)
        assert getattr(chanops, request.__name__) is request, name
    assert chanops.run_task is not None and chanops.open_session is not None


def test_the_cli_imports_no_computation():
    found = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or not (node.module or "").startswith("chanops"):
                continue
            module = node.module
            if module.startswith(NEUTRAL):
                continue
            names = {alias.name for alias in node.names}
            extra = names - ALLOWED_FROM_COMPUTATION.get(module, set())
            if extra:
                found.append(f"{path.name}: from {module} import {', '.join(sorted(extra))}")
    assert not found, found


def test_a_result_exits_3_only_when_checked_and_alerted():
    """The exit code is a property of the result: 3 with --check and an alert, else 0."""
    from chanops.tasks.result import Alert

    alert = Alert("kpi", "online_share 2022-11: 30.00% below min 40.00%", "…", "…")
    assert TaskResult([], alerts=[alert]).exit_code(check=True) == 3
    assert TaskResult([], alerts=[alert]).exit_code(check=False) == 0
    assert TaskResult([]).exit_code(check=True) == 0


def test_usage_errors_of_a_load_come_before_any_warehouse_is_made(tmp_path, chanops):
    """A missing --map file, an impossible --as-of and a dry run against no warehouse are each
    one line, exit 2, and leave no warehouse file behind (a dry run creates nothing)."""
    extract = tmp_path / "orders.csv"
    extract.write_text("order_id,order_time,msisdn,region,channel,product,status\n", encoding="utf-8")
    db = tmp_path / "new.duckdb"
    for extra in (
        ["--map", str(tmp_path / "missing.toml")],
        ["--as-of", "2022-13-45"],
        ["--dry-run"],
    ):
        result = chanops("load", "orders", extract, "--db", db, *extra)
        assert result.exit_code == 2, (extra, result.stderr)
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("chanops: error: "), result.stderr
        assert not db.exists(), extra
