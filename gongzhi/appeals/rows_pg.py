"""The staff list of appeals rendered to JSON by PostgreSQL, for GET /api/v1/appeals.

The Python path (api.rows_out over .values() rows) is the reference and what SQLite runs. For a page of 100 it
spent most of its time turning ~800 timestamps into datetimes and back into text and building dicts; here the
database writes each row as JSON text in the exact shape and format of the Python path (timestamps as ninja's
encoder writes them: ISO 8601 in UTC, milliseconds only when there are fractional seconds, "Z"), and the answer
passes it through. Labels are translated in Python (once per request) and handed in as a parameter.

Kept because the staff-list target (≥ 200 requests/s for a page of 100, docs/benchmarks.md) is missed without it.
Table and column names come from the models, state values from the enums; tests/appeals/test_rows_pg.py runs both
paths on the same PostgreSQL data and compares every field of every row.
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
from gongzhi.core import sqlnames


def available() -> bool:
    # The timestamps are written in the session's time zone, which Django sets to UTC unless told otherwise.
    return connection.vendor == "postgresql" and connection.timezone_name == "UTC"


# The quoted column of a model field (a field name or its attname, e.g. "reporter_id"), and the field.
_col, _field = sqlnames.col, sqlnames.field


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
    """State values (from the enum) as an SQL list; they are the enum's own lowercase words, checked."""
    return ", ".join(sqlnames.value(v) for v in sorted(str(State(s).value) for s in states))


# The derived columns of the inner select, under names of our own (not model fields).
_CAT_CODE, _CAT_NAME, _CAT_PARENT = "gz_cat_code", "gz_cat_name", "gz_cat_parent"


@functools.cache
def _statement() -> str:
    """The whole statement around the ORM's choice of ids (`{ids}`), built once from the models."""
    a = {name: f"t.{_col(Appeal, name)}" for name in (*ROW_FIELDS, "paused_at")}
    state, due, paused = a["state"], a["due_at"], a["paused_at"]
    value = {name: _iso(a[name]) if isinstance(_field(Appeal, name), DateTimeField) else a[name] for name in ROW_FIELDS}
    row = (
        "json_build_object("
        + ", ".join(
            [
                *(f"'{name}', {value[name]}" for name in ROW_FIELDS),
                f"'state_label', coalesce(%(labels)s::json ->> {state}, {state})",
                f"'category', t.{_CAT_CODE}",
                f"'category_name', CASE WHEN t.{_CAT_CODE} IS NULL THEN NULL "
                f"WHEN coalesce(t.{_CAT_PARENT}, '') <> '' THEN t.{_CAT_PARENT} || '/' || t.{_CAT_NAME} "
                f"ELSE t.{_CAT_NAME} END",
                f"'remaining_seconds', CASE WHEN {due} IS NULL OR {state} NOT IN ({_states(COUNTDOWN_STATES)}) "
                f"THEN NULL ELSE trunc(date_part('epoch', {due} - coalesce({paused}, %(now)s)))::bigint END",
                f"'overdue', coalesce({state} IN ({_states(OPEN_STATES)}) AND {due} < %(now)s, false)",
                f"'paused', {paused} IS NOT NULL",
            ]
        )
        + ")"
    )
    appeals, categories = sqlnames.table(Appeal), sqlnames.table(Category)
    appeal_pk, category_pk = _col(Appeal, Appeal._meta.pk.name), _col(Category, Category._meta.pk.name)
    code, name = _col(Category, "code"), _col(Category, "name")
    # Every column a row needs (our own SQL: table and column names from the models only).
    columns = (
        "SELECT "  # noqa: S608
        + ", ".join(f"a.{_col(Appeal, f)}" for f in (*ROW_FIELDS, "paused_at"))
        + f", c.{code} AS {_CAT_CODE}, c.{name} AS {_CAT_NAME}, p.{name} AS {_CAT_PARENT} FROM {appeals} a "
        f"LEFT JOIN {categories} c ON c.{category_pk} = a.{_col(Appeal, 'category')} "
        f"LEFT JOIN {categories} p ON p.{category_pk} = c.{_col(Category, 'parent')}"
    )
    t_pk = f"t.{appeal_pk}"
    return (
        f"SELECT coalesce(json_agg({row} ORDER BY {t_pk} DESC), '[]')::text, count(*), min({t_pk}) "  # noqa: S608
        # The chosen ids as an array: each is looked up by the primary key (a join may hash the whole table).
        f"FROM ({columns} WHERE a.{appeal_pk} = ANY(ARRAY({{ids}}))) t"
    )


@functools.cache
def _labels(language: str | None) -> str:
    """The state labels in the request's language, as the JSON object the statement looks them up in."""
    return json.dumps({value: str(name) for value, name in State.choices}, ensure_ascii=False)


def page_json(qs: QuerySet[Appeal], *, now: dt.datetime) -> tuple[str, int, int | None]:
    """The rows of ``qs`` (ordered newest first) as a JSON array text, their number and the smallest id.

    The ORM compiles only the choice of ids (the filters, order and limit); the columns are read by a join on the
    primary key, which costs the database less than compiling 30 columns and two joins costs Python.
    """
    sql, params = qs.values("pk").query.sql_with_params()
    # Name the inner parameters so they mix with the named ones of the outer statement.
    names = {f"p{i}": p for i, p in enumerate(params)}
    sql = sql.replace("%%", "\0") % tuple(f"%({n})s" for n in names)
    sql = sql.replace("\0", "%%")
    labels = _labels(get_language())
    with connection.cursor() as cursor:
        cursor.execute(_statement().replace("{ids}", sql), {**names, "labels": labels, "now": now})
        text, count, smallest = cursor.fetchone()
    return text, count, smallest
