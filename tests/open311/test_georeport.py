"""GeoReport v2 at /open311/v2/: every endpoint in JSON and XML, filters, POST with its errors, privacy."""

import datetime as dt
import io
import json
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from gongzhi.appeals.actions import appeal_submit, appeal_transition
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core import clock
from gongzhi.open311.actions import client_create
from gongzhi.open311.models import Open311Client
from tests.conftest import MICRO_A, MICRO_B, OTHER_STREET, STREET
from tests.factories import CategoryFactory
from tests.open311.conftest import BASE

pytestmark = pytest.mark.django_db

REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def parse_xml(content: bytes):
    return ET.fromstring(content)  # noqa: S314 - our own server's response in a test


def body(response, fmt):
    """JSON as Python data; XML as the parsed root element. Both must be UTF-8 with the right type."""
    assert response["Content-Type"].endswith("charset=utf-8"), response["Content-Type"]
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return json.loads(response.content.decode("utf-8"))
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return parse_xml(response.content)


def records(response, fmt, item):
    """A list body as dicts of text (XML) or values (JSON)."""
    data = body(response, fmt)
    if fmt == "json":
        return data
    return [{child.tag: child.text or "" for child in element} for element in data.findall(item)]


def errors_of(response, fmt):
    data = body(response, fmt)
    if fmt == "json":
        return data
    assert data.tag == "errors"
    return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in data.findall("error")]


def assert_error(response, fmt, status, *words):
    assert response.status_code == status, response.content.decode()
    errs = errors_of(response, fmt)
    assert len(errs) == 1 and errs[0]["code"] == status
    for word in words:
        assert word in errs[0]["description"], errs[0]["description"]


