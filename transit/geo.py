"""WGS-84 <-> GCJ-02, the datum Chinese map SDKs (Amap, Tencent) draw in.

Terminals report WGS-84 and the core works in it (DESIGN.md, rule 5); the app
API converts at the edge. GCJ-02 is WGS-84 plus a deterministic offset of a
few hundred metres inside China; outside China the two are the same. The
offset formula is the widely published one (Krasowsky ellipsoid); the inverse
has no closed form and is found by fixed-point iteration. Pure functions of
degrees; no I/O.
"""

from __future__ import annotations

import math

_A = 6378245.0  # Krasowsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
INVERSE_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 30


def in_china(lat: float, lon: float) -> bool:
    """Whether the offset applies: the rough bounding box every GCJ-02
    implementation uses (so points agree with what the SDKs draw)."""
    return 0.8293 <= lat <= 55.8271 and 72.004 <= lon <= 137.8347


def _offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 minus WGS-84 offset at a WGS-84 point, in degrees (lat, lon)."""
    x, y = lon - 105.0, lat - 35.0
    common = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
             + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lat, d_lon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 (lat, lon) of a WGS-84 point; unchanged outside China."""
    if not in_china(lat, lon):
        return lat, lon
    d_lat, d_lon = _offset(lat, lon)
    return lat + d_lat, lon + d_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """The WGS-84 (lat, lon) whose GCJ-02 is the given point, to within
    ``INVERSE_TOLERANCE_DEG``; unchanged outside China.

    The offset changes slowly (well under 1e-3 per degree of shift), so
    w <- w + (target - gcj(w)) converges in a few steps.
    """
    if not in_china(lat, lon):
        return lat, lon
    w_lat, w_lon = lat, lon
    for _ in range(_MAX_ITERATIONS):
        g_lat, g_lon = wgs84_to_gcj02(w_lat, w_lon)
        e_lat, e_lon = lat - g_lat, lon - g_lon
        w_lat, w_lon = w_lat + e_lat, w_lon + e_lon
        if abs(e_lat) < INVERSE_TOLERANCE_DEG and abs(e_lon) < INVERSE_TOLERANCE_DEG:
            break
    return w_lat, w_lon


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6371008.8 * math.asin(math.sqrt(h))
