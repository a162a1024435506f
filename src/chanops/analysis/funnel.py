"""Campaign funnel by wave (SPEC §4, seed 000 §三.4 多波次营销).

Per campaign and wave in month M: distinct users contacted and reached (a user counts in
the wave of each reached contact in M), and converted. A conversion is a successful order in
M, attributed to one campaign and one wave — ranked joins, so the engine does the attribution:

- a platform order carries its campaign's id: it goes to the wave of that user's latest
  reached contact of the campaign at or before the order time (`attributed_by = campaign_id`);
- an outbound order carries no campaign id: an outbound-channel order of a product converts
  for the campaign of the user's latest reached outbound call about that product in the
  `outbound_window_days` before it, in that call's wave (`attributed_by = touchpoint`). When
  several outbound campaigns called the user about the product, the latest call wins (then
  the later wave, then the lower campaign id), so an order converts for one campaign only.

An order whose contact lies before M is on the row wave = 'carried'; a platform order with no
reached contact before it on wave = 'unattributed'. So conversion rate = converted / reached of
the same row never exceeds 100%, and cumulative converted counts distinct users converted in
waves ≤ w. A row's `attributed_by` says how its users convert: `campaign_id`, `touchpoint`, or
both (`campaign_id, touchpoint`) when the row has outbound calls and other contacts, or
conversions of both kinds.
"""

from __future__ import annotations

import duckdb
import polars as pl

from chanops.analysis.funnel_store import OUTBOUND, stored_sql, waves_sql
from chanops.config import FunnelConfig
from chanops.engines import as_engine, polars_frame
from chanops.errors import NoData
from chanops.sql import in_months, lit, month_bounds
from chanops.store.coverage import resolve_months

CARRIED, UNATTRIBUTED = "carried", "unattributed"
BY_CAMPAIGN_ID, BY_TOUCHPOINT = "campaign_id", "touchpoint"


