# The idempotency keys move from points to core (core.IdempotencyKey, core/0005): the rows are copied into the new
# table, then the old one is dropped. Reversible: going back recreates points_idempotencykey and copies the rows
# back before core/0005 is unapplied. Only the historical models of this migration are used, no app code, so what
# it does cannot change later.

from django.db import migrations

FIELDS = ("user_id", "key", "endpoint", "fingerprint", "status_code", "response", "created_at")
BATCH = 2000


def _copy(source, target):
    batch = []
    for row in source.objects.order_by("pk").values(*FIELDS).iterator(chunk_size=BATCH):
        batch.append(target(**row))
        if len(batch) >= BATCH:
            target.objects.bulk_create(batch)
            batch = []
    if batch:
        target.objects.bulk_create(batch)


def forwards(apps, schema_editor):
    _copy(apps.get_model("points", "IdempotencyKey"), apps.get_model("core", "IdempotencyKey"))


def backwards(apps, schema_editor):
    _copy(apps.get_model("core", "IdempotencyKey"), apps.get_model("points", "IdempotencyKey"))


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_idempotencykey"),
        ("points", "0002_store"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.DeleteModel(
            name="IdempotencyKey",
        ),
    ]
