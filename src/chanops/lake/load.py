"""`chanops load --engine spark`: extracts on the cluster's storage into the Parquet lake.

The DuckDB loader's rules, run by Spark: headers mapped by ingest/staging.py's map_headers,
every value normalized and the first bad column named by its stage_sql, and each kind's
grain — duplicates, corrections, overlapping rules, what --replace replaces, when a file
is already loaded, the customer snapshot's history — by the SQL of ingest/rules.py and
ingest/history.py; all of it the same text, transpiled (to_spark_sql). Only how a rule is
applied is Spark's own: a stage is a Parquet directory of the transaction, and marking
rows bad stages a SELECT again. Per file:
  1. a file whose rows a load of the same bytes wrote are all still in the lake is skipped
     (unless replacing);
  2. open it as numbered text fields (lines.py) and stage it: normalized values plus
     `_bad_*`, written to the transaction's staging directory;
  3. --replace: what it covers is left out of the kind; else a correction is refused; the
     grain's marks; the customer snapshot merged into the history;
  4. new rows, rejects and the ledger row are staged; after the last file the transaction
     commits (store.py). A file with too many bad rows drops it, but its rejects and a
     `refused` ledger row are committed on their own; a dry run commits nothing.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from types import SimpleNamespace

from chanops.channels import Channel
from chanops.engines.dialect import to_spark_sql
from chanops.errors import InputFileError, LoadRejected, UsageError
from chanops.ingest import history, outcome, rules, snapshot
from chanops.ingest.outcome import DRY_RUN_REJECTS, FileLoad, LoadOptions
from chanops.ingest.reject_codes import text_error_sql
from chanops.ingest.rules import BAD_COLUMNS, GOOD, Mark, Stage
from chanops.ingest.staging import header_fit, map_headers, stage_sql
from chanops.lake import lines
from chanops.lake.store import COMMITTED, UNPARTITIONED, Lake, Partition, read_lake_table
from chanops.schema import KINDS, Kind, seen_of_old_state
from chanops.sql import ident, lit


class _LakeLoader:
    def __init__(self, lake: Lake, k: Kind, channels: dict[str, Channel], options: LoadOptions, txn: str):
        self.lake, self.k, self.channels, self.options, self.txn = lake, k, channels, options, txn
        self.spark, self.fs = lake.spark, lake.fs
        self.names = [c.name for c in k.columns]
        self.next_id = max(lake.load_ids(), default=0) + 1
        self.partitions: dict[str, Partition] = {}  # partition value → what it will hold
        self.fingerprints: set[str] = set()  # files this command loaded
        # loads this command wrote: its files together replace what they cover, once
        self.written: list[int] = []
        self.moves: list[dict] = []
        self.step = 0

    # ── helpers ────────────────────────────────────────────────────────────────────────────
    def sql(self, duckdb_sql: str):
        return self.spark.sql(to_spark_sql(duckdb_sql))

    def rows(self, duckdb_sql: str) -> list[tuple]:
        return [tuple(r) for r in self.sql(duckdb_sql).collect()]

    def materialize(self, frame, name: str) -> str:
        """Write a frame under the transaction and read it back as a view: each step is
        computed once, and memory stays bounded whatever the file's size."""
        self.step += 1
        path = f"{self.txn}/{name}-{self.step}"
        frame.write.parquet(path)
        view = f"_{name}_{self.step}"
        self.spark.read.parquet(path).createOrReplaceTempView(view)
        return view

    def restage(self, select: str) -> Stage:
        return Stage(self.materialize(self.sql(select), "stage"), "_line")

    def kind_dir(self) -> str:
        return self.lake.path(self.k.name)

    def partition(self, value: str) -> Partition:
        if value not in self.partitions:
            lake_path = self.kind_dir() if self.k.name in UNPARTITIONED else f"{self.kind_dir()}/month={value}"
            self.partitions[value] = Partition(lake_path)
        return self.partitions[value]

    def history_columns(self) -> list[str]:
        return list(history.HISTORY_COLUMNS[1:]) if self.k.mode == "snapshot" else []

    def lake_rows(self) -> str:
        """A view of the kind as this transaction leaves it so far (lake plus staged)."""
        if self.k.name in UNPARTITIONED:
            paths = self.partition("").paths(self.fs)
        else:
            months = {e.name.removeprefix("month=") for e in self.fs.list(self.kind_dir()) if e.is_dir}
            for month in months:
                self.partition(month)
            paths = [p for part in self.partitions.values() for p in part.paths(self.fs)]
        view = f"_existing_{self.k.name}"
        if paths:
            # a partition's month is in its path: the lake's and each staged load's directories
            # are read apart, each under its own base, and put together
            bases: dict[str | None, list[str]] = {}
            for path in paths:
                bases.setdefault(None if self.k.name in UNPARTITIONED else path.rsplit("/", 1)[0], []).append(path)
            columns = [*self.names, *self.history_columns(), "_load_id"]
            frames = []
            for base, under in bases.items():
                frame = read_lake_table(self.spark, self.k.name, under, base)
                if self.k.mode == "snapshot" and "_seen" not in frame.columns:
                    frame = self.with_seen(frame)
                frames.append(frame.select(*columns))
            functools.reduce(lambda a, b: a.unionByName(b), frames).createOrReplaceTempView(view)
        else:
            from chanops.engines.spark import empty_view_sql

            self.spark.sql(empty_view_sql(view, self.k.name))
        return view

    def with_seen(self, states):
        """Customer states of a lake written before `_seen`: each seen on the as-of of the load
        that wrote it (such a lake took snapshots oldest first, so that was its first showing)."""
        states.createOrReplaceTempView("_unseen_states")
        ledger = self.lake.ledger()
        if ledger is None:
            return self.sql(f"SELECT *, {seen_of_old_state()} AS _seen FROM _unseen_states")
        ledger.createOrReplaceTempView("_ledger")
        return self.sql(
            f"""SELECT s.*, {seen_of_old_state("l.as_of")} AS _seen
                FROM _unseen_states s LEFT JOIN _ledger l ON l.load_id = s._load_id"""
        )

    def existing(self, replacing: Stage | None) -> str:
        """The kind's rows the file's rules judge against: the lake's and this command's, less
        what --replace with `replacing` takes away (rules.replaced)."""
        rows = self.lake_rows()
        if replacing is None:
            return rows
        view = f"_kept_{self.k.name}"
        taken = rules.replaced(self.k, replacing, self.written)
        self.sql(f"SELECT * FROM {rows} WHERE NOT coalesce({taken}, false)").createOrReplaceTempView(view)
        return view

    def fingerprint(self, url: str) -> str:
        fs, jvm = self.fs._fs(url), self.fs.jvm
        stream = fs.open(self.fs._path(url))
        try:
            return "sha256:" + str(jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream))
        finally:
            stream.close()

    def still_loaded(self, fingerprint: str) -> bool:
        """Were these bytes loaded before, with all the rows that load wrote still there?"""
        if fingerprint in self.fingerprints:
            return True
        ledger = self.lake.ledger()
        if ledger is None:
            return False
        ledger.createOrReplaceTempView("_ledger")
        return bool(self.rows(rules.still_loaded_sql(self.k, fingerprint, "_ledger", self.lake_rows()))[0][0])

    # ── one file ───────────────────────────────────────────────────────────────────────────
    def load(self, url: str) -> FileLoad:
        result = FileLoad(file=url, kind=self.k.name)
        if not self.fs.exists(url):
            raise InputFileError(f"{url}: no such file")
        if not self.fs.is_file(url):
            raise InputFileError(f"{url}: not a regular file")
        fmt = lines.extract_format(url)
        fp = self.fingerprint(url)
        if not self.options.replace and self.still_loaded(fp):
            result.skipped = "same bytes"
            return result
        tag = f"{self.next_id}"
        if fmt == "parquet":
            fields = lines.open_parquet(self.spark, url, tag)
        else:
            fits = header_fit(self.k, self.options.column_map)
            fields = lines.open_text(self.spark, self.fs, url, self.options.encoding, fits, tag)
        result.encoding, result.preamble, result.blank_lines = fields.encoding, fields.preamble, fields.blank_lines
        mapping = map_headers(self.k, fields.headers, self.options.column_map, url)
        if self.k.mode == "snapshot":  # the same bytes as of another day are another snapshot
            result.as_of = self.snapshot_as_of(url, fields)
            fp = f"{fp}@{result.as_of}"
            if not self.options.replace and self.still_loaded(fp):
                result.skipped = "same bytes"
                return result
        result.fingerprint = fp
        result.ignored_columns = [h for i, h in enumerate(fields.headers) if i not in mapping.values()]
        stage = self.restage(self.stage_sql(fields, mapping))
        total = self.rows(f"SELECT count(*) FROM {stage.name}")[0][0]
        if total == 0:
            raise InputFileError(f"{url}: has a header but no data rows")
        if self.k.key_from:
            stage = self.fill_generated_key(stage)
        if self.options.replace:
            result.replaced = self.replace(stage)
        existing = self.existing(stage if self.options.replace else None)
        if not self.options.replace:
            correction_sql = rules.correction_sql(self.k, stage, existing)
            if correction_sql and (correction := rules.correction_of(next(iter(self.rows(correction_sql)), None))):
                raise correction.refusal(url, self.k)
        for mark in rules.grain_marks(self.k):
            stage = self.apply_mark(stage, mark(self.k, stage, existing))
        verdicts = None
        if self.k.mode == "snapshot":
            assert result.as_of is not None  # resolved with the file's fingerprint
            verdicts = self.materialize(self.sql(history.verdicts_sql(self.k, stage, existing, result.as_of)), "judged")
        result.rows_read = total
        rejects = f"(SELECT _bad_code AS code, _bad_reason AS reason FROM {stage.name} WHERE NOT ({GOOD}))"
        outcome.tally(result, self.rows(outcome.tally_sql(rejects)))
        if result.duplicates == total and not self.options.replace:
            result.skipped, result.rows_loaded, result.reasons = "all rows already loaded", 0, []
            return result
        load_id = result.load_id = self.next_id
        self.next_id += 1
        if verdicts is not None:
            result.customers = history.verdict_counts(self.rows(history.verdict_counts_sql(verdicts)))
        self.write_rows(stage, existing, load_id, result.as_of, verdicts)
        self.write_rejects(stage, load_id, url)
        if self.options.dry_run:
            result.reject_rows = self.rows(
                f"""SELECT _line, _bad_column, _bad_value, _bad_code, _bad_reason FROM {stage.name}
                    WHERE NOT ({GOOD}) ORDER BY _line LIMIT {DRY_RUN_REJECTS}"""
            )
        self.write_ledger(result, fp)
        self.written.append(load_id)
        self.fingerprints.add(fp)
        return result

    def stage_sql(self, fields: lines.Fields, mapping: dict[str, int]) -> str:
        layout = SimpleNamespace(line_mode=False, replaced_bytes=int(fields.encoding == "gb18030"), delimiter=",")
        source = SimpleNamespace(layout=layout, from_sql=fields.view, headers=fields.headers, encoding=fields.encoding)
        staged = stage_sql(self.k, source, mapping, self.channels, carry=("_line", "_fault", "_text"))
        names = ", ".join(ident(n) for n in self.names)
        fault_code, fault_reason = text_error_sql("_fault")
        # a line that is not a record (quotes, field count, bytes) is bad as a whole
        return f"""
            SELECT {names}, _line,
                   CASE WHEN _fault IS NOT NULL THEN '(row)' ELSE _bad_column END AS _bad_column,
                   CASE WHEN _fault IS NOT NULL THEN left(_text, 200) ELSE _bad_value END AS _bad_value,
                   CASE WHEN _fault IS NOT NULL THEN {fault_code} ELSE _bad_code END AS _bad_code,
                   CASE WHEN _fault IS NOT NULL THEN {fault_reason} ELSE _bad_reason END AS _bad_reason
            FROM ({staged}) staged"""

    def apply_mark(self, stage: Stage, mark: Mark) -> Stage:
        """Stage again with the rows `mark` hits made bad (DuckDB does this with an UPDATE)."""
        order = stage.order
        kept = ", ".join(f"s.{ident(n)}" for n in [*self.names, order])
        hit = "h._hit IS NOT NULL"
        return self.restage(
            f"""SELECT {kept},
                       CASE WHEN {hit} THEN {mark.column} ELSE s._bad_column END AS _bad_column,
                       CASE WHEN {hit} THEN {mark.value} ELSE s._bad_value END AS _bad_value,
                       CASE WHEN {hit} THEN {lit(mark.code)} ELSE s._bad_code END AS _bad_code,
                       CASE WHEN {hit} THEN {mark.reason} ELSE s._bad_reason END AS _bad_reason
                FROM {stage.name} s
                LEFT JOIN (SELECT DISTINCT {order} AS _hit FROM ({mark.hits}) hits) h ON h._hit = s.{order}"""
        )

    def fill_generated_key(self, stage: Stage) -> Stage:
        [key] = self.k.key
        columns = ", ".join(
            f"coalesce({ident(n)}, {rules.generated_key_sql(self.k)}) AS {ident(n)}" if n == key else ident(n)
            for n in [*self.names, stage.order, *BAD_COLUMNS]
        )
        return self.restage(f"SELECT {columns} FROM {stage.name}")

    def replace(self, stage: Stage) -> list[tuple[str, int]]:
        """--replace: (partition, earlier rows) it takes away (rules.replaced_counts_sql); the
        lake's files of a month it covers are left out of the transaction's result."""
        counts = self.rows(rules.replaced_counts_sql(self.k, stage, self.lake_rows(), self.written))
        if self.k.name not in UNPARTITIONED:
            for month, _n in counts:  # the rest of such a month is this command's own rows
                self.partition(str(month)).keep_lake = False
        return [(str(p), int(n)) for p, n in counts]

    def snapshot_as_of(self, url: str, fields: lines.Fields) -> date:
        """--as-of, else the file name, else the snapshot-date column; refused when none says."""
        as_of = self.options.as_of or snapshot.as_of_from_name(url.rstrip("/").rsplit("/", 1)[-1])
        if as_of is not None:
            return as_of
        index = snapshot.snapshot_date_column(fields.headers)
        if index is None:
            raise snapshot.missing_as_of(url)
        rows = self.rows(snapshot.column_dates_sql(f"c{index}", fields.view))
        return snapshot.as_of_of_column(url, fields.headers[index], rows)

    # ── writing ────────────────────────────────────────────────────────────────────────────
    def write_rows(self, stage: Stage, existing: str, load_id: int, as_of: date | None, verdicts: str | None) -> None:
        names = ", ".join(ident(n) for n in self.names)
        k = self.k
        if k.mode in ("event", "monthly"):
            path = f"{self.txn}/data-{load_id}"
            month = (
                "" if k.time_column == "month" and k.column("month").type == "month" else f", {k.month_sql} AS month"
            )
            self.sql(
                f"SELECT {names}, CAST({load_id} AS BIGINT) AS _load_id{month} FROM {stage.name} WHERE {GOOD}"
            ).write.partitionBy("month").parquet(path)
            for entry in self.fs.list(path):
                if entry.is_dir and entry.name.startswith("month="):
                    self.partition(entry.name.removeprefix("month=")).staged.append(entry.path)
            return
        if k.mode == "reference":
            table = (
                f"SELECT {names}, _load_id FROM {existing} "
                f"UNION ALL SELECT {names}, CAST({load_id} AS BIGINT) FROM {stage.name} WHERE {GOOD}"
            )
        else:  # the file's customers' states swapped for their merged ones
            assert as_of is not None and verdicts is not None  # settled before the rows are judged
            states = ", ".join(f"e.{ident(c)}" for c in [*self.names, *history.HISTORY_COLUMNS])
            others = (
                f"SELECT {states} FROM {existing} e LEFT JOIN {verdicts} v ON v.msisdn = e.msisdn "
                "WHERE v.msisdn IS NULL"
            )
            merged = history.merged_states_sql(k, stage, existing, verdicts, load_id, as_of)
            table = f"{others}\nUNION ALL\n{merged}"
        path = f"{self.txn}/table-{load_id}"
        self.sql(table).coalesce(1).write.parquet(path)
        part = self.partition("")
        part.keep_lake, part.staged = False, [path]

    def write_rejects(self, stage: Stage, load_id: int, url: str) -> None:
        path = f"{self.txn}/rejects-{load_id}"
        self.sql(
            f"""SELECT CAST({load_id} AS BIGINT) AS load_id, {lit(self.k.name)} AS kind, {lit(url)} AS file,
                       CAST(_line AS BIGINT) AS line, _bad_column AS "column", _bad_value AS value,
                       _bad_reason AS reason, _bad_code AS code
                FROM {stage.name} WHERE NOT ({GOOD}) ORDER BY line"""
        ).coalesce(1).write.parquet(path)
        to = self.lake.path("_rejects")
        self.moves.append({"op": "files", "from": path, "to": to, "prefix": f"load-{load_id}-", "load": load_id})

    def write_ledger(self, result: FileLoad, fp: str, status: str = "loaded") -> dict:
        """Stage the load's ledger row; a refused load loaded nothing. Returns its move."""
        path = f"{self.txn}/ledger-{result.load_id}-{status}"
        row = [
            (
                result.load_id,
                self.k.name,
                result.file,
                fp,
                datetime.now().replace(microsecond=0),
                result.encoding,
                result.rows_read,
                0 if status == "refused" else result.rows_loaded,
                result.rows_rejected,
                result.as_of,  # a snapshot's day: which months the customer base covers
                status,
            )
        ]
        schema = (
            "load_id BIGINT, kind STRING, file STRING, fingerprint STRING, loaded_at TIMESTAMP_NTZ, "
            "encoding STRING, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, as_of DATE, status STRING"
        )
        self.spark.createDataFrame(row, schema).coalesce(1).write.parquet(path)
        move = {"op": "files", "from": path, "to": self.lake.path("_loads"), "name": f"load-{result.load_id}.parquet"}
        if status == "loaded":
            self.moves.append(move | {"load": result.load_id})
        return move

    def plan(self) -> list[dict]:
        """The moves that put the transaction in place; data first, the ledger last."""
        data = []
        for _month, part in sorted(self.partitions.items()):
            if part.keep_lake:
                data += [
                    {"op": "files", "from": staged, "to": part.lake_path, "prefix": _prefix(staged)}
                    for staged in part.staged
                ]
            elif part.staged:
                target = part.staged[0]
                for other in part.staged[1:]:  # several files replaced one month: one directory
                    for entry in self.fs.list(other):
                        if not entry.is_dir and not entry.name.startswith(("_", ".")):
                            self.fs.rename(entry.path, f"{target}/{_prefix(other)}{entry.name}")
                data.append({"op": "replace", "from": target, "to": part.lake_path})
        rejects = [m for m in self.moves if m["to"].endswith("/_rejects")]
        ledger = [m for m in self.moves if m["to"].endswith("/_loads")]
        return data + rejects + ledger

    def refused_plan(self, refused: FileLoad) -> list[dict]:
        """A refused load's rejects and its `refused` ledger row, without any data."""
        assert refused.load_id is not None and refused.fingerprint is not None  # it was staged
        rejects = [m for m in self.moves if m.get("load") == refused.load_id and m["to"].endswith("/_rejects")]
        return [*rejects, self.write_ledger(refused, refused.fingerprint, status="refused")]


