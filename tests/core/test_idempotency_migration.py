"""The idempotency keys moved from points to core: the rows go along, and the move can be undone."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("core", "0004_ledger_balance_check_deferred"), ("points", "0002_store")]
AFTER = [("core", "0005_idempotencykey"), ("points", "0003_move_idempotencykey_to_core")]
AT = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_keys_move_to_core_and_back():
    from tests import factories

    user = factories.UserFactory()
    try:
        old = migrate(BEFORE).get_model("points", "IdempotencyKey")
        old.objects.create(
            user_id=user.pk,
            key="k-1",
            endpoint="points.awards.create",
            fingerprint="f" * 64,
            status_code=201,
            response={"id": 7, "名": "张三"},
            created_at=AT,
        )
        new = migrate(AFTER).get_model("core", "IdempotencyKey")
        row = new.objects.get()
        assert (row.user_id, row.key, row.endpoint, row.fingerprint) == (
            user.pk,
            "k-1",
            "points.awards.create",
            "f" * 64,
        )
        assert (row.status_code, row.response, row.created_at) == (201, {"id": 7, "名": "张三"}, AT)
        assert "points_idempotencykey" not in connection.introspection.table_names()

        back = migrate(BEFORE).get_model("points", "IdempotencyKey")
        assert list(back.objects.values_list("key", "response")) == [("k-1", {"id": 7, "名": "张三"})]
        assert "core_idempotencykey" not in connection.introspection.table_names()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_current_code_uses_the_core_table(db):
    from gongzhi.core.models import IdempotencyKey

    assert IdempotencyKey._meta.db_table == "core_idempotencykey"
