"""`chanops load`: read extracts, map headers, normalize values, enforce each kind's
grain, quarantine bad rows and append the rest — all in one transaction.

The pipeline per file, every step a DuckDB statement:
  1. a file whose bytes were loaded before is skipped at once (unless replacing); a clean
     file of an event or monthly kind is appended straight from the file (direct.py) and
     is done; any other goes on:
  2. open it as text columns (readers.py, text.py) and map its headers to the kind;
  3. stage: normalize every column and name the first bad one of each row (staging.py);
  4. account for every physical line; re-read line by line if a stray quote swallowed
     lines (accounting.py);
  5. the grain rules (rules.py, applied by keys.py): with --replace, delete the partitions
     the file covers; else refuse a correction; mark keys already in the warehouse or
     repeated in the file as duplicates, and overlapping rules; a snapshot is merged into
     the customers' history (history.py, applied by snapshot.py);
  6. append good rows, quarantine bad ones with file/physical line/column/value/code/reason.
If any file fails, or bad rows exceed --max-reject-rate (any with --strict), the
transaction is rolled back and the warehouse is exactly as before.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from chanops.channels import Channel
from chanops.engines import first_row, only_row
from chanops.errors import InputFileError, LoadRejected, UsageError, WarehouseUnwritable
from chanops.ingest import accounting, direct, keys, outcome, rules, snapshot
from chanops.ingest.lineends import LineEnds
from chanops.ingest.outcome import FileLoad, LoadOptions
from chanops.ingest.readers import OpenedExtract, fingerprint, open_extract, unparseable
from chanops.ingest.reject_codes import is_duplicate, text_error_sql
from chanops.ingest.staging import header_fit, map_headers, stage_sql
from chanops.schema import KINDS, Kind
from chanops.sql import ident, lit

__all__ = ["FileLoad", "LoadOptions", "load_files"]  # the options and results are outcome.py's
from chanops.store.preagg_state import mark_stale
from chanops.store.warehouse import storage_problem


class _Loader:
    """Loads a list of files of one kind inside the caller's transaction."""

    _tags = itertools.count(1)

    def __init__(self, con: duckdb.DuckDBPyConnection, k: Kind, channels: dict[str, Channel], options: LoadOptions):
        self.con, self.k, self.channels, self.options = con, k, channels, options
        self.names = ", ".join(ident(c.name) for c in k.columns)
        # loads written by this command: its files together replace what they cover, once,
        # so a later file never replaces (deletes) an earlier file's rows
        self.written: list[int] = []

    def drop(self, table: str) -> None:
        """Drop a scratch table; after a failed statement the transaction is aborted and the
        rollback drops it anyway, so that error is not the one to report."""
        try:
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
        except duckdb.Error:
            pass

    def scalar(self, sql: str, params: Sequence | None = None):
        row = first_row(self.con, sql, params)
        return row[0] if row else None

    def load(self, path: Path) -> FileLoad:
        result = FileLoad(file=str(path), kind=self.k.name)
        if not path.is_file():
            raise InputFileError(f"{path}: no such file" if not path.exists() else f"{path}: not a regular file")
        fp, ends = fingerprint(path)
        if self.k.mode == "snapshot":  # the same bytes as of another day are another snapshot
            result.as_of = self.snapshot_as_of(path, result, ends)
            fp = f"{fp}@{result.as_of}"
        result.fingerprint = fp
        if not self.options.replace and self.still_loaded(fp):
            result.skipped = "same bytes"
            return result
        if self.append_directly(path, result, fp, ends):
            return result
        source, stage, account = self.stage(path, result, ends)
        try:
            keys.fill_generated_key(self.con, self.k, stage)
            if self.options.replace:
                result.replaced = keys.replace_partitions(self.con, self.k, stage, keep_loads=self.written)
            elif correction := keys.find_correction(self.con, self.k, stage):
                raise correction.refusal(path, self.k)
            keys.mark_grain(self.con, self.k, stage)
            self.write(stage, source, result, fp, account)
        finally:
            self.drop(stage)
            source.close()
        return result

    def snapshot_as_of(self, path: Path, result: FileLoad, ends: LineEnds | None) -> date:
        """The day a snapshot describes: --as-of, else the file name, else its snapshot-date
        column; refused when none says (SPEC §2.1: never today by default)."""
        as_of = self.options.as_of or snapshot.as_of_from_name(path.name)
        if as_of is not None:
            return as_of
        source, _mapping = self.open(path, result, f"{next(self._tags)}", False, ends)
        try:
            index = snapshot.snapshot_date_column(source.headers)
            if index is None:
                raise snapshot.missing_as_of(path)
            rows = self.con.execute(snapshot.column_dates_sql(f"c{index}", source.from_sql)).fetchall()
            return snapshot.as_of_of_column(path, source.headers[index], rows)
        finally:
            source.close()

    def still_loaded(self, fp: str) -> bool:
        """Were these bytes loaded before and are all the rows that load wrote still in the
        warehouse? Rows a later --replace removed must load again (SPEC §2.1: the rows, not
        the bytes once seen, decide)."""
        return bool(self.scalar(rules.still_loaded_sql(self.k, fp, "_loads", self.k.name)))

    def open(self, path: Path, result: FileLoad, tag: str, line_mode: bool, ends: LineEnds | None):
        """Open the extract and map its headers; the summary learns encoding, ignored columns
        and preamble."""
        fits = header_fit(self.k, self.options.column_map)
        source = open_extract(self.con, path, self.options.encoding, tag, fits, line_mode, ends)
        try:
            result.encoding = source.encoding
            mapping = map_headers(self.k, source.headers, self.options.column_map, path)
        except BaseException:
            source.close()
            raise
        result.ignored_columns = [h for i, h in enumerate(source.headers) if h and i not in mapping.values()]
        result.preamble = source.preamble
        return source, mapping

    def append_directly(self, path: Path, result: FileLoad, fp: str, ends: LineEnds | None) -> bool:
        """The fast way (ingest/direct.py); False when the file must be staged."""
        if not direct.applies(self.k, self.options.replace):
            return False
        source, mapping = self.open(path, result, f"{next(self._tags)}", False, ends)
        try:
            load_id = self.next_load_id()
            appended = direct.append(self.con, self.k, source, mapping, self.channels, load_id)
        finally:
            source.close()
        if appended is None:
            return False
        if appended.duplicates == appended.rows:  # as staging says it: nothing new, nothing recorded
            self.con.execute("DELETE FROM _rejects WHERE load_id = ?", [load_id])
            result.skipped = "all rows already loaded"
            result.rows_read = result.rows_rejected = result.duplicates = appended.rows
            return True
        result.load_id = load_id
        result.rows_read = appended.rows
        self.tally(result)
        self.record(result, fp)
        return True

    def tally(self, result: FileLoad) -> None:
        """Rejected, duplicates, loaded and reasons of a load from what _rejects holds for it."""
        rejects = f"(SELECT * FROM _rejects WHERE load_id = {int(result.load_id or 0)})"
        outcome.tally(result, self.con.execute(outcome.tally_sql(rejects)).fetchall())

    def next_load_id(self) -> int:
        return int(self.scalar("SELECT coalesce(max(load_id), 0) + 1 FROM _loads"))

    def record(self, result: FileLoad, fp: str, status: str = "loaded") -> None:
        """The load's line in the ledger; a refused load wrote no rows."""
        assert result.load_id is not None  # given before anything is written
        self.written.append(result.load_id)
        self.con.execute(
            "INSERT INTO _loads (load_id, kind, file, fingerprint, loaded_at, encoding, rows_read, rows_loaded, "
            "rows_rejected, as_of, status) VALUES (?, ?, ?, ?, now()::TIMESTAMP, ?, ?, ?, ?, ?, ?)",
            [
                result.load_id,
                self.k.name,
                result.file,
                fp,
                result.encoding,
                result.rows_read,
                0 if status == "refused" else result.rows_loaded,
                result.rows_rejected,
                result.as_of,  # a snapshot's day: which months the customer base covers (SPEC §4)
                status,
            ],
        )

    def stage(
        self, path: Path, result: FileLoad, ends: LineEnds | None = None
    ) -> tuple[OpenedExtract, str, accounting.LineAccount | None]:
        """Open and stage the file; for text, account for its lines, reading it again line by
        line when an unterminated quote swallowed some."""
        line_mode = False
        while True:
            tag = f"{next(self._tags)}"
            source, mapping = self.open(path, result, tag, line_mode, ends)
            stage = f"_stage_{tag}"
            try:
                account = self._stage_and_account(source, stage, mapping, line_mode)
            except BaseException:
                self.drop(stage)
                source.close()
                raise
            if account == "swallowed":
                self.con.execute(f"DROP TABLE IF EXISTS {stage}")
                source.close()
                line_mode = result.line_mode = True
                continue
            if account is not None:
                result.blank_lines = len(account.blank)
            return source, stage, account

    def _create_stage(self, source: OpenedExtract, stage: str, mapping: dict[str, int], spans: bool) -> None:
        self.con.execute(f"DROP TABLE IF EXISTS {stage}")
        sql = stage_sql(self.k, source, mapping, self.channels, with_spans=spans, carry=("_record",))
        try:
            self.con.execute(f"CREATE TEMP TABLE {stage} AS {sql}")
        except duckdb.InvalidInputException as exc:
            raise unparseable(source, exc) from None

    def _stage_and_account(self, source: OpenedExtract, stage: str, mapping: dict[str, int], line_mode: bool):
        self._create_stage(source, stage, mapping, spans=False)
        if source.layout is None:
            return None
        staged = int(self.scalar(f"SELECT count(*) FROM {stage}"))
        rejected, spanning = accounting.parse_rejects(self.con, source)
        if staged + rejected == accounting.physical_data_lines(source):
            return accounting.LineAccount(staged + rejected, staged, rejected)
        if line_mode:  # every record is one line: only empty lines can be left
            return accounting.account(self.con, stage, source, spans=False)
        # Not balanced: records span lines, lines are empty, or a quote swallowed lines.
        # Stage again with spans to tell which (rare, so the common path pays nothing).
        source.drop_rejects(self.con)
        self._create_stage(source, stage, mapping, spans=True)
        if spanning or accounting.swallowed(self.con, stage, source):
            return "swallowed"
        return accounting.account(self.con, stage, source, spans=True)

    def write(
        self,
        stage: str,
        source: OpenedExtract,
        result: FileLoad,
        fp: str,
        account: accounting.LineAccount | None,
    ) -> None:
        k = self.k
        staged = int(self.scalar(f"SELECT count(*) FROM {stage}"))
        text_bad = account.rejected_lines if account else 0
        if staged + text_bad == 0:
            raise InputFileError(f"{source.path}: has a header but no data rows")
        counts = only_row(
            self.con,
            f"SELECT count(*) FILTER (WHERE _bad_reason IS NULL), "
            f"count(*) FILTER (WHERE {is_duplicate('_bad_code')}) FROM {stage}",
        )
        good, duplicates = int(counts[0]), int(counts[1])
        if good == 0 and duplicates == staged and text_bad == 0 and not self.options.replace:
            result.skipped = "all rows already loaded"
            result.rows_read = result.rows_rejected = result.duplicates = staged
            return
        load_id = result.load_id = self.next_load_id()
        if k.mode == "snapshot":
            assert result.as_of is not None  # load() resolved it before staging
            result.customers = snapshot.snapshot_merge(self.con, k, stage, load_id, result.as_of, self.names)
        else:
            self.con.execute(
                f"INSERT INTO {k.name} ({self.names}, _load_id) SELECT {self.names}, ? FROM {stage} "
                f"WHERE _bad_reason IS NULL",
                [load_id],
            )
        file = str(source.path)
        lines = accounting.line_numbers_sql(stage, source, account)
        self.con.execute(
            f"""INSERT INTO _rejects
                SELECT ?, ?, ?, n.line, s._bad_column, s._bad_value, s._bad_reason, s._bad_code
                FROM {stage} s JOIN ({lines}) n ON n.rid = s._record
                WHERE s._bad_reason IS NOT NULL ORDER BY n.line""",
            [load_id, k.name, file],
        )
        if source.text_rejects:
            self.insert_text_rejects(source, stage, account, load_id, file)
        result.rows_read = staged + text_bad
        self.tally(result)
        self.record(result, fp)

    def insert_text_rejects(self, source, stage, account, load_id: int, file: str) -> None:
        code, reason = text_error_sql("error_type")
        headers = " ".join(f"WHEN 'c{i}' THEN {lit(h)}" for i, h in enumerate(source.headers))
        self.con.execute(
            f"""INSERT INTO _rejects
                SELECT ?, ?, ?, physical, CASE column_name {headers} END, left(csv_line, 200), {reason}, {code}
                FROM ({accounting.reject_lines_sql(source, stage, account)})""",
            [load_id, self.k.name, file],
        )