# ---------------------------------------------------------------------------------------------------------------
# discovery, services, service definitions


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_discovery_names_the_endpoint_its_formats_and_the_spec(web, fmt):
    response = web.get(f"{BASE}discovery.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        endpoint = data["endpoints"][0]
        assert data["changeset"].startswith("2026-")
        assert endpoint["url"] == "http://testserver/open311/v2"
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["type"] == "production"
    else:
        assert data.tag == "discovery"
        assert data.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
        assert [f.text for f in data.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_services_are_the_subcategories_grouped_by_their_main_category(web, categories, fmt):
    CategoryFactory(code="env-retired", name="已停用小类", parent=categories["env"], is_active=False)
    services = records(web.get(f"{BASE}services.{fmt}"), fmt, "service")
    by_code = {s["service_code"]: s for s in services}
    assert set(by_code) == {"env-litter", "neighbours-leak", "neighbours-noise", "safety-structure"}
    litter = by_code["env-litter"]
    assert litter["service_name"] == "垃圾堆放" and litter["group"] == "环境卫生"
    assert litter["type"] == "realtime" and "现场清理干净并拍照" in litter["description"]
    assert litter["keywords"] == "环境卫生,垃圾堆放"
    assert litter["metadata"] in (True, "true")


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_service_definition_lists_its_attribute(web, categories, fmt):
    response = web.get(f"{BASE}services/env-litter.{fmt}")
    assert response.status_code == 200
    data = body(response, fmt)
    if fmt == "json":
        assert data["service_code"] == "env-litter"
        (attr,) = data["attributes"]
        assert attr["code"] == "public" and attr["datatype"] == "singlevaluelist" and attr["required"] is False
        assert [v["key"] for v in attr["values"]] == ["yes", "no"] and attr["values"][0]["name"] == "是"
    else:
        assert data.tag == "service_definition" and data.findtext("service_code") == "env-litter"
        attr = data.find("attributes/attribute")
        assert attr.findtext("code") == "public" and attr.findtext("variable") == "true"
        assert [v.findtext("key") for v in attr.findall("values/value")] == ["yes", "no"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["no-such-service", "env"])  # unknown, and a 大类 (not a service)
def test_an_unknown_service_code_is_404_with_the_error_body(web, categories, fmt, code):
    assert_error(web.get(f"{BASE}services/{code}.{fmt}"), fmt, 404, "service_code", code)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_resources_and_methods_get_error_bodies(web, fmt):
    assert_error(web.get(f"{BASE}nothing-here.{fmt}"), fmt, 404)
    response = web.post(f"{BASE}services.{fmt}")
    assert_error(response, fmt, 405)
    assert response["Allow"] == "GET, HEAD"
    assert web.head(f"{BASE}services.{fmt}").status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# POST requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_post_with_a_good_key_creates_an_appeal_resolved_to_the_micro_grid(post, fmt):
    response = post(fmt)
    assert response.status_code == 200, response.content.decode()
    (created,) = records(response, fmt, "request")
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    appeal = Appeal.objects.get(pk=int(created["service_request_id"]))
    assert appeal.channel == "open311" and appeal.area_code == MICRO_A
    assert appeal.category.code == "env-litter" and appeal.state == "dispatched"
    assert appeal.description == "小区门口垃圾堆了三天没人清理"
    assert appeal.reporter == Open311Client.objects.get(name="citizen-app").user
    assert appeal.phone_plain == "13812345678" and appeal.contact_name_plain == "王 小明"
    assert "小事" in created["service_notice"]


def test_the_key_may_come_in_the_query_string_and_address_id_may_place_the_request(web, open311_key, duty, categories):
    response = web.post(
        f"{BASE}requests.json?api_key={open311_key}&jurisdiction_id={STREET}",
        {
            "service_code": "neighbours-noise",
            "address_id": MICRO_B,
            "description": "楼上装修噪音",
            "address_string": "2号楼",
        },
    )
    assert response.status_code == 200, response.content.decode()
    appeal = Appeal.objects.get(pk=int(response.json()[0]["service_request_id"]))
    assert appeal.area_code == MICRO_B and appeal.address == "2号楼"


def test_the_public_attribute_marks_the_appeal_public(post):
    response = post(**{"attribute[public]": "yes"})
    assert Appeal.objects.get(pk=int(response.json()[0]["service_request_id"])).is_public is True


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("api_key", "words"), [(None, ["api_key", "未提供"]), ("", ["api_key"]), ("wrong-key-123456789", ["无效"])]
)
def test_a_missing_or_bad_key_is_403_and_creates_nothing(post, fmt, api_key, words):
    assert_error(post(fmt, api_key=api_key), fmt, 403, *words)
    assert Appeal.objects.count() == 0


def test_a_switched_off_client_is_refused(post):
    Open311Client.objects.update(is_active=False)
    assert_error(post(), "json", 403, "api_key")
    assert Appeal.objects.count() == 0


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "no-such-service"}, 404, "service_code"),
        ({"service_code": "env"}, 404, "service_code"),
        ({"description": None}, 400, "description"),
        ({"description": "   "}, 400, "description"),
        ({"lat": None, "long": None}, 400, "lat"),
        ({"lat": None, "long": None, "address_string": "灵山卫街道某处"}, 400, "address_string"),
        ({"lat": "10.0", "long": "10.0"}, 400, "lat"),  # outside every area
        ({"lat": "north"}, 400, "lat"),
        ({"long": None}, 400, "long"),
        ({"lat": "95"}, 400, "lat"),
        ({"address_id": "37021100100100199", "lat": None, "long": None}, 400, "address_id"),
        ({"phone": "12345"}, 400, "phone"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"attribute[public]": "maybe"}, 400, "attribute[public]"),
        ({"attribute[colour]": "red"}, 400, "attribute[colour]"),
        ({"jurisdiction_id": "999999999"}, 404, "jurisdiction_id"),
        ({"jurisdiction_id": OTHER_STREET}, 400, "jurisdiction_id"),  # the point lies in another street
    ],
)
def test_bad_posts_get_the_standard_error_body_and_create_nothing(post, fmt, overrides, status, field):
    response = post(fmt, **overrides)
    assert_error(response, fmt, status, field)
    assert Appeal.objects.count() == 0 and AppealEvent.objects.count() == 0


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(0x8825).update({1: "N", 2: (35.0, 54.0, 12.5), 3: "E", 4: (120.0, 6.0, 1.2)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_posted_as_media_is_shown_only_as_the_copy_without_location(post, web):
    photo = io.BytesIO(jpeg_with_gps())
    photo.name = "pothole.jpg"
    response = post(media=photo)
    assert response.status_code == 200, response.content.decode()
    request_id = response.json()[0]["service_request_id"]
    (shown,) = web.get(f"{BASE}requests/{request_id}.json").json()
    assert "/appeals/public/" in shown["media_url"]
    path = shown["media_url"].split("/media/", 1)[1]
    with default_storage.open(path) as fh:
        public = Image.open(io.BytesIO(fh.read()))
        assert not public.getexif().get_ifd(0x8825) and 0x010F not in public.getexif()


def test_a_non_image_media_upload_is_refused_and_nothing_is_kept(post):
    fake = io.BytesIO(b"%PDF-1.4 not an image")
    fake.name = "photo.jpg"
    assert_error(post(media=fake), "json", 400, "media")
    assert Appeal.objects.count() == 0


# ---------------------------------------------------------------------------------------------------------------
# GET requests, one request, tokens


@pytest.fixture
def three(post, duty, areas):
    """Three Open311 requests (litter, noise, and one with the contact) plus a private resident-web appeal."""
    ids = [
        post().json()[0]["service_request_id"],
        post(service_code="neighbours-noise", description="夜间施工噪音").json()[0]["service_request_id"],
        post(description='路灯不亮 <b>&amp; "quoted"</b>').json()[0]["service_request_id"],
    ]
    private = appeal_submit(
        actor=duty["resident_a"],
        description="私人诉求不公开",
        channel="resident_web",
        category="env-litter",
        lat=areas[MICRO_A].point_lat,
        lng=areas[MICRO_A].point_lng,
        contact_phone="13900000000",
    ).appeal
    return {"ids": ids, "private": private}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_lists_open311_and_public_appeals_with_every_field(web, three, fmt):
    listed = records(web.get(f"{BASE}requests.{fmt}"), fmt, "request")
    assert sorted(r["service_request_id"] for r in listed) == sorted(three["ids"])
    first = next(r for r in listed if r["service_request_id"] == three["ids"][0])
    assert list(first) == REQUEST_FIELDS
    assert first["status"] == "open" and first["service_name"] == "垃圾堆放" and first["address_id"] == MICRO_A
    assert first["agency_responsible"]  # the micro-grid's name
    assert first["status_notes"] == "派遣"  # the latest event: automatic dispatch
    assert first["requested_datetime"].endswith("+08:00")
    assert float(first["lat"]) and float(first["long"])


def test_a_private_appeal_becomes_visible_once_it_is_public(web, three):
    Appeal.objects.filter(pk=three["private"].pk).update(is_public=True)
    listed = web.get(f"{BASE}requests.json").json()
    assert str(three["private"].pk) in {r["service_request_id"] for r in listed}


def test_requests_filters(web, three, duty):
    ids = three["ids"]
    got = lambda query: sorted(r["service_request_id"] for r in web.get(f"{BASE}requests.json?{query}").json())  # noqa: E731
    assert got(f"service_request_id={ids[0]},{ids[2]}") == sorted([ids[0], ids[2]])
    # service_request_id overrides the other filters
    assert got(f"service_request_id={ids[1]}&service_code=env-litter&status=closed") == [ids[1]]
    assert got("service_code=neighbours-noise") == [ids[1]]
    assert got("service_code=env-litter,neighbours-noise") == sorted(ids)
    assert got("status=open") == sorted(ids)
    assert got("status=closed") == []
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=int(ids[1]), action="accept")
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=int(ids[1]), action="handle", note="已劝停夜间施工")
    appeal_transition(actor=duty["grid_worker_a"], appeal=int(ids[1]), action="verify")
    appeal_transition(actor=duty["grid_worker_a"], appeal=int(ids[1]), action="close", note="已结案")
    assert got("status=closed") == [ids[1]]
    assert got("status=open,closed") == sorted(ids)
    (closed,) = web.get(f"{BASE}requests/{ids[1]}.json").json()
    assert closed["status"] == "closed" and closed["status_notes"] == "已结案"
    today = clock.now()
    assert got(f"start_date={(today - dt.timedelta(days=1)).date()}T00:00:00Z") == sorted(ids)
    assert got(f"end_date={timezone.localtime(today - dt.timedelta(days=1)).strftime('%Y-%m-%dT%H:%M:%S')}+08:00") == []
    assert got(f"jurisdiction_id={STREET}") == sorted(ids)
    assert got(f"jurisdiction_id={OTHER_STREET}") == []


