"""An award goes proposed → reviewed → published → posted; every other move is refused naming the allowed ones."""

import datetime as dt

import pytest
import time_machine

from gongzhi.core import clock, ledger
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.points.actions.award_sweep import post_due_awards
from gongzhi.points.actions.awards import award_propose
from gongzhi.points.models import AwardEvent, AwardState
from tests.points.conftest import move, propose

START = dt.datetime(2025, 5, 6, 9, 0, tzinfo=dt.UTC)


def balance_of(account):
    return ledger.balance(account=account.ledger_account)


@pytest.fixture
def at_start():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_an_award_is_posted_after_review_and_publicity(district, household_a, account_a, at_start):
    award = propose(district, household_a)
    assert award.state == AwardState.PROPOSED and award.points == 5
    award = move(district, award, ("community_worker_a", "review"), ("community_worker_a", "publish"))
    assert award.state == AwardState.PUBLISHED
    assert award.publicity_ends_at == START + dt.timedelta(days=3)
    assert balance_of(account_a) == 0

    at_start.move_to(START + dt.timedelta(days=3, minutes=1))
    award = move(district, award, ("community_worker_a", "post"))
    assert award.state == AwardState.POSTED
    assert balance_of(account_a) == 5
    assert ledger.verify_account(account=account_a.ledger_account)
    events = list(AwardEvent.objects.filter(award=award).values_list("action", "from_state", "to_state"))
    assert events == [
        ("propose", "", "proposed"),
        ("review", "proposed", "reviewed"),
        ("publish", "reviewed", "published"),
        ("post", "published", "posted"),
    ]


def test_posting_before_the_publicity_period_ends_is_refused(district, household_a, account_a, at_start):
    award = move(
        district, propose(district, household_a), ("community_worker_a", "review"), ("community_worker_a", "publish")
    )
    at_start.move_to(START + dt.timedelta(days=2))
    with pytest.raises(ValidationFailed, match="公示期至"):
        move(district, award, ("community_worker_a", "post"))
    assert balance_of(account_a) == 0


@pytest.mark.parametrize(
    ("steps", "action", "allowed"),
    [
        ([], "post", ["review", "reject"]),
        ([], "uphold", ["review", "reject"]),
        ([("community_worker_a", "review")], "review", ["publish", "reject"]),
        ([("community_worker_a", "review"), ("community_worker_a", "publish")], "reject", ["object", "post"]),
    ],
)
def test_a_move_outside_the_table_is_refused_naming_the_allowed_ones(
    district, household_a, account_a, steps, action, allowed
):
    award = move(district, propose(district, household_a), *steps)
    before = award.state
    with pytest.raises(ValidationFailed) as err:
        move(district, award, ("community_worker_a", action, "理由"))
    assert err.value.details["allowed"] == allowed
    for name in allowed:
        assert name in str(err.value.message)
    award.refresh_from_db()
    assert award.state == before
    assert balance_of(account_a) == 0


def test_an_unknown_action_is_refused(district, household_a, account_a):
    award = propose(district, household_a)
    with pytest.raises(ValidationFailed, match="未知的操作"):
        move(district, award, ("community_worker_a", "approve"))


def test_a_rule_without_review_may_be_published_at_once(district, household_a, account_a):
    award = propose(district, household_a, rule_code="public-volunteer", evidence="")
    award = move(district, award, ("community_worker_a", "publish"))
    assert award.state == AwardState.PUBLISHED


def test_the_proposer_cannot_review_their_own_award(district, household_a, account_a):
    award = award_propose(
        actor=district["community_worker_a"], household=household_a, rule_code="env-cleanup", evidence="照片"
    )
    with pytest.raises(PermissionDenied, match="不能审核自己"):
        move(district, award, ("community_worker_a", "review"))
    assert move(district, award, ("street_staff", "review")).state == AwardState.REVIEWED


