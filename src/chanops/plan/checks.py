"""The checks before an offer (SPEC §12), in their order — the first that applies decides:

1. invalid         the number cannot be read, or is not a customer active on the 1st of M;
2. already_has     the customer holds the product: a successful order of it in the last
                   `already_has_months`, a `valid` row of it for M−1, or an own failed order
                   in the last `conflict_months` naming it as conflict_product;
3. conflict        the customer holds a product that failed orders of this product named as
                   conflict_product in the last `conflict_months` — seed 000's 互斥, checked
                   before the offer;
4. do_not_disturb  a complaint in the last `complaint_days`, or reached by any campaign in
                   the last `contact_days`;
5. duplicate       also a candidate of a campaign served earlier (priority, then higher
                   score, then campaign id): one customer, one offer.

Holding a product (SPEC §12 decision) has three kinds of evidence, strongest first: a
successful order of it in the last `holding_months`; a `valid` row of it for M−1 (业务有效,
billing says it is in force); one of the customer's own failed orders in the last
`conflict_months` naming it as conflict_product — the BOSS's own word that the customer held
it, which is how a product bought years ago (no order in the window) is still caught.

Every window reaches back from the first day of M and takes in whatever of M is already
loaded, so a plan re-run in the middle of M sees this month's orders, complaints and
contacts too. One query, run by the engine; the survivors (status NULL) go on to
touchpoint assignment.
"""

from __future__ import annotations

from chanops.config import PlanConfig
from chanops.months import add_months
from chanops.plan import evidence
from chanops.plan.candidates import CANDIDATES
from chanops.plan.evidence import day, phrase
from chanops.sql import active_at, customer_state, lit, month_first_day, month_start

CHECKED = "_plan_checked"
CAMPAIGNS = "_plan_campaigns"  # campaign_id, product, priority, cap, new_product
LISTED = "_plan_listed"  # msisdn
# kinds of evidence that a customer holds a product, strongest first
BY_ORDER, BY_VALID, BY_FAILURE = "order", "valid", "failure_log"


def listed_sql() -> str:
    """LISTED: each readable number of any list once, for the lookups below."""
    return f"SELECT DISTINCT msisdn FROM {CANDIDATES} WHERE msisdn IS NOT NULL"


