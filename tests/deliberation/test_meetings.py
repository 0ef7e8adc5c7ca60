"""议: invitations through the outbox, registration with capacity and waitlist, sign-in by the rotating QR code or
by list, the meeting's own moves."""

import datetime as dt

import pytest

from gongzhi.core.errors import Conflict, PermissionDenied, ValidationFailed
from gongzhi.deliberation.actions import meetings
from gongzhi.deliberation.models import Invitation, Registration, SignIn
from gongzhi.notifications.models import OutboxMessage
from gongzhi.volunteering import codes
from tests.conftest import COMMUNITY_A
from tests.deliberation.conftest import T0


def test_invitations_reach_the_residents_through_the_outbox(district, meeting, homes):
    invited = set(Invitation.objects.filter(meeting=meeting).values_list("user_id", flat=True))
    assert {u.pk for u in homes.values()} | {district["resident_a"].pk} <= invited
    assert district["resident_b"].pk not in invited
    assert OutboxMessage.objects.filter(kind="deliberation.invited", user=homes["li"]).exists()
    # Inviting again adds nobody twice; representatives and departments are further groups.
    worker = district["community_worker_a"]
    n = meetings.meeting_invite(
        actor=worker, meeting_id=meeting.pk, groups=["resident", "representative", "department"]
    )
    assert n == 3  # party_member_a, volunteer_a, the street's department
    kinds = dict(Invitation.objects.filter(meeting=meeting).values_list("user_id", "kind"))
    assert kinds[district["department"].pk] == "department"
    assert Invitation.objects.get(meeting=meeting, user=homes["wang1"]).household_id is not None


def test_bad_invitations_change_nothing(district, meeting):
    before = Invitation.objects.count()
    with pytest.raises(ValidationFailed) as err:
        meetings.meeting_invite(actor=district["community_worker_a"], meeting_id=meeting.pk, groups=["everyone"])
    assert err.value.field == "groups"
    with pytest.raises(ValidationFailed) as err:
        meetings.meeting_invite(actor=district["community_worker_a"], meeting_id=meeting.pk, user_ids=[10**9])
    assert err.value.field == "user_ids"
    with pytest.raises(PermissionDenied):
        meetings.meeting_invite(actor=district["community_worker_b"], meeting_id=meeting.pk, groups=["resident"])
    assert Invitation.objects.count() == before


def test_registration_fills_the_places_then_the_waitlist(district, meeting, homes):
    first = meetings.meeting_register(actor=homes["wang1"], meeting_id=meeting.pk)
    second = meetings.meeting_register(actor=homes["li"], meeting_id=meeting.pk)
    third = meetings.meeting_register(actor=homes["zhao"], meeting_id=meeting.pk)
    assert [first.state, second.state, third.state] == ["registered", "registered", "waitlisted"]
    with pytest.raises(Conflict):
        meetings.meeting_register(actor=homes["li"], meeting_id=meeting.pk)
    meetings.registration_cancel(actor=homes["wang1"], registration_id=first.pk)
    third.refresh_from_db()
    assert third.state == "registered"
    assert OutboxMessage.objects.filter(kind="deliberation.promoted", user=homes["zhao"]).exists()
    with pytest.raises(PermissionDenied):
        meetings.registration_cancel(actor=homes["li"], registration_id=third.pk)


def test_someone_of_another_community_cannot_register(district, meeting):
    with pytest.raises(PermissionDenied):
        meetings.meeting_register(actor=district["resident_b"], meeting_id=meeting.pk)
    assert not Registration.objects.exists()


def test_sign_in_with_the_rotating_code_once(district, meeting, homes, at):
    code = meetings.sign_in_code(actor=district["community_worker_a"], meeting_id=meeting.pk)
    row = meetings.meeting_sign_in(actor=homes["li"], meeting_id=meeting.pk, code=code)
    assert row.method == "qr"
    with pytest.raises(Conflict):
        meetings.meeting_sign_in(actor=homes["li"], meeting_id=meeting.pk, code=code)
    at.shift(dt.timedelta(minutes=2))
    with pytest.raises(ValidationFailed) as err:
        meetings.meeting_sign_in(actor=homes["zhao"], meeting_id=meeting.pk, code=code)
    assert err.value.field == "code"  # expired
    other = codes.make(activity_id=meeting.pk + 1, salt=meeting.qr_salt, purpose="in")
    with pytest.raises(ValidationFailed):
        meetings.meeting_sign_in(actor=homes["zhao"], meeting_id=meeting.pk, code=other)
    with pytest.raises(PermissionDenied):
        meetings.sign_in_code(actor=homes["zhao"], meeting_id=meeting.pk)


def test_the_chair_signs_in_from_the_list(district, meeting, homes):
    worker = district["community_worker_a"]
    assert meetings.meeting_sign_in_list(actor=worker, meeting_id=meeting.pk, user_ids=[homes["li"].pk]) == 1
    assert meetings.meeting_sign_in_list(actor=worker, meeting_id=meeting.pk, user_ids=[homes["li"].pk]) == 0
    with pytest.raises(ValidationFailed) as err:
        meetings.meeting_sign_in_list(actor=worker, meeting_id=meeting.pk, user_ids=[district["resident_b"].pk])
    assert err.value.field == "user_ids"
    assert SignIn.objects.count() == 1


def test_meeting_moves_and_a_cancel_needs_a_reason(district, meeting):
    worker = district["community_worker_a"]
    with pytest.raises(ValidationFailed) as err:
        meetings.meeting_move(actor=worker, meeting_id=meeting.pk, action="cancel")
    assert err.value.field == "note"
    assert meetings.meeting_move(actor=worker, meeting_id=meeting.pk, action="open").state == "open"
    assert meetings.meeting_move(actor=worker, meeting_id=meeting.pk, action="start").state == "in_session"
    assert meetings.meeting_move(actor=worker, meeting_id=meeting.pk, action="end").state == "held"


def test_agenda_items_have_durations(district, meeting):
    worker = district["community_worker_a"]
    item = meetings.agenda_item_add(actor=worker, meeting_id=meeting.pk, title="物业费公示", duration_minutes=20)
    assert (item.duration_minutes, item.position) == (20, 1)
    with pytest.raises(ValidationFailed) as err:
        meetings.agenda_item_add(actor=worker, meeting_id=meeting.pk, title="x", duration_minutes=0)
    assert err.value.field == "duration_minutes"


def test_meeting_bad_input(district, at):
    worker = district["community_worker_a"]
    base = {"kind": "forum", "title": "百姓论坛", "area_code": COMMUNITY_A, "starts_at": T0, "ends_at": T0}
    for change, field in [
        ({}, "ends_at"),
        ({"kind": "party"}, "kind"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"ends_at": T0 + dt.timedelta(hours=1), "capacity": 0}, "capacity"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            meetings.meeting_create(actor=worker, **{**base, **change})
        assert err.value.field == field
