"""`chanops sample`: write a synthetic province's extracts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import ConfigOpt, render


def sample(
    out: Annotated[Path, typer.Option("--out", help="Directory to write <kind>.csv|parquet into.")],
    rows: Annotated[int, typer.Option(min=1, help="Orders over the six months; other kinds scale with it.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Same seed, same files.")] = 1,
    end_month: Annotated[str, typer.Option(help="Last of the six months covered (YYYY-MM).")] = "2022-11",
    encoding: Annotated[str, typer.Option(help="utf-8 | gb18030 (csv only).")] = "utf-8",
    fmt: Annotated[str, typer.Option("--format", help="csv | parquet.")] = "csv",
    config: ConfigOpt = None,  # accepted like everywhere (a cron line passes it to all); no setting applies
) -> None:
    """Write a consistent synthetic set of all ten extract kinds (Inner Mongolia, 12 盟市)."""
    from chanops.ingest.sample import SampleSpec
    from chanops.present.progress import steps
    from chanops.tasks.local import run_sample

    spec = SampleSpec(out=out, rows=rows, seed=seed, end_month=end_month, encoding=encoding, format=fmt)
    render(run_sample(spec, track=lambda con, total: steps(con, total, in_bytes=False, unit="files")), None)
