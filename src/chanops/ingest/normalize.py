"""Value normalization (SPEC §2) as DuckDB SQL expressions.

Each logical type gets an expression that turns the trimmed raw text `x` into the
canonical value, or NULL when the text cannot be read. A value is bad exactly
when the raw text was present and the normalized value is NULL, so the loader
can name the first bad column of a row without evaluating anything twice.
Everything runs inside the engine: no Python per row.
"""

from __future__ import annotations

from collections.abc import Mapping

from chanops.channels import Channel, alias_rows
from chanops.ingest.reject_codes import TYPE_CODES
from chanops.sql import lit

TIMESTAMP_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d%H%M%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y%m%d",
    "%Y-%m-%d",
    "%Y/%m/%d",
)

STATUS_WORDS = {
    "success": ("成功", "success", "succeeded", "ok", "1", "y", "yes", "true"),
    "fail": ("失败", "fail", "failed", "failure", "0", "n", "no", "false"),
}

BOOL_WORDS = {
    "true": ("是", "1", "y", "yes", "true", "t"),
    "false": ("否", "0", "n", "no", "false", "f"),
}

# Why a value was refused, by type; shown in `chanops rejects` and load summaries.
REASONS = {
    "msisdn": "not an 11-digit mobile number",
    "status": "status is not success/fail (成功/失败/1/0/Y/N)",
    "bool": "not a yes/no value (是/否/1/0/Y/N/true/false)",
    "ts": "not a timestamp (e.g. 2022-11-30 08:01:02, 20221130080102)",
    "date": "not a date (e.g. 2022-11-30, 20221130)",
    "month": "not a month (e.g. 2022-11, 202211)",
    "int": "not a whole number",
    "dec": "not an amount (e.g. 1,234.50)",
    "ratio": "not a rate (e.g. 0.25 or 25%)",
}


# SPEC §2.1: values that mean "missing" whatever the column, as extracts spell them.
NULL_MARKERS = ("", "\\N", "NULL", "null", "Null", "NaN", "nan", "NAN", "None", "none", "NONE", "N/A", "n/a", "NA", "-")
# Trimmed from both ends: spaces, tabs, line ends, full-width space, NBSP, zero-width characters.
TRIM_CHARS = " \t\r\n\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff"


def raw_text_sql(x: str) -> str:
    """The raw text of a field: NULL for a missing-value marker, TRIM_CHARS removed from both ends.

    Written for speed, since it runs on every value of every load and DuckDB inlines it
    wherever the value is used: one flat CASE (a nested one cost 3x), markers tested only on
    values of 4 bytes or fewer, the edge test the code points of the first and last
    character (ord() and x[-1] copy no string: half the cost of left()/right(); trim() with a
    character list costs 4x a plain trim, so it runs only on values that need it). Spark runs
    the same text, transpiled (engines/dialect.py)."""
    chars = lit(TRIM_CHARS)
    edge_points = ", ".join(str(ord(c)) for c in TRIM_CHARS)
    markers = _in_list(NULL_MARKERS)
    trimmed = f"trim({x}, {chars})"
    return (
        f"CASE WHEN strlen({x}) <= 4 AND {x} IN ({markers}) THEN NULL "
        f"WHEN ord({x}) IN ({edge_points}) OR ord({x}[-1]) IN ({edge_points}) "
        f"THEN (CASE WHEN {trimmed} IN ({markers}) THEN NULL ELSE {trimmed} END) ELSE {x} END"
    )


WHOLE = "'[+-]?[0-9]+'"
DECIMAL = "'[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)'"


def _in_list(words: tuple[str, ...]) -> str:
    return ", ".join(lit(w) for w in words)


def _formats() -> str:
    return "[" + ", ".join(lit(f) for f in TIMESTAMP_FORMATS) + "]"


