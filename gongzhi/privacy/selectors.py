"""Reads of residents' rights: a resident's own data (PIPL art. 45, the right to a copy) and the correction queue.

`my_data(user)` gathers what the platform holds about the signed-in user, through the reads each app already makes
for that user's own pages, so the copy shows nothing the user could not already see about themselves:

- profile: the login, their roles, their resident record (ID and phone numbers in full: it is their own data, and
  the download is audited as `privacy.export`), their household's address — not the other members of it;
- appeals: every appeal they reported, with its timeline (`appeals.page_data`);
- points: the account they use (their own, or their household's in a household scheme: the passbook of their
  points page, `points.statements.passbook`) and their redemption orders;
- volunteering: their volunteer record (`volunteering.selectors.volunteer_record`) and sign-ups;
- their correction requests.

This package sits above appeals, points and volunteering in the layers (`.importlinter`), below `web`.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.accounts.models import Membership
from gongzhi.appeals import page_data
from gongzhi.appeals.models import Appeal
from gongzhi.core import ledger, pii
from gongzhi.core.errors import NotFound, PermissionDenied
from gongzhi.points import selectors as points_selectors
from gongzhi.points import statements
from gongzhi.points.models import RedemptionOrder
from gongzhi.privacy.models import CorrectionRequest, CorrectionStatus
from gongzhi.volunteering import selectors as volunteering_selectors
from gongzhi.volunteering.models import Signup

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

APPEALS_MAX = 5_000
POSTINGS_MAX = 10_000
QUEUE_LIMIT = 200


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, decimals as text (no float rounding), containers walked."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _profile(user: User) -> dict[str, Any]:
    roles = [
        {"role": m.get_role_display(), "area": m.area.name, "area_code": m.area.code}
        for m in Membership.objects.filter(user=user).select_related("area").order_by("id")
    ]
    out: dict[str, Any] = {
        "username": user.username,
        "display_name": user.display_name,
        "phone": _user_phone(user),
        "date_joined": user.date_joined,
        "last_login": user.last_login,
        "roles": roles,
        "resident": None,
    }
    resident = user.resident
    if resident is not None:
        household = resident.household
        out["resident"] = {
            "name": resident.name,
            "gender": resident.get_gender_display(),
            "birth_date": resident.birth_date,
            "id_number": resident.id_number_plain,
            "phone": resident.phone_plain,
            "relation": resident.relation,
            "area_code": resident.area_code,
            "tags": [t.name for t in resident.tags.order_by("name")],
            "household": (
                {"number": household.number, "address": household.address, "room": household.room}
                if household is not None
                else None
            ),
            "created_at": resident.created_at,
            "updated_at": resident.updated_at,
        }
    return out


def _user_phone(user: User) -> str:
    return pii.decrypt(user.phone_encrypted) if user.phone_encrypted else ""


def _appeals(user: User) -> list[dict[str, Any]]:
    rows = []
    for appeal in (
        Appeal.objects.filter(reporter_id=user.pk).select_related("category", "area").order_by("id")[:APPEALS_MAX]
    ):
        rows.append(
            {
                "number": appeal.number,
                "created_at": appeal.created_at,
                "description": appeal.description,
                "address": appeal.address,
                "area": appeal.area.name,
                "category": appeal.category.name if appeal.category is not None else "",
                "channel": appeal.get_channel_display(),
                "contact_phone": appeal.phone_plain,
                "state": appeal.get_state_display(),
                "closed_at": appeal.closed_at,
                "rating": appeal.get_rating_display() if appeal.rating else "",
                "timeline": [
                    {
                        "at": e.event.occurred_at,
                        "action": e.label,
                        "from": e.from_label,
                        "to": e.to_label,
                        "note": e.event.note,
                        "rating": e.rating,
                    }
                    for e in page_data.timeline(appeal)
                ],
            }
        )
    return rows


def _points(user: User) -> dict[str, Any] | None:
    account = points_selectors.own_account(user)
    if account is None:
        return None
    lines: list[statements.PassbookLine] = []
    before = None
    while len(lines) < POSTINGS_MAX:
        page = statements.passbook(account=account, before_id=before, limit=ledger.STATEMENT_MAX_LIMIT)
        if not page:
            break
        lines += page
        before = page[-1].posting_id
    orders = RedemptionOrder.objects.filter(account=account, placed_by=user).select_related("offer__item")
    return {
        "scheme": account.scheme.name,
        "holder": statements.holder_label(account),
        "household_account": account.household_id is not None,
        "balance": account.ledger_account.balance,
        "passbook": [
            {
                "at": line.occurred_at,
                "kind": line.kind,
                "memo": line.memo,
                "amount": line.amount,
                "balance_after": line.balance_after,
            }
            for line in reversed(lines[:POSTINGS_MAX])
        ],
        "orders": [
            {
                "placed_at": o.placed_at,
                "item": o.offer.item.name,
                "quantity": o.quantity,
                "points": o.points,
                "state": o.get_state_display(),
                "fulfilled_at": o.fulfilled_at,
                "cancelled_at": o.cancelled_at,
            }
            for o in orders.order_by("id")
        ],
    }


def _volunteering(user: User) -> dict[str, Any] | None:
    volunteer = volunteering_selectors.volunteer_for_user(user)
    if volunteer is None:
        return None
    record = volunteering_selectors.volunteer_record(volunteer)
    signups = Signup.objects.filter(volunteer=volunteer).select_related("activity").order_by("id")
    return {
        "number": volunteer.number,
        "name": volunteer.name,
        "kind": volunteer.get_kind_display(),
        "area": record.area_name,
        "registered_at": volunteer.registered_at,
        "total_hours": record.total_hours,
        "hours_by_year": {str(year): hours for year, hours in record.hours_by_year.items()},
        "services": record.services,
        "trainings": record.trainings,
        "honours": record.honours,
        "certificates": [c.number for c in record.certificates],
        "signups": [
            {
                "activity": s.activity.title,
                "starts_at": s.activity.starts_at,
                "status": s.get_status_display(),
                "created_at": s.created_at,
            }
            for s in signups
        ],
    }


def corrections_of(user: User) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(requested_by=user).order_by("-id")


def _corrections(user: User) -> list[dict[str, Any]]:
    return [
        {"id": c.pk, "subject": c.get_subject_display(), "description": c.description, "status": c.get_status_display(),
         "reason": c.reason, "resolution": c.resolution, "created_at": c.created_at, "decided_at": c.decided_at,
         "corrected_at": c.corrected_at}
        for c in corrections_of(user)
    ]  # fmt: skip


def my_data(user: User) -> dict[str, Any]:
    """Everything above, JSON-ready (dates ISO 8601, decimals as text)."""
    data: dict[str, Any] = _plain(
        {
            "profile": _profile(user),
            "appeals": _appeals(user),
            "points": _points(user),
            "volunteering": _volunteering(user),
            "corrections": _corrections(user),
        }
    )
    return data


# ---------------------------------------------------------------------------------------------------------------
# The correction queue of a worker


def queue(*, user: User, status: str = "", limit: int = QUEUE_LIMIT) -> list[CorrectionRequest]:
    """Requests in the worker's reach under `privacy.handle`, open ones first by age."""
    if not rules.scope_codes(user, "privacy.handle"):
        raise PermissionDenied(_("您没有处理个人信息更正申请的权限"), details={"rule": "privacy.handle"})
    qs = CorrectionRequest.objects.filter(rules.scope_q(user, "privacy.handle")).select_related("resident")
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=[CorrectionStatus.REQUESTED, CorrectionStatus.ACCEPTED])
    return list(qs.order_by("created_at", "id")[:limit])


def correction_get(*, user: User, request_id: int) -> CorrectionRequest:
    """A request its resident or a worker of its area may read; anyone else is told it does not exist."""
    found = CorrectionRequest.objects.select_related("resident").filter(pk=request_id).first()
    if found is None or not (found.requested_by_id == user.pk or rules.allows(user, "privacy.handle", found.area_code)):
        raise NotFound(_("更正申请不存在"))
    return found
