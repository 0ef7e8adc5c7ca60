"""The JSON API: the phone's offline inspection sent twice is stored once; bad input names the field, changes
nothing; places, templates, due, rectifications and the roll-up read with the same rules as the pages."""

import base64
import json

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.inspections.models import Answer, AnswerPhoto, Inspection, Rectification
from tests.conftest import MICRO_A
from tests.inspections.conftest import jpeg_with_gps, passing
from tests.test_i18n import english_catalogue  # noqa: F401  # a fixture


def body(place, template, **kw):
    return {"place_id": place.pk, "template_id": template.pk, "answers": passing(template), **kw}


def post(client, data, key=None, **headers):
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post("/api/v1/inspections/inspections", json.dumps(data), content_type="application/json", **headers)


def counts():
    return (
        Inspection.objects.count(),
        Answer.objects.count(),
        Rectification.objects.count(),
        AnswerPhoto.objects.count(),
    )


def test_the_offline_inspection_sent_twice_is_stored_once_and_the_repeat_returns_the_first(
    district, restaurant, templates, as_user
):
    food = templates["food_safety"]
    client = as_user(district["grid_worker_a"])
    data = body(restaurant, food, client_key="phone-7f3a", done_at="2026-06-15T09:40:00+08:00")
    data["answers"] = passing(food, storage={"result": "fail"})
    first = post(client, data, key="phone-7f3a")
    assert first.status_code == 201, first.content
    stored = counts()
    assert stored[0] == 1 and stored[2] == 1
    again = post(client, data, key="phone-7f3a")
    assert again.status_code == 201 and again.json() == first.json()
    # the same client key without the header (another route back) is still the first inspection
    third = post(client, data)
    assert third.status_code == 200 and third.json()["id"] == first.json()["id"]
    assert third.json()["rectifications"] == first.json()["rectifications"]
    assert counts() == stored


def test_an_inspection_returns_its_answers_orders_and_location_check(district, restaurant, templates, as_user):
    food = templates["food_safety"]
    client = as_user(district["grid_worker_a"])
    data = body(restaurant, food, location={"lat": restaurant.lat, "lng": restaurant.lng, "accuracy": 15})
    data["answers"] = passing(food, dates={"result": "fail"}, expired_photo={"result": "fail", "photos": []})
    next(a for a in data["answers"] if a["item"] == "expired_photo")["photos"] = [
        "data:image/jpeg;base64," + base64.b64encode(jpeg_with_gps()).decode()
    ]
    response = post(client, data)
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["location_ok"] is True and out["distance_m"] == 0
    assert out["template_code"] == "food_safety" and out["template_version"] == 1
    assert [r["item_key"] for r in out["rectifications"]] == ["dates", "expired_photo"]
    [photo] = AnswerPhoto.objects.all()
    from PIL import Image

    with photo.original.open() as f:
        assert Image.open(f).getexif().get(0x8825)  # the original keeps the GPS block for staff
    with photo.public.open() as f:
        public = Image.open(f)
        assert not public.getexif() and "exif" not in public.info
    assert photo.public.url in [p for a in out["answers"] for p in a["photos"]]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"answers": "storage"}, None, None),  # ninja's own schema error (a list, not a dict)
        ({"template_id": 999999}, "template_id", "不存在"),
        ({"answers": [{"item": "nonsense", "result": "pass"}]}, "answers[0].item", "没有这一项"),
        ({"answers": "drop:licence"}, "answers.licence", "必填项未填写"),
        ({"answers": "set:health_cert_count=many"}, "answers.health_cert_count.value", "须填写数字"),
        ({"answers": "set:licence=yes"}, "answers.licence.value", "是或否"),
        ({"answers": "set:grade=Z"}, "answers.grade.value", "只能选"),
        ({"answers": "result:storage=bad"}, "answers.storage.result", "结论只能是"),
        ({"answers": "show:expired_photo"}, "answers.expired_photo", "显示条件"),
        ({"done_at": "2027-01-01T00:00:00+08:00"}, "done_at", "不能晚于现在"),
        ({"location": {"lat": 99, "lng": 120}}, "location", "超出范围"),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(district, restaurant, templates, as_user, change, field, words):
    food = templates["food_safety"]
    data = body(restaurant, food)
    answers = data["answers"]
    spec = change.get("answers")
    if isinstance(spec, str) and ":" in spec:
        verb, rest = spec.split(":", 1)
        key, _eq, value = rest.partition("=")
        if verb == "drop":
            answers[:] = [a for a in answers if a["item"] != key]
        elif verb == "show":
            answers.append({"item": key, "result": "pass"})
        else:
            target = next(a for a in answers if a["item"] == key) if any(a["item"] == key for a in answers) else None
            if target is None:
                target = {"item": key, "result": "pass"}
                answers.append(target)
            target["value" if verb == "set" else "result"] = value
    else:
        data.update(change)
    client = as_user(district["grid_worker_a"])
    before = (counts(), AuditEvent.objects.count())
    response = post(client, data, key="k-bad")
    assert response.status_code in (404, 422), response.content
    if field is not None:
        assert response.json()["field"] == field and words in response.json()["detail"]
    assert (counts(), AuditEvent.objects.count()) == before


