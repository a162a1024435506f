"""Candidate lists into one scratch table, read like any extract: encoding, delimiter,
preamble and Chinese headers found the same way, every number normalized by the loader's
own expressions. A row whose number cannot be read is kept — it becomes an `invalid`
candidate with the reason as its evidence, never a silent drop.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from chanops.channels import Channel
from chanops.engines import only_row
from chanops.errors import InputFileError
from chanops.ingest import accounting
from chanops.ingest.readers import open_extract, unparseable
from chanops.ingest.staging import header_fit, map_headers, stage_sql
from chanops.plan.planfile import PlanFile
from chanops.schema import Column, Kind
from chanops.sql import lit

CANDIDATES = "_plan_candidates"

TARGET_LIST = Kind(
    "target_list",
    "目标客户清单",
    (
        Column("msisdn", "msisdn", True, ("手机号码", "用户号码", "服务号码", "手机号", "号码")),
        Column("score", "ratio", False, ("得分", "评分", "分值", "模型得分", "推荐得分")),
    ),
    key=("msisdn",),
    mode="event",
    time_column="msisdn",
)


def read_candidates(con: duckdb.DuckDBPyConnection, plan: PlanFile, channels: Mapping[str, Channel]) -> int:
    """Create CANDIDATES(campaign_id, list_row, msisdn, shown_msisdn, score, problem_column,
    problem); the number of candidates read. `problem` is the loader's reason why a row is
    invalid as read, `problem_column` the column it is about (both NULL for a readable row)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {CANDIDATES} (
        campaign_id VARCHAR, list_row BIGINT, msisdn VARCHAR, shown_msisdn VARCHAR,
        score DOUBLE, problem_column VARCHAR, problem VARCHAR)""")
    fits = header_fit(TARGET_LIST, {})
    for n, campaign in enumerate(plan.campaigns):
        source = open_extract(con, campaign.list, "auto", f"plan{n}", fits)
        try:
            mapping = map_headers(TARGET_LIST, source.headers, {}, campaign.list)
            staged = f"_plan_list_{n}"
            try:
                con.execute(f"CREATE OR REPLACE TEMP TABLE {staged} AS {stage_sql(TARGET_LIST, source, mapping, {})}")
            except duckdb.InvalidInputException as exc:
                raise unparseable(source, exc) from None
            if source.text_rejects:
                unreadable, _spanning = accounting.parse_rejects(con, source)
                if unreadable:
                    raise InputFileError(
                        f"{campaign.list}: {unreadable} line(s) of campaign {campaign.id}'s list cannot be read "
                        "(wrong number of fields or a stray quote); fix the list and plan again"
                    )
            con.execute(f"""
                INSERT INTO {CANDIDATES}
                SELECT {lit(campaign.id)}, rowid + 1, msisdn,
                       coalesce(msisdn, CASE WHEN _bad_column = 'msisdn' THEN _bad_value END),
                       CAST(score AS DOUBLE),
                       CASE WHEN _bad_reason IS NOT NULL THEN _bad_column END, _bad_reason
                FROM {staged}""")
            con.execute(f"DROP TABLE {staged}")
        finally:
            source.close()
    return int(only_row(con, f"SELECT count(*) FROM {CANDIDATES}")[0])
