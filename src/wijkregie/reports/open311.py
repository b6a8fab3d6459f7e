"""Open311 GeoReport v2 (BRIEF 30): reporting apps send and read reports in XML or JSON.

The specification: https://wiki.open311.org/GeoReport_v2 (discovery, services, service
definition, POST requests, tokens, GET requests). Formats are chosen by the path's
extension; errors use the specification's shape (`<errors><error><code/><description/>`
or `[{"code", "description"}]`) with 400, 403 and 404.

The read side publishes nothing that could identify a reporter or the unit: no
description, no unit or floor, no contact data, the building's street and city at most,
status open/closed and the resident-facing status text (docs/open311.md).
"""

import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import ApplicationError
from wijkregie.partners.selectors import api_token_for_key
from wijkregie.places.addresses import find_address
from wijkregie.places.models import Building, CommonArea, CommonAreaKind, Unit
from wijkregie.places.selectors import units_at_address
from wijkregie.reports import selectors, services, throttling
from wijkregie.reports.models import Category, Channel, ContactMode, LocationKind, Report
from wijkregie.reports.workflows import default_resident_text

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
    """Times on the read side, to the hour: enough for an app, less to correlate with."""
    if value is None:
        return None
    return w3c_datetime(timezone.localtime(value).replace(minute=0, second=0, microsecond=0))


# --- The six methods --------------------------------------------------------------------

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-25T00:00:00+01:00"  # when this endpoint's behaviour last changed
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
TOKEN_SALT = "wijkregie.reports.open311-token"
_ATTRIBUTE_RE = re.compile(r"^attribute\[([A-Za-z0-9_]{1,40})\]$")


def open311_view(view):
    """Formats from the path's extension; every failure as the specification's error,
    never a 500 page (an unexpected error is logged by Django and answered as 500 in the
    specification's format)."""

    @wraps(view)
    def wrapper(request, *args, fmt="xml", **kwargs):
        if fmt not in FORMATS:
            return error_response("xml", [Open311Error(404, _("Unknown format."))])
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error_response(fmt, [exc])

    return csrf_exempt(wrapper)


def _services() -> list[Category]:
    return [c for c in selectors.category_list() if not c.is_contact_request]


def _service(code: str) -> Category:
    for category in _services():
        if category.slug == code:
            return category
    raise Open311Error(404, _("Unknown service_code: %(code)s.") % {"code": code[:60]})


def _service_notice(category: Category) -> str:
    if category.is_urgent:
        return _("Is there danger right now? Call 112 first.")
    return ""


def _keywords(category: Category) -> str:
    names = [n.replace(",", " ") for n in (category.name or {}).values() if n]
    return ", ".join(dict.fromkeys([category.slug.replace("-", " "), *names]))


