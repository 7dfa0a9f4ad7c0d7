"""The number rules every calculation follows (contracts/facts.md: Rounding, Distance)."""

from __future__ import annotations

import math

EARTH_RADIUS_MILES = 3958.8


def round_half_up(x: float) -> int:
    """floor(x + 0.5): the contract's rounding for every integer result."""
    return math.floor(x + 0.5)


def great_circle_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """Haversine distance in statute miles on a 3958.8-mile sphere, rounded half-up."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return round_half_up(2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a))))
