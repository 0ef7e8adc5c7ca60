"""A scheme whose accounts are held by persons: open, award, redeem and read by resident_id; the volunteering hook
credits the person there and the household in a household scheme; mixing the two is refused and changes nothing."""

import datetime as dt

import pytest
import time_machine

from gongzhi.core import ledger
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.models_ledger import Posting
from gongzhi.points.actions.accounts import account_open_for_household, account_open_for_resident
from gongzhi.points.actions.awards import award_bulk_propose, award_from_source, award_propose
from gongzhi.points.actions.schemes import catalogue_install, scheme_create
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import HolderKind, PointsAccount, PointsAward
from tests import factories
from tests.conftest import STREET, api_client_for

START = dt.datetime(2025, 5, 6, 9, 0, tzinfo=dt.UTC)
URL = "/api/v1/points"


@pytest.fixture
def person_scheme(district):
    s = scheme_create(
        actor=district["street_staff"],
        area=district.areas[STREET],
        name="个人积分",
        holder_kind=HolderKind.PERSON,
        opening_balance=5,
    )
    catalogue_install(actor=district["street_staff"], scheme=s)
    return s


def post_json(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_a_person_scheme_opens_accounts_per_person_with_the_opening_balance(district, household_a, person_scheme):
    zhang = factories.ResidentFactory(household=household_a, name="张三")
    li = factories.ResidentFactory(household=household_a, name="李四")
    a = account_open_for_resident(resident=zhang)
    b = account_open_for_resident(resident=li)
    assert a.pk != b.pk and (a.resident_id, a.household_id) == (zhang.pk, None)
    assert ledger.balance(account=a.ledger_account) == 5
    assert account_open_for_resident(resident=zhang).pk == a.pk  # idempotent
    with pytest.raises(ValidationFailed, match="按个人开户") as exc:
        account_open_for_household(household=household_a)
    assert exc.value.field == "household_id"
    assert PointsAccount.objects.count() == 2


def test_a_household_scheme_refuses_a_person_account(district, household_a, scheme):
    zhang = factories.ResidentFactory(household=household_a, name="张三")
    with pytest.raises(ValidationFailed, match="按户开户"):
        account_open_for_resident(resident=zhang)
    with pytest.raises(ValidationFailed, match="按户开户"):
        award_propose(actor=district["grid_worker_a"], resident=zhang, rule_code="env-cleanup", evidence="照片")
    assert not PointsAccount.objects.exists() and not PointsAward.objects.exists()


def test_award_redeem_and_read_by_resident_id_through_the_api(district, household_a, person_scheme):
    zhang = factories.ResidentFactory(household=household_a, name="张三")
    grid = api_client_for(district["grid_worker_a"])
    office = api_client_for(district["community_worker_a"])
    with time_machine.travel(START, tick=False) as t:
        r = post_json(grid, f"{URL}/awards", {"resident_id": zhang.pk, "rule_code": "env-cleanup", "evidence": "照片"})
        assert r.status_code == 201, r.content
        award = r.json()
        assert award["resident_id"] == zhang.pk and award["household_id"] is None
        for action in ("review", "publish"):
            assert post_json(office, f"{URL}/awards/{award['id']}/transitions", {"action": action}).status_code == 200
        t.shift(dt.timedelta(days=3, seconds=1))
        assert post_json(office, f"{URL}/awards/{award['id']}/transitions", {"action": "post"}).json()["state"] == (
            "posted"
        )
        r = office.get(f"{URL}/accounts", {"resident_id": zhang.pk})
        assert r.status_code == 200, r.content
        account = r.json()
        assert account["resident_id"] == zhang.pk and account["balance"] == 5 + award["points"]

        # Bad input: a household in a person scheme, both holders at once, an unknown resident. Nothing changes.
        before = Posting.objects.count()
        r = post_json(
            grid, f"{URL}/awards", {"household_id": household_a.pk, "rule_code": "env-cleanup", "evidence": "x"}
        )
        assert r.status_code == 422 and "按个人开户" in r.json()["detail"]
        r = post_json(
            grid,
            f"{URL}/awards",
            {"household_id": household_a.pk, "resident_id": zhang.pk, "rule_code": "env-cleanup", "evidence": "x"},
        )
        assert r.status_code == 422 and r.json()["field"] == "resident_id"
        r = post_json(grid, f"{URL}/awards", {"resident_id": 10**9, "rule_code": "env-cleanup", "evidence": "x"})
        assert r.status_code == 404 and r.json()["field"] == "resident_id"
        assert office.get(f"{URL}/accounts", {"household_id": household_a.pk}).status_code == 404
        assert PointsAward.objects.count() == 1 and Posting.objects.count() == before

        staff = district["street_staff"]
        flour = item_create(actor=staff, scheme=person_scheme, name="面粉", price=5, stock=10)
        event = event_create(
            actor=staff,
            scheme=person_scheme,
            area=district.areas[STREET],
            title="兑换日",
            place="德育超市",
            starts_at=START,
            ends_at=START + dt.timedelta(days=30),
        )
        event_offer(actor=staff, event=event, item=flour, stock=10)
        r = post_json(
            office, f"{URL}/redemptions", {"resident_id": zhang.pk, "event_id": event.pk, "item_id": flour.pk}
        )
        assert r.status_code == 201, r.content
        assert r.json()["balance_after"] == account["balance"] - 5
        r = post_json(
            office,
            f"{URL}/redemptions",
            {"resident_id": zhang.pk, "account_id": account["id"], "event_id": event.pk, "item_id": flour.pk},
        )
        assert r.status_code == 422 and r.json()["field"] == "account_id"


def test_the_volunteering_hook_credits_the_person_or_the_household_as_the_scheme_says(
    district, household_a, household_b, person_scheme
):
    zhang = factories.ResidentFactory(household=household_a, name="张三")
    award = award_from_source(
        source_type="volunteering.activity", source_id="1:1", resident=zhang, rule_code="public-volunteer"
    )
    assert award.account.resident_id == zhang.pk and award.account.household_id is None
    # Same source again: the same award, nothing new.
    again = award_from_source(
        source_type="volunteering.activity", source_id="1:1", resident=zhang, rule_code="public-volunteer"
    )
    assert again.pk == award.pk and PointsAward.objects.count() == 1


def test_the_volunteering_hook_credits_the_household_in_a_household_scheme(district, household_a, scheme):
    zhang = factories.ResidentFactory(household=household_a, name="张三")
    award = award_from_source(
        source_type="volunteering.activity", source_id="1:1", resident=zhang, rule_code="public-volunteer"
    )
    assert award.account.household_id == household_a.pk and award.account.resident_id is None
    lone = factories.ResidentFactory(household=household_a, name="王五")
    lone.household = None
    lone.save()
    with pytest.raises(ValidationFailed, match="未关联户"):
        award_from_source(
            source_type="volunteering.activity", source_id="1:2", resident=lone, rule_code="public-volunteer"
        )
    assert PointsAward.objects.count() == 1


def test_bulk_awards_to_persons(district, household_a, person_scheme):
    people = [factories.ResidentFactory(household=household_a, name=n) for n in ("张三", "李四")]
    batch = award_bulk_propose(
        actor=district["grid_worker_a"],
        residents=people,
        rule_code="env-cleanup",
        title="5月人居环境整治",
        source_type="activity",
        source_id="7",
    )
    got = sorted(PointsAward.objects.filter(batch=batch).values_list("account__resident_id", "source_id"))
    assert got == sorted((p.pk, f"7:person:{p.pk}") for p in people)