def test_a_rejected_award_never_posts(district, household_a, account_a):
    award = move(district, propose(district, household_a), ("community_worker_a", "reject", "证据不足"))
    assert award.state == AwardState.REJECTED
    with pytest.raises(ValidationFailed) as err:
        move(district, award, ("community_worker_a", "review"))
    assert err.value.details["allowed"] == []


def test_reject_needs_a_reason(district, household_a, account_a):
    award = propose(district, household_a)
    with pytest.raises(ValidationFailed) as err:
        move(district, award, ("community_worker_a", "reject"))
    assert err.value.field == "note"


class TestObjections:
    def published(self, district, household_a):
        return move(
            district,
            propose(district, household_a),
            ("community_worker_a", "review"),
            ("community_worker_a", "publish"),
        )

    def test_an_objection_inside_the_period_sends_it_back_to_review(self, district, household_a, account_a, at_start):
        award = self.published(district, household_a)
        at_start.move_to(START + dt.timedelta(days=2, hours=23))
        award = move(district, award, ("resident_a", "object", "他那天没有参加"))
        assert award.state == AwardState.OBJECTED
        # Reviewed again and published again: a fresh publicity period from now.
        award = move(district, award, ("community_worker_a", "review"), ("community_worker_a", "publish"))
        assert award.publicity_ends_at == clock.now() + dt.timedelta(days=3)
        assert balance_of(account_a) == 0

    def test_an_objection_after_the_period_is_refused(self, district, household_a, account_a, at_start):
        award = self.published(district, household_a)
        at_start.move_to(START + dt.timedelta(days=3, seconds=1))
        with pytest.raises(ValidationFailed, match="公示期已于"):
            move(district, award, ("resident_a", "object", "太晚了"))
        award.refresh_from_db()
        assert award.state == AwardState.PUBLISHED

    def test_a_resident_of_another_community_cannot_object(self, district, household_a, account_a, at_start):
        award = self.published(district, household_a)
        with pytest.raises(PermissionDenied):
            move(district, award, ("resident_b", "object", "不认识"))

    def test_an_objection_needs_a_reason(self, district, household_a, account_a, at_start):
        award = self.published(district, household_a)
        with pytest.raises(ValidationFailed) as err:
            move(district, award, ("resident_a", "object"))
        assert err.value.field == "note"


class TestSweep:
    def test_the_sweep_posts_due_awards_once(self, district, household_a, household_b, account_a, at_start):
        due = move(
            district,
            propose(district, household_a),
            ("community_worker_a", "review"),
            ("community_worker_a", "publish"),
        )
        at_start.move_to(START + dt.timedelta(days=1))
        later = move(
            district,
            propose(district, household_a, rule_code="neighbour-help", evidence="帮邻居收麦子"),
            ("community_worker_a", "review"),
            ("community_worker_a", "publish"),
        )
        at_start.move_to(START + dt.timedelta(days=3, hours=1))
        assert post_due_awards() == {"due": 1, "posted": 1, "failed": 0}
        assert post_due_awards() == {"due": 0, "posted": 0, "failed": 0}
        due.refresh_from_db()
        later.refresh_from_db()
        assert (due.state, later.state) == (AwardState.POSTED, AwardState.PUBLISHED)
        assert balance_of(account_a) == 5
        at_start.move_to(START + dt.timedelta(days=5))
        assert post_due_awards()["posted"] == 1
        assert balance_of(account_a) == 10

    def test_the_sweep_leaves_objected_awards(self, district, household_a, account_a, at_start):
        award = move(
            district,
            propose(district, household_a),
            ("community_worker_a", "review"),
            ("community_worker_a", "publish"),
            ("resident_a", "object", "有误"),
        )
        at_start.move_to(START + dt.timedelta(days=10))
        assert post_due_awards()["due"] == 0
        award.refresh_from_db()
        assert award.state == AwardState.OBJECTED
        assert balance_of(account_a) == 0
