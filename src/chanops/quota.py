"""Touchpoint quotas (SPEC §4 配额管理, seed 000 §三.4): contacts per touchpoint in a
month against the monthly quota set in chanops.toml:

    [quota]                 # every month
    sms = 50000000
    outbound = 7000000
    [quota."2022-11"]       # this month only (overrides)
    sms = 60000000
"""

from __future__ import annotations

import duckdb
import polars as pl

from .catalog import Channel
from .errors import ConfigError
from .months import add_months, month_start_sql


def quotas_for(section: dict | None, month: str, channels: dict[str, Channel]) -> dict[str, int]:
    """Quota per touchpoint code for `month`: plain keys, then the month's own table on top."""
    section = section or {}
    plain = {k: v for k, v in section.items() if not isinstance(v, dict)}
    merged = {**plain, **section.get(month, {})}
    for code, value in merged.items():
        if code not in channels:
            raise ConfigError(f"[quota] {code}: not a channel code ({', '.join(channels)})")
        if not isinstance(value, int) or value < 0:
            raise ConfigError(f"[quota] {code}: quota must be a whole number of contacts, got {value!r}")
    return merged


def quota_usage(
    con: duckdb.DuckDBPyConnection, month: str, quotas: dict[str, int], channels: dict[str, Channel], lang: str = "zh"
) -> pl.DataFrame:
    """touchpoint, label, used, quota, utilization (used / quota), over_quota."""
    start, end = month_start_sql(month), month_start_sql(add_months(month, 1))
    used = con.sql(f"""SELECT touchpoint, count(*) AS used FROM contacts
                       WHERE contact_time >= {start} AND contact_time < {end} GROUP BY touchpoint""").pl()
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
