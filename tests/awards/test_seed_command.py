"""seed_awards gives the demo district last year's published results and an open 最美家庭 vote for `resident`;
run twice, it changes nothing."""

import io

from django.core.management import call_command

from gongzhi.accounts.models import User
from gongzhi.awards.actions.honours import vote_cast
from gongzhi.awards.models import Nomination, Result, ResultState, Scheme, Vote
from gongzhi.noticeboard.models import Notice
from gongzhi.people.demo.loader import seed_demo


def test_the_demo_gets_published_results_and_an_open_vote_and_a_rerun_changes_nothing(db):
    seed_demo(size="S", seed=0, progress=False)
    call_command("seed_points", "--demo", verbosity=0, stdout=io.StringIO())
    call_command("seed_awards", stdout=io.StringIO())
    counts = (Scheme.objects.count(), Result.objects.count(), Nomination.objects.count(), Notice.objects.count())
    call_command("seed_awards", stdout=io.StringIO())
    assert (
        Scheme.objects.count(),
        Result.objects.count(),
        Nomination.objects.count(),
        Notice.objects.count(),
    ) == counts
    assert (
        Scheme.objects.filter(kind="party_stars").count() == 2 and Scheme.objects.filter(kind="grid_stars").count() == 2
    )
    for scheme in Scheme.objects.exclude(kind="honour"):
        results = scheme.results.count()
        assert results and scheme.results.filter(state=ResultState.PUBLISHED).count() == min(10, results)
    assert all(r.explanation for r in Result.objects.all())
    honour = Scheme.objects.get(kind="honour")
    assert honour.voting_open() and honour.nominations.count() == 3
    resident = User.objects.get(username="resident")
    vote_cast(actor=resident, nomination_id=honour.nominations.first().pk)
    assert Vote.objects.count() == 1
