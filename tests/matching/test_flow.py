"""The seven-order flow per persona: a resident orders, the street dispatches, the community accepts, a party member
claims or a volunteer grabs, fulfils with evidence, the resident rates and it closes — and every wrong step refused."""

import datetime as dt

import pytest
import time_machine

from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.matching.actions.flow import demand_move, demands_sweep
from gongzhi.matching.models import DemandEvent, DemandState
from tests.matching.conftest import order

pytestmark = pytest.mark.django_db


def move(people, who, demand, action, **kw):
    return demand_move(actor=people[who], demand_id=demand.pk, action=action, **kw)


def test_an_order_goes_through_all_seven_steps_and_closes_with_a_rating(people):
    d = order(people)
    assert d.state == DemandState.ORDERED and d.due_at is not None
    assert move(people, "street_staff", d, "dispatch").state == DemandState.DISPATCHED
    assert move(people, "community_worker_a", d, "accept").state == DemandState.ACCEPTED
    d = move(people, "party_member_a", d, "claim")
    assert (d.state, d.holder_id, d.holder_kind) == (DemandState.TAKEN, people["party_member_a"].pk, "party")
    d = move(people, "party_member_a", d, "fulfil", note="上门陪伴两小时", data={"hours": 2, "photos": ["p/1.jpg"]})
    assert d.state == DemandState.FULFILLED and d.evidence_photos == ["p/1.jpg"]
    d = move(people, "resident_a", d, "rate", data={"score": 5, "comment": "很好"})
    assert (d.state, d.rating) == (DemandState.CLOSED, 5)
    assert d.due_at is None
    actions = list(DemandEvent.objects.filter(demand=d).values_list("action", flat=True))
    assert actions == ["create", "dispatch", "accept", "claim", "fulfil", "rate"]


def test_a_volunteer_grabs_and_a_second_grab_is_refused_as_taken(people):
    d = order(people)
    move(people, "street_staff", d, "dispatch")
    move(people, "community_worker_a", d, "accept")
    assert move(people, "volunteer_a", d, "grab").holder_kind == "volunteer"
    with pytest.raises(Conflict) as exc:
        move(people, "party_member_a", d, "claim")
    assert exc.value.field == "action" and "ask_handover" in exc.value.details["allowed"]


@pytest.mark.parametrize(
    ("who", "action", "error"),
    [
        ("resident_a", "dispatch", PermissionDenied),  # residents do not dispatch
        ("community_worker_b", "dispatch", NotFound),  # another community's demand is not even visible
        ("volunteer_a", "grab", NotFound),  # not in the pool yet: volunteers do not see it
        ("other_street_staff", "cancel", NotFound),
    ],
)
def test_who_may_not_move_it(people, who, action, error):
    d = order(people)
    with pytest.raises(error):
        move(people, who, d, action)
    d.refresh_from_db()
    assert d.state == DemandState.ORDERED and d.version == 1


def test_only_the_resident_who_asked_may_rate(people):
    d = order(people)
    for who, action in (("street_staff", "dispatch"), ("community_worker_a", "accept"), ("volunteer_a", "grab")):
        move(people, who, d, action)
    move(people, "volunteer_a", d, "fulfil", note="已修好")
    with pytest.raises(PermissionDenied):
        move(people, "street_staff", d, "rate", data={"score": 1})
    with pytest.raises(ValidationFailed) as exc:
        move(people, "resident_a", d, "rate", data={"score": 9})
    assert exc.value.field == "score"
    with pytest.raises(ValidationFailed) as exc:
        move(people, "resident_a", d, "rate", data={})
    assert exc.value.field == "score"
    d.refresh_from_db()
    assert d.state == DemandState.FULFILLED and d.rating is None


