"""Statements of the points bank: the passbook (存折) of an account, rankings per grid and community, and the public
board (公示栏) of awards and deductions in their publicity period.

Everything shown to the public names a household the way the villages' own notice boards do: the head's surname and
"某某", plus the micro-grid (王某某 · 小邓网格1号微网格). Nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.areas.codes import child_code_length
from gongzhi.areas.models import Area
from gongzhi.areas.selectors import code_range_q
from gongzhi.core import clock, ledger
from gongzhi.people.models import Resident
from gongzhi.points.models import KIND_AWARD, KIND_DEDUCTION, KIND_REDEMPTION, AwardState, PointsAccount, PointsAward

# Surnames of two characters that the seed's regions meet; everything else takes the first character.
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "端木",
        "轩辕",
        "西门",
        "南宫",
        "独孤",
        "呼延",
    ]
)
HEAD_RELATIONS = ("户主", "本人")
# Awards that count in a ranking: posted and not reversed on appeal.
EARNED_STATES = (AwardState.POSTED, AwardState.APPEALED, AwardState.APPEAL_DISMISSED)
PDF_MAX_POSTINGS = 2000


def mask_name(name: str) -> str:
    """王小明 → 王某某; 欧阳娜娜 → 欧阳某某; blank → 某户."""
    name = (name or "").strip()
    if not name:
        return _("某户")
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES else name[:1]
    return f"{surname}{_('某某')}"


def household_heads(household_ids: list[int]) -> dict[int, str]:
    """The head's name per household: the resident recorded as 户主, else the first one registered."""
    heads: dict[int, tuple[tuple[int, int], str]] = {}
    rows = Resident.objects.filter(household_id__in=household_ids).values_list("household_id", "relation", "id", "name")
    for household_id, relation, rid, name in rows:
        rank = 0 if relation in HEAD_RELATIONS else 1
        key = (rank, rid)
        if household_id not in heads or key < heads[household_id][0]:
            heads[household_id] = (key, name)
    return {hid: name for hid, (_key, name) in heads.items()}


def _area_names(codes: set[str]) -> dict[str, str]:
    return dict(Area.objects.filter(code__in=codes).values_list("code", "name"))


def public_labels(accounts: list[PointsAccount]) -> dict[int, tuple[str, str]]:
    """account id → (masked holder name, micro-grid name)."""
    heads = household_heads([a.household_id for a in accounts if a.household_id])
    person_names = dict(
        Resident.objects.filter(pk__in=[a.resident_id for a in accounts if a.resident_id]).values_list("pk", "name")
    )
    areas = _area_names({a.area_code for a in accounts})
    labels = {}
    for a in accounts:
        if a.household_id:
            name = heads.get(a.household_id, "")
        else:
            name = person_names.get(a.resident_id, "") if a.resident_id else ""
        labels[a.pk] = (mask_name(name), areas.get(a.area_code, a.area_code))
    return labels


# ---------------------------------------------------------------------------------------------------------------
# Passbook


@dataclass(frozen=True)
class PassbookLine:
    posting_id: int
    occurred_at: dt.datetime
    kind: str
    memo: str
    amount: int
    balance_after: int
    reversal: bool

    @property
    def deposit(self) -> int | None:
        return self.amount if self.amount > 0 else None

    @property
    def withdrawal(self) -> int | None:
        return -self.amount if self.amount < 0 else None


KIND_LABELS = {
    "points.opening": gettext_lazy("开户"),
    KIND_AWARD: gettext_lazy("加分"),
    KIND_DEDUCTION: gettext_lazy("扣分"),
    KIND_REDEMPTION: gettext_lazy("积分兑换"),
}


def kind_label(kind: str) -> str:
    """The passbook's category column; capitalised because the English words are shared with running text."""
    if kind.endswith(".reversal"):
        return _("冲正")
    return capfirst(str(KIND_LABELS.get(kind, kind)))


def passbook(*, account: PointsAccount, before_id: int | None = None, limit: int = 50) -> list[PassbookLine]:
    """One page of the passbook, newest first (keyset paged like the ledger's statement)."""
    return [
        PassbookLine(
            posting_id=p.pk,
            occurred_at=p.transaction.occurred_at,
            kind=kind_label(p.transaction.kind),
            memo=p.transaction.memo,
            amount=p.amount,
            balance_after=p.balance_after,
            reversal=p.transaction.reverses_id is not None,
        )
        for p in ledger.statement(account=account.ledger_account, before_id=before_id, limit=limit)
    ]


