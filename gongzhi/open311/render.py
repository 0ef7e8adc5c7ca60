"""GeoReport v2 bodies in JSON and XML, both UTF-8 (names in Chinese stay readable in JSON).

XML is built with xml.etree, which escapes text; characters XML 1.0 cannot carry at all (most control
characters) are dropped first, or a client's parser would reject the whole document.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET  # writing only; nothing here parses XML
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"
FORMATS = ("json", "xml")

# The element name of one item of each list, by the list's own name.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def w3c(value: dt.datetime | None) -> str | None:
    """ISO 8601 with the offset, as the spec asks (local Beijing time, e.g. 2026-03-16T09:00:00+08:00)."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3c(value) or ""
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    else:
        element.text = _text(value)


def xml_bytes(root: str, data: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return w3c(value)
    return str(value)  # lazy translations


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, default=_json_default).encode("utf-8")


def respond(fmt: str, root: str, data: Any, *, status: int = 200) -> HttpResponse:
    """One body in the requested format; `root` names the XML root (a JSON list or object otherwise)."""
    if fmt == "xml":
        return HttpResponse(xml_bytes(root, data), content_type=XML_TYPE, status=status)
    return HttpResponse(json_bytes(data), content_type=JSON_TYPE, status=status)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The standard error body: [{"code": 404, "description": "…"}] or <errors><error>…</error></errors>."""
    return respond(fmt, "errors", [{"code": status, "description": description}], status=status)
