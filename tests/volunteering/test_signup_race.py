"""200 people press "sign up" at the same moment for 50 places: exactly 50 confirmed, 150 waitlisted in order."""

import pytest

from gongzhi.volunteering.actions.signups import signup_cancel, signup_create
from gongzhi.volunteering.models import Signup, SignupStatus
from tests.concurrency import POSTGRES_ONLY, run_together
from tests.volunteering.conftest import make_activity, make_volunteer

pytestmark = POSTGRES_ONLY

PEOPLE = 200
PLACES = 50
THREADS = 20


@pytest.mark.django_db(transaction=True)
def test_two_hundred_sign_ups_for_fifty_places(district, at):
    activity = make_activity(district, capacity=PLACES)
    people = [make_volunteer(district, f"抢报{i}") for i in range(PEOPLE)]
    # The same person twice at once as well: the second must be refused, not doubled.
    queue = [*people, people[0], people[1]]

    def sign_up_each(chunk):
        outcomes = []
        for v in chunk:
            try:
                outcomes.append(signup_create(actor=v.user, activity_id=activity.pk, volunteer=v))
            except Exception as exc:  # collected and asserted below
                outcomes.append(exc)
        return outcomes

    chunks = run_together(*[(lambda chunk=queue[i::THREADS]: sign_up_each(chunk)) for i in range(THREADS)])
    assert not [c for c in chunks if isinstance(c, Exception)], chunks
    errors = [r for chunk in chunks for r in chunk if isinstance(r, Exception)]
    assert len(errors) == 2 and all("不能重复报名" in str(e) for e in errors), errors
    rows = list(Signup.objects.filter(activity=activity).order_by("id").values_list("volunteer_id", "status"))
    assert len(rows) == PEOPLE
    assert len({pk for pk, _s in rows}) == PEOPLE
    # The first 50 to get the lock hold the places; everyone after them waits, in lock order.
    assert [s for _pk, s in rows] == [SignupStatus.CONFIRMED] * PLACES + [SignupStatus.WAITLISTED] * (PEOPLE - PLACES)

    # Cancellations move the waitlist up in that same order.
    first_waiting = rows[PLACES][0]
    confirmed = Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).select_related("volunteer")
    leaving = confirmed.first()
    signup_cancel(actor=leaving.volunteer.user, signup_id=leaving.pk)
    assert Signup.objects.get(activity=activity, volunteer_id=first_waiting).status == SignupStatus.CONFIRMED
    assert Signup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED).count() == PLACES
