"""seed_care fills the demo once (长江瑞城's elderly with the 爱心管家 team and visits, 灵山卫's children with paired
support), the `grid` and `microgrid` logins have visits due today, and running it again adds nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.accounts.models import User
from gongzhi.care import schedule
from gongzhi.care.models import CareArchive, SupportPlan, TermReview, Visit
from gongzhi.people.demo.loader import seed_demo


@pytest.fixture
def demo(db):
    seed_demo(size="S", seed=0, progress=False)


def test_seed_care_fills_the_demo_once(demo):
    out = io.StringIO()
    call_command("seed_care", stdout=out)
    elderly = CareArchive.objects.filter(area_code__startswith="370211002001001")
    children = CareArchive.objects.filter(area_code__startswith="370211001", is_child=True)
    assert elderly.count() > 10 and children.count() == 38
    assert children.filter(tags__code="child-in-difficulty").count() == 20
    assert children.filter(tags__code="aspiring-youth").count() == 18
    assert SupportPlan.objects.count() == 38 and TermReview.objects.count() == 38
    assert User.objects.filter(username__startswith="aixin").count() == 30
    tasks = schedule.tasks_in_area("370211002001001")
    assert any(t.status == "overdue" for t in tasks)
    for login in ("grid", "microgrid"):
        user = User.objects.get(username=login)
        mine = schedule.tasks_of_carer(user.pk)
        assert any(t.status == "due" for t in mine), login
    counts = (CareArchive.objects.count(), Visit.objects.count(), SupportPlan.objects.count())
    call_command("seed_care", stdout=io.StringIO())
    assert (CareArchive.objects.count(), Visit.objects.count(), SupportPlan.objects.count()) == counts


def test_needs_the_demo_first(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_care", stdout=io.StringIO())


def test_seed_carelink_hands_a_few_needs_to_matching_once(demo):
    from gongzhi.carelink.models import NeedDemand

    call_command("seed_matching", stdout=io.StringIO())
    call_command("seed_care", stdout=io.StringIO())
    call_command("seed_carelink", stdout=io.StringIO())
    links = NeedDemand.objects.select_related("demand", "need")
    assert links.count() == 3
    assert {link.demand.kind for link in links} == {"errand", "wish"}
    assert all(link.need.status == "matched" for link in links)
    call_command("seed_carelink", stdout=io.StringIO())
    assert NeedDemand.objects.count() == 3
