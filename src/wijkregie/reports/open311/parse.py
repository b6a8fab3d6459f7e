"""Reading an Open311 request: parameters (form or JSON), attributes, the building from a
code, an address or a point, numbers and times; every problem an `Open311Error`."""

import hashlib
import json
import math
import re

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from wijkregie.core.exceptions import NotFound
from wijkregie.places.addresses import find_address
from wijkregie.places.geo import buildings_near
from wijkregie.places.models import Building, Unit
from wijkregie.places.selectors import building_get_by_public_code, units_at_address
from wijkregie.reports.open311.render import Open311Error

_ATTRIBUTE_RE = re.compile(r"^attribute\[([A-Za-z0-9_]{1,40})\](\[\])?$")


# --- Parsing a POST ---------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, list):
        return [("" if v is None else str(v)) for v in value]
    return "" if value is None else str(value)


def _read_params(request) -> dict:
    content_type = request.content_type or ""
    try:
        if content_type == "application/json":
            body = json.loads(request.body or b"{}")
            if not isinstance(body, dict):
                raise ValueError
            params = {}
            for key, value in body.items():
                if key == "attribute" and isinstance(value, dict):
                    params.update({f"attribute[{k}]": _json_value(v) for k, v in value.items()})
                else:
                    params[key] = _json_value(value)
            return params
        if content_type in ("", "application/x-www-form-urlencoded", "multipart/form-data"):
            # A repeated parameter (attribute[x][]=a&attribute[x][]=b) keeps every value.
            return {
                key: values if key.endswith("[]") else values[-1]
                for key, values in request.POST.lists()
            }
    except (ValueError, UnicodeDecodeError, SuspiciousOperation, MultiPartParserError):
        raise Open311Error(400, _("The request body could not be read.")) from None
    raise Open311Error(
        400, _("Send the parameters form-encoded (application/x-www-form-urlencoded).")
    )


def _params(request) -> dict:
    """The POST parameters, each a string (a list for `name[]`): form-encoded as the
    specification says; a JSON object is accepted too. Anything else, a body that does
    not parse, or a NUL character anywhere, is a 400."""
    params = _read_params(request)
    for key, value in params.items():
        values = value if isinstance(value, list) else [value]
        if "\x00" in key or any("\x00" in v for v in values):
            raise Open311Error(
                400,
                _("%(name)s contains a NUL character.") % {"name": key.replace("\x00", "")[:60]},
            )
    return params


def _fingerprint(params: dict) -> str:
    """A digest of the request's body: the same parameters give the same digest, in any
    order and in either encoding. The api_key is left out (keys are per API key anyway)."""
    canonical = sorted(
        (k, v if isinstance(v, list) else [v]) for k, v in params.items() if k != "api_key"
    )
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False).encode()).hexdigest()


def _building_from(params: dict, attributes: dict) -> tuple[Building, Unit | None]:
    code = attributes.get("building_code", "").strip() or params.get("address_id", "").strip()
    if code:
        # The public code (unique), else the BAG pand id: two index lookups, never an OR
        # that the planner may answer by walking the primary key.
        try:
            building = building_get_by_public_code(code)
        except NotFound:
            building = None
        building = building or (
            Building.objects.filter(bag_pand_id=code[:16]).order_by("pk").first()
            if code.isdigit()
            else None
        )
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
    point = _point(params)
    if point is not None:
        return _building_at(*point), None
    raise Open311Error(
        400,
        _(
            "A location is required: lat and long, attribute[building_code], address_id "
            "or address_string."
        ),
    )


def _coordinate(params: dict, name: str, limit: float) -> float | None:
    value = params.get(name, "")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        number = float(value.strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise Open311Error(
            400,
            _("%(name)s must be a number of degrees from -%(limit)s to %(limit)s (WGS84).")
            % {"name": name, "limit": int(limit)},
        )
    return number


def _point(params: dict) -> tuple[float, float] | None:
    """The request's (lat, long), checked; None when neither is sent."""
    lat = _coordinate(params, "lat", 90)
    long = _coordinate(params, "long", 180)
    if (lat is None) != (long is None):
        raise Open311Error(400, _("Send lat and long together."))
    return None if lat is None else (lat, long)


def _building_at(lat: float, long: float) -> Building:
    """The nearest building within the radius; else an error naming the nearest ones
    (looked for up to 25 km away)."""
    radius = settings.WIJKREGIE_OPEN311_POINT_RADIUS_M
    near = buildings_near(lat, long, within_m=radius, limit=1)
    if near:
        return near[0].building
    farther = []
    for within in (1_000, 5_000, 25_000):
        farther = buildings_near(lat, long, within_m=within, limit=3)
        if farther:
            break
    if not farther:
        raise Open311Error(
            400,
            _(
                "No building we know lies within %(radius)s metres of this lat/long, nor "
                "within 25 km. Check the coordinates (WGS84 degrees), or send "
                "address_string or attribute[building_code]."
            )
            % {"radius": radius},
        )
    names = "; ".join(
        f"{n.building.name}, {n.building.street}, {n.building.city} ({round(n.distance_m)} m)"
        for n in farther
    )
    raise Open311Error(
        400,
        _(
            "No building we know lies within %(radius)s metres of this lat/long. The "
            "nearest: %(buildings)s. Send a point on the building, or address_string or "
            "attribute[building_code]."
        )
        % {"radius": radius, "buildings": names},
    )


def _int(value: str, name: str) -> int | None:
    if value in ("", None):
        return None
    try:
        return int(value)
    except ValueError:
        raise Open311Error(400, _("%(name)s must be a whole number.") % {"name": name}) from None


def _datetime(value: str, name: str):
    """A W3C date and time; without a time zone (an HTML datetime-local field's
    `2026-12-02T14:27`) it is local time where the buildings are (TIME_ZONE)."""
    if not value:
        return None
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(
            400,
            _("%(name)s must be a W3C date and time, e.g. %(example)s or %(local)s.")
            % {"name": name, "example": "2026-03-01T21:30:00+01:00", "local": "2026-03-01T21:30"},
        )
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed


def _validation_errors(exc: ValidationError) -> list[Open311Error]:
    errors = []
    for field, messages in exc.message_dict.items():
        for message in messages:
            errors.append(Open311Error(400, f"{field}: {message}"))
    return errors or [Open311Error(400, _("The request is not valid."))]


def _attributes_of(params: dict) -> dict[str, str]:
    """attribute[code] and attribute[code][] (how apps send list attributes) as one
    value per code. Every attribute here takes one value: a list must hold one (or
    repeat it)."""
    attributes = {}
    for name, value in params.items():
        match = _ATTRIBUTE_RE.match(name)
        if match:
            values = value if isinstance(value, list) else [value]
            distinct = list(dict.fromkeys(v.strip() for v in values if v.strip()))
            if len(distinct) > 1:
                raise Open311Error(
                    400,
                    _("attribute[%(code)s] takes one value; %(count)s were sent.")
                    % {"code": match.group(1), "count": len(distinct)},
                )
            attributes[match.group(1)] = distinct[0] if distinct else ""
        elif name.startswith("attribute["):
            raise Open311Error(
                400, _("Malformed attribute parameter: %(name)s.") % {"name": name[:60]}
            )
        elif isinstance(value, list) and not name.endswith("[]"):
            raise Open311Error(400, _("%(name)s takes one value.") % {"name": name[:60]})
    return attributes
