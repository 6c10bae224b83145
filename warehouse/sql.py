"""Quoting for SQL text built in Python: identifiers and literals.

Values from a delivery go through query parameters; these are for names and constants the code
itself supplies (spec field codes, paths of files it writes, comments from the dbt docs).
"""

from __future__ import annotations


def ident(name: str) -> str:
    """A DuckDB identifier in double quotes, inner quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def literal(value) -> str:
    """A SQL literal: NULL, a boolean, a number as Python writes it, or a string in single quotes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"
