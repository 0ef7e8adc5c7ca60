"""An unchanged third-party client, the `georeport` package from PyPI, against the live server.

georeport (0.3.1) reads services, service definitions and requests in JSON and XML; it cannot POST, so
the request it reads is posted with plain form-encoded HTTP exactly as the spec's example shows.
"""

import pytest
import requests
from georeport import GeoReport

from tests.conftest import MICRO_A, STREET

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def endpoint(live_server, duty, categories, open311_key, areas):
    micro = areas[MICRO_A]
    posted = requests.post(
        f"{live_server.url}/open311/v2/requests.json",
        data={
            "api_key": open311_key,
            "jurisdiction_id": STREET,
            "service_code": "env-litter",
            "lat": micro.point_lat,
            "long": micro.point_lng,
            "description": "垃圾桶满溢 & 异味 <严重>",
            "first_name": "李",
            "phone": "13812345678",
        },
        timeout=10,
    )
    assert posted.status_code == 200, posted.text
    return {"url": f"{live_server.url}/open311/v2", "id": posted.json()[0]["service_request_id"]}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_definitions_and_requests(endpoint, fmt):
    client = GeoReport(endpoint["url"], jurisdiction=STREET, output_format=fmt)

    services = client.get_service_list()
    names = {s["service_code"]: s["service_name"] for s in services}
    assert names["env-litter"] == "垃圾堆放"
    assert {s["group"] for s in services} >= {"环境卫生", "邻里纠纷"}

    definition = client.get_service_definition("env-litter")
    assert definition["service_code"] == "env-litter"
    attributes = definition["attributes"]
    attribute = attributes[0] if fmt == "json" else attributes["attribute"]
    assert attribute["code"] == "public"

    listed = client.get_service_requests(service_code="env-litter", status="open")
    listed = listed if isinstance(listed, list) else [listed]  # xmltodict gives one element as a dict
    assert [r["service_request_id"] for r in listed] == [endpoint["id"]]
    assert listed[0]["description"] == "垃圾桶满溢 & 异味 <严重>"

    one = client.get_service_request(endpoint["id"])
    assert one["service_request_id"] == endpoint["id"] and one["status"] == "open"
    assert "13812345678" not in str(one) and "phone" not in one


def test_georeport_raises_on_the_error_status_of_an_unknown_service(endpoint):
    client = GeoReport(endpoint["url"])
    with pytest.raises(requests.HTTPError) as caught:
        client.get_service_definition("no-such-service")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json()[0]["code"] == 404
