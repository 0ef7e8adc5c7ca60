"""SQL names from the models, for the hand-written PostgreSQL fast paths (docs/architecture.md, "Fast paths").

A fast path names no table, column or state in its SQL text: tables come from `Model._meta.db_table`, columns from
`field.column`, both quoted by the connection, and fixed values (states, kinds) from the enums or constants the ORM
path uses too, through `value()`. `insert()` lists every concrete column of the model, so a field added later
either gets a value in the statement or fails where the statement is built (once per process, `functools.cache`
in the callers), not silently in production.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.db import connection
from django.db.models import Field, Model

_PLAIN = re.compile(r"[A-Za-z0-9_.:-]*")


def table(model: type[Model]) -> str:
    """The model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


def field(model: type[Model], name: str) -> Field[Any, Any]:
    """The concrete field `name` (a field name or its attname, e.g. "account_id"; "pk" for the primary key)."""
    meta = model._meta
    if name == "pk":
        found: Any = meta.pk
    else:
        by_attname = {f.attname: f for f in meta.concrete_fields}
        found = by_attname.get(name) or meta.get_field(name)
    if not isinstance(found, Field) or not found.concrete or not found.column:
        raise LookupError(f"{meta.label}.{name} is not a column")
    return found


def col(model: type[Model], name: str) -> str:
    """The quoted column of a model field (a field name, its attname, or "pk")."""
    return connection.ops.quote_name(field(model, name).column or name)


def value(fixed: str) -> str:
    """A fixed value of the ORM path (an enum member such as `AwardState.POSTED`, a kind constant) as an SQL string
    literal. Only plain words are taken (letters, digits and `_ . : -`): nothing that needs escaping, nothing read
    from a request."""
    text = str(fixed.value if hasattr(fixed, "value") else fixed)
    if not _PLAIN.fullmatch(text):
        raise ValueError(f"not a plain value for SQL: {text!r}")
    return f"'{text}'"


def insert(model: type[Model], values: Mapping[str, str]) -> tuple[str, str]:
    """The column list and the matching select list of an INSERT into every concrete column but the primary key.

    `values` maps field names to SQL expressions. A column not in it is written NULL, which is allowed only for a
    nullable field without a default (what the ORM writes for it too); any other field missing from `values`
    raises here, so a new field reaches the statement or stops it from being built.
    """
    names: list[str] = []
    exprs: list[str] = []
    given = {field(model, name).name: expr for name, expr in values.items()}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if f.name in given:
            exprs.append(given.pop(f.name))
        elif f.null and not f.has_default():
            exprs.append("NULL")
        else:
            raise LookupError(f"{model._meta.label}.{f.name}: no value in the fast path's INSERT")
        names.append(connection.ops.quote_name(f.column or f.name))
    if given:
        raise LookupError(f"{model._meta.label}: not columns {sorted(given)}")
    return ", ".join(names), ", ".join(exprs)
