"""决: stated rules frozen by the first ballot, invited voters only, one vote per person or per household, the
deadline, secret ballots that cannot be joined to their voters, receipts, counts entered and confirmed by two."""

import datetime as dt

import pytest
from django.db import connection

from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.deliberation import selectors
from gongzhi.deliberation.actions import votes
from gongzhi.deliberation.actions.items import action_create
from gongzhi.deliberation.models import Ballot, BallotChoice, Vote
from tests.deliberation.conftest import T0, make_vote


def cast(user, vote, choice="yes"):
    return votes.ballot_cast(actor=user, vote_id=vote.pk, choice_value=choice)


def test_one_vote_per_person(district, meeting, homes):
    vote = make_vote(district, meeting)
    cast(homes["li"], vote)
    with pytest.raises(Conflict) as err:
        cast(homes["li"], vote, "no")
    assert err.value.field == "vote_id"
    assert BallotChoice.objects.filter(vote=vote).count() == 1


def test_one_vote_per_household_the_first_counts_the_others_see_it(district, meeting, homes):
    vote = make_vote(district, meeting, basis="household")
    cast(homes["wang1"], vote, "no")
    assert selectors.voter_status(homes["wang2"], vote) == {"voted": False, "household_voted": True}
    with pytest.raises(Conflict) as err:
        cast(homes["wang2"], vote, "yes")
    assert err.value.field == "household"
    assert selectors.counts(vote)["no"] == 1 and selectors.counts(vote)["yes"] == 0


def test_only_invited_people_vote(district, meeting, homes):
    vote = make_vote(district, meeting)
    with pytest.raises(PermissionDenied):
        cast(district["party_member_a"], vote)  # of the community, not invited
    with pytest.raises(NotFound):
        cast(district["resident_b"], vote)  # of another community: learns nothing
    assert not Ballot.objects.exists()


def test_votes_are_refused_after_the_deadline(district, meeting, homes, at):
    vote = make_vote(district, meeting, closes_at=T0 + dt.timedelta(minutes=30))
    at.shift(dt.timedelta(minutes=30))
    with pytest.raises(ValidationFailed):
        cast(homes["li"], vote)
    assert votes.votes_close_due() == [vote.pk]
    vote.refresh_from_db()
    assert vote.state == "closed"


def test_a_bad_choice_names_the_field(district, meeting, homes):
    vote = make_vote(district, meeting)
    with pytest.raises(ValidationFailed) as err:
        cast(homes["li"], vote, "maybe")
    assert err.value.field == "choice"


def test_rules_cannot_change_once_a_ballot_is_cast(district, meeting, homes):
    worker = district["community_worker_a"]
    vote = make_vote(district, meeting)
    votes.vote_rules_update(actor=worker, vote_id=vote.pk, majority="two_thirds")
    cast(homes["li"], vote)
    with pytest.raises(ValidationFailed) as err:
        votes.vote_rules_update(actor=worker, vote_id=vote.pk, quorum_percent=10)
    assert err.value.field == "quorum_percent"
    vote.refresh_from_db()
    assert (vote.majority, vote.quorum_percent, vote.rules_locked) == ("two_thirds", 50, True)


def test_vote_rules_bad_input(district, meeting):
    worker = district["community_worker_a"]
    for rules, field in [
        ({"basis": "family"}, "basis"),
        ({"quorum_percent": 120}, "quorum_percent"),
        ({"majority": "most"}, "majority"),
        ({"closes_at": T0 - dt.timedelta(hours=1)}, "closes_at"),
        ({"secret": "yes"}, "secret"),
    ]:
        with pytest.raises(ValidationFailed) as err:
            votes.vote_create(
                actor=worker, meeting_id=meeting.pk, question="q", **{"closes_at": T0 + dt.timedelta(hours=1), **rules}
            )
        assert err.value.field == field
    assert not Vote.objects.exists()


def test_a_published_result_with_quorum_abstentions_and_blanks(district, meeting, homes):
    worker = district["community_worker_a"]
    vote = make_vote(district, meeting, quorum_percent=50)
    invited = selectors.eligible(vote)
    for user, choice in [
        (homes["wang1"], "yes"),
        (homes["wang2"], "yes"),
        (homes["li"], "abstain"),
        (homes["zhao"], "blank"),
    ]:
        cast(user, vote, choice)
    votes.vote_move(actor=worker, vote_id=vote.pk, action="close")
    vote = votes.vote_move(actor=worker, vote_id=vote.pk, action="publish")
    assert vote.outcome == "passed"
    assert vote.result["eligible"] == invited and vote.result["cast"] == 4
    assert (vote.result["abstain"], vote.result["blank"]) == (1, 1)


def test_no_quorum_decides_nothing_and_makes_no_action(district, meeting, homes):
    worker = district["community_worker_a"]
    vote = make_vote(district, meeting, quorum_percent=80)
    cast(homes["li"], vote)
    votes.vote_move(actor=worker, vote_id=vote.pk, action="close")
    vote = votes.vote_move(actor=worker, vote_id=vote.pk, action="publish")
    assert vote.outcome == "no_quorum"
    with pytest.raises(ValidationFailed) as err:
        action_create(
            actor=worker,
            title="装电梯",
            owner_kind="property",
            owner_name="物业",
            deadline=dt.date(2026, 6, 1),
            vote_id=vote.pk,
        )
    assert err.value.field == "vote_id"


def test_a_secret_ballot_cannot_be_joined_to_its_voter(district, meeting, homes):
    vote = make_vote(district, meeting, secret=True)
    receipt = cast(homes["li"], vote, "no")
    cast(homes["zhao"], vote, "yes")
    ballot = Ballot.objects.get(vote=vote, user=homes["li"])
    assert ballot.choice == ""  # who voted, never what
    columns = {f.column for f in BallotChoice._meta.concrete_fields}
    assert columns == {"id", "vote_id", "choice", "receipt_digest"}  # no person, household, time or sequence
    with connection.cursor() as cursor:
        names = [c.name for c in connection.introspection.get_table_description(cursor, BallotChoice._meta.db_table)]
    assert set(names) == columns
    assert votes.receipt_check(vote_id=vote.pk, code=receipt.code)
    assert not votes.receipt_check(vote_id=vote.pk, code="forged")


def test_counts_from_a_show_of_hands_need_a_second_person(district, meeting, homes):
    chair, second = district["community_worker_a"], district["street_staff"]
    vote = make_vote(district, meeting, mode="recorded")
    with pytest.raises(ValidationFailed):
        cast(homes["li"], vote)  # no online ballots
    with pytest.raises(ValidationFailed) as err:
        votes.vote_move(actor=chair, vote_id=vote.pk, action="record", data={"counts": {"yes": -1}})
    assert err.value.field == "counts.yes"
    with pytest.raises(ValidationFailed) as err:
        votes.vote_move(actor=chair, vote_id=vote.pk, action="record", data={"counts": {"yes": 10**5}})
    assert err.value.field == "counts"  # more than invited
    votes.vote_move(actor=chair, vote_id=vote.pk, action="record", data={"counts": {"yes": 3, "no": 1}})
    with pytest.raises(ValidationFailed) as err:
        votes.vote_move(actor=chair, vote_id=vote.pk, action="confirm")
    assert err.value.field == "confirmed_by"
    votes.vote_move(actor=second, vote_id=vote.pk, action="confirm")
    vote = votes.vote_move(actor=chair, vote_id=vote.pk, action="publish")
    assert vote.outcome == "passed" and vote.result["yes"] == 3
