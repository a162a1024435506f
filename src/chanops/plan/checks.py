"""The checks before an offer (SPEC §12), in their order — the first that applies decides:

1. invalid         the number cannot be read, or is not a customer active on the 1st of M;
2. already_has     a successful order of the product in the last `already_has_months`;
3. conflict        the customer holds (a successful order in the last `holding_months`)
                   a product that failed orders of this product named as conflict_product
                   in the last `conflict_months` — seed 000's 互斥, checked before the offer;
4. do_not_disturb  a complaint in the last `complaint_days`, or reached by any campaign in
                   the last `contact_days`;
5. duplicate       also a candidate of a campaign served earlier (priority, then higher
                   score, then campaign id): one customer, one offer.

Every window reaches back from the first day of M and takes in whatever of M is already
loaded, so a plan re-run in the middle of M sees this month's orders, complaints and
contacts too. One query, run by the engine; the survivors (status NULL) go on to
touchpoint assignment.
"""

from __future__ import annotations

from chanops.config import PlanConfig
from chanops.months import add_months
from chanops.plan.candidates import CANDIDATES
from chanops.sql import active_at, customer_state, month_first_day, month_start

CHECKED = "_plan_checked"
CAMPAIGNS = "_plan_campaigns"  # campaign_id, product, priority, cap
LISTED = "_plan_listed"  # msisdn


def listed_sql() -> str:
    """LISTED: each readable number of any list once, for the lookups below."""
    return f"SELECT DISTINCT msisdn FROM {CANDIDATES} WHERE msisdn IS NOT NULL"


def checks_sql(month: str, config: PlanConfig) -> str:
    """CHECKED: every candidate with its status (NULL: passed) and the evidence for it."""
    start, end = month_start(month), month_start(add_months(month, 1))
    day = month_first_day(month)

    def since(amount: int, unit: str) -> str:
        return f">= {start} - INTERVAL {amount} {unit} AND {{}} < {end}"

    def window(column: str, amount: int, unit: str) -> str:
        return f"{column} {since(amount, unit).format(column)}"

    listed = f"SELECT msisdn FROM {LISTED}"
    return f"""
        WITH cand AS (
            SELECT k.*, p.product, p.priority FROM {CANDIDATES} k JOIN {CAMPAIGNS} p USING (campaign_id)),
        active AS (
            SELECT DISTINCT msisdn FROM ({customer_state(day)}) WHERE {active_at(day)} AND msisdn IN ({listed})),
        ordered AS (
            SELECT msisdn, product, max(order_time) AS last_order FROM orders
            WHERE status = 'success' AND {window("order_time", config.already_has_months, "MONTH")}
              AND product IN (SELECT product FROM {CAMPAIGNS}) AND msisdn IN ({listed})
            GROUP BY ALL),
        pairs AS (
            SELECT product, conflict_product, count(*) AS failures FROM orders
            WHERE status = 'fail' AND conflict_product IS NOT NULL
              AND {window("order_time", config.conflict_months, "MONTH")}
              AND product IN (SELECT product FROM {CAMPAIGNS})
            GROUP BY ALL),
        held AS (
            SELECT DISTINCT msisdn, product AS held FROM orders
            WHERE status = 'success' AND {window("order_time", config.holding_months, "MONTH")}
              AND product IN (SELECT conflict_product FROM pairs) AND msisdn IN ({listed})),
        conflicts AS (
            SELECT h.msisdn, p.product, arg_max(p.conflict_product, (p.failures, p.conflict_product)) AS held,
                   max(p.failures) AS failures
            FROM held h JOIN pairs p ON p.conflict_product = h.held
            GROUP BY ALL),
        complained AS (
            SELECT msisdn, max(complaint_time) AS last_complaint FROM complaints
            WHERE {window("complaint_time", config.complaint_days, "DAY")} AND msisdn IN ({listed})
            GROUP BY ALL),
        contacted AS (
            SELECT msisdn, max(contact_time) AS last_reached FROM contacts
            WHERE reached AND {window("contact_time", config.contact_days, "DAY")} AND msisdn IN ({listed})
            GROUP BY ALL),
        judged AS (
            SELECT c.campaign_id, c.product, c.priority, c.list_row, c.msisdn, c.shown_msisdn, c.score,
                CASE WHEN c.problem IS NOT NULL OR a.msisdn IS NULL THEN 'invalid'
                     WHEN o.msisdn IS NOT NULL THEN 'already_has'
                     WHEN x.msisdn IS NOT NULL THEN 'conflict'
                     WHEN q.msisdn IS NOT NULL OR r.msisdn IS NOT NULL THEN 'do_not_disturb'
                END AS status,
                CASE WHEN c.problem IS NOT NULL THEN c.problem
                     WHEN a.msisdn IS NULL THEN 'not a customer active on ' || strftime({day}, '%Y-%m-%d')
                     WHEN o.msisdn IS NOT NULL
                         THEN 'ordered ' || c.product || ' on ' || strftime(o.last_order, '%Y-%m-%d')
                     WHEN x.msisdn IS NOT NULL
                         THEN 'holds ' || x.held || ', named in ' || CAST(x.failures AS VARCHAR) || ' failed '
                              || c.product || ' orders'
                     WHEN q.msisdn IS NOT NULL THEN 'complaint on ' || strftime(q.last_complaint, '%Y-%m-%d')
                     WHEN r.msisdn IS NOT NULL THEN 'reached on ' || strftime(r.last_reached, '%Y-%m-%d')
                END AS evidence
            FROM cand c
            LEFT JOIN active a ON a.msisdn = c.msisdn
            LEFT JOIN ordered o ON o.msisdn = c.msisdn AND o.product = c.product
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
               CASE WHEN offer > 1 THEN 'also a candidate of ' || kept_by || ', served first' END
        FROM served"""
