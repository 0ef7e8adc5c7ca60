"""ID numbers and phones are stored encrypted, shown masked, and every unmasked view is in the audit log."""

import json

import pytest

from gongzhi.core.models import AuditEvent
from gongzhi.people.models import Resident


def test_nothing_is_stored_in_clear_text(resident_in_a):
    row = Resident.objects.filter(pk=resident_in_a.pk).values().get()
    plain_id = resident_in_a.id_number_plain
    assert plain_id not in json.dumps(row, default=str)
    assert "13812345678" not in json.dumps(row, default=str)


def test_the_api_shows_masked_values(district, resident_in_a, as_user):
    body = as_user(district["community_worker_a"]).get(f"/api/v1/residents/{resident_in_a.pk}").json()
    plain = resident_in_a.id_number_plain
    assert body["id_number"] == plain[:6] + "********" + plain[-4:]
    assert body["phone"] == "138****5678"


@pytest.mark.parametrize("persona", ["community_worker_a", "street_staff", "admin", "superuser"])
def test_allowed_roles_can_unmask_and_it_is_audited(district, resident_in_a, as_user, persona):
    response = as_user(district[persona]).post(
        f"/api/v1/residents/{resident_in_a.pk}/reveal",
        json.dumps({"field": "phone", "reason": "上门走访联系"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["value"] == "13812345678"
    event = AuditEvent.objects.get(action="pii.unmask")
    assert event.actor == district[persona]
    assert event.target_id == str(resident_in_a.pk)
    assert event.data == {"field": "phone", "reason": "上门走访联系"}


@pytest.mark.parametrize("persona", ["grid_worker_a", "microgrid_worker_a", "community_worker_b", "department"])
def test_other_roles_cannot_unmask_and_nothing_is_logged_as_shown(district, resident_in_a, as_user, persona):
    response = as_user(district[persona]).post(
        f"/api/v1/residents/{resident_in_a.pk}/reveal",
        json.dumps({"field": "id_number"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_unknown_field_is_refused(district, resident_in_a, as_user):
    response = as_user(district["admin"]).post(
        f"/api/v1/residents/{resident_in_a.pk}/reveal",
        json.dumps({"field": "name"}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


def test_audit_rows_cannot_be_changed_or_deleted(district, resident_in_a):
    from gongzhi.core.append_only import AppendOnlyError
    from gongzhi.core.audit import audit_record

    event = audit_record(actor=district["admin"], action="test.event", target=resident_in_a)
    event.action = "forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="forged")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
