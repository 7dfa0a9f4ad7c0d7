"""The number rules of contracts/facts.md: rounding half-up and haversine distance."""

from __future__ import annotations

import math

import pytest

from loyalty_maximizer.arithmetic import great_circle_miles, round_half_up


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (2.5, 3),  # banker's rounding would give 2
        (3.5, 4),
        (0.5, 1),
        (344.5, 345),  # banker's rounding would give 344
        (2.4999, 2),
        (2.0, 2),
        (-0.5, 0),  # floor(-0.5 + 0.5) = 0
        (-1.5, -1),  # floor(-1.0) = -1
    ],
)
def test_round_half_up__rounds_halves_up(x: float, expected: int) -> None:
    # GIVEN a number  WHEN rounded  THEN floor(x + 0.5)
    assert round_half_up(x) == expected


def test_great_circle_miles__jfk_to_lhr() -> None:
    # GIVEN the coordinates of JFK and LHR
    jfk = (40.6398, -73.7789)
    lhr = (51.4706, -0.4619)
    # the haversine formula on a 3958.8-mile sphere, written out by hand
    phi1, phi2 = math.radians(jfk[0]), math.radians(lhr[0])
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lhr[1] - jfk[1]) / 2) ** 2
    )
    by_hand = 2 * 3958.8 * math.asin(math.sqrt(h))  # 3442.215...

    # WHEN the distance is computed
    miles = great_circle_miles(*jfk, *lhr)

    # THEN it is the hand value rounded half-up
    assert math.floor(by_hand + 0.5) == 3442
    assert miles == 3442


@pytest.mark.parametrize(
    ("degrees", "expected"),
    [
        (1, 69),  # 3958.8 * pi / 180 = 69.094
        (3, 207),  # 207.28
        (50, 3455),  # 3454.70
        (100, 6909),  # 6909.41; a 3959-mile sphere would give 6910
        (180, 12437),  # pi * 3958.8 = 12437.06; 3959 would give 12438
    ],
)
def test_great_circle_miles__along_the_equator_uses_radius_3958_8(
    degrees: int, expected: int
) -> None:
    # GIVEN two points on the equator `degrees` apart (distance = R * angle)
    # WHEN the distance is computed  THEN it is 3958.8 * radians, rounded half-up
    assert great_circle_miles(0.0, 0.0, 0.0, float(degrees)) == expected


def test_great_circle_miles__is_symmetric_and_zero_for_one_point() -> None:
    # GIVEN Frankfurt and Singapore  WHEN measured both ways  THEN the same; a point is 0 away
    there = great_circle_miles(50.0333, 8.5706, 1.3644, 103.9915)
    back = great_circle_miles(1.3644, 103.9915, 50.0333, 8.5706)
    assert there == back
    assert great_circle_miles(10.0, 20.0, 10.0, 20.0) == 0
