"""Appeals and categories as GeoReport v2 records. Only public fields: no contact, no reporter, no event data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal, AppealEvent, Category
from gongzhi.appeals.workflow import label
from gongzhi.open311 import selectors


def _description(category: Category) -> str:
    if not category.closure_condition:
        return category.name
    return _("%(name)s（结案条件：%(cond)s）") % {"name": category.name, "cond": category.closure_condition}


def service_out(category: Category) -> dict[str, Any]:
    keywords = [category.parent.name, category.name] if category.parent else [category.name]
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": _description(category),
        "metadata": bool(selectors.service_attributes(category)),
        "type": "realtime",
        "keywords": ",".join(keywords),
        "group": category.parent.name if category.parent else "",
    }


def service_definition_out(category: Category) -> dict[str, Any]:
    attributes = [
        {key: value for key, value in attr.items() if key not in ("maps_to", "convert")}
        for attr in selectors.service_attributes(category)
    ]
    return {"service_code": category.code, "attributes": attributes}


def _photo_url(request: HttpRequest, photos: list[Any]) -> str | None:
    # The public copy only: it was re-encoded without EXIF/GPS when it was stored.
    for photo in photos:
        if photo.public:
            return request.build_absolute_uri(photo.public.url)
    return None


def status_notes(appeal: Appeal) -> str:
    events = list(appeal.events.all())
    if not events:
        return ""
    latest = events[-1]
    return latest.note or label(latest.action)


def service_notice(appeal: Appeal) -> str:
    return _("按7135要求：%(tier)s，由%(level)s处置") % {
        "tier": appeal.get_tier_display(),
        "level": appeal.get_handling_level_display(),
    }


def request_out(appeal: Appeal, *, request: HttpRequest, agencies: dict[str, str]) -> dict[str, Any]:
    category = appeal.category
    return {
        "service_request_id": str(appeal.pk),
        "status": selectors.open311_status(appeal.state),
        "status_notes": status_notes(appeal),
        "service_name": category.name if category else "",
        "service_code": category.code if category else "",
        "description": appeal.description,
        "agency_responsible": agencies.get(selectors.agency_code(appeal), ""),
        "service_notice": service_notice(appeal),
        "requested_datetime": appeal.created_at,
        "updated_datetime": appeal.updated_at,
        "expected_datetime": appeal.due_at,
        "address": appeal.address,
        "address_id": appeal.area_code,
        "zipcode": None,
        "lat": appeal.lat,
        "long": appeal.lng,
        "media_url": _photo_url(request, list(appeal.photos.all())),
    }


def posted_out(appeal: Appeal) -> dict[str, Any]:
    return {"service_request_id": str(appeal.pk), "service_notice": service_notice(appeal), "account_id": None}


def token_out(appeal: Appeal) -> dict[str, Any]:
    return {"service_request_id": str(appeal.pk), "token": appeal.number}


def update_out(event: AppealEvent, *, request: HttpRequest) -> dict[str, Any]:
    return {
        "update_id": str(event.pk),
        "service_request_id": str(event.appeal_id),
        "status": selectors.open311_status(event.to_state),
        "updated_datetime": event.occurred_at,
        "description": event.note or label(event.action),
        "media_url": _photo_url(request, list(event.photos.all())),
    }
