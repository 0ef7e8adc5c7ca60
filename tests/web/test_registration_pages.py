"""A resident registers on the web; a community worker of that community confirms or rejects it."""

import pytest
from django.test import Client

from gongzhi.accounts.models import Registration, User
from tests import factories
from tests.conftest import COMMUNITY_A


def form(**overrides):
    data = {
        "username": "zhangsan2024",
        "password": "longenough-1",
        "full_name": "张三",
        "id_number": factories.make_id_number(birth="19900101", seq=777),
        "phone": "13900001234",
        "community": COMMUNITY_A,
        "address": "灵山卫1社区 1号楼1单元101",
    }
    data.update(overrides)
    return data


def test_registration_page_lists_communities_only(district):
    html = Client().get("/register/").content.decode()
    assert f'value="{COMMUNITY_A}"' in html
    assert 'value="370211001"' not in html  # a street is not a choice


def test_resident_registers_and_sees_the_pending_request(district):
    client = Client()
    response = client.post("/register/", form())
    assert response.status_code == 302
    registration = Registration.objects.get(user__username="zhangsan2024")
    assert registration.status == "pending" and registration.community.code == COMMUNITY_A
    home = client.get("/").content.decode()
    assert "待确认" in home


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"id_number": "370211199001010000"}, "校验"),
        ({"password": "short"}, "密码至少 8 位"),
        ({"phone": "12345"}, "手机号"),
        ({"community": "370211001"}, "选择"),
        ({"username": "street_staff"}, "已存在"),
        ({"full_name": ""}, "必填"),
    ],
)
def test_bad_registration_names_the_problem_and_creates_nothing(district, overrides, message):
    users_before = User.objects.count()
    response = Client().post("/register/", form(**overrides))
    assert response.status_code in {409, 422}
    assert message in response.content.decode()
    assert User.objects.count() == users_before
    assert not Registration.objects.exists()


@pytest.fixture
def pending(district, household_a):
    id_number = factories.make_id_number(birth="19850303", seq=555)
    resident = factories.ResidentFactory(household=household_a, name="张三", id_number=id_number)
    Client().post("/register/", form(id_number=id_number))
    return Registration.objects.get(), resident


def test_queue_shows_the_matching_resident(district, pending, client_for):
    registration, resident = pending
    html = client_for(district["community_worker_a"]).get("/people/registrations/").content.decode()
    assert registration.full_name in html
    assert f'name="resident" value="{resident.pk}"' in html
    assert resident.id_number_plain not in html


def test_other_community_does_not_see_or_decide_it(district, pending, client_for):
    registration, resident = pending
    client = client_for(district["community_worker_b"])
    assert registration.address not in client.get("/people/registrations/").content.decode()
    response = client.post(
        f"/people/registrations/{registration.pk}/decide/", {"decision": "confirm", "resident": resident.pk}
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == "pending"


def test_confirm_binds_the_account_to_the_resident(district, pending, client_for):
    registration, resident = pending
    response = client_for(district["community_worker_a"]).post(
        f"/people/registrations/{registration.pk}/decide/", {"decision": "confirm", "resident": resident.pk}
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "confirmed"
    assert User.objects.get(pk=registration.user_id).resident == resident


def test_reject_needs_a_reason(district, pending, client_for):
    registration, _ = pending
    client = client_for(district["community_worker_a"])
    response = client.post(f"/people/registrations/{registration.pk}/decide/", {"decision": "reject", "reason": ""})
    assert response.status_code == 422
    assert "驳回时请说明原因" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "pending"

    response = client.post(
        f"/people/registrations/{registration.pk}/decide/", {"decision": "reject", "reason": "住址与户籍不符"}
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.reason) == ("rejected", "住址与户籍不符")


def test_confirm_without_choosing_a_resident_is_refused(district, pending, client_for):
    registration, _ = pending
    response = client_for(district["community_worker_a"]).post(
        f"/people/registrations/{registration.pk}/decide/", {"decision": "confirm"}
    )
    assert response.status_code == 422
    assert "请选择要匹配的居民" in response.content.decode()
