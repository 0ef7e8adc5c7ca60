"""The JSON API: every read and write, the same permissions as the actions; nominate and vote honour Idempotency-Key."""

import json

import pytest

from gongzhi.awards.actions.compute import scheme_compute
from gongzhi.awards.actions.honours import nomination_create
from gongzhi.awards.models import Nomination, Result, Scheme, Vote
from gongzhi.core.models import IdempotencyKey
from tests.awards.conftest import honour_scheme, party_scheme
from tests.conftest import COMMUNITY_A, STREET, api_client_for


def post(client, url, body=None, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, json.dumps(body or {}), content_type="application/json", **extra)


@pytest.fixture
def computed(district, facts):
    scheme = party_scheme(district)
    scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    return scheme


def test_street_staff_create_compute_confirm_and_publish_through_the_api(district, facts):
    client = api_client_for(district["street_staff"])
    made = post(client, "/api/v1/awards/schemes", {"kind": "party_stars", "name": "五星级网格党员", "area_code": STREET,
                                                   "period_kind": "quarter", "year": 2026, "quarter": 2})  # fmt: skip
    assert made.status_code == 201, made.content
    scheme = made.json()
    assert (scheme["starts_on"], scheme["ends_on"], scheme["config"]["stars"]) == ("2026-04-01", "2026-07-01",
                                                                                  [20, 40, 60, 75, 90])  # fmt: skip
    computed = post(client, f"/api/v1/awards/schemes/{scheme['id']}/compute")
    assert computed.json() == {"created": 3, "updated": 0, "unchanged": 0, "kept": 0}
    results = client.get(f"/api/v1/awards/schemes/{scheme['id']}/results").json()
    zhao = next(r for r in results if r["subject_name"] == "赵党员")
    assert [f["key"] for f in zhao["explanation"]] == ["wishes", "hours", "zone", "appeals"]
    assert zhao["explanation"][0]["source_count"] == 3 and zhao["allowed"] == ["confirm", "reject"]
    moved = post(client, f"/api/v1/awards/results/{zhao['id']}/transitions", {"action": "confirm"})
    assert moved.json()["state"] == "confirmed"
    again = post(client, f"/api/v1/awards/results/{zhao['id']}/transitions", {"action": "confirm"})
    assert again.status_code == 409 and again.json()["details"]["allowed"] == ["publish"]
    published = post(client, f"/api/v1/awards/schemes/{scheme['id']}/publish")
    assert published.json()["published"] == 1 and len(published.json()["notices"]) == 1
    assert client.get(f"/api/v1/awards/results/{zhao['id']}").json()["state"] == "published"


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "medal"}, "kind"),
        ({"area_code": "370211001001"}, "area_code"),
        ({"period_kind": "quarter"}, "quarter"),
        ({"period_kind": "month"}, "period_kind"),
        ({"config": {"stars": [50, 40, 30, 20, 10]}}, "config.stars"),
        ({"kind": "honour"}, "votes_open_at"),
    ],
)
def test_bad_scheme_input_is_refused_with_the_field_and_nothing_is_created(district, body, field):
    base = {"kind": "party_stars", "name": "五星", "area_code": STREET, "period_kind": "year", "year": 2026}
    response = post(api_client_for(district["street_staff"]), "/api/v1/awards/schemes", base | body)
    assert response.status_code == 422 and response.json()["field"] == field
    assert not Scheme.objects.exists()


def test_an_honour_whose_vote_ends_before_it_starts_is_refused(district, at):
    base = {"kind": "honour", "name": "最美家庭", "area_code": STREET, "period_kind": "year", "year": 2026,
            "votes_open_at": "2026-12-10T09:00:00+08:00", "votes_close_at": "2026-12-01T09:00:00+08:00"}  # fmt: skip
    response = post(api_client_for(district["street_staff"]), "/api/v1/awards/schemes", base)
    assert response.status_code == 422 and response.json()["field"] == "votes_close_at"


# persona → (sees the scheme, sees how many results, may compute, may confirm)
TABLE = {
    "street_staff": (True, 3, True, True),
    "admin": (True, 3, True, True),
    "community_worker_a": (True, 3, False, False),
    "community_worker_b": (True, 0, False, False),
    "grid_worker_a": (True, 0, False, False),  # party members belong to the community, above the grid
    "other_street_staff": (False, 0, False, False),
    "resident_a": (False, 0, False, False),
    "party_member_a": (False, 0, False, False),
}