def checks_sql(month: str, config: PlanConfig, lang: str = "en") -> str:
    """CHECKED: every candidate with its status (NULL: passed) and the evidence for it, in `lang`."""
    start, end = month_start(month), month_start(add_months(month, 1))
    first_day = month_first_day(month)
    # the orders read serve both windows: already_has's and holding's
    order_window = max(config.holding_months, config.already_has_months)

    def since(column: str, amount: int, unit: str) -> str:
        return f"{column} >= {start} - INTERVAL {amount} {unit} AND {column} < {end}"

    listed = f"SELECT msisdn FROM {LISTED}"

    def held_how(h: str) -> str:
        """How customer row `h` of `holdings` holds its product, as the evidence says it."""
        return f"""CASE {h}.source
            WHEN '{BY_ORDER}' THEN {phrase(lang, "held_by_order", day=day(f"{h}.seen"))}
            WHEN '{BY_VALID}' THEN {phrase(lang, "held_by_valid", month=f"{h}.valid_month")}
            ELSE {phrase(lang, "held_by_failure", day=day(f"{h}.seen"), failed=f"{h}.failed_product")} END"""

    def strongest(order_months: int) -> str:
        """Per customer and product, the strongest evidence of `holdings` that counts an order
        only within `order_months`."""
        return f"""
            SELECT * FROM (
                SELECT *, row_number() OVER (PARTITION BY msisdn, product ORDER BY strength) AS pick
                FROM holdings
                WHERE source <> '{BY_ORDER}' OR seen >= {start} - INTERVAL {order_months} MONTH)
            WHERE pick = 1"""

    # the evidence of each status, over the candidate (c) and what the lookups below found for
    # it: o (owned), x (conflicts), q (complained), r (contacted)
    says = {
        "unreadable": evidence.unreadable("c.problem_column", "c.problem", lang),
        "not_active": phrase(lang, "not_active", day=f"strftime({first_day}, '%Y-%m-%d')"),
        "ordered": phrase(lang, "ordered", product="c.product", day=day("o.seen")),
        "valid": phrase(lang, "valid", product="c.product", month="o.valid_month"),
        "failure_log": phrase(lang, "failure_log", failed="o.failed_product", day=day("o.seen"), product="c.product"),
        "conflict": phrase(
            lang, "conflict", held="x.held", how=held_how("x"), failures="x.failures", product="c.product"
        ),
        "complaint": phrase(lang, "complaint", day=day("q.last_complaint")),
        "reached": phrase(lang, "reached", day=day("r.last_reached")),
    }
    return f"""
        WITH cand AS (
            SELECT k.*, p.product, p.priority FROM {CANDIDATES} k JOIN {CAMPAIGNS} p USING (campaign_id)),
        active AS (
            SELECT DISTINCT msisdn FROM ({customer_state(first_day)})
            WHERE {active_at(first_day)} AND msisdn IN ({listed})),
        pairs AS (
            SELECT product, conflict_product, count(*) AS failures FROM orders
            WHERE status = 'fail' AND conflict_product IS NOT NULL
              AND {since("order_time", config.conflict_months, "MONTH")}
              AND product IN (SELECT product FROM {CAMPAIGNS})
            GROUP BY ALL),
        -- what the listed customers hold of the products that matter here (the campaigns' own,
        -- for already_has, and the ones their failures name, for conflict), one row per kind of
        -- evidence: `seen` is the latest order (successful, or the failed one naming it)
        holdings AS (
            SELECT msisdn, product, '{BY_ORDER}' AS source, 1 AS strength, max(order_time) AS seen,
                   CAST(NULL AS VARCHAR) AS valid_month, CAST(NULL AS VARCHAR) AS failed_product
            FROM orders
            WHERE status = 'success' AND {since("order_time", order_window, "MONTH")} AND msisdn IN ({listed})
              AND (product IN (SELECT product FROM {CAMPAIGNS}) OR product IN (SELECT conflict_product FROM pairs))
            GROUP BY msisdn, product
            UNION ALL
            SELECT DISTINCT msisdn, product, '{BY_VALID}', 2, CAST(NULL AS TIMESTAMP), month, CAST(NULL AS VARCHAR)
            FROM valid
            WHERE month = {lit(add_months(month, -1))} AND msisdn IN ({listed})
              AND (product IN (SELECT product FROM {CAMPAIGNS}) OR product IN (SELECT conflict_product FROM pairs))
            UNION ALL
            SELECT msisdn, conflict_product, '{BY_FAILURE}', 3, max(order_time), CAST(NULL AS VARCHAR),
                   arg_max(product, (order_time, product))
            FROM orders
            WHERE status = 'fail' AND conflict_product IS NOT NULL
              AND {since("order_time", config.conflict_months, "MONTH")} AND msisdn IN ({listed})
            GROUP BY msisdn, conflict_product),
        -- the strongest evidence per customer and product, for each check's own order window
        owned AS ({strongest(config.already_has_months)}),
        held AS ({strongest(config.holding_months)}),
        -- per customer and campaign product, the held product its failures name most often
        conflicts AS (
            SELECT * FROM (
                SELECT h.msisdn, p.product, h.product AS held, p.failures, h.source, h.seen, h.valid_month,
                       h.failed_product,
                       row_number() OVER (PARTITION BY h.msisdn, p.product
                                          ORDER BY p.failures DESC, h.product DESC) AS pick
                FROM held h JOIN pairs p ON p.conflict_product = h.product)
            WHERE pick = 1),
        complained AS (
            SELECT msisdn, max(complaint_time) AS last_complaint FROM complaints
            WHERE {since("complaint_time", config.complaint_days, "DAY")} AND msisdn IN ({listed})
            GROUP BY ALL),
        contacted AS (
            SELECT msisdn, max(contact_time) AS last_reached FROM contacts
            WHERE reached AND {since("contact_time", config.contact_days, "DAY")} AND msisdn IN ({listed})
            GROUP BY ALL),
        judged AS (
            SELECT c.campaign_id, c.product, c.priority, c.list_row, c.msisdn, c.shown_msisdn, c.score,
                CASE WHEN c.problem IS NOT NULL OR a.msisdn IS NULL THEN 'invalid'
                     WHEN o.msisdn IS NOT NULL THEN 'already_has'
                     WHEN x.msisdn IS NOT NULL THEN 'conflict'
                     WHEN q.msisdn IS NOT NULL OR r.msisdn IS NOT NULL THEN 'do_not_disturb'
                END AS status,
                CASE WHEN c.problem IS NOT NULL THEN {says["unreadable"]}
                     WHEN a.msisdn IS NULL THEN {says["not_active"]}
                     WHEN o.source = '{BY_ORDER}' THEN {says["ordered"]}
                     WHEN o.source = '{BY_VALID}' THEN {says["valid"]}
                     WHEN o.msisdn IS NOT NULL THEN {says["failure_log"]}
                     WHEN x.msisdn IS NOT NULL THEN {says["conflict"]}
                     WHEN q.msisdn IS NOT NULL THEN {says["complaint"]}
                     WHEN r.msisdn IS NOT NULL THEN {says["reached"]}
                END AS evidence
            FROM cand c
            LEFT JOIN active a ON a.msisdn = c.msisdn
            LEFT JOIN owned o ON o.msisdn = c.msisdn AND o.product = c.product
            LEFT JOIN conflicts x ON x.msisdn = c.msisdn AND x.product = c.product
            LEFT JOIN complained q ON q.msisdn = c.msisdn
            LEFT JOIN contacted r ON r.msisdn = c.msisdn),
        served AS (
            SELECT *, row_number() OVER w AS offer, first_value(campaign_id) OVER w AS kept_by
            FROM judged WHERE status IS NULL
            WINDOW w AS (PARTITION BY msisdn ORDER BY priority, score DESC NULLS LAST, campaign_id, list_row))
        SELECT campaign_id, product, priority, list_row, msisdn, shown_msisdn, score, status, evidence
        FROM judged WHERE status IS NOT NULL
        UNION ALL
        SELECT campaign_id, product, priority, list_row, msisdn, shown_msisdn, score,
               CASE WHEN offer > 1 THEN 'duplicate' END,
               CASE WHEN offer > 1 THEN {phrase(lang, "duplicate", campaign="kept_by")} END
        FROM served"""
