"""Why a row was rejected, as a stable code with the words beside it.

Every reject carries a code from CODES and a reason: the reason is for people (it may
name the column, the value or the encoding, and its wording may change); the code is for
code. Duplicates against bad data, the counts of a load summary and a refusal's "most
common" reason are decided by the code, never by matching the words. The one exception
is `code_of_reason_sql`: rejects recorded before codes existed get theirs derived from
their text, once, when the warehouse is migrated (or an old lake is read).
"""

from __future__ import annotations

from chanops.sql import lit, lit_list

# code -> what it means; the README's table of reject codes is this one.
CODES: dict[str, str] = {
    "duplicate_loaded": "the key is already loaded with the same values (a re-sent row; not bad data)",
    "duplicate_in_file": "the key occurs earlier in the same file, which is kept (not bad data)",
    "missing_value": "a required column is empty or holds a missing-value marker",
    "bad_phone": "not an 11-digit mobile number",
    "bad_status": "status is not success/fail",
    "bad_yes_no": "not a yes/no value",
    "not_a_timestamp": "not a timestamp",
    "not_a_date": "not a date",
    "not_a_month": "not a month",
    "year_out_of_range": "a date or timestamp with an implausible year",
    "not_a_number": "not a whole number",
    "not_an_amount": "not an amount of money",
    "not_a_rate": "not a rate",
    "unknown_channel": "a channel code the catalog does not know",
    "rate_or_points": "a points rule needs exactly one of rate or points",
    "valid_to_before_from": "a points rule ends before it starts",
    "overlapping_rule": "a points rule in force in a month another rule for the product covers",
    "field_count": "a line with too many or too few fields",
    "unterminated_quote": "a quote that is not closed (or a stray one)",
    "invalid_bytes": "bytes that are not valid in the file's encoding",
    "line_too_long": "a line longer than the reader accepts",
    "unreadable_line": "a line the reader could not parse for another reason",
    "other": "recorded before codes existed, with a reason no code matches",
}

# Rejected to keep each key once; counted as rejected (lines add up) but not bad data.
DUPLICATE_CODES = ("duplicate_loaded", "duplicate_in_file")

# The code of a value of a logical type that cannot be read.
TYPE_CODES = {
    "msisdn": "bad_phone",
    "status": "bad_status",
    "bool": "bad_yes_no",
    "ts": "not_a_timestamp",
    "date": "not_a_date",
    "month": "not_a_month",
    "int": "not_a_number",
    "dec": "not_an_amount",
    "ratio": "not_a_rate",
    "channel": "unknown_channel",
}

# A line that is no record, by the error type DuckDB's CSV reader gives it (the Spark loader
# names its faults the same way): (code, reason).
TEXT_ERRORS = {
    "TOO MANY COLUMNS": ("field_count", "too many fields on the line"),
    "MISSING COLUMNS": ("field_count", "too few fields on the line"),
    "INVALID ENCODING": ("invalid_bytes", "not valid UTF-8 (try --encoding gb18030)"),
    "UNQUOTED VALUE": ("unterminated_quote", "unterminated or stray quote"),
    "LINE SIZE OVER MAXIMUM": ("line_too_long", "line too long"),
}


def is_duplicate(column: str = "code") -> str:
    """SQL condition: the reject in `column`'s code is a duplicate, not bad data."""
    return f"coalesce({column} IN ({lit_list(DUPLICATE_CODES)}), false)"


def text_error_sql(error_type: str) -> tuple[str, str]:
    """(code, reason) SQL expressions for a line the reader refused with `error_type`."""
    codes = " ".join(f"WHEN {lit(t)} THEN {lit(c)}" for t, (c, _r) in TEXT_ERRORS.items())
    reasons = " ".join(f"WHEN {lit(t)} THEN {lit(r)}" for t, (_c, r) in TEXT_ERRORS.items())
    return (
        f"CASE {error_type} {codes} ELSE 'unreadable_line' END",
        f"CASE {error_type} {reasons} ELSE lower({error_type}) END",
    )


# Rejects recorded before codes: the code from the words they were written with (LIKE
# patterns in order; the first that matches). Used only to migrate old records.
_OLD_WORDING = (
    ("duplicate % (already loaded)", "duplicate_loaded"),
    ("duplicate % (repeated in file)", "duplicate_in_file"),
    ("missing %", "missing_value"),
    ("not an 11-digit mobile number", "bad_phone"),
    ("status is not success/fail%", "bad_status"),
    ("not a yes/no value%", "bad_yes_no"),
    ("not a timestamp%", "not_a_timestamp"),
    ("not a date%", "not_a_date"),
    ("not a month%", "not_a_month"),
    ("year outside %", "year_out_of_range"),
    ("not a whole number", "not_a_number"),
    ("not an amount%", "not_an_amount"),
    ("not a rate%", "not_a_rate"),
    ("unknown channel code %", "unknown_channel"),
    ("a rule needs exactly one of rate or points", "rate_or_points"),
    ("valid_to is before valid_from", "valid_to_before_from"),
    ("validity overlaps another rule for %", "overlapping_rule"),
    ("too many fields on the line", "field_count"),
    ("too few fields on the line", "field_count"),
    ("unterminated or stray quote", "unterminated_quote"),
    ("invalid % bytes%", "invalid_bytes"),
    ("not valid UTF-8%", "invalid_bytes"),
    ("line too long", "line_too_long"),
)


def code_of_reason_sql(reason: str) -> str:
    """SQL: the code of an old reject from its reason's words (migration only)."""
    branches = " ".join(f"WHEN {reason} LIKE {lit(p)} THEN {lit(c)}" for p, c in _OLD_WORDING)
    return f"CASE {branches} ELSE 'other' END"
