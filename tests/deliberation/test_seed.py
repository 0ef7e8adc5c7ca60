"""seed_deliberation on a small demo district: the history the demo logins see, and a second run adds nothing."""

from django.core.management import call_command

from gongzhi.accounts.models import User
from gongzhi.deliberation import selectors
from gongzhi.deliberation.models import Meeting, TopicAppeal, Vote, WeeklyTopic


def test_the_demo_history(db, tmp_path):
    from gongzhi.people.demo.loader import seed_demo

    seed_demo(size="S", seed=0, progress=False)
    call_command("seed_deliberation", verbosity=0)
    assert Meeting.objects.filter(area_code="370211002001", council_date__isnull=False).count() == 15
    assert TopicAppeal.objects.values("topic_id").distinct().count() == 7
    assert WeeklyTopic.objects.filter(state="resolved").count() == 25
    resident = User.objects.get(username="resident")
    open_vote = Vote.objects.get(state="open")
    assert selectors.voter_status(resident, open_vote) == {"voted": False, "household_voted": False}
    assert (
        selectors.topics_for(resident).exists() and selectors.topics_for(User.objects.get(username="street")).exists()
    )
    before = Meeting.objects.count()
    call_command("seed_deliberation", verbosity=0)
    assert Meeting.objects.count() == before
