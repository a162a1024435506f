"""`chanops init`: write a commented chanops.toml with every setting at its default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import render


def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("chanops.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write chanops.toml with every setting at its default, each section explained: channels,
    KPIs and thresholds, quota, points, preference, report, completeness check, plan.

    Example: chanops init && $EDITOR chanops.toml"""
    from chanops.tasks.local import InitRequest, run_init

    render(run_init(InitRequest(path, force)), None)
