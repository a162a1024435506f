"""`chanops export`: the warehouse as Hive-layout Parquet for Spark/Hive."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chanops.cli.common import Shared, shared_options, split_list


@shared_options(output=False)
def export(
    to: Annotated[Path, typer.Option("--to", help="Directory to write kind/month=YYYY-MM/*.parquet into.")],
    kinds: Annotated[
        str | None, typer.Option("--kinds", help="Comma-separated kinds (default: all).", show_default=False)
    ] = None,
    first: Annotated[str | None, typer.Option("--from", help="First month to export.", show_default=False)] = None,
    # --to names the directory (as the issue asks), so the last month is --until
    last: Annotated[str | None, typer.Option("--until", help="Last month to export.", show_default=False)] = None,
    *,
    shared: Shared,
) -> None:
    """Write the warehouse as Parquet partitioned by month, the layout Spark and Hive read."""
    from chanops.tasks.warehouse import ExportRequest

    shared.run("export", ExportRequest(to, tuple(split_list(kinds)), first, last))
