"""What a load is asked to do and what came of each file — shared by the DuckDB loader
(ingest/loader.py) and the Spark loader (lake/load.py), so both count, summarize and refuse
a file the same way: by reject code, never by a reason's words."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from chanops.config import DEFAULT_MAX_REJECT_RATE
from chanops.ingest.reject_codes import DUPLICATE_CODES

# Rejects a dry run hands over per file, in line order (the summary says how many more).
DRY_RUN_REJECTS = 1000


@dataclass
class LoadOptions:
    encoding: str = "auto"
    strict: bool = False
    max_reject_rate: float = DEFAULT_MAX_REJECT_RATE
    replace: bool = False
    column_map: dict[str, str] = field(default_factory=dict)  # header in file -> canonical column
    as_of: date | None = None  # customers: the date the snapshot describes (else from the file; never today)
    dry_run: bool = False  # everything a load does, then rolled back: not even the ledger is written


@dataclass
class FileLoad:
    """What happened to one file: the load summary printed on stderr."""

    file: str
    kind: str
    load_id: int | None = None
    encoding: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0  # duplicates included: read = loaded + rejected
    duplicates: int = 0
    reasons: list[tuple[str, str, int]] = field(default_factory=list)  # (code, reason, rows), most rows first
    skipped: str | None = None  # why nothing was loaded: 'same bytes' or 'all rows already loaded'
    replaced: list[tuple[str, int]] = field(default_factory=list)  # (month/product/'customers', rows)
    ignored_columns: list[str] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)  # lines above the header, skipped
    blank_lines: int = 0
    line_mode: bool = False  # re-read line by line after an unterminated quote
    as_of: date | None = None  # a snapshot: the day it describes
    customers: tuple[int, int, int] | None = None  # a snapshot: customers new, changed, unchanged
    fingerprint: str | None = None
    refused: str | None = None  # why the load was refused for its reject share (its rejects are kept)
    reject_rows: list[tuple] = field(default_factory=list)  # dry run: (line, column, value, code, reason)

    @property
    def bad_rows(self) -> int:
        return self.rows_rejected - self.duplicates

    @property
    def reject_rate(self) -> float:
        """Bad rows over rows read; duplicates are not bad data and do not count."""
        return self.bad_rows / self.rows_read if self.rows_read else 0.0


def tally_sql(rejects: str) -> str:
    """SELECT (code, reason, rows) of a load's rejects (a relation with `code` and `reason`),
    most rows first — for tally()."""
    return (
        f"SELECT code, reason, count(*) AS n FROM {rejects} tallied GROUP BY code, reason ORDER BY n DESC, reason, code"
    )


def tally(result: FileLoad, rows: Iterable[tuple]) -> None:
    """Rejected, duplicates, loaded and reasons of `result` from the rows of tally_sql."""
    result.reasons = [(str(code), str(reason), int(n)) for code, reason, n in rows]
    result.rows_rejected = sum(n for _c, _r, n in result.reasons)
    result.duplicates = sum(n for code, _r, n in result.reasons if code in DUPLICATE_CODES)
    result.rows_loaded = result.rows_read - result.rows_rejected


def refusal(path: object, result: FileLoad, options: LoadOptions) -> str | None:
    """Why the file is refused for its bad rows (--strict, or a share above --max-reject-rate),
    naming the most common reason that is not a duplicate; None when it is not."""
    if not result.bad_rows or not (options.strict or result.reject_rate > options.max_reject_rate):
        return None
    top = next((reason for code, reason, _n in result.reasons if code not in DUPLICATE_CODES), "?")
    why = "--strict" if options.strict else f"above --max-reject-rate {options.max_reject_rate:g}"
    return (
        f"{path}: {result.bad_rows} of {result.rows_read} rows rejected "
        f"({result.reject_rate:.1%}, {why}; most common: {top})"
    )
