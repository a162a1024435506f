"""Each kind's grain, enforced on content (SPEC §2.1): generated keys made from values,
duplicates against the warehouse and within the file, the partitions `--replace`
replaces and overlapping rules (the customer snapshot's history: ingest/snapshot.py).

All of it works on a staged table (ingest/staging.py) whose good rows have
`_bad_reason IS NULL`; marking a row bad sets the three `_bad_*` columns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from chanops.engines import first_row, only_row
from chanops.errors import LoadRejected
from chanops.schema import Kind
from chanops.sql import ident, lit

GOOD = "_bad_reason IS NULL"
# A phone number inside a message: 138****0001, as output.py masks them for people.
PHONE_IN_TEXT = re.compile(r"(1[3-9][0-9])[0-9]{4}([0-9]{4})")


def key_name(k: Kind) -> str:
    return "+".join(k.key)


def key_text(k: Kind, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    if len(k.key) == 1:
        return f"CAST({a}{ident(k.key[0])} AS VARCHAR)"
    return "concat_ws('|', " + ", ".join(f"{a}{ident(c)}" for c in k.key) + ")"


def _mark(stage: str, k: Kind, reason: str, where: str) -> str:
    return (
        f"UPDATE {stage} SET _bad_column = {lit(key_name(k))}, _bad_value = {key_text(k)}, "
        f"_bad_reason = {reason} WHERE {GOOD} AND {where}"
    )


def generated_key_sql(k: Kind) -> str:
    """Entries without entry_id get one made from (entry_time, staff_id, msisdn, product): the
    same claim re-sent with other line ends, column order or file name gets the same id."""
    parts = ", ".join(
        f"strftime({c}, '%Y-%m-%d %H:%M:%S')" if k.column(c).type == "ts" else ident(c) for c in k.key_from
    )
    return f"'G' || left(md5(concat_ws('|', {parts})), 20)"


def fill_generated_key(con: duckdb.DuckDBPyConnection, k: Kind, stage: str) -> None:
    if not k.key_from:
        return
    [key] = k.key
    con.execute(f"UPDATE {stage} SET {key} = {generated_key_sql(k)} WHERE {key} IS NULL")


def same_key(k: Kind, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{ident(c)} IS NOT DISTINCT FROM {right}.{ident(c)}" for c in k.key)


def already_loaded(k: Kind, table: str, but_load: int | None = None) -> str:
    """Condition on rows of `table`: the key is in the kind's table (leaving out load `but_load`,
    whose own rows are being checked)."""
    others = f"t._load_id NOT IN ({but_load}, {-but_load})" if but_load else ""
    if len(k.key) == 1:
        [key] = k.key
        return f"{key} IN (SELECT {key} FROM {k.name} t{' WHERE ' + others if others else ''})"
    return f"EXISTS (SELECT 1 FROM {k.name} t WHERE {same_key(k, 't', table)}{' AND ' + others if others else ''})"


def _repeated_keys(con: duckdb.DuckDBPyConnection, k: Kind, table: str, rows: str) -> int:
    """How many keys occur more than once among `rows` of `table` (NULL parts compare equal)."""
    keys = ", ".join(ident(c) for c in k.key)
    return only_row(
        con, f"SELECT count(*) FROM (SELECT {keys} FROM {table} WHERE {rows} GROUP BY ALL HAVING count(*) > 1)"
    )[0]


def repeated_in_load(con: duckdb.DuckDBPyConnection, k: Kind, load_id: int) -> bool:
    return bool(_repeated_keys(con, k, k.name, f"_load_id = {load_id}"))


def loaded_before(con: duckdb.DuckDBPyConnection, k: Kind, load_id: int) -> bool:
    """Does a row of load `load_id` have a key some other load already brought?"""
    condition = already_loaded(k, k.name, but_load=load_id)
    return bool(only_row(con, f"SELECT count(*) FROM {k.name} WHERE _load_id = {load_id} AND {condition}")[0])


@dataclass(frozen=True)
class Correction:
    """Rows of a file whose keys are loaded with other values: how many, and the first one."""

    rows: int
    key: str
    column: str
    loaded: str | None
    given: str | None

    def refusal(self, path: object, k: Kind) -> LoadRejected:
        """SPEC §2.1: a correction is never dropped quietly — refused in one line naming --replace."""
        example = f"{key_name(k)} {self.key}: {self.column} is {self.loaded or '(empty)'} in the warehouse, " + (
            f"{self.given or '(empty)'} in the file"
        )
        return LoadRejected(
            _masked(
                f"{path}: {self.rows:,} row(s) hold keys already loaded with other values (e.g. {example}); "
                "nothing loaded — to apply the correction, load it with --replace (replaces the months it covers)"
            )
        )


def _masked(text: str) -> str:
    return PHONE_IN_TEXT.sub(r"\1****\2", text)


def find_correction(con: duckdb.DuckDBPyConnection, k: Kind, stage: str) -> Correction | None:
    """Good rows of `stage` whose key is already loaded with another value in some column (a
    corrected revenue, a changed status): their count and the first in file order, with the
    first column that differs. Event and monthly kinds only (rules and customers have their
    own rules)."""
    if k.mode not in ("event", "monthly"):
        return None
    differs = [f"s.{ident(c.name)} IS DISTINCT FROM t.{ident(c.name)}" for c in k.columns if c.name not in k.key]
    if not differs:
        return None
    column = " ".join(f"WHEN {d} THEN {lit(c.name)}" for d, c in zip(differs, _non_key(k), strict=True))
    loaded = " ".join(
        f"WHEN {d} THEN CAST(t.{ident(c.name)} AS VARCHAR)" for d, c in zip(differs, _non_key(k), strict=True)
    )
    given = " ".join(
        f"WHEN {d} THEN CAST(s.{ident(c.name)} AS VARCHAR)" for d, c in zip(differs, _non_key(k), strict=True)
    )
    row = first_row(
        con,
        f"""SELECT count(*) OVER (), {key_text(k, "s")}, CASE {column} END, CASE {loaded} END, CASE {given} END
            FROM {stage} s JOIN {k.name} t ON {same_key(k, "t", "s")}
            WHERE s.{GOOD} AND ({" OR ".join(differs)})
            ORDER BY s._record LIMIT 1""",
    )
    return Correction(int(row[0]), *row[1:]) if row else None


def _non_key(k: Kind) -> list:
    return [c for c in k.columns if c.name not in k.key]


def mark_duplicates(con: duckdb.DuckDBPyConnection, k: Kind, stage: str) -> None:
    """Keys already in the warehouse, or seen earlier in this file, are rejected as duplicates:
    the first occurrence in the file is kept, by the reader's record number `_record` (never
    rowid: a parallel insert does not keep file order). (A snapshot kind's re-sent customer is
    judged by snapshot_merge instead.)"""
    if k.mode != "snapshot":
        con.execute(_mark(stage, k, lit(f"duplicate {key_name(k)} (already loaded)"), already_loaded(k, stage)))
    # The cheap GROUP BY tells whether the window below is needed at all.
    if _repeated_keys(con, k, stage, GOOD):
        keys = ", ".join(ident(c) for c in k.key)
        con.execute(
            _mark(
                stage,
                k,
                lit(f"duplicate {key_name(k)} (repeated in file)"),
                f"""_record IN (SELECT rid FROM (
                        SELECT _record AS rid, row_number() OVER (PARTITION BY {keys} ORDER BY _record) AS n
                        FROM {stage} WHERE {GOOD}) WHERE n > 1)""",
            )
        )


def mark_overlapping_rules(con: duckdb.DuckDBPyConnection, stage: str) -> None:
    """Two rules for one product may not be in force in the same month (points need exactly one
    rule per product and month). A rule overlapping one already loaded, or an earlier line of
    the same file, is rejected."""
    overlaps = (
        "{a}.product = {b}.product AND {a}.valid_from <= coalesce({b}.valid_to, '9999-12') "
        "AND coalesce({a}.valid_to, '9999-12') >= {b}.valid_from"
    )
    con.execute(
        f"""UPDATE {stage} SET _bad_column = 'valid_from', _bad_value = valid_from,
               _bad_reason = 'validity overlaps another rule for ' || product
            WHERE {GOOD} AND (
                EXISTS (SELECT 1 FROM rules r WHERE {overlaps.format(a="r", b=stage)})
                OR EXISTS (SELECT 1 FROM {stage} e WHERE e._record < {stage}._record AND e._bad_reason IS NULL
                           AND {overlaps.format(a="e", b=stage)}))"""
    )


def _partition_sql(k: Kind) -> str:
    """What `--replace` replaces: months (event, monthly), products (rules), customers (snapshot)."""
    if k.mode == "reference":
        return "product"
    if k.mode == "snapshot":
        return "msisdn"
    return k.month_sql


def replace_partitions(
    con: duckdb.DuckDBPyConnection, k: Kind, stage: str, keep_loads: Sequence[int] = ()
) -> list[tuple[str, int]]:
    """Delete the kind's rows in the partitions the staged good rows cover; (partition, rows
    deleted) per partition — for customers one line with how many customers were replaced.
    Rows of `keep_loads` (the same command's earlier files: a month sent in two parts) stay:
    the command's files together replace what they cover, once."""
    part = _partition_sql(k)
    covered = f"SELECT DISTINCT {part} FROM {stage} WHERE {GOOD}"
    earlier = f" AND _load_id NOT IN ({', '.join(str(n) for n in keep_loads)})" if keep_loads else ""
    if k.mode == "snapshot":
        where = f"msisdn IN ({covered}){earlier}"
        replaced = only_row(con, f"SELECT count(DISTINCT msisdn) FROM {k.name} WHERE {where}")[0]
        con.execute(f"DELETE FROM {k.name} WHERE {where}")
        return [("customers", int(replaced))] if replaced else []
    rows = con.execute(
        f"SELECT {part} AS p, count(*) FROM {k.name} WHERE {part} IN ({covered}){earlier} GROUP BY p ORDER BY p"
    ).fetchall()
    if rows:
        con.execute(f"DELETE FROM {k.name} WHERE {part} IN ({covered}){earlier}")
    return [(str(p), int(n)) for p, n in rows]
