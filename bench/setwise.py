"""Set-wise fills for PostgreSQL benchmarks: one INSERT … SELECT over generate_series per batch, no Python per row."""

from __future__ import annotations

import json
from typing import Any


def literal(value: Any) -> str:
    """A SQL literal for a field default (the fills only need these few types)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict | list):
        value = json.dumps(value)
    return "'" + str(value).replace("'", "''") + "'"


def insert_series(model: Any, *, start: int, stop: int, exprs: dict[str, str], params: list[Any] | None = None) -> int:
    """INSERT rows i = start … stop-1 of `model`; `exprs` gives SQL over `i` per column (attname), the rest take
    the field's default. Returns the number of rows inserted."""
    from django.db import connection

    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f'"{f.column}"')
        if f.attname in exprs:
            values.append(exprs[f.attname])
        elif f.has_default() and not callable(f.default):
            values.append(literal(f.get_default()))
        elif f.null:
            values.append("NULL")
        elif f.has_default():  # callable defaults (clock.now, dict) — evaluated once for the whole fill
            values.append(literal(f.get_default()) if not hasattr(f.get_default(), "isoformat") else "now()")
        elif f.empty_strings_allowed and f.get_internal_type() in ("CharField", "TextField", "SlugField"):
            values.append("''")
        else:
            raise ValueError(f"{model.__name__}.{f.attname} needs an expression")
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(columns)}) '  # noqa: S608 - names come from the model
        f"SELECT {', '.join(values)} FROM generate_series(%s::bigint, %s::bigint) AS s(i)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*(params or []), start, stop - 1])
        return cursor.rowcount
