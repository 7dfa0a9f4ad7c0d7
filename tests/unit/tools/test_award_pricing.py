"""Award price lookup (contracts/facts.md): which rows apply to an itinerary, whole-trip,
round-trip and per-segment pricing, and which applicable price wins. (Rows valid on the
request's day are chosen by the caller: see test_awards.py.)"""

from __future__ import annotations

import json
from typing import Any

import pytest

from loyalty_maximizer.facts.models import AwardPrice
from loyalty_maximizer.tools.award_pricing import PriceTable, Quote, quote
from loyalty_maximizer.tools.itineraries import Itinerary, Segment

# Region membership is resolved by the caller; here: JFK/EWR are "na", FRA/LHR are "eu".
REGION = {"JFK": "na", "EWR": "na", "FRA": "eu", "LHR": "eu"}


def regions(program_id: str, airport: str) -> frozenset[str]:
    return frozenset({"*", REGION[airport]})


def row(points: int, **fields: Any) -> AwardPrice:
    record = {
        "programId": "P",
        "originRegionId": "na",
        "destinationRegionId": "eu",
        "cabin": "business",
        "points": points,
        **fields,
    }
    return AwardPrice.model_validate_json(json.dumps(record))


NONSTOP = Itinerary((Segment("AC", "JFK", "LHR", 3455, True),), has_return=True)
ONE_STOP = Itinerary(
    (Segment("UA", "EWR", "FRA", 2695, True), Segment("LH", "FRA", "LHR", 691, True)),
    has_return=True,
)
BACK_TO_NA = Itinerary((Segment("AC", "LHR", "JFK", 3455, True),), has_return=True)
NO_RETURN = Itinerary((Segment("AC", "JFK", "LHR", 3455, True),), has_return=False)


def price(
    rows: list[AwardPrice], itinerary: Itinerary = NONSTOP, *, round_trip: bool = False
) -> Quote | None:
    return quote(PriceTable(rows, regions), "P", itinerary, round_trip=round_trip)


def summary(q: Quote | None) -> tuple[int, str, float, int] | None:
    return None if q is None else (q.points, q.pricing, q.surcharge_usd, q.units)


# --- whole-trip rows -----------------------------------------------------------------------------


def test_quote__a_matching_row_prices_the_trip() -> None:
    # GIVEN a na -> eu row with a surcharge  WHEN JFK-LHR is priced  THEN that row, one unit
    assert summary(price([row(60_000, surchargeUsd=90.0)])) == (60_000, "fixed", 90.0, 1)


@pytest.mark.parametrize(("symmetric", "priced"), [(True, True), (False, False)])
def test_quote__the_reverse_direction_needs_a_symmetric_row(symmetric: bool, priced: bool) -> None:
    # GIVEN a na -> eu row  WHEN LHR-JFK (eu -> na) is priced
    q = price([row(60_000, symmetric=symmetric)], BACK_TO_NA)
    # THEN only a symmetric row applies
    assert (q is not None) is priced


def test_quote__the_star_region_matches_every_airport() -> None:
    # GIVEN a "*" -> "*" row  WHEN JFK-LHR and LHR-JFK are priced  THEN both are
    rows = [row(45_000, originRegionId="*", destinationRegionId="*")]
    assert summary(price(rows)) == (45_000, "fixed", 0.0, 1)
    assert summary(price(rows, BACK_TO_NA)) == (45_000, "fixed", 0.0, 1)


def test_quote__no_row_of_other_regions() -> None:
    # GIVEN only an eu -> eu row  WHEN JFK-LHR is priced  THEN nothing applies
    assert price([row(10_000, originRegionId="eu")]) is None


@pytest.mark.parametrize(
    ("fields", "priced"),
    [
        ({"operatingAirlineIds": ["AC"]}, True),
        ({"operatingAirlineIds": ["LH", "UA"]}, False),
        ({"excludedOperatingAirlineIds": ["AC"]}, False),
        ({"excludedOperatingAirlineIds": ["LH"]}, True),
    ],
)
def test_quote__operating_airlines_listed_and_excluded(
    fields: dict[str, Any], priced: bool
) -> None:
    # GIVEN a row restricted by operating airline  WHEN the AC nonstop is priced
    # THEN it applies only when AC is listed (or not excluded)
    assert (price([row(60_000, **fields)]) is not None) is priced