@pytest.mark.parametrize("persona", TABLE)
def test_permissions_per_persona(district, computed, persona):
    sees, n, computes, confirms = TABLE[persona]
    client = api_client_for(district[persona])
    got = client.get(f"/api/v1/awards/schemes/{computed.pk}")
    assert got.status_code == (200 if sees else 404)
    if sees:
        assert len(client.get(f"/api/v1/awards/schemes/{computed.pk}/results").json()) == n
    assert ([s["id"] for s in client.get("/api/v1/awards/schemes").json()] == [computed.pk]) is sees
    assert (post(client, f"/api/v1/awards/schemes/{computed.pk}/compute").status_code == 200) is computes
    zhao = Result.objects.get(scheme=computed, subject_name="赵党员")
    moved = post(client, f"/api/v1/awards/results/{zhao.pk}/transitions", {"action": "confirm"})
    assert (moved.status_code == 200) is confirms
    assert moved.status_code in (200, 403, 404)


def test_a_community_worker_sees_the_results_of_their_community_only(district, computed, facts):
    from gongzhi.people.models import PartyMember
    from tests.awards.conftest import make_member

    make_member(district, "吴党员", area="370211001002")
    scheme_compute(actor=district["street_staff"], scheme_id=computed.pk)
    names_a = {r["subject_name"] for r in api_client_for(district["community_worker_a"]).get(
        f"/api/v1/awards/schemes/{computed.pk}/results").json()}  # fmt: skip
    names_b = {r["subject_name"] for r in api_client_for(district["community_worker_b"]).get(
        f"/api/v1/awards/schemes/{computed.pk}/results").json()}  # fmt: skip
    assert names_a == {"赵党员", "钱党员", "孙党员"} and names_b == {"吴党员"}
    assert PartyMember.objects.count() == 4


def test_residents_see_published_results_of_their_community_only(district, computed, residents):
    from gongzhi.awards.actions.workflow import result_move, results_publish

    zhao = Result.objects.get(scheme=computed, subject_name="赵党员")
    a, b = api_client_for(district["resident_a"]), api_client_for(district["resident_b"])
    assert a.get(f"/api/v1/awards/results/{zhao.pk}").status_code == 404
    result_move(actor=district["street_staff"], result_id=zhao.pk, action="confirm")
    results_publish(actor=district["street_staff"], scheme_id=computed.pk)
    shown = a.get(f"/api/v1/awards/results/{zhao.pk}").json()
    assert shown["state"] == "published" and shown["allowed"] == [] and shown["explanation"]
    assert b.get(f"/api/v1/awards/results/{zhao.pk}").status_code == 404


def test_a_resident_nominates_and_votes_and_a_retry_with_the_same_key_counts_once(district, residents, at):
    scheme = honour_scheme(district)
    client = api_client_for(district["resident_a"])
    body = {"nominee_name": "王秀英家庭", "reason": "三代同堂，孝老爱亲"}
    first = post(client, f"/api/v1/awards/schemes/{scheme.pk}/nominations", body, key="nom-1")
    again = post(client, f"/api/v1/awards/schemes/{scheme.pk}/nominations", body, key="nom-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["area_code"] == COMMUNITY_A and Nomination.objects.count() == 1
    nid = first.json()["id"]
    vote = post(client, f"/api/v1/awards/nominations/{nid}/votes", key="vote-1")
    replay = post(client, f"/api/v1/awards/nominations/{nid}/votes", key="vote-1")
    assert vote.status_code == replay.status_code == 201 and vote.json() == replay.json()
    assert vote.json()["votes"] == 1
    second = post(client, f"/api/v1/awards/nominations/{nid}/votes", key="vote-2")
    assert second.status_code == 409 and Vote.objects.count() == 1
    listed = client.get(f"/api/v1/awards/schemes/{scheme.pk}/nominations").json()
    assert [(n["nominee_name"], n["votes"]) for n in listed] == [("王秀英家庭", 1)]
    assert IdempotencyKey.objects.filter(endpoint__startswith="awards.").count() == 2


def test_a_resident_of_another_community_neither_sees_nor_votes_for_the_nomination(district, residents, at):
    scheme = honour_scheme(district)
    nom = nomination_create(
        actor=district["resident_a"], scheme_id=scheme.pk, nominee_name="王家", reason="和睦友爱的家庭"
    )
    b = api_client_for(district["resident_b"])
    assert b.get(f"/api/v1/awards/schemes/{scheme.pk}/nominations").json() == []
    refused = post(b, f"/api/v1/awards/nominations/{nom.pk}/votes")
    assert refused.status_code == 403 and not Vote.objects.exists()
