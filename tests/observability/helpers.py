"""Shared pieces of the observability tests: the token, a scrape parsed into samples, the database task backend."""

from __future__ import annotations

from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-0123456789abcdefghijklmnop"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
DB_TASKS = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})


def scrape(client: Client | None = None) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of one authorised /metrics answer, keyed by (name, sorted labels)."""
    response = (client or Client()).get("/metrics", **AUTH)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))
