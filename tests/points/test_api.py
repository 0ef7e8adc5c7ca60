"""The points API: propose with an Idempotency-Key, move awards, read an account's passbook; bad input changes nothing."""

import datetime as dt

import pytest
import time_machine

from gongzhi.accounts import auth
from gongzhi.core import ledger
from gongzhi.core.models import IdempotencyKey
from gongzhi.core.models_ledger import Posting
from gongzhi.points.models import PointsAward
from tests import factories
from tests.conftest import GRID_A, api_client_for

START = dt.datetime(2025, 5, 6, 9, 0, tzinfo=dt.UTC)
URL = "/api/v1/points"


def body(household, **kw):
    return {"household_id": household.pk, "rule_code": "env-cleanup", "evidence": "整治照片", **kw}


def post_json(client, url, data, **headers):
    return client.post(url, data, content_type="application/json", **headers)


def test_propose_then_review_publish_and_post_through_the_api(district, household_a, scheme):
    grid = api_client_for(district["grid_worker_a"])
    office = api_client_for(district["community_worker_a"])
    with time_machine.travel(START, tick=False) as t:
        r = post_json(grid, f"{URL}/awards", body(household_a))
        assert r.status_code == 201, r.content
        award = r.json()
        assert award["state"] == "proposed" and award["allowed_actions"] == ["review", "reject"]
        for action in ("review", "publish"):
            r = post_json(office, f"{URL}/awards/{award['id']}/transitions", {"action": action})
            assert r.status_code == 200, r.content
        t.shift(dt.timedelta(days=3, seconds=1))
        r = post_json(office, f"{URL}/awards/{award['id']}/transitions", {"action": "post"})
        assert r.json()["state"] == "posted"
        r = office.get(f"{URL}/accounts/{award['account_id']}")
        assert r.status_code == 200
        account = r.json()
        assert account["balance"] == 5
        assert [(p["amount"], p["balance_after"], p["kind"]) for p in account["postings"]] == [(5, 5, "points.award")]


def test_a_refused_transition_names_the_allowed_moves(district, household_a, scheme):
    grid = api_client_for(district["grid_worker_a"])
    award = post_json(grid, f"{URL}/awards", body(household_a)).json()
    r = post_json(
        api_client_for(district["community_worker_a"]), f"{URL}/awards/{award['id']}/transitions", {"action": "post"}
    )
    assert r.status_code == 422
    assert r.json()["details"]["allowed"] == ["review", "reject"]
    assert "review" in r.json()["detail"]


def test_community_worker_b_cannot_touch_awards_of_community_a(district, household_a, scheme):
    award = post_json(api_client_for(district["grid_worker_a"]), f"{URL}/awards", body(household_a)).json()
    other = api_client_for(district["community_worker_b"])
    r = post_json(other, f"{URL}/awards/{award['id']}/transitions", {"action": "review"})
    assert r.status_code == 403
    assert other.get(f"{URL}/awards/{award['id']}").status_code == 403
    assert other.get(f"{URL}/accounts/{award['account_id']}").status_code == 403
    assert PointsAward.objects.get().state == "proposed"


def test_a_resident_cannot_propose_but_sees_their_own_account(district, household_a, scheme):
    resident = district["resident_a"]
    client = api_client_for(resident)
    r = post_json(client, f"{URL}/awards", body(household_a))
    assert r.status_code == 403
    assert not PointsAward.objects.exists()
    award = post_json(api_client_for(district["grid_worker_a"]), f"{URL}/awards", body(household_a)).json()
    assert client.get(f"{URL}/accounts/{award['account_id']}").status_code == 403
    resident.resident = factories.ResidentFactory(household=household_a, name="王五")
    resident.save()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=auth.TOKEN_CACHE_SECONDS)
    with time_machine.travel(later):  # the token's check (with the user's row) is kept for up to a second
        assert client.get(f"{URL}/accounts/{award['account_id']}").status_code == 200


