"""Each kind's grain (SPEC §2.1), written once as SQL both loaders run: keys already loaded
or repeated in the file, corrections, overlapping rules, what `--replace` replaces and
when a file counts as already loaded (the customer snapshot's history: ingest/history.py).

The text is DuckDB SQL; the Spark loader runs the same text through `to_spark_sql`. Each
rule reads a staged file (a `Stage`: normalized columns, the file-order column and
`_bad_column`, `_bad_value`, `_bad_code`, `_bad_reason`, all NULL on a good row) and the
kind's rows as the load leaves them so far (`existing`: the DuckDB table after --replace
deleted what the file covers; the Spark loader's view of lake plus staged rows without
them). A rule that rejects rows is a `Mark`; the DuckDB loader applies it with an UPDATE
of its stage, the Spark loader by staging a SELECT again (ingest/keys.py, lake/load.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chanops.errors import LoadRejected
from chanops.schema import Kind
from chanops.sql import ident, lit

GOOD = "_bad_reason IS NULL"
BAD_COLUMNS = ("_bad_column", "_bad_value", "_bad_code", "_bad_reason")
# A phone number inside a message: 138****0001, as output.py masks them for people.
PHONE_IN_TEXT = re.compile(r"(1[3-9][0-9])[0-9]{4}([0-9]{4})")


@dataclass(frozen=True)
class Stage:
    """A staged file: table or view `name`, in file order by column `order` (DuckDB: the
    reader's record number; Spark: the physical line — a parallel engine keeps no row order)."""

    name: str
    order: str


@dataclass(frozen=True)
class Mark:
    """Good staged rows to reject: `hits` SELECTs their `order` values; `code` is the reject
    code, and `reason`, `column`, `value` are SQL expressions over the staged row (plain
    column names, no table alias)."""

    hits: str
    code: str
    reason: str
    column: str
    value: str


# ── keys ──────────────────────────────────────────────────────────────────────────────────
def key_name(k: Kind) -> str:
    return "+".join(k.key)


def key_text(k: Kind, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    if len(k.key) == 1:
        return f"CAST({a}{ident(k.key[0])} AS VARCHAR)"
    return "concat_ws('|', " + ", ".join(f"{a}{ident(c)}" for c in k.key) + ")"


def same_key(k: Kind, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{ident(c)} IS NOT DISTINCT FROM {right}.{ident(c)}" for c in k.key)


def key_loaded(k: Kind, alias: str, existing: str) -> str:
    """Condition on row `alias`: its key is among the rows of `existing` (NULL parts of a
    composite key compare equal; a single key is never NULL on a good row)."""
    if len(k.key) == 1:
        key = ident(k.key[0])
        return f"{alias}.{key} IN (SELECT {key} FROM {existing})"
    return f"EXISTS (SELECT 1 FROM {existing} t WHERE {same_key(k, 't', alias)})"


def generated_key_sql(k: Kind) -> str:
    """Entries without entry_id get one made from (entry_time, staff_id, msisdn, product): the
    same claim re-sent with other line ends, column order or file name gets the same id."""
    parts = ", ".join(
        f"strftime({c}, '%Y-%m-%d %H:%M:%S')" if k.column(c).type == "ts" else ident(c) for c in k.key_from
    )
    return f"'G' || left(md5(concat_ws('|', {parts})), 20)"


# ── rows rejected for the grain ───────────────────────────────────────────────────────────
def _duplicate(k: Kind, hits: str, code: str, why: str) -> Mark:
    """A duplicate of key `k`: blames the key, shows its value."""
    return Mark(hits, code, lit(f"duplicate {key_name(k)} ({why})"), lit(key_name(k)), key_text(k))


def already_loaded(k: Kind, stage: Stage, existing: str) -> Mark:
    """A good row whose key is already loaded is a duplicate (an identical one: a correction
    is refused before, see correction_sql)."""
    hits = f"SELECT s.{stage.order} FROM {stage.name} s WHERE s.{GOOD} AND {key_loaded(k, 's', existing)}"
    return _duplicate(k, hits, "duplicate_loaded", "already loaded")


def repeated_in_file(k: Kind, stage: Stage, existing: str) -> Mark:
    """A good row whose key an earlier good row of the file holds is a duplicate: the first
    occurrence in file order is kept."""
    keys = ", ".join(ident(c) for c in k.key)
    numbered = (
        f"SELECT {stage.order}, row_number() OVER (PARTITION BY {keys} ORDER BY {stage.order}) AS n "
        f"FROM {stage.name} WHERE {GOOD}"
    )
    hits = f"SELECT {stage.order} FROM ({numbered}) numbered WHERE n > 1"
    return _duplicate(k, hits, "duplicate_in_file", "repeated in file")


def overlapping_rules(k: Kind, stage: Stage, existing: str) -> Mark:
    """Two rules for one product may not be in force in the same month (points need exactly
    one rule per product and month): a rule overlapping one already loaded, or an earlier
    good line of the same file, is rejected."""
    overlaps = (
        "{a}.product = {b}.product AND {a}.valid_from <= coalesce({b}.valid_to, '9999-12') "
        "AND coalesce({a}.valid_to, '9999-12') >= {b}.valid_from"
    )
    order = stage.order
    hits = f"""
        SELECT s.{order} FROM {stage.name} s JOIN {existing} r ON {overlaps.format(a="r", b="s")} WHERE s.{GOOD}
        UNION
        SELECT s.{order} FROM {stage.name} s JOIN {stage.name} e
          ON e.{order} < s.{order} AND e.{GOOD} AND {overlaps.format(a="e", b="s")}
        WHERE s.{GOOD}"""
    return Mark(
        hits=hits,
        code="overlapping_rule",
        reason="'validity overlaps another rule for ' || product",
        column="'valid_from'",
        value="valid_from",
    )


def grain_marks(k: Kind) -> list[Callable[[Kind, Stage, str], Mark]]:
    """The marks of kind `k`, applied one after the other (each sees the rows the one before
    left good). A snapshot's re-sent customer is judged by ingest/history.py instead."""
    marks: list[Callable[[Kind, Stage, str], Mark]] = []
    if k.mode != "snapshot":
        marks.append(already_loaded)
    marks.append(repeated_in_file)
    if k.mode == "reference":
        marks.append(overlapping_rules)
    return marks


# ── corrections ───────────────────────────────────────────────────────────────────────────
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
            PHONE_IN_TEXT.sub(
                r"\1****\2",
                f"{path}: {self.rows:,} row(s) hold keys already loaded with other values (e.g. {example}); "
                "nothing loaded — to apply the correction, load it with --replace (replaces the months it covers)",
            )
        )


def correction_sql(k: Kind, stage: Stage, existing: str) -> str | None:
    """SELECT of the good staged rows whose key is loaded with another value in some column (a
    corrected revenue, a changed status): their count, then the first in file order — key,
    the first column that differs, its loaded and its given value. At most one row; None for
    kinds a correction does not apply to (rules and customers have their own rules)."""
    if k.mode not in ("event", "monthly"):
        return None
    others = [c.name for c in k.columns if c.name not in k.key]
    if not others:
        return None
    differs = {c: f"s.{ident(c)} IS DISTINCT FROM t.{ident(c)}" for c in others}

    def first_differing(value: Callable[[str], str]) -> str:
        return "CASE " + " ".join(f"WHEN {d} THEN {value(c)}" for c, d in differs.items()) + " END"

    return f"""SELECT count(*) OVER (), {key_text(k, "s")}, {first_differing(lit)},
                      {first_differing(lambda c: f"CAST(t.{ident(c)} AS VARCHAR)")},
                      {first_differing(lambda c: f"CAST(s.{ident(c)} AS VARCHAR)")}
               FROM {stage.name} s JOIN {existing} t ON {same_key(k, "t", "s")}
               WHERE s.{GOOD} AND ({" OR ".join(differs.values())})
               ORDER BY s.{stage.order} LIMIT 1"""


def correction_of(row: Sequence | None) -> Correction | None:
    """The Correction a row of correction_sql describes (None: no row, no correction)."""
    return Correction(int(row[0]), *row[1:]) if row else None


# ── --replace ─────────────────────────────────────────────────────────────────────────────
def partition_sql(k: Kind) -> str:
    """What `--replace` replaces: months (event, monthly), products (rules), customers (snapshot)."""
    if k.mode == "reference":
        return "product"
    if k.mode == "snapshot":
        return "msisdn"
    return k.month_sql


def replaced(k: Kind, stage: Stage, keep_loads: Sequence[int] = ()) -> str:
    """Condition on the kind's rows: --replace with this staged file takes it away — it lies in
    a partition the file's good rows cover, and no earlier file of the same command wrote it
    (`keep_loads`: a month sent in two parts is replaced once, by the command's files together)."""
    part = partition_sql(k)
    earlier = f" AND _load_id NOT IN ({', '.join(str(n) for n in keep_loads)})" if keep_loads else ""
    return f"{part} IN (SELECT DISTINCT {part} FROM {stage.name} WHERE {GOOD}){earlier}"


def replaced_counts_sql(k: Kind, stage: Stage, existing: str, keep_loads: Sequence[int] = ()) -> str:
    """SELECT (partition, rows) that --replace takes away, in partition order — for customers
    one row: how many customers (none when there are none)."""
    where = replaced(k, stage, keep_loads)
    if k.mode == "snapshot":
        return f"SELECT 'customers', count(DISTINCT msisdn) FROM {existing} WHERE {where} HAVING count(*) > 0"
    part = partition_sql(k)
    return f"SELECT {part} AS p, count(*) FROM {existing} WHERE {where} GROUP BY p ORDER BY p"


# ── a file already loaded ─────────────────────────────────────────────────────────────────
def still_loaded_sql(k: Kind, fingerprint: str, loads: str, rows: str) -> str:
    """SELECT count: loads of these bytes (`fingerprint`) in ledger `loads` whose rows are all
    still among the kind's rows `rows`. Rows a later --replace removed load again: the rows,
    not bytes once seen, decide (SPEC §2.1). A refused load loaded nothing."""
    return f"""SELECT count(*) FROM {loads} l
               WHERE l.kind = {lit(k.name)} AND l.fingerprint = {lit(fingerprint)}
                 AND coalesce(l.status, 'loaded') = 'loaded'
                 AND l.rows_loaded = (SELECT count(*) FROM {rows} t WHERE t._load_id = l.load_id)"""
