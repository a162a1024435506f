"""Reading a text extract line by line: each physical line one record, quotes honoured.

Read normally, an unterminated quote makes DuckDB's CSV reader run the quoted field on
through the lines after it. Read line by line, a stray quote costs exactly its own line:
DuckDB reads every line whole as one field (WHOLE_LINE, a delimiter no text holds, and no
quoting), and the fields are cut out of it by a regular expression with DuckDB's own rules
for quotes, so every other line — a quoted "产品互斥,需先退订" or "1,288.00" included —
gives the values a clean file gives:

- a field is quoted when it begins with `"`, or with one space and `"`; it runs to the next
  lone `"` (`""` stands for one quote) and spaces may follow it before the delimiter;
- any other field is plain text up to the delimiter, quotes in it kept as they are (two
  spaces before a quote make it plain text too: DuckDB's reader, tried, does the same);
- an empty field, quoted or not, is missing.

A line the rules do not cover (a quote that never closes, text after a closing quote) is
rejected as an unterminated or stray quote, and a line with the wrong number of fields as
too many or too few (empty fields after the last column are no more fields, as for
DuckDB) — with the line itself as the rejected value, as DuckDB's rejects.

A quoted line break is lost in this reading: its two halves are two lines, each rejected
as an unterminated quote (loudly, never joined by a guess). The loader reads a file this
way only when a quote swallowed lines, where telling a quoted line break from a stray
quote is guesswork anyway.
"""

from __future__ import annotations

from chanops.sql import lit

# A Unicode noncharacter, in no extract: as the delimiter, every line is one field. A line
# that does hold it is rejected by the reader (too many fields), never cut short.
WHOLE_LINE = "\uffff"


def field_pattern(delimiter: str, java: bool = False) -> str:
    """A regular expression of one field followed by the delimiter (no capturing group: RE2
    finds its matches several times faster). RE2 for DuckDB; `java` for Spark, whose regex
    engine recurses once per repetition of a group: a possessive run of plain characters
    keeps a long quoted field from overflowing its stack."""
    d = delimiter
    escaped = "[|]" if d == "|" else d  # no backslash: Spark's string literals would eat it
    inside = '(?:[^"]++|"")*' if java else '(?:[^"]|"")*'
    if d == " ":  # spaces delimit: none pad a quoted field
        quoted, plain = f'"{inside}"', '(?:[^ "][^ ]*)?'
    else:
        quoted = f' ?"{inside}" *'
        plain = f'(?:[^{d}" ][^{d}]*| (?:[^{d}"][^{d}]*)?)?'
    return f"(?:{quoted}|{plain}){escaped}"


def unquoted_sql(field: str, delimiter: str) -> str:
    """A field's value (SQL for DuckDB and Spark alike): a quoted one without its quotes and the
    spaces around them, `""` read as `"`; an empty one missing."""
    quoted = f"{field} LIKE '\"%'" + ("" if delimiter == " " else f" OR {field} LIKE ' \"%'")
    inner = f"substr(trim({field}), 2, length(trim({field})) - 2)"
    return f"nullif(CASE WHEN {quoted} THEN replace({inner}, '\"\"', '\"') ELSE {field} END, '')"


def line_fault_sql(well_formed: str, count: str, filled_beyond: str, width: int) -> str:
    """Why a line is no record of `width` fields (SQL for DuckDB and Spark), or NULL — named as
    DuckDB's CSV reader names it, so its code and words come from reject_codes.TEXT_ERRORS.
    Fields beyond the width are too many only when one holds a value (`filled_beyond` counts
    them): DuckDB's reader takes `a,b,c,` or `a,b,c,,""` as three fields."""
    return (
        f"CASE WHEN NOT {well_formed} THEN 'UNQUOTED VALUE' "
        f"WHEN {filled_beyond} > 0 THEN 'TOO MANY COLUMNS' "
        f"WHEN {count} < {width} THEN 'MISSING COLUMNS' END"
    )


def line_mode_sql(scan_options: str, path: str, width: int, delimiter: str) -> str:
    """SELECT c0..c{width-1}, `_fault` (why the line is no record, or NULL), `_text` (the line)
    and `_record` (its number among the records the reader kept, as in read_csv_sql)."""
    field = field_pattern(delimiter)
    d = lit(delimiter)
    # Empty lines are dropped before they are numbered, as the normal reading skips them.
    scan = (
        f"SELECT _text, row_number() OVER () AS _record "
        f"FROM read_csv({lit(path)}, columns={{'_text': 'VARCHAR'}}, delim={lit(WHOLE_LINE)}, "
        f"quote='', escape='', {scan_options}) WHERE _text IS NOT NULL"
    )
    # A line without a quote is cut at its delimiters; one with quotes by the grammar, whose
    # pieces are its fields, each with its delimiter.
    pieces = f"regexp_extract_all(_text || {d}, {lit(field)}, 0)"
    cut = (
        "SELECT _text, _record, "
        f"strpos(_text, '\"') = 0 OR regexp_full_match(_text || {d}, {lit(f'(?:{field})*')}) AS _whole, "
        f"CASE WHEN strpos(_text, '\"') = 0 THEN list_transform(string_split(_text, {d}), lambda x: nullif(x, '')) "
        f"ELSE list_transform(list_transform({pieces}, lambda x: x[1:-2]), lambda x: {unquoted_sql('x', delimiter)}) "
        f"END AS _fields FROM ({scan})"
    )
    beyond = f"len(list_filter(_fields[{width + 1}:], lambda x: x IS NOT NULL))"
    fault = line_fault_sql("_whole", "len(_fields)", beyond, width)
    columns = ", ".join(f"_fields[{i + 1}] AS c{i}" for i in range(width))
    return f"(SELECT {columns}, {fault} AS _fault, _text, _record FROM ({cut}))"