def funnel(
    con: duckdb.DuckDBPyConnection, month: str, campaign: str | None = None, config: FunnelConfig | None = None
) -> pl.DataFrame:
    """campaign_id, wave (1, 2, …, then 'carried' and 'unattributed'), attributed_by, contacted,
    reached, converted, reach_rate, conversion_rate, cumulative_converted and wave_share (this
    row's part of the campaign's conversions)."""
    config = config or FunnelConfig()
    start, end = month_bounds(month)
    only = f"AND campaign_id = {lit(campaign)}" if campaign else ""
    outbound = lit(OUTBOUND)

    def both_ways(by_id: str, by_touchpoint: str) -> str:
        return f"""CASE WHEN {by_id} = 1 AND {by_touchpoint} = 1 THEN '{BY_CAMPAIGN_ID}, {BY_TOUCHPOINT}'
                        WHEN {by_touchpoint} = 1 THEN '{BY_TOUCHPOINT}' ELSE '{BY_CAMPAIGN_ID}' END"""

    engine = as_engine(con)
    # the users contacted and reached per campaign and wave: kept for the month by the refresh
    # after each load (analysis/funnel_store.py), else counted from the raw contacts
    contacted = stored_sql(engine, month, only) or waves_sql(month, only)
    return polars_frame(
        engine.table(f"""
        WITH contacted AS ({contacted}),
        platform_orders AS (
            SELECT order_id, msisdn, campaign_id, order_time FROM orders
            WHERE status = 'success' AND campaign_id IS NOT NULL AND {in_months("order_time", month)} {only}),
        reached_contacts AS (
            SELECT msisdn, campaign_id, contact_time, wave FROM contacts
            WHERE reached AND contact_time < {end} {only}),
        -- each platform order's latest reached contact of its campaign at or before it (an
        -- as-of match, written as a ranked join so Spark runs the same text; equal times go to
        -- the later wave)
        by_campaign_id AS (
            SELECT o.campaign_id, o.msisdn, r.contact_time, r.wave,
                   row_number() OVER (PARTITION BY o.order_id
                                      ORDER BY r.contact_time DESC NULLS LAST, r.wave DESC) AS latest
            FROM platform_orders o LEFT JOIN reached_contacts r
              ON o.msisdn = r.msisdn AND o.campaign_id = r.campaign_id AND o.order_time >= r.contact_time),
        outbound_orders AS (
            SELECT order_id, msisdn, product, order_time FROM orders
            WHERE status = 'success' AND campaign_id IS NULL AND channel = {outbound}
              AND {in_months("order_time", month)}),
        -- each outbound order's latest reached outbound call about its product in the window
        -- before it, whichever campaign made it: ranked before a campaign is picked out, so an
        -- order another campaign called later never counts for this one
        by_touchpoint AS (
            SELECT r.campaign_id, o.msisdn, r.contact_time, r.wave,
                   row_number() OVER (PARTITION BY o.order_id
                                      ORDER BY r.contact_time DESC, r.wave DESC, r.campaign_id) AS latest
            FROM outbound_orders o JOIN contacts r
              ON r.msisdn = o.msisdn AND r.product = o.product AND r.reached AND r.touchpoint = {outbound}
             AND r.contact_time <= o.order_time
             AND r.contact_time >= o.order_time - INTERVAL {config.outbound_window_days} DAY
             -- implied by the two above: the calls a month's orders can match, so older ones
             -- are dropped in the scan instead of probing the join
             AND r.contact_time >= {start} - INTERVAL {config.outbound_window_days} DAY
             AND r.contact_time < {end}),
        matched AS (
            SELECT campaign_id, msisdn, contact_time, wave, '{BY_CAMPAIGN_ID}' AS attributed_by
            FROM by_campaign_id WHERE latest = 1
            UNION ALL
            SELECT campaign_id, msisdn, contact_time, wave, '{BY_TOUCHPOINT}' AS attributed_by
            FROM by_touchpoint WHERE latest = 1 {only}),
        attributed AS (
            SELECT campaign_id, msisdn, attributed_by,
                   CASE WHEN contact_time >= {start} THEN wave END AS wave_no,
                   CASE WHEN contact_time IS NULL THEN '{UNATTRIBUTED}'
                        WHEN contact_time < {start} THEN '{CARRIED}'
                        ELSE CAST(wave AS VARCHAR) END AS wave
            FROM matched),
        converted AS (
            SELECT campaign_id, wave, count(DISTINCT msisdn) AS converted,
                   max(CASE WHEN attributed_by = '{BY_CAMPAIGN_ID}' THEN 1 ELSE 0 END) AS by_id,
                   max(CASE WHEN attributed_by = '{BY_TOUCHPOINT}' THEN 1 ELSE 0 END) AS by_touchpoint
            FROM attributed GROUP BY campaign_id, wave),
        cumulative AS (
            SELECT c.campaign_id, c.wave, count(DISTINCT a.msisdn) AS cumulative_converted
            FROM contacted c LEFT JOIN attributed a ON a.campaign_id = c.campaign_id AND a.wave_no <= c.wave
            GROUP BY c.campaign_id, c.wave),
        joined AS (
            SELECT coalesce(c.campaign_id, v.campaign_id) AS campaign_id,
                   coalesce(CAST(c.wave AS VARCHAR), v.wave) AS wave, c.wave AS wave_no,
                   greatest(coalesce(c.by_id, 0), coalesce(v.by_id, 0)) AS by_id,
                   greatest(coalesce(c.by_touchpoint, 0), coalesce(v.by_touchpoint, 0)) AS by_touchpoint,
                   coalesce(c.contacted, 0) AS contacted, coalesce(c.reached, 0) AS reached,
                   coalesce(v.converted, 0) AS converted, k.cumulative_converted
            FROM contacted c
            LEFT JOIN cumulative k ON k.campaign_id = c.campaign_id AND k.wave = c.wave
            FULL JOIN converted v ON c.campaign_id = v.campaign_id AND CAST(c.wave AS VARCHAR) = v.wave)
        SELECT campaign_id, wave, {both_ways("by_id", "by_touchpoint")} AS attributed_by,
               contacted, reached, converted,
               CASE WHEN contacted > 0 THEN reached / contacted END AS reach_rate,
               CASE WHEN reached > 0 THEN converted / reached END AS conversion_rate,
               cumulative_converted,
               CASE WHEN sum(converted) OVER (PARTITION BY campaign_id) > 0
                    THEN converted / sum(converted) OVER (PARTITION BY campaign_id) END AS wave_share
        FROM joined
        ORDER BY campaign_id, wave_no NULLS LAST, wave = '{UNATTRIBUTED}', wave""")
    )


def campaign_funnel(
    con: duckdb.DuckDBPyConnection,
    month: str | None = None,
    campaign: str | None = None,
    config: FunnelConfig | None = None,
) -> tuple[str, pl.DataFrame]:
    """`chanops funnel`: the month settled (default: the latest with data) and its funnel;
    NoData when the month has no contacts or conversions (of the campaign)."""
    [the_month] = resolve_months(con, month)
    frame = funnel(con, the_month, campaign, config)
    if frame.is_empty():
        which = f"campaign {campaign} in " if campaign else ""
        raise NoData(f"no contacts or platform orders for {which}{the_month}")
    return the_month, frame


def by_wave(frame: pl.DataFrame) -> pl.DataFrame:
    """The numbered waves of every campaign added up: contacts, reaches and conversions per
    wave (人次: a user in two campaigns counts twice), with the same rates as a campaign's row
    — what the report's funnel chart draws."""
    return (
        frame.filter(pl.col("wave").str.contains(r"^\d+$"))
        .group_by("wave")
        .agg(pl.col("contacted", "reached", "converted").sum())
        .with_columns(
            reach_rate=pl.col("reached") / pl.col("contacted"),
            conversion_rate=pl.col("converted") / pl.col("reached"),
            wave_share=pl.when(pl.col("converted").sum() > 0).then(pl.col("converted") / pl.col("converted").sum()),
        )
        .sort(pl.col("wave").cast(pl.Int64))
    )
