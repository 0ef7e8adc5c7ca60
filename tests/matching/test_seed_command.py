"""seed_matching gives the demo district its history and each demo login its part; running it again adds nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from gongzhi.accounts.models import User
from gongzhi.core import clock
from gongzhi.matching import selectors
from gongzhi.matching.models import Demand, DemandEvent, Resource
from gongzhi.people.demo.loader import seed_demo


def test_needs_the_demo_first(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_matching", stdout=io.StringIO())


def test_the_demo_logins_each_see_their_part(db):
    seed_demo(size="S", seed=0, progress=False)
    call_command("seed_volunteering", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_matching", stdout=out)
    assert "items: 50" in out.getvalue()
    ruicheng = Demand.objects.filter(area_code__startswith="370211002001001", state="closed")
    assert ruicheng.filter(kind="wish").count() == 22 and ruicheng.filter(kind="errand").count() == 8
    assert all(d.holder_kind == "party" and d.rating for d in ruicheng)
    assert DemandEvent.objects.filter(demand__in=ruicheng, action="claim").count() == 30

    def user(name):
        return User.objects.get(username=name)

    assert any(d.kind == "wish" for d in selectors.grab_list(user=user("party")))
    assert selectors.grab_list(user=user("volunteer")).count() >= 4
    assert selectors.resources_list(user=user("partner"), mine=True).count() == 3
    assert {d.kind for d in selectors.demands_list(user=user("resident"), mine=True)} == {"wish", "order"}
    assert len(selectors.dispatch_queue(user=user("community"))) >= 4

    report = selectors.pool_report(pool_id=selectors.pools_list().get().pk)
    assert report.donated_fen == 11_000_000 and sum(v.venture.state == "approved" for v in report.ventures) == 7
    assert all(v.spent_fen + v.left_fen == v.budget_fen for v in report.ventures)

    # the project list (seed 003): three projects, one checked off, one under way; agreements; monthly meetings
    from gongzhi.matching.models import CoBuildEvent, JointMeeting, Project

    community = user("community")
    assert sorted(Project.objects.values_list("state", flat=True)) == ["active", "done", "planned"]
    assert JointMeeting.objects.count() >= 5
    unclaimed = selectors.partners_without_claim(user=community, year=clock.today().year)
    assert 1 <= len(unclaimed) < len(selectors.agreements_list(user=community))
    assert {p.title for p in selectors.projects_list(user=user("partner"))} >= {"红色引领、绿沃家园"}

    counts = (
        Resource.objects.count(),
        Demand.objects.count(),
        DemandEvent.objects.count(),
        CoBuildEvent.objects.count(),
    )
    call_command("seed_matching", stdout=io.StringIO())
    assert (Resource.objects.count(), Demand.objects.count(), DemandEvent.objects.count(),
            CoBuildEvent.objects.count()) == counts  # fmt: skip
