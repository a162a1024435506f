"""Touchpoint quotas (SPEC §4 配额管理, seed 000 §三.4): contacts per touchpoint in a
month against the monthly quota set in chanops.toml:

    [quota]                 # every month
    sms = 50000000
    outbound = 7000000
    [quota."2022-11"]       # this month only (overrides)
    sms = 60000000
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb
import polars as pl

from chanops.channels import Channel
from chanops.engines import as_engine, polars_frame
from chanops.sql import in_months
from chanops.store.coverage import require_rows, resolve_months

if TYPE_CHECKING:
    from chanops.config import Config


def quota_usage(
    con: duckdb.DuckDBPyConnection, month: str, quotas: dict[str, int], channels: dict[str, Channel], lang: str = "zh"
) -> pl.DataFrame:
    """touchpoint, label, used, quota, utilization (used / quota), over_quota."""
    used = polars_frame(
        as_engine(con).table(f"""SELECT touchpoint, count(*) AS used FROM contacts
                       WHERE {in_months("contact_time", month)} GROUP BY touchpoint""")
    )
    limits = pl.DataFrame(
        {"touchpoint": list(quotas), "quota": list(quotas.values())},
        schema={"touchpoint": pl.String, "quota": pl.Int64},
    )
    frame = used.join(limits, on="touchpoint", how="full", coalesce=True)
    labels = {code: (c.zh if lang == "zh" else c.en) for code, c in channels.items()}
    return (
        frame.with_columns(
            label=pl.col("touchpoint").replace_strict(labels, default=pl.col("touchpoint")),
            used=pl.col("used").fill_null(0),
        )
        .with_columns(
            utilization=pl.when(pl.col("quota") > 0).then(pl.col("used") / pl.col("quota")),
            over_quota=pl.col("quota").is_not_null() & (pl.col("used") > pl.col("quota")),
        )
        .select("touchpoint", "label", "used", "quota", "utilization", "over_quota")
        .sort("touchpoint")
    )


def over_quota(usage: pl.DataFrame) -> list[str]:
    """One line per touchpoint whose contacts exceed its quota (what `quota --check` reports)."""
    over = usage.filter(pl.col("over_quota"))
    return [f"{r['touchpoint']} used {r['used']:,} of quota {r['quota']:,}" for r in over.iter_rows(named=True)]


def touchpoint_quotas(
    con: duckdb.DuckDBPyConnection, config: Config, month: str | None = None, lang: str = "zh"
) -> tuple[str, pl.DataFrame]:
    """`chanops quota`: the month settled and its usage against `[quota]` for that month."""
    [the_month] = resolve_months(con, month)
    require_rows(con, the_month, ["contacts"])
    return the_month, quota_usage(con, the_month, config.quota.for_month(the_month), config.channels, lang)
