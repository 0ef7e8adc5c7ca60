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
    # Comments before each council day (one hidden, with its reason), minutes after it: published on the board
    # with an attendee's correction, the latest still a draft; an action item opened an appeal.
    from gongzhi.deliberation.models import ActionFollowUp, AgendaComment, Minutes

    assert AgendaComment.objects.filter(state="hidden").exclude(hidden_reason="").count() == 1
    assert Minutes.objects.filter(state="published", notice__isnull=False).count() == 14
    assert Minutes.objects.filter(state="draft").count() == 1
    assert ActionFollowUp.objects.filter(kind="appeal").count() == 1
    before = (Meeting.objects.count(), AgendaComment.objects.count(), Minutes.objects.count())
    call_command("seed_deliberation", verbosity=0)
    assert (Meeting.objects.count(), AgendaComment.objects.count(), Minutes.objects.count()) == before
