"""Building points: RD (EPSG:28992, what the BAG gives) to WGS84, distances, and the
buildings near a point (what a reporting app's lat/long resolves to).

No GIS library: the RD → WGS84 conversion is the standard approximation (Schreutelkamp
and Strang van Hees, "Benaderingsformules voor de transformatie tussen RD- en
WGS84-kaartcoördinaten"), accurate to about a metre within the Netherlands, which is far
below the size of a building. Distances are great-circle (haversine) distances.
"""

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from wijkregie.places.models import Building

# The reference point (Amersfoort) in RD and WGS84.
_X0, _Y0 = 155_000.0, 463_000.0
_PHI0, _LAM0 = 52.15517440, 5.38720621
# (p, q, coefficient): dX**p * dY**q, in arc seconds.
_K = (
    (0, 1, 3235.65389),
    (2, 0, -32.58297),
    (0, 2, -0.24750),
    (2, 1, -0.84978),
    (0, 3, -0.06550),
    (2, 2, -0.01709),
    (1, 0, -0.00738),
    (4, 0, 0.00530),
    (2, 3, -0.00039),
    (4, 1, 0.00033),
    (1, 1, -0.00012),
)
_L = (
    (1, 0, 5260.52916),
    (1, 1, 105.94684),
    (1, 2, 2.45656),
    (3, 0, -0.81885),
    (1, 3, 0.05594),
    (3, 1, -0.05607),
    (0, 1, 0.01199),
    (3, 2, -0.00256),
    (1, 4, 0.00128),
    (0, 2, 0.00022),
    (2, 0, -0.00022),
    (5, 0, 0.00026),
)
EARTH_RADIUS_M = 6_371_008.8
_SIX_PLACES = Decimal("0.000001")


def rd_to_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) in WGS84 degrees of the RD point (x, y) in metres."""
    dx = (x - _X0) * 1e-5
    dy = (y - _Y0) * 1e-5
    phi = _PHI0 + sum(k * dx**p * dy**q for p, q, k in _K) / 3600
    lam = _LAM0 + sum(c * dx**p * dy**q for p, q, c in _L) / 3600
    return phi, lam


def as_coordinate(value: float) -> Decimal:
    """A degree value as stored on `Building` (six decimals: about 10 cm)."""
    return Decimal(str(value)).quantize(_SIX_PLACES, rounding=ROUND_HALF_UP)


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """The great-circle distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlam = math.radians(long2 - long1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlam / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


class NearBuilding(NamedTuple):
    building: Building
    distance_m: float


def buildings_near(
    latitude: float, longitude: float, *, within_m: float, limit: int = 3
) -> list[NearBuilding]:
    """The buildings with a point at most `within_m` metres from (latitude, longitude),
    nearest first (ties by id). A bounding box on the indexed coordinates narrows the
    candidates; the exact distance decides."""
    dlat = math.degrees(within_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(latitude)), 0.01)
    dlong = math.degrees(within_m / (EARTH_RADIUS_M * cos_lat))
    candidates = Building.objects.filter(
        latitude__gte=as_coordinate(max(-90.0, latitude - dlat)),
        latitude__lte=as_coordinate(min(90.0, latitude + dlat)),
        longitude__gte=as_coordinate(max(-180.0, longitude - dlong)),
        longitude__lte=as_coordinate(min(180.0, longitude + dlong)),
    ).order_by("id")
    near = []
    for building in candidates:
        d = distance_m(latitude, longitude, float(building.latitude), float(building.longitude))
        if d <= within_m:
            near.append(NearBuilding(building, d))
    near.sort(key=lambda n: (n.distance_m, n.building.pk))
    return near[:limit]
