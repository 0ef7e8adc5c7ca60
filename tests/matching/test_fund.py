"""The fund pool in the core ledger (fen): donations in, budgets granted out (never beyond the pool), spending
against a budget (never beyond it, even under concurrent spending), and the public report per project."""

import json

import pytest

from gongzhi.core.errors import ValidationFailed
from gongzhi.matching import selectors
from gongzhi.matching.actions import fund
from gongzhi.matching.models import Donation, Spending, VentureState
from tests.concurrency import postgres_only, run_together
from tests.conftest import COMMUNITY_A, STREET

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(people):
    p = fund.pool_create(actor=people["street_staff"], name="郑州路社区基金池", area_code=STREET)
    fund.donation_record(actor=people["street_staff"], pool_id=p.pk, amount_yuan="100000", donor_name="青岛啤酒")
    fund.donation_record(actor=people["street_staff"], pool_id=p.pk, amount_yuan="10000.50", donor_name="居民")
    return p


def approved(people, pool, budget="20000"):
    v = fund.venture_apply(actor=people["street_staff"], pool_id=pool.pk, title="老漂驿站", requested_yuan="25000",
                           applicant="小燕子社会工作服务中心")  # fmt: skip
    return fund.venture_move(actor=people["street_staff"], venture_id=v.pk, action="approve", data={"budget": budget})


def test_donations_grants_and_spending_balance_in_the_ledger(people, pool):
    v = approved(people, pool)
    fund.spending_record(actor=people["street_staff"], venture_id=v.pk, amount_yuan="1200.30", purpose="活动物料")
    r = selectors.pool_report(pool_id=pool.pk)
    assert (r.donated_fen, r.granted_fen, r.balance_fen, r.spent_fen) == (11_000_050, 2_000_000, 9_000_050, 120_030)
    assert [(line.budget_fen, line.spent_fen, line.left_fen) for line in r.ventures] == [
        (2_000_000, 120_030, 1_879_970)
    ]


def test_a_budget_beyond_the_pool_is_refused_and_nothing_changes(people, pool):
    v = fund.venture_apply(actor=people["street_staff"], pool_id=pool.pk, title="大项目", requested_yuan="200000",
                           applicant="暖沁公益服务中心")  # fmt: skip
    with pytest.raises(ValidationFailed) as exc:
        fund.venture_move(actor=people["street_staff"], venture_id=v.pk, action="approve", data={"budget": "200000"})
    assert exc.value.field == "budget" and "基金池余额不足" in str(exc.value.message)
    v.refresh_from_db()
    assert v.state == VentureState.APPLIED and v.budget_fen is None
    assert selectors.pool_report(pool_id=pool.pk).balance_fen == 11_000_050


def test_spending_over_budget_or_in_fractions_of_a_fen_is_refused(people, pool):
    v = approved(people, pool, budget="100")
    with pytest.raises(ValidationFailed) as exc:
        fund.spending_record(actor=people["street_staff"], venture_id=v.pk, amount_yuan="100.01", purpose="超支")
    assert exc.value.field == "amount" and "超出项目预算" in str(exc.value.message)
    with pytest.raises(ValidationFailed) as exc:
        fund.spending_record(actor=people["street_staff"], venture_id=v.pk, amount_yuan="1.005", purpose="零头")
    assert exc.value.field == "amount"
    assert Spending.objects.count() == 0


def test_the_api_honours_the_same_rules(people, pool, as_user):
    staff, other = as_user(people["street_staff"]), as_user(people["other_street_staff"])
    url = f"/api/v1/matching/pools/{pool.pk}/donations"
    body = json.dumps({"amount": "500", "donor_name": "淘花园"})
    first = staff.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d-1")
    again = staff.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert Donation.objects.count() == 3
    assert other.post(url, body, content_type="application/json").status_code == 403
    bad = staff.post(url, json.dumps({"amount": "0.001", "donor_name": "x"}), content_type="application/json")
    assert bad.status_code == 422 and bad.json()["field"] == "amount"
    report = as_user(people["resident_a"]).get(f"/api/v1/matching/pools/{pool.pk}").json()
    assert report["donated_yuan"] == "110500.50"


def test_a_partner_applies_and_a_community_worker_of_another_area_may_not_approve(people, pool):
    from gongzhi.accounts.models import Membership
    from gongzhi.core.errors import PermissionDenied
    from gongzhi.people.models import Partner

    partner = Partner.objects.create(name="小燕子社会工作服务中心", kind="social_org")
    Membership.objects.filter(user=people["partner"]).update(partner=partner)
    v = fund.venture_apply(actor=people["partner"], pool_id=pool.pk, title="老漂驿站", requested_yuan="8000")
    assert v.applicant == "小燕子社会工作服务中心"
    with pytest.raises(PermissionDenied):
        fund.venture_move(actor=people["community_worker_a"], venture_id=v.pk, action="approve", data={"budget": "1"})
    with pytest.raises(PermissionDenied):
        fund.pool_create(actor=people["community_worker_a"], name="x", area_code=STREET)
    assert fund.pool_create(actor=people["community_worker_a"], name="社区池", area_code=COMMUNITY_A).pk


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_spending_never_overspends_a_budget(people, pool):
    v = approved(people, pool, budget="1000")  # 100 000 fen; 30 spendings of 50 yuan at once: exactly 20 fit

    def spend():
        return fund.spending_record(actor=people["street_staff"], venture_id=v.pk, amount_yuan="50", purpose="物料")

    results = run_together(*[spend for _ in range(30)])
    ok = [r for r in results if isinstance(r, Spending)]
    refused = [r for r in results if isinstance(r, ValidationFailed)]
    assert (len(ok), len(refused)) == (20, 10), results
    assert selectors.venture_left_fen(venture_id=v.pk) == 0
