"""The JSON API: every read and write of the flow, the same permissions as the actions, idempotent writes, and bad
input answered with a clear error naming the field while nothing changes."""

import json

import pytest

from gongzhi.matching.models import Demand, DemandState, Resource, ServiceItem
from tests.conftest import COMMUNITY_A, MICRO_A, STREET

pytestmark = pytest.mark.django_db

URL = "/api/v1/matching"


def post(client, path, body, **headers):
    return client.post(f"{URL}{path}", json.dumps(body), content_type="application/json", **headers)


def item_id(name="上门探访"):
    return ServiceItem.objects.get(name=name).pk


def test_the_flow_through_the_api(people, as_user):
    resident, street, community = as_user(people["resident_a"]), as_user(people["street_staff"]), None
    r = post(resident, "/demands", {"kind": "order", "item_id": item_id(), "title": "想请人陪我去医院"})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "ordered" and body["allowed"] == ["cancel"]
    pk = body["id"]
    assert post(street, f"/demands/{pk}/transitions", {"action": "dispatch"}).json()["state"] == "dispatched"
    community = as_user(people["community_worker_a"])
    assert post(community, f"/demands/{pk}/transitions", {"action": "accept"}).json()["state"] == "accepted"
    volunteer = as_user(people["volunteer_a"])
    assert [d["id"] for d in volunteer.get(f"{URL}/tasks").json()] == [pk]
    assert post(volunteer, f"/demands/{pk}/transitions", {"action": "grab"}).json()["state"] == "taken"
    done = post(
        volunteer, f"/demands/{pk}/transitions", {"action": "fulfil", "note": "已陪同就诊", "data": {"hours": 3}}
    )
    assert done.json()["state"] == "fulfilled"
    rated = post(resident, f"/demands/{pk}/transitions", {"action": "rate", "data": {"score": 4}})
    assert rated.status_code == 200 and rated.json()["state"] == "closed"
    assert [d["id"] for d in resident.get(f"{URL}/demands?mine=true").json()] == [pk]


@pytest.mark.parametrize(
    ("body", "field"),
    [  # "ITEM" stands for a real item's id
        ({"item_id": "ITEM", "title": "x"}, "kind"),  # missing field
        ({"kind": "order", "item_id": "abc", "title": "x"}, "item_id"),  # wrong type
        ({"kind": "nonsense", "item_id": "ITEM", "title": "x"}, "kind"),
        ({"kind": "order", "item_id": 999999, "title": "x"}, "item_id"),
        ({"kind": "order", "item_id": "ITEM", "title": "   "}, "title"),
        ({"kind": "wish", "item_id": "ITEM", "title": "一个书包"}, "value"),  # a wish needs its value
        ({"kind": "wish", "item_id": "ITEM", "title": "一个书包", "value": "80.005"}, "value"),  # fractions of a fen
        ({"kind": "wish", "item_id": "ITEM", "title": "一台电视", "value": "2000"}, "value"),  # above the cap
        ({"kind": "order", "item_id": "ITEM", "title": "x", "value": "5"}, "value"),
    ],
)
def test_bad_demands_name_the_field_and_change_nothing(people, as_user, body, field):
    body = {k: item_id("微心愿圆梦") if v == "ITEM" else v for k, v in body.items()}
    r = post(as_user(people["resident_a"]), "/demands", body)
    assert r.status_code == (404 if body.get("item_id") == 999999 else 422), r.content
    detail = r.json()
    named = detail.get("field") or json.dumps(detail["detail"])
    assert field in named
    assert Demand.objects.count() == 0


def test_staff_enter_a_demand_only_for_residents_of_their_area(people, as_user):
    resident_b = people["resident_b"].resident_id
    r = post(as_user(people["community_worker_a"]), "/demands",
             {"kind": "errand", "item_id": item_id("证照代办"), "title": "代办社保卡", "resident_id": resident_b})  # fmt: skip
    assert r.status_code == 403 and r.json()["field"] == "resident_id"
    r = post(as_user(people["community_worker_b"]), "/demands",
             {"kind": "errand", "item_id": item_id("证照代办"), "title": "代办社保卡", "resident_id": resident_b})  # fmt: skip
    assert r.status_code == 201
    assert r.json()["requester_id"] == people["resident_b"].pk  # the resident's own login rates it
    assert Demand.objects.count() == 1


