"""Open311 fixtures: the appeals category tree and duty roster, a client key, and a helper to POST requests."""

import pytest
from django.test import Client

from gongzhi.open311.actions import client_create
from tests.appeals.conftest import categories, duty  # noqa: F401 - fixtures shared with the appeals tests
from tests.conftest import MICRO_A

BASE = "/open311/v2/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def open311_key(db):
    return client_create(actor=None, name="citizen-app", key="test-open311-key-0001").raw


@pytest.fixture
def web():
    return Client()


@pytest.fixture
def post(web, open311_key, duty, areas, categories):  # noqa: F811
    """POST requests.<fmt> as the client, at MICRO_A's map point; keyword arguments override (None drops)."""

    def _post(fmt="json", **overrides):
        micro = areas[MICRO_A]
        data = {
            "api_key": open311_key,
            "service_code": categories["litter"].code,
            "lat": str(micro.point_lat),
            "long": str(micro.point_lng),
            "description": "小区门口垃圾堆了三天没人清理",
            "first_name": "王",
            "last_name": "小明",
            "phone": "13812345678",
            "email": "wang@example.com",
        }
        data.update(overrides)
        data = {k: v for k, v in data.items() if v is not None}
        return web.post(f"{BASE}requests.{fmt}", data)

    return _post
