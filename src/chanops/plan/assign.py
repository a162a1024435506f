"""Touchpoints for the candidates that passed the checks (SPEC §12 step 6).

Candidates are served in order — priority, then higher score, then msisdn — and each takes,
among its campaign's touchpoints that still have quota, the one with the highest expected
conversion for that customer (ties by touchpoint code). A campaign's `cap` limits how many
of its candidates are served at all: its candidates share its touchpoints, so once one finds
them all full, every later one does too, and "the first `cap` served" is "the first `cap`
assigned".

Served one by one this is a loop over candidates; here it is a few statements over all of
them. A touchpoint closes at the candidate who takes its last unit of quota. Start with
every touchpoint open; let every candidate pick its best touchpoint still open at its
turn; from those picks find where each touchpoint closes; repeat until nothing moves.
Closing positions only move earlier from one round to the next, and the touchpoint that
closes first is settled after the first round, the next one after the second, and so on —
so there are at most as many rounds as touchpoints, and the result is exactly the one-by-
one assignment (the tests compare the two).
"""

from __future__ import annotations

from collections.abc import Mapping

from chanops.engines import Engine
from chanops.sql import lit

OPTIONS = "_plan_options"  # seq, touchpoint, expected, tier, choice (1 = best for this candidate)
ASSIGNED = "_plan_assigned"  # seq, touchpoint
TOUCHPOINTS = "_plan_touchpoints"  # campaign_id, touchpoint
OPEN = 2**62  # a touchpoint without a quota never closes


def assign(engine: Engine, quota_left: Mapping[str, int | None]) -> int:
    """Fill ASSIGNED (seq, touchpoint) for every candidate in OPTIONS that gets a touchpoint;
    `quota_left[t]` is None when t has no quota. Returns the rounds it took."""
    touchpoints = engine.table(f"SELECT DISTINCT touchpoint FROM {OPTIONS}").column(0).to_pylist()
    quotas = {t: q for t in touchpoints if (q := quota_left.get(t)) is not None}
    closes = {t: 0 if t in quotas and quotas[t] <= 0 else OPEN for t in touchpoints}
    limits = {t: q for t, q in quotas.items() if q > 0}
    rounds = 0
    while True:
        rounds += 1
        # closing positions only move earlier, one touchpoint settling per round at least
        assert rounds <= len(touchpoints) + 2, "touchpoint assignment did not settle"
        moved = {t: at for t, at in _closing_positions(engine, closes, limits).items() if closes[t] != at}
        if not moved:
            break
        closes.update(moved)
    engine.materialize(ASSIGNED, _picks_sql(closes))
    return rounds


def _closing_positions(engine: Engine, closes: Mapping[str, int], limits: Mapping[str, int]) -> dict[str, int]:
    """Where each limited touchpoint closes given everyone's picks under `closes`: the turn of
    the candidate taking its last unit of quota (OPEN when its quota is not used up)."""
    found = dict.fromkeys(limits, OPEN)
    if limits:
        limit_rows = ", ".join(f"({lit(t)}, {n})" for t, n in limits.items())
        closing = engine.table(f"""
            SELECT touchpoint, seq FROM (
                SELECT p.touchpoint, p.seq, l.quota,
                       row_number() OVER (PARTITION BY p.touchpoint ORDER BY p.seq) AS n
                FROM ({_picks_sql(closes)}) p JOIN (VALUES {limit_rows}) l(touchpoint, quota) USING (touchpoint))
            WHERE n = quota""")
        found.update(zip(closing.column("touchpoint").to_pylist(), closing.column("seq").to_pylist(), strict=True))
    return found


def _picks_sql(closes: Mapping[str, int]) -> str:
    """Each candidate's best touchpoint among those still open at its turn."""
    rows = ", ".join(f"({lit(t)}, {at})" for t, at in closes.items()) or "(NULL, 0)"
    return f"""
        SELECT o.seq, arg_min(o.touchpoint, o.choice) AS touchpoint
        FROM {OPTIONS} o JOIN (VALUES {rows}) c(touchpoint, closes_at) USING (touchpoint)
        WHERE o.seq <= c.closes_at
        GROUP BY o.seq"""


def options_sql(served: str, history: str, tiers: str, weights: Mapping[str, float], electronic: list[str]) -> str:
    """OPTIONS, as a query, from three queries (never bare table names: only a subquery goes in
    parentheses in a FROM slot): the served candidates (seq, campaign_id, msisdn, product), each allowed
    touchpoint's conversion history (product, touchpoint, conversion) and the customers'
    preference tiers (msisdn, channel, tier): expected = history × the tier's weight on an
    electronic touchpoint (the `none` weight when the customer has no score there)."""
    weight = (
        "CASE t.tier "
        + " ".join(f"WHEN {lit(tier)} THEN {w}" for tier, w in weights.items() if tier != "none")
        + f" ELSE {weights['none']} END"
    )
    is_electronic = f"a.touchpoint IN ({', '.join(lit(c) for c in electronic)})" if electronic else "false"
    return f"""
        SELECT seq, touchpoint, expected, tier,
               row_number() OVER (PARTITION BY seq ORDER BY expected DESC, touchpoint) AS choice
        FROM (
            SELECT s.seq, a.touchpoint, t.tier,
                   coalesce(h.conversion, 0) * CASE WHEN {is_electronic} THEN {weight} ELSE 1 END AS expected
            FROM ({served}) s
            JOIN {TOUCHPOINTS} a USING (campaign_id)
            LEFT JOIN ({history}) h ON h.product = s.product AND h.touchpoint = a.touchpoint
            LEFT JOIN ({tiers}) t ON t.msisdn = s.msisdn AND t.channel = a.touchpoint)"""
