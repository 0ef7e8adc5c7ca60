"""Residents' rights API: a copy of one's own data, correction requests and their handling (same rules as the pages)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.params.functions import Path as PathParam  # the call form; ninja types Path as an annotation

from gongzhi.accounts.auth import api_auth
from gongzhi.core.types import ApiRequest
from gongzhi.privacy import actions, exports, selectors
from gongzhi.privacy.models import CorrectionRequest

router = Router(tags=["privacy"], auth=api_auth)

MAX_ID = 2**62


class CorrectionIn(Schema):
    subject: str
    description: str


class MoveIn(Schema):
    action: str
    reason: str = ""
    resolution: str = ""


class CorrectionOut(Schema):
    id: int
    subject: str
    subject_label: str
    description: str
    status: str
    status_label: str
    area_code: str
    reason: str
    resolution: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    corrected_at: dt.datetime | None
    allowed: list[str]

    @staticmethod
    def build(c: CorrectionRequest, request: ApiRequest) -> CorrectionOut:
        return CorrectionOut(
            id=c.pk, subject=c.subject, subject_label=str(c.get_subject_display()), description=c.description,
            status=c.status, status_label=str(c.get_status_display()), area_code=c.area_code, reason=c.reason,
            resolution=c.resolution, created_at=c.created_at, decided_at=c.decided_at, corrected_at=c.corrected_at,
            allowed=actions.CORRECTION.allowed(c, request.auth),
        )  # fmt: skip


class ExportQuery(Schema):
    format: Literal["json", "xlsx"] = "json"


_FILE = {
    "200": {
        "description": "the signed-in user's own data (JSON, or an .xlsx workbook with one sheet per part)",
        "content": {"application/json": {}, exports.XLSX_MIME: {}},
    }
}


@router.get(
    "/my-data",
    response={200: None},
    openapi_extra={"responses": _FILE},
    summary="Download your own data: profile, appeals, points, volunteering, correction requests (audited)",
)
def my_data(request: ApiRequest, q: Query[ExportQuery]) -> HttpResponse:
    body, mime = exports.data_export(actor=request.auth, fmt=q.format, request=request)
    response = HttpResponse(body, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(request.auth, q.format)}"'
    return response


@router.get("/corrections", response=list[CorrectionOut], summary="Your own correction requests, newest first")
def my_corrections(request: ApiRequest) -> list[CorrectionOut]:
    return [CorrectionOut.build(c, request) for c in selectors.corrections_of(request.auth)[:200]]


@router.post(
    "/corrections",
    response={201: CorrectionOut},
    summary="Ask for a correction of your own data (one open request per subject: a second is 409)",
)
def request_correction(request: ApiRequest, data: CorrectionIn) -> Status[CorrectionOut]:
    c = actions.correction_request(actor=request.auth, subject=data.subject, description=data.description)
    return Status(201, CorrectionOut.build(c, request))


class QueueQuery(Schema):
    status: Literal["", "requested", "accepted", "rejected", "corrected"] = ""


@router.get(
    "/corrections/queue",
    response=list[CorrectionOut],
    summary="Correction requests in your reach under privacy.handle (open ones unless status is given)",
)
def correction_queue(request: ApiRequest, q: Query[QueueQuery]) -> list[CorrectionOut]:
    return [CorrectionOut.build(c, request) for c in selectors.queue(user=request.auth, status=q.status)]


@router.get("/corrections/{request_id}", response=CorrectionOut, summary="One correction request")
def correction_detail(request: ApiRequest, request_id: int = PathParam(..., ge=1, le=MAX_ID)) -> CorrectionOut:
    return CorrectionOut.build(selectors.correction_get(user=request.auth, request_id=request_id), request)


@router.post(
    "/corrections/{request_id}/transitions",
    response=CorrectionOut,
    summary="Accept, reject (reason) or mark corrected (resolution) a request; deciding twice is 409",
)
def move_correction(
    request: ApiRequest, data: MoveIn, request_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> CorrectionOut:
    c = actions.correction_move(
        actor=request.auth, request_id=request_id, move=data.action, reason=data.reason, resolution=data.resolution
    )
    return CorrectionOut.build(c, request)
