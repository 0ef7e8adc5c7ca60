"""Property test over the points layer: any sequence of awards, deductions, redemptions, cancels, fulfilments and
appeal reversals keeps the books sound.

A plain Python model predicts which operations must succeed (points within the rule, caps, one payment per source,
balance above the floor, stock). After every step the database must agree with the model; every transaction must
balance; every balance must equal the sum of its postings; no spending may have taken a household below the
scheme's floor; no stock may be negative; and a refused operation must have changed nothing at all.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
import time_machine
from django.db import transaction
from django.db.models import Count, F, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongzhi.core import ledger
from gongzhi.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from gongzhi.core.models_ledger import LedgerAccount, LedgerTransaction, Posting
from gongzhi.points.actions.accounts import account_open_for_household
from gongzhi.points.actions.award_workflow import award_transition
from gongzhi.points.actions.awards import award_propose
from gongzhi.points.actions.redemption import redemption_cancel, redemption_fulfil, redemption_place
from gongzhi.points.actions.schemes import rule_upsert, scheme_create
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import AwardEvent, EventItem, PointsAward, RedemptionOrder, StoreItem
from tests import factories
from tests.conftest import COMMUNITY_A, MICRO_A, STREET

START = dt.datetime(2025, 5, 10, 9, 0, tzinfo=dt.UTC)
FLOOR = 10  # the scheme's floor: the first 10 points of every household cannot be spent
OPENING = 10
SCHEME_CAP = 60  # positive points per household per month
RULES = {"plus": ("p-plus", 10, None), "capped": ("p-capped", 5, 15), "minus": ("p-minus", -8, None)}
ITEMS = {"flour": (8, 3), "oil": (15, 2)}  # price, per-event stock
HOUSEHOLDS = 3
COUNTING = {"proposed", "reviewed", "published", "objected", "posted", "appealed", "appeal_dismissed"}

household = st.integers(min_value=0, max_value=HOUSEHOLDS - 1)
award = st.tuples(
    st.just("award"),
    household,
    st.sampled_from(["plus", "plus", "capped", "minus"]),
    # The magnitude; beyond the rule's points is refused.
    st.one_of(st.integers(min_value=1, max_value=10), st.integers(min_value=1, max_value=10), st.integers(11, 25)),
    st.one_of(st.none(), st.integers(min_value=0, max_value=3)),  # source number, or none
    st.sampled_from(["post", "post", "post", "reject"]),
)
redeem = st.tuples(st.just("redeem"), household, st.sampled_from(sorted(ITEMS)), st.integers(min_value=1, max_value=2))
pick = st.integers(min_value=0, max_value=1000)
cancel = st.tuples(st.just("cancel"), pick)
fulfil = st.tuples(st.just("fulfil"), pick)
appeal = st.tuples(st.just("appeal"), pick, st.booleans())
retry = st.tuples(st.just("retry_post"), pick)
bad = st.tuples(st.just("bad"), household, st.sampled_from(["unknown_rule", "unknown_code", "zero_quantity"]))
operations = st.lists(
    st.one_of(award, award, redeem, redeem, cancel, fulfil, appeal, retry, bad), min_size=1, max_size=14
)


class Rollback(Exception):
    """Raised at the end of each example so its writes are rolled back and the next example starts afresh."""


@dataclass
class Model:
    balances: list[int]
    stock: dict[str, int]
    awards: list[dict] = field(default_factory=list)  # pk, household, rule, points, source, state
    orders: list[dict] = field(default_factory=list)  # pk, household, points, item, quantity, state, code

    def counting(self, h: int):
        return [a for a in self.awards if a["household"] == h and a["state"] in COUNTING]

    def may_propose(self, h: int, rule: str, points: int, source: str | None) -> bool:
        _code, max_points, cap = RULES[rule]
        if abs(points) > abs(max_points):
            return False
        if source is not None and any(a["source"] == source and a["state"] != "rejected" for a in self.awards):
            return False
        if cap is not None and sum(abs(a["points"]) for a in self.counting(h) if a["rule"] == rule) + abs(points) > cap:
            return False
        positive = sum(a["points"] for a in self.counting(h) if a["points"] > 0)
        return not (points > 0 and positive + points > SCHEME_CAP)

    def may_spend(self, h: int, amount: int) -> bool:
        return self.balances[h] - amount >= FLOOR


def snapshot() -> tuple:
    """Everything a refused operation must leave untouched."""
    return (
        tuple(LedgerAccount.objects.order_by("id").values_list("id", "balance")),
        Posting.objects.count(),
        LedgerTransaction.objects.count(),
        tuple(EventItem.objects.order_by("id").values_list("stock", flat=True)),
        tuple(StoreItem.objects.order_by("id").values_list("stock", flat=True)),
        tuple(RedemptionOrder.objects.order_by("id").values_list("state", flat=True)),
        tuple(PointsAward.objects.order_by("id").values_list("state", flat=True)),
        AwardEvent.objects.count(),
    )


def expect(call, should_succeed: bool, failure=(ValidationFailed, Conflict)):
    before = snapshot()
    if should_succeed:
        return call()
    with pytest.raises(failure):
        call()
    assert snapshot() == before
    return None


def assert_sound(world: dict, model: Model) -> None:
    unbalanced = (
        LedgerTransaction.objects.annotate(n=Count("postings"), total=Sum("postings__amount"))
        .exclude(n__gte=2, total=0)
        .count()
    )
    assert unbalanced == 0
    for account in LedgerAccount.objects.all():
        assert ledger.verify_account(account=account), account.code
    for h, account in enumerate(world["accounts"]):
        stored = ledger.balance(account=account.ledger_account)
        assert stored == model.balances[h], (h, stored, model.balances[h])
    # No spending (redemption or deduction) ever took a household below its floor.
    assert not Posting.objects.filter(
        account__allow_negative=False, amount__lt=0, balance_after__lt=F("account__floor")
    ).exists()
    assert not EventItem.objects.filter(stock__lt=0).exists()
    stocks = dict(EventItem.objects.values_list("item__name", "stock"))
    assert stocks == model.stock
    states = dict(PointsAward.objects.values_list("pk", "state"))
    assert states == {a["pk"]: a["state"] for a in model.awards}
    orders = dict(RedemptionOrder.objects.values_list("pk", "state"))
    assert orders == {o["pk"]: o["state"] for o in model.orders}


def build_world(district, scheme) -> dict:
    staff = district["street_staff"]
    for code, points, cap in RULES.values():
        rule_upsert(
            actor=staff, scheme=scheme, code=code, dimension="local", name=code, points=points, cap_per_month=cap
        )
    accounts, owners = [], []
    for h in range(HOUSEHOLDS):
        hh = factories.HouseholdFactory(area=district.areas[MICRO_A], number=f"PROP-{h}")
        owner = factories.UserFactory(username=f"owner{h}", role="resident", at=district.areas[MICRO_A])
        owner.resident = factories.ResidentFactory(household=hh, name=f"户主{h}")
        owner.save()
        accounts.append(account_open_for_household(household=hh))
        owners.append(owner)
    event = event_create(
        actor=staff,
        scheme=scheme,
        area=district.areas[COMMUNITY_A],
        title="积分兑换日",
        place="德育超市",
        starts_at=START,
        ends_at=START + dt.timedelta(hours=8),
    )
    items = {}
    for name, (price, stock) in ITEMS.items():
        items[name] = item_create(actor=staff, scheme=scheme, name=name, price=price, stock=stock + 5)
        event_offer(actor=staff, event=event, item=items[name], stock=stock)
    return {"accounts": accounts, "owners": owners, "event": event, "items": items}


def run(district, scheme, ops) -> None:
    world = build_world(district, scheme)
    accounts, owners, event, items = world["accounts"], world["owners"], world["event"], world["items"]
    model = Model(balances=[OPENING] * HOUSEHOLDS, stock={name: stock for name, (_p, stock) in ITEMS.items()})
    proposer, reviewer, counter = district["grid_worker_a"], district["street_staff"], district["grid_worker_a"]

    def move(a: dict, action: str, actor, note: str = ""):
        return award_transition(actor=actor, award_id=a["pk"], action=action, note=note)

    def try_post(a: dict) -> None:
        amount = -a["points"]  # a deduction spends from the household
        ok = a["points"] > 0 or model.may_spend(a["household"], amount)
        expect(lambda: move(a, "post", reviewer), ok)
        if ok:
            a["state"] = "posted"
            model.balances[a["household"]] += a["points"]

    for step, op in enumerate(ops):
        kind = op[0]
        if kind == "award":
            _k, h, rule, magnitude, source_n, outcome = op
            code, max_points, _cap = RULES[rule]
            points = magnitude if max_points > 0 else -magnitude
            source = f"{source_n}" if source_n is not None else None
            created = expect(
                lambda h=h, code=code, points=points, source=source, step=step: award_propose(
                    actor=proposer,
                    account=accounts[h],
                    rule_code=code,
                    points=points,
                    evidence=f"第{step}步",
                    source_type="test.source" if source else "",
                    source_id=source or "",
                ),
                model.may_propose(h, rule, points, source),
            )
            if created is None:
                continue
            a = {"pk": created.pk, "household": h, "rule": rule, "points": points, "source": source}
            a["state"] = "proposed"
            model.awards.append(a)
            if outcome == "reject":
                move(a, "reject", reviewer, "证据不足")
                a["state"] = "rejected"
                continue
            move(a, "review", reviewer)
            move(a, "publish", reviewer)
            a["state"] = "published"
            try_post(a)  # publicity of 0 days: due at once
        elif kind == "retry_post":
            waiting = [a for a in model.awards if a["state"] == "published"]
            if waiting:
                try_post(waiting[op[1] % len(waiting)])
        elif kind == "redeem":
            _k, h, name, quantity = op
            price = ITEMS[name][0]
            ok = model.stock[name] >= quantity and model.may_spend(h, price * quantity)
            order = expect(
                lambda h=h, name=name, quantity=quantity: redemption_place(
                    actor=counter, account=accounts[h], event=event, item=items[name], quantity=quantity
                ),
                ok,
                ValidationFailed,
            )
            if order is not None:
                model.stock[name] -= quantity
                model.balances[h] -= price * quantity
                model.orders.append(
                    {
                        "pk": order.pk,
                        "household": h,
                        "points": price * quantity,
                        "item": name,
                        "quantity": quantity,
                        "state": "placed",
                        "code": order.pickup_code,
                    }
                )
        elif kind in ("cancel", "fulfil"):
            if not model.orders:
                continue
            o = model.orders[op[1] % len(model.orders)]
            ok = o["state"] == "placed"
            if kind == "cancel":
                call = lambda o=o: redemption_cancel(actor=counter, order_id=o["pk"], reason="不要了")  # noqa: E731
            else:
                call = lambda o=o: redemption_fulfil(actor=counter, pickup_code=o["code"])  # noqa: E731
            if expect(call, ok, ValidationFailed) is not None:
                if kind == "cancel":
                    o["state"] = "cancelled"
                    model.stock[o["item"]] += o["quantity"]
                    model.balances[o["household"]] += o["points"]
                else:
                    o["state"] = "fulfilled"
        elif kind == "appeal":
            _k, which, uphold = op
            if not model.awards:
                continue
            a = model.awards[which % len(model.awards)]
            ok = a["state"] == "posted" and a["points"] < 0
            if expect(lambda a=a: move(a, "appeal", owners[a["household"]], "不服"), ok, ValidationFailed) is None:
                continue
            a["state"] = "appealed"
            if uphold:
                move(a, "uphold", reviewer, "核实有误")
                a["state"] = "appeal_upheld"
                model.balances[a["household"]] -= a["points"]  # the reversal gives the deducted points back
            else:
                move(a, "dismiss", reviewer, "维持原决定")
                a["state"] = "appeal_dismissed"
        elif kind == "bad":
            _k, h, what = op
            if what == "unknown_rule":
                expect(
                    lambda h=h: award_propose(actor=proposer, account=accounts[h], rule_code="no-such-rule"),
                    False,
                    NotFound,
                )
            elif what == "unknown_code":
                expect(lambda: redemption_fulfil(actor=counter, pickup_code="ZZZZZZZZ"), False, NotFound)
            else:
                expect(
                    lambda h=h: redemption_place(
                        actor=counter, account=accounts[h], event=event, item=items["flour"], quantity=0
                    ),
                    False,
                    DomainError,
                )
        assert_sound(world, model)


@pytest.fixture
def prop_scheme(district):
    with time_machine.travel(START, tick=False):
        scheme = scheme_create(
            actor=district["street_staff"],
            area=district.areas[STREET],
            name="性质测试积分",
            opening_balance=OPENING,
            floor=FLOOR,
            publicity_days=0,
            monthly_cap=SCHEME_CAP,
        )
    return scheme


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_of_points_operations_keeps_the_books_sound(district, prop_scheme, ops):
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        try:
            with transaction.atomic():
                run(district, prop_scheme, ops)
                raise Rollback
        except Rollback:
            pass
    assert not PointsAward.objects.exists()  # the example left nothing behind


@pytest.mark.django_db
def test_a_known_tricky_sequence(district, prop_scheme):
    """Earn, spend down to the floor, a deduction that cannot post, an appeal of one that did, cancel → refund."""
    ops = [
        ("award", 0, "plus", 10, 1, "post"),  # 20
        ("award", 0, "plus", 10, 1, "post"),  # same source: refused
        ("award", 0, "plus", 11, None, "post"),  # more than the rule allows: refused
        ("award", 0, "capped", 5, None, "post"),  # 25
        ("award", 0, "capped", 5, None, "post"),  # 30
        ("award", 0, "capped", 5, None, "post"),  # 35
        ("award", 0, "capped", 5, None, "post"),  # the rule's cap of 15: refused
        ("award", 0, "minus", 9, None, "post"),  # a deduction beyond the rule's 8: refused
        ("redeem", 0, "oil", 2),  # 35 − 30 = 5, below the floor of 10: refused
        ("redeem", 0, "oil", 1),  # 20
        ("redeem", 0, "flour", 2),  # 20 − 16 = 4: refused
        ("redeem", 0, "flour", 1),  # 12
        ("award", 0, "minus", 8, None, "post"),  # 12 − 8 = 4 < 10: stays published
        ("cancel", 1),  # the flour is refunded: 20
        ("retry_post", 0),  # now the deduction posts: 12
        ("appeal", 4, True),  # and is upheld on appeal (reversed): 20
        ("appeal", 4, True),  # appealed twice: refused
        ("fulfil", 1),  # a cancelled order: refused
        ("fulfil", 0),
        ("redeem", 0, "oil", 1),  # 20 − 15 = 5: refused
    ]
    with time_machine.travel(START + dt.timedelta(hours=1), tick=False):
        run(district, prop_scheme, ops)
    account = PointsAward.objects.filter(rule__code="p-minus").get().account
    assert ledger.balance(account=account.ledger_account) == 20
    assert PointsAward.objects.filter(state="appeal_upheld").count() == 1
