"""A year of the points bank (积分银行) in the demo, made by the points app's own actions.

胶南街道's 德育乡村 scheme (seed_points --demo) over its 16 village grids: twice a year each grid worker proposes
the half-year's 美丽庭院 / 移风易俗 points for the households (one batch per grid, 一户一档), the street reviews
and publishes them, the publicity period runs, the sweep posts them, and the quarter ends with a redemption
day (积分兑换日) at the street's 德育超市 where the households redeem at the counter and pick their goods up.

The demo resident's street (长江路街道) gets a scheme too: its 长江瑞城 households earn points (their volunteering hours
earn them through the volunteering part), redeemed at a past redemption day, and a redemption event is open now
with items in stock.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from gongzhi.accounts.models import User
from gongzhi.areas.models import Area
from gongzhi.people.demo.generator import RUICHENG_GRID
from gongzhi.people.models import Household
from gongzhi.points.actions.award_sweep import post_due_awards
from gongzhi.points.actions.award_workflow import award_transition
from gongzhi.points.actions.awards import award_bulk_propose
from gongzhi.points.actions.redemption import redemption_fulfil, redemption_place
from gongzhi.points.actions.schemes import catalogue_install, scheme_create
from gongzhi.points.actions.store import event_create, event_offer, item_create
from gongzhi.points.models import PointsAccount, PointsAward, PointsScheme, RedemptionEvent, StoreItem
from gongzhi.web.history.common import HOUSEHOLDS_PER_DAY, Cast, at, travel

JIAONAN = "370211003"
CHANGJIANGLU = "370211002"
CHANGJIANGLU_SCHEME = "长江路街道“和邻”积分"
# The store's shelves: name, price, stock (德育超市 goods donated by the alliance's businesses).
ITEMS = [
    ("洗衣液", 5, 5000),
    ("酱油", 4, 5000),
    ("毛巾两条装", 3, 5000),
    ("食用盐", 2, 5000),
    ("理发服务一次", 5, 5000),
]
# Half-yearly evaluations (10 points each) pay for two redemption days of at most 5 points.
JIAONAN_RULES = [("env-courtyard", "美丽庭院评选"), ("rural-customs", "移风易俗")]
CHANGJIANGLU_RULES = [("env-cleanup", "人居环境整治"), ("neighbour-help", "助人为乐")]


class PointsHistory:
    def __init__(self, *, size: str, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(f"{seed}:history:points")
        self.size, self.now = size, now
        self.cast = Cast.load()
        self.counts = {"awards": 0, "posted": 0, "redemption_days": 0, "orders": 0, "households_served": 0}

    def run(self) -> dict[str, int]:
        jiaonan = PointsScheme.objects.filter(area_code=JIAONAN).first()
        if jiaonan is not None:
            self._jiaonan(jiaonan)
        self._changjianglu()
        return self.counts

    # ------------------------------------------------------------------------------------------------ helpers

    def _items(self, scheme: PointsScheme, when: dt.datetime) -> list[StoreItem]:
        existing = list(StoreItem.objects.filter(scheme=scheme).order_by("price", "id"))
        if existing:
            return existing
        with travel(when):
            return [
                item_create(actor=self.cast.admin, scheme=scheme, name=name, price=price, stock=stock)
                for name, price, stock in ITEMS
            ]

    def _awards(
        self, *, scheme: PointsScheme, households: list[Household], rule: str, title: str, when: dt.datetime
    ) -> None:
        """One batch per grid proposed by its worker, reviewed and published by the street, posted after publicity."""
        by_grid: dict[str, list[Household]] = defaultdict(list)
        for h in households:
            by_grid[h.area_code[:15]].append(h)
        award_ids: list[int] = []
        for grid, members in sorted(by_grid.items()):
            proposer = self.cast.owners.get(grid, self.cast.admin)
            with travel(when):
                batch = award_bulk_propose(
                    actor=proposer, households=members, rule_code=rule, title=title, evidence=f"{title}：网格员入户核实"
                )
            award_ids += list(PointsAward.objects.filter(batch=batch).order_by("id").values_list("pk", flat=True))
        review_at = when + dt.timedelta(hours=20)
        with travel(review_at):
            for pk in award_ids:
                award_transition(actor=self.cast.admin, award_id=pk, action="review")
                award_transition(actor=self.cast.admin, award_id=pk, action="publish")
        self.counts["awards"] += len(award_ids)
        # The sweep after the publicity period (post_due_awards runs every few minutes in production).
        post_at = review_at + dt.timedelta(days=scheme.publicity_days, minutes=10)
        with travel(post_at):
            while True:
                swept = post_due_awards(at=post_at)
                self.counts["posted"] += swept["posted"]
                if swept["due"] == 0 or swept["posted"] == 0:
                    break

    def _day(
        self,
        *,
        scheme: PointsScheme,
        area: Area,
        title: str,
        place: str,
        starts: dt.datetime,
        hours: int,
        households: list[Household],
        counter: dict[str, User],
    ) -> RedemptionEvent:
        rng = self.rng
        items = self._items(scheme, starts - dt.timedelta(days=7))
        with travel(starts - dt.timedelta(days=5)):
            event = event_create(
                actor=self.cast.admin,
                scheme=scheme,
                area=area,
                title=title,
                place=place,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=hours),
            )
            for item in items:
                event_offer(actor=self.cast.admin, event=event, item=item, stock=max(20, len(households) // 2))
        self.counts["redemption_days"] += 1
        if starts >= self.now:
            return event
        accounts = {
            a.household_id: a
            for a in PointsAccount.objects.filter(household__in=households).select_related("ledger_account", "scheme")
        }
        served = 0
        step = dt.timedelta(seconds=max(1, (hours * 3600 - 900) // max(1, len(households))))
        moment = starts + dt.timedelta(minutes=5)
        stock = {item.pk: max(20, len(households) // 2) for item in items}
        for h in households:
            account = accounts.get(h.pk)
            if account is None:
                continue
            balance = account.ledger_account.balance
            affordable = [i for i in items if i.price <= balance and stock[i.pk] > 0]
            if not affordable or moment >= self.now:
                continue
            item = rng.choice(affordable)
            clerk = counter.get(h.area_code[:15], self.cast.admin)
            with travel(moment):
                order = redemption_place(actor=clerk, account=account, event=event, item=item, quantity=1)
            with travel(moment + dt.timedelta(minutes=2)):
                redemption_fulfil(actor=clerk, pickup_code=order.pickup_code, event_id=event.pk)
            account.ledger_account.balance = balance - item.price
            stock[item.pk] -= 1
            served += 1
            moment += step
        self.counts["orders"] += served
        self.counts["households_served"] = max(self.counts["households_served"], served)
        return event

    # ------------------------------------------------------------------------------------------------ 胶南街道

    def _jiaonan(self, scheme: PointsScheme) -> None:
        rng = self.rng
        street = Area.objects.get(code=JIAONAN)
        households = list(Household.objects.filter(area_code__startswith=JIAONAN).order_by("number"))
        wanted = min(len(households), HOUSEHOLDS_PER_DAY[self.size] + 60)
        pool = sorted(rng.sample(households, wanted), key=lambda h: h.number)
        today = self.now.date()
        for quarter in range(4):
            # The quarter's redemption day: a Saturday about 11, 8, 5 and 2 months ago.
            day = today - dt.timedelta(days=335 - 91 * quarter)
            day -= dt.timedelta(days=(day.weekday() - 5) % 7)
            if quarter % 2 == 0:
                award_day = day - dt.timedelta(days=12)
                rule, name = JIAONAN_RULES[quarter // 2]
                self._awards(
                    scheme=scheme,
                    households=pool,
                    rule=rule,
                    title=f"{award_day:%Y年%m月}{name}",
                    when=at(award_day, 10),
                )
            # Most households come, most of those every time.
            coming = [h for h in pool if rng.random() < 0.93]
            self._day(
                scheme=scheme,
                area=street,
                title=f"胶南街道德育超市第{quarter + 1}期积分兑换日",
                place="胶南街道新时代文明实践所德育超市",
                starts=at(day, 8, 30),
                hours=8,
                households=coming,
                counter=self.cast.owners,
            )

    # ------------------------------------------------------------------------------------------------ 长江路街道

    def _changjianglu(self) -> None:
        rng = self.rng
        street = Area.objects.get(code=CHANGJIANGLU)
        scheme = PointsScheme.objects.filter(area_code=CHANGJIANGLU).first()
        start = self.now - dt.timedelta(days=340)
        if scheme is None:
            with travel(start):
                scheme = scheme_create(actor=self.cast.admin, area=street, name=CHANGJIANGLU_SCHEME, publicity_days=3)
                catalogue_install(actor=self.cast.admin, scheme=scheme)
        community = Area.objects.get(code=RUICHENG_GRID[:12])
        resident = User.objects.filter(username="resident").select_related("resident__household").first()
        ruicheng = list(Household.objects.filter(area_code__startswith=RUICHENG_GRID).order_by("number"))
        pool = sorted(rng.sample(ruicheng, min(len(ruicheng), 80)), key=lambda h: h.number)
        home = resident.resident.household if resident is not None and resident.resident is not None else None
        if home is not None and home not in pool:
            pool.insert(0, home)
        today = self.now.date()
        for months_ago, (rule, name) in zip((7, 2), CHANGJIANGLU_RULES, strict=True):
            day = today - dt.timedelta(days=30 * months_ago + 3)
            self._awards(
                scheme=scheme, households=pool, rule=rule, title=f"{day:%Y年%m月}{name}（长江瑞城）", when=at(day, 10)
            )
        past = today - dt.timedelta(days=40)
        past -= dt.timedelta(days=(past.weekday() - 5) % 7)
        counter = {RUICHENG_GRID: User.objects.get(username="grid")}
        self._day(
            scheme=scheme,
            area=community,
            title="富春江路社区“和邻”积分兑换日",
            place="长江瑞城小区党群服务站",
            starts=at(past, 9),
            hours=3,
            households=pool,
            counter=counter,
        )
        # Open now: started two days ago, ends in five.
        opens = at(today - dt.timedelta(days=2), 9)
        self._day(
            scheme=scheme,
            area=community,
            title="富春江路社区“和邻”积分兑换周",
            place="长江瑞城小区党群服务站",
            starts=opens,
            hours=24 * 7,
            households=[],
            counter=counter,
        )
        # One household picks something up on the open event already, so its counter shows an order.
        event = RedemptionEvent.objects.filter(scheme=scheme).order_by("-starts_at").first()
        if event is not None and home is not None and opens < self.now:
            account = PointsAccount.objects.filter(household=home).select_related("ledger_account").first()
            item = StoreItem.objects.filter(scheme=scheme).order_by("price").first()
            if account is not None and item is not None and account.ledger_account.balance >= item.price:
                with travel(opens + dt.timedelta(hours=2)):
                    redemption_place(actor=counter[RUICHENG_GRID], account=account, event=event, item=item, quantity=1)
                self.counts["orders"] += 1


def seed_points(*, size: str, seed: int, now: dt.datetime) -> dict[str, int]:
    return PointsHistory(size=size, seed=seed, now=now).run()
