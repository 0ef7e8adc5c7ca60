"""The staff list of appeals rendered to JSON by PostgreSQL, for GET /api/v1/appeals.

The Python path (api.rows_out over .values() rows) stays the reference and what SQLite runs. For a page of 100 it
spent most of its time turning ~800 timestamps into datetimes and back into text and building dicts; here the
database writes each row as JSON text in the exact shape and format of the Python path (timestamps as ninja's
encoder writes them: ISO 8601 in UTC, milliseconds only when there are fractional seconds, "Z"), and the answer
passes it through. Labels are translated in Python (once per request) and handed in as a parameter.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any

from django.db import connection
from django.db.models import DateTimeField, QuerySet
from django.utils.translation import get_language

from gongzhi.appeals.models import OPEN_STATES, Appeal, Category, State
from gongzhi.appeals.selectors import COUNTDOWN_STATES, ROW_FIELDS


def available() -> bool:
    # The timestamps are written in the session's time zone, which Django sets to UTC unless told otherwise.
    return connection.vendor == "postgresql" and connection.timezone_name == "UTC"


def _iso(col: str) -> str:
    # NULL stays NULL. Whole seconds are written without a fraction, as Python's isoformat does; to_char's MS
    # truncates the microseconds like the encoder. No AT TIME ZONE: the session is in UTC (see available()), and
    # the conversion per value cost a third of the statement. (extract(microseconds) is numeric, slower still.)
    return (
        f"CASE WHEN date_trunc('second', {col}) = {col} "
        f'THEN to_char({col}, \'YYYY-MM-DD"T"HH24:MI:SS"Z"\') '
        f'ELSE to_char({col}, \'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"\') END'
    )


def _states(states: Any) -> str:
    return ", ".join(f"'{s}'" for s in sorted(str(s) for s in states))


def _value(field: str) -> str:
    """A row column as JSON: timestamps as the API's ISO text, the rest as they are."""
    return _iso(f"t.{field}") if isinstance(Appeal._meta.get_field(field), DateTimeField) else f"t.{field}"


_ROW = (
    "json_build_object("
    + ", ".join(
        [
            *(f"'{f}', {_value(f)}" for f in ROW_FIELDS),
            "'state_label', coalesce(%(labels)s::json ->> t.state, t.state)",
            "'category', t.cat_code",
            "'category_name', CASE WHEN t.cat_code IS NULL THEN NULL "
            "WHEN coalesce(t.cat_parent, '') <> '' THEN t.cat_parent || '/' || t.cat_name ELSE t.cat_name END",
            f"'remaining_seconds', CASE WHEN t.due_at IS NULL OR t.state NOT IN ({_states(COUNTDOWN_STATES)}) "
            "THEN NULL ELSE trunc(date_part('epoch', t.due_at - coalesce(t.paused_at, %(now)s)))::bigint END",
            f"'overdue', coalesce(t.state IN ({_states(OPEN_STATES)}) AND t.due_at < %(now)s, false)",
            "'paused', t.paused_at IS NOT NULL",
        ]
    )
    + ")"
)


_APPEALS, _CATEGORIES = Appeal._meta.db_table, Category._meta.db_table
# Every column a row needs, under the names _ROW uses (our own SQL: table and column names only).
_COLUMNS = (
    "SELECT "  # noqa: S608
    + ", ".join(f"a.{f}" for f in (*ROW_FIELDS, "paused_at"))
    + f", c.code AS cat_code, c.name AS cat_name, p.name AS cat_parent FROM {_APPEALS} a "
    f"LEFT JOIN {_CATEGORIES} c ON c.id = a.category_id LEFT JOIN {_CATEGORIES} p ON p.id = c.parent_id"
)


@functools.cache
def _labels(language: str | None) -> str:
    """The state labels in the request's language, as the JSON object the statement looks them up in."""
    return json.dumps({value: str(name) for value, name in State.choices}, ensure_ascii=False)


def page_json(qs: QuerySet, *, now: dt.datetime) -> tuple[str, int, int | None]:
    """The rows of ``qs`` (ordered newest first) as a JSON array text, their number and the smallest id.

    The ORM compiles only the choice of ids (the filters, order and limit); the columns are read by a join on the
    primary key, which costs the database less than compiling 30 columns and two joins costs Python.
    """
    sql, params = qs.values("id").query.sql_with_params()
    # Name the inner parameters so they mix with the named ones of the outer statement.
    names = {f"p{i}": p for i, p in enumerate(params)}
    sql = sql.replace("%%", "\0") % tuple(f"%({n})s" for n in names)
    sql = sql.replace("\0", "%%")
    labels = _labels(get_language())
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(json_agg({_ROW} ORDER BY t.id DESC), '[]')::text, count(*), min(t.id) "  # noqa: S608
            # The chosen ids as an array: each is looked up by the primary key (a join may hash the whole table).
            f"FROM ({_COLUMNS} WHERE a.id = ANY(ARRAY({sql}))) t",
            {**names, "labels": labels, "now": now},
        )
        text, count, smallest = cursor.fetchone()
    return text, count, smallest
