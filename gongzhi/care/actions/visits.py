"""Visit records: by an assigned carer only; optionally where (checked near the home); photos without metadata;
needs found; the risk level re-assessed; the events of a trigger list it answers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.appeals.photos import FORMATS, inspect, public_copy
from gongzhi.care import access
from gongzhi.care.actions._common import aware, coordinates, event, lock_archive
from gongzhi.care.actions.archives import _need_rows, risk_change
from gongzhi.care.models import ArchiveStatus, CareArchive, CareNeed, TriggerEvent, Visit, VisitPhoto
from gongzhi.core import clock
from gongzhi.core.errors import PermissionDenied, ValidationFailed
from gongzhi.core.text import clean_text

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024
EARTH_M = 6_371_000


def near_home_radius_m() -> float:
    return float(getattr(settings, "CARE_NEAR_HOME_METRES", 300))


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


def _home(archive: CareArchive) -> tuple[float, float] | None:
    if archive.home_lat is not None and archive.home_lng is not None:
        return archive.home_lat, archive.home_lng
    area = archive.area
    if area.point_lat is not None and area.point_lng is not None:
        return area.point_lat, area.point_lng  # the micro-grid's point: the home is within it
    return None


def _photo_bytes(upload: Any, index: int) -> bytes:
    field = f"photos[{index}]"
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_PHOTO_BYTES:
        raise ValidationFailed(_("照片不能超过 10 MB"), field=field)
    data = upload.read(MAX_PHOTO_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if not data:
        raise ValidationFailed(_("照片是空文件"), field=field)
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationFailed(_("照片不能超过 10 MB"), field=field)
    return data


def _clean(data: bytes, field: str) -> tuple[bytes, str, int, int]:
    """The re-encoded copy without metadata, turned upright, with its own size."""
    fmt, _w, _h = inspect(data, field=field)
    clean = public_copy(data, fmt)
    _fmt, width, height = inspect(clean, field=field)
    return clean, fmt, width, height


@transaction.atomic
def visit_record(
    *,
    actor: User,
    archive_id: int,
    findings: str,
    visited_at: dt.datetime | None = None,
    lat: float | None = None,
    lng: float | None = None,
    risk_level_code: str | None = None,
    risk_reason: str = "",
    needs: Iterable[Mapping[str, Any]] = (),
    photos: Iterable[Any] = (),
) -> Visit:
    """Record a visit made by the actor, an assigned carer of the archive. Everything is checked before anything
    is written, so a refused visit changes nothing."""
    archive = lock_archive(archive_id)
    if not access.is_assigned(actor, archive):
        access.check_read(actor, archive, why="visit")  # not found for someone without need to know
        raise PermissionDenied(_("只有指派的关爱人才能记录走访"), field="archive_id")
    if archive.status != ArchiveStatus.ACTIVE:
        raise ValidationFailed(_("档案已结档，不能记录走访"), field="archive_id")
    findings = clean_text(findings, field="findings", max_length=5000, required=True)
    now = clock.now()
    at = aware(visited_at) or now
    if at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(_("走访时间不能晚于现在"), field="visited_at")
    if at < archive.created_at - dt.timedelta(days=1):
        raise ValidationFailed(_("走访时间不能早于建档时间"), field="visited_at")
    la, ln = coordinates(lat, lng)
    need_rows = _need_rows(needs)
    uploads = list(photos)
    if len(uploads) > MAX_PHOTOS:
        raise ValidationFailed(_("每次走访最多 %(n)d 张照片") % {"n": MAX_PHOTOS}, field="photos")
    images = []
    for i, upload in enumerate(uploads):
        images.append(_clean(_photo_bytes(upload, i), f"photos[{i}]"))
    if risk_level_code:
        from gongzhi.care.actions._common import risk_level

        risk_level(risk_level_code, field="risk_level")  # checked before the visit is written
    distance = near = None
    home = _home(archive) if la is not None and ln is not None else None
    if home is not None and la is not None and ln is not None:
        distance = round(distance_m(la, ln, *home), 1)
        near = distance <= near_home_radius_m()
    visit = Visit.objects.create(
        archive=archive, visitor=actor, visited_at=at, findings=findings, lat=la, lng=ln, distance_m=distance,
        near_home=near, created_at=now,
    )  # fmt: skip
    open_events = list(
        TriggerEvent.objects.filter(archive=archive, visit__isnull=True, occurred_on__lte=at.date()).order_by("due_on")
    )
    if open_events:
        TriggerEvent.objects.filter(pk__in=[e.pk for e in open_events]).update(visit=visit)
        visit.trigger = open_events[0]
        visit.save(update_fields=["trigger"])
    for i, (data, fmt, width, height) in enumerate(images):
        content_type, ext = FORMATS[fmt]
        photo = VisitPhoto(visit=visit, content_type=content_type, size=len(data), width=width, height=height)
        photo.image.save(f"visit-{visit.pk}-{i}.{ext}", ContentFile(data), save=False)
        photo.save()
    for kind, text in need_rows:
        CareNeed.objects.create(archive=archive, kind=kind, description=text, visit=visit, created_by=actor)
    if risk_level_code:
        risk_change(actor=actor, archive=archive, level_code=risk_level_code, reason=risk_reason, visit_id=visit.pk)
    if archive.last_visited_at is None or at > archive.last_visited_at:
        archive.last_visited_at = at
        archive.save(update_fields=["last_visited_at"])
    event(archive=archive, target=f"visit:{visit.pk}", action="visit", actor=actor,
          data={"near_home": near, "photos": len(images), "needs": len(need_rows),
                "triggers": [e.pk for e in open_events]})  # fmt: skip
    return visit


@transaction.atomic
def visit_photo_add(*, actor: User, visit_id: int, upload: Any) -> VisitPhoto:
    """A photo added to one's own visit afterwards (the API sends photos one by one)."""
    from gongzhi.core.errors import NotFound

    visit = Visit.objects.select_for_update().filter(pk=visit_id).first()
    if visit is None or visit.visitor_id != actor.pk:
        raise NotFound(_("走访记录不存在：%(id)s") % {"id": visit_id}, field="visit_id")
    if VisitPhoto.objects.filter(visit=visit).count() >= MAX_PHOTOS:
        raise ValidationFailed(_("每次走访最多 %(n)d 张照片") % {"n": MAX_PHOTOS}, field="photo")
    clean, fmt, width, height = _clean(_photo_bytes(upload, 0), "photo")
    content_type, ext = FORMATS[fmt]
    photo = VisitPhoto(visit=visit, content_type=content_type, size=len(clean), width=width, height=height)
    photo.image.save(f"visit-{visit.pk}-{clock.now():%H%M%S%f}.{ext}", ContentFile(clean), save=False)
    photo.save()
    return photo
