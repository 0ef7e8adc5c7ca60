"""The staff list's two paths agree: PostgreSQL's JSON rows (`rows_pg.page_json`) and the Python rows
(`api.rows_out` over `.values()`) give the same fields with the same values and JSON types, for every row, on the
same PostgreSQL data: every state, with and without a category (a 大类 alone too), deadlines past, future, frozen
and absent, timestamps with and without fractions, empty and odd text, in Chinese and English, under each filter."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from gongzhi.appeals import rows_pg, selectors
from gongzhi.appeals.api import ROW_LOOKUPS, rows_out
from gongzhi.appeals.models import Appeal, Rating, State
from tests.appeals.conftest import T0
from tests.conftest import COMMUNITY_A, MICRO_A

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the JSON rows are written by PostgreSQL"),
]
NOW = T0 + dt.timedelta(hours=5, microseconds=250_000)
H = dt.timedelta(hours=1)


@pytest.fixture
def varied(submit, categories, duty):
    """One appeal per state, each with a different mix of values; returns their ids."""
    ids = []
    for i, state in enumerate(State.values):
        appeal = submit(category=[None, "litter", "noise", "leak"][i % 4])
        changes = {
            "state": state,
            "created_at": T0 + dt.timedelta(seconds=i, microseconds=(i % 3) * 123_456),
            "due_at": [None, NOW - H, NOW + 3 * H, NOW + dt.timedelta(microseconds=999)][i % 4],
            "paused_at": NOW - 2 * H if state == State.SUSPENDED else None,
            "closed_at": NOW - H if state in (State.CLOSED, State.RATED) else None,
            "closed_on_time": [None, True, False][i % 3],
            "rating": Rating.UNSATISFIED if state == State.RATED else "",
            "external_ref": ["", f"12345-{i:04d}", f"引号\"'\\{i}"][i % 3],
            "description": ["楼下垃圾", "多行\n文字\t制表", 'JSON {"a": [1]} </script>'][i % 3],
            "lat": [None, 36.0, 35.959876543][i % 3],
            "lng": [None, 120.0, 120.18123][i % 3],
            "is_public": i % 2 == 0,
            "rework_count": i % 3,
            "assignee": None if i % 2 else duty["microgrid_worker_a"],
        }
        Appeal.objects.filter(pk=appeal.pk).update(**changes)
        ids.append(appeal.pk)
    # A 大类 alone (no parent): its name without a slash.
    Appeal.objects.filter(pk=ids[1]).update(category=categories["env"])
    return ids


def typed(value):
    """A JSON value with its JSON type: 1 and 1.0 are one number, True is not 1."""
    if isinstance(value, bool) or value is None:
        return (type(value).__name__, value)
    if isinstance(value, int | float):
        return ("number", float(value))
    return (type(value).__name__, value)


def both(qs, limit):
    text, count, smallest = rows_pg.page_json(qs, now=NOW)
    fast = json.loads(text)
    rows = list(qs.values(*ROW_LOOKUPS))
    reference = json.loads(json.dumps(rows_out(rows, NOW), cls=NinjaJSONEncoder, ensure_ascii=False))
    assert count == len(rows) and smallest == (rows[-1]["id"] if rows else None)
    assert [r["id"] for r in fast] == [r["id"] for r in reference]
    for mine, theirs in zip(fast, reference, strict=True):
        assert mine.keys() == theirs.keys()
        for key in theirs:
            assert typed(mine[key]) == typed(theirs[key]), (mine["id"], key, mine[key], theirs[key])
    return reference


QUERIES = [
    {},
    {"limit": 4},
    {"area": COMMUNITY_A},
    {"area": "370211002"},
    {"overdue": True, "at": NOW},
    {"overdue": False, "at": NOW},
    {"state": State.SUSPENDED},
    {"state": State.CANCELLED},
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("query", QUERIES, ids=[json.dumps(q, default=str) for q in QUERIES])
def test_every_field_of_every_row_is_the_same_on_both_paths(varied, duty, language, query):
    rows_pg._labels.cache_clear()
    with translation.override(language):
        rows = both(selectors.appeals_list(user=duty["street_staff"], **query), query.get("limit", 50))
    if not query:
        assert len(rows) == len(State.values)
        assert {r["state"] for r in rows} == set(State.values)
        assert {r["category_name"] for r in rows} >= {None, "环境卫生", "环境卫生/垃圾堆放"}
        assert any(r["remaining_seconds"] is not None and r["remaining_seconds"] < 0 for r in rows)
        assert any(r["paused"] for r in rows) and any(r["overdue"] for r in rows)


@pytest.mark.parametrize("persona", ["superuser", "resident_a", "grid_worker_b", "microgrid_worker_a"])
def test_both_paths_agree_for_each_reader_and_page(varied, duty, persona):
    user = duty[persona]
    first = both(selectors.appeals_list(user=user, limit=5), 5)
    if first:
        both(selectors.appeals_list(user=user, before_id=first[-1]["id"], limit=5), 5)
    both(selectors.appeals_list(user=user, assignee=user, area=MICRO_A), 50)
