"""The care configuration page edits the lists with the API's actions and rules: tags, risk levels and triggers by
`care.configure` (street staff), a community's visit schedule by `care.manage` there; bad input a clear message
naming the field that changes nothing; every save audited."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from gongzhi.care.models import CareTag, RiskLevel, VisitSchedule, VisitTrigger
from gongzhi.core.audit import AuditEvent
from tests.conftest import COMMUNITY_A, COMMUNITY_B
from tests.test_i18n import english_catalogue  # noqa: F401


def _client(user, **extra):
    client = Client(**extra)
    client.force_login(user)
    return client


def _said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_street_staff_edit_the_lists_on_the_page(care):
    client = _client(care["street_staff"])
    page = client.get("/care/config/").content.decode()
    assert 'action="/care/config/tag/"' in page and 'action="/care/config/trigger/"' in page
    response = client.post(
        "/care/config/tag/", {"code": "left-behind", "name": "留守老人", "order": "12", "active": "on"}
    )
    assert response.status_code == 302 and _said(response) == ["关爱标签已保存"]
    tag = CareTag.objects.get(code="left-behind")
    assert tag.name == "留守老人" and tag.order == 12 and tag.active and not tag.is_child
    assert AuditEvent.objects.filter(action="care.config.tag", target_id=str(tag.pk)).count() == 1
    client.post("/care/config/risk_level/", {"code": "red", "name": "红", "rank": "1", "interval_days": "5",
                                             "color": "#d9363e", "active": "on"})  # fmt: skip
    assert RiskLevel.objects.get(code="red").interval_days == 5
    client.post("/care/config/trigger/", {"code": "illness", "name": "生病住院", "group": "must_attend",
                                          "within_days": "2", "active": "on"})  # fmt: skip
    assert VisitTrigger.objects.get(code="illness").within_days == 2
    # Unticking "active" retires an entry (archives keep it).
    client.post("/care/config/tag/", {"code": "left-behind", "name": "留守老人", "order": "12"})
    assert not CareTag.objects.get(code="left-behind").active


def test_a_double_submit_saves_one_row(care):
    client = _client(care["street_staff"])
    body = {"code": "left-behind", "name": "留守老人", "active": "on"}
    client.post("/care/config/tag/", body)
    client.post("/care/config/tag/", body)
    assert CareTag.objects.filter(code="left-behind").count() == 1


@pytest.mark.parametrize(
    ("what", "body", "field"),
    [
        ("tag", {"code": "", "name": "x"}, "code"),
        ("tag", {"code": "x y", "name": "x"}, "code"),
        ("tag", {"code": "new", "name": ""}, "name"),
        ("tag", {"code": "new", "name": "空巢"}, "name"),  # another tag's name
        ("tag", {"code": "new", "name": "新", "order": "abc"}, "order"),
        ("risk_level", {"code": "orange", "name": "橙", "rank": "abc", "interval_days": "10"}, "rank"),
        ("risk_level", {"code": "orange", "name": "橙", "rank": "2", "interval_days": "0"}, "interval_days"),
        ("risk_level", {"code": "orange", "name": "橙", "rank": "2"}, "interval_days"),
        ("trigger", {"code": "flood", "name": "洪水", "group": "nope", "within_days": "1"}, "group"),
        ("trigger", {"code": "flood", "name": "洪水", "group": "must_attend", "within_days": "99"}, "within_days"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(care, what, body, field):
    before = (CareTag.objects.count(), RiskLevel.objects.count(), VisitTrigger.objects.count())
    response = _client(care["street_staff"]).post(f"/care/config/{what}/", body)
    assert response.status_code == 302
    said = _said(response)
    assert len(said) == 1 and field in said[0], said
    assert (CareTag.objects.count(), RiskLevel.objects.count(), VisitTrigger.objects.count()) == before
    assert not AuditEvent.objects.filter(action__startswith="care.config").exists()


@pytest.mark.parametrize("persona", ["community_worker_a", "grid_worker_a", "child_director"])
def test_only_care_configure_edits_the_lists(care, persona):
    response = _client(care[persona]).post("/care/config/tag/", {"code": "left-behind", "name": "留守老人"})
    assert not CareTag.objects.filter(code="left-behind").exists()
    if response.status_code == 302:
        assert "权限" in _said(response)[0]
    else:
        assert response.status_code == 403


def test_a_community_sets_its_own_schedule_and_no_other(care):
    client = _client(care["community_worker_a"])
    page = client.get("/care/config/").content.decode()
    assert f'value="{COMMUNITY_A}"' in page and f'value="{COMMUNITY_B}"' not in page
    assert 'action="/care/config/tag/"' not in page  # no care.configure: the lists are read-only here
    client.post(
        "/care/config/schedule/", {"community_code": COMMUNITY_A, "risk_level": "yellow", "interval_days": "10"}
    )
    row = VisitSchedule.objects.get(area__code=COMMUNITY_A)
    assert row.interval_days == 10 and row.risk_level.code == "yellow"
    refused = client.post("/care/config/schedule/", {"community_code": COMMUNITY_B, "risk_level": "yellow",
                                                     "interval_days": "10"})  # fmt: skip
    assert "权限" in _said(refused)[-1] and not VisitSchedule.objects.filter(area__code=COMMUNITY_B).exists()
    bad = client.post("/care/config/schedule/", {"community_code": COMMUNITY_A, "risk_level": "purple",
                                                 "interval_days": "10"})  # fmt: skip
    assert "risk_level" in _said(bad)[-1] or "purple" in _said(bad)[-1]
    # An empty interval puts the level's default back.
    client.post("/care/config/schedule/", {"community_code": COMMUNITY_A, "risk_level": "yellow", "interval_days": ""})
    assert not VisitSchedule.objects.exists()
    assert AuditEvent.objects.filter(action="care.config.schedule").count() == 2


def test_an_unknown_list_is_not_found_and_the_message_is_in_the_users_language(care, english_catalogue):  # noqa: F811
    client = _client(care["street_staff"], HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/care/config/nothing/", {}).status_code == 404
    response = client.post("/care/config/risk_level/", {"code": "orange", "name": "橙", "rank": "abc",
                                                        "interval_days": "10"})  # fmt: skip
    said = _said(response)[-1]
    assert "rank" in said and "应为" not in said
