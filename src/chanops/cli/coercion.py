"""Option values turned into Python values without importing Pydantic.

Typer 0.29 checks every option's value — even an option left at its default — with a
Pydantic TypeAdapter, so any command imported Pydantic (~90 ms of CPU, as much as DuckDB)
before doing its work. The options chanops declares are plain: str, Path, int/float with
bounds, enums. For those, the values a command line gives are converted here with Typer's
own helpers (`coerce_cli_path`, `coerce_cli_choice`) or a plain `int()`/`float()` where
Pydantic would give the same value; anything else — a value that might be refused, a list,
a type not listed — goes to the adapter Typer would have built, so every accepted value and
every error message is Typer's own (tests/test_cli_coercion.py compares the two).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from typer import _coercion, core
from typer._param_types import coerce_cli_choice, coerce_cli_path, routes_to_path

_typer_build = _coercion.build_runtime_param

# A few digits only: int()/float() and Pydantic's lax parsing agree on these; signs, spaces,
# underscores, exponents, "inf" and numbers longer than any option wants are left to Pydantic.
_INT = re.compile(r"[0-9]{1,15}")
_FLOAT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,15})?")


@dataclass(frozen=True)
class PlainRuntimeParam(_coercion.RuntimeParam):
    """Converts the plain cases itself; builds Typer's adapter only for the rest."""

    descriptor: _coercion.TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        converted = _plain(self.descriptor, value, param, ctx)
        if converted is not _UNSURE:
            return converted
        return param_for_typer(self, param)._coerce_value(value, param=param, ctx=ctx)


_UNSURE = object()


def param_for_typer(plain: PlainRuntimeParam, param: Any) -> _coercion.RuntimeParam:
    """Typer's own runtime param for this option, built once, kept on the option."""
    built = _typer_build(plain.descriptor)
    param._runtime_param = built
    return built


def _plain(descriptor: _coercion.TypeDescriptor, value: Any, param: Any, ctx: Any) -> Any:
    """The value as Typer would give it, or _UNSURE."""
    annotation, info = descriptor.annotation, descriptor.parameter_info
    if info.parser is not None or descriptor.file_annotation is not None:
        return _UNSURE
    if annotation is str:
        return value if type(value) is str else _UNSURE
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        try:
            return coerce_cli_choice(value, choices=list(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
        except ValueError:
            return _UNSURE  # Typer words the refusal
    if annotation in (int, float) and not info.clamp:
        number = _number(annotation, value)
        if number is _UNSURE:
            return _UNSURE
        if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
            return _UNSURE  # Typer words the refusal
        return number
    if annotation is Path and info.path_type is None and routes_to_path(annotation, info):
        if type(value) is str:
            value = Path(value)  # what Pydantic's Path validator does with a str
        if not isinstance(value, Path):
            return _UNSURE
        return coerce_cli_path(value, info, path_type=Path, param=param, ctx=ctx)
    return _UNSURE


def _number(annotation: type, value: Any) -> Any:
    if annotation is int:
        if type(value) is int:
            return value
        return int(value) if type(value) is str and _INT.fullmatch(value) else _UNSURE
    if type(value) is float:
        return value
    if type(value) is int:
        return float(value)
    return float(value) if type(value) is str and _FLOAT.fullmatch(value) else _UNSURE


def build_runtime_param(descriptor: _coercion.TypeDescriptor) -> _coercion.RuntimeParam:
    """Typer's `build_runtime_param`, deferring the Pydantic adapter to the first value that
    needs it: an option left at None needs none at all."""
    return PlainRuntimeParam(
        parameter_info=descriptor.parameter_info, annotation=descriptor.annotation, descriptor=descriptor
    )


def install() -> None:
    """Put the plain conversion in place of Typer's (`typer.core` looks the builder up at call time)."""
    core.build_runtime_param = build_runtime_param