def _prefix(staged: str) -> str:
    """File-name prefix naming the load a staged partition came from: …/data-7/month=… → load-7-."""
    return staged.rsplit("/", 2)[-2].replace("data-", "load-") + "-"


def load_to_lake(
    spark,
    root: str,
    kind_name: str,
    urls: Sequence[str],
    channels: dict[str, Channel],
    options: LoadOptions | None = None,
    on_file: Callable[[FileLoad], None] | None = None,
) -> list[FileLoad]:
    """Load `urls` into the lake at `root` as one transaction (SPEC §2, §2.1, §10, §11), by the
    DuckDB loader's rules. Raises LoadRejected when --strict sees a bad row or a file's share
    of bad rows exceeds max_reject_rate: nothing of the load is written but the refused file's
    rejects and its ledger row (status `refused`). With `dry_run` nothing at all is written;
    the results carry their first rejects and a refusal only in `FileLoad.refused`."""
    if kind_name not in KINDS:
        raise UsageError(f"unknown kind '{kind_name}'; kinds: {', '.join(KINDS)}")
    options = options or LoadOptions()
    if not 0.0 <= options.max_reject_rate <= 1.0:
        raise UsageError("--max-reject-rate must be between 0 and 1")
    lake = Lake(spark, root)
    new_lake = not lake.fs.exists(lake.root)
    lake.lock()
    txn = lake.path("_staging", f"txn-{time.time_ns()}")
    committed = False
    try:
        lake.recover()
        loader = _LakeLoader(lake, KINDS[kind_name], channels, options, txn)
        results = []
        refused: FileLoad | None = None
        for url in urls:
            result = loader.load(url)
            results.append(result)
            result.refused = outcome.refusal(url, result, options)
            if on_file:
                on_file(result)
            if result.refused:
                refused = result
                break
        if options.dry_run:
            return results  # the transaction is dropped below
        moves = loader.refused_plan(refused) if refused else loader.plan()
        if moves:
            lake.commit(txn, moves)
            committed = True
        if refused:
            raise LoadRejected(
                f"{refused.refused}; load rolled back, no rows written — the rejects are kept as load "
                f"{refused.load_id} in {lake.path('_rejects')}"
            )
        return results
    finally:
        # a transaction whose marker is written is never undone: the next load or read finishes it
        settled = committed or lake.fs.exists(f"{txn}/{COMMITTED}")
        if not settled:
            lake.fs.delete(txn)
        lake.unlock()
        if new_lake and not settled:  # a first load that failed or wrote nothing leaves no empty lake
            lake.fs.delete(lake.root)