def test_a_double_submit_with_one_key_makes_one_demand(people, as_user):
    client = as_user(people["resident_a"])
    body = {"kind": "order", "item_id": item_id(), "title": "修水管"}
    first = post(client, "/demands", body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = post(client, "/demands", body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()  # the same answer (PostgreSQL's jsonb keeps the keys in its own order)
    assert Demand.objects.count() == 1
    other = post(client, "/demands", {**body, "title": "换灯泡"}, HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 409


def test_a_second_grab_and_a_claim_on_a_taken_task_are_conflicts(people, as_user):
    from tests.matching.test_grab_race import pool_task

    d = pool_task(people)
    assert post(as_user(people["volunteer_a"]), f"/demands/{d.pk}/transitions", {"action": "grab"}).status_code == 200
    again = post(as_user(people["volunteer_a"]), f"/demands/{d.pk}/transitions", {"action": "grab"})
    assert again.status_code == 409 and again.json()["field"] == "action"
    claim = post(as_user(people["party_member_a"]), f"/demands/{d.pk}/transitions", {"action": "claim"})
    assert claim.status_code == 409
    assert "ask_handover" in claim.json()["details"]["allowed"]


def test_a_stale_version_is_refused(people, as_user):
    from tests.matching.test_grab_race import pool_task

    d = pool_task(people)
    r = post(as_user(people["volunteer_a"]), f"/demands/{d.pk}/transitions", {"action": "grab", "version": 1})
    assert r.status_code == 409 and r.json()["field"] == "version"


def test_transitions_with_wrong_types_are_422(people, as_user):
    from tests.matching.test_grab_race import pool_task

    d = pool_task(people)
    client = as_user(people["volunteer_a"])
    assert post(client, f"/demands/{d.pk}/transitions", {"action": "grab", "data": "x"}).status_code == 422
    assert post(client, f"/demands/{d.pk}/transitions", {}).status_code == 422
    assert post(client, "/demands/abc/transitions", {"action": "grab"}).status_code == 422
    d.refresh_from_db()
    assert d.state == DemandState.ACCEPTED


def test_demands_of_another_area_are_not_found(people, as_user):
    resident = as_user(people["resident_a"])
    pk = post(resident, "/demands", {"kind": "order", "item_id": item_id(), "title": "修门"}).json()["id"]
    assert as_user(people["community_worker_b"]).get(f"{URL}/demands/{pk}").status_code == 404
    assert as_user(people["resident_b"]).get(f"{URL}/demands/{pk}").status_code == 404
    assert as_user(people["community_worker_a"]).get(f"{URL}/demands/{pk}").status_code == 200
    assert as_user(people["community_worker_b"]).get(f"{URL}/demands").json() == []


def test_resources_listed_by_a_partner_and_read_by_staff(people, as_user):
    from gongzhi.accounts.models import Membership
    from gongzhi.people.models import Partner

    partner = Partner.objects.create(name="淘花园花卉园艺有限公司", kind="enterprise")
    Membership.objects.filter(user=people["partner"]).update(partner=partner)
    body = {
        "item_id": item_id("水电维修"), "title": "水电维修每月一次", "provider_kind": "partner", "area": STREET,
        "served": [COMMUNITY_A], "capacity": 4, "schedule": "每周六上午",
    }  # fmt: skip
    r = post(as_user(people["partner"]), "/resources", body, HTTP_IDEMPOTENCY_KEY="r-1")
    assert r.status_code == 201, r.content
    assert r.json()["provider_name"] == "淘花园花卉园艺有限公司" and r.json()["served"] == [COMMUNITY_A]
    assert post(as_user(people["partner"]), "/resources", body, HTTP_IDEMPOTENCY_KEY="r-1").status_code == 201
    assert Resource.objects.count() == 1
    assert [x["id"] for x in as_user(people["street_staff"]).get(f"{URL}/resources").json()] == [r.json()["id"]]
    assert as_user(people["other_street_staff"]).get(f"{URL}/resources").json() == []


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"capacity": 0}, 422, "capacity"),
        ({"capacity": "many"}, 422, "capacity"),
        ({"served": []}, 422, "served"),
        ({"served": ["370299999"]}, 404, "served"),
        ({"provider_kind": "partner"}, 403, "provider_kind"),  # a volunteer is no partner
        ({"area": "370211002"}, 403, None),  # forbidden area
        ({"valid_until": "2001-01-01"}, 422, "valid_until"),
    ],
)
def test_bad_offers_are_refused(people, as_user, change, status, field):
    from gongzhi.volunteering.models import Volunteer

    Volunteer.objects.create(user=people["volunteer_a"], name="志愿者甲", kind="resident", area=people.areas[COMMUNITY_A],
                             area_code=COMMUNITY_A)  # fmt: skip
    body = {"item_id": item_id(), "title": "陪聊", "provider_kind": "volunteer", "area": COMMUNITY_A,
            "served": [MICRO_A], "capacity": 2, **change}  # fmt: skip
    r = post(as_user(people["volunteer_a"]), "/resources", body)
    assert r.status_code == status, r.content
    if field:
        assert field in (r.json().get("field") or json.dumps(r.json()["detail"]))
    assert Resource.objects.count() == 0


