"""Twelve months of appeals (诉求) in the demo district, made by the appeals app's own actions.

Each appeal is submitted through `appeal_submit` from one of the channels and then moved by
`appeal_transition`, `summons_*`, with "now" moved to the moment of each move: accepted within minutes, arrived on
site inside the 7 minutes (mostly), handled before its 1/3/5-day limit (mostly), verified, closed (a public one's
result goes on the notice board) and rated. Some are escalated (by the worker, or by the sweep's system move when
the limit passed), suspended and resumed, extended, failed at verification, cancelled, or have a department
summoned (吹哨报到). A move whose moment is still to come is not made, so the last days' appeals are open in
every state, and a few recent ones were left lying and are overdue.

The shape follows seed 004: the complaints that reach the 12345 hotline and 诉速办 fall by 61 % over the year
while the grid's own patrol reports rise, and more than 90 % of the ratings are satisfied or basically satisfied.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from gongzhi.accounts.models import Role, User
from gongzhi.appeals.actions import appeal_submit, appeal_transition
from gongzhi.appeals.models import Appeal, Category, Channel, Level, Rating, State
from gongzhi.appeals.summons import summons_create, summons_rate, summons_report_in, summons_result
from gongzhi.areas.codes import code_at
from gongzhi.areas.models import Area, AreaLevel
from gongzhi.people.demo.generator import RUICHENG_GRID
from gongzhi.people.demo.logins import DEMO_LOGINS
from gongzhi.people.models import Department, Resident
from gongzhi.web.history import texts
from gongzhi.web.history.common import APPEALS_PER_MONTH, Cast, login, month_starts, travel

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

# The categories residents write about most, weighted (the rest share what is left).
COMMON = {
    "parking-car": 9,
    "neighbour-noise": 8,
    "sanitation-garbage": 8,
    "neighbour-leak": 6,
    "fire_lane-blocked": 5,
    "fire_lane-corridor": 5,
    "safety-ebike": 5,
    "property-elevator": 4,
    "parking-bike": 4,
    "facilities-streetlight": 3,
    "property-cleaning": 3,
    "livelihood-consult": 3,
}
PUBLIC_PREFIXES = ("parking-", "fire_lane-", "sanitation-", "facilities-", "city-")
# The department a category's summons goes to (its street's), for the categories that need one.
SUMMONED = {
    "parking-car": "chengguan",
    "parking-abandoned": "chengguan",
    "parking-space": "chengguan",
    "fire_lane-blocked": "chengguan",
    "city-vending": "chengguan",
    "city-construction": "chengguan",
    "sanitation-construction_waste": "chengguan",
    "neighbour-leak": "police",
    "neighbour-noise": "police",
    "safety-falling": "police",
    "property-fees": "police",
    "safety-structure": "police",
    "utilities-power": "power",
    "facilities-charging": "power",
    "safety-ebike": "power",
}
MICROGRID_LOGIN = next(d.area_code for d in DEMO_LOGINS if d.role == Role.MICROGRID_WORKER)
RESIDENT_LOGIN = next(d for d in DEMO_LOGINS if d.role == Role.RESIDENT)
# The demo logins given work in hand today (open_now), and those who only report and so see their own appeals.
OPEN_FOR = ("microgrid", "grid", "community", "street", "admin")
REPORTING = ("party", "volunteer", "partner", "children")


@dataclass
class Planned:
    at: dt.datetime
    month: int
    channel: str
    micro: str
    category: Category
    reporter_login: bool  # the demo resident reports it (their own micro-grid)


class AppealsHistory:
    def __init__(self, *, size: str, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(f"{seed}:history:appeals")
        self.size, self.now = size, now
        self.cast = Cast.load()
        self.counts = {
            "appeals": 0,
            "open_now": 0,
            "escalated": 0,
            "summons": 0,
            "rated": 0,
            "cancelled": 0,
            "reopened": 0,
            "notices": 0,
        }
        self._serial = 0
        self._reporters: dict[str, User] = {}
        self._departments: dict[str, tuple[Department, User]] = {}

    # ------------------------------------------------------------------------------------------------ the plan

    def plan(self) -> list[Planned]:
        rng = self.rng
        categories = list(Category.objects.filter(parent__isnull=False, is_active=True).order_by("sort_order", "code"))
        weights = [COMMON.get(c.code, 1) for c in categories]
        micros = list(Area.objects.filter(level=AreaLevel.MICROGRID).order_by("code").values_list("code", flat=True))
        ruicheng = [c for c in micros if c.startswith(RUICHENG_GRID)]
        lingshanwei = [c for c in micros if c.startswith("370211001")]
        per_month = APPEALS_PER_MONTH[self.size]
        planned: list[Planned] = []
        today = self.now.date()
        for m, start in enumerate(month_starts(today)):
            end = (start + dt.timedelta(days=32)).replace(day=1)
            days = (end - start).days
            falling = 1 - 0.61 * m / 11  # the 12345 / 诉速办 complaints: down 61 % from the first month to the last
            mix = {
                Channel.HOTLINE_12345: round(0.20 * per_month * falling),
                Channel.SUSUBAN: round(0.14 * per_month * falling),
                Channel.GRID_REPORT: round(per_month * (0.16 + 0.14 * m / 11)),
                Channel.RESIDENT_WEB: round(0.20 * per_month),
                Channel.SNAPSHOT: round(0.14 * per_month),
                Channel.WALK_IN: round(0.06 * per_month),
                Channel.OPEN311: max(1, round(0.03 * per_month)),
                Channel.API: max(1, round(0.02 * per_month)),
            }
            for channel, n in mix.items():
                for _ in range(n):
                    moment = dt.datetime.combine(
                        start + dt.timedelta(days=rng.randrange(days)),
                        dt.time(rng.randint(7, 20), rng.randrange(60)),
                        tzinfo=self.now.tzinfo,
                    )
                    where = rng.random()
                    if where < 0.12:
                        micro = MICROGRID_LOGIN
                    elif where < 0.35:
                        micro = rng.choice(ruicheng)
                    elif where < 0.55:
                        micro = rng.choice(lingshanwei)
                    else:
                        micro = rng.choice(micros)
                    category = rng.choices(categories, weights)[0]
                    mine = channel == Channel.RESIDENT_WEB and micro == MICROGRID_LOGIN and rng.random() < 0.5
                    if moment < self.now - HOUR:
                        planned.append(Planned(moment, m, channel, micro, category, mine))
        planned.sort(key=lambda p: (p.at, p.micro, p.channel))
        return planned

    # ------------------------------------------------------------------------------------------------ accounts

    def _reporter(self, micro: str, mine: bool) -> User:
        if mine:
            return User.objects.get(username=RESIDENT_LOGIN.username)
        community = code_at(micro, AreaLevel.COMMUNITY)
        user = self._reporters.get(community)
        if user is None:
            name = (
                Resident.objects.filter(area_code__startswith=community).order_by("id").values_list("name", flat=True)
            ).first() or "居民"
            user = User.objects.filter(username=f"jm{community}").first() or login_plain(
                actor=self.cast.admin, username=f"jm{community}", display_name=name
            )
            self._reporters[community] = user
        return user

    def _department(self, micro: str, kind: str) -> tuple[Department, User] | None:
        street = code_at(micro, AreaLevel.STREET)
        key = f"{street[6:]}-{kind}"
        if key not in self._departments:
            department = Department.objects.filter(code=key).first()
            if department is None:
                return None
            demo = User.objects.filter(memberships__department=department, memberships__role=Role.DEPARTMENT).first()
            user = demo or login(
                actor=self.cast.admin,
                username=f"dept-{key}",
                display_name=department.name,
                role=Role.DEPARTMENT,
                area=Area.objects.get(code=street),
                department=department,
            )
            self._departments[key] = (department, user)
        return self._departments[key]

    def _owner(self, micro: str) -> User:
        return self.cast.owners.get(code_at(micro, AreaLevel.GRID)) or self.cast.admin

    # ------------------------------------------------------------------------------------------------ one appeal

    def run(self) -> dict[str, int]:
        for item in self.plan():
            self.one(item)
        self.open_now()
        return self.counts

    def open_now(self) -> None:
        """Work in hand this morning for every demo login, so each lands on its own: two appeals assigned to each
        staff login that handles appeals (one still to accept, one accepted), a summons the department has not
        reported in to yet, and an appeal each of the logins that report rather than handle has sent."""
        micros = list(Area.objects.filter(level=AreaLevel.MICROGRID).order_by("code").values_list("code", flat=True))
        category = (
            Category.objects.filter(code="sanitation-garbage").first()
            or Category.objects.filter(parent__isnull=False, is_active=True).order_by("sort_order", "code").first()
        )
        if category is None or not micros:
            return
        for n, demo in enumerate(d for d in DEMO_LOGINS if d.username in OPEN_FOR):
            user = User.objects.get(username=demo.username)
            micro = (
                MICROGRID_LOGIN
                if MICROGRID_LOGIN.startswith(demo.area_code)
                else next((c for c in micros if c.startswith(demo.area_code)), micros[0])
            )
            for k in range(2):
                at = self.now - (n * 2 + k + 2) * HOUR
                with travel(at):
                    appeal = appeal_submit(
                        actor=self.cast.admin,
                        description=texts.description(self.rng, category.code, category.name, ""),
                        channel=Channel.API,
                        category=category.code,
                        area_code=micro,
                    ).appeal
                appeal = self._move(at + 5 * MINUTE, self.cast.admin, appeal, "dispatch", assignee_id=user.pk) or appeal
                self.counts["open_now"] += 1
                if k == 1:
                    appeal = self._move(at + 9 * MINUTE, user, appeal, "accept") or appeal
                    if demo.username == "microgrid":
                        kind = next(iter(SUMMONED.values()))
                        found = self._department(micro, kind)
                        if found is not None:
                            with travel(at + 30 * MINUTE):
                                summons_create(
                                    actor=self._owner(micro),
                                    appeal_id=appeal.pk,
                                    departments=[found[0].code],
                                    reason=texts.SUMMONS_REASONS[kind],
                                )
                            self.counts["summons"] += 1
        for n, demo in enumerate(d for d in DEMO_LOGINS if d.username in REPORTING):
            user = User.objects.get(username=demo.username)
            micro = (
                MICROGRID_LOGIN
                if MICROGRID_LOGIN.startswith(demo.area_code)
                else next((c for c in micros if c.startswith(demo.area_code)), micros[0])
            )
            with travel(self.now - (n + 1) * 3 * HOUR):
                appeal_submit(
                    actor=user,
                    description=texts.description(self.rng, category.code, category.name, ""),
                    channel=Channel.RESIDENT_WEB,
                    category=category.code,
                    area_code=micro,
                )
            self.counts["open_now"] += 1

    def _move(self, when: dt.datetime, actor: User | None, appeal: Appeal, action: str, **kw: Any) -> Appeal | None:
        """Make the move at `when`, or nothing when `when` has not come yet (the appeal stays where it is)."""
        if when >= self.now:
            return None
        with travel(when):
            return appeal_transition(actor=actor, appeal=appeal.pk, action=action, **kw)

    def one(self, p: Planned) -> None:
        rng = self.rng
        owner = self._owner(p.micro)
        worker = self.cast.on_duty.get(p.micro, owner)
        area_name = Area.objects.filter(code=p.micro).values_list("name", flat=True).first() or ""
        place = area_name.removesuffix("微网格")
        code = p.category.code
        self._serial += 1
        kwargs: dict[str, Any] = {}
        if p.channel in (Channel.RESIDENT_WEB, Channel.SNAPSHOT):
            actor = self._reporter(p.micro, p.reporter_login)
        elif p.channel == Channel.GRID_REPORT:
            actor = worker
        elif p.channel in (Channel.HOTLINE_12345, Channel.SUSUBAN, Channel.WALK_IN):
            actor = owner
            if p.channel != Channel.WALK_IN:
                prefix = "12345" if p.channel == Channel.HOTLINE_12345 else "SSB"
                kwargs["external_ref"] = f"{prefix}-{p.at:%Y%m%d}-{self._serial:05d}"
            kwargs["contact_name"] = rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(["女士", "先生", "阿姨", "大爷"])
            kwargs["contact_phone"] = "1" + rng.choice("3578") + f"{rng.randrange(10**9):09d}"
        else:
            actor = self.cast.admin
        uncategorised = rng.random() < 0.06
        cancelled = uncategorised and rng.random() < 0.35
        public = code.startswith(PUBLIC_PREFIXES) and rng.random() < 0.5
        with travel(p.at):
            appeal = appeal_submit(
                actor=actor,
                description=texts.description(rng, code, p.category.name, place),
                channel=p.channel,
                category=None if uncategorised else code,
                area_code=p.micro,
                address=place,
                is_public=public,
                **kwargs,
            ).appeal
        self.counts["appeals"] += 1
        t = p.at
        if uncategorised:
            t += rng.randint(10, 90) * MINUTE
            if cancelled:
                if self._move(t, owner, appeal, "cancel", note=rng.choice(texts.CANCEL_NOTES)):
                    self.counts["cancelled"] += 1
                return
            moved = self._move(t, owner, appeal, "register", category=code)
            if moved is None or self._move(t + MINUTE, owner, moved, "dispatch") is None:
                return
            t += MINUTE
        appeal = Appeal.objects.get(pk=appeal.pk)
        if appeal.assignee_id is None:  # a street matter: the street's board dispatches it to the grid
            t += rng.randint(10, 40) * MINUTE
            if self._move(t, self.cast.admin, appeal, "dispatch", assignee_id=owner.pk) is None:
                return
            appeal = Appeal.objects.get(pk=appeal.pk)
        handler = appeal.assignee or owner
        # 7135: signed for at once, on site inside 7 minutes (most of the time).
        t += rng.randint(1, 4) * MINUTE
        accepted = self._move(t, handler, appeal, "accept")
        if accepted is None:
            return
        appeal = accepted
        if p.category.on_site:
            t += (rng.randint(2, 5) if rng.random() < 0.9 else rng.randint(8, 25)) * MINUTE
            arrived = self._move(t, handler, appeal, "arrive")
            if arrived is None:
                return
            appeal = arrived
        roll = rng.random()
        recent = (self.now - p.at) < dt.timedelta(days=30)
        if recent and roll < 0.04:
            # Left lying: the deadline passes and the sweep's system move escalates it; still open now.
            self._auto_escalate(appeal, owner)
            return
        if roll < 0.06 and appeal.handling_level == Level.MICROGRID:
            t += rng.randint(1, 5) * HOUR
            escalated = self._move(t, handler, appeal, "escalate", note=rng.choice(texts.ESCALATE_NOTES))
            if escalated is None:
                return
            self.counts["escalated"] += 1
            handler = escalated.assignee or owner
            t += rng.randint(5, 40) * MINUTE
            accepted = self._move(t, handler, escalated, "accept")
            if accepted is None:
                return
            appeal = accepted
        late = rng.random() < 0.08
        kind = SUMMONED.get(code)
        if kind and (rng.random() < 0.25 or appeal.handling_level == Level.STREET):
            after = self._summons(appeal, owner, kind, t)
            if after is None:
                return
            t = after
        if rng.random() < 0.03:
            t += rng.randint(1, 4) * HOUR
            suspended = self._move(t, owner, appeal, "suspend", note=rng.choice(texts.SUSPEND_NOTES))
            if suspended is None:
                return
            t += rng.randint(1, 3) * DAY
            resumed = self._move(t, owner, suspended, "resume")
            if resumed is None:
                return
            appeal = resumed
        if rng.random() < 0.03:
            t += rng.randint(1, 3) * HOUR
            extended = self._move(t, owner, appeal, "extend", note=rng.choice(texts.EXTEND_NOTES), days=2)
            if extended is None:
                return
            appeal = extended
        due = appeal.due_at or (t + DAY)
        if late:
            if appeal.handling_level != Level.STREET and due + 5 * MINUTE < self.now:
                appeal = self._auto_escalate(appeal, owner) or appeal
                if appeal.state != State.ACCEPTED:
                    return
                due = appeal.due_at or due
            handle_at = due + rng.randint(2, 20) * HOUR
        else:
            handle_at = max(t + 10 * MINUTE, t + (due - t) * rng.uniform(0.1, 0.8))
        appeal = self._finish(appeal, p, handle_at, rng.random() < 0.03)

    def _summons(self, appeal: Appeal, owner: User, kind: str, t: dt.datetime) -> dt.datetime | None:
        rng = self.rng
        found = self._department(appeal.area_code, kind)
        if found is None:
            return t
        department, dept_user = found
        t += rng.randint(20, 90) * MINUTE
        if t >= self.now:
            return None
        with travel(t):
            summoned = summons_create(
                actor=owner, appeal_id=appeal.pk, departments=[department.code], reason=texts.SUMMONS_REASONS[kind]
            )[0]
        self.counts["summons"] += 1
        t += rng.randint(8, 28 if rng.random() < 0.9 else 60) * MINUTE
        if t >= self.now:
            return None
        with travel(t):
            summons_report_in(actor=dept_user, summons_id=summoned.pk, note="已到场")
        t += rng.randint(2, 20) * HOUR
        if t >= self.now:
            return None
        with travel(t):
            summons_result(actor=dept_user, summons_id=summoned.pk, result=texts.SUMMONS_RESULTS[kind])
        t += rng.randint(1, 4) * HOUR
        if t >= self.now:
            return None
        with travel(t):
            summons_rate(actor=owner, summons_id=summoned.pk, score=rng.choice([5, 5, 5, 4, 4, 3]))
        return t

    def _auto_escalate(self, appeal: Appeal, owner: User) -> Appeal | None:
        """The sweep's move when the limit passed: escalated by the system as of then, then signed for again."""
        appeal = Appeal.objects.get(pk=appeal.pk)
        if appeal.due_at is None or appeal.handling_level == Level.STREET:
            return None
        when = appeal.due_at + 5 * MINUTE
        if when >= self.now:
            return None
        escalated = appeal_transition(
            actor=None,
            appeal=appeal.pk,
            action="escalate",
            system=True,
            as_of=when,
            note="超过办结期限，系统自动上报",
        )
        self.counts["escalated"] += 1
        if escalated.assignee_id is None:
            moved = self._move(when + 20 * MINUTE, self.cast.admin, escalated, "dispatch", assignee_id=owner.pk)
            if moved is None:
                return None
            escalated = moved
        return self._move(when + 30 * MINUTE, escalated.assignee or owner, escalated, "accept")

    def _finish(self, appeal: Appeal, p: Planned, handle_at: dt.datetime, fails: bool) -> Appeal:
        rng = self.rng
        owner = self._owner(p.micro)
        handler = appeal.assignee or owner
        note = texts.handling(p.category.code)
        handled = self._move(handle_at, handler, appeal, "handle", note=note)
        if handled is None:
            return appeal
        t = handle_at + rng.randint(1, 6) * HOUR
        if fails:
            failed = self._move(t, owner, handled, "fail_verification", note=rng.choice(texts.FAIL_NOTES))
            if failed is None:
                return handled
            t += rng.randint(4, 20) * HOUR
            handled = self._move(t, handler, failed, "handle", note=note) or failed
            if handled.state != State.HANDLED:
                return handled
            t += rng.randint(1, 4) * HOUR
        verified = self._move(t, owner, handled, "verify")
        if verified is None:
            return handled
        t += rng.randint(5, 90) * MINUTE
        closed = self._move(t, owner, verified, "close")
        if closed is None:
            return verified
        if closed.is_public:
            self.counts["notices"] += 1
        if rng.random() < 0.1:
            return closed  # not rated (yet)
        rater = closed.reporter or owner
        t += rng.randint(2, 30) * HOUR
        unsatisfied = rng.random() < 0.10 - 0.06 * p.month / 11
        rating = Rating.UNSATISFIED if unsatisfied else (Rating.BASICALLY if rng.random() < 0.1 else Rating.SATISFIED)
        rated = self._move(t, rater, closed, "rate", rating=rating)
        if rated is None:
            return closed
        self.counts["rated"] += 1
        if rating != Rating.UNSATISFIED:
            return rated
        # An unsatisfied rating reopened it (返工): handled again, closed again, rated again.
        self.counts["reopened"] += 1
        t += rng.randint(4, 24) * HOUR
        again = self._move(t, rated.assignee or owner, rated, "handle", note=note)
        if again is None:
            return rated
        t += rng.randint(1, 4) * HOUR
        verified = self._move(t, owner, again, "verify")
        if verified is None:
            return again
        t += rng.randint(5, 60) * MINUTE
        closed = self._move(t, owner, verified, "close")
        if closed is None:
            return verified
        t += rng.randint(2, 30) * HOUR
        rated = self._move(t, closed.reporter or owner, closed, "rate", rating=Rating.BASICALLY)
        if rated is not None:
            self.counts["rated"] += 1
            return rated
        return closed


def login_plain(*, actor: User, username: str, display_name: str) -> User:
    """A resident's login that reports appeals (no membership: residents need none to report)."""
    from gongzhi.accounts.actions import user_create

    return user_create(actor=actor, username=username, password=None, display_name=display_name)


def seed_appeals(*, size: str, seed: int, now: dt.datetime) -> dict[str, int]:
    return AppealsHistory(size=size, seed=seed, now=now).run()