def test_quote__every_segment_airline_must_pass_the_airline_lists() -> None:
    # GIVEN a row for UA-operated flights only  WHEN UA + LH is priced  THEN no (LH is not listed)
    assert price([row(60_000, operatingAirlineIds=["UA"])], ONE_STOP) is None
    assert price([row(60_000, operatingAirlineIds=["UA", "LH"])], ONE_STOP) is not None


@pytest.mark.parametrize(
    ("bounds", "priced"),
    [
        ({"minDistance": 3455}, True),  # inclusive lower bound
        ({"minDistance": 3456}, False),
        ({"maxDistance": 3455}, True),  # inclusive upper bound
        ({"maxDistance": 3454}, False),
        ({"minDistance": 0, "maxDistance": 4000}, True),
    ],
)
def test_quote__distance_bounds_are_inclusive(bounds: dict[str, int], priced: bool) -> None:
    # GIVEN a row with distance bounds  WHEN the 3,455-mile nonstop is priced
    assert (price([row(60_000, **bounds)]) is not None) is priced


def test_quote__the_trip_distance_is_the_sum_of_its_segments() -> None:
    # GIVEN a row up to 3,385 miles and one from 3,386
    rows = [row(50_000, maxDistance=3385), row(70_000, minDistance=3386)]
    # WHEN EWR-FRA-LHR (2,695 + 691 = 3,386 miles) is priced  THEN the 3,386+ row
    assert summary(price(rows, ONE_STOP)) == (70_000, "fixed", 0.0, 1)


# --- which price wins --------------------------------------------------------------------------


def test_quote__the_cheapest_total_wins() -> None:
    # GIVEN two applicable rows (an airport may sit in several regions)
    rows = [row(70_000, surchargeUsd=0.0), row(60_000, surchargeUsd=500.0)]
    # WHEN priced  THEN the cheaper in points, whatever its surcharge
    assert summary(price(rows)) == (60_000, "fixed", 500.0, 1)


def test_quote__equal_totals_prefer_fixed_over_dynamic() -> None:
    # GIVEN equal points, the dynamic row with the lower surcharge
    rows = [row(60_000, pricing="dynamic_from", surchargeUsd=10.0), row(60_000, surchargeUsd=99.0)]
    # WHEN priced  THEN the fixed row
    assert summary(price(rows)) == (60_000, "fixed", 99.0, 1)


def test_quote__then_the_lower_surcharge() -> None:
    # GIVEN equal points and pricing
    rows = [row(60_000, surchargeUsd=200.0), row(60_000, surchargeUsd=150.0)]
    # WHEN priced  THEN the lower surcharge
    assert summary(price(rows)) == (60_000, "fixed", 150.0, 1)


# --- round trips ------------------------------------------------------------------------------


def test_quote__a_round_trip_row_answers_only_round_trips() -> None:
    # GIVEN only a round-trip row
    rows = [row(100_000, tripType="round_trip", surchargeUsd=300.0)]
    # WHEN a one-way and a round trip are priced
    # THEN the one-way finds nothing; the round trip costs the row once, one unit
    assert price(rows) is None
    assert summary(price(rows, round_trip=True)) == (100_000, "fixed", 300.0, 1)


@pytest.mark.parametrize(("max_distance", "priced"), [(6_910, True), (6_909, False)])
def test_quote__a_round_trip_row_measures_out_and_back(max_distance: int, priced: bool) -> None:
    # GIVEN a round-trip row bounded by distance
    rows = [row(100_000, tripType="round_trip", maxDistance=max_distance)]
    # WHEN the 3,455-mile nonstop is priced round trip  THEN 6,910 miles are tested
    assert (price(rows, round_trip=True) is not None) is priced


def test_quote__a_one_way_row_answers_a_round_trip_at_twice_the_price() -> None:
    # GIVEN a one-way row  WHEN priced round trip  THEN twice the points, two units
    rows = [row(60_000, surchargeUsd=90.0)]
    assert summary(price(rows, round_trip=True)) == (120_000, "fixed", 180.0, 2)


def test_quote__a_one_way_row_needs_the_way_back() -> None:
    # GIVEN an itinerary whose flights do not fly back
    # WHEN priced round trip by a one-way row  THEN nothing
    assert price([row(60_000)], NO_RETURN, round_trip=True) is None