def test_fulfilment_needs_evidence_and_only_the_holder_fulfils(people):
    d = order(people)
    for who, action in (("street_staff", "dispatch"), ("community_worker_a", "accept"), ("volunteer_a", "grab")):
        move(people, who, d, action)
    with pytest.raises(ValidationFailed) as exc:
        move(people, "volunteer_a", d, "fulfil")
    assert exc.value.field == "note"
    with pytest.raises(PermissionDenied):
        move(people, "party_member_a", d, "fulfil", note="不是我的")
    with pytest.raises(ValidationFailed) as exc:
        move(people, "volunteer_a", d, "fulfil", note="好了", data={"hours": "lots"})
    assert exc.value.field == "hours"


def test_a_hand_over_request_moves_it_to_the_one_who_asked(people):
    d = order(people)
    for who, action in (("street_staff", "dispatch"), ("community_worker_a", "accept"), ("volunteer_a", "grab")):
        move(people, who, d, action)
    with pytest.raises(PermissionDenied):
        move(people, "volunteer_a", d, "ask_handover")  # the holder cannot ask themself
    move(people, "party_member_a", d, "ask_handover", note="我就住隔壁")
    with pytest.raises(PermissionDenied):
        move(people, "party_member_a", d, "hand_over")  # only the holder hands over
    d = move(people, "volunteer_a", d, "hand_over")
    assert (d.holder_id, d.holder_kind, d.handover_to_id) == (people["party_member_a"].pk, "party", None)


def test_a_holder_who_gives_up_puts_it_back_in_the_pool(people):
    d = order(people)
    for who, action in (("street_staff", "dispatch"), ("community_worker_a", "accept"), ("volunteer_a", "grab")):
        move(people, who, d, action)
    d = move(people, "volunteer_a", d, "release", note="临时有事")
    assert (d.state, d.holder_id) == (DemandState.ACCEPTED, None)
    assert DemandEvent.objects.get(demand=d, action="release").data["reason"] == "gave_up"


def test_a_missed_deadline_releases_it_and_the_move_is_recorded(people):
    d = order(people)
    for who, action in (("street_staff", "dispatch"), ("community_worker_a", "accept"), ("volunteer_a", "grab")):
        move(people, who, d, action)
    d.refresh_from_db()
    with time_machine.travel(d.due_at + dt.timedelta(minutes=1), tick=False):
        assert demands_sweep()["released"] == 1
    d.refresh_from_db()
    assert (d.state, d.holder_id) == (DemandState.ACCEPTED, None)
    event = DemandEvent.objects.get(demand=d, action="release")
    assert event.actor is None and event.data["reason"] == "deadline"


def test_overdue_shows_once_the_step_deadline_passes(people):
    d = order(people)
    assert not d.overdue
    with time_machine.travel(d.due_at + dt.timedelta(minutes=1), tick=False):
        assert d.overdue


def test_duplicates_are_merged_by_the_centre(people):
    a, b = order(people), order(people, who="resident_a")
    merged = move(people, "street_staff", b, "merge", data={"into": a.pk})
    assert (merged.state, merged.merged_into_id) == (DemandState.MERGED, a.pk)
    with pytest.raises(ValidationFailed):
        move(people, "street_staff", a, "merge", data={"into": a.pk})


def test_unknown_moves_and_keys_are_refused_before_anything_is_read(people):
    d = order(people)
    with pytest.raises(ValidationFailed) as exc:
        move(people, "street_staff", d, "teleport")
    assert exc.value.field == "action"
    with pytest.raises(ValidationFailed) as exc:
        move(people, "street_staff", d, "dispatch", data={"colour": "red"})
    assert exc.value.field == "colour"


def test_the_sweep_command_releases_and_flags(people):
    import io

    from django.core.management import call_command

    d = order(people)
    for who, action in (("street_staff", "dispatch"), ("community_worker_a", "accept"), ("volunteer_a", "grab")):
        move(people, who, d, action)
    d.refresh_from_db()
    out = io.StringIO()
    call_command("sweep_matching", "--once", "--at", (d.due_at + dt.timedelta(hours=1)).isoformat(), stdout=out)
    assert "released 1" in out.getvalue()
    d.refresh_from_db()
    assert d.state == DemandState.ACCEPTED
