"""Writes behind the appeal pages: a submit that a re-POST cannot repeat, and moves that carry photos.

Both go through the app's own writes (actions.appeal_submit, photos, workflow.appeal_transition) inside one
transaction, so a bad photo or a refused move leaves nothing behind.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.accounts import rules
from gongzhi.appeals import actions
from gongzhi.appeals.models import Appeal, Channel, PhotoKind
from gongzhi.appeals.photos import MAX_BYTES, inspect
from gongzhi.core.errors import ValidationFailed
from gongzhi.core.idempotency import run_once
from gongzhi.people.models import AssignmentKind, GridAssignment

if TYPE_CHECKING:
    from gongzhi.accounts.models import User

SUBMIT_ENDPOINT = "appeals.page_submit"
MAX_PHOTOS_PER_FORM = 6


def check_photos(uploads: list[Any], *, field: str = "photos") -> None:
    """Every photo acceptable before anything is stored (photo_add checks again when it stores them)."""
    if len(uploads) > MAX_PHOTOS_PER_FORM:
        raise ValidationFailed(_("一次最多上传 %(n)d 张照片") % {"n": MAX_PHOTOS_PER_FORM}, field=field)
    for upload in uploads:
        if upload.size > MAX_BYTES:
            raise ValidationFailed(
                _("照片「%(name)s」超过 10 MB") % {"name": upload.name}, field=field, details={"size": upload.size}
            )
        try:
            inspect(upload.read(), field=field)
        except ValidationFailed as exc:
            raise ValidationFailed(f"{upload.name}：{exc.message}", field=field) from exc
        finally:
            upload.seek(0)


def _add_photos(*, actor: User, appeal: Appeal, uploads: list[Any], kind: str) -> list[int]:
    ids = []
    for upload in uploads:
        try:
            ids.append(actions.appeal_photo_add(actor=actor, appeal=appeal, upload=upload, kind=kind).pk)
        except ValidationFailed as exc:
            if exc.field == "photo":
                exc.field = "photos"
            raise
    return ids


def channel_for(user: User) -> str:
    """The intake channel of the submit page for this user.

    A part-time grid worker (兼职网格员, e.g. a delivery rider) reports by snapshot (随手拍); staff who record
    appeals report from their patrol (网格员巡查上报); everyone else is a resident on the web page.
    """
    if GridAssignment.objects.filter(user_id=user.pk, kind=AssignmentKind.PART_TIME, ended_on__isnull=True).exists():
        return Channel.SNAPSHOT
    if rules.scope_codes(user, "appeals.intake"):
        return Channel.GRID_REPORT
    return Channel.RESIDENT_WEB


def submit_from_page(
    *, actor: User, token: str, photos: list[Any], channel: str = Channel.RESIDENT_WEB, **fields: Any
) -> tuple[Appeal, bool]:
    """Submit from the resident page; the form's one-time token makes a re-POST answer with the same appeal.

    The token is an idempotency key (core.idempotency.run_once): its row is written in the same transaction as the
    appeal, so two racing posts cannot both create one. A submit that failed stores nothing, so the corrected form
    may be sent again with the same token.
    """
    token = (token or "").strip()
    if not 8 <= len(token) <= 64:
        raise ValidationFailed(_("表单已失效，请刷新页面后重新提交"), field="token")

    def write() -> tuple[int, dict[str, Any]]:
        check_photos(photos)
        appeal = actions.appeal_submit(actor=actor, channel=channel, **fields).appeal
        _add_photos(actor=actor, appeal=appeal, uploads=photos, kind=PhotoKind.REPORT)
        return 201, {"appeal_id": appeal.pk}

    # The form's own fields are not fingerprinted: a re-POST of the same token is the same submit.
    _status, body, replayed = run_once(user=actor, key=token, endpoint=SUBMIT_ENDPOINT, print_="", write=write)
    return Appeal.objects.get(pk=body["appeal_id"]), not replayed


@transaction.atomic
def move_from_page(*, actor: User, appeal: Appeal, action: str, note: str, photos: list[Any], **data: Any) -> Appeal:
    """One move of the workflow table; evidence photos (handle, arrive) are stored and linked in the same step."""
    if photos:
        if action not in ("handle", "arrive"):
            raise ValidationFailed(_("只有到场和处置反馈可以附带照片"), field="photos")
        check_photos(photos)
        data["photo_ids"] = _add_photos(actor=actor, appeal=appeal, uploads=photos, kind=PhotoKind.EVIDENCE)
    return actions.appeal_transition(actor=actor, appeal=appeal.pk, action=action, note=note, **data)
