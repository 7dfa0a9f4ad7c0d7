"""Itineraries between two places from the route facts: nonstop, or one stop through an
airport that is in neither the origin set nor the destination set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from loyalty_maximizer.arithmetic import great_circle_miles
from loyalty_maximizer.facts.models import Airport, Route


@dataclass(frozen=True)
class Leg:
    """A directed flight an airline operates in the requested cabin."""

    airline: str
    origin: str
    destination: str
    cabins_stated: bool

    @property
    def reverse_key(self) -> tuple[str, str, str]:
        return (self.airline, self.destination, self.origin)


@dataclass(frozen=True)
class Segment:
    airline: str
    origin: str
    destination: str
    distance: int
    cabins_stated: bool


@dataclass(frozen=True)
class Itinerary:
    segments: tuple[Segment, ...]
    has_return: bool  # every segment also flies back (same airline, cabin offered)
    # Derived from the segments once, because pricing reads them for every program.
    airports: tuple[str, ...] = field(init=False)
    airlines: tuple[str, ...] = field(init=False)
    distance: int = field(init=False)

    def __post_init__(self) -> None:
        airports = (self.segments[0].origin, *(s.destination for s in self.segments))
        object.__setattr__(self, "airports", airports)
        object.__setattr__(self, "airlines", tuple(s.airline for s in self.segments))
        object.__setattr__(self, "distance", sum(s.distance for s in self.segments))

    @property
    def origin(self) -> str:
        return self.segments[0].origin

    @property
    def destination(self) -> str:
        return self.segments[-1].destination


def legs_of(routes: Iterable[Route], cabin: str, day: dt.date) -> dict[tuple[str, str, str], Leg]:
    """Directed legs offering ``cabin`` on ``day`` (a route without cabins offers all)."""
    legs: dict[tuple[str, str, str], Leg] = {}
    for route in routes:
        if not route.valid_on(day) or (route.cabins is not None and cabin not in route.cabins):
            continue
        stated = route.cabins is not None
        ends = [(route.origin, route.destination)]
        if route.bidirectional:
            ends.append((route.destination, route.origin))
        for a, b in ends:
            key = (route.airline_id, a, b)
            if key not in legs or (stated and not legs[key].cabins_stated):
                legs[key] = Leg(route.airline_id, a, b, stated)
    return legs


def find_itineraries(
    legs: dict[tuple[str, str, str], Leg],
    origins: set[str],
    destinations: set[str],
    airports: dict[str, Airport],
    max_stops: int,
) -> list[Itinerary]:
    """Every nonstop and (when allowed) one-stop itinerary from origins to destinations."""
    outbound = [leg for leg in legs.values() if leg.origin in origins]
    inbound: dict[str, list[Leg]] = {}
    for leg in legs.values():
        if leg.destination in destinations:
            inbound.setdefault(leg.origin, []).append(leg)

    made: dict[Leg, Segment | None] = {}

    def segment(leg: Leg) -> Segment | None:
        if leg not in made:
            made[leg] = _segment(leg)
        return made[leg]

    def _segment(leg: Leg) -> Segment | None:
        a, b = airports.get(leg.origin), airports.get(leg.destination)
        if a is None or b is None or None in (a.latitude, a.longitude, b.latitude, b.longitude):
            return None
        distance = great_circle_miles(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
        return Segment(leg.airline, leg.origin, leg.destination, distance, leg.cabins_stated)

    found: list[Itinerary] = []
    for first in outbound:
        chains: list[tuple[Leg, ...]] = []
        if first.destination in destinations:
            chains.append((first,))
        elif max_stops >= 1 and first.destination not in origins:
            chains.extend((first, second) for second in inbound.get(first.destination, []))
        for chain in chains:
            segments = [segment(leg) for leg in chain]
            if any(s is None for s in segments):
                continue
            has_return = all(leg.reverse_key in legs for leg in chain)
            found.append(Itinerary(tuple(s for s in segments if s is not None), has_return))
    return found
