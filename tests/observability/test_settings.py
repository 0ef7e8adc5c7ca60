"""The observability settings as a process starts with them: LOG_FORMAT's default per profile and its bad values,
METRICS_TOKEN's length in production, a negative WORKER_HEARTBEAT_MAX_AGE. Each runs `manage.py` in a subprocess."""

import pytest

from tests.test_production_profile import GOOD, manage

SHOW = (
    "from django.conf import settings as s; "
    "print(s.LOGGING['handlers']['console']['formatter'], repr(s.METRICS_TOKEN), s.WORKER_HEARTBEAT_MAX_AGE)"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["text", "''", "60"]),
        (GOOD, ["json", "''", "60"]),
        (GOOD | {"LOG_FORMAT": "text"}, ["text", "''", "60"]),
        ({"LOG_FORMAT": " JSON "}, ["json", "''", "60"]),
        (GOOD | {"METRICS_TOKEN": "m" * 10 + "Zq81-xY_7" * 3, "WORKER_HEARTBEAT_MAX_AGE": "0"}, None),
    ],
)
def test_the_defaults_and_accepted_values(env, expected):
    result = manage("shell", "-v", "0", "-c", SHOW, env=env)
    assert result.returncode == 0, result.stderr
    if expected is None:
        expected = ["json", repr(env["METRICS_TOKEN"]), "0"]
    assert result.stdout.split() == expected


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or text, not 'xml'"),
        ({"WORKER_HEARTBEAT_MAX_AGE": "-5"}, "WORKER_HEARTBEAT_MAX_AGE must not be negative"),
        (GOOD | {"METRICS_TOKEN": "short-token"}, "METRICS_TOKEN is only 11 characters long"),
    ],
)
def test_bad_values_refuse_to_start_and_say_which(env, message):
    result = manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_short_metrics_token_is_allowed_in_development():
    result = manage("shell", "-v", "0", "-c", SHOW, env={"METRICS_TOKEN": "dev"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["text", "'dev'", "60"]
