"""Tasks computed from the archive: the interval of the risk level (the community's own when it set one), events of
the trigger lists (三必到、六必访), and a carer's phone list ordered by urgency."""

import datetime as dt

import pytest

from gongzhi.care import schedule
from gongzhi.care.actions.archives import risk_set, trigger_report
from gongzhi.care.actions.config import schedule_set, trigger_save
from gongzhi.care.actions.visits import visit_record
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from tests.conftest import COMMUNITY_A, COMMUNITY_B

TODAY = dt.date(2026, 3, 2)


def task_of(archive):
    return next(t for t in schedule.tasks_for(archive_ids=[archive.pk]))


@pytest.mark.parametrize(("level", "days"), [("red", 7), ("yellow", 14), ("green", 30)])
def test_each_risk_level_sets_its_interval_from_the_last_visit(care, clock, level, days):
    elder = care["elder"]
    risk_set(
        actor=care["community_worker_a"], archive_id=elder.pk, level_code=level, reason="复评"
    ) if level != "yellow" else None
    visit_record(actor=care["grid_worker_a"], archive_id=elder.pk, findings="身体尚可")
    task = task_of(elder)
    assert task.due_on == TODAY + dt.timedelta(days=days)
    clock.move_to(dt.datetime(2026, 3, 2, 9) + dt.timedelta(days=days))
    assert task_of(elder).status == "due"
    clock.move_to(dt.datetime(2026, 3, 2, 9) + dt.timedelta(days=days + 1))
    assert task_of(elder).status == "overdue"
    clock.move_to(dt.datetime(2026, 3, 2, 9) + dt.timedelta(days=days - 7))
    assert task_of(elder).status in ("soon", "due")


def test_a_never_visited_archive_is_due_an_interval_after_it_was_opened(care):
    assert task_of(care["elder"]).due_on == TODAY + dt.timedelta(days=14)  # yellow
    assert task_of(care["child"]).due_on == TODAY + dt.timedelta(days=7)  # red


def test_a_community_sets_its_own_interval_per_risk_level(care):
    schedule_set(actor=care["community_worker_a"], community_code=COMMUNITY_A, level_code="yellow", interval_days=10)
    assert task_of(care["elder"]).due_on == TODAY + dt.timedelta(days=10)
    schedule_set(actor=care["community_worker_a"], community_code=COMMUNITY_A, level_code="yellow", interval_days=None)
    assert task_of(care["elder"]).due_on == TODAY + dt.timedelta(days=14)


def test_a_community_worker_cannot_set_another_communitys_schedule(care):
    with pytest.raises(PermissionDenied):
        schedule_set(actor=care["community_worker_a"], community_code=COMMUNITY_B, level_code="red", interval_days=3)


def test_an_event_of_the_trigger_list_makes_a_visit_due_by_its_days(care):
    elder = care["elder"]
    row = trigger_report(actor=care["grid_worker_a"], archive_id=elder.pk, trigger_code="illness", note="住院")
    task = task_of(elder)
    assert (task.due_on, task.trigger_event_id, task.trigger_name) == (TODAY + dt.timedelta(days=1), row.pk, "生病住院")
    assert task.status == "soon"
    visit = visit_record(actor=care["grid_worker_a"], archive_id=elder.pk, findings="已到医院看望")
    row.refresh_from_db()
    assert row.visit_id == visit.pk and visit.trigger_id == row.pk
    assert task_of(elder).trigger_event_id is None


def test_the_trigger_lists_are_seeded_and_editable(care):
    from gongzhi.care.models import VisitTrigger

    groups = dict(VisitTrigger.objects.values_list("code", "group"))
    assert groups["illness"] == groups["incident"] == groups["family-occasion"] == "must_attend"
    assert {"hardship", "empty-nest", "living-alone", "disability", "unemployed"} <= {
        c for c, g in groups.items() if g == "must_visit"
    }
    trigger_save(actor=care["street_staff"], code="exam", name="中高考", group="must_visit", within_days=5)
    row = trigger_report(actor=care["party_member_a"], archive_id=care["child"].pk, trigger_code="exam")
    assert row.due_on == TODAY + dt.timedelta(days=5)
    with pytest.raises(PermissionDenied):
        trigger_save(actor=care["community_worker_a"], code="x", name="某事", group="must_visit")


def test_the_carers_phone_list_orders_by_urgency(care, clock):
    from gongzhi.care.actions.archives import archive_create, carer_assign
    from tests import factories

    gw = care["grid_worker_a"]
    carer_assign(actor=care["child_director"], archive_id=care["child"].pk, user_id=gw.pk, kind="grid_worker")
    other = factories.ResidentFactory(household=care["elder"].resident.household, name="王五")
    third = archive_create(actor=care["community_worker_a"], resident_id=other.pk, tags=["very-old"],
                           risk_level_code="green", carers=[{"user_id": gw.pk, "kind": "grid_worker"}])  # fmt: skip
    clock.move_to(dt.datetime(2026, 3, 12, 9))  # child (red) 3 days overdue; elder (yellow) due in 4; green later
    trigger_report(actor=gw, archive_id=third.pk, trigger_code="family-occasion")  # due in 3 days
    tasks = schedule.tasks_of_carer(gw.pk)
    assert [(t.archive_id, t.status) for t in tasks] == [
        (care["child"].pk, "overdue"),
        (third.pk, "soon"),
        (care["elder"].pk, "soon"),
    ]
    assert tasks[0].days_overdue == 3
    assert schedule.summary(tasks) == {"overdue": 1, "due": 0, "soon": 2, "later": 0}


def test_the_api_gives_the_carer_their_list(care):
    from tests.conftest import api_client_for

    response = api_client_for(care["party_member_a"]).get("/api/v1/care/tasks")
    assert response.status_code == 200
    assert [t["archive_id"] for t in response.json()] == [care["child"].pk]
    assert response.json()[0]["status"] == "soon"


def test_a_schedule_interval_out_of_range_changes_nothing(care):
    from gongzhi.care.models import VisitSchedule

    for bad in (0, 400, "7", True):
        with pytest.raises(ValidationFailed) as refused:
            schedule_set(
                actor=care["community_worker_a"], community_code=COMMUNITY_A, level_code="red", interval_days=bad
            )
        assert refused.value.field == "interval_days"
    assert not VisitSchedule.objects.exists()


def test_the_area_summary_counts_what_the_tasks_say(care, clock):
    from gongzhi.care.actions.archives import archive_create
    from tests import factories

    other = factories.ResidentFactory(household=care["elder"].resident.household, name="孙八")
    archive_create(actor=care["community_worker_a"], resident_id=other.pk, tags=["very-old"], risk_level_code="green")
    trigger_report(actor=care["grid_worker_a"], archive_id=care["elder"].pk, trigger_code="illness")
    schedule_set(actor=care["community_worker_a"], community_code=COMMUNITY_A, level_code="red", interval_days=3)
    for day in (2, 4, 6, 10, 20, 40):
        clock.move_to(dt.datetime(2026, 3, 1, 9) + dt.timedelta(days=day))
        tasks = schedule.tasks_in_area("370211001")
        assert schedule.summary_in_area("370211001") == schedule.summary(tasks), day
