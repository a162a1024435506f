"""The customer snapshot merged into the history of states (SPEC §2.1), as SQL both loaders
run — DuckDB over its tables, Spark through `to_spark_sql` over the lake's.

Every state of a customer keeps the as-of dates of the snapshots that showed it (`_seen`),
so a snapshot loaded late goes into the history at its place: the history of a customer
is their observations in date order, a state in force from the first snapshot that showed
it (the first state: from the beginning) until the first that showed another.

Each customer of the file is judged against their state in force on the as-of day: none
at all is new (one state, in force from the beginning); the same state is unchanged (now
also seen that day — not a reject); another state is changed: the customer's observations,
with this one in its place (replacing one of the same day), are folded again into states.
So an older snapshot loaded late changes only the past: the state in force now is still
the newest snapshot's. `merged_states_sql` gives every state of the file's customers after
the merge; a loader swaps those customers' states for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from chanops.ingest.rules import GOOD, Stage
from chanops.schema import Kind
from chanops.sql import ident, in_force, lit

HISTORY_COLUMNS = ("_load_id", "_valid_from", "_valid_to", "_seen")


def day_sql(as_of: date) -> str:
    return f"DATE {lit(as_of.isoformat())}"


def _names(k: Kind, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return ", ".join(f"{a}{ident(c.name)}" for c in k.columns)


def verdicts_sql(k: Kind, stage: Stage, existing: str, as_of: date) -> str:
    """SELECT msisdn, verdict ('new', 'changed', 'unchanged') for each good staged customer."""
    day = day_sql(as_of)
    same = " AND ".join(f"c.{ident(col.name)} IS NOT DISTINCT FROM s.{ident(col.name)}" for col in k.columns)
    return f"""SELECT s.msisdn,
                      CASE WHEN c.msisdn IS NOT NULL AND {same} THEN 'unchanged'
                           WHEN known.msisdn IS NULL THEN 'new' ELSE 'changed' END AS verdict
               FROM {stage.name} s
               LEFT JOIN {existing} c ON c.msisdn = s.msisdn AND {in_force(day, "c")}
               LEFT JOIN (SELECT DISTINCT msisdn FROM {existing}) known ON known.msisdn = s.msisdn
               WHERE s.{GOOD}"""


def verdict_counts_sql(verdicts: str) -> str:
    return f"SELECT verdict, count(*) FROM {verdicts} GROUP BY verdict"


def verdict_counts(rows: Iterable[tuple]) -> tuple[int, int, int]:
    """(new, changed, unchanged) from the rows of verdict_counts_sql."""
    counts = {verdict: int(n) for verdict, n in rows}
    return counts.get("new", 0), counts.get("changed", 0), counts.get("unchanged", 0)


def merged_states_sql(k: Kind, stage: Stage, existing: str, verdicts: str, load_id: int, as_of: date) -> str:
    """SELECT every state of the file's customers after merging the snapshot as of `as_of`
    (columns: the kind's, then _load_id, _valid_from, _valid_to, _seen).

    A state's `_load_id` is the load that first showed it, among loads before this one when
    any did: an unchanged customer, or one whose late snapshot joins a state shown later,
    keeps the load that wrote the state (so that load's file still counts as loaded)."""
    day = day_sql(as_of)
    load = f"CAST({load_id} AS BIGINT)"

    def of(verdict: str, alias: str) -> str:
        return f"JOIN {verdicts} v ON v.msisdn = {alias}.msisdn AND v.verdict = {lit(verdict)}"

    unchanged = f"""
        SELECT {_names(k, "e")}, e._load_id, e._valid_from, e._valid_to,
               CASE WHEN {in_force(day, "e")} THEN list_sort(list_distinct(list_append(e._seen, {day})))
                    ELSE e._seen END AS _seen
        FROM {existing} e {of("unchanged", "e")}"""
    new = f"""
        SELECT {_names(k, "s")}, {load}, CAST(NULL AS DATE), CAST(NULL AS DATE), [{day}]
        FROM {stage.name} s {of("new", "s")} WHERE s.{GOOD}"""
    other = " OR ".join(f"{ident(c.name)} IS DISTINCT FROM lag({ident(c.name)}) OVER w" for c in k.columns)
    names = _names(k)
    changed = f"""
        SELECT {names}, first_load, CASE WHEN state > 1 THEN since END,
               lead(since) OVER (PARTITION BY msisdn ORDER BY since), seen_dates
        FROM (
            SELECT {names}, state, min(seen) AS since, list_sort(list(seen)) AS seen_dates,
                   arg_min(_load_id, CASE WHEN fresh THEN DATE '9999-12-31' ELSE seen END) AS first_load
            FROM (
                SELECT *, sum(starts) OVER (PARTITION BY msisdn ORDER BY seen ROWS UNBOUNDED PRECEDING) AS state
                FROM (SELECT *, CASE WHEN {other} THEN 1 ELSE 0 END AS starts
                      FROM (
                          SELECT * FROM (SELECT {_names(k, "e")}, e._load_id, unnest(e._seen) AS seen, false AS fresh
                                         FROM {existing} e {of("changed", "e")}) earlier
                          WHERE seen <> {day}
                          UNION ALL
                          SELECT {_names(k, "s")}, {load}, {day}, true
                          FROM {stage.name} s {of("changed", "s")} WHERE s.{GOOD}
                      ) observations
                      WINDOW w AS (PARTITION BY msisdn ORDER BY seen)) starts
            ) numbered
            GROUP BY {names}, state
        ) states"""
    return f"{unchanged}\nUNION ALL{new}\nUNION ALL{changed}"
