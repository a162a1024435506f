"""`chanops plan`: campaign target lists checked and dispatched before anyone is contacted
(SPEC §12). Every step is SQL over the warehouse (or, on Spark, the lake) and the lists,
kept in the engine's scratch tables; the result is deterministic, so a re-run writes the
same bytes, and both engines write the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from chanops.config import Config
from chanops.engines import Engine, as_engine, only_row
from chanops.errors import NoData, UsageError
from chanops.months import add_months, parse_month
from chanops.plan import assign, checks, evidence
from chanops.plan.candidates import CANDIDATES, read_candidates
from chanops.plan.planfile import PlanFile, read_plan
from chanops.sql import channel_codes, in_months, lit, month_start
from chanops.store.coverage import has_rows, latest_month

STATUSES = ("invalid", "already_has", "conflict", "do_not_disturb", "duplicate", "assigned", "over_quota")
SERVED = "_plan_served"  # seq, campaign_id, list_row, msisdn, product, capped
HISTORY = "_plan_history"  # product, touchpoint, reached_users, buyers, conversion, all_products
RESULT = "_plan_result"


@dataclass(frozen=True)
class PlanRequest:
    plan: Path
    month: str | None = None  # default: the month after the latest month with data
    # the per-candidate rows as an Arrow table; off when --out writes them straight from DuckDB
    with_candidates: bool = True
    lang: str = "zh"  # of the evidence


@dataclass
class PlanResult:
    month: str
    plan: PlanFile
    candidates: pa.Table | None  # one row per candidate (None unless asked for)
    # campaign × touchpoint: the campaign's assignments and expected conversions, and the
    # touchpoint's quota before the plan, taken by the whole plan and left after it
    summary: pa.Table
    statuses: pa.Table  # campaign: candidates per status
    quota_left: dict[str, int | None] = field(default_factory=dict)
    rounds: int = 0
    notes: list[str] = field(default_factory=list)  # what the people reading the plan must know


def run_plan(con_or_engine, config: Config, request: PlanRequest) -> PlanResult:
    """On the warehouse (a DuckDB connection) or any Engine; the plan's steps stay in the
    engine's scratch tables for write_out."""
    engine = as_engine(con_or_engine)
    plan = read_plan(request.plan, config.channels)
    _require_inputs(engine)
    month = parse_month(request.month) if request.month else add_months(latest_month(engine), 1)
    _check_products(engine, plan)
    _campaign_tables(engine, plan)
    _read_lists(engine, plan, config)
    engine.materialize(checks.LISTED, checks.listed_sql())
    engine.materialize(checks.CHECKED, checks.checks_sql(month, config.plan, request.lang))
    quota_left = _quota_left(engine, config, month, plan)
    rounds = _assign(engine, config, month, plan, quota_left)
    engine.materialize(RESULT, _result_sql(request.lang, config))
    return PlanResult(
        month=month,
        plan=plan,
        candidates=engine.table(CANDIDATES_SQL) if request.with_candidates else None,
        summary=engine.table(_summary_sql(quota_left)),
        statuses=engine.table(_statuses_sql()),
        quota_left=quota_left,
        rounds=rounds,
        notes=_notes(engine, config, month, plan),
    )


def _read_lists(engine: Engine, plan: PlanFile, config: Config) -> None:
    """The lists are read by the loader's DuckDB machinery (sniffing, header mapping,
    normalization), whichever engine then checks them."""
    engine.read_locally(CANDIDATES, lambda con: read_candidates(con, plan, config.channels))


CANDIDATES_SQL = f"""
    SELECT campaign_id, product, list_row, msisdn, score AS list_score,
           status, touchpoint, expected_conversion, evidence
    FROM {RESULT} ORDER BY priority, campaign_id, list_row"""


def _notes(engine: Engine, config: Config, month: str, plan: PlanFile) -> list[str]:
    """Said loudly rather than planned on quietly: a new product's expected conversion is not its
    own; no conversion history means every expected conversion is 0 and touchpoints are chosen
    by code alone."""
    notes = [
        f"note: campaign {c.id} launches {c.product}, which no order or contact names yet: its expected "
        "conversion is each touchpoint's conversion over all products"
        for c in plan.campaigns
        if c.new_product
    ]
    if not only_row(engine, f"SELECT count(*) FROM {HISTORY} WHERE reached_users > 0")[0]:
        first = add_months(month, -config.plan.conversion_months)
        notes.append(
            f"note: no reached contacts of the plan's products in {first}..{add_months(month, -1)}: "
            "every expected conversion is 0 and touchpoints are taken in code order"
        )
    return notes