@open311_view
def discovery(request, *, fmt):
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    base = base.rsplit("/", 1)[0] + "/"
    data = {
        "changeset": CHANGESET,
        "contact": settings.WIJKREGIE_OPEN311_CONTACT or settings.DEFAULT_FROM_EMAIL,
        "key_service": _(
            "Ask the organisation that manages the building for an API key for your reporting app."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", data)


@open311_view
def service_list(request, *, fmt):
    data = [
        {
            "service_code": c.slug,
            "service_name": c.name_in(),
            "description": c.hint_in(),
            "metadata": True,
            "type": "realtime",
            "keywords": _keywords(c),
            "group": c.parent.name_in() if c.parent_id else "",
        }
        for c in _services()
    ]
    return respond(fmt, "services", data)


def _attribute(code, datatype, order, description, *, values=None, required=False, hint=""):
    return {
        "variable": True,
        "code": code,
        "datatype": datatype,
        "required": required,
        "datatype_description": hint,
        "order": order,
        "description": description,
        "values": [{"key": k, "name": str(v)} for k, v in (values or [])],
    }


def _attributes() -> list[dict]:
    return [
        _attribute(
            "building_code",
            "string",
            1,
            _(
                "The building's public code, from its report link or QR code. Needed "
                "unless address_string or address_id names the building."
            ),
        ),
        _attribute(
            "location",
            "singlevaluelist",
            2,
            _("Where in or around the building it happened."),
            values=LocationKind.choices,
        ),
        _attribute(
            "floor", "number", 3, _("The floor: 0 is the ground floor."), hint=_("An integer.")
        ),
        _attribute("entrance", "string", 4, _("The entrance, for example A.")),
        _attribute(
            "common_area",
            "singlevaluelist",
            5,
            _("Which shared space, when location is common_area."),
            values=CommonAreaKind.choices,
        ),
        _attribute(
            "occurred_at",
            "datetime",
            6,
            _("When it happened."),
            hint=_("W3C date and time with time zone, e.g. 2026-03-01T21:30:00+01:00."),
        ),
        _attribute(
            "contact_mode",
            "singlevaluelist",
            7,
            _(
                "anonymous: no contact data is stored. shielded (the default when an "
                "e-mail address or phone number is sent): only the receiving organisation's "
                "intake sees them. open: also passed on when the report is forwarded."
            ),
            values=ContactMode.choices,
        ),
        _attribute(
            "idempotency_key",
            "string",
            8,
            _(
                "Your own unique key for this request: a retry with the same key returns "
                "the first request instead of a second one. The Idempotency-Key header works too."
            ),
        ),
    ]


@open311_view
def service_definition(request, code, *, fmt):
    category = _service(code)
    return respond(
        fmt, "service_definition", {"service_code": category.slug, "attributes": _attributes()}
    )


# --- POST a service request ---------------------------------------------------------


def _params(request) -> dict:
    """The POST parameters: form-encoded as the specification says; a JSON object is
    accepted too. Anything else, or a body that does not parse, is a 400."""
    content_type = request.content_type or ""
    try:
        if content_type == "application/json":
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
            params = {}
            for key, value in body.items():
                if key == "attribute" and isinstance(value, dict):
                    params.update({f"attribute[{k}]": v for k, v in value.items()})
                else:
                    params[key] = value
            return {k: ("" if v is None else str(v)) for k, v in params.items()}
        if content_type in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
            return {key: request.POST.get(key, "") for key in request.POST}
    except (ValueError, UnicodeDecodeError, SuspiciousOperation, MultiPartParserError):
        raise Open311Error(400, _("The request body could not be read.")) from None
    raise Open311Error(
        400, _("Send the parameters form-encoded (application/x-www-form-urlencoded).")
    )


def _building_from(params: dict, attributes: dict) -> tuple[Building, Unit | None]:
    code = attributes.get("building_code", "").strip() or params.get("address_id", "").strip()
    if code:
        building = Building.objects.filter(
            Q(public_code=code[:20]) | Q(bag_pand_id=code[:16])
        ).first()
        if building is None:
            raise Open311Error(
                400, _("No building has this code. Check attribute[building_code] or address_id.")
            )
        return building, None
    address = params.get("address_string", "").strip()
    if address:
        found = find_address(address)
        if found:
            postcode, number, letter, addition = found
            unit = (
                units_at_address(
                    postcode=postcode,
                    house_number=number,
                    house_letter=letter,
                    house_number_addition=addition,
                )
                .select_related("building")
                .first()
            )
            if unit is not None:
                return unit.building, unit
        raise Open311Error(
            400,
            _(
                "address_string does not name an address we know. Send the postcode and "
                "house number, e.g. Horizonlaan 12, 3521 HZ Rivierstad."
            ),
        )
    if params.get("lat") or params.get("long"):
        raise Open311Error(
            400,
            _(
                "lat and long cannot tell which building and floor it is. Send "
                "attribute[building_code] or address_string."
            ),
        )
    raise Open311Error(
        400,
        _("A location is required: attribute[building_code], address_id or address_string."),
    )


def _int(value: str, name: str) -> int | None:
    if value in ("", None):
        return None
    try:
        return int(value)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a whole number.") % {"name": name}) from None


def _datetime(value: str, name: str):
    if not value:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time with a time zone, e.g. %(example)s.")
            % {"name": name, "example": "2026-03-01T21:30:00+01:00"},
        )
    return parsed


def _validation_errors(exc: ValidationError) -> list[Open311Error]:
    errors = []
    for field, messages in exc.message_dict.items():
        for message in messages:
            errors.append(Open311Error(400, f"{field}: {message}"))
    return errors or [Open311Error(400, _("The request is not valid."))]


@open311_view
def request_create(request, *, fmt):
    if request.method == "GET":
        return request_list(request, fmt=fmt)
    if request.method != "POST":
        raise Open311Error(405, _("Use GET or POST."))
    params = _params(request)
    key = params.get("api_key", "").strip()
    if not key:
        raise Open311Error(400, _("api_key is required."))
    token = api_token_for_key(key)
    if token is None:
        raise Open311Error(403, _("Invalid api_key."))
    code = params.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _service(code)
    attributes = {}
    for name, value in params.items():
        match = _ATTRIBUTE_RE.match(name)
        if match:
            attributes[match.group(1)] = value.strip()
        elif name.startswith("attribute["):
            raise Open311Error(
                400, _("Malformed attribute parameter: %(name)s.") % {"name": name[:60]}
            )
    building, unit = _building_from(params, attributes)
    for coordinate in ("lat", "long"):
        if params.get(coordinate):
            try:
                float(params[coordinate])
            except ValueError:
                raise Open311Error(
                    400, _("%(name)s must be a number.") % {"name": coordinate}
                ) from None
    location = attributes.get("location") or (
        LocationKind.COMMON_AREA if attributes.get("common_area") else LocationKind.NOT_APPLICABLE
    )
    if location not in LocationKind.values:
        raise Open311Error(400, _("attribute[location] is not one of the listed values."))
    common_area = None
    if attributes.get("common_area"):
        kind = attributes["common_area"]
        if kind not in CommonAreaKind.values:
            raise Open311Error(400, _("attribute[common_area] is not one of the listed values."))
        areas = CommonArea.objects.filter(building=building, kind=kind)
        if attributes.get("entrance"):
            areas = areas.filter(entrance__iexact=attributes["entrance"])
        common_area = areas.order_by("entrance", "name").first()
    reporter = services.ReporterDetails(
        name=" ".join(
            p for p in (params.get("first_name", ""), params.get("last_name", "")) if p
        ).strip()[:200],
        email=params.get("email", "").strip(),
        phone=params.get("phone", "").strip(),
    )
    contact_mode = attributes.get("contact_mode") or (
        ContactMode.SHIELDED if reporter.email or reporter.phone else ContactMode.ANONYMOUS
    )
    if contact_mode not in ContactMode.values:
        raise Open311Error(400, _("attribute[contact_mode] is not one of the listed values."))
    client_key = request.headers.get("Idempotency-Key") or attributes.get("idempotency_key") or ""
    description = params.get("description", "")
    if not description.strip():
        raise Open311Error(400, _("description is required: tell what happened."))
    try:
        result = services.report_submit(
            actor=Viewer(
                user_id=token.user_id,
                label=f"{token.organisation.name}: {token.name}"[:200],
                origin="open311",
                request_id=getattr(request, "request_id", ""),
            ),
            building=building,
            category=category,
            description=description,
            location_kind=location,
            unit=unit if location in (LocationKind.OWN_UNIT, LocationKind.OTHER_UNIT) else None,
            floor=_int(attributes.get("floor", ""), "attribute[floor]"),
            entrance=attributes.get("entrance", "")[:10],
            common_area=common_area,
            occurred_at=_datetime(attributes.get("occurred_at", ""), "attribute[occurred_at]"),
            contact_mode=contact_mode,
            reporter=reporter,
            channel=Channel.OPEN311,
            idempotency_key=(
                throttling.idempotency_key_for(token.prefix, client_key.strip()[:200])
                if client_key.strip()
                else None
            ),
        )
    except ValidationError as exc:
        errors = _validation_errors(exc)
        return error_response(fmt, errors)
    except ApplicationError as exc:
        raise Open311Error(400, exc.message) from exc
    data = [
        {
            "service_request_id": str(result.report.pk),
            "token": signing.dumps(result.report.pk, salt=TOKEN_SALT, compress=False),
            "service_notice": _service_notice(category),
            "account_id": None,
        }
    ]
    response = respond(fmt, "service_requests", data)
    if not result.created:
        response["Idempotent-Replayed"] = "true"
    return response


@open311_view
def token_lookup(request, token, *, fmt):
    try:
        report_id = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        report_id = None
    if not isinstance(report_id, int) or not _published().filter(pk=report_id).exists():
        raise Open311Error(404, _("Unknown token."))
    return respond(
        fmt, "service_requests", [{"service_request_id": str(report_id), "token": token}]
    )


# --- GET service requests -------------------------------------------------------------


def _published():
    """Reports on the read side: no contact requests, and only the non-identifying fields."""
    return (
        Report.objects.exclude(category__is_contact_request=True)
        .select_related("category", "building", "receiving_organisation")
        .only(
            "id",
            "status",
            "created_at",
            "updated_at",
            "closed_at",
            "due_at",
            "category__slug",
            "category__name",
            "category__is_urgent",
            "building__street",
            "building__city",
            "receiving_organisation__name",
        )
    )


def _record(report: Report) -> dict:
    """One request, in the specification's field order. Nothing a reporter wrote, no unit,
    floor or contact data, no intake text: status_notes is the status's standard text."""
    closed = report.closed_at is not None
    return {
        "service_request_id": str(report.pk),
        "status": "closed" if closed else "open",
        "status_notes": default_resident_text(report.status),
        "service_name": report.category.name_in(),
        "service_code": report.category.slug,
        "description": None,
        "agency_responsible": report.receiving_organisation.name,
        "service_notice": _service_notice(report.category),
        "requested_datetime": _published_time(report.created_at),
        "updated_datetime": _published_time(report.closed_at if closed else report.updated_at),
        "expected_datetime": None if closed else _published_time(report.due_at),
        "address": f"{report.building.street}, {report.building.city}",
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }


def _csv(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def request_list(request, *, fmt):
    params = request.GET
    reports = _published()
    ids = _csv(params.get("service_request_id", ""))
    if ids:
        # The specification: service_request_id overrides all other parameters.
        if len(ids) > MAX_RESULTS or not all(i.isdigit() and len(i) < 19 for i in ids):
            raise Open311Error(400, _("service_request_id must be a list of request ids."))
        reports = reports.filter(pk__in=[int(i) for i in ids])
    else:
        codes = _csv(params.get("service_code", ""))
        if codes:
            reports = reports.filter(category__slug__in=codes)
        statuses = _csv(params.get("status", ""))
        if any(s not in ("open", "closed") for s in statuses):
            raise Open311Error(400, _("status must be open, closed or both."))
        if statuses == ["open"]:
            reports = reports.filter(closed_at__isnull=True)
        elif statuses == ["closed"]:
            reports = reports.filter(closed_at__isnull=False)
        start = _datetime(params.get("start_date", ""), "start_date")
        end = _datetime(params.get("end_date", ""), "end_date")
        if start and end and start > end:
            raise Open311Error(400, _("start_date must be before end_date."))
        if start and end and end - start > MAX_SPAN:
            raise Open311Error(400, _("The date range may not span more than 90 days."))
        if start is None and end is None:
            end = timezone.now()
        if start is None:
            start = end - MAX_SPAN
        if end is None:
            end = start + MAX_SPAN
        reports = reports.filter(created_at__gte=start, created_at__lte=end)
    rows = reports.order_by("-created_at", "-id")[:MAX_RESULTS]
    return respond(fmt, "service_requests", [_record(r) for r in rows])


@open311_view
def request_detail(request, request_id, *, fmt):
    valid = request_id.isdigit() and len(request_id) < 19
    found = _published().filter(pk=int(request_id)).first() if valid else None
    if found is None:
        raise Open311Error(404, _("Unknown service_request_id."))
    return respond(fmt, "service_requests", [_record(found)])
