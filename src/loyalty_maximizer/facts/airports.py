"""The bundled airport database (airportsdata) and the curated IATA metropolitan codes."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import airportsdata

# IATA metropolitan area codes and the commercial airports they stand for. Facts may add
# airports to a metro with an airport record's ``metroCode``; requests see the union.
METRO_AIRPORTS: dict[str, tuple[str, ...]] = {
    "BJS": ("PEK", "PKX"),
    "BUE": ("EZE", "AEP"),
    "BUH": ("OTP", "BBU"),
    "CHI": ("ORD", "MDW"),
    "JKT": ("CGK", "HLP"),
    "LON": ("LHR", "LGW", "STN", "LTN", "LCY", "SEN"),
    "MIL": ("MXP", "LIN", "BGY"),
    "MOW": ("SVO", "DME", "VKO"),
    "NYC": ("JFK", "EWR", "LGA"),
    "OSA": ("KIX", "ITM", "UKB"),
    "PAR": ("CDG", "ORY", "BVA"),
    "REK": ("KEF", "RKV"),
    "RIO": ("GIG", "SDU"),
    "ROM": ("FCO", "CIA"),
    "SAO": ("GRU", "CGH", "VCP"),
    "SEL": ("ICN", "GMP"),
    "SHA": ("PVG", "SHA"),
    "STO": ("ARN", "BMA", "NYO"),
    "TYO": ("HND", "NRT"),
    "WAS": ("IAD", "DCA", "BWI"),
    "YMQ": ("YUL", "YMX"),
    "YTO": ("YYZ", "YTZ"),
}

METRO_OF_AIRPORT: dict[str, str] = {
    airport: metro for metro, airports in METRO_AIRPORTS.items() for airport in airports
}


@lru_cache(maxsize=1)
def _database() -> dict[str, Any]:
    data: dict[str, Any] = airportsdata.load("IATA")
    return data


def known_airport(code: str) -> bool:
    return code in _database()


def reference_airport(code: str) -> dict[str, Any] | None:
    """What the bundled database says of an IATA airport, in facts field names."""
    row = _database().get(code)
    if row is None:
        return None
    result: dict[str, Any] = {
        "airportId": code,
        "name": row["name"],
        "city": row["city"] or None,
        "country": row["country"] or None,
        "latitude": float(row["lat"]),
        "longitude": float(row["lon"]),
    }
    if code in METRO_OF_AIRPORT:
        result["metroCode"] = METRO_OF_AIRPORT[code]
    return {k: v for k, v in result.items() if v is not None}
