"""DuckDB SQL → Spark SQL: sqlglot's transpiler plus the few rewrites it does not know.

Every rewrite keeps the meaning of the DuckDB text exactly, so each definition (a KPI, a
points rule, a value's normalization) is still written once:
  try_strptime(x, [formats])  → coalesce(try_to_timestamp(x, pattern), …), each strftime
                                format turned into Spark's datetime pattern, and tried only
                                on text with the digits DuckDB reads for it
  regexp_full_match(x, p)     → x RLIKE '^(?:p)$'
  strlen(x)                   → octet_length(x) (both count bytes)
  ord(x), ord(x[-1])          → ascii(x), ascii(right(x, 1)) (both give the code point)
"""

from __future__ import annotations

import re

from chanops.engines import EngineError

# strftime directives → Spark datetime letters. Single letters parse one or two digits, as
# DuckDB's %m/%d/%H/%M/%S do; a format with no separator between two fields needs fixed widths.
_LETTERS = {"Y": "yyyy", "m": "M", "d": "d", "H": "H", "M": "m", "S": "s", "f": "SSSSSS"}
_FIXED = {"m": "MM", "d": "dd", "H": "HH", "M": "mm", "S": "ss"}
# The digits DuckDB reads for each directive; Spark's single letters would take more ('2022-011-5').
_DIGITS = {"Y": "[0-9]{4}", "f": "[0-9]{1,6}"}


def spark_datetime_pattern(strftime_format: str) -> str:
    """'%Y-%m-%d %H:%M:%S' → 'yyyy-M-d H:m:s'; '%Y%m%d' → 'yyyyMMdd'; literal letters quoted."""
    compact = "%Y%m" in strftime_format
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            text = "".join(literal)
            out.append(f"'{text}'" if re.search("[A-Za-z']", text) else text)
            literal.clear()

    i = 0
    while i < len(strftime_format):
        char = strftime_format[i]
        if char == "%" and i + 1 < len(strftime_format):
            directive = strftime_format[i + 1]
            if directive not in _LETTERS:
                raise EngineError(f"no Spark pattern for strftime %{directive}")
            flush()
            out.append(_FIXED.get(directive, _LETTERS[directive]) if compact else _LETTERS[directive])
            i += 2
            continue
        literal.append(char)
        i += 1
    flush()
    return "".join(out)


def strftime_regex(strftime_format: str) -> str:
    """The texts DuckDB's strptime can read with this format: '%Y%m%d' → '^[0-9]{4}[0-9]{2}[0-9]{2}$'."""
    compact = "%Y%m" in strftime_format
    parts = re.split("(%.)", strftime_format)
    out = []
    for part in parts:
        if len(part) == 2 and part.startswith("%"):
            directive = part[1]
            out.append(_DIGITS.get(directive, "[0-9]{2}" if compact else "[0-9]{1,2}"))
        elif part:
            out.append(re.escape(part))
    return "^" + "".join(out) + "$"


def _rewrite(node):
    from sqlglot import exp

    if isinstance(node, exp.RegexpFullMatch):
        return exp.RegexpLike(this=node.this, expression=exp.Literal.string(f"^(?:{node.expression.name})$"))
    if not isinstance(node, exp.Anonymous):
        return node
    name = node.name.lower()
    args = node.expressions
    if name == "try_strptime":
        value, formats = args
        patterns = formats.expressions if isinstance(formats, exp.Array) else [formats]
        parses = [_parse(value, p) for p in patterns]
        return parses[0] if len(parses) == 1 else exp.Coalesce(this=parses[0], expressions=parses[1:])
    if name == "strlen":
        return exp.Anonymous(this="OCTET_LENGTH", expressions=args)
    if name == "ord":
        [value] = args
        if isinstance(value, exp.Bracket) and _is_last(value):
            value = exp.Right(this=value.this, expression=exp.Literal.number(1))
        return exp.Anonymous(this="ASCII", expressions=[value])
    return node


def _is_last(bracket) -> bool:
    """x[-1] as DuckDB writes it (sqlglot keeps indexes 0-based inside)."""
    return bracket.sql(dialect="duckdb") == f"{bracket.this.sql(dialect='duckdb')}[-1]"


def _parse(value, literal):
    """CASE WHEN value RLIKE <digits the format allows> THEN try_to_timestamp(value, pattern) END"""
    from sqlglot import exp

    if not isinstance(literal, exp.Literal) or not literal.is_string:
        raise EngineError("try_strptime needs literal formats to run on Spark")
    shape = exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(strftime_regex(literal.name)))
    parse = exp.Anonymous(
        this="TRY_TO_TIMESTAMP", expressions=[value.copy(), exp.Literal.string(spark_datetime_pattern(literal.name))]
    )
    return exp.Case(ifs=[exp.If(this=shape, true=parse)])


def to_spark_sql(sql: str, pretty: bool = False) -> str:
    """DuckDB SQL → Spark SQL. MATERIALIZED is a DuckDB hint about CTEs; Spark plans its own."""
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
        for cte in tree.find_all(exp.CTE):
            cte.set("materialized", None)
        tree = tree.transform(_rewrite)
        return tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE, pretty=pretty)
    except sqlglot.errors.SqlglotError as exc:
        raise EngineError(f"this query cannot be expressed in Spark SQL: {str(exc).splitlines()[0]}") from None