def value_sql(type_: str, x: str, channels: dict[str, Channel]) -> str:
    """Expression giving the canonical value of raw text `x`, NULL if unreadable."""
    if type_ == "str":
        return x
    if type_ == "msisdn":
        # +86 / 86 / 0086 prefixes, spaces, dashes and brackets are all common in CRM exports.
        # Most numbers are already 11 plain digits: they need no cleaning. (A cast is no test of
        # digits: DuckDB casts '1.000000000' and '1_000000000' to integers.)
        digits = f"regexp_replace({x}, '[\\s\\-()]', '', 'g')"
        return (
            f"CASE WHEN regexp_full_match({x}, '1[0-9]{{10}}') THEN {x} "
            f"WHEN regexp_full_match({digits}, '(\\+?86|0086)?1[0-9]{{10}}') THEN right({digits}, 11) END"
        )
    if type_ == "status":
        return _words(x, STATUS_WORDS, "'success'", "'fail'")
    if type_ == "bool":
        return _words(x, BOOL_WORDS, "true", "false")
    if type_ == "ts":
        return f"CASE WHEN {_years('ts', x)} THEN try_strptime({x}, {_formats()}) END"
    if type_ == "date":
        return f"CASE WHEN {_years('date', x)} THEN CAST(try_strptime({x}, {_formats()}) AS DATE) END"
    if type_ == "month":
        # 2022-11, 202211, 2022/11, and a full date standing for its month.
        pattern = "'^([0-9]{4})[-/]?([0-9]{1,2})([-/]?[0-9]{1,2})?$'"
        year = f"regexp_extract({x}, {pattern}, 1)"
        month = f"TRY_CAST(regexp_extract({x}, {pattern}, 2) AS INTEGER)"
        return f"CASE WHEN {month} BETWEEN 1 AND 12 THEN {year} || '-' || lpad(CAST({month} AS VARCHAR), 2, '0') END"
    # Numbers are told by their text before the cast: casts also take '1.5' as a whole number
    # (rounded), '1e3', '0x1F' and '1_000', and the engines differ on which.
    if type_ == "int":
        return f"CASE WHEN regexp_full_match({x}, {WHOLE}) THEN TRY_CAST({x} AS BIGINT) END"
    if type_ == "dec":
        # A plain amount (most are) needs no cleaning: it holds none of the characters removed.
        cleaned = f"regexp_replace({x}, '[,¥￥元\\s]', '', 'g')"
        return (
            f"CASE WHEN regexp_full_match({x}, {DECIMAL}) THEN TRY_CAST({x} AS DECIMAL(18,2)) "
            f"WHEN regexp_full_match({cleaned}, {DECIMAL}) THEN TRY_CAST({cleaned} AS DECIMAL(18,2)) END"
        )
    if type_ == "ratio":
        # 0.25 or 25%: a percent sign divides by 100
        bare = f"replace({x}, '%', '')"
        number = f"CASE WHEN regexp_full_match({bare}, {DECIMAL}) THEN TRY_CAST({bare} AS DECIMAL(18,6)) END"
        return f"CASE WHEN {x} LIKE '%\\%' ESCAPE '\\' THEN CAST({number} / 100 AS DECIMAL(18,6)) ELSE {number} END"
    if type_ == "channel":
        # canonical codes first (what most extracts hold), then every label and alias
        codes = _in_list(tuple(channels))
        branches = " ".join(f"WHEN {lit(s)} THEN {lit(code)}" for s, code in alias_rows(channels))
        return f"CASE WHEN {x} IN ({codes}) THEN {x} ELSE (CASE lower({x}) {branches} END) END"
    raise ValueError(f"unknown column type {type_!r}")


def _words(x: str, words: Mapping[str, tuple[str, ...]], yes: str, no: str) -> str:
    """A two-way word list (STATUS_WORDS, BOOL_WORDS) as one expression. The first word of each
    side (成功/失败, 是/否: what extracts hold) is matched as it is before anything is lowered:
    lower() of every value and the IN lists, which DuckDB plans as joins, are then left to
    the few other spellings."""
    first, second = words.values()
    return (
        f"CASE {x} WHEN {lit(first[0])} THEN {yes} WHEN {lit(second[0])} THEN {no} "
        f"ELSE (CASE WHEN lower({x}) IN ({_in_list(first)}) THEN {yes} "
        f"WHEN lower({x}) IN ({_in_list(second)}) THEN {no} END) END"
    )


def refusal_sql(type_: str, x: str) -> tuple[str, str]:
    """(code, reason) expressions saying why raw text `x` was refused (used only when it was):
    the stable code (ingest/reject_codes.py) and the words beside it."""
    code = lit(TYPE_CODES[type_])
    if type_ == "channel":
        return code, f"'unknown channel code ''' || {x} || ''''"
    if type_ in YEARS:
        first, last = YEARS[type_]
        out_of_range = f"try_strptime({x}, {_formats()}) IS NOT NULL AND NOT ({_years(type_, x)})"
        return (
            f"CASE WHEN {out_of_range} THEN 'year_out_of_range' ELSE {code} END",
            f"CASE WHEN {out_of_range} THEN {lit(f'year outside {first}–{last}')} ELSE {lit(REASONS[type_])} END",
        )
    return code, lit(REASONS[type_])


# Plausible years: events from 2000 (a 0001 or 2999 timestamp is a typo, and would become
# the default month); customers' join and churn dates from 1980. Every accepted format
# starts with the 4-digit year, so the test is on the text, before any parsing.
YEARS = {"ts": ("2000", "2099"), "date": ("1980", "2099")}


def _years(type_: str, x: str) -> str:
    first, last = YEARS[type_]
    return f"left({x}, 4) BETWEEN '{first}' AND '{last}'"
