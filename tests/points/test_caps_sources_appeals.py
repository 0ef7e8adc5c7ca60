"""Caps, sources that pay once, deductions and their appeals, bulk awards and the system hook."""

import datetime as dt

import pytest
import time_machine

from gongzhi.core import ledger
from gongzhi.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from gongzhi.core.models_ledger import LedgerTransaction
from gongzhi.points.actions.award_sweep import post_due_awards
from gongzhi.points.actions.awards import award_bulk_propose, award_from_source, award_propose
from gongzhi.points.actions.schemes import rule_upsert, scheme_update
from gongzhi.points.models import AwardEvent, AwardState, PointsAward
from tests import factories
from tests.conftest import MICRO_A
from tests.points.conftest import move, propose

START = dt.datetime(2025, 5, 6, 9, 0, tzinfo=dt.UTC)


def balance_of(account):
    return ledger.balance(account=account.ledger_account)


def post_now(district, award, at):
    award = move(district, award, ("community_worker_a", "review"), ("community_worker_a", "publish"))
    at.shift(dt.timedelta(days=3, minutes=1))
    return move(district, award, ("community_worker_a", "post"))


@pytest.fixture
def at_start():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


class TestPointsAndCaps:
    def test_a_deduction_larger_than_the_rule_allows_is_refused(self, district, household_a, account_a):
        with pytest.raises(ValidationFailed, match="超出规则") as err:
            propose(district, household_a, rule_code="law-disorder", points=-30, evidence="深夜聚众喧哗")
        assert err.value.field == "points"
        assert not PointsAward.objects.exists()

    def test_a_deduction_may_be_smaller_than_the_rule(self, district, household_a, account_a):
        award = propose(district, household_a, rule_code="law-disorder", points=-10, evidence="深夜聚众喧哗")
        assert award.points == -10

    def test_the_sign_must_match_the_rule(self, district, household_a, account_a):
        with pytest.raises(ValidationFailed) as err:
            propose(district, household_a, rule_code="env-cleanup", points=-5)
        assert err.value.field == "points"

    def test_the_rule_cap_per_month_is_enforced(self, district, household_a, account_a, at_start):
        for _ in range(4):  # env-cleanup: 5 points, at most 20 a month
            propose(district, household_a)
        with pytest.raises(ValidationFailed, match="每户每月 20 分") as err:
            propose(district, household_a)
        assert err.value.details == {"cap": 20, "used": 20, "requested": 5}
        assert PointsAward.objects.count() == 4
        at_start.move_to(dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC))
        assert propose(district, household_a).period == dt.date(2025, 6, 1)

    def test_a_rejected_award_frees_its_share_of_the_cap(self, district, household_a, account_a):
        awards = [propose(district, household_a) for _ in range(4)]
        move(district, awards[0], ("community_worker_a", "reject", "重复"))
        assert propose(district, household_a).state == AwardState.PROPOSED

    def test_the_scheme_monthly_cap_is_enforced(self, district, scheme, household_a, account_a):
        scheme_update(actor=district["street_staff"], scheme=scheme, monthly_cap=12)
        propose(district, household_a)
        propose(district, household_a, rule_code="neighbour-help", evidence="帮忙")
        with pytest.raises(ValidationFailed, match="每户每月加分 12 分"):
            propose(district, household_a, rule_code="public-blood", evidence="献血证")
        # Deductions are not limited by the award cap.
        propose(district, household_a, rule_code="env-littering", evidence="乱倒垃圾照片")

    def test_unknown_rule_is_not_found(self, district, household_a, account_a):
        with pytest.raises(NotFound) as err:
            propose(district, household_a, rule_code="no-such-rule")
        assert err.value.field == "rule_code"

    def test_evidence_is_required_where_the_rule_says_so(self, district, household_a, account_a):
        with pytest.raises(ValidationFailed) as err:
            propose(district, household_a, evidence="  ")
        assert err.value.field == "evidence"


