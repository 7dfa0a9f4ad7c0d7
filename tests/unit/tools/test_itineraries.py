"""Itineraries from route facts: directed legs per cabin and day, nonstop and one-stop
itineraries, distances and the return check."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from loyalty_maximizer.facts.models import Airport, Route
from loyalty_maximizer.tools.itineraries import Segment, find_itineraries, legs_of

DAY = dt.date(2026, 6, 1)

# Airports on the equator: the distance between two of them is 3958.8 x the longitude
# difference in radians (69.094 miles per degree), rounded half-up.
LONGITUDE = {"JFK": 0.0, "EWR": 1.0, "LGA": 2.0, "FRA": 40.0, "LHR": 50.0, "LGW": 53.0}
AIRPORTS = {
    code: Airport.model_validate({"airportId": code, "latitude": 0.0, "longitude": lon})
    for code, lon in LONGITUDE.items()
}
NYC = {"JFK", "EWR", "LGA"}
LON = {"LHR", "LGW"}


def route(airline: str, origin: str, destination: str, **fields: Any) -> Route:
    record = {"airlineId": airline, "origin": origin, "destination": destination, **fields}
    return Route.model_validate_json(json.dumps(record))


def itineraries(
    routes: list[Route],
    origins: set[str] = NYC,
    destinations: set[str] = LON,
    max_stops: int = 1,
    cabin: str = "business",
) -> dict[str, tuple[Segment, ...]]:
    found = find_itineraries(
        legs_of(routes, cabin, DAY), origins, destinations, AIRPORTS, max_stops
    )
    return {"-".join(i.airports) + "/" + "+".join(i.airlines): i.segments for i in found}


# --- legs -------------------------------------------------------------------------------------


def test_legs_of__bidirectional_by_default_one_way_when_stated() -> None:
    # GIVEN a route both ways (default) and one stated one-way
    legs = legs_of(
        [route("AC", "JFK", "LHR"), route("BA", "JFK", "LGW", bidirectional=False)],
        "business",
        DAY,
    )
    # WHEN the directed legs are listed  THEN AC both ways, BA only JFK -> LGW
    assert set(legs) == {("AC", "JFK", "LHR"), ("AC", "LHR", "JFK"), ("BA", "JFK", "LGW")}


def test_legs_of__keeps_routes_offering_the_cabin_or_not_stating_cabins() -> None:
    # GIVEN an economy-only route, a business route and a route without cabins
    routes = [
        route("AC", "JFK", "LHR", cabins=["economy"]),
        route("BA", "JFK", "LHR", cabins=["economy", "business"]),
        route("VS", "JFK", "LHR"),
    ]
    # WHEN business legs are listed
    legs = legs_of(routes, "business", DAY)
    # THEN BA (cabin stated) and VS (cabins not stated, flagged) remain
    outbound = {k[0]: v.cabins_stated for k, v in legs.items() if k[1] == "JFK"}
    assert outbound == {"BA": True, "VS": False}


def test_legs_of__a_route_with_cabins_wins_over_one_without() -> None:
    # GIVEN the same flight stated once without and once with cabins
    legs = legs_of(
        [route("AC", "JFK", "LHR"), route("AC", "JFK", "LHR", cabins=["business"])],
        "business",
        DAY,
    )
    # WHEN the legs are listed  THEN the leg counts as stated
    assert legs[("AC", "JFK", "LHR")].cabins_stated is True


@pytest.mark.parametrize(
    ("fields", "exists"),
    [
        ({"effectiveDate": "2026-06-01"}, True),  # inclusive start
        ({"expirationDate": "2026-06-01"}, True),  # inclusive end
        ({"effectiveDate": "2026-06-02"}, False),
        ({"expirationDate": "2026-05-31"}, False),
    ],
)
def test_legs_of__only_routes_valid_on_the_day(fields: dict[str, str], exists: bool) -> None:
    # GIVEN a route with a validity window  WHEN the legs of 2026-06-01 are listed
    legs = legs_of([route("AC", "JFK", "LHR", **fields)], "business", DAY)
    # THEN it flies only inside the window
    assert (("AC", "JFK", "LHR") in legs) is exists


# --- itineraries --------------------------------------------------------------------------------


def test_find_itineraries__nonstop_and_one_stop_with_rounded_distances() -> None:
    # GIVEN JFK-LHR nonstop, and EWR-FRA + FRA-LHR
    found = itineraries(
        [route("AC", "JFK", "LHR"), route("UA", "EWR", "FRA"), route("LH", "FRA", "LHR")]
    )
    # WHEN NYC -> LON itineraries are listed
    # THEN the nonstop (50 degrees: 3454.70 -> 3455) and the one-stop
    # (39 degrees: 2694.67 -> 2695; 10 degrees: 690.94 -> 691)
    assert found == {
        "JFK-LHR/AC": (Segment("AC", "JFK", "LHR", 3455, False),),
        "EWR-FRA-LHR/UA+LH": (
            Segment("UA", "EWR", "FRA", 2695, False),
            Segment("LH", "FRA", "LHR", 691, False),
        ),
    }


def test_find_itineraries__max_stops_0_is_nonstop_only() -> None:
    # GIVEN a nonstop and a one-stop  WHEN maxStops is 0  THEN the nonstop alone
    found = itineraries(
        [route("AC", "JFK", "LHR"), route("UA", "EWR", "FRA"), route("LH", "FRA", "LHR")],
        max_stops=0,
    )
    assert list(found) == ["JFK-LHR/AC"]


def test_find_itineraries__no_connection_through_the_origin_set() -> None:
    # GIVEN JFK-EWR and EWR-LHR (EWR is in NYC, the origin)
    found = itineraries([route("UA", "JFK", "EWR"), route("UA", "EWR", "LHR")])
    # WHEN NYC -> LON itineraries are listed  THEN EWR-LHR only, never JFK-EWR-LHR
    assert list(found) == ["EWR-LHR/UA"]


def test_find_itineraries__no_connection_through_the_destination_set() -> None:
    # GIVEN JFK-LHR and LHR-LGW (LHR is in LON, the destination)
    found = itineraries([route("BA", "JFK", "LHR"), route("BA", "LHR", "LGW")])
    # WHEN NYC -> LON itineraries are listed  THEN JFK-LHR only, never JFK-LHR-LGW
    assert list(found) == ["JFK-LHR/BA"]


def test_find_itineraries__connections_may_change_airline_and_detour() -> None:
    # GIVEN a connection far beyond the destination (LGW -> FRA is further east than LON)
    found = itineraries(
        [route("AC", "JFK", "LGW", bidirectional=False), route("LH", "FRA", "LGW")],
        destinations={"FRA"},
        origins={"JFK"},
    )
    # WHEN JFK -> FRA itineraries are listed  THEN the detour through LGW counts (no limit)
    assert list(found) == ["JFK-LGW-FRA/AC+LH"]


def test_find_itineraries__has_return_only_when_every_segment_flies_back() -> None:
    # GIVEN JFK-LHR both ways, and EWR -> FRA one-way with FRA-LHR both ways
    found = find_itineraries(
        legs_of(
            [
                route("AC", "JFK", "LHR"),
                route("UA", "EWR", "FRA", bidirectional=False),
                route("LH", "FRA", "LHR"),
            ],
            "business",
            DAY,
        ),
        NYC,
        LON,
        AIRPORTS,
        1,
    )
    # WHEN the itineraries are listed  THEN only the nonstop can be flown back
    assert {"-".join(i.airports): i.has_return for i in found} == {
        "JFK-LHR": True,
        "EWR-FRA-LHR": False,
    }


def test_find_itineraries__skips_airports_without_coordinates() -> None:
    # GIVEN a route to an airport whose coordinates are unknown
    airports = {**AIRPORTS, "LCY": Airport.model_validate({"airportId": "LCY"})}
    found = find_itineraries(
        legs_of([route("BA", "JFK", "LCY"), route("AC", "JFK", "LHR")], "business", DAY),
        NYC,
        {"LHR", "LCY"},
        airports,
        1,
    )
    # WHEN itineraries are listed  THEN only the measurable one
    assert ["-".join(i.airports) for i in found] == ["JFK-LHR"]
