"""care's seed-list migration was first named `care0002.py`; it is `0002_seed_lists.py` now, with
`replaces = [("care", "care0002")]`, so a database that applied the old name neither runs it again nor misses it."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from gongzhi.care.models import RiskLevel

NEW = ("care", "0002_seed_lists")
OLD = ("care", "care0002")


def test_a_database_that_applied_the_old_name_counts_the_new_one_as_applied(db):
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(*NEW)
    recorder.record_applied(*OLD)
    loader = MigrationLoader(connection)
    assert NEW in loader.applied_migrations and OLD not in loader.graph.nodes
    executor = MigrationExecutor(connection)
    leaves = [key for key in executor.loader.graph.leaf_nodes() if key[0] == "care"]
    assert executor.migration_plan(leaves) == []  # nothing of care to run again


def test_a_new_database_ran_it_once_and_recorded_both_names(db):
    applied = MigrationRecorder(connection).applied_migrations()
    assert NEW in applied and OLD in applied
    assert set(RiskLevel.objects.values_list("code", flat=True)) >= {"red", "yellow", "green"}


def test_every_care_migration_is_numbered():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    names = [name for app, name in loader.disk_migrations if app == "care"]
    assert names and all(name[:4].isdigit() for name in names)