def test_the_default_window_is_the_last_90_days(web, three):
    Appeal.objects.filter(pk=int(three["ids"][0])).update(created_at=clock.now() - dt.timedelta(days=120))
    listed = {r["service_request_id"] for r in web.get(f"{BASE}requests.json").json()}
    assert listed == set(three["ids"][1:])
    old = web.get(f"{BASE}requests.json?start_date=2000-01-01T00:00:00Z&end_date=2100-01-01T00:00:00Z").json()
    assert len(old) == 3


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("status=pending", 400, "status"),
        ("start_date=yesterday", 400, "start_date"),
        ("end_date=2026-13-45T00:00:00Z", 400, "end_date"),
        ("start_date=2026-05-01T00:00:00Z&end_date=2026-04-01T00:00:00Z", 400, "start_date"),
        ("service_request_id=1,abc", 400, "service_request_id"),
        ("service_code=nope", 404, "service_code"),
        ("jurisdiction_id=370211", 404, "jurisdiction_id"),  # a district, not a street
        ("page_size=0", 400, "page_size"),
    ],
)
def test_bad_filters_get_error_bodies(web, categories, fmt, query, status, field):
    assert_error(web.get(f"{BASE}requests.{fmt}?{query}"), fmt, status, field)


def test_pages(web, three):
    first = web.get(f"{BASE}requests.json?page_size=2").json()
    second = web.get(f"{BASE}requests.json?page_size=2&page=2").json()
    assert len(first) == 2 and len(second) == 1
    assert {r["service_request_id"] for r in first + second} == set(three["ids"])


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_one_request_and_its_404s(web, three, fmt):
    (one,) = records(web.get(f"{BASE}requests/{three['ids'][0]}.{fmt}"), fmt, "request")
    assert one["service_request_id"] == three["ids"][0] and one["service_code"] == "env-litter"
    assert_error(web.get(f"{BASE}requests/999999.{fmt}"), fmt, 404, "service_request_id")
    assert_error(web.get(f"{BASE}requests/{three['private'].pk}.{fmt}"), fmt, 404)  # not public
    assert_error(web.get(f"{BASE}requests/{three['ids'][0]}.{fmt}?jurisdiction_id={OTHER_STREET}"), fmt, 404)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_is_the_appeal_number(web, three, fmt):
    appeal = Appeal.objects.get(pk=int(three["ids"][0]))
    (found,) = records(web.get(f"{BASE}tokens/{appeal.number}.{fmt}"), fmt, "request")
    assert found == {"service_request_id": str(appeal.pk), "token": appeal.number}
    assert_error(web.get(f"{BASE}tokens/SQ19990101-000001.{fmt}"), fmt, 404, "token")
    assert_error(web.get(f"{BASE}tokens/{three['private'].number}.{fmt}"), fmt, 404, "token")


