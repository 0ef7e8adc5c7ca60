"""A request id on every response and every log record of the request; the JSON log formatter; LOG_FORMAT."""

import io
import json
import logging
import re
import sys

import pytest
from django.test import Client, override_settings

from gongzhi.core import logs
from tests.observability.helpers import TOKEN

HEX32 = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_log():
    """A handler like the production one (request id filter, JSON formatter) on the root logger; yields its lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.RequestIdFilter())
    handler.setFormatter(logs.JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_a_request_without_an_id_gets_a_new_one_on_its_response(db):
    first, second = Client().get("/healthz"), Client().get("/healthz")
    assert HEX32.fullmatch(first["X-Request-ID"]) and HEX32.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    "given",
    ["0f8fad5b-d9cb-469f-a165-70867728950e", "a1b2c3d4e5f60718293a4b5c6d7e8f90", "Root:1-5759e988.bd862e3fe", "x"],
)
def test_a_valid_caller_id_is_kept(db, given):
    assert Client().get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given",
    ["", " ", "a" * 129, "has space", "new\\nline", 'quote"d', "<script>", "id;drop", "-leading-dash", "中文"],
)
def test_an_invalid_caller_id_is_replaced_not_echoed(db, given):
    returned = Client().get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"]
    assert returned != given and HEX32.fullmatch(returned)


@override_settings(METRICS_TOKEN=TOKEN)
def test_every_log_record_of_a_request_carries_its_id_and_none_after(db, json_log):
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", HTTP_X_REQUEST_ID="req-42")
    assert response.status_code == 403
    logging.getLogger("gongzhi.test").warning("between requests")
    records = json_log()
    by_logger = {record["logger"]: record for record in records}
    # The view's own warning, Django's "Forbidden" (logged after the middleware returned), the request line.
    assert by_logger["gongzhi.core.metrics"]["request_id"] == "req-42"
    assert by_logger["django.request"]["request_id"] == "req-42"
    assert by_logger["django.request"]["message"] == "Forbidden: /metrics"
    request_line = by_logger["gongzhi.request"]
    assert request_line["request_id"] == "req-42"
    assert (request_line["route"], request_line["status"], request_line["method"]) == ("metrics", 403, "GET")
    assert request_line["duration_ms"] >= 0
    assert by_logger["gongzhi.test"]["request_id"] == "-"


def test_the_json_formatter_writes_one_object_per_line_with_extras_and_the_traceback():
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("gongzhi.x").makeRecord(
            "gongzhi.x", logging.ERROR, __file__, 1, "failed %s", ("任务",), sys.exc_info(), extra={"appeal": 7}
        )
    logs.RequestIdFilter().filter(record)
    line = formatter.format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed 任务" and entry["level"] == "ERROR" and entry["logger"] == "gongzhi.x"
    assert entry["appeal"] == 7 and entry["request_id"] == "-"
    assert "ValueError: boom" in entry["exc_info"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", entry["time"])


def test_the_text_format_shows_the_request_id(db):
    from django.conf import settings

    assert "%(request_id)s" in settings.LOGGING["formatters"]["text"]["format"]
    assert settings.LOGGING["handlers"]["console"]["filters"] == ["request_id"]