class TestSources:
    def test_the_same_source_never_pays_twice(self, district, household_a, account_a):
        propose(district, household_a, source_type="volunteering.activity", source_id="12:person:5")
        with pytest.raises(Conflict, match="同一来源不能重复计分"):
            propose(district, household_a, source_type="volunteering.activity", source_id="12:person:5")
        assert PointsAward.objects.count() == 1

    def test_the_hook_is_idempotent_by_source(self, district, household_a, scheme, at_start):
        first = award_from_source(
            source_type="volunteering.activity",
            source_id="12:person:5",
            household=household_a,
            rule_code="public-volunteer",
        )
        again = award_from_source(
            source_type="volunteering.activity",
            source_id="12:person:5",
            household=household_a,
            rule_code="public-volunteer",
        )
        assert first.pk == again.pk
        # public-volunteer needs no review: published at once, posted by the sweep after publicity.
        assert first.state == AwardState.PUBLISHED and first.proposed_by is None
        at_start.shift(dt.timedelta(days=3, seconds=1))
        assert post_due_awards()["posted"] == 1
        assert post_due_awards()["posted"] == 0
        account = first.account
        assert balance_of(account) == 2
        assert LedgerTransaction.objects.filter(reference="points:src:volunteering.activity:12:person:5").count() == 1

    def test_a_rejected_source_may_be_proposed_again(self, district, household_a, account_a):
        first = propose(district, household_a, source_type="patrol.report", source_id="7")
        move(district, first, ("community_worker_a", "reject", "照片看不清"))
        assert propose(district, household_a, source_type="patrol.report", source_id="7").state == "proposed"


class TestAppeals:
    def deduction(self, district, household_a, at):
        award = propose(district, household_a, rule_code="law-disorder", points=-10, evidence="监控截图")
        return post_now(district, award, at)

    def test_an_upheld_appeal_reverses_the_deduction(self, district, scheme, household_a, account_a, at_start):
        post_now(district, propose(district, household_a, rule_code="local-honour", evidence="县级表彰"), at_start)
        award = self.deduction(district, household_a, at_start)
        assert balance_of(account_a) == 10
        owner = district["resident_a"]
        owner.resident = factories.ResidentFactory(household=household_a, name="王五")
        owner.save()
        award = move(district, award, ("resident_a", "appeal", "当晚我不在家"))
        assert award.state == AwardState.APPEALED
        award = move(district, award, ("community_worker_a", "uphold", "核实不在场"))
        assert award.state == AwardState.APPEAL_UPHELD
        assert award.reversal.reverses_id == award.transaction_id
        assert balance_of(account_a) == 20
        assert ledger.verify_account(account=account_a.ledger_account)
        with pytest.raises(ValidationFailed) as err:
            move(district, award, ("community_worker_a", "uphold", "再来一次"))
        assert err.value.details["allowed"] == []
        assert balance_of(account_a) == 20

    def test_a_dismissed_appeal_keeps_the_deduction(self, district, household_a, account_a, at_start):
        post_now(district, propose(district, household_a, rule_code="local-honour", evidence="县级表彰"), at_start)
        award = self.deduction(district, household_a, at_start)
        owner = district["resident_a"]
        owner.resident = factories.ResidentFactory(household=household_a, name="王五")
        owner.save()
        award = move(district, award, ("resident_a", "appeal", "冤枉"), ("community_worker_a", "dismiss", "证据确凿"))
        assert award.state == AwardState.APPEAL_DISMISSED
        assert balance_of(account_a) == 10

    def test_only_the_household_may_appeal(self, district, household_a, household_b, account_a, at_start):
        post_now(district, propose(district, household_a, rule_code="local-honour", evidence="县级表彰"), at_start)
        award = self.deduction(district, household_a, at_start)
        stranger = district["resident_b"]
        stranger.resident = factories.ResidentFactory(household=household_b, name="赵六")
        stranger.save()
        with pytest.raises(PermissionDenied):
            move(district, award, ("resident_b", "appeal", "替人申诉"))

    def test_an_award_cannot_be_appealed(self, district, household_a, account_a, at_start):
        award = post_now(district, propose(district, household_a), at_start)
        owner = district["resident_a"]
        owner.resident = factories.ResidentFactory(household=household_a, name="王五")
        owner.save()
        with pytest.raises(ValidationFailed) as err:
            move(district, award, ("resident_a", "appeal", "嫌少"))
        assert err.value.details["allowed"] == []

    def test_a_deduction_below_the_floor_is_not_posted(self, district, household_a, account_a, at_start):
        award = move(
            district,
            propose(district, household_a, rule_code="law-disorder", points=-10, evidence="监控截图"),
            ("community_worker_a", "review"),
            ("community_worker_a", "publish"),
        )
        at_start.shift(dt.timedelta(days=4))
        assert post_due_awards() == {"due": 1, "posted": 0, "failed": 1}
        award.refresh_from_db()
        assert award.state == AwardState.PUBLISHED
        assert balance_of(account_a) == 0