# ---------------------------------------------------------------------------------------------------------------
# servicerequestupdates


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_service_request_updates_come_from_the_appeal_events(web, three, duty, fmt):
    target = int(three["ids"][0])
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=target, action="accept")
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=target, action="handle", note="已清理干净")
    updates = records(web.get(f"{BASE}servicerequestupdates.{fmt}"), fmt, "request_update")
    mine = [u for u in updates if u["service_request_id"] == str(target)]
    assert [u["description"] for u in mine] == ["上报", "按所选分类自动登记", "派遣", "签收", "已清理干净"]
    assert set(mine[0]) == {"update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"}
    assert {u["status"] for u in mine} == {"open"}
    private_events = set(AppealEvent.objects.filter(appeal=three["private"]).values_list("pk", flat=True))
    assert not private_events & {int(u["update_id"]) for u in updates}
    later = timezone.localtime(clock.now() + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%S+08:00")
    assert records(web.get(f"{BASE}servicerequestupdates.{fmt}?start_date={later}"), fmt, "request_update") == []
    assert_error(web.get(f"{BASE}servicerequestupdates.{fmt}?start_date=soon"), fmt, 400, "start_date")


# ---------------------------------------------------------------------------------------------------------------
# Chinese text, escaping, privacy


def test_chinese_and_markup_round_trip_in_json_and_xml(post, web):
    text = '井盖缺失 <危险> & "请尽快处理" \x07'
    request_id = post(description=text, address_string="灵山卫街道 3号楼 & 4号楼").json()[0]["service_request_id"]
    stored = Appeal.objects.get(pk=int(request_id))
    raw_json = web.get(f"{BASE}requests/{request_id}.json").content
    assert "井盖缺失".encode() in raw_json  # UTF-8 itself, not \\u escapes
    assert json.loads(raw_json)[0]["description"] == stored.description
    xml_response = web.get(f"{BASE}requests/{request_id}.xml")
    assert b"&lt;\xe5\x8d\xb1\xe9\x99\xa9&gt; &amp;" in xml_response.content  # escaped markup around 危险
    element = parse_xml(xml_response.content).find("request")
    assert element.findtext("description") == stored.description.replace("\x07", "")
    assert element.findtext("address") == "灵山卫街道 3号楼 & 4号楼"
    services = parse_xml(web.get(f"{BASE}services.xml").content)
    assert "垃圾堆放" in [s.findtext("service_name") for s in services.findall("service")]


def test_no_contact_data_is_ever_shown(web, three, duty):
    appeal_transition(actor=duty["microgrid_worker_a"], appeal=int(three["ids"][0]), action="accept")
    urls = ["requests", f"requests/{three['ids'][0]}", "servicerequestupdates"]
    for fmt in ("json", "xml"):
        for url in urls:
            content = web.get(f"{BASE}{url}.{fmt}").content.decode()
            for secret in ("13812345678", "138****5678", "wang@example.com", "小明", "13900000000"):
                assert secret not in content, (url, fmt, secret)
            for key in ("phone", "email", "first_name", "last_name", "contact"):
                assert key not in content, (url, fmt, key)


# ---------------------------------------------------------------------------------------------------------------
# keys


def test_client_keys_are_stored_as_digests_and_names_are_checked(db):
    issued = client_create(actor=None, name="fixit", key=None)
    assert issued.created and issued.raw.startswith("o311_")
    client = Open311Client.objects.get(name="fixit")
    assert issued.raw not in client.key_digest and client.key_prefix == issued.raw[:8]
    assert client_create(actor=None, name="fixit").raw is None  # shown once
    from gongzhi.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        client_create(actor=None, name="名字 with space")


def test_the_changeset_moves_when_street_staff_edit_a_category(web, duty, categories):
    from gongzhi.appeals.actions import category_update

    before = web.get(f"{BASE}discovery.json").json()["changeset"]
    with time_machine.travel(dt.datetime(2027, 1, 5, 10, 0, tzinfo=dt.UTC), tick=False):
        category_update(actor=duty["street_staff"], category=categories["litter"], name="垃圾乱堆放")
    after = web.get(f"{BASE}discovery.json").json()
    assert before == "2026-11-22T00:00:00+08:00" and after["changeset"] == "2027-01-05T18:00:00+08:00"
    assert after["endpoints"][0]["changeset"] == after["changeset"]
    names = {s["service_code"]: s["service_name"] for s in web.get(f"{BASE}services.json").json()}
    assert names["env-litter"] == "垃圾乱堆放"


def test_an_error_names_the_field_once(web, categories):
    (error,) = web.get(f"{BASE}services/nope.json").json()
    assert error["description"].count("service_code") == 1


def test_dates_with_an_unencoded_plus_or_a_space_separator(web, three):
    day = timezone.localtime(clock.now()).date()
    assert len(web.get(f"{BASE}requests.json?start_date={day}T00:00:00+08:00").json()) == 3
    assert len(web.get(f"{BASE}requests.json?start_date={day}%2000:00:00").json()) == 3
    assert web.get(f"{BASE}requests.json?end_date={day}T00:00:00+08:00").json() == []


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_update_shows_the_public_copy_of_its_evidence_photo(web, three, duty, fmt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.appeals.actions import appeal_photo_add

    target = int(three["ids"][0])
    worker = duty["microgrid_worker_a"]
    appeal_transition(actor=worker, appeal=target, action="accept")
    photo = appeal_photo_add(
        actor=worker,
        appeal=Appeal.objects.get(pk=target),
        upload=SimpleUploadedFile("done.jpg", jpeg_with_gps(), content_type="image/jpeg"),
        kind="evidence",
    )
    appeal_transition(actor=worker, appeal=target, action="handle", note="已清理", photo_ids=[photo.pk])
    updates = records(web.get(f"{BASE}servicerequestupdates.{fmt}"), fmt, "request_update")
    (handled,) = [u for u in updates if u["description"] == "已清理"]
    assert handled["media_url"] == f"http://testserver{photo.public.url}"
    assert photo.original.url not in str(updates)
