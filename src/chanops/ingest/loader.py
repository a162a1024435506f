"""`chanops load`: read extracts, map headers, normalize values, quarantine bad
rows and append the rest to the canonical table — all in one transaction.

The pipeline per file, every step a DuckDB statement:
  1. fingerprint the file; skip it if the ledger has it (unless replacing);
  2. open it as text columns (sources.py) and map its headers to the kind's columns;
  3. stage: normalize every column and name the first bad one of each row;
  4. mark keys already in the warehouse or repeated in the file as duplicates;
  5. append good rows, quarantine bad ones with file/line/column/value/reason.
If any file fails, or rejects exceed --max-reject-rate (any reject with --strict),
the transaction is rolled back and the warehouse is exactly as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from chanops.channels import Channel
from chanops.config import DEFAULT_MAX_REJECT_RATE
from chanops.engines import first_row
from chanops.errors import InputFileError, LoadRejected, UsageError
from chanops.ingest.normalize import reason_sql, value_sql
from chanops.ingest.readers import OpenedExtract, fingerprint, open_extract
from chanops.ingest.schema import KINDS, Kind
from chanops.sql import ident, lit

# Checks across columns of one row, per kind: (condition that is bad, column, reason).
ROW_CHECKS: dict[str, list[tuple[str, str, str]]] = {
    "rules": [
        ("(rate IS NULL) = (points IS NULL)", "rate", "a rule needs exactly one of rate or points"),
        ("valid_to IS NOT NULL AND valid_to < valid_from", "valid_to", "valid_to is before valid_from"),
    ],
}

# DuckDB's CSV error types, in words an analyst can act on.
TEXT_ERROR_REASONS = {
    "TOO MANY COLUMNS": "too many fields on the line",
    "MISSING COLUMNS": "too few fields on the line",
    "INVALID ENCODING": "not valid UTF-8 (try --encoding gb18030)",
    "UNQUOTED VALUE": "unterminated or stray quote",
    "LINE SIZE OVER MAXIMUM": "line too long",
}


@dataclass
class LoadOptions:
    encoding: str = "auto"
    strict: bool = False
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE
    replace: bool = False
    column_map: dict[str, str] = field(default_factory=dict)  # header in file -> canonical column


@dataclass
class FileLoad:
    """What happened to one file: the load summary printed on stderr."""

    file: str
    kind: str
    load_id: int | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reasons: list[tuple[str, int]] = field(default_factory=list)
    skipped: bool = False
    replaced_rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def reject_rate(self) -> float:
        return self.rows_rejected / self.rows_read if self.rows_read else 0.0


def map_headers(k: Kind, headers: Sequence[str], user_map: dict[str, str], path: Path) -> dict[str, int]:
    """Canonical column -> index of the file column holding it.

    A header matches through the user mapping first, then the canonical name
    (case-insensitive), then a built-in Chinese alias. Headers that match nothing
    are ignored (extracts carry many extra columns); two headers for one column,
    or a required column with no header, is an error naming what was found.
    """
    lookup: dict[str, str] = {}
    for col in k.columns:
        lookup[col.name.lower()] = col.name
        for alias in col.aliases:
            lookup.setdefault(alias.lower(), col.name)
    user = {h.strip().lower(): c for h, c in user_map.items()}
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = header.strip().lower()
        canonical = user.get(key) or lookup.get(key)
        if canonical is None:
            continue
        if canonical in found:
            first = headers[found[canonical]]
            raise InputFileError(
                f"{path}: headers '{first}' and '{header}' both map to {k.name}.{canonical}; map one away with --map"
            )
        found[canonical] = index
    missing = [name for name in k.required if name not in found and not (k.generated_key and name == k.key)]
    if missing:
        col = k.column(missing[0])
        aliases = "/".join(col.aliases)
        raise InputFileError(
            f"{path}: missing required column '{col.name}' ({aliases}) for {k.name}; "
            f"headers found: {', '.join(headers) or '(none)'}"
        )
    return found


@dataclass(frozen=True)
class _Check:
    """One way a staged row can be bad: SQL condition, the column to blame, its raw text, why."""

    condition: str
    column: str
    raw_value: str
    reason: str


def _checks(k: Kind) -> list[_Check]:
    """Per-column checks in column order (the first failing one is reported), then row checks."""
    checks = []
    for col in k.columns:
        raw, value = ident(f"r_{col.name}"), ident(col.name)
        if col.required and not (k.generated_key and col.name == k.key):
            missing = lit("missing " + col.name)
            reason = (
                missing
                if col.type == "str"
                else (f"CASE WHEN {raw} IS NULL THEN {missing} ELSE {reason_sql(col.type, raw)} END")
            )
            checks.append(_Check(f"{value} IS NULL", col.name, raw, reason))
        elif col.type != "str":
            checks.append(_Check(f"{raw} IS NOT NULL AND {value} IS NULL", col.name, raw, reason_sql(col.type, raw)))
    for condition, column, reason in ROW_CHECKS.get(k.name, []):
        checks.append(_Check(condition, column, f"CAST({ident(column)} AS VARCHAR)", lit(reason)))
    return checks


def stage_sql(k: Kind, source: OpenedExtract, mapping: dict[str, int], channels: dict[str, Channel]) -> str:
    """SELECT producing the normalized columns plus the first bad column of each row.

    Three layers: raw text per canonical column (trimmed, '' as NULL, defaults
    filled), normalized values next to it, then the number of the first failing
    check, from which column, raw value and reason are picked.
    """
    raw, values = [], []
    for col in k.columns:
        if col.name in mapping:
            # Plain trim (spaces): trim() with a character list is 3x slower in DuckDB.
            text = f"NULLIF(trim(c{mapping[col.name]}), '')"
        else:
            text = "CAST(NULL AS VARCHAR)"
        if col.default is not None:
            text = f"coalesce({text}, {lit(col.default)})"
        raw.append(f"{text} AS {ident(f'r_{col.name}')}")
        values.append(f"{value_sql(col.type, ident(f'r_{col.name}'), channels)} AS {ident(col.name)}")

    checks = list(enumerate(_checks(k), 1))
    first_bad = " ".join(f"WHEN {c.condition} THEN {i}" for i, c in checks)
    column_of = " ".join(f"WHEN {i} THEN {lit(c.column)}" for i, c in checks)
    value_of = " ".join(f"WHEN {i} THEN {c.raw_value}" for i, c in checks)
    reason_of = " ".join(f"WHEN {i} THEN {c.reason}" for i, c in checks)
    names = ", ".join(ident(c.name) for c in k.columns)
    raw_names = ", ".join(ident(f"r_{c.name}") for c in k.columns)
    return f"""
        SELECT {names},
               CASE _bad {column_of} END AS _bad_column,
               CASE _bad {value_of} END AS _bad_value,
               CASE _bad {reason_of} END AS _bad_reason
        FROM (
            SELECT *, CASE {first_bad} END AS _bad
            FROM (SELECT {raw_names}, {", ".join(values)} FROM (SELECT {", ".join(raw)} FROM {source.from_sql}))
        )"""


class _Loader:
    """Loads a list of files of one kind inside the caller's transaction."""

    _tags = itertools.count(1)

    def __init__(self, con: duckdb.DuckDBPyConnection, k: Kind, channels: dict[str, Channel], options: LoadOptions):
        self.con, self.k, self.channels, self.options = con, k, channels, options

    def scalar(self, sql: str, params: Sequence | None = None):
        row = first_row(self.con, sql, params)
        return row[0] if row else None

    def previous_loads(self, path: Path, fp: str) -> list[int]:
        """Loads of this kind with the same content, or (when replacing) the same file name."""
        rows = self.con.execute(
            "SELECT load_id, file, fingerprint FROM _loads WHERE kind = ? ORDER BY load_id", [self.k.name]
        ).fetchall()
        if not self.options.replace:
            return [load_id for load_id, _f, other in rows if other == fp]
        return [load_id for load_id, f, other in rows if other == fp or Path(f).name == path.name]

    def remove_loads(self, load_ids: list[int]) -> int:
        placeholders = ", ".join("?" for _ in load_ids)
        removed = self.scalar(f"SELECT count(*) FROM {self.k.name} WHERE _load_id IN ({placeholders})", load_ids)
        for table in (self.k.name, "_rejects"):
            column = "_load_id" if table == self.k.name else "load_id"
            self.con.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", load_ids)
        self.con.execute(f"DELETE FROM _loads WHERE load_id IN ({placeholders})", load_ids)
        return int(removed or 0)

    def load(self, path: Path) -> FileLoad:
        result = FileLoad(file=str(path), kind=self.k.name)
        if not path.is_file():
            raise InputFileError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
        fp = fingerprint(path)
        previous = self.previous_loads(path, fp)
        if previous and not self.options.replace:
            result.skipped = True
            return result
        if previous:
            result.replaced_rows = self.remove_loads(previous)

        tag = f"{next(self._tags)}"
        source = open_extract(self.con, path, self.options.encoding, tag)
        try:
            result.encoding = source.encoding
            mapping = map_headers(self.k, source.headers, self.options.column_map, path)
            result.ignored_columns = [h for i, h in enumerate(source.headers) if i not in mapping.values()]
            load_id = int(self.scalar("SELECT coalesce(max(load_id), 0) + 1 FROM _loads"))
            result.load_id = load_id
            stage = f"_stage_{tag}"
            try:
                self.con.execute(f"CREATE TEMP TABLE {stage} AS {stage_sql(self.k, source, mapping, self.channels)}")
            except duckdb.InvalidInputException as exc:
                detail = str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
                raise InputFileError(f"{path}: cannot be parsed ({detail})") from None
            # Staged rows keep file order in their rowids; inside a transaction DuckDB
            # numbers them from a large offset, so positions are taken relative to it.
            first_rowid = self.scalar(f"SELECT coalesce(min(rowid), 0) FROM {stage}")
            try:
                self.fill_generated_key(stage, fp, first_rowid)
                self.mark_duplicates(stage)
                if self.k.name == "rules":
                    self.mark_overlapping_rules(stage)
                self.write(stage, source, result, fp, first_rowid)
            finally:
                self.con.execute(f"DROP TABLE IF EXISTS {stage}")
        finally:
            source.close()
        return result

    def fill_generated_key(self, stage: str, fp: str, first_rowid: int) -> None:
        """entries may come without entry_id: derive one from file content and row, so a
        re-load of the same file makes the same ids."""
        if self.k.generated_key:
            prefix = lit(fp.split(":")[-1][:12] + "-")
            self.con.execute(
                f"UPDATE {stage} SET {self.k.key} = {prefix} || (rowid - {first_rowid} + 1) WHERE {self.k.key} IS NULL"
            )

    def mark_duplicates(self, stage: str) -> None:
        """Keys already in the warehouse, or seen earlier in this file, are rejected."""
        key = self.k.key
        if key is None:
            return
        self.con.execute(
            f"""UPDATE {stage} SET _bad_column = '{key}', _bad_value = {key},
                   _bad_reason = 'duplicate {key} (already loaded)'
                WHERE _bad_reason IS NULL AND {key} IN (SELECT {key} FROM {self.k.name})"""
        )
        # The cheap GROUP BY tells whether the window below is needed at all.
        repeats = self.scalar(
            f"SELECT count(*) FROM (SELECT {key} FROM {stage} WHERE _bad_reason IS NULL GROUP BY 1 HAVING count(*) > 1)"
        )
        if repeats:
            self.con.execute(
                f"""UPDATE {stage} SET _bad_column = '{key}', _bad_value = {key},
                       _bad_reason = 'duplicate {key} (repeated in file)'
                    WHERE rowid IN (
                        SELECT rid FROM (
                            SELECT rowid AS rid, row_number() OVER (PARTITION BY {key} ORDER BY rowid) AS n
                            FROM {stage} WHERE _bad_reason IS NULL
                              AND {key} IN (SELECT {key} FROM {stage} GROUP BY 1 HAVING count(*) > 1))
                        WHERE n > 1)"""
            )

    def mark_overlapping_rules(self, stage: str) -> None:
        """Two rules for one product may not be in force in the same month (SPEC §6 needs
        exactly one rule per product and month). A rule overlapping one already loaded, or
        an earlier line of the same file, is rejected."""
        overlaps = (
            "{a}.product = {b}.product AND {a}.valid_from <= coalesce({b}.valid_to, '9999-12') "
            "AND coalesce({a}.valid_to, '9999-12') >= {b}.valid_from"
        )
        self.con.execute(
            f"""UPDATE {stage} SET _bad_column = 'valid_from', _bad_value = valid_from,
                   _bad_reason = 'validity overlaps another rule for ' || product
                WHERE _bad_reason IS NULL AND (
                    EXISTS (SELECT 1 FROM rules r WHERE {overlaps.format(a="r", b=stage)})
                    OR EXISTS (SELECT 1 FROM {stage} e WHERE e.rowid < {stage}.rowid AND e._bad_reason IS NULL
                               AND {overlaps.format(a="e", b=stage)}))"""
        )

    def write(self, stage: str, source: OpenedExtract, result: FileLoad, fp: str, first_rowid: int) -> None:
        k, load_id, file = self.k, result.load_id, str(source.path)
        names = ", ".join(ident(c.name) for c in k.columns)
        staged = int(self.scalar(f"SELECT count(*) FROM {stage}"))
        text_bad = (
            int(self.scalar(f"SELECT count(DISTINCT line) FROM {source.text_rejects}")) if source.text_rejects else 0
        )
        if staged + text_bad == 0:
            raise InputFileError(f"{source.path}: has a header but no data rows")
        self.con.execute(
            f"INSERT INTO {k.name} ({names}, _load_id) SELECT {names}, ? FROM {stage} WHERE _bad_reason IS NULL",
            [load_id],
        )
        self.con.execute(
            f"""INSERT INTO _rejects
                SELECT ?, ?, ?, position + ? + {self.line_shift_sql(source)}, _bad_column, _bad_value, _bad_reason
                FROM (SELECT rowid - {first_rowid} AS position, * FROM {stage} WHERE _bad_reason IS NOT NULL) s
                ORDER BY position""",
            [load_id, k.name, file, source.first_line],
        )
        if source.text_rejects:
            self.insert_text_rejects(source, load_id, file)
        result.rows_rejected = int(self.scalar("SELECT count(*) FROM _rejects WHERE load_id = ?", [load_id]))
        result.rows_read = staged + text_bad
        result.rows_loaded = result.rows_read - result.rows_rejected
        result.reasons = self.con.execute(
            "SELECT reason, count(*) FROM _rejects WHERE load_id = ? GROUP BY 1 ORDER BY 2 DESC, 1", [load_id]
        ).fetchall()
        self.con.execute(
            "INSERT INTO _loads VALUES (?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?)",
            [load_id, k.name, file, fp, result.encoding, result.rows_read, result.rows_loaded, result.rows_rejected],
        )

    def line_shift_sql(self, source: OpenedExtract) -> str:
        """How many structurally bad lines precede a staged row.

        DuckDB drops malformed lines from the scan (recording their line numbers), so
        a staged row's position counts good lines only. The k-th dropped line (1-based, at
        data ordinal s_k) shifts every staged row at or after ordinal s_k - (k-1).
        """
        if not source.text_rejects:
            return "0"
        offset = source.first_line - 1
        return f"""(SELECT count(*) FROM (
                        SELECT line - {offset} - (row_number() OVER (ORDER BY line) - 1) AS threshold
                        FROM (SELECT DISTINCT line FROM {source.text_rejects})) t
                    WHERE t.threshold <= s.position + 1)"""

    def insert_text_rejects(self, source: OpenedExtract, load_id: int, file: str) -> None:
        reasons = " ".join(f"WHEN {lit(t)} THEN {lit(r)}" for t, r in TEXT_ERROR_REASONS.items())
        headers = " ".join(f"WHEN 'c{i}' THEN {lit(h)}" for i, h in enumerate(source.headers))
        self.con.execute(
            f"""INSERT INTO _rejects
                SELECT ?, ?, ?, line, CASE column_name {headers} END, left(csv_line, 200),
                       CASE error_type {reasons} ELSE lower(error_type) END
                FROM (SELECT DISTINCT ON (line) * FROM {source.text_rejects} ORDER BY line)""",
            [load_id, self.k.name, file],
        )


