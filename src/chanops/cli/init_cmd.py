"""`chanops init`: write a commented chanops.toml with every setting at its default."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import notice


def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("chanops.toml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write chanops.toml with every setting at its default, each section explained: channels,
    KPIs and thresholds, quota, points, preference, report, completeness check, plan.

    Example: chanops init && $EDITOR chanops.toml"""
    from chanops.config_template import render
    from chanops.errors import UsageError
    from chanops.present.output import write_atomically

    if path.exists() and not force:
        raise UsageError(f"{path} exists; --force overwrites it")
    write_atomically(path, lambda fh: fh.write(render()), binary=False)
    notice(f"wrote {path}: every setting at its default; edit what you need")
