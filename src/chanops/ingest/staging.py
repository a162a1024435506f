"""From an opened extract to a staged table: headers mapped to the kind's columns, every
value normalized, and the first bad column of each row named — one SELECT, run by DuckDB.

Three layers: raw text per canonical column (trimmed of spaces, tabs, full-width and
zero-width characters; missing-value markers as NULL; defaults filled), the normalized
values next to it, then the number of the first failing check, from which column, raw
value and reason are picked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from chanops.channels import Channel
from chanops.errors import InputFileError
from chanops.ingest.normalize import raw_text_sql, refusal_sql, value_sql
from chanops.ingest.reject_codes import text_error_sql
from chanops.ingest.text import TextLayout
from chanops.schema import Kind
from chanops.sql import ident, lit

# Checks across columns of one row, per kind: (condition that is bad, column, code, reason).
ROW_CHECKS: dict[str, list[tuple[str, str, str, str]]] = {
    "rules": [
        ("(rate IS NULL) = (points IS NULL)", "rate", "rate_or_points", "a rule needs exactly one of rate or points"),
        (
            "valid_to IS NOT NULL AND valid_to < valid_from",
            "valid_to",
            "valid_to_before_from",
            "valid_to is before valid_from",
        ),
    ],
}


class StageSource(Protocol):
    """What stage_sql reads of a source: an OpenedExtract, or the Spark loader's numbered lines."""

    @property
    def from_sql(self) -> str: ...
    @property
    def headers(self) -> Sequence[str]: ...
    @property
    def encoding(self) -> str: ...
    @property
    def layout(self) -> TextLayout | None: ...


