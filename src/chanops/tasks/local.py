"""`sample` and `init`: commands that write files and need no warehouse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chanops.tasks.result import TaskResult

if TYPE_CHECKING:
    from chanops.ingest.sample import SampleSpec


def run_sample(spec: SampleSpec, track: Callable[..., Any] | None = None) -> TaskResult:
    """A consistent synthetic province of every kind (Inner Mongolia, 12 盟市)."""
    from chanops.ingest.sample import generate_sample

    written = generate_sample(spec, track=track)
    return TaskResult([], messages=[f"wrote {path} ({kind})" for kind, path in written.items()], value=written)


@dataclass(frozen=True)
class InitRequest:
    path: Path = Path("chanops.toml")
    force: bool = False


def run_init(request: InitRequest) -> TaskResult:
    """chanops.toml with every setting at its default, each section explained."""
    from chanops.config_template import render
    from chanops.errors import UsageError
    from chanops.present.output import write_atomically

    if request.path.exists() and not request.force:
        raise UsageError(f"{request.path} exists; --force overwrites it")
    write_atomically(request.path, lambda fh: fh.write(render()), binary=False)
    return TaskResult([], messages=[f"wrote {request.path}: every setting at its default; edit what you need"])
