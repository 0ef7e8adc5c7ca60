"""Photos of appeals: JPEG, PNG or WebP up to 10 MB, checked by content (never by name or declared type).

The original stays with staff; what anyone else sees is a re-encoded copy without EXIF, GPS or any other
metadata, turned upright first so dropping the orientation tag does not leave it sideways.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from gongzhi.appeals.models import Appeal, AppealEvent, AppealPhoto, PhotoKind
from gongzhi.core import clock
from gongzhi.core.errors import ValidationFailed

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 60_000_000  # larger is a decompression bomb rather than a phone photo
FORMATS = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp")}
MAX_PHOTOS_PER_APPEAL = 30


def _read(upload: Any, field: str) -> bytes:
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ValidationFailed(_("照片不能超过 10 MB"), field=field, details={"size": size})
    data = upload.read(MAX_BYTES + 1) if hasattr(upload, "read") else bytes(upload)
    if len(data) > MAX_BYTES:
        raise ValidationFailed(_("照片不能超过 10 MB"), field=field)
    if not data:
        raise ValidationFailed(_("照片是空文件"), field=field)
    return data


def inspect(data: bytes, *, field: str = "photo") -> tuple[str, int, int]:
    """The format, width and height of an acceptable image; a clear error for anything else."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format or ""
            width, height = image.size
            if fmt not in FORMATS:
                raise ValidationFailed(
                    _("照片格式只能是 JPEG、PNG 或 WebP（收到：%(fmt)s）") % {"fmt": fmt or "?"}, field=field
                )
            if width * height > MAX_PIXELS:
                raise ValidationFailed(_("照片像素过多"), field=field)
            image.verify()
    except ValidationFailed:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationFailed(_("上传的文件不是有效的图片"), field=field) from exc
    return fmt, width, height


def public_copy(data: bytes, fmt: str) -> bytes:
    """Re-encode without metadata: pixels only, no EXIF/GPS/XMP/ICC comments."""
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image)
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        clean = Image.new(upright.mode, upright.size)
        clean.paste(upright)
        out = io.BytesIO()
        options: dict[str, Any] = {"quality": 85} if fmt in ("JPEG", "WEBP") else {}
        clean.save(out, format=fmt, **options)
    return out.getvalue()


@transaction.atomic
def photo_add(*, actor: User, appeal: Appeal, upload: Any, kind: str = PhotoKind.REPORT) -> AppealPhoto:
    """Store one photo of an appeal. Permission is the caller's (actions/api check it)."""
    if kind not in PhotoKind.values:
        raise ValidationFailed(_("照片类型只能是：%(v)s") % {"v": "、".join(PhotoKind.values)}, field="kind")
    if AppealPhoto.objects.filter(appeal=appeal).count() >= MAX_PHOTOS_PER_APPEAL:
        raise ValidationFailed(_("每件诉求最多 %(n)d 张照片") % {"n": MAX_PHOTOS_PER_APPEAL}, field="photo")
    data = _read(upload, "photo")
    fmt, width, height = inspect(data)
    content_type, ext = FORMATS[fmt]
    stamp = clock.now().strftime("%Y%m%d%H%M%S%f")
    photo = AppealPhoto(
        appeal=appeal,
        kind=kind,
        content_type=content_type,
        size=len(data),
        width=width,
        height=height,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    photo.original.save(f"{appeal.number}-{stamp}.{ext}", ContentFile(data), save=False)
    photo.public.save(f"{appeal.number}-{stamp}.{ext}", ContentFile(public_copy(data, fmt)), save=False)
    photo.save()
    return photo


def attach_photos(*, appeal: Appeal, event: AppealEvent, photo_ids: Any) -> None:
    """Link already uploaded photos of this appeal to the event they document (e.g. handling evidence)."""
    if not isinstance(photo_ids, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in photo_ids):
        raise ValidationFailed(_("photo_ids 必须是照片编号列表"), field="photo_ids")
    photos = list(AppealPhoto.objects.filter(appeal=appeal, pk__in=photo_ids, event__isnull=True))
    missing = sorted(set(photo_ids) - {p.pk for p in photos})
    if missing:
        raise ValidationFailed(
            _("照片不存在或已被使用：%(ids)s") % {"ids": "、".join(map(str, missing))}, field="photo_ids"
        )
    AppealPhoto.objects.filter(pk__in=[p.pk for p in photos]).update(event=event)
