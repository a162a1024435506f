"""`chanops load --engine spark`: extracts on the cluster's storage into the Parquet lake.

The same rules as the DuckDB loader, run by Spark: headers mapped by ingest/staging.py's
map_headers, every value normalized and the first bad column named by its stage_sql (the
same SQL text, transpiled), each kind's key and load mode (SPEC §2.1) enforced here as
SELECTs over the staged rows and the lake. Per file:
  1. a file whose bytes were loaded before is skipped (unless replacing);
  2. open it as numbered text fields (lines.py) and stage it: normalized values plus
     `_bad_*`, written to the transaction's staging directory;
  3. --replace: the partitions it covers start empty; mark keys already in the lake or
     repeated in the file as duplicates; overlapping rules; the customer snapshot;
  4. new rows, rejects and the ledger row are staged; after the last file the
     transaction commits (store.py) — or, when a file has too many bad rows, is dropped.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from types import SimpleNamespace

from chanops.channels import Channel
from chanops.engines.dialect import to_spark_sql
from chanops.errors import InputFileError, LoadRejected, UsageError
from chanops.ingest import snapshot
from chanops.ingest.keys import generated_key_sql, key_name, key_text
from chanops.ingest.loader import DUPLICATE, FileLoad, LoadOptions
from chanops.ingest.staging import header_fit, map_headers, stage_sql
from chanops.lake import lines
from chanops.lake.store import COMMITTED, UNPARTITIONED, Lake, Partition
from chanops.schema import KINDS, Kind
from chanops.sql import ident, lit

GOOD = "_bad_reason IS NULL"
BAD_COLUMNS = ("_bad_column", "_bad_value", "_bad_reason")


class _LakeLoader:
    def __init__(self, lake: Lake, k: Kind, channels: dict[str, Channel], options: LoadOptions, txn: str):
        self.lake, self.k, self.channels, self.options, self.txn = lake, k, channels, options, txn
        self.spark, self.fs = lake.spark, lake.fs
        self.names = [c.name for c in k.columns]
        self.next_id = max(lake.load_ids(), default=0) + 1
        self.partitions: dict[str, Partition] = {}  # partition value → what it will hold
        self.fingerprints: set[str] = set()
        self.moves: list[dict] = []
        self.step = 0
        # --replace on a whole-table kind: SELECT of the products or customers the file covers
        self.replaced_cover: str | None = None

    # ── helpers ────────────────────────────────────────────────────────────────────────────
    def sql(self, duckdb_sql: str):
        return self.spark.sql(to_spark_sql(duckdb_sql))

    def materialize(self, frame, name: str) -> str:
        """Write a frame under the transaction and read it back as a view: each step is
        computed once, and memory stays bounded whatever the file's size."""
        self.step += 1
        path = f"{self.txn}/{name}-{self.step}"
        frame.write.parquet(path)
        view = f"_{name}_{self.step}"
        self.spark.read.parquet(path).createOrReplaceTempView(view)
        return view

    def kind_dir(self) -> str:
        return self.lake.path(self.k.name)

    def partition(self, value: str) -> Partition:
        if value not in self.partitions:
            lake_path = self.kind_dir() if self.k.name in UNPARTITIONED else f"{self.kind_dir()}/month={value}"
            self.partitions[value] = Partition(lake_path)
        return self.partitions[value]

    def existing(self) -> str:
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
            reader = self.spark.read
            if self.k.name not in UNPARTITIONED:
                reader = reader.option("basePath", self.kind_dir())
            frame = reader.parquet(*paths)
            frame.select(*self.names, *self.history_columns(), "_load_id").createOrReplaceTempView(view)
        else:
            from chanops.engines.spark import empty_view_sql

            self.spark.sql(empty_view_sql(view, self.k.name))
        return view

    def history_columns(self) -> list[str]:
        return ["_valid_from", "_valid_to"] if self.k.mode == "snapshot" else []

    def fingerprint(self, url: str) -> str:
        fs, jvm = self.fs._fs(url), self.fs.jvm
        stream = fs.open(self.fs._path(url))
        try:
            return "sha256:" + str(jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream))
        finally:
            stream.close()

    def loaded_before(self, fingerprint: str) -> bool:
        if fingerprint in self.fingerprints:
            return True
        ledger = self.lake.ledger()
        if ledger is None:
            return False
        return bool(ledger.filter(f"kind = {lit(self.k.name)} AND fingerprint = {lit(fingerprint)}").count())

    # ── one file ───────────────────────────────────────────────────────────────────────────
    def load(self, url: str) -> FileLoad:
        result = FileLoad(file=url, kind=self.k.name)
        if not self.fs.exists(url):
            raise InputFileError(f"{url}: no such file")
        if not self.fs.is_file(url):
            raise InputFileError(f"{url}: not a regular file")
        fmt = lines.extract_format(url)
        fp = self.fingerprint(url)
        if not self.options.replace and self.loaded_before(fp):
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
            if not self.options.replace and self.loaded_before(fp):
                result.skipped = "same bytes"
                return result
        result.ignored_columns = [h for i, h in enumerate(fields.headers) if i not in mapping.values()]
        stage = self.materialize(self.sql(self.stage_sql(fields, mapping)), "stage")
        total = self.spark.sql(f"SELECT count(*) FROM {stage}").collect()[0][0]
        if total == 0:
            raise InputFileError(f"{url}: has a header but no data rows")
        if self.k.key_from:
            stage = self.fill_generated_key(stage)
        if self.options.replace:
            result.replaced = self.replace_partitions(stage)
        existing = self.existing()
        stage = self.mark_duplicates(stage, existing)
        if self.k.mode == "reference":
            stage = self.mark_overlapping_rules(stage, existing)
        if self.k.mode == "snapshot":
            assert result.as_of is not None  # resolved with the file's fingerprint
            stage = self.snapshot_judge(stage, existing, result.as_of)
        counts = self.spark.sql(
            f"SELECT count_if({GOOD}), count_if(startswith(_bad_reason, '{DUPLICATE}')) FROM {stage}"
        ).collect()[0]
        good, duplicates = int(counts[0]), int(counts[1])
        if good == 0 and duplicates == total and not self.options.replace:
            result.skipped = "all rows already loaded"
            result.rows_read = result.rows_rejected = result.duplicates = total
            return result
        load_id = result.load_id = self.next_id
        self.next_id += 1
        self.write_rows(stage, existing, load_id, result.as_of)
        self.write_rejects(stage, load_id, url)
        result.rows_read = total
        result.rows_rejected = total - good
        result.rows_loaded = good
        result.duplicates = duplicates
        result.reasons = [
            (r[0], int(r[1]))
            for r in self.spark.sql(
                f"SELECT _bad_reason, count(*) AS n FROM {stage} WHERE NOT ({GOOD}) GROUP BY 1 ORDER BY 2 DESC, 1"
            ).collect()
        ]
        self.write_ledger(result, fp)
        self.fingerprints.add(fp)
        return result

    def stage_sql(self, fields: lines.Fields, mapping: dict[str, int]) -> str:
        layout = SimpleNamespace(line_mode=False, replaced_bytes=int(fields.encoding == "gb18030"), delimiter=",")
        source = SimpleNamespace(layout=layout, from_sql=fields.view, headers=fields.headers, encoding=fields.encoding)
        staged = stage_sql(self.k, source, mapping, self.channels, carry=("_line", "_fault", "_text"))
        names = ", ".join(ident(n) for n in self.names)
        # a line that is not a record (quotes, field count, bytes) is bad as a whole
        return f"""
            SELECT {names}, _line,
                   CASE WHEN _fault IS NOT NULL THEN '(row)' ELSE _bad_column END AS _bad_column,
                   CASE WHEN _fault IS NOT NULL THEN left(_text, 200) ELSE _bad_value END AS _bad_value,
                   coalesce(_fault, _bad_reason) AS _bad_reason
            FROM ({staged}) staged"""

    def restage(self, select: str) -> str:
        return self.materialize(self.sql(select), "stage")

    def mark(
        self, reason: str, condition: str, source: str, column: str | None = None, value: str | None = None
    ) -> str:
        """SELECT over `source` (the staged rows as `s`, and what they are joined to) marking the
        good rows that meet `condition` bad, by default blaming the key."""
        good = f"s.{GOOD}"
        column = column or lit(key_name(self.k))
        value = value or key_text(self.k, "s")
        others = ", ".join(f"s.{ident(n)}" for n in [*self.names, "_line"])
        hit = f"{good} AND ({condition})"
        return (
            f"SELECT {others}, "
            f"CASE WHEN {hit} THEN {column} ELSE s._bad_column END AS _bad_column, "
            f"CASE WHEN {hit} THEN {value} ELSE s._bad_value END AS _bad_value, "
            f"CASE WHEN {hit} THEN {reason} ELSE s._bad_reason END AS _bad_reason "
            f"FROM {source}"
        )

    def fill_generated_key(self, stage: str) -> str:
        [key] = self.k.key
        columns = ", ".join(
            f"coalesce({ident(n)}, {generated_key_sql(self.k)}) AS {ident(n)}" if n == key else ident(n)
            for n in [*self.names, "_line", *BAD_COLUMNS]
        )
        return self.restage(f"SELECT {columns} FROM {stage}")

    def replace_partitions(self, stage: str) -> list[tuple[str, int]]:
        """--replace: the partitions the good rows cover start empty; (partition, earlier rows)."""
        k = self.k
        if k.mode == "reference" or k.mode == "snapshot":
            # whole-table kinds: the new table leaves out what the file covers
            self.replaced_cover = (
                f"SELECT DISTINCT {'product' if k.mode == 'reference' else 'msisdn'} FROM {stage} WHERE {GOOD}"
            )
            existing = self.existing()
            column = "product" if k.mode == "reference" else "msisdn"
            if k.mode == "snapshot":
                n = self.spark.sql(
                    f"SELECT count(DISTINCT msisdn) FROM {existing} WHERE msisdn IN ({self.replaced_cover})"
                ).collect()[0][0]
                return [("customers", int(n))] if n else []
            rows = self.sql(
                f"SELECT {column}, count(*) FROM {existing} WHERE {column} IN ({self.replaced_cover}) "
                "GROUP BY 1 ORDER BY 1"
            ).collect()
            return [(str(p), int(n)) for p, n in rows]
        months = [r[0] for r in self.sql(f"SELECT DISTINCT {k.month_sql} FROM {stage} WHERE {GOOD}").collect()]
        replaced = []
        existing = self.existing()
        counts = dict(
            self.sql(
                f"SELECT {k.month_sql}, count(*) FROM {existing} WHERE {k.month_sql} IN "
                f"({', '.join(lit(m) for m in months) or 'NULL'}) GROUP BY 1"
            ).collect()
        )
        for month in sorted(months):
            part = self.partition(month)
            part.keep_lake, part.staged = False, []
            if counts.get(month):
                replaced.append((month, int(counts[month])))
        return replaced

    def mark_duplicates(self, stage: str, existing: str) -> str:
        k = self.k
        keys = ", ".join(ident(c) for c in k.key)
        if k.mode != "snapshot":
            same = " AND ".join(f"s.{ident(c)} IS NOT DISTINCT FROM e.{ident(c)}" for c in k.key)
            kept = existing
            if self.replaced_cover and k.mode == "reference":
                kept = f"(SELECT * FROM {existing} WHERE {self.not_replaced('product')})"
            seen = f"(SELECT DISTINCT {keys}, true AS _seen FROM {kept})"
            reason = lit(f"duplicate {key_name(k)} (already loaded)")
            stage = self.restage(self.mark(reason, "e._seen", f"{stage} s LEFT JOIN {seen} e ON {same}"))
        repeated = f"row_number() OVER (PARTITION BY {keys}, ({GOOD}) ORDER BY _line) > 1"
        reason = lit(f"duplicate {key_name(k)} (repeated in file)")
        return self.restage(self.mark(reason, "s._repeat", f"(SELECT *, {repeated} AS _repeat FROM {stage}) s"))

    def mark_overlapping_rules(self, stage: str, existing: str) -> str:
        """Two rules for one product may not be in force in the same month: a rule overlapping
        one already loaded, or an earlier line of the same file, is rejected."""
        overlaps = (
            "{a}.product = {b}.product AND {a}.valid_from <= coalesce({b}.valid_to, '9999-12') "
            "AND coalesce({a}.valid_to, '9999-12') >= {b}.valid_from"
        )
        kept = existing
        if self.replaced_cover:
            kept = f"(SELECT * FROM {existing} WHERE {self.not_replaced('product')})"
        clashing = f"""
            SELECT s._line FROM {stage} s JOIN {kept} r ON {overlaps.format(a="r", b="s")} WHERE s.{GOOD}
            UNION
            SELECT s._line FROM {stage} s JOIN {stage} e
              ON e._line < s._line AND e.{GOOD} AND {overlaps.format(a="e", b="s")} WHERE s.{GOOD}"""
        select = self.mark(
            "'validity overlaps another rule for ' || s.product",
            "c._line IS NOT NULL",
            f"{stage} s LEFT JOIN (SELECT DISTINCT _line FROM ({clashing}) x) c ON c._line = s._line",
            column="'valid_from'",
            value="s.valid_from",
        )
        return self.restage(select)

    def snapshot_judge(self, stage: str, existing: str, as_of: date) -> str:
        """A customer whose state in force dates from after --as-of is rejected (load snapshots
        oldest first). One whose state is unchanged is not a reject (SPEC §2.1): snapshot_table
        leaves their state as it is."""
        day = f"DATE {lit(as_of.isoformat())}"
        current = f"(SELECT * FROM {existing} WHERE _valid_to IS NULL AND {self.not_replaced('msisdn')})"
        newer = (
            f"(SELECT msisdn, max(_valid_from) AS newest FROM {current} GROUP BY msisdn "
            f"HAVING max(_valid_from) > {day})"
        )
        reason = (
            "'a newer state of this customer is loaded (as of ' || strftime(n.newest, '%Y-%m-%d') || "
            "'); load snapshots oldest first'"
        )
        return self.restage(
            self.mark(reason, "n.newest IS NOT NULL", f"{stage} s LEFT JOIN {newer} n ON n.msisdn = s.msisdn")
        )

    def snapshot_as_of(self, url: str, fields: lines.Fields) -> date:
        """--as-of, else the file name, else the snapshot-date column; refused when none says."""
        as_of = self.options.as_of or snapshot.as_of_from_name(url.rstrip("/").rsplit("/", 1)[-1])
        if as_of is not None:
            return as_of
        index = snapshot.snapshot_date_column(fields.headers)
        if index is None:
            raise snapshot.missing_as_of(url)
        rows = [tuple(r) for r in self.sql(snapshot.column_dates_sql(f"c{index}", fields.view)).collect()]
        return snapshot.as_of_of_column(url, fields.headers[index], rows)

    def not_replaced(self, column: str) -> str:
        """The test that keeps a row of the lake's table through --replace."""
        # as DuckDB's DELETE … WHERE column IN (…): a row the test cannot decide is kept
        return f"NOT coalesce({column} IN ({self.replaced_cover}), false)" if self.replaced_cover else "true"

    # ── writing ────────────────────────────────────────────────────────────────────────────
    def write_rows(self, stage: str, existing: str, load_id: int, as_of: date | None) -> None:
        names = ", ".join(ident(n) for n in self.names)
        k = self.k
        if k.mode in ("event", "monthly"):
            path = f"{self.txn}/data-{load_id}"
            month = (
                "" if k.time_column == "month" and k.column("month").type == "month" else f", {k.month_sql} AS month"
            )
            self.sql(
                f"SELECT {names}, CAST({load_id} AS BIGINT) AS _load_id{month} FROM {stage} WHERE {GOOD}"
            ).write.partitionBy("month").parquet(path)
            for entry in self.fs.list(path):
                if entry.is_dir and entry.name.startswith("month="):
                    self.partition(entry.name.removeprefix("month=")).staged.append(entry.path)
            return
        if k.mode == "reference":
            kept = f"SELECT {names}, _load_id FROM {existing} WHERE {self.not_replaced('product')}"
            table = f"{kept} UNION ALL SELECT {names}, CAST({load_id} AS BIGINT) FROM {stage} WHERE {GOOD}"
        else:
            assert as_of is not None  # a snapshot's as-of is settled before it is staged
            table = self.snapshot_table(stage, existing, load_id, names, as_of)
        path = f"{self.txn}/table-{load_id}"
        self.sql(table).coalesce(1).write.parquet(path)
        part = self.partition("")
        part.keep_lake, part.staged = False, [path]

    def snapshot_table(self, stage: str, existing: str, load_id: int, names: str, as_of: date) -> str:
        """The customers table after merging the good rows: a changed customer's state in force
        is closed at --as-of (or dropped when it began that day) and the new one starts there;
        a customer seen for the first time is in force from the beginning (NULL)."""
        day = f"DATE {lit(as_of.isoformat())}"
        kept = f"SELECT * FROM {existing} WHERE {self.not_replaced('msisdn')}"
        same = " AND ".join(f"c.{ident(n)} IS NOT DISTINCT FROM s.{ident(n)}" for n in self.names)
        fresh = f"""(SELECT * FROM {stage} s WHERE s.{GOOD} AND NOT EXISTS (
            SELECT 1 FROM ({kept}) c WHERE c._valid_to IS NULL AND {same}))"""
        changed = f"SELECT msisdn FROM {fresh} f"
        survivors = f"""
            SELECT * FROM ({kept}) kept
            WHERE NOT coalesce(_valid_to IS NULL AND _valid_from = {day} AND msisdn IN ({changed}), false)"""
        return f"""
            WITH survivors AS ({survivors})
            SELECT {names}, _load_id, _valid_from,
                   CASE WHEN _valid_to IS NULL AND msisdn IN ({changed}) THEN {day} ELSE _valid_to END AS _valid_to
            FROM survivors
            UNION ALL
            SELECT {names}, CAST({load_id} AS BIGINT),
                   CASE WHEN msisdn IN (SELECT msisdn FROM survivors) THEN {day} END, CAST(NULL AS DATE)
            FROM {fresh} f"""

    def write_rejects(self, stage: str, load_id: int, url: str) -> None:
        path = f"{self.txn}/rejects-{load_id}"
        self.sql(
            f"""SELECT CAST({load_id} AS BIGINT) AS load_id, {lit(self.k.name)} AS kind, {lit(url)} AS file,
                       CAST(_line AS BIGINT) AS line, _bad_column AS "column", _bad_value AS value,
                       _bad_reason AS reason
                FROM {stage} WHERE NOT ({GOOD}) ORDER BY line"""
        ).coalesce(1).write.parquet(path)
        self.moves.append({"op": "files", "from": path, "to": self.lake.path("_rejects"), "prefix": f"load-{load_id}-"})

    def write_ledger(self, result: FileLoad, fp: str) -> None:
        path = f"{self.txn}/ledger-{result.load_id}"
        row = [
            (
                result.load_id,
                self.k.name,
                result.file,
                fp,
                datetime.now().replace(microsecond=0),
                result.encoding,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
                result.as_of,  # a snapshot's day: which months the customer base covers
            )
        ]
        schema = (
            "load_id BIGINT, kind STRING, file STRING, fingerprint STRING, loaded_at TIMESTAMP_NTZ, "
            "encoding STRING, rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, as_of DATE"
        )
        self.spark.createDataFrame(row, schema).coalesce(1).write.parquet(path)
        self.moves.append(
            {"op": "files", "from": path, "to": self.lake.path("_loads"), "name": f"load-{result.load_id}.parquet"}
        )

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
    """Load `urls` into the lake at `root` as one transaction (SPEC §2, §2.1, §10, §11)."""
    if kind_name not in KINDS:
        raise UsageError(f"unknown kind '{kind_name}'; kinds: {', '.join(KINDS)}")
    options = options or LoadOptions()
    lake = Lake(spark, root)
    new_lake = not lake.fs.exists(lake.root)
    lake.lock()
    txn = lake.path("_staging", f"txn-{time.time_ns()}")
    committed = False
    try:
        lake.recover()
        loader = _LakeLoader(lake, KINDS[kind_name], channels, options, txn)
        results = []
        for url in urls:
            result = loader.load(url)
            results.append(result)
            if on_file:
                on_file(result)
            if result.bad_rows and (options.strict or result.reject_rate > options.max_reject_rate):
                top = next((r for r, _n in result.reasons if not r.startswith(DUPLICATE)), "?")
                why = "--strict" if options.strict else f"above --max-reject-rate {options.max_reject_rate:g}"
                raise LoadRejected(
                    f"{url}: {result.bad_rows} of {result.rows_read} rows rejected "
                    f"({result.reject_rate:.1%}, {why}; most common: {top}); load rolled back, {root} unchanged"
                )
        moves = loader.plan()
        if moves:
            lake.commit(txn, moves)
        committed = True
        return results
    finally:
        # a transaction whose marker is written is never undone: the next load or read finishes it
        settled = committed or lake.fs.exists(f"{txn}/{COMMITTED}")
        if not settled:
            lake.fs.delete(txn)
        lake.unlock()
        if new_lake and not settled:  # a first load that failed leaves no empty lake behind
            lake.fs.delete(lake.root)
