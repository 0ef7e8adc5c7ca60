"""Showing a full number: offered only to roles that may unmask, always audited, refused to the others."""

from gongzhi.core.models import AuditEvent


def reveal_url(resident):
    return f"/people/residents/{resident.pk}/reveal/"


def test_community_worker_sees_the_button_and_the_reveal_is_audited(district, resident_in_a, client_for):
    client = client_for(district["community_worker_a"])
    page = client.get(f"/people/residents/{resident_in_a.pk}/").content.decode()
    assert "显示完整号码" in page
    assert "13812345678" not in page

    response = client.post(reveal_url(resident_in_a), {"field": "phone"})
    assert response.status_code == 200
    assert "13812345678" in response.content.decode()
    event = AuditEvent.objects.get(action="pii.unmask")
    assert event.actor == district["community_worker_a"]
    assert event.target_id == str(resident_in_a.pk)
    assert event.data["field"] == "phone"


def test_htmx_reveal_returns_just_the_value(district, resident_in_a, client_for):
    response = client_for(district["street_staff"]).post(
        reveal_url(resident_in_a), {"field": "id_number"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response.content.decode().strip() == f'<span class="mono revealed">{resident_in_a.id_number_plain}</span>'
    assert AuditEvent.objects.filter(action="pii.unmask").count() == 1


def test_grid_worker_has_no_button_and_is_refused_without_an_audit_row(district, resident_in_a, client_for):
    client = client_for(district["grid_worker_a"])
    page = client.get(f"/people/residents/{resident_in_a.pk}/").content.decode()
    assert "显示完整号码" not in page

    response = client.post(reveal_url(resident_in_a), {"field": "phone"})
    assert response.status_code == 403
    assert "13812345678" not in response.content.decode()
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_other_community_cannot_reveal(district, resident_in_a, client_for):
    response = client_for(district["community_worker_b"]).post(reveal_url(resident_in_a), {"field": "phone"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_unknown_field_is_refused_and_nothing_is_logged(district, resident_in_a, client_for):
    response = client_for(district["community_worker_a"]).post(reveal_url(resident_in_a), {"field": "password"})
    assert response.status_code == 422
    assert "只能查看身份证号或手机号" in response.content.decode()
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_reveal_needs_post(district, resident_in_a, client_for):
    assert client_for(district["community_worker_a"]).get(reveal_url(resident_in_a)).status_code == 405
