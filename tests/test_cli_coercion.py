"""Option values converted without Pydantic (chanops/cli/coercion.py) come out exactly as
Typer's own Pydantic adapters give them — the same value of the same type, or the same
refusal — for every kind of option the command tree declares; and a run builds only the
command it invokes."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer import _coercion
from typer._click.core import Context
from typer._click.exceptions import BadParameter

from chanops.cli import app, coercion, invoked

# What a command line can hand an option: digits, signs, spaces, exponents, choices in
# other cases, paths, Chinese, the empty string.
VALUES = [
    "", "0", "7", "007", "1.5", "2.", ".5", "-1", "-0", "+3", " 3", "3 ", "1e3", "1_000", "inf", "nan",
    "0.0", "0.25", "1", "1.0001", "abc", "csv", "CSV", "Csv", "zh", "en", "wide", "orders", "ORDERS",
    "/tmp/x.duckdb", "-", "./a b.csv", "盟市.csv", "12345678901", "9" * 15, "9" * 16, "9" * 400, "1" * 5000,
    "0." + "3" * 20,
]  # fmt: skip


def _tree_params():
    """One (command, option) per distinct kind of option in the whole tree."""
    root = typer.main.get_command(app)
    found: dict[tuple, tuple] = {}

    def walk(command):
        for param in command.params:
            info = param.type_descriptor.parameter_info
            key = (repr(param.type_descriptor.annotation), type(info).__name__, info.min, info.max, param.multiple)
            found.setdefault(key, (command, param))
        for sub in getattr(command, "commands", {}).values():
            walk(sub)

    walk(root)
    return list(found.values())


PARAMS = _tree_params()


def _outcome(runtime, value, command, param):
    """What converting `value` gives: ("ok", value, type) or ("refused", message)."""
    ctx = Context(command, info_name=command.name)
    try:
        converted = runtime.coerce(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return ("refused", exc.format_message())
    return ("ok", repr(converted), type(converted))  # repr: nan equals itself


def _compare(value, command, param):
    ours = coercion.build_runtime_param(param.type_descriptor)
    theirs = _coercion.build_runtime_param(param.type_descriptor)  # Typer's own, with Pydantic
    assert _outcome(ours, value, command, param) == _outcome(theirs, value, command, param), (param.name, value)


def test_the_tree_declares_the_kinds_the_plain_path_knows():
    """str, Path, bounded and unbounded int/float, enums, flags and lists: if a new kind of
    option appears, the comparisons below cover it too (it goes to Typer's adapter)."""
    kinds = {repr(param.type_descriptor.annotation) for _command, param in PARAMS}
    assert {"<class 'str'>", "<class 'pathlib.Path'>", "<class 'float'>", "<class 'int'>", "list[str]"} <= kinds
    assert any("FormatName" in kind for kind in kinds)


@pytest.mark.parametrize("command, param", PARAMS, ids=lambda p: getattr(p, "name", ""))
def test_command_line_values_convert_as_typer_converts_them(command, param):
    if param.multiple or param.nargs == -1:
        values = [(), ("a",), ("a", "b=c")]
    elif param.type_descriptor.annotation is bool:
        values = [True, False]
    else:
        values = [*VALUES, param.default]
    for value in values:
        _compare(value, command, param)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="0123456789.-+eE_ xabcsvCSVzhn盟", max_size=8))
def test_any_short_text_converts_as_typer_converts_it(text):
    for command, param in PARAMS:
        if not (param.multiple or param.nargs == -1 or param.type_descriptor.annotation is bool):
            _compare(text, command, param)


def test_a_plain_value_needs_no_adapter_and_a_refused_one_gets_typers():
    """`--wait 3` is converted here; `--wait -1` is refused in Typer's words, by its adapter,
    which the option keeps for the next value."""
    command, param = next((c, p) for c, p in PARAMS if p.name == "wait")
    param._runtime_param = None
    ctx = Context(command, info_name=command.name)
    assert param.get_runtime_param().coerce("3", param=param, ctx=ctx) == 3.0
    assert isinstance(param._runtime_param, coercion.PlainRuntimeParam)
    with pytest.raises(BadParameter, match="greater than or equal to 0"):
        param.get_runtime_param().coerce("-1", param=param, ctx=ctx)
    assert isinstance(param._runtime_param, _coercion.AdapterRuntimeParam)
    param._runtime_param = None


def test_a_run_builds_only_the_command_it_invokes():
    """`chanops --debug kpi --format csv` registers kpi alone; an unknown word or no command
    keeps the whole app, so Click's "No such command … Did you mean" still sees every name."""
    one = invoked(["--debug", "kpi", "--format", "csv"])
    assert [g.name for g in one.registered_groups] == ["kpi"] and one.registered_commands == []
    assert [c.name for c in invoked(["sql", "SELECT 1"]).registered_commands] == ["sql"]
    assert invoked(["kpis"]) is app and invoked(["--version"]) is app
    assert len(app.registered_commands) > 1 and len(app.registered_groups) > 1  # the app itself untouched


def test_the_root_takes_only_flags():
    """`invoked` takes the first non-option word for the command: true while every option of
    the root is a flag (an option taking a value would make its value look like a command)."""
    root = typer.main.get_command(app)
    assert root.params and all(getattr(param, "is_flag", False) for param in root.params)


def test_a_path_option_keeps_typers_checks(tmp_path):
    """The plain path still goes through Typer's path checks: a Path comes back, as from Typer."""
    command, param = next((c, p) for c, p in PARAMS if p.type_descriptor.annotation is Path)
    _compare(str(tmp_path), command, param)
    _compare(str(tmp_path / "missing.duckdb"), command, param)
