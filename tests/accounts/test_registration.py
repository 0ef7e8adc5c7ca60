"""A resident registers; a community worker of their community confirms them against a household resident."""

import json

import pytest
from django.db import connection
from django.test import Client

from gongzhi.accounts.models import Membership, Registration, User
from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from tests.conftest import COMMUNITY_A, MICRO_A


def register(client, **overrides):
    body = {
        "username": "newcomer",
        "password": "a-long-password",
        "full_name": "张三",
        "id_number": "",
        "phone": "13700001111",
        "address": "1号楼1单元101",
        "community_code": COMMUNITY_A,
    } | overrides
    return client.post("/api/v1/registrations", json.dumps(body), content_type="application/json")


def test_register_then_confirm_gives_resident_rights(district, resident_in_a, as_user):
    id_number = resident_in_a.id_number_plain
    response = register(Client(), id_number=id_number)
    assert response.status_code == 201, response.content
    reg_id = response.json()["id"]

    decided = as_user(district["community_worker_a"]).post(
        f"/api/v1/registrations/{reg_id}/decision",
        json.dumps({"confirm": True, "resident_id": resident_in_a.pk}),
        content_type="application/json",
    )
    assert decided.status_code == 200, decided.content
    user = User.objects.get(username="newcomer")
    assert user.resident_id == resident_in_a.pk
    assert Membership.objects.filter(user=user, role="resident", area__code=MICRO_A).exists()


def test_confirming_against_someone_elses_record_is_refused(district, resident_in_a, resident_in_b, as_user):
    reg_id = register(Client(), id_number=resident_in_a.id_number_plain).json()["id"]
    response = as_user(district["community_worker_a"]).post(
        f"/api/v1/registrations/{reg_id}/decision",
        json.dumps({"confirm": True, "resident_id": resident_in_b.pk}),
        content_type="application/json",
    )
    assert response.status_code == 403  # resident b lies in community B
    assert Registration.objects.get(pk=reg_id).status == "pending"


def test_a_worker_of_another_community_cannot_decide(district, resident_in_a):
    from gongzhi.accounts.actions import registration_decide

    reg = Registration.objects.get(pk=register(Client(), id_number=resident_in_a.id_number_plain).json()["id"])
    with pytest.raises(PermissionDenied):
        registration_decide(actor=district["community_worker_b"], registration=reg, confirm=False, reason="x")


def test_mismatched_id_number_is_refused_and_changes_nothing(district, resident_in_a):
    from gongzhi.accounts.actions import registration_decide
    from tests.factories import make_id_number

    reg = Registration.objects.get(pk=register(Client(), id_number=make_id_number()).json()["id"])
    with pytest.raises(ValidationFailed):
        registration_decide(
            actor=district["community_worker_a"], registration=reg, confirm=True, resident=resident_in_a
        )
    reg.refresh_from_db()
    assert reg.status == "pending"
    assert not Membership.objects.filter(user=reg.user).exists()


def test_rejection_needs_a_reason_and_a_decision_is_final(district, resident_in_a):
    from gongzhi.accounts.actions import registration_decide

    reg = Registration.objects.get(pk=register(Client(), id_number=resident_in_a.id_number_plain).json()["id"])
    with pytest.raises(ValidationFailed):
        registration_decide(actor=district["community_worker_a"], registration=reg, confirm=False, reason="")
    registration_decide(actor=district["community_worker_a"], registration=reg, confirm=False, reason="查无此人")
    with pytest.raises(Conflict):
        registration_decide(actor=district["community_worker_a"], registration=reg, confirm=False, reason="again")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "370211198001010011"}, "id_number"),  # bad checksum
        ({"id_number": "37021119800230001X"}, "id_number"),  # 30 February
        ({"phone": "12345"}, "phone"),
        ({"community_code": "370211001001001"}, "community_code"),  # a grid, not a community
        ({"full_name": "   "}, "full_name"),
    ],
)
def test_bad_registrations_are_refused_and_create_no_user(district, overrides, field):
    from tests.factories import make_id_number

    body = {"id_number": make_id_number()} | overrides
    response = register(Client(), **body)
    assert response.status_code == 422, response.content
    assert not User.objects.filter(username="newcomer").exists()
    if response.json().get("field"):
        assert response.json()["field"] in {field, "community", "full_name"}


def test_double_submit_is_a_conflict(district):
    from tests.factories import make_id_number

    id_number = make_id_number()
    assert register(Client(), id_number=id_number).status_code == 201
    again = register(Client(), id_number=id_number, username="newcomer2")
    assert again.status_code == 409
    assert Registration.objects.count() == 1
    assert connection.vendor in {"sqlite", "postgresql"}
