"""A user KPI's `where` (chanops.toml) is pasted into SQL, so it is checked before anything
runs (SPEC §11): one expression over its source's columns, with comparisons, AND/OR/NOT,
IN, BETWEEN, LIKE, IS NULL, CASE, arithmetic, casts and a short list of scalar functions.
sqlglot parses it; anything else — a table, a subquery, a second statement, a function
that reads files or the environment (read_text, glob, getenv …) — is refused by name.
"""

from __future__ import annotations

from collections.abc import Sequence

from chanops.errors import ConfigError

FUNCTIONS = ("lower", "upper", "length", "substring", "trim", "coalesce", "abs", "round", "cast")
ALLOWED_NODES = {
    # structure and values
    "Column",
    "Identifier",
    "Literal",
    "Boolean",
    "Null",
    "Paren",
    "Tuple",
    "DataType",
    # logic and comparison
    "And",
    "Or",
    "Not",
    "EQ",
    "NEQ",
    "GT",
    "GTE",
    "LT",
    "LTE",
    "Is",
    "In",
    "Between",
    "Like",
    "ILike",
    "Case",
    "If",
    # arithmetic
    "Add",
    "Sub",
    "Mul",
    "Div",
    "Mod",
    "Neg",
    # scalar functions (FUNCTIONS)
    "Lower",
    "Upper",
    "Length",
    "Substring",
    "Trim",
    "Coalesce",
    "Abs",
    "Round",
    "Cast",
    "TryCast",
}


def check_where(where: object, columns: Sequence[str], context: str) -> str:
    """`where` itself when it is a safe condition over `columns`; else a ConfigError naming
    what is not allowed. `context` says where it came from ('[kpis.X] numerator')."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ParseError

    if not isinstance(where, str) or not where.strip():
        raise ConfigError(f"{context}: where must be a non-empty text condition")
    try:
        statements = [s for s in sqlglot.parse(where, dialect="duckdb") if s is not None]
    except ParseError as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"{context}: where is not a valid condition ({first})") from None
    if len(statements) != 1:
        raise ConfigError(f"{context}: where must be one condition, not {len(statements)} statements")
    known = {c.lower() for c in columns}
    for node in statements[0].walk():
        name = type(node).__name__
        if isinstance(node, exp.Column):
            if node.table:
                raise ConfigError(f"{context}: where may not name a table ({node.sql()})")
            if node.name.lower() not in known:
                raise ConfigError(f"{context}: where uses '{node.name}'; its source has {', '.join(columns)}")
        elif name not in ALLOWED_NODES:
            what = node.name if isinstance(node, exp.Anonymous) else node.key
            raise ConfigError(
                f"{context}: '{what}' is not allowed in where "
                f"(columns, comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, CASE, {', '.join(FUNCTIONS)})"
            )
    return where
