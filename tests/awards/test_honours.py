"""最美家庭: residents nominate in their community with a reason and cast one vote per honour, inside the window."""

import datetime as dt

import pytest

from gongzhi.awards.actions.compute import scheme_compute
from gongzhi.awards.actions.honours import nomination_create, vote_cast
from gongzhi.awards.models import Nomination, Result, Vote
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests import factories
from tests.awards.conftest import NOW, honour_scheme
from tests.concurrency import postgres_only, run_together
from tests.conftest import COMMUNITY_A, MICRO_A, MICRO_B


@pytest.fixture
def honour(district, residents, at):
    scheme = honour_scheme(district)
    wang = nomination_create(actor=district["resident_a"], scheme_id=scheme.pk, nominee_name="王秀英家庭",
                             reason="三代同堂，照顾瘫痪婆婆十余年")  # fmt: skip
    return scheme, wang


def neighbour(district, name):
    return factories.UserFactory(username=name, role="resident", at=district.areas[MICRO_A])


def test_a_nomination_is_in_the_nominators_community_with_its_reason(district, honour):
    _scheme, wang = honour
    assert (wang.area_code, wang.nominated_by, wang.reason) == (COMMUNITY_A, district["resident_a"],
                                                                 "三代同堂，照顾瘫痪婆婆十余年")  # fmt: skip


@pytest.mark.parametrize(
    "name, reason, field",
    [
        ("", "很好的家庭，值得推荐", "nominee_name"),
        ("李家", "", "reason"),
        ("李家", "好", "reason"),
        ("李" * 65, "很好的家庭", "nominee_name"),
    ],
)
def test_a_nomination_without_name_or_reason_is_refused(district, honour, name, reason, field):
    scheme, _wang = honour
    with pytest.raises(ValidationFailed) as err:
        nomination_create(actor=district["resident_a"], scheme_id=scheme.pk, nominee_name=name, reason=reason)
    assert err.value.field == field
    assert Nomination.objects.count() == 1


def test_the_same_nominee_twice_in_a_community_is_refused(district, honour):
    scheme, _wang = honour
    with pytest.raises(Conflict):
        nomination_create(actor=neighbour(district, "n1"), scheme_id=scheme.pk, nominee_name="王秀英家庭",
                          reason="邻里和睦的好榜样")  # fmt: skip
    assert Nomination.objects.count() == 1


@pytest.mark.parametrize("persona", ["community_worker_a", "street_staff", "party_member_a", "nobody"])
def test_only_residents_nominate(district, honour, persona):
    scheme, _wang = honour
    with pytest.raises(PermissionDenied):
        nomination_create(actor=district[persona], scheme_id=scheme.pk, nominee_name="李家", reason="和睦友爱的家庭")
    assert Nomination.objects.count() == 1


def test_one_vote_per_resident_per_honour(district, honour):
    scheme, wang = honour
    li = nomination_create(actor=neighbour(district, "n2"), scheme_id=scheme.pk, nominee_name="李家",
                           reason="热心公益的一家人")  # fmt: skip
    vote_cast(actor=district["resident_a"], nomination_id=wang.pk)
    with pytest.raises(Conflict) as err:
        vote_cast(actor=district["resident_a"], nomination_id=wang.pk)
    assert "每人一票" in err.value.message
    with pytest.raises(Conflict):
        vote_cast(actor=district["resident_a"], nomination_id=li.pk)
    assert Vote.objects.count() == 1


def test_voting_outside_the_window_is_refused(district, honour, at):
    scheme, wang = honour
    early = honour_scheme(
        district, name="敬老孝亲", opens=NOW + dt.timedelta(days=1), closes=NOW + dt.timedelta(days=5)
    )
    son = nomination_create(actor=district["resident_a"], scheme_id=early.pk, nominee_name="孝顺的小刘",
                            reason="每天照顾独居老人")  # fmt: skip
    with pytest.raises(ValidationFailed) as err:
        vote_cast(actor=district["resident_a"], nomination_id=son.pk)
    assert "不在投票时间内" in err.value.message
    at.move_to(scheme.votes_close_at)
    with pytest.raises(ValidationFailed):
        vote_cast(actor=district["resident_a"], nomination_id=wang.pk)
    with pytest.raises(ValidationFailed) as err:
        nomination_create(actor=district["resident_a"], scheme_id=scheme.pk, nominee_name="晚来的", reason="晚来的提名")
    assert "提名已截止" in err.value.message
    assert not Vote.objects.exists()


def test_voting_outside_ones_community_is_refused(district, honour):
    _scheme, wang = honour
    with pytest.raises(PermissionDenied):
        vote_cast(actor=district["resident_b"], nomination_id=wang.pk)  # 李四 lives in community B
    for persona in ("community_worker_a", "street_staff"):
        with pytest.raises(PermissionDenied):
            vote_cast(actor=district[persona], nomination_id=wang.pk)
    with pytest.raises(NotFound):
        vote_cast(actor=district["resident_a"], nomination_id=10**9)
    assert not Vote.objects.exists()


def test_an_honour_is_computed_only_after_the_vote_ranked_by_votes_per_community(district, honour, at):
    scheme, wang = honour
    li = nomination_create(actor=neighbour(district, "n3"), scheme_id=scheme.pk, nominee_name="李家",
                           reason="热心公益的一家人")  # fmt: skip
    nomination_create(actor=neighbour(district, "n4"), scheme_id=scheme.pk, nominee_name="周家",
                      reason="垃圾分类示范户")  # fmt: skip
    b = factories.UserFactory(username="b1", role="resident", at=district.areas[MICRO_B])
    chen = nomination_create(actor=b, scheme_id=scheme.pk, nominee_name="陈家", reason="邻里互助好家庭")
    voters = [neighbour(district, f"v{i}") for i in range(5)]
    for user, nom in zip(voters, [li, li, li, wang, wang], strict=True):
        vote_cast(actor=user, nomination_id=nom.pk)
    vote_cast(actor=b, nomination_id=chen.pk)
    with pytest.raises(ValidationFailed):
        scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    assert not Result.objects.exists()
    at.move_to(scheme.votes_close_at + dt.timedelta(minutes=1))
    scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    got = {r.subject_name: (r.votes, r.rank, r.explanation[1]["value"]) for r in Result.objects.filter(scheme=scheme)}
    assert got == {"李家": (3, 1, 1), "王秀英家庭": (2, 2, 1), "周家": (0, 3, 0), "陈家": (1, 1, 1)}
    assert Result.objects.get(nomination=li).explanation[0]["source_count"] == 3


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_votes_of_one_resident_at_the_same_moment_count_once(district, residents, at):
    scheme = honour_scheme(district)
    wang = nomination_create(
        actor=district["resident_a"], scheme_id=scheme.pk, nominee_name="王家", reason="和睦友爱的家庭"
    )
    li = nomination_create(
        actor=neighbour(district, "x"), scheme_id=scheme.pk, nominee_name="李家", reason="热心公益的一家人"
    )
    user = district["resident_a"]
    results = run_together(*[lambda n=n: vote_cast(actor=user, nomination_id=n.pk) for n in (wang, li) * 4])
    assert sum(isinstance(r, Vote) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, Vote))
    assert Vote.objects.filter(voter=user).count() == 1