class TestIdempotencyKey:
    def test_a_double_submit_with_one_key_makes_one_award(self, district, household_a, scheme):
        grid = api_client_for(district["grid_worker_a"])
        first = post_json(grid, f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k-1")
        second = post_json(grid, f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert PointsAward.objects.count() == 1

    def test_another_key_makes_another_award(self, district, household_a, scheme):
        grid = api_client_for(district["grid_worker_a"])
        post_json(grid, f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k-1")
        post_json(grid, f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k-2")
        assert PointsAward.objects.count() == 2

    def test_the_same_key_with_another_body_is_a_conflict(self, district, household_a, scheme):
        grid = api_client_for(district["grid_worker_a"])
        post_json(grid, f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k-1")
        r = post_json(grid, f"{URL}/awards", body(household_a, points=3), HTTP_IDEMPOTENCY_KEY="k-1")
        assert r.status_code == 409
        assert r.json()["field"] == "Idempotency-Key"
        assert PointsAward.objects.count() == 1

    def test_keys_belong_to_one_user(self, district, household_a, scheme):
        post_json(
            api_client_for(district["grid_worker_a"]), f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k"
        )
        post_json(
            api_client_for(district["community_worker_a"]), f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k"
        )
        assert PointsAward.objects.count() == 2

    def test_a_refused_request_stores_no_key(self, district, household_a, scheme):
        grid = api_client_for(district["grid_worker_a"])
        r = post_json(grid, f"{URL}/awards", body(household_a, rule_code="nope"), HTTP_IDEMPOTENCY_KEY="k")
        assert r.status_code == 404
        assert not IdempotencyKey.objects.exists()
        r = post_json(grid, f"{URL}/awards", body(household_a), HTTP_IDEMPOTENCY_KEY="k")
        assert r.status_code == 201


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"rule_code": "no-such-rule"}, 404, "rule_code"),
        ({"points": -30, "rule_code": "law-disorder"}, 422, "points"),
        ({"points": 50}, 422, "points"),
        ({"evidence": ""}, 422, "evidence"),
        ({"household_id": 999_999}, 404, "household_id"),
        ({"household_id": None}, 422, "account_id"),
        ({"source_type": "activity", "source_id": ""}, 422, "source_id"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(district, household_a, scheme, change, status, field):
    grid = api_client_for(district["grid_worker_a"])
    r = post_json(grid, f"{URL}/awards", body(household_a, **change))
    assert r.status_code == status, r.content
    assert r.json()["field"] == field
    assert r.json()["detail"]
    assert not PointsAward.objects.exists()
    assert not Posting.objects.filter(account__code__startswith="points:household").exists()


def test_the_account_statement_pages_by_keyset(district, household_a, scheme):
    from gongzhi.points.actions.accounts import account_open_for_household

    account = account_open_for_household(household=household_a)
    issuance = ledger.account_by_code(code=scheme.system_code("issuance"))
    for i in range(5):
        ledger.post(kind="points.award", lines=[(issuance, -1), (account.ledger_account, 1)], reference=f"t{i}")
    client = api_client_for(district["community_worker_a"])
    page1 = client.get(f"{URL}/accounts/{account.pk}?limit=3").json()
    assert [p["balance_after"] for p in page1["postings"]] == [5, 4, 3]
    page2 = client.get(f"{URL}/accounts/{account.pk}?limit=3&before_id={page1['next_before_id']}").json()
    assert [p["balance_after"] for p in page2["postings"]] == [2, 1]
    assert page2["next_before_id"] is None


def test_the_catalogue_of_an_area(district, scheme):
    r = api_client_for(district["grid_worker_a"]).get(f"{URL}/rules?area={GRID_A}")
    assert r.status_code == 200
    codes = {rule["code"]: rule for rule in r.json()["rules"]}
    assert codes["neighbour-elder-neglect"]["points"] < 0
    assert {rule["dimension"] for rule in r.json()["rules"]} == {
        "environment",
        "neighbourhood",
        "rural_development",
        "public_service",
        "self_governance",
        "local",
    }