class TestPermissions:
    @pytest.mark.parametrize(
        ("persona", "allowed"),
        [
            ("grid_worker_a", True),
            ("community_worker_a", True),
            ("street_staff", True),
            ("grid_worker_a2", False),
            ("grid_worker_b", False),
            ("community_worker_b", False),
            ("microgrid_worker_a", False),
            ("resident_a", False),
            ("party_member_a", False),
            ("other_street_staff", False),
        ],
    )
    def test_who_may_propose_in_grid_a(self, district, household_a, account_a, persona, allowed):
        call = lambda: award_propose(  # noqa: E731
            actor=district[persona], household=household_a, rule_code="env-cleanup", evidence="照片"
        )
        if allowed:
            assert call().state == AwardState.PROPOSED
        else:
            with pytest.raises(PermissionDenied):
                call()
            assert not PointsAward.objects.exists()

    @pytest.mark.parametrize(
        ("persona", "allowed"),
        [
            ("community_worker_a", True),
            ("street_staff", True),
            ("admin", True),
            ("community_worker_b", False),
            ("grid_worker_a2", False),
            ("resident_a", False),
        ],
    )
    def test_who_may_review_an_award_of_grid_a(self, district, household_a, account_a, persona, allowed):
        award = propose(district, household_a)
        if allowed:
            assert move(district, award, (persona, "review")).state == AwardState.REVIEWED
        else:
            with pytest.raises(PermissionDenied):
                move(district, award, (persona, "review"))
            award.refresh_from_db()
            assert award.state == AwardState.PROPOSED

    def test_grid_worker_a_cannot_review_even_other_peoples_awards(self, district, household_a, account_a):
        award = award_propose(
            actor=district["community_worker_a"], household=household_a, rule_code="env-cleanup", evidence="照片"
        )
        with pytest.raises(PermissionDenied):
            move(district, award, ("grid_worker_a", "review"))

    def test_only_street_staff_configure_rules(self, district, scheme):
        with pytest.raises(PermissionDenied):
            rule_upsert(
                actor=district["community_worker_a"],
                scheme=scheme,
                code="local-x",
                dimension="local",
                name="本地项目",
                points=3,
            )
        rule, how = rule_upsert(
            actor=district["street_staff"], scheme=scheme, code="local-x", dimension="local", name="本地项目", points=3
        )
        assert how == "created" and rule.points == 3


class TestBulk:
    def test_a_bulk_award_makes_one_proposal_per_household(self, district, household_a, scheme):
        others = [factories.HouseholdFactory(area=district.areas[MICRO_A]) for _ in range(3)]
        batch = award_bulk_propose(
            actor=district["grid_worker_a"],
            households=[household_a, *others],
            rule_code="env-cleanup",
            title="5月6日小邓网格环境整治",
            source_type="activity",
            source_id="2025-05-06-cleanup",
        )
        assert batch.awards.count() == 4
        assert {a.source_id for a in batch.awards.all()} == {
            f"2025-05-06-cleanup:household:{h.pk}" for h in [household_a, *others]
        }
        with pytest.raises(Conflict):
            award_bulk_propose(
                actor=district["grid_worker_a"],
                households=[household_a],
                rule_code="env-cleanup",
                title="重复提交",
                source_type="activity",
                source_id="2025-05-06-cleanup",
            )

    def test_a_bulk_award_is_all_or_nothing(self, district, household_a, household_b, scheme):
        with pytest.raises(PermissionDenied):
            award_bulk_propose(
                actor=district["grid_worker_a"],
                households=[household_a, household_b],
                rule_code="env-cleanup",
                title="跨网格",
            )
        assert not PointsAward.objects.exists()


def test_a_source_that_slipped_past_the_unique_key_still_posts_once(district, scheme, account_a, household_a):
    """If two awards of one source ever reach posting (here the first is forced to 'rejected' behind the workflow's
    back), the ledger hands back the first transaction and the second award is refused without writing anything."""
    start = dt.datetime(2025, 6, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        first = propose(district, household_a, source_type="volunteering.activity", source_id="7:person:1")
        move(district, first, ("street_staff", "review"), ("street_staff", "publish"))
    with time_machine.travel(start + dt.timedelta(days=4), tick=False):
        move(district, first, ("street_staff", "post"))
        PointsAward.objects.filter(pk=first.pk).update(state="rejected")
        second = propose(district, household_a, source_type="volunteering.activity", source_id="7:person:1")
        move(district, second, ("street_staff", "review"), ("street_staff", "publish"))
        PointsAward.objects.filter(pk=second.pk).update(publicity_ends_at=start)
        events = AwardEvent.objects.count()
        with pytest.raises(Conflict):
            move(district, second, ("street_staff", "post"))
    second.refresh_from_db()
    assert second.state == "published" and second.transaction_id is None
    assert AwardEvent.objects.count() == events
    assert ledger.balance(account=account_a.ledger_account) == first.points