def test_the_catalogue_is_public_and_edited_by_street_staff_only(people, as_user):
    cats = as_user(people["resident_a"]).get(f"{URL}/catalogue").json()
    assert len(cats) == 7 and sum(len(c["items"]) for c in cats) == 50
    pk = item_id()
    patch = {"claim_hours": 6}
    r = as_user(people["community_worker_a"]).patch(
        f"{URL}/catalogue/items/{pk}", patch, content_type="application/json"
    )
    assert r.status_code == 403
    r = as_user(people["street_staff"]).patch(f"{URL}/catalogue/items/{pk}", patch, content_type="application/json")
    assert r.status_code == 200 and r.json()["hours"]["claim_hours"] == 6
    r = as_user(people["street_staff"]).patch(f"{URL}/catalogue/items/{pk}", {"claim_hours": 0},
                                              content_type="application/json")  # fmt: skip
    assert r.status_code == 422


def test_the_wish_wall_masks_names(people, as_user):
    client = as_user(people["resident_a"])
    r = post(
        client, "/demands", {"kind": "wish", "item_id": item_id("微心愿圆梦"), "title": "一个新书包", "value": "80"}
    )
    assert r.status_code == 201 and r.json()["state"] == "accepted"
    wall = as_user(people["resident_b"]).get(f"{URL}/wishes").json()
    assert [(w["title"], w["name"], w["value_yuan"]) for w in wall] == [("一个新书包", "张*", "80.00")]


def test_the_wish_cap_is_set_by_the_community(people, as_user):
    r = as_user(people["community_worker_a"]).put(f"{URL}/wish-caps/{COMMUNITY_A}", {"cap": "50"},
                                                  content_type="application/json")  # fmt: skip
    assert r.status_code == 200 and r.json()["cap_yuan"] == "50.00"
    r = post(as_user(people["resident_a"]), "/demands",
             {"kind": "wish", "item_id": item_id("微心愿圆梦"), "title": "书包", "value": "80"})  # fmt: skip
    assert r.status_code == 422 and "50.00" in r.json()["detail"]
    r = as_user(people["community_worker_b"]).put(f"{URL}/wish-caps/{COMMUNITY_A}", {"cap": "500"},
                                                  content_type="application/json")  # fmt: skip
    assert r.status_code == 403
