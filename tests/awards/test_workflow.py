"""computed → confirmed (or rejected with a reason) → published; publishing posts a notice and earns points once."""

import pytest

from gongzhi.awards.actions.compute import scheme_compute
from gongzhi.awards.actions.workflow import result_move, results_publish
from gongzhi.awards.models import AwardEvent, Result, ResultState
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.noticeboard.models import Notice
from gongzhi.people.models import PartyMember
from gongzhi.points.actions.schemes import catalogue_install
from gongzhi.points.actions.schemes import scheme_create as points_scheme_create
from gongzhi.points.models import PointsAward
from tests.awards.conftest import party_scheme
from tests.conftest import COMMUNITY_A, STREET


@pytest.fixture
def computed(district, facts):
    scheme = party_scheme(district, points_rule="local-honour")
    scheme_compute(actor=district["street_staff"], scheme_id=scheme.pk)
    return scheme, Result.objects.get(scheme=scheme, party_member=facts["zhao"])


@pytest.fixture
def points(district):
    s = points_scheme_create(
        actor=district["street_staff"], area=district.areas[STREET], name="积分", opening_balance=0
    )
    catalogue_install(actor=district["street_staff"], scheme=s)
    return s


def test_confirm_then_publish_posts_the_notice_and_every_move_is_an_event(district, computed):
    scheme, zhao = computed
    staff = district["street_staff"]
    result_move(actor=staff, result_id=zhao.pk, action="confirm")
    published = results_publish(actor=staff, scheme_id=scheme.pk)
    assert [r.pk for r in published] == [zhao.pk]
    zhao.refresh_from_db()
    assert zhao.state == ResultState.PUBLISHED and zhao.confirmed_by == staff and zhao.published_at
    notice = Notice.objects.get(pk=zhao.notice_id)
    assert notice.area_code == COMMUNITY_A and "五星级网格党员" in notice.title and "赵党员" in notice.body
    assert list(AwardEvent.objects.filter(result=zhao).values_list("action", "to_state")) == [
        ("compute", "computed"), ("confirm", "confirmed"), ("publish", "published")
    ]  # fmt: skip


def test_confirming_twice_is_refused_naming_the_allowed_moves(district, computed):
    _scheme, zhao = computed
    result_move(actor=district["street_staff"], result_id=zhao.pk, action="confirm")
    with pytest.raises(Conflict) as err:
        result_move(actor=district["street_staff"], result_id=zhao.pk, action="confirm")
    assert err.value.details["allowed"] == ["publish"]
    assert AwardEvent.objects.filter(result=zhao, action="confirm").count() == 1


def test_publishing_without_confirming_is_refused_and_nothing_is_posted(district, computed):
    scheme, zhao = computed
    with pytest.raises(Conflict):
        result_move(actor=district["street_staff"], result_id=zhao.pk, action="publish")
    with pytest.raises(ValidationFailed):
        results_publish(actor=district["street_staff"], scheme_id=scheme.pk)
    zhao.refresh_from_db()
    assert zhao.state == ResultState.COMPUTED and not Notice.objects.exists()


def test_a_rejection_needs_a_reason_and_can_be_reopened(district, computed):
    _scheme, zhao = computed
    with pytest.raises(ValidationFailed) as err:
        result_move(actor=district["street_staff"], result_id=zhao.pk, action="reject", note=" ")
    assert err.value.field == "note"
    result_move(actor=district["street_staff"], result_id=zhao.pk, action="reject", note="领单记录待核实")
    zhao.refresh_from_db()
    assert (zhao.state, zhao.reject_reason) == ("rejected", "领单记录待核实")
    with pytest.raises(Conflict):
        result_move(actor=district["street_staff"], result_id=zhao.pk, action="publish")
    result_move(actor=district["street_staff"], result_id=zhao.pk, action="reopen")
    zhao.refresh_from_db()
    assert (zhao.state, zhao.reject_reason) == ("computed", "")


def test_a_stale_version_is_refused(district, computed):
    _scheme, zhao = computed
    with pytest.raises(Conflict) as err:
        result_move(actor=district["street_staff"], result_id=zhao.pk, action="confirm", expected_version=99)
    assert err.value.field == "version"


@pytest.mark.parametrize("persona", ["community_worker_a", "grid_worker_a", "resident_a", "other_street_staff"])
def test_only_street_staff_confirm(district, computed, persona):
    _scheme, zhao = computed
    with pytest.raises((PermissionDenied, NotFound)):
        result_move(actor=district[persona], result_id=zhao.pk, action="confirm")
    zhao.refresh_from_db()
    assert zhao.state == ResultState.COMPUTED


def test_publishing_earns_points_once_per_award_and_person(district, computed, points, residents):
    scheme, zhao = computed
    PartyMember.objects.filter(pk=zhao.party_member_id).update(resident=residents["resident_a"])
    staff = district["street_staff"]
    result_move(actor=staff, result_id=zhao.pk, action="confirm")
    result_move(actor=staff, result_id=zhao.pk, action="publish")
    zhao.refresh_from_db()
    award = PointsAward.objects.get(pk=zhao.points_award_id)
    assert award.source_type == "awards.result" and award.rule.code == "local-honour"
    with pytest.raises(Conflict):
        result_move(actor=staff, result_id=zhao.pk, action="publish")
    # the same person in the same award again (the points bank is keyed by award and person): still one award
    from gongzhi.points.actions.awards import award_from_source

    again = award_from_source(source_type="awards.result", source_id=f"{scheme.pk}:resident:{residents['resident_a'].pk}",
                              rule_code="local-honour", resident=residents["resident_a"])  # fmt: skip
    assert again.pk == award.pk
    assert PointsAward.objects.filter(source_type="awards.result").count() == 1


def test_no_stars_no_points_and_no_record_no_points(district, computed, points, facts, residents):
    scheme, zhao = computed
    nobody = Result.objects.get(scheme=scheme, party_member=facts["nobody"])
    for r in (zhao, nobody):  # 赵 has no resident record in this test
        result_move(actor=district["street_staff"], result_id=r.pk, action="confirm")
    results_publish(actor=district["street_staff"], scheme_id=scheme.pk)
    zhao.refresh_from_db()
    nobody.refresh_from_db()
    assert zhao.state == nobody.state == ResultState.PUBLISHED
    assert zhao.points_award_id is None and zhao.points_note == "未关联居民档案，未计积分"
    assert nobody.points_note == "未达星级，不计积分"
    assert not PointsAward.objects.exists()


def test_a_member_who_does_not_show_identity_is_masked_on_the_board(district, computed):
    scheme, zhao = computed
    PartyMember.objects.filter(pk=zhao.party_member_id).update(shows_identity=False)
    result_move(actor=district["street_staff"], result_id=zhao.pk, action="confirm")
    results_publish(actor=district["street_staff"], scheme_id=scheme.pk)
    body = Notice.objects.get().body
    assert "赵党员" not in body and "赵**" in body
