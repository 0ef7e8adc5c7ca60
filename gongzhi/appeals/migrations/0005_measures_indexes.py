from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0004_measure_facts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                fields=["created_at", "area_code"],
                include=(
                    "state",
                    "dispatched_at",
                    "closed_at",
                    "rework_count",
                    "responded_on_time",
                    "ratings_total",
                    "ratings_satisfied",
                ),
                name="appeal_measures_cohort",
            ),
        ),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                fields=["due_at", "area_code"],
                include=("state", "paused_at", "closed_on_time"),
                name="appeal_measures_due",
            ),
        ),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(("extended_at__isnull", False)),
                fields=["extended_at", "area_code"],
                name="appeal_measures_extended",
            ),
        ),
    ]
