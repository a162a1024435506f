"""Electronic-channel preference (SPEC §7, seed 004 电子渠道偏好得分).

For month M and window W (default 3: M−W+1..M), per msisdn and electronic channel c:
  usage_score         = 50 × min(uses, 10) / 10          (使用次数得分)
  latent_score        = 20 if a signal with value > 0 exists for (M, msisdn, c)  (潜量数据得分)
  frequency_bonus     = 30 × active_months / W           (修正加分)
  complaint_deduction = 20 × complaints by the msisdn about c in the window  (修正减分)
  score = clamp(sum, 0, 100) to one decimal; tier high ≥ 60, medium ≥ 30, else low.
Churned users of c (流失客户) used c in the W months before the window and not in it.
Weights, window and cut-offs come from `[prefer]` in chanops.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from chanops.channels import Channel
from chanops.config import PreferConfig
from chanops.engines import as_engine, first_row
from chanops.errors import ConfigError, NoData, UsageError
from chanops.months import add_months
from chanops.sql import active_customers, channel_codes, in_months, lit, lit_list, month_start
from chanops.store.coverage import require_rows

TIERS = ("high", "medium", "low")


@dataclass(frozen=True)
class Window:
    """The scoring window M−W+1..M and the W months before it (for churned users)."""

    month: str
    size: int

    @property
    def first(self) -> str:
        return add_months(self.month, 1 - self.size)

    @property
    def earlier_first(self) -> str:
        return add_months(self.month, 1 - 2 * self.size)

    def covers(self, ts: str) -> str:
        """Timestamp column `ts` lies in the window."""
        return in_months(ts, self.first, self.month)

    def before(self, ts: str) -> str:
        """Timestamp column `ts` lies in the W months before the window."""
        return in_months(ts, self.earlier_first, add_months(self.first, -1))

    def month_index(self, ts: str) -> str:
        """0..W-1: which window month a timestamp (already inside the window) falls in."""
        branches = " ".join(
            f"WHEN {ts} < {month_start(add_months(self.first, i + 1))} THEN {i}" for i in range(self.size - 1)
        )
        return f"CASE {branches} ELSE {self.size - 1} END" if branches else "0"


def _electronic(channels: dict[str, Channel]) -> str:
    codes = channel_codes(channels, "electronic")
    if not codes:
        raise ConfigError("the channel catalog has no electronic channel")
    return lit_list(codes)


def check_channel(channel: str, channels: dict[str, Channel]) -> str:
    if channel not in channels:
        raise UsageError(
            f"unknown channel '{channel}'; electronic channels: "
            f"{', '.join(c.code for c in channels.values() if c.electronic)}"
        )
    if not channels[channel].electronic:
        raise UsageError(f"channel '{channel}' is not an electronic channel (SPEC §3)")
    return channel


def require_usage(con: duckdb.DuckDBPyConnection, window: Window) -> None:
    """Refuse (NoData) a month with no rows of usage, signals or complaints, or no usage in its
    window and no latent signal in it: the months the scores answer for (the `preference` view
    of chanops sql covers the same)."""
    require_rows(con, window.month, ["usage", "signals", "complaints"])
    row = first_row(
        con,
        f"""SELECT EXISTS (SELECT 1 FROM usage WHERE {window.covers("event_time")})
                OR EXISTS (SELECT 1 FROM signals WHERE month = {lit(window.month)})""",
    )
    if not row or not row[0]:
        raise NoData(f"no e-channel usage or latent signals in {window.first}..{window.month}")


def scores_sql(month: str, config: PreferConfig, channels: dict[str, Channel], only: str | None = None) -> str:
    """Score of every (msisdn, electronic channel) with usage in the window, a positive latent
    signal in `month`, or a complaint in the window (a complaint-only pair scores 0, tier low).
    Components are exact decimals; the score is rounded once. `only`, a SELECT of msisdns,
    limits the scoring to those customers (read before anything is grouped)."""
    w = Window(month, int(config.window))
    among = f" AND msisdn IN ({only})" if only else ""
    electronic = _electronic(channels)
    c = config

    def dec(expr: str) -> str:
        return f"CAST({expr} AS DECIMAL(18,4))"

    return f"""
        WITH used AS (
            SELECT msisdn, channel, count(*) AS uses,
                   bit_count(bit_or(CAST(1 AS BIGINT) << {w.month_index("event_time")})) AS active_months
            FROM usage WHERE {w.covers("event_time")} AND channel IN ({electronic}){among}
            GROUP BY msisdn, channel),
        latent AS (
            SELECT DISTINCT msisdn, channel FROM signals
            WHERE month = {lit(month)} AND value > 0 AND channel IN ({electronic}){among}),
        complained AS (
            SELECT msisdn, channel, count(*) AS complaints FROM complaints
            WHERE {w.covers("complaint_time")} AND msisdn IS NOT NULL
              AND channel IN ({electronic}){among}
            GROUP BY msisdn, channel),
        parts AS (
            SELECT k.msisdn, k.channel, coalesce(u.uses, 0) AS uses, coalesce(u.active_months, 0) AS active_months,
                   {dec(f"{c.usage_weight} * least(coalesce(u.uses, 0), {c.usage_cap}) / {c.usage_cap}")}
                       AS usage_score,
                   {dec(f"CASE WHEN l.msisdn IS NOT NULL THEN {c.latent_weight} ELSE 0 END")} AS latent_score,
                   {dec(f"{c.frequency_weight} * coalesce(u.active_months, 0) / {w.size}")} AS frequency_bonus,
                   {dec(f"{c.complaint_weight} * coalesce(p.complaints, 0)")} AS complaint_deduction
            FROM (SELECT msisdn, channel FROM used UNION SELECT msisdn, channel FROM latent
                  UNION SELECT msisdn, channel FROM complained) k
            LEFT JOIN used u ON u.msisdn = k.msisdn AND u.channel = k.channel
            LEFT JOIN latent l ON l.msisdn = k.msisdn AND l.channel = k.channel
            LEFT JOIN complained p ON p.msisdn = k.msisdn AND p.channel = k.channel),
        scored AS (
            SELECT *, round(greatest(0, least(100, usage_score + latent_score + frequency_bonus
                                                   - complaint_deduction)), 1) AS score
            FROM parts)
        SELECT msisdn, channel, uses, active_months,
               CAST(usage_score AS DOUBLE) AS usage_score, CAST(latent_score AS DOUBLE) AS latent_score,
               CAST(frequency_bonus AS DOUBLE) AS frequency_bonus,
               CAST(complaint_deduction AS DOUBLE) AS complaint_deduction, CAST(score AS DOUBLE) AS score,
               CASE WHEN score >= {c.high} THEN 'high' WHEN score >= {c.medium} THEN 'medium' ELSE 'low' END AS tier
        FROM scored"""


def scores(
    con: duckdb.DuckDBPyConnection,
    month: str,
    config: PreferConfig,
    channels: dict[str, Channel],
    channel: str | None = None,
    tier: str | None = None,
    min_score: float | None = None,
) -> pa.Table:
    """Scores for `month`, optionally one channel, one tier, or at least a score; by msisdn, channel."""
    if min_score is not None and not 0 <= min_score <= 100:  # also refuses nan
        raise UsageError(f"--min-score must be a number from 0 to 100, got {min_score:g}")
    require_usage(con, Window(month, int(config.window)))
    where = []
    if channel:
        where.append(f"channel = {lit(check_channel(channel, channels))}")
    if tier:
        if tier not in TIERS:
            raise UsageError(f"--tier must be one of: {', '.join(TIERS)}")
        where.append(f"tier = {lit(tier)}")
    if min_score is not None:
        where.append(f"score >= {float(min_score)}")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    return as_engine(con).table(
        f"SELECT * FROM ({scores_sql(month, config, channels)}) {clause} ORDER BY msisdn, channel"
    )


def _users_of(channel: str, period: str) -> str:
    """Distinct users of `channel` where `period` (a condition on event_time) holds."""
    return f"SELECT DISTINCT msisdn FROM usage WHERE channel = {lit(channel)} AND {period}"


def targets(
    con: duckdb.DuckDBPyConnection,
    month: str,
    channel: str,
    config: PreferConfig,
    channels: dict[str, Channel],
    top: int | None = None,
) -> pa.Table:
    """Promotion targets for `channel`: customers active at the end of `month` who did not
    use it in the window, ranked by latent score for it, then their best score on another
    electronic channel, then msisdn; churned users of the channel are flagged."""
    check_channel(channel, channels)
    w = Window(month, int(config.window))
    require_usage(con, w)
    limit = f"LIMIT {int(top)}" if top else ""
    return as_engine(con).table(f"""
        WITH scores AS ({scores_sql(month, config, channels)}),
        other AS (  -- each customer's best other channel: highest score, then the first code
            SELECT msisdn, channel AS best_other_channel, score AS best_other_score FROM (
                SELECT msisdn, channel, score,
                       row_number() OVER (PARTITION BY msisdn ORDER BY score DESC, channel) AS best
                FROM scores WHERE channel <> {lit(channel)}) ranked
            WHERE best = 1),
        -- named apart from scores_sql's own CTEs: Spark refuses a name used twice
        target_latent AS (SELECT msisdn, max(latent_score) AS latent_score FROM scores
                          WHERE channel = {lit(channel)} GROUP BY msisdn),
        earlier AS ({_users_of(channel, w.before("event_time"))})
        SELECT row_number() OVER (ORDER BY coalesce(l.latent_score, 0) DESC, coalesce(o.best_other_score, 0) DESC,
                                  a.msisdn) AS rank,
               a.msisdn, a.region, coalesce(l.latent_score, 0) AS latent_score, o.best_other_channel,
               coalesce(o.best_other_score, 0) AS best_other_score,
               e.msisdn IS NOT NULL AS churned_from_channel
        FROM ({active_customers(month)}) a
        LEFT JOIN target_latent l ON l.msisdn = a.msisdn LEFT JOIN other o ON o.msisdn = a.msisdn
        LEFT JOIN earlier e ON e.msisdn = a.msisdn
        WHERE a.msisdn NOT IN ({_users_of(channel, w.covers("event_time"))})
        ORDER BY rank {limit}""")


def churned_sql(month: str, channel_filter: str, config: PreferConfig) -> str:
    w = Window(month, int(config.window))
    return f"""
        SELECT msisdn, channel, max(event_time) AS last_use, count(*) AS uses_before
        FROM usage e
        WHERE {w.before("event_time")} AND {channel_filter}
          AND NOT EXISTS (SELECT 1 FROM usage r WHERE r.msisdn = e.msisdn AND r.channel = e.channel
                          AND {w.covers("r.event_time")})
        GROUP BY msisdn, channel"""


def churned(
    con: duckdb.DuckDBPyConnection, month: str, channel: str, config: PreferConfig, channels: dict[str, Channel]
) -> pa.Table:
    """Users of `channel` in the W months before the window and not in it (流失客户), with last use."""
    check_channel(channel, channels)
    require_usage(con, Window(month, int(config.window)))
    return as_engine(con).table(f"""SELECT * FROM ({churned_sql(month, f"channel = {lit(channel)}", config)})
                       ORDER BY msisdn""")


def summary(con: duckdb.DuckDBPyConnection, month: str, config: PreferConfig, channels: dict[str, Channel]) -> pa.Table:
    """Per electronic channel, each column named for the window it counts (window_note says
    which months): users in M (`users_month`) and those of them active at M's end
    (`active_users_month`); penetration = active_users_month / customers active at M's end
    (SPEC §4: a share of the base counts only its members); pairs scored over the window
    M−W+1..M per tier (`high_window` …); churned users (`churned_window`: used c in the W
    months before the window, not in it)."""
    require_usage(con, Window(month, int(config.window)))
    electronic = _electronic(channels)
    codes = ", ".join(f"({lit(code)})" for code in channel_codes(channels, "electronic"))
    return as_engine(con).table(f"""
        WITH scores AS ({scores_sql(month, config, channels)}),
        tiers AS (SELECT channel, count(*) FILTER (WHERE tier = 'high') AS high,
                         count(*) FILTER (WHERE tier = 'medium') AS medium,
                         count(*) FILTER (WHERE tier = 'low') AS low FROM scores GROUP BY channel),
        base AS ({active_customers(month, "msisdn")}),
        users AS (SELECT channel, count(DISTINCT e.msisdn) AS users,
                         count(DISTINCT b.msisdn) AS active_users
                  FROM usage e LEFT JOIN base b ON b.msisdn = e.msisdn
                  WHERE {in_months("e.event_time", month)} AND channel IN ({electronic}) GROUP BY channel),
        lost AS (SELECT channel, count(*) AS churned FROM ({churned_sql(month, f"channel IN ({electronic})", config)})
                 GROUP BY channel),
        active AS (SELECT count(*) AS customers FROM base)
        SELECT c.channel, coalesce(u.users, 0) AS users_month, coalesce(u.active_users, 0) AS active_users_month,
               a.customers AS customers_month_end,
               CASE WHEN a.customers > 0 THEN coalesce(u.active_users, 0) / a.customers END AS penetration,
               coalesce(t.high, 0) AS high_window, coalesce(t.medium, 0) AS medium_window,
               coalesce(t.low, 0) AS low_window, coalesce(l.churned, 0) AS churned_window
        FROM (VALUES {codes}) AS c(channel) CROSS JOIN active a
        LEFT JOIN users u USING (channel) LEFT JOIN tiers t USING (channel) LEFT JOIN lost l USING (channel)
        ORDER BY users_month DESC, channel""")


BASE_COLUMNS = ("active_users_month", "customers_month_end", "penetration")


def without_uncovered_base(con, month: str, table: pa.Table, lang: str = "en") -> tuple[pa.Table, str]:
    """`summary` with its customer-base columns blank when no customers snapshot covers M (SPEC
    §4, as the KPIs do), and the note saying so; unchanged otherwise."""
    from chanops.store.coverage import customers_as_of, uncovered_months

    as_of = customers_as_of(con)
    if as_of is None or not uncovered_months([month], as_of):
        return table, ""
    for name in BASE_COLUMNS:
        index = table.schema.get_field_index(name)
        table = table.set_column(index, name, pa.nulls(table.num_rows, table.schema.field(name).type))
    if lang == "zh":
        return table, f"月末在网客户相关列 {month} 留空：最新客户快照截至 {as_of.isoformat()}"
    return table, f"customer base blank for {month}: the latest customers snapshot is as of {as_of.isoformat()}"


def window_note(month: str, config: PreferConfig, lang: str) -> str:
    """The months each column of `summary` counts, for a line under the table."""
    w = Window(month, int(config.window))
    scored = f"{w.first}..{w.month}"
    before = f"{w.earlier_first}..{add_months(w.first, -1)}"
    if lang == "zh":
        return (
            f"本月用户数、普及率：{month}（普及率 = 本月用户中月末在网者 / 月末在网客户数）；"
            f"评分窗口：{scored}；流失客户：{before} 用过、{scored} 未用"
        )
    return (
        f"users and penetration: {month} (penetration = this month's users active at month end / customers "
        f"active at month end); scored over {scored}; churned: used in {before}, not in {scored}"
    )
