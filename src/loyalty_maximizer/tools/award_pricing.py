"""Award price lookup (contracts/facts.md): which price rows of a program apply to an
itinerary, whole-trip or per segment, and which one wins."""

from __future__ import annotations

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


def _airlines_ok(row: AwardPrice, airlines: Sequence[str]) -> bool:
    listed = row.operating_airline_ids
    excluded = row.excluded_operating_airline_ids
    if listed is None and not excluded:
        return True  # most rows name no airlines: skip the per-airline test
    return all(
        (listed is None or a in listed) and not (excluded and a in excluded) for a in airlines
    )


def _distance_ok(row: AwardPrice, distance: int) -> bool:
    if row.min_distance is not None and distance < row.min_distance:
        return False
    return row.max_distance is None or distance <= row.max_distance


def _segment_rank(row: AwardPrice) -> tuple[int, bool, float]:
    return (row.points, row.pricing != "fixed", row.surcharge_usd or 0.0)


class PriceTable:
    """One program's rows for one cabin, valid on the request's day, indexed by region pair
    so an itinerary looks only at rows whose regions can contain its ends."""

    def __init__(self, rows: Sequence[AwardPrice], regions: RegionsOf) -> None:
        self.regions = regions
        self._between: dict[tuple[str, str, str], tuple[list[AwardPrice], list[AwardPrice]]] = {}
        self._segment_rows: dict[tuple[str, Segment], AwardPrice | None] = {}
        self._by_pair: dict[tuple[str, str], list[AwardPrice]] = {}
        self.has_per_segment = any(row.per_segment for row in rows)
        for row in rows:
            self._by_pair.setdefault((row.origin_region_id, row.destination_region_id), []).append(
                row
            )

    def between(
        self, program_id: str, origin: str, destination: str
    ) -> tuple[list[AwardPrice], list[AwardPrice]]:
        """Whole-trip rows and per-segment rows whose regions contain the two airports, in
        either direction."""
        key = (program_id, origin, destination)
        found = self._between.get(key)
        if found is None:
            rows = self._lookup(program_id, origin, destination)
            found = ([r for r in rows if not r.per_segment], [r for r in rows if r.per_segment])
            self._between[key] = found
        return found

    def cheapest_for_segment(self, program_id: str, segment: Segment) -> AwardPrice | None:
        """The cheapest per-segment row for one segment (memoised: one-stop itineraries
        share their segments)."""
        key = (program_id, segment)
        if key not in self._segment_rows:
            _, rows = self.between(program_id, segment.origin, segment.destination)
            self._segment_rows[key] = _cheapest_for_segment(rows, segment)
        return self._segment_rows[key]

    def _lookup(self, program_id: str, origin: str, destination: str) -> list[AwardPrice]:
        a = self.regions(program_id, origin)
        b = self.regions(program_id, destination)
        found: dict[int, AwardPrice] = {}
        for o in a:
            for d in b:
                for row in self._by_pair.get((o, d), ()):
                    found[id(row)] = row
                for row in self._by_pair.get((d, o), ()):
                    if row.symmetric:
                        found[id(row)] = row
        return list(found.values())


def _whole_trip(rows: Sequence[AwardPrice], itinerary: Itinerary, round_trip: bool) -> Quote | None:
    """The cheapest whole-trip row for the itinerary; the rows' regions already contain
    the itinerary's ends (``PriceTable.between``)."""
    best: tuple[tuple[int, bool, float], AwardPrice, int] | None = None
    for row in rows:
        if row.trip_type == "round_trip" and not round_trip:
            continue
        factor = 2 if round_trip and row.trip_type == "one_way" else 1
        if factor == 2 and not itinerary.has_return:
            continue
        distance = itinerary.distance * (2 if row.trip_type == "round_trip" else 1)
        if not (_airlines_ok(row, itinerary.airlines) and _distance_ok(row, distance)):
            continue
        rank = (row.points * factor, row.pricing != "fixed", (row.surcharge_usd or 0.0) * factor)
        if best is None or rank < best[0]:
            best = (rank, row, factor)
    if best is None:
        return None
    (points, _, surcharge), row, factor = best
    return Quote(points, row.pricing, surcharge, factor, (row,), False)


def _per_segment(
    table: PriceTable, program_id: str, itinerary: Itinerary, round_trip: bool
) -> Quote | None:
    if not table.has_per_segment or (round_trip and not itinerary.has_return):
        return None
    chosen: list[AwardPrice] = []
    for segment in itinerary.segments:
        best = table.cheapest_for_segment(program_id, segment)
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


def _cheapest_for_segment(rows: Sequence[AwardPrice], segment: Segment) -> AwardPrice | None:
    """The cheapest per-segment row for a segment; the rows' regions already contain the
    segment's ends (``PriceTable.between``)."""
    applicable = [
        row
        for row in rows
        if row.per_segment
        and _airlines_ok(row, (segment.airline,))
        and _distance_ok(row, segment.distance)
    ]
    return min(applicable, key=_segment_rank, default=None)


def quote(
    table: PriceTable,
    program_id: str,
    itinerary: Itinerary,
    *,
    round_trip: bool,
) -> Quote | None:
    """The winning price of ``itinerary`` in a program's table for the requested cabin, or
    None when no row applies."""
    rows, _ = table.between(program_id, itinerary.origin, itinerary.destination)
    whole = _whole_trip(rows, itinerary, round_trip)
    per_segment = _per_segment(table, program_id, itinerary, round_trip)
    if whole is None or per_segment is None:
        return whole or per_segment
    return min(whole, per_segment, key=Quote.rank)