def passbook_for_print(*, account: PointsAccount, limit: int = PDF_MAX_POSTINGS) -> tuple[list[PassbookLine], bool]:
    """The latest `limit` lines, oldest first as a printed passbook reads, and whether older lines were left out."""
    lines: list[PassbookLine] = []
    before = None
    while len(lines) < limit + 1:
        page = passbook(
            account=account, before_id=before, limit=min(ledger.STATEMENT_MAX_LIMIT, limit + 1 - len(lines))
        )
        if not page:
            break
        lines += page
        before = page[-1].posting_id
    truncated = len(lines) > limit
    return list(reversed(lines[:limit])), truncated


def holder_label(account: PointsAccount) -> str:
    """The full name on the account's own passbook (its holder sees it unmasked)."""
    if account.household_id:
        head = household_heads([account.household_id]).get(account.household_id)
        return f"{head or ''} {account.household.address}".strip() if account.household else account.ledger_account.name
    return account.ledger_account.name


# ---------------------------------------------------------------------------------------------------------------
# Rankings


@dataclass(frozen=True)
class RankRow:
    rank: int
    label: str
    area_name: str
    points: int
    count: int = 0


def _earned(area_code: str, since: dt.date | None) -> QuerySet[PointsAward]:
    qs = PointsAward.objects.filter(code_range_q(area_code, "area_code"), state__in=EARNED_STATES)
    if since is not None:
        qs = qs.filter(period__gte=since)
    return qs


def _ranked(rows: list[tuple[str, str, int, int]]) -> list[RankRow]:
    """Competition ranking (1, 2, 2, 4): equal points share a rank."""
    out, previous, rank = [], None, 0
    for i, (label, area_name, points, count) in enumerate(rows, start=1):
        if points != previous:
            rank, previous = i, points
        out.append(RankRow(rank=rank, label=label, area_name=area_name, points=points, count=count))
    return out


def ranking_households(*, area_code: str, since: dt.date | None = None, limit: int = 50) -> list[RankRow]:
    """Households (accounts) of an area by points earned (awards minus deductions, posted, not reversed)."""
    totals = list(
        _earned(area_code, since)
        .values("account_id")
        .annotate(points=Sum("points"))
        .order_by("-points", "account_id")[:limit]
    )
    accounts = {a.pk: a for a in PointsAccount.objects.filter(pk__in=[t["account_id"] for t in totals])}
    labels = public_labels(list(accounts.values()))
    return _ranked([(*labels[t["account_id"]], t["points"], 0) for t in totals])


def ranking_areas(*, area_code: str, since: dt.date | None = None) -> list[RankRow]:
    """The areas one level below `area_code` (grids of a community, communities of a street) by points earned per
    household that earned any, so a large grid does not win by size alone; `count` is those households."""
    child_length = child_code_length(area_code)
    if child_length is None:
        return []
    rows = list(
        _earned(area_code, since)
        .annotate(child=Substr("area_code", 1, child_length))
        .values("child")
        .annotate(points=Sum("points"), households=Count("account_id", distinct=True))
    )
    names = _area_names({r["child"] for r in rows})
    scored = [
        (names.get(r["child"], r["child"]), r["child"], r["points"] // r["households"], r["households"]) for r in rows
    ]
    scored.sort(key=lambda r: (-r[2], r[1]))
    return _ranked([(name, code, avg, n) for name, code, avg, n in scored])


# ---------------------------------------------------------------------------------------------------------------
# The public board


@dataclass(frozen=True)
class BoardRow:
    award_id: int
    holder: str
    area_name: str
    rule: str
    dimension: str
    points: int
    state: str
    published_at: dt.datetime
    publicity_ends_at: dt.datetime
    objected: bool = False  # the page tags these; comparing the translated state name breaks in English


def public_board(*, area_code: str, at: dt.datetime | None = None, limit: int = 200) -> list[BoardRow]:
    """Awards and deductions of an area in their publicity period now (published, or objected to while it runs)."""
    at = at or clock.now()
    awards = list(
        PointsAward.objects.filter(
            code_range_q(area_code, "area_code"),
            state__in=(AwardState.PUBLISHED, AwardState.OBJECTED),
            published_at__lte=at,
            publicity_ends_at__gt=at,
        )
        .select_related("rule", "account")
        .order_by("publicity_ends_at", "id")[:limit]
    )
    labels = public_labels(list({a.account_id: a.account for a in awards}.values()))
    return [
        BoardRow(
            award_id=a.pk,
            holder=labels[a.account_id][0],
            area_name=labels[a.account_id][1],
            rule=a.rule.name,
            dimension=str(a.rule.get_dimension_display()),
            points=a.points,
            state=str(a.get_state_display()),
            published_at=a.published_at,
            publicity_ends_at=a.publicity_ends_at,
            objected=a.state == AwardState.OBJECTED,
        )
        for a in awards
        if a.published_at is not None and a.publicity_ends_at is not None  # always: the query asks for both
    ]