def dispatch_sql(touchpoint: str) -> str:
    """The list a touchpoint's team takes: assigned candidates in serving order, full numbers."""
    return f"""SELECT campaign_id, product, msisdn, expected_conversion FROM {RESULT}
               WHERE status = 'assigned' AND touchpoint = {lit(touchpoint)} ORDER BY seq"""


def _require_inputs(engine: Engine) -> None:
    kinds = ("customers", "orders")
    for kind, present in zip(kinds, has_rows(engine, [(kind, None) for kind in kinds]), strict=True):
        if not present:
            raise NoData(f"plan needs {kind} in the warehouse (who is active, who holds what); load them first")


def _check_products(engine: Engine, plan: PlanFile) -> None:
    """A misspelt product is refused rather than planned as one nobody holds; a product the plan
    calls new must be unknown indeed, or its own history would be passed over."""
    products = ", ".join(map(lit, sorted({c.product for c in plan.campaigns})))
    known = set(
        engine.table(
            f"""SELECT DISTINCT product FROM orders WHERE product IN ({products})
                UNION SELECT DISTINCT product FROM contacts WHERE product IN ({products})"""
        )
        .column(0)
        .to_pylist()
    )
    for campaign in plan.campaigns:
        if campaign.new_product and campaign.product in known:
            raise UsageError(
                f"{plan.path}: campaign {campaign.id}: product '{campaign.product}' is not new (orders or contacts "
                "of the warehouse name it); remove new_product = true to plan on its own history"
            )
        if not campaign.new_product and campaign.product not in known:
            raise UsageError(
                f"{plan.path}: campaign {campaign.id}: product '{campaign.product}' is in no order or contact "
                "of the warehouse (check the spelling; a product this campaign launches needs new_product = true)"
            )


def _campaign_tables(engine: Engine, plan: PlanFile) -> None:
    campaigns = ", ".join(
        f"({lit(c.id)}, {lit(c.product)}, {c.priority}, {'NULL' if c.cap is None else c.cap}, "
        f"{'TRUE' if c.new_product else 'FALSE'})"
        for c in plan.campaigns
    )
    engine.materialize(
        checks.CAMPAIGNS,
        f"SELECT * FROM (VALUES {campaigns}) v(campaign_id, product, priority, cap, new_product)",
    )
    touchpoints = ", ".join(f"({lit(c.id)}, {lit(t)})" for c in plan.campaigns for t in c.touchpoints)
    engine.materialize(assign.TOUCHPOINTS, f"SELECT * FROM (VALUES {touchpoints}) v(campaign_id, touchpoint)")


def _quota_left(engine: Engine, config: Config, month: str, plan: PlanFile) -> dict[str, int | None]:
    """Quota for M less the contacts M already holds, per touchpoint of the plan; None: no quota."""
    quotas = config.quota.for_month(month)
    counts = engine.table(
        f"SELECT touchpoint, count(*) AS n FROM contacts WHERE {in_months('contact_time', month)} GROUP BY touchpoint"
    )
    used = dict(zip(counts.column("touchpoint").to_pylist(), counts.column("n").to_pylist(), strict=True))
    touchpoints = sorted({t for c in plan.campaigns for t in c.touchpoints})
    return {t: (None if t not in quotas else max(quotas[t] - used.get(t, 0), 0)) for t in touchpoints}


def _assign(engine: Engine, config: Config, month: str, plan: PlanFile, quota_left: dict[str, int | None]) -> int:
    engine.materialize(SERVED, _served_sql())
    new_products = sorted({c.product for c in plan.campaigns if c.new_product})
    engine.materialize(HISTORY, _history_sql(config, month, new_products))
    electronic = channel_codes(config.channels, "electronic")
    prefer = config.plan
    weights = {"high": prefer.tier_high, "medium": prefer.tier_medium, "low": prefer.tier_low, "none": prefer.tier_none}
    engine.materialize(
        assign.OPTIONS,
        assign.options_sql(
            f"SELECT * FROM {SERVED} WHERE NOT capped",
            f"SELECT * FROM {HISTORY}",
            _tiers_sql(config, month),
            weights,
            electronic,
        ),
    )
    return assign.assign(engine, quota_left)


