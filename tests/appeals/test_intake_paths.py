"""Intake's PostgreSQL path (the appeal's id drawn with its number, the appeal and its events in one statement)
writes exactly what the ORM path writes (appeal_submit with actions.fast_insert() false).

Both run on the same data: the first run is rolled back to a savepoint and the sequences are set back, so the
second draws the same ids. Every table of every model is compared after each run, so any row either path writes
(appeal, events, number counter, outbox rows, the delivery task row, audit rows …) must be the same; only values
that are random by design (the Fernet tokens of personal data, compared decrypted; delivery keys; the task's
uuid) are compared by their meaning instead.
"""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.db import connection, transaction
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from gongzhi.appeals import actions
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core import pii
from tests.appeals.conftest import T0, point_in
from tests.conftest import MICRO_A

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement intake is PostgreSQL's"),
    pytest.mark.django_db,
]
DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _tables() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model's table, values normalised where they are random by design."""
    out: dict[str, list[dict[str, Any]]] = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        rows = []
        for row in model._base_manager.order_by("pk").values():
            for name, value in row.items():
                if name.endswith("_encrypted") and value:
                    row[name] = ("decrypted", pii.decrypt(value))
                elif name == "delivery_key":
                    row[name] = ("random key", len(value))
            if meta.label == DBTaskResult._meta.label:
                row["id"] = "uuid"
            rows.append(row)
        out[meta.label] = rows
    return out


def _sequences() -> list[tuple[str, str, int | None]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences")
        return cursor.fetchall()


def _set_back(sequences: list[tuple[str, str, int | None]]) -> None:
    with connection.cursor() as cursor:
        for schema, name, last in sequences:
            cursor.execute(
                "SELECT setval(format('%%I.%%I', %s::text, %s::text), %s, %s)",
                [schema, name, last if last is not None else 1, last is not None],
            )


def _both_paths(monkeypatch: pytest.MonkeyPatch, submit: Any) -> tuple[dict, dict, Appeal]:
    with override_settings(TASKS=DB_QUEUE), time_machine.travel(T0, tick=False):
        sequences = _sequences()
        sid = transaction.savepoint()
        assert actions.fast_insert()
        fast_appeal = submit()
        fast = _tables()
        transaction.savepoint_rollback(sid)
        _set_back(sequences)
        monkeypatch.setattr(actions, "fast_insert", lambda: False)
        orm_appeal = submit()
        orm = _tables()
    assert fast_appeal.pk == orm_appeal.pk and fast_appeal.number == orm_appeal.number
    return fast, orm, orm_appeal


CASES = {
    "dispatched at a map point, with contact": {
        "category": "litter",
        "contact_name": "王女士",
        "contact_phone": "13812345678",
        "address": "灵山卫1号",
    },
    "no category: waits to be registered": {"category": None},
    "street-level category by area code": {"category": "structure", "area_code": MICRO_A, "lat": None, "lng": None},
    "public, by a grid worker": {"category": "litter", "actor": "grid_worker_a", "channel": "grid_report"},
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_the_fast_and_the_orm_intake_write_the_same_rows(monkeypatch, submit, areas, case):
    def one() -> Appeal:
        params = dict(case)
        actor = params.pop("actor", "resident_a")
        category = params.pop("category")
        if "lat" in params:
            return submit(category=category, actor=actor, **params)
        return submit(category=category, actor=actor, **point_in(areas[MICRO_A]), **params)

    fast, orm, appeal = _both_paths(monkeypatch, one)
    assert fast.keys() == orm.keys()
    for table in fast:
        assert fast[table] == orm[table], table
    # The comparison saw the writes: the appeal and its events are there in both.
    assert any(row["id"] == appeal.pk for row in fast[Appeal._meta.label])
    assert [e["appeal_id"] for e in fast[AppealEvent._meta.label]].count(appeal.pk) >= 1
