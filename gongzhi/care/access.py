"""Need to know (Primero's "own, group, area"): who reads a care archive, and the audit of every other read.

A care archive is read by
- its assigned carers (an active Carer row): no audit row, this is their work;
- for an adult's archive, whoever holds `care.view` at its area (the community's social workers, street staff);
- for a child's archive (a tag with `is_child`), only whoever holds `care.children` at its area (儿童主任) —
  `care.view` alone is not enough.
Every read by someone who is not an assigned carer writes an audit row (`care.archive.read`, or
`care.archive.list` with the ids a list showed). Archives never appear in the general resident search or the
roster export: those read `people` only, and care keeps its facts in its own tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.care.models import CareArchive, Carer
from gongzhi.core.audit import audit_record
from gongzhi.core.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from gongzhi.accounts.models import User


def _signed_in(user: User | AnonymousUser | None) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "is_active", False))


def assigned_q(user: User) -> Q:
    """Archives the user is an active carer of."""
    return Q(Exists(Carer.objects.filter(archive=OuterRef("pk"), user_id=user.pk, ended_on__isnull=True)))


def area_q(user: User) -> Q:
    """Archives the user reaches by a rule over the area: adults by `care.view`, children by `care.children`."""
    return (Q(is_child=False) & rules.scope_q(user, "care.view")) | (
        Q(is_child=True) & rules.scope_q(user, "care.children")
    )


def archives_readable(user: User | AnonymousUser | None) -> QuerySet[CareArchive]:
    if not _signed_in(user):
        return CareArchive.objects.none()
    return CareArchive.objects.filter(assigned_q(cast("User", user)) | area_q(cast("User", user)))


def is_assigned(user: User | AnonymousUser | None, archive: CareArchive) -> bool:
    if not _signed_in(user) or user is None or user.pk is None:
        return False
    return Carer.objects.filter(archive=archive, user_id=user.pk, ended_on__isnull=True).exists()


def reaches_by_area(user: User | AnonymousUser | None, archive: CareArchive) -> bool:
    rule = "care.children" if archive.is_child else "care.view"
    return rules.allows(user, rule, archive.area_code)


def check_read(
    user: User | AnonymousUser | None, archive: CareArchive, *, request: HttpRequest | None = None, why: str = "read"
) -> bool:
    """Refuse a read without need to know; write the audit row of a read by someone not assigned.

    Returns whether the reader is an assigned carer. Someone who reaches neither the archive nor its area is told
    it does not exist (they learn nothing); someone who reaches the area but lacks the children's role is told
    why (`care.children`).
    """
    if not _signed_in(user):
        raise PermissionDenied(_("请先登录"))
    if is_assigned(user, archive):
        return True
    if reaches_by_area(user, archive):
        audit_record(
            actor=user,
            action="care.archive.read",
            target=archive,
            area_code=archive.area_code,
            data={"why": why, "child": archive.is_child},
            request=request,
        )
        return False
    if archive.is_child and rules.allows(user, "care.view", archive.area_code):
        raise PermissionDenied(
            _("儿童关爱档案仅限指派的关爱人和儿童主任查看"),
            field="archive_id",
            details={"rule": "care.children"},
        )
    raise NotFound(_("关爱档案不存在：%(id)s") % {"id": archive.pk}, field="archive_id")


def archive_get(
    *, user: User | AnonymousUser | None, archive_id: int, request: HttpRequest | None = None, why: str = "read"
) -> CareArchive:
    """Fetch-and-authorise: the archive, read under need to know (audited when the reader is not assigned)."""
    archive = CareArchive.objects.select_related("resident", "risk_level", "area").filter(pk=archive_id).first()
    if archive is None:
        raise NotFound(_("关爱档案不存在：%(id)s") % {"id": archive_id}, field="archive_id")
    check_read(user, archive, request=request, why=why)
    return archive


def audit_list(
    user: User, archives: Iterable[CareArchive], *, request: HttpRequest | None = None, what: str = "list"
) -> None:
    """One audit row for a list (or export) read: the ids shown that the reader is not assigned to."""
    rows = list(archives)
    if not rows:
        return
    mine = set(
        Carer.objects.filter(archive__in=rows, user_id=user.pk, ended_on__isnull=True).values_list(
            "archive_id", flat=True
        )
    )
    others = [a.pk for a in rows if a.pk not in mine]
    if others:
        audit_record(
            actor=user,
            action=f"care.archive.{what}",
            target_type="care.carearchive",
            target_id=",".join(map(str, others[:200])),
            data={"count": len(others), "ids": others[:1000]},
            request=request,
        )