def load_files(
    con: duckdb.DuckDBPyConnection,
    kind_name: str,
    paths: Sequence[str | Path],
    channels: dict[str, Channel],
    options: LoadOptions | None = None,
    on_file: Callable[[FileLoad], None] | None = None,
    on_start: Callable[[Path], None] | None = None,
) -> list[FileLoad]:
    """Load `paths` into table `kind_name` as one transaction (SPEC §2, §2.1, §11).

    `on_file` hears each file as it is read (progress); the results say what was loaded only
    once the transaction is committed. Raises LoadRejected when --strict sees a bad row or a
    file's share of bad rows exceeds max_reject_rate: everything is rolled back, and the
    refused file's rejects are kept on record under its load id (ledger status 'refused'),
    so the analyst sees which lines to fix. A correction without --replace is refused too,
    with nothing kept. With `dry_run` everything is rolled back and the results carry their
    rejects; a refusal is then only noted in `FileLoad.refused`. Any other error rolls back.
    """
    if kind_name not in KINDS:
        raise UsageError(f"unknown kind '{kind_name}'; kinds: {', '.join(KINDS)}")
    options = options or LoadOptions()
    if not 0.0 <= options.max_reject_rate <= 1.0:
        raise UsageError("--max-reject-rate must be between 0 and 1")
    loader = _Loader(con, KINDS[kind_name], channels, options)
    results: list[FileLoad] = []
    refused: FileLoad | None = None
    kept = None
    con.execute("BEGIN TRANSACTION")
    with _rolled_back_on_failure(con):
        for path in paths:
            if on_start:
                on_start(Path(path))
            result = loader.load(Path(path))
            results.append(result)
            if on_file:
                on_file(result)
            result.refused = outcome.refusal(path, result, options)
            if result.refused:
                refused = result
                break
        if options.dry_run:
            for result in results:
                if result.load_id is not None:
                    result.reject_rows = con.execute(
                        'SELECT line, "column", value, code, reason FROM _rejects WHERE load_id = ? '
                        f"ORDER BY line LIMIT {outcome.DRY_RUN_REJECTS}",
                        [result.load_id],
                    ).fetchall()
            _rollback(con)
            return results
        if refused is not None:
            kept = con.sql(
                "SELECT * FROM _rejects WHERE load_id = ? ORDER BY line", params=[refused.load_id]
            ).to_arrow_table()
            _rollback(con)
        else:
            # the KPI pre-aggregates of what changed go stale with the rows, in this transaction
            mark_stale(con, kind_name, results)
            con.execute("COMMIT")
    if refused is not None:
        _keep_refused(con, loader, refused, kept)
        raise LoadRejected(
            f"{refused.refused}; load rolled back, warehouse unchanged — the rejects are kept as load "
            f"{refused.load_id}: chanops rejects --load {refused.load_id}"
        )
    return results


def _keep_refused(con: duckdb.DuckDBPyConnection, loader: _Loader, refused: FileLoad, kept) -> None:
    """After the rollback: the refused load's ledger line (status 'refused', nothing loaded) and
    its rejects, in a transaction of their own — no data rows."""
    con.execute("BEGIN TRANSACTION")
    with _rolled_back_on_failure(con):
        loader.record(refused, refused.fingerprint or "", status="refused")
        con.register("_refused_rejects", kept)
        try:
            con.execute("INSERT INTO _rejects SELECT * FROM _refused_rejects")
        finally:
            con.unregister("_refused_rejects")
        con.execute("COMMIT")


@contextmanager
def _rolled_back_on_failure(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The open transaction is rolled back on any failure; a full disk or a read-only file is
    said in one line (the file stays as it was)."""
    try:
        yield
    except duckdb.IOException as exc:
        _rollback(con)
        raise WarehouseUnwritable(f"cannot write to the warehouse: {storage_problem(exc)}") from None
    except BaseException:
        _rollback(con)
        raise


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back; when the failure (a full disk) left nothing to roll back, the uncommitted
    transaction is discarded with the connection anyway — the file stays as it was."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass
