"""The Open311 GeoReport v2 methods and mySociety's updates extension (views)."""

import hashlib
import hmac
import logging
import re
import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from wijkregie.core.access import Viewer
from wijkregie.core.exceptions import ApplicationError
from wijkregie.core.logging import log_event
from wijkregie.partners.selectors import api_token_for_key
from wijkregie.places.models import CommonAreaKind
from wijkregie.places.selectors import building_common_areas
from wijkregie.reports import selectors, services
from wijkregie.reports.models import (
    Category,
    Channel,
    ContactMode,
    LocationKind,
    Report,
)
from wijkregie.reports.open311.parse import (
    _attributes_of,
    _building_from,
    _datetime,
    _fingerprint,
    _int,
    _params,
    _point,
    _validation_errors,
)
from wijkregie.reports.open311.render import (
    FORMATS,
    Open311Error,
    _published_time,
    error_response,
    respond,
)
from wijkregie.reports.workflows import CLOSED_STATUSES, ReportStatus, default_resident_text

logger = logging.getLogger(__name__)


# --- The six methods --------------------------------------------------------------------

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-02T00:00:00+01:00"  # when this endpoint's behaviour last changed
MAX_RESULTS = 1000
MAX_SPAN = timedelta(days=90)
TOKEN_SALT = "wijkregie.reports.open311-token"
# Apps have no 5,000-character box like the web form; a resident who wrote more in one
# gets it stored, up to this (about ten pages).
DESCRIPTION_MAX_LENGTH = 20_000
# A request without an Idempotency-Key that repeats one from the same API key exactly,
# within this window, is a retry after a lost answer: it gets the first request back.
REPEAT_WINDOW = timedelta(minutes=10)
# Seconds a client waits after a 503 (database unreachable); meanwhile this process
# answers 503 at once instead of waiting for the connection pool again.
RETRY_AFTER = 5


def _language(request) -> str:
    """English unless the client's Accept-Language prefers Dutch (en/nl, by q-value).
    Cookies and the site's default language do not count: an app is not a browser."""
    best, best_q = "en", -1.0
    for position, part in enumerate(request.headers.get("Accept-Language", "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        if language not in ("en", "nl"):
            continue
        q = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        if q > best_q and q > 0:
            best, best_q = language, q - position * 1e-6
    return best


_database_down_until = 0.0


def _unavailable(fmt: str) -> HttpResponse:
    response = error_response(
        fmt,
        [
            Open311Error(
                503,
                _("The service is temporarily unavailable. Try again in %(seconds)s seconds.")
                % {"seconds": RETRY_AFTER},
            )
        ],
    )
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def _has_nul(request) -> bool:
    return "\x00" in request.path or any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    )


def open311_view(view):
    """Formats from the path's extension; every failure as the specification's error in
    English (Dutch on request), never an HTML page: bad input a 400, a database that
    cannot be reached a 503 with Retry-After (logged; for RETRY_AFTER seconds after one,
    the process answers 503 without waiting for the pool), anything else a logged 500."""

    @wraps(view)
    def wrapper(request, *args, fmt="xml", **kwargs):
        global _database_down_until
        if fmt not in FORMATS:
            fmt = "xml"
        with translation.override(_language(request)):
            if _has_nul(request):
                return error_response(
                    fmt, [Open311Error(400, _("A parameter contains a NUL character."))]
                )
            if time.monotonic() < _database_down_until:
                return _unavailable(fmt)
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error_response(fmt, [exc])
            except (OperationalError, InterfaceError) as exc:
                _database_down_until = time.monotonic() + RETRY_AFTER
                log_event(
                    "open311.database_unavailable",
                    level=logging.ERROR,
                    origin="open311",
                    result="503",
                    action=request.method,
                    object=request.path,
                    error=type(exc).__name__,
                )
                return _unavailable(fmt)
            except Exception:
                logger.exception("Open311 request failed: %s %s", request.method, request.path)
                return error_response(
                    fmt, [Open311Error(500, _("Something went wrong on our side."))]
                )

    return csrf_exempt(wrapper)


@open311_view
def not_found(request, path="", *, fmt):
    """Any other path under /open311/v2/: a 404 in the format its extension names."""
    raise Open311Error(404, _("There is no Open311 method at this address."))


@csrf_exempt
def not_found_view(request, path=""):
    fmt = "json" if path.rstrip("/").endswith(".json") else "xml"
    return not_found(request, path, fmt=fmt)


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
    """None is required: the building comes from lat/long (nearest building), address_id,
    address_string or building_code; the rest has a default."""
    return [
        _attribute(
            "building_code",
            "string",
            1,
            _(
                "The building's public code, from its report link or QR code. Not needed "
                "when lat and long, address_id or address_string locate the building "
                "(lat/long: the nearest building within %(radius)s metres)."
            )
            % {"radius": settings.WIJKREGIE_OPEN311_POINT_RADIUS_M},
        ),
        _attribute(
            "location",
            "singlevaluelist",
            2,
            _("Where in or around the building it happened (default: not_applicable)."),
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
            hint=_(
                "W3C date and time, e.g. 2026-03-01T21:30:00+01:00; without a time zone "
                "(2026-03-01T21:30, as an HTML datetime-local field sends) it is the "
                "building's local time."
            ),
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
    ]


@open311_view
def service_definition(request, code, *, fmt):
    category = _service(code)
    return respond(
        fmt, "service_definition", {"service_code": category.slug, "attributes": _attributes()}
    )


# --- POST a service request ---------------------------------------------------------


def _client_key(*parts: str) -> str:
    """The database key for a request from an API client's own key: namespaced per client
    so two reporting apps choosing the same key cannot collide; a keyed digest, stored in
    the database, so it must never change."""
    digest = hmac.new(settings.SECRET_KEY.encode(), "\x1f".join(parts).encode(), hashlib.sha256)
    return "o311-" + digest.hexdigest()[:32]


def _idempotency(request, token, params: dict) -> dict:
    """The report service's idempotency arguments. With an Idempotency-Key header: that
    key (per API key), and a reuse with another body is a 409. Without one: the body
    itself, so an exact repeat within REPEAT_WINDOW is answered with the first request."""
    fingerprint = _fingerprint(params)
    client_key = request.headers.get("Idempotency-Key", "").strip()
    if client_key:
        if len(client_key) > 200 or not client_key.isprintable():
            raise Open311Error(
                400, _("The Idempotency-Key header must be printable, at most 200 characters.")
            )
        key = _client_key(token.prefix, client_key)
        return {"idempotency_key": key, "idempotency_fingerprint": fingerprint}
    return {
        "idempotency_key": _client_key(token.prefix, "\x1erepeat", fingerprint),
        "idempotency_fingerprint": fingerprint,
        "idempotency_window": REPEAT_WINDOW,
    }


@open311_view
def request_create(request, *, fmt):
    if request.method == "GET":
        return request_list(request, fmt=fmt)
    if request.method != "POST":
        raise Open311Error(405, _("Use GET or POST."))
    params = _params(request)
    key = params.get("api_key", "")
    key = key.strip() if isinstance(key, str) else ""
    if not key:
        raise Open311Error(400, _("api_key is required."))
    token = api_token_for_key(key)
    if token is None:
        raise Open311Error(403, _("Invalid api_key."))
    code = params.get("service_code", "")
    code = code.strip() if isinstance(code, str) else ""
    if not code:
        raise Open311Error(400, _("service_code is required."))
    category = _service(code)
    attributes = _attributes_of(params)
    building, unit = _building_from(params, attributes)
    _point(params)  # checked even when another parameter names the building
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
        entrance = attributes.get("entrance", "").lower()
        areas = [
            a
            for a in building_common_areas(building.pk)
            if a.kind == kind and (not entrance or a.entrance.lower() == entrance)
        ]
        common_area = min(areas, key=lambda a: (a.entrance, a.name, a.pk), default=None)
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
    description = params.get("description", "")
    if not description.strip():
        raise Open311Error(400, _("description is required: tell what happened."))
    if len(description.strip()) > DESCRIPTION_MAX_LENGTH:
        raise Open311Error(
            400,
            _("description may be at most %(max)s characters; this one has %(count)s.")
            % {"max": f"{DESCRIPTION_MAX_LENGTH:,}", "count": f"{len(description.strip()):,}"},
        )
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
            description_max_length=DESCRIPTION_MAX_LENGTH,
            **_idempotency(request, token, params),
        )
    except ValidationError as exc:
        errors = _validation_errors(exc)
        return error_response(fmt, errors)
    except services.IdempotencyKeyReused as exc:
        raise Open311Error(
            409,
            _(
                "This Idempotency-Key was used before for a request with other parameters. "
                "Use a new key for a new request."
            ),
        ) from exc
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
    if (
        not isinstance(report_id, int)
        or not selectors.open311_published_reports().filter(pk=report_id).exists()
    ):
        raise Open311Error(404, _("Unknown token."))
    return respond(
        fmt, "service_requests", [{"service_request_id": str(report_id), "token": token}]
    )


# --- GET service requests -------------------------------------------------------------


def _record(report: Report) -> dict:
    """One request, in the specification's field order. Nothing a reporter wrote, no unit,
    floor or contact data, no intake text: status_notes is the status's standard text.
    lat/long are the building's point (it tells no more than the street does)."""
    closed = report.closed_at is not None
    building = report.building
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
        "address": f"{building.street}, {building.city}",
        "address_id": None,
        "zipcode": None,
        "lat": None if building.latitude is None else float(building.latitude),
        "long": None if building.longitude is None else float(building.longitude),
        "media_url": None,
    }


def _csv(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _date_range(params) -> tuple:
    """start_date and end_date: at most 90 days apart; the last 90 days by default."""
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
    return start, end


def request_list(request, *, fmt):
    params = request.GET
    reports = selectors.open311_published_reports()
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
        start, end = _date_range(params)
        reports = reports.filter(created_at__gte=start, created_at__lte=end)
    rows = reports.order_by("-created_at", "-id")[:MAX_RESULTS]
    return respond(fmt, "service_requests", [_record(r) for r in rows])


@open311_view
def request_detail(request, request_id, *, fmt):
    valid = request_id.isdigit() and len(request_id) < 19
    found = (
        selectors.open311_published_reports().filter(pk=int(request_id)).first() if valid else None
    )
    if found is None:
        raise Open311Error(404, _("Unknown service_request_id."))
    return respond(fmt, "service_requests", [_record(found)])


# --- mySociety's extension: GET service request updates ---------------------------------

# The status an update reports, in the values FixMyStreet understands.
UPDATE_STATUS = {
    ReportStatus.RECEIVED: "open",
    ReportStatus.IN_TRIAGE: "investigating",
    ReportStatus.FORWARDED: "internal_referral",
    ReportStatus.LINKED_TO_CASE: "in_progress",
    ReportStatus.RESOLVED: "fixed",
    ReportStatus.REJECTED: "no_further_action",
}


@open311_view
def request_updates(request, *, fmt):
    """Status changes of the published requests, oldest first (at most MAX_RESULTS; a
    client continues from the last `updated_datetime` it saw).

    `description` is the resident-facing text: the text intake wrote for the reporter
    only to the API key whose app submitted the request (its user is the reporter),
    the status's standard text to everyone else. Never internal notes, reasons, who
    made the change or the organisations between which it was forwarded. `update_id`
    is `<service_request_id>-<n>`, the change's place in the request's history: no
    database sequence that could be matched across requests or organisations."""
    if request.method != "GET":
        raise Open311Error(405, _("Use GET."))
    token = None
    key = request.GET.get("api_key", "").strip()
    if key:
        token = api_token_for_key(key)
        if token is None:
            raise Open311Error(403, _("Invalid api_key."))
    start, end = _date_range(request.GET)
    changes = selectors.open311_published_status_changes(
        start=start, end=end, submitted_by_user_id=token.user_id if token else None
    )
    rows = []
    for change in changes[:MAX_RESULTS]:
        own = getattr(change, "own", False) and not change.resident_text_is_default
        rows.append(
            {
                "update_id": f"{change.report_id}-{change.ordinal}",
                "service_request_id": str(change.report_id),
                "status": UPDATE_STATUS.get(
                    change.to_status,
                    "closed" if change.to_status in CLOSED_STATUSES else "open",
                ),
                "updated_datetime": _published_time(change.created_at),
                "description": change.resident_text
                if own
                else default_resident_text(change.to_status),
                "media_url": None,
            }
        )
    return respond(fmt, "service_requests_updates", rows)