def load_files(
    con: duckdb.DuckDBPyConnection,
    kind_name: str,
    paths: Sequence[str | Path],
    channels: dict[str, Channel],
    options: LoadOptions | None = None,
    on_file: Callable[[FileLoad], None] | None = None,
) -> list[FileLoad]:
    """Load `paths` into table `kind_name` as one transaction (SPEC §2, §11).

    Raises LoadRejected (after rolling back) when --strict sees a reject or a file's
    reject share exceeds max_reject_rate; any other error also rolls back.
    """
    if kind_name not in KINDS:
        raise UsageError(f"unknown kind '{kind_name}'; kinds: {', '.join(KINDS)}")
    options = options or LoadOptions()
    if not 0.0 <= options.max_reject_rate <= 1.0:
        raise UsageError("--max-reject-rate must be between 0 and 1")
    loader = _Loader(con, KINDS[kind_name], channels, options)
    results: list[FileLoad] = []
    con.execute("BEGIN TRANSACTION")
    try:
        for path in paths:
            result = loader.load(Path(path))
            results.append(result)
            if on_file:
                on_file(result)
            too_many = result.rows_rejected and (options.strict or result.reject_rate > options.max_reject_rate)
            if too_many:
                top = result.reasons[0][0] if result.reasons else "?"
                why = "--strict" if options.strict else f"above --max-reject-rate {options.max_reject_rate:g}"
                raise LoadRejected(
                    f"{path}: {result.rows_rejected} of {result.rows_read} rows rejected "
                    f"({result.reject_rate:.1%}, {why}; most common: {top}); load rolled back, warehouse unchanged"
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return results