def _served_sql() -> str:
    """The candidates who passed the checks in serving order: `seq` numbers them by priority,
    then higher score, then msisdn (then campaign), and `capped` marks those past their
    campaign's cap.

    One window ordered over every candidate would run in a single task on Spark. The order's
    first two keys cut it into runs instead — all the candidates of one (priority, score) are
    consecutive — so each run is numbered on its own (partitioned), and its offset is the
    count of the candidates in the runs before it: a window over the runs, one row each."""
    candidates = (
        f"SELECT campaign_id, list_row, msisdn, product, priority, score FROM {checks.CHECKED} WHERE status IS NULL"
    )
    return f"""
        WITH ranked AS (
            SELECT *, row_number() OVER (PARTITION BY priority, score ORDER BY msisdn, campaign_id) AS nth_in_run,
                   row_number() OVER (PARTITION BY campaign_id ORDER BY score DESC NULLS LAST, msisdn) AS nth
            FROM ({candidates}) c),
        runs AS (
            SELECT priority, score,
                   coalesce(sum(n) OVER (ORDER BY priority, score DESC NULLS LAST
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
            FROM (SELECT priority, score, count(*) AS n FROM ranked GROUP BY priority, score) g)
        SELECT CAST(u.before + r.nth_in_run AS BIGINT) AS seq, r.nth, r.campaign_id, r.list_row, r.msisdn,
               r.product, p.cap IS NOT NULL AND r.nth > p.cap AS capped
        FROM ranked r
        JOIN runs u ON u.priority IS NOT DISTINCT FROM r.priority AND u.score IS NOT DISTINCT FROM r.score
        JOIN {checks.CAMPAIGNS} p USING (campaign_id)"""


def _history_sql(config: Config, month: str, new_products: list[str]) -> str:
    """Per product and touchpoint, over the `conversion_months` before M: of the customers
    reached on the touchpoint about the product, the share who bought it on that touchpoint.
    A new product (`all_products`) has no history of its own: it takes the touchpoint's over
    all products — of the (customer, product) pairs reached there, the share bought there."""
    start = month_start(month)
    months = config.plan.conversion_months
    window = f">= {start} - INTERVAL {months} MONTH AND {{0}} < {start}"
    # without a new product only the plan's products are read
    only = "" if new_products else f"AND product IN (SELECT product FROM {checks.CAMPAIGNS})"
    # each new product takes every touchpoint's figures over all products: the figures once per
    # touchpoint, then beside the new products, a literal list (a join with a table on no key
    # would be a nested loop on Spark)
    new = ""
    if new_products:
        names = ", ".join(f"({lit(p)})" for p in new_products)
        new = f"""
        UNION ALL
        SELECT n.product, a.touchpoint, a.reached_users, a.buyers, a.conversion, true
        FROM (SELECT touchpoint, count(*) AS reached_users, count(buyer) AS buyers,
                     count(buyer) / count(*) AS conversion
              FROM outcomes GROUP BY touchpoint) a
        CROSS JOIN (VALUES {names}) n(product)"""
    return f"""
        WITH reached AS (
            SELECT DISTINCT msisdn, product, touchpoint FROM contacts
            WHERE reached AND contact_time {window.format("contact_time")} {only}),
        bought AS (
            SELECT DISTINCT msisdn, product, channel FROM orders
            WHERE status = 'success' AND order_time {window.format("order_time")} {only}),
        outcomes AS (
            SELECT r.product, r.touchpoint, b.msisdn AS buyer
            FROM reached r
            LEFT JOIN bought b ON b.msisdn = r.msisdn AND b.product = r.product AND b.channel = r.touchpoint)
        SELECT product, touchpoint, count(*) AS reached_users, count(buyer) AS buyers,
               count(buyer) / count(*) AS conversion, false AS all_products
        FROM outcomes WHERE product IN (SELECT product FROM {checks.CAMPAIGNS} WHERE NOT new_product)
        GROUP BY product, touchpoint{new}"""


def _tiers_sql(config: Config, month: str) -> str:
    """The served customers' preference tiers on electronic channels, scored on the month before M."""
    from chanops.analysis.prefer import scores_sql

    scores = scores_sql(add_months(month, -1), config.prefer, config.channels, only=f"SELECT msisdn FROM {SERVED}")
    return f"SELECT msisdn, channel, tier FROM ({scores})"