def test_quote__round_trip_row_against_doubled_one_way() -> None:
    # GIVEN a round-trip row of 110,000 and a one-way row of 60,000 (120,000 doubled)
    rows = [row(110_000, tripType="round_trip"), row(60_000)]
    # WHEN priced round trip  THEN the round-trip row
    assert summary(price(rows, round_trip=True)) == (110_000, "fixed", 0.0, 1)


# --- per-segment charts -------------------------------------------------------------------------


def seg_row(points: int, **fields: Any) -> AwardPrice:
    defaults = {"perSegment": True, "originRegionId": "*", "destinationRegionId": "*"}
    return row(points, **{**defaults, **fields})


def test_quote__per_segment_sums_each_segments_cheapest_row() -> None:
    # GIVEN a distance-band chart: up to 1,000 miles 10,000 (or 12,000), beyond 40,000
    rows = [
        seg_row(10_000, maxDistance=1000, surchargeUsd=25.0),
        seg_row(12_000, maxDistance=1000, surchargeUsd=5.0),
        seg_row(40_000, minDistance=1001, surchargeUsd=200.0),
    ]
    # WHEN EWR-FRA (2,695 mi) + FRA-LHR (691 mi) is priced
    q = price(rows, ONE_STOP)
    # THEN 40,000 + 10,000, with each segment's surcharge, two units
    assert summary(q) == (50_000, "fixed", 225.0, 2)
    assert q is not None
    assert q.per_segment is True


def test_quote__per_segment_needs_a_row_for_every_segment() -> None:
    # GIVEN a chart covering only segments up to 1,000 miles
    # WHEN EWR-FRA-LHR is priced  THEN nothing (EWR-FRA, 2,695 miles, finds no row)
    assert price([seg_row(10_000, maxDistance=1000)], ONE_STOP) is None


def test_quote__per_segment_rows_test_each_segments_own_endpoints() -> None:
    # GIVEN per-segment rows na -> eu and eu -> eu
    rows = [
        seg_row(30_000, originRegionId="na", destinationRegionId="eu"),
        seg_row(7_000, originRegionId="eu", destinationRegionId="eu"),
    ]
    # WHEN EWR-FRA (na -> eu) + FRA-LHR (eu -> eu) is priced  THEN 30,000 + 7,000
    assert summary(price(rows, ONE_STOP)) == (37_000, "fixed", 0.0, 2)


def test_quote__per_segment_is_dynamic_when_any_segment_row_is() -> None:
    # GIVEN a fixed row for long segments and a dynamic one for short ones
    rows = [
        seg_row(40_000, minDistance=1001),
        seg_row(10_000, maxDistance=1000, pricing="dynamic_from"),
    ]
    # WHEN EWR-FRA-LHR is priced  THEN dynamic_from
    assert summary(price(rows, ONE_STOP)) == (50_000, "dynamic_from", 0.0, 2)


def test_quote__per_segment_round_trip_doubles_points_surcharges_and_units() -> None:
    # GIVEN per-segment rows with surcharges
    rows = [
        seg_row(40_000, minDistance=1001, surchargeUsd=100.0),
        seg_row(10_000, maxDistance=1000),
    ]
    # WHEN EWR-FRA-LHR is priced round trip  THEN (40,000 + 10,000) x 2, $200, four units
    assert summary(price(rows, ONE_STOP, round_trip=True)) == (100_000, "fixed", 200.0, 4)


def test_quote__per_segment_round_trip_needs_the_way_back() -> None:
    # GIVEN a per-segment chart  WHEN a trip that does not fly back is priced round trip
    assert price([seg_row(40_000)], NO_RETURN, round_trip=True) is None


def test_quote__per_segment_competes_with_whole_trip_rows_on_total() -> None:
    # GIVEN a whole-trip row of 55,000 and per-segment rows summing to 50,000
    rows = [row(55_000), seg_row(40_000, minDistance=1001), seg_row(10_000, maxDistance=1000)]
    # WHEN EWR-FRA-LHR is priced  THEN the per-segment total
    assert summary(price(rows, ONE_STOP)) == (50_000, "fixed", 0.0, 2)
    # AND at equal totals a fixed whole-trip row beats a dynamic per-segment price
    rows = [
        row(50_000),
        seg_row(40_000, minDistance=1001, pricing="dynamic_from"),
        seg_row(10_000, maxDistance=1000),
    ]
    assert summary(price(rows, ONE_STOP)) == (50_000, "fixed", 0.0, 1)