def _lookup(k: Kind, user_map: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    lookup: dict[str, str] = {}
    for col in k.columns:
        lookup[col.name.lower()] = col.name
        for alias in col.aliases:
            lookup.setdefault(alias.lower(), col.name)
    return lookup, {h.strip().lower(): c for h, c in user_map.items()}


def map_headers(k: Kind, headers: Sequence[str], user_map: dict[str, str], path: str | Path) -> dict[str, int]:
    """Canonical column -> index of the file column holding it.

    A header matches through the user mapping first, then the canonical name
    (case-insensitive), then a built-in Chinese alias. Headers that match nothing
    are ignored (extracts carry many extra columns); two headers for one column,
    or a required column with no header, is an error naming what was found.
    """
    lookup, user = _lookup(k, user_map)
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
    missing = [name for name in k.required if name not in found]
    if missing:
        col = k.column(missing[0])
        aliases = "/".join(col.aliases)
        raise InputFileError(
            f"{path}: missing required column '{col.name}' ({aliases}) for {k.name}; "
            f"headers found: {', '.join(headers) or '(none)'}"
        )
    return found


def header_fit(k: Kind, user_map: dict[str, str]) -> Callable[[list[str]], int | None]:
    """For header sniffing: how many of a candidate line's fields map to the kind, or None
    when a required column is missing."""
    lookup, user = _lookup(k, user_map)

    def fits(fields: list[str]) -> int | None:
        mapped = {user.get(f.strip().lower()) or lookup.get(f.strip().lower()) for f in fields} - {None}
        return len(mapped) if all(name in mapped for name in k.required) else None

    return fits


@dataclass(frozen=True)
class _Check:
    """One way a staged row can be bad: SQL condition, the column to blame, its raw text, and
    why — as a code (reject_codes.py) and in words (both SQL expressions)."""

    condition: str
    column: str
    raw_value: str
    code: str
    reason: str


def _checks(k: Kind, bad_bytes: str | None, line_mode: bool) -> list[_Check]:
    """Per-column checks in column order (the first failing one is reported), then row checks.
    Whole-row faults come first: a line that is no record (read line by line: its `_fault`,
    with the line as the value), and with `bad_bytes` (the encoding) a row holding U+FFFD
    from an undecodable byte."""
    checks = []
    row_text = "concat_ws('|', " + ", ".join(ident(f"r_{c.name}") for c in k.columns) + ")"
    if line_mode:
        checks.append(_Check("_fault IS NOT NULL", "(row)", "left(_text, 200)", *text_error_sql("_fault")))
    if bad_bytes:
        checks.append(
            _Check(
                f"strpos({row_text}, '\ufffd') > 0",
                "(row)",
                f"left({row_text}, 200)",
                "'invalid_bytes'",
                lit(f"invalid {bad_bytes} bytes (shown as \ufffd)"),
            )
        )
    for col in k.columns:
        raw, value = ident(f"r_{col.name}"), ident(col.name)
        if col.required and col.name in k.required:
            missing = lit("missing " + col.name)
            if col.type == "str":
                code, reason = "'missing_value'", missing
            else:
                unread_code, unread = refusal_sql(col.type, raw)
                code = f"CASE WHEN {raw} IS NULL THEN 'missing_value' ELSE {unread_code} END"
                reason = f"CASE WHEN {raw} IS NULL THEN {missing} ELSE {unread} END"
            checks.append(_Check(f"{value} IS NULL", col.name, raw, code, reason))
        elif col.type != "str":
            checks.append(_Check(f"{raw} IS NOT NULL AND {value} IS NULL", col.name, raw, *refusal_sql(col.type, raw)))
    for condition, column, code, reason in ROW_CHECKS.get(k.name, []):
        checks.append(_Check(condition, column, f"CAST({ident(column)} AS VARCHAR)", lit(code), lit(reason)))
    return checks


def stage_sql(
    k: Kind,
    source: StageSource,
    mapping: dict[str, int],
    channels: dict[str, Channel],
    *,
    with_spans: bool = False,
    raw_table: str | None = None,
    carry: Sequence[str] = (),
) -> str:
    """SELECT producing the normalized columns plus the first bad column of each row:
    `_bad_column`, `_bad_value`, `_bad_code` and `_bad_reason` (all NULL on a good row).

    `with_spans` adds `_span`, the physical lines a record covers (1 + the line breaks
    inside its quoted fields), and `_suspect`, a quoted field holding both a line break and
    the delimiter — what an unterminated quote swallowing whole lines looks like. `carry`
    names columns of the source passed through unchanged (the Spark loader's line numbers)."""
    layout = source.layout
    raw, values = [], []
    for col in k.columns:
        text = raw_text_sql(f"c{mapping[col.name]}") if col.name in mapping else "CAST(NULL AS VARCHAR)"
        if col.default is not None:
            text = f"coalesce({text}, {lit(col.default)})"
        raw.append(f"{text} AS {ident(f'r_{col.name}')}")
        values.append(f"{value_sql(col.type, ident(f'r_{col.name}'), channels)} AS {ident(col.name)}")
    extra_source, extra = "", ""
    line_mode = bool(layout and layout.line_mode)
    if line_mode:
        extra_source, extra = ", _fault, _text", ", _fault, _text"
    elif with_spans:
        # over a list of all the fields, not a chain of OR and + (a thousand-column extract
        # would pass DuckDB's expression depth limit)
        fields = "[" + ", ".join(f"c{i}" for i in range(len(source.headers))) + "]"
        delimiter = lit(layout.delimiter) if layout else "','"
        breaks = "coalesce(length(f) - length(replace(f, chr(10), '')), 0)"
        newlines = f"list_sum(list_transform({fields}, lambda f: {breaks}))"
        spanning = f"strpos(f, chr(10)) > 0 AND strpos(f, {delimiter}) > 0"
        suspect = f"list_bool_or(list_transform({fields}, lambda f: {spanning}))"
        extra_source = f", 1 + {newlines} AS _span, coalesce({suspect}, false) AS _suspect"
        extra = ", _span, _suspect"
    for name in carry:
        extra_source, extra = f"{extra_source}, {name}", f"{extra}, {name}"
    bad_bytes = source.encoding if layout and layout.replaced_bytes else None
    checks = list(enumerate(_checks(k, bad_bytes, line_mode), 1))
    first_bad = " ".join(f"WHEN {c.condition} THEN {i}" for i, c in checks)
    column_of = " ".join(f"WHEN {i} THEN {lit(c.column)}" for i, c in checks)
    value_of = " ".join(f"WHEN {i} THEN {c.raw_value}" for i, c in checks)
    code_of = " ".join(f"WHEN {i} THEN {c.code}" for i, c in checks)
    reason_of = " ".join(f"WHEN {i} THEN {c.reason}" for i, c in checks)
    names = ", ".join(ident(c.name) for c in k.columns)
    raw_names = ", ".join(ident(f"r_{c.name}") for c in k.columns)
    raw_select = f"SELECT {', '.join(raw)}{extra_source} FROM {source.from_sql}"
    if raw_table == "":
        return raw_select
    return f"""
        SELECT {names},
               CASE _bad {column_of} END AS _bad_column,
               CASE _bad {value_of} END AS _bad_value,
               CASE _bad {code_of} END AS _bad_code,
               CASE _bad {reason_of} END AS _bad_reason{extra}
        FROM (
            SELECT *, CASE {first_bad} END AS _bad
            FROM (SELECT {raw_names}, {", ".join(values)}{extra}
                  FROM {raw_table or f"({raw_select})"}))"""
