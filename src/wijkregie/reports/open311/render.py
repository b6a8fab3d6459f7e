"""Open311 answers: XML and JSON in the specification's shapes, its error list, times."""

import re
import xml.etree.ElementTree as ET

from django.http import HttpResponse, JsonResponse
from django.utils import timezone

XML_CONTENT_TYPE = "text/xml; charset=utf-8"


JSON_CONTENT_TYPE = "application/json; charset=utf-8"


FORMATS = ("xml", "json")


# A list inside an element becomes these children (the specification's XML shapes).
XML_LIST_ITEMS = {
    "services": "service",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "errors": "error",
}


# Characters XML 1.0 cannot carry at all; text from intake could hold them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_INVALID.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, list | tuple):
        item_tag = XML_LIST_ITEMS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, data) -> bytes:
    """`data` (dicts, lists, scalars) as the specification's XML; ElementTree escapes."""
    element = ET.Element(root)
    _fill(element, data)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def _json_safe(value):
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def respond(fmt: str, root: str, data, *, status: int = 200) -> HttpResponse:
    """The answer in `fmt`: XML under `root`, or JSON as the bare list/object."""
    if fmt == "json":
        return JsonResponse(
            _json_safe(data),
            safe=False,
            status=status,
            content_type=JSON_CONTENT_TYPE,
            json_dumps_params={"ensure_ascii": False},
        )
    return HttpResponse(to_xml(root, data), status=status, content_type=XML_CONTENT_TYPE)


class Open311Error(Exception):
    """An answer in the specification's error format."""

    def __init__(self, status: int, description, *, code: int | None = None):
        super().__init__(str(description))
        self.status = status
        self.code = code if code is not None else status
        self.description = str(description)


def error_response(fmt: str, errors: list[Open311Error]) -> HttpResponse:
    data = [{"code": e.code, "description": e.description} for e in errors]
    return respond(fmt if fmt in FORMATS else "xml", "errors", data, status=errors[0].status)


def w3c_datetime(value) -> str | None:
    """A datetime in the w3 subset of ISO 8601 the specification asks for, with offset."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def _published_time(value) -> str | None:
    """Times on the read side: the real time, to the second. (Rounding down, as this
    endpoint once did, made a change within the hour invisible to a client that syncs
    from its last `updated_datetime`.)"""
    return w3c_datetime(value)
