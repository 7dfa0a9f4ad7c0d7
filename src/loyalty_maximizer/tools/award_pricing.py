"""Award price lookup (contracts/facts.md): which price rows of a program apply to an
itinerary, whole-trip or per segment, and which one wins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from loyalty_maximizer.facts.models import AwardPrice
from loyalty_maximizer.tools.itineraries import Itinerary, Segment

# (programId, airport) -> the program's region ids containing the airport, "*" included.
RegionsOf = Callable[[str, str], frozenset[str]]


@dataclass(frozen=True)
class Quote:
    """The price of an itinerary for one passenger, with what it is made of."""

    points: int
    pricing: str  # fixed | dynamic_from
    surcharge_usd: float  # per passenger, for every priced unit
    units: int  # priced units per passenger (whole-trip row: 1; per segment: 1 each)
    rows: tuple[AwardPrice, ...]
    per_segment: bool

    def rank(self) -> tuple[int, int, float]:
        return (self.points, self.pricing != "fixed", self.surcharge_usd)


def _in_regions(row: AwardPrice, origin: frozenset[str], destination: frozenset[str]) -> bool:
    forward = row.origin_region_id in origin and row.destination_region_id in destination
    backward = row.origin_region_id in destination and row.destination_region_id in origin
    return forward or (row.symmetric and backward)


def _airlines_ok(row: AwardPrice, airlines: Sequence[str]) -> bool:
    listed = row.operating_airline_ids
    excluded = row.excluded_operating_airline_ids or ()
    return all((listed is None or a in listed) and a not in excluded for a in airlines)


def _distance_ok(row: AwardPrice, distance: int) -> bool:
    if row.min_distance is not None and distance < row.min_distance:
        return False
    return row.max_distance is None or distance <= row.max_distance


def _segment_rank(row: AwardPrice) -> tuple[int, bool, float]:
    return (row.points, row.pricing != "fixed", row.surcharge_usd or 0.0)


def _whole_trip(
    row: AwardPrice, itinerary: Itinerary, regions: RegionsOf, round_trip: bool
) -> Quote | None:
    if row.per_segment or (row.trip_type == "round_trip" and not round_trip):
        return None
    doubled = round_trip and row.trip_type == "one_way"
    if doubled and not itinerary.has_return:
        return None
    origin = regions(row.program_id, itinerary.origin)
    destination = regions(row.program_id, itinerary.destination)
    distance = itinerary.distance * (2 if row.trip_type == "round_trip" else 1)
    if not (
        _in_regions(row, origin, destination)
        and _airlines_ok(row, itinerary.airlines)
        and _distance_ok(row, distance)
    ):
        return None
    factor = 2 if doubled else 1
    surcharge = (row.surcharge_usd or 0.0) * factor
    return Quote(row.points * factor, row.pricing, surcharge, factor, (row,), False)


def _per_segment(
    rows: Sequence[AwardPrice], itinerary: Itinerary, regions: RegionsOf, round_trip: bool
) -> Quote | None:
    if round_trip and not itinerary.has_return:
        return None
    chosen: list[AwardPrice] = []
    for segment in itinerary.segments:
        best = _cheapest_for_segment(rows, segment, regions)
        if best is None:
            return None
        chosen.append(best)
    factor = 2 if round_trip else 1
    dynamic = any(r.pricing != "fixed" for r in chosen)
    return Quote(
        sum(r.points for r in chosen) * factor,
        "dynamic_from" if dynamic else "fixed",
        sum(r.surcharge_usd or 0.0 for r in chosen) * factor,
        len(chosen) * factor,
        tuple(chosen),
        True,
    )


def _cheapest_for_segment(
    rows: Sequence[AwardPrice], segment: Segment, regions: RegionsOf
) -> AwardPrice | None:
    applicable = [
        row
        for row in rows
        if row.per_segment
        and _in_regions(
            row,
            regions(row.program_id, segment.origin),
            regions(row.program_id, segment.destination),
        )
        and _airlines_ok(row, (segment.airline,))
        and _distance_ok(row, segment.distance)
    ]
    return min(applicable, key=_segment_rank, default=None)


def quote(
    rows: Sequence[AwardPrice],
    itinerary: Itinerary,
    regions: RegionsOf,
    *,
    round_trip: bool,
    day: dt.date,
) -> Quote | None:
    """The winning price of ``itinerary`` among a program's rows for the requested cabin
    (rows must already be that program's and that cabin's), or None when none applies."""
    valid = [r for r in rows if r.valid_on(day)]
    quotes = [q for r in valid if (q := _whole_trip(r, itinerary, regions, round_trip))]
    per_segment = _per_segment(valid, itinerary, regions, round_trip)
    if per_segment is not None:
        quotes.append(per_segment)
    return min(quotes, key=Quote.rank, default=None)
