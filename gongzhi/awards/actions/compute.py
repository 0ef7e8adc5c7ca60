"""Computing a scheme's results from the data (scoring), each stored with its explanation.

A computation writes a result per subject: new subjects get a `computed` result; a result still `computed` is
brought up to date (a `recompute` event when anything changed); a confirmed, rejected or published result keeps
what was confirmed. Results are written in bulk (a street has thousands of party members); the state column
itself only ever changes through the RESULT lifecycle (actions.workflow).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.awards import scoring
from gongzhi.awards.actions.schemes import CONFIGURE, scheme_lock
from gongzhi.awards.models import AwardEvent, Nomination, Result, ResultState, Scheme, SchemeKind
from gongzhi.core import clock
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import ValidationFailed

if TYPE_CHECKING:
    from gongzhi.accounts.models import User


@dataclass
class Row:
    key: tuple[str, int]
    area_id: int
    area_code: str
    subject_name: str
    score: Decimal
    stars: int
    votes: int
    rank: int | None
    explanation: list[dict[str, Any]]
    party_member_id: int | None = None
    nomination_id: int | None = None


def _party_rows(scheme: Scheme) -> list[Row]:
    rows = []
    for m, raws in scoring.party_facts(street=scheme.area_code, starts_on=scheme.starts_on, ends_on=scheme.ends_on):
        score, stars, explanation = scoring.explain(scheme.kind, scheme.config, raws)
        rows.append(Row(("m", m.id), m.area_id, m.area_code, m.name, score, stars, 0, None, explanation, m.id))
    return rows


def _grid_rows(scheme: Scheme) -> list[Row]:
    rows = []
    for grid, raws in scoring.grid_facts(street=scheme.area_code, starts_on=scheme.starts_on, ends_on=scheme.ends_on):
        score, stars, explanation = scoring.explain(scheme.kind, scheme.config, raws)
        rows.append(Row(("a", grid.pk), grid.pk, grid.code, grid.name, score, stars, 0, None, explanation))
    return rows


def _honour_rows(scheme: Scheme) -> list[Row]:
    """Each nomination with its votes and its rank in its community (more votes first, then the earlier one)."""
    nominations = list(
        Nomination.objects.filter(scheme=scheme)
        .annotate(n=Count("votes"))
        .order_by("area_code", "-n", "created_at", "id")
    )
    per_area: dict[str, list[Any]] = defaultdict(list)
    for nom in nominations:
        per_area[nom.area_code].append(nom)
    rows = []
    for code, noms in per_area.items():
        for rank, nom in enumerate(noms, start=1):
            votes = int(nom.n)
            winner = rank <= scheme.winners_per_community and votes > 0
            why = _("本社区第 %(r)d 名（共 %(k)d 个提名，评选名额 %(q)d）") % {
                "r": rank, "k": len(noms), "q": scheme.winners_per_community,
            }  # fmt: skip
            explanation: list[dict[str, Any]] = [
                {"key": "votes", "label": str(_("居民投票")), "value": votes, "target": None, "ratio": None,
                 "weight": 100, "points": votes, "source_count": votes, "source": "awards.Vote", "why": why},
                {"key": "winner", "label": str(_("是否入选")), "value": 1 if winner else 0, "target": None,
                 "ratio": None, "weight": 0, "points": 0, "source_count": len(noms), "source": "awards.Nomination",
                 "why": str(_("入选")) if winner else str(_("未入选"))},
            ]  # fmt: skip
            rows.append(
                Row(
                    ("n", nom.pk),
                    nom.area_id,
                    code,
                    nom.nominee_name,
                    Decimal(votes),
                    0,
                    votes,
                    rank,
                    explanation,
                    nomination_id=nom.pk,
                )
            )
    return rows


def _key(r: Result) -> tuple[str, int]:
    if r.party_member_id:
        return ("m", r.party_member_id)
    if r.nomination_id:
        return ("n", r.nomination_id)
    return ("a", r.area_id)


FIELDS = ("score", "stars", "votes", "rank", "explanation", "subject_name")


@transaction.atomic
def scheme_compute(*, actor: User, scheme_id: int, now: dt.datetime | None = None) -> dict[str, int]:
    """Compute (or bring up to date) the scheme's results. Needs `awards.configure` over the street; an honour only
    once its vote has closed. Answers how many results were created, updated, left as they were and kept."""
    scheme = scheme_lock(scheme_id)
    rules.require(actor, CONFIGURE, scheme.area_code)
    now = now or clock.now()
    if scheme.kind == SchemeKind.HONOUR:
        if scheme.votes_close_at is None or now < scheme.votes_close_at:
            raise ValidationFailed(_("投票截止后才能计算结果"), field="scheme_id")
        rows = _honour_rows(scheme)
    elif scheme.kind == SchemeKind.PARTY_STARS:
        rows = _party_rows(scheme)
    else:
        rows = _grid_rows(scheme)
    existing = {_key(r): r for r in Result.objects.filter(scheme=scheme)}
    created: list[Result] = []
    updated: list[Result] = []
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept": 0}
    for row in rows:
        result = existing.get(row.key)
        values = {"score": row.score, "stars": row.stars, "votes": row.votes, "rank": row.rank,
                  "explanation": row.explanation, "subject_name": row.subject_name[:100]}  # fmt: skip
        if result is None:
            created.append(
                Result(
                    scheme=scheme,
                    party_member_id=row.party_member_id,
                    nomination_id=row.nomination_id,
                    area_id=row.area_id,
                    area_code=row.area_code,
                    computed_at=now,
                    **values,
                )
            )
        elif result.state != ResultState.COMPUTED:
            counts["kept"] += 1
        elif any(getattr(result, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(result, f, v)
            result.computed_at = now
            result.version += 1
            updated.append(result)
        else:
            counts["unchanged"] += 1
    Result.objects.bulk_create(created, batch_size=500)
    if not all(r.pk for r in created):  # SQLite < 3.35 does not return ids from bulk inserts
        keyed = {_key(r): r for r in Result.objects.filter(scheme=scheme)}
        created = [keyed[_key(r)] for r in created]
    Result.objects.bulk_update(updated, [*FIELDS, "computed_at", "version"], batch_size=500)
    AwardEvent.objects.bulk_create(
        [AwardEvent(result=r, action="compute", from_state="", to_state=ResultState.COMPUTED, actor=actor, at=now,
                    data={"score": str(r.score), "stars": r.stars, "votes": r.votes}) for r in created]
        + [AwardEvent(result=r, action="recompute", from_state=r.state, to_state=r.state, actor=actor, at=now,
                      data={"score": str(r.score), "stars": r.stars, "votes": r.votes}) for r in updated],
        batch_size=500,
    )  # fmt: skip
    counts["created"], counts["updated"] = len(created), len(updated)
    scheme.computed_at = now
    scheme.save(update_fields=["computed_at"])
    audit_record(actor=actor, action="awards.scheme.compute", target=scheme, area_code=scheme.area_code, data=counts)
    return counts
