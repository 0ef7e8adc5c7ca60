"""The facts the measures count, kept on the appeal by each move (measure_facts) and derived from events by backfill."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps

from gongzhi.appeals import measure_facts
from gongzhi.appeals.actions import appeal_transition, sweep_deadlines
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core.errors import ValidationFailed
from tests.appeals.conftest import T0

pytestmark = pytest.mark.django_db

FACTS = ("responded_on_time", "ratings_total", "ratings_satisfied", "extended_at")


def move(duty, appeal, persona, action, at, **kwargs):
    with time_machine.travel(at, tick=False):
        return appeal_transition(actor=duty[persona], appeal=appeal.pk, action=action, **kwargs)


def submitted(submit, category="litter"):
    with time_machine.travel(T0, tick=False):
        return submit(category=category)


def facts(appeal):
    appeal.refresh_from_db()
    return {name: getattr(appeal, name) for name in FACTS}


def closed(duty, appeal, at):
    move(duty, appeal, "microgrid_worker_a", "handle", at, note="已处理")
    move(duty, appeal, "grid_worker_a", "verify", at + dt.timedelta(minutes=1))
    return move(duty, appeal, "grid_worker_a", "close", at + dt.timedelta(minutes=2))


def test_a_new_appeal_has_no_facts_yet(submit, duty):
    appeal = submitted(submit)
    assert appeal.dispatched_at is not None  # intake dispatched it
    assert facts(appeal) == {"responded_on_time": None, "ratings_total": 0, "ratings_satisfied": 0, "extended_at": None}


@pytest.mark.parametrize(("category", "minutes", "expected"), [("litter", 7, True), ("litter", 8, False)])
def test_accepting_by_the_arrival_limit_of_an_on_site_category(submit, duty, category, minutes, expected):
    appeal = submitted(submit, category)
    assert appeal.arrive_by == T0 + dt.timedelta(minutes=7)
    move(duty, appeal, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=minutes))
    assert facts(appeal)["responded_on_time"] is expected


@pytest.mark.parametrize(("minutes", "expected"), [(6, True), (20, False)])
def test_without_arrive_by_the_limit_is_the_dispatch_plus_the_policy_minutes(submit, duty, minutes, expected):
    appeal = submitted(submit, "noise")
    assert appeal.arrive_by is None
    move(duty, appeal, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=minutes))
    assert facts(appeal)["responded_on_time"] is expected


def test_every_rating_is_counted_though_an_unsatisfied_one_is_cleared(submit, duty):
    appeal = submitted(submit)
    move(duty, appeal, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=3))
    closed(duty, appeal, T0 + dt.timedelta(hours=2))
    move(duty, appeal, "resident_a", "rate", T0 + dt.timedelta(hours=3), rating="unsatisfied", note="又堆起来了")
    appeal.refresh_from_db()
    assert (appeal.state, appeal.rating) == ("accepted", "")  # reopened: the rating is gone from the row
    assert facts(appeal) | {"extended_at": None} == {
        "responded_on_time": True,
        "ratings_total": 1,
        "ratings_satisfied": 0,
        "extended_at": None,
    }
    closed(duty, appeal, T0 + dt.timedelta(hours=5))
    move(duty, appeal, "resident_a", "rate", T0 + dt.timedelta(hours=6), rating="basically")
    assert (facts(appeal)["ratings_total"], facts(appeal)["ratings_satisfied"]) == (2, 1)
    assert facts(appeal)["responded_on_time"] is True  # the rework kept the first acceptance


def test_a_refused_rating_counts_nothing(submit, duty):
    appeal = submitted(submit)
    move(duty, appeal, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=3))
    closed(duty, appeal, T0 + dt.timedelta(hours=2))
    with pytest.raises(ValidationFailed):
        move(duty, appeal, "resident_a", "rate", T0 + dt.timedelta(hours=3), rating="great")
    move(duty, appeal, "resident_a", "rate", T0 + dt.timedelta(hours=3), rating="satisfied")
    assert (facts(appeal)["ratings_total"], facts(appeal)["ratings_satisfied"]) == (1, 1)


def test_the_last_extension_is_kept_and_suspension_changes_no_fact(submit, duty):
    appeal = submitted(submit)
    move(duty, appeal, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=10))
    first, second = T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=2)
    move(duty, appeal, "street_staff", "extend", first, note="需协调物业", days=2)
    assert facts(appeal)["extended_at"] == first
    move(duty, appeal, "street_staff", "suspend", first + dt.timedelta(minutes=5), note="等待业主回来")
    move(duty, appeal, "street_staff", "extend", second, note="业主出差", days=3)
    move(duty, appeal, "street_staff", "resume", second + dt.timedelta(hours=1))
    assert facts(appeal) == {
        "responded_on_time": False,
        "ratings_total": 0,
        "ratings_satisfied": 0,
        "extended_at": second,
    }


def test_the_sweeps_batch_escalation_keeps_the_response_fact_as_a_move_would(submit, duty):
    appeal = submitted(submit, "noise")
    move(duty, appeal, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=20))
    assert facts(appeal)["responded_on_time"] is False
    # Escalated, the appeal's latest dispatch is now: its earlier acceptance is within the limit of that dispatch.
    assert len(sweep_deadlines(at=T0 + dt.timedelta(days=1, minutes=21)).escalated) == 1
    appeal.refresh_from_db()
    assert appeal.state == "dispatched" and appeal.responded_on_time is True
    assert measure_facts.responded_on_time(appeal) is True


def _app_backfill():
    measure_facts.backfill(Appeal, AppealEvent)


def _migration_backfill():
    """Migration 0004's own frozen copy, on today's models (the fields it reads and writes are unchanged)."""
    importlib.import_module("gongzhi.appeals.migrations.0004_measure_facts").fill_from_events(apps, None)


@pytest.mark.parametrize("backfill", [_app_backfill, _migration_backfill], ids=["measure_facts", "migration_0004"])
def test_backfill_derives_the_same_facts_from_the_rows_and_events(submit, duty, backfill):
    """What the migration that added the facts does for the appeals that existed before them, and what
    measure_facts.backfill does for rows written directly: both agree with the facts each move kept."""
    rated = submitted(submit)
    move(duty, rated, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=3))
    closed(duty, rated, T0 + dt.timedelta(hours=2))
    move(duty, rated, "resident_a", "rate", T0 + dt.timedelta(hours=3), rating="unsatisfied", note="没修好")
    closed(duty, rated, T0 + dt.timedelta(hours=5))
    move(duty, rated, "resident_a", "rate", T0 + dt.timedelta(hours=6), rating="satisfied")
    late = submitted(submit, "noise")
    move(duty, late, "microgrid_worker_a", "accept", T0 + dt.timedelta(minutes=30))
    move(duty, late, "street_staff", "extend", T0 + dt.timedelta(hours=1), note="需协调", days=1)
    move(duty, late, "street_staff", "extend", T0 + dt.timedelta(hours=4), note="再协调", days=1)
    fresh = submitted(submit)
    kept = {a.pk: facts(a) for a in (rated, late, fresh)}
    assert kept[rated.pk]["ratings_total"] == 2 and kept[late.pk]["extended_at"] == T0 + dt.timedelta(hours=4)

    Appeal.objects.update(responded_on_time=None, ratings_total=0, ratings_satisfied=0, extended_at=None)
    backfill()
    assert {a.pk: facts(a) for a in (rated, late, fresh)} == kept
