"""100 volunteers press "抢单" on one task at the same moment: exactly one wins, 99 are told it is taken; and the
API's double submit of one grab by the same person answers once."""

import pytest

from gongzhi.accounts.models import Role
from gongzhi.core.errors import Conflict
from gongzhi.matching.actions.flow import demand_move
from gongzhi.matching.models import DemandEvent, DemandState
from tests import factories
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.conftest import COMMUNITY_A
from tests.matching.conftest import order

pytestmark = POSTGRES_ONLY

VOLUNTEERS = 100
THREADS = 50  # each thread presses twice in a row: 100 grabs, 50 at the very same moment (connections are shared)


def pool_task(people):
    d = order(people)
    demand_move(actor=people["street_staff"], demand_id=d.pk, action="dispatch")
    demand_move(actor=people["community_worker_a"], demand_id=d.pk, action="accept")
    return d


@pytest.mark.django_db(transaction=True)
def test_a_hundred_grabs_of_one_task_make_exactly_one_winner(people):
    d = pool_task(people)
    volunteers = [
        factories.UserFactory(username=f"grab{i}", role=Role.VOLUNTEER, at=people.areas[COMMUNITY_A])
        for i in range(VOLUNTEERS)
    ]

    def grab_each(chunk):
        out = []
        for user in chunk:
            try:
                out.append(demand_move(actor=user, demand_id=d.pk, action="grab").holder_id)
            except Conflict as exc:
                out.append(exc)
        return out

    chunks = run_together(*[(lambda c=volunteers[i::THREADS]: grab_each(c)) for i in range(THREADS)])
    results = [r for chunk in chunks for r in chunk]
    assert not [c for c in chunks if isinstance(c, Exception)], chunks
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1
    assert sum(isinstance(r, Conflict) for r in results) == VOLUNTEERS - 1
    d.refresh_from_db()
    assert d.state == DemandState.TAKEN and d.holder_id == winners[0]
    assert DemandEvent.objects.filter(demand=d, action="grab").count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_tasks_grabbed_by_ten_at_once_each_get_exactly_one_holder(people):
    tasks = [pool_task(people) for _ in range(20)]
    volunteers = [
        factories.UserFactory(username=f"many{i}", role=Role.VOLUNTEER, at=people.areas[COMMUNITY_A]) for i in range(10)
    ]

    def grab_all(user):
        won = 0
        for t in tasks:
            try:
                demand_move(actor=user, demand_id=t.pk, action="grab")
                won += 1
            except Conflict:
                pass
        return won

    wins = run_together(*[(lambda u=u: grab_all(u)) for u in volunteers])
    assert sum(wins) == len(tasks), wins
    assert DemandEvent.objects.filter(demand__in=tasks, action="grab").count() == len(tasks)