def _result_sql(lang: str, config: Config) -> str:
    phrase = evidence.phrase
    name = evidence.touchpoint_name("touchpoint", lang, config.channels)
    separator = lit("、" if lang == "zh" else ", ")
    bought = {
        "rate": "printf('%.2f%%', coalesce(h.conversion, 0) * 100)",
        "touchpoint": evidence.touchpoint_name("a.touchpoint", lang, config.channels),
    }
    return f"""
        WITH lists AS (
            SELECT campaign_id, string_agg({name}, {separator} ORDER BY touchpoint) AS touchpoints
            FROM {assign.TOUCHPOINTS} GROUP BY campaign_id)
        SELECT k.campaign_id, k.product, k.priority, k.list_row, k.shown_msisdn AS msisdn, k.score, s.seq,
               CASE WHEN k.status IS NOT NULL THEN k.status
                    WHEN a.touchpoint IS NOT NULL THEN 'assigned' ELSE 'over_quota' END AS status,
               a.touchpoint, round(o.expected, 6) AS expected_conversion,
               CASE WHEN k.status IS NOT NULL THEN k.evidence
                    WHEN a.touchpoint IS NOT NULL THEN
                        CASE WHEN p.new_product THEN {phrase(lang, "bought_any", **bought)}
                             ELSE {phrase(lang, "bought", **bought)} END
                        || CASE WHEN o.tier IS NOT NULL
                                THEN {phrase(lang, "preference", tier=evidence.tier_word("o.tier", lang))} ELSE '' END
                    WHEN s.capped THEN {phrase(lang, "capped", cap="p.cap")}
                    ELSE {phrase(lang, "no_quota", touchpoints="l.touchpoints")} END AS evidence
        FROM {checks.CHECKED} k
        JOIN {checks.CAMPAIGNS} p USING (campaign_id)
        JOIN lists l USING (campaign_id)
        LEFT JOIN {SERVED} s USING (campaign_id, list_row)
        LEFT JOIN {assign.ASSIGNED} a ON a.seq = s.seq
        LEFT JOIN {assign.OPTIONS} o ON o.seq = s.seq AND o.touchpoint = a.touchpoint
        LEFT JOIN {HISTORY} h ON h.product = k.product AND h.touchpoint = a.touchpoint"""


def _summary_sql(quota_left: dict[str, int | None]) -> str:
    """Per campaign and touchpoint: the campaign's own assignments and expected conversions
    beside the touchpoint's quota before the plan, what the whole plan (every campaign) takes of
    it, and what is left after — so quota before − taken = after reads across each row, and a
    touchpoint shared by campaigns shows the same quota figures on each of their rows."""
    quotas = ", ".join(f"({lit(t)}, {'NULL' if q is None else q})" for t, q in quota_left.items())
    return f"""
        WITH quota(touchpoint, quota_before) AS (VALUES {quotas}),
        used AS (SELECT touchpoint, count(*) AS taken FROM {RESULT} WHERE status = 'assigned' GROUP BY ALL),
        per AS (SELECT campaign_id, touchpoint, count(*) AS assigned, sum(expected_conversion) AS expected
                FROM {RESULT} WHERE status = 'assigned' GROUP BY ALL)
        SELECT t.campaign_id, p.product, t.touchpoint, coalesce(per.assigned, 0) AS assigned,
               round(coalesce(per.expected, 0), 2) AS expected_conversions,
               q.quota_before AS touchpoint_quota_before, coalesce(u.taken, 0) AS touchpoint_assigned,
               q.quota_before - coalesce(u.taken, 0) AS touchpoint_quota_after
        FROM {assign.TOUCHPOINTS} t
        JOIN {checks.CAMPAIGNS} p USING (campaign_id)
        JOIN quota q USING (touchpoint)
        LEFT JOIN used u USING (touchpoint)
        LEFT JOIN per USING (campaign_id, touchpoint)
        ORDER BY p.priority, t.campaign_id, t.touchpoint"""


def _statuses_sql() -> str:
    counts = ", ".join(f"count(*) FILTER (WHERE status = {lit(s)}) AS {s}" for s in STATUSES)
    return f"""SELECT campaign_id, product, count(*) AS candidates, {counts}
               FROM {RESULT} GROUP BY campaign_id, product, priority ORDER BY priority, campaign_id"""


def write_out(con_or_engine, result: PlanResult, out: Path) -> list[Path]:
    """--out DIR: candidates, summary and statuses, and one dispatch file per touchpoint of the
    plan (header only when none was assigned there, so a team sees "nothing" rather than a
    missing file). Each is written to a temp name and renamed: never half a file. People open
    these in a spreadsheet, so text a spreadsheet would run as a formula (a list's cell, a
    plan's campaign id) is neutralized as in every file for people; the numbers stay whole,
    as the dispatch teams need them to call."""
    engine = as_engine(con_or_engine)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "candidates.csv": CANDIDATES_SQL,
        "summary.csv": _summary_sql(result.quota_left),
        "statuses.csv": _statuses_sql(),
    }
    for touchpoint in result.quota_left:
        files[f"dispatch_{touchpoint}.csv"] = dispatch_sql(touchpoint)
    written = []
    for name, query in files.items():
        target = out / name
        partial = out / f".{name}.partial"
        try:
            engine.write_csv(query, partial, neutralize=True)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
        written.append(target)
    return written