def test_a_place_in_another_area_is_refused_naming_the_place(district, shop_b, templates, as_user):
    data = body(shop_b, templates["food_safety"])
    response = post(as_user(district["grid_worker_a"]), data)
    assert response.status_code == 403
    assert response.json()["field"] == "place_id" and "不在您负责的区域" in response.json()["detail"]
    assert counts() == (0, 0, 0, 0)


def test_a_template_for_other_kinds_is_refused(district, restaurant, templates, as_user):
    response = post(as_user(district["grid_worker_a"]), body(restaurant, templates["work_safety"]))
    assert response.status_code == 422 and response.json()["field"] == "template_id"


def test_errors_read_in_english_when_asked(district, restaurant, templates, as_user, english_catalogue):  # noqa: F811
    data = body(restaurant, templates["food_safety"])
    data["answers"] = [a for a in data["answers"] if a["item"] != "licence"]
    response = post(as_user(district["grid_worker_a"]), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and response.json()["field"] == "answers.licence"
    assert "Required item" in response.json()["detail"]


def test_places_show_contacts_masked_and_reveal_is_for_unmaskers_and_audited(district, restaurant, as_user):
    grid = as_user(district["grid_worker_a"])
    listed = grid.get("/api/v1/inspections/places").json()
    assert listed["total"] == 1 and listed["items"][0]["contact_phone"] == "137****1001"
    assert (
        grid.post(
            f"/api/v1/inspections/places/{restaurant.pk}/reveal", "{}", content_type="application/json"
        ).status_code
        == 403
    )
    community = as_user(district["community_worker_a"])
    shown = community.post(
        f"/api/v1/inspections/places/{restaurant.pk}/reveal", '{"reason": "联系整改"}', content_type="application/json"
    )
    assert shown.json() == {"contact_phone": "13705321001"}
    assert AuditEvent.objects.filter(action="pii.unmask", target_type="inspections.place").count() == 1
    assert as_user(district["grid_worker_b"]).get(f"/api/v1/inspections/places/{restaurant.pk}").status_code == 404
    assert as_user(district["resident_a"]).get("/api/v1/inspections/places").json()["total"] == 0


def test_registering_a_place_checks_area_kind_and_the_responsible_worker(district, templates, as_user):
    client = as_user(district["grid_worker_a"])
    ok = {
        "area": MICRO_A,
        "name": "小张理发店",
        "kind": "salon",
        "contact_phone": "13800001111",
        "responsible_id": district["grid_worker_a"].pk,
    }
    created = client.post("/api/v1/inspections/places", json.dumps(ok), content_type="application/json")
    assert created.status_code == 201 and created.json()["contact_phone"] == "138****1111"
    for change, field in [
        ({"kind": "spa"}, "kind"),
        ({"area": "37021100100200101"}, None),  # micro-grid B: outside grid A
        ({"name": "小张理发店"}, "name"),  # already registered there
        ({"responsible_id": district["grid_worker_b"].pk, "name": "另一家"}, "responsible_id"),
        ({"contact_phone": "12345", "name": "又一家"}, "contact_phone"),
    ]:
        response = client.post(
            "/api/v1/inspections/places", json.dumps({**ok, **change}), content_type="application/json"
        )
        assert response.status_code in (403, 409, 422), (change, response.content)
        if field:
            assert response.json()["field"] == field


def test_due_lists_the_callers_places_by_urgency(district, restaurant, templates, as_user):
    client = as_user(district["grid_worker_a"])
    due = client.get("/api/v1/inspections/due").json()
    assert {(d["place_id"], d["template"], d["status"]) for d in due} == {
        (restaurant.pk, "食品安全", "today"),
        (restaurant.pk, "消防安全", "today"),
        (restaurant.pk, "流动人口摸排", "today"),
    }
    post(client, body(restaurant, templates["food_safety"]))
    due = client.get("/api/v1/inspections/due?include_later=true").json()
    food = next(d for d in due if d["template"] == "食品安全")
    assert food["status"] == "later" and food["due_on"] == "2026-07-15"
    assert as_user(district["grid_worker_a2"]).get("/api/v1/inspections/due").json() == []


def test_templates_publish_a_new_version_and_old_inspections_keep_theirs(district, restaurant, templates, as_user):
    food = templates["food_safety"]
    post(as_user(district["grid_worker_a"]), body(restaurant, food))
    spec = {
        "code": "food_safety",
        "name": "食品安全",
        "committee": "食安委",
        "place_kinds": ["restaurant"],
        "frequency_days": 14,
        "items": [{"key": "licence", "text": "亮证经营", "kind": "yes_no", "severity": 2}],
    }
    assert (
        as_user(district["community_worker_a"])
        .post("/api/v1/inspections/templates", json.dumps(spec), content_type="application/json")
        .status_code
        == 403
    )
    staff = as_user(district["street_staff"])
    bad = staff.post(
        "/api/v1/inspections/templates",
        json.dumps({**spec, "items": [{**spec["items"][0], "condition": {"item": "later", "result": "fail"}}]}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["field"] == "items[0].condition"
    published = staff.post("/api/v1/inspections/templates", json.dumps(spec), content_type="application/json")
    assert published.status_code == 201 and published.json()["version"] == 2
    current = {t["code"]: t for t in staff.get("/api/v1/inspections/templates").json()}
    assert current["food_safety"]["version"] == 2 and len(current["food_safety"]["items"]) == 1
    old = Inspection.objects.get()
    assert (
        old.template.version == 1 and old.answers.count() == food.items.count() - 1
    )  # all but the photo shown only when dates fail


def test_rectification_actions_and_the_rollup_through_the_api(district, restaurant, templates, as_user):
    food = templates["food_safety"]
    data = body(restaurant, food)
    data["answers"] = passing(food, storage={"result": "fail"})
    order = post(as_user(district["grid_worker_a"]), data).json()["rectifications"][0]
    staff = as_user(district["community_worker_a"])
    listed = staff.get("/api/v1/inspections/rectifications?state=open").json()
    assert [r["id"] for r in listed["items"]] == [order["id"]]
    detail = staff.get(f"/api/v1/inspections/rectifications/{order['id']}").json()
    assert detail["allowed"] == ["reinspect_pass", "reinspect_fail", "extend", "cancel"]
    moved = staff.post(
        f"/api/v1/inspections/rectifications/{order['id']}/actions",
        json.dumps({"action": "extend", "deadline": "2026-06-30", "note": "等待设备"}),
        content_type="application/json",
    )
    assert moved.status_code == 200 and moved.json()["deadline"] == "2026-06-30"
    wrong = staff.post(
        f"/api/v1/inspections/rectifications/{order['id']}/actions",
        json.dumps({"action": "reinspect_pass"}),
        content_type="application/json",
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "action"
    rollup = (
        as_user(district["street_staff"])
        .get("/api/v1/inspections/rollup?area=370211001&from=2026-06-01&to=2026-06-30")
        .json()
    )
    food_row = next(c for c in rollup["committees"] if c["committee"] == "食安委")
    assert (
        food_row["total"]["expected"] == 1 and food_row["total"]["done"] == 1 and food_row["total"]["completion"] == 1.0
    )
    assert food_row["total"]["hazards_found"] == 1 and food_row["total"]["rectifications_open"] == 1
    assert [c["code"] for c in food_row["children"]] == ["370211001001", "370211001002"]
    assert as_user(district["grid_worker_b"]).get("/api/v1/inspections/rollup?area=370211001").status_code == 403
