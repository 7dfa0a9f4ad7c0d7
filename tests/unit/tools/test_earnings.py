"""calculate_flight_earnings (contracts/tools.md; facts.md, Earning rule choice and Earning
arithmetic): which rule applies, what each basis earns, elite bonuses and metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.graph.repository import KnowledgeRepository

Fact = dict[str, Any]
Call = Callable[[dict[str, Any]], dict[str, Any]]


def program(program_id: str) -> Fact:
    return {
        "type": "loyaltyProgram",
        "programId": program_id,
        "name": program_id.title(),
        "kind": "airline",
        "currencyName": "miles",
    }


def rule(rule_id: str, program_id: str, operating: list[str], **fields: Any) -> Fact:
    return {
        "type": "earningRule",
        "ruleId": rule_id,
        "creditingProgramId": program_id,
        "operatingAirlineIds": operating,
        "basis": "distance",
        "redeemableRate": 1.0,
        **fields,
    }


def tier(program_id: str, percent: float) -> Fact:
    return {
        "type": "eliteTier",
        "programId": program_id,
        "tierId": "gold",
        "name": "Gold",
        "rank": 1,
        "redeemableBonusPercent": percent,
    }


# Airports on the equator, 69.094 miles per degree, each segment rounded half-up:
# JFK-LGA 1 deg = 69; JFK-BOS 3 deg = 207 (207.28); BOS-ORD 3 deg = 207; BOS-DEN 7 deg = 484
# (483.66); JFK-DEN 10 deg = 691 (690.94).
LONGITUDE = {"JFK": 0.0, "LGA": 1.0, "BOS": 3.0, "ORD": 6.0, "DEN": 10.0}
METRICS_ALL_BASES = [
    {"metricName": "PQD", "basis": "revenue", "rate": 1.0},
    {"metricName": "PQM", "basis": "distance", "rate": 1.0},
    {"metricName": "PQF", "basis": "fixed", "rate": 1.0},
]

EARNING: list[Fact] = [
    *(
        {"type": "airline", "airlineId": code, "name": f"Airline {code}"}
        for code in ("LH", "UA", "AA", "ZZ")
    ),
    *(
        {"type": "airport", "airportId": code, "country": "US", "latitude": 0.0, "longitude": lon}
        for code, lon in LONGITUDE.items()
    ),
    *(
        program(p)
        for p in (
            "CHOOSE_PRIORITY",
            "CHOOSE_FARE",
            "CHOOSE_MKT",
            "CHOOSE_ID",
            "DIST",
            "MINI",
            "NOBONUS",
            "REV",
            "REV_EUR",
            "FIX",
            "DATED",
            "ZED_ONE",
            "ZED_ALSO",
            "ZED_TWO",
            "ZED_FARE",
            "STAR_ANY",
            "NORULE",
        )
    ),
    # rule choice, on LH flights
    rule("cp-high", "CHOOSE_PRIORITY", ["LH"], priority=1, redeemableRate=0.1),
    rule("cp-fare", "CHOOSE_PRIORITY", ["LH"], fareClasses=["K"], redeemableRate=0.2),
    rule("cf-fare", "CHOOSE_FARE", ["LH"], fareClasses=["K", "L"]),
    rule("cf-mkt", "CHOOSE_FARE", ["LH"], marketingAirlineIds=["LH"]),
    rule("cf-other-fare", "CHOOSE_FARE", ["LH"], fareClasses=["Y"], priority=5),
    rule("cm-mkt", "CHOOSE_MKT", ["LH"], marketingAirlineIds=["LH"]),
    rule("cm-plain", "CHOOSE_MKT", ["LH"]),
    rule("cm-other-mkt", "CHOOSE_MKT", ["LH"], marketingAirlineIds=["UA"], priority=5),
    rule("ci-a", "CHOOSE_ID", ["LH"]),
    rule("ci-B", "CHOOSE_ID", ["LH"]),
    # arithmetic, on AA flights
    rule("dist", "DIST", ["AA"], redeemableRate=0.5),
    tier("DIST", 50),
    rule(
        "mini",
        "MINI",
        ["AA"],
        redeemableRate=0.25,
        minimumRedeemable=500,
        eliteMetrics=[
            {"metricName": "PQM", "basis": "distance", "rate": 1.0},
            {"metricName": "Total", "basis": "same_as_redeemable"},
        ],
    ),
    tier("MINI", 25),
    rule("nobonus", "NOBONUS", ["AA"], eliteBonusEligible=False),
    tier("NOBONUS", 100),
    rule("rev", "REV", ["AA"], basis="revenue", redeemableRate=5.0, eliteMetrics=METRICS_ALL_BASES),
    rule("rev-eur", "REV_EUR", ["AA"], basis="revenue", redeemableRate=5.0, revenueCurrency="EUR"),
    rule("fix", "FIX", ["AA"], basis="fixed", redeemableRate=500.0),
    rule("dated-old", "DATED", ["AA"], expirationDate="2026-06-30"),
    rule("dated-new", "DATED", ["AA"], redeemableRate=2.0, effectiveDate="2026-07-01"),
    # discovery, on ZZ flights (STAR_ANY credits any operator)
    rule("zed-one", "ZED_ONE", ["ZZ"]),
    rule("zed-also", "ZED_ALSO", ["ZZ"]),
    rule("zed-two", "ZED_TWO", ["ZZ"], redeemableRate=2.0),
    rule("zed-fare", "ZED_FARE", ["ZZ"], fareClasses=["Y"]),
    rule("star-any", "STAR_ANY", ["*"], marketingAirlineIds=["ZZ"], redeemableRate=0.5),
]


@pytest.fixture(scope="module")
def earnings(
    make_repository: Callable[[list[Fact]], KnowledgeRepository],
    tool_caller: Callable[[KnowledgeRepository], Callable[[str, dict[str, Any]], dict[str, Any]]],
) -> Call:
    call = tool_caller(make_repository(EARNING))
    return lambda payload: call("calculate_flight_earnings", payload)


def segment(carrier: str, origin: str, destination: str, **fields: Any) -> dict[str, Any]:
    return {
        "marketingCarrier": carrier,
        "originAirport": origin,
        "destinationAirport": destination,
        "fareClass": "K",
        **fields,
    }


def request(
    segments: list[dict[str, Any]], programs: list[str] | None = None, **fields: Any
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "flightItinerary": {"segments": segments},
        "asOfDate": "2026-06-15",
        **fields,
    }
    if programs is not None:
        payload["targetLoyaltyPrograms"] = programs
    if "ticketPrice" in fields:
        payload["flightItinerary"]["ticketPrice"] = payload.pop("ticketPrice")
    return payload


def by_program(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["programId"]: o for o in response["earningOptions"]}


def metrics(option: dict[str, Any]) -> dict[str, int]:
    return {m["name"]: m["valueEarned"] for m in option["eliteQualifyingMetrics"]}


def gold(program_id: str) -> dict[str, Any]:
    return {"statusTiers": [{"programId": program_id, "tier": "gold"}]}


# --- rule choice ----------------------------------------------------------------------------------


def test_earnings__rule_choice_order(earnings: Call) -> None:
    # GIVEN an LH flight in fare class K, and rule sets that each test one step of the order
    programs = ["CHOOSE_PRIORITY", "CHOOSE_FARE", "CHOOSE_MKT", "CHOOSE_ID"]
    response = earnings(request([segment("LH", "JFK", "DEN")], programs))
    # WHEN the rules are chosen
    chosen = {p: o["segments"][0]["ruleId"] for p, o in by_program(response).items()}
    # THEN priority first; then a rule listing fare classes; then one listing marketing
    # airlines; then the smallest ruleId in code-point order ("B" < "a"); rules whose fare
    # classes or marketing airlines do not match never apply, whatever their priority
    assert chosen == {
        "CHOOSE_PRIORITY": "cp-high",
        "CHOOSE_FARE": "cf-fare",
        "CHOOSE_MKT": "cm-mkt",
        "CHOOSE_ID": "ci-B",
    }
    # AND the chosen rule's rate is the one applied: 0.1 x 691 = 69.1 -> 69
    assert by_program(response)["CHOOSE_PRIORITY"]["redeemableCurrency"]["amountEarned"] == 69


def test_earnings__travel_date_picks_the_rule_valid_that_day(earnings: Call) -> None:
    # GIVEN a rule until 2026-06-30 (rate 1) and one from 2026-07-01 (rate 2), asOfDate 06-15
    segments = [
        segment("AA", "JFK", "BOS", travelDate="2026-07-15"),
        segment("AA", "BOS", "ORD"),  # no travelDate: the request's asOfDate
    ]
    option = by_program(earnings(request(segments, ["DATED"])))["DATED"]
    # WHEN earned  THEN July travel uses the new rule (2 x 207), the undated one the old (207)
    assert [s["ruleId"] for s in option["segments"]] == ["dated-new", "dated-old"]
    assert [s["baseRedeemable"] for s in option["segments"]] == [414, 207]
    assert option["redeemableCurrency"]["amountEarned"] == 621


# --- arithmetic -----------------------------------------------------------------------------------


def test_earnings__rounds_half_up_at_each_step(earnings: Call) -> None:
    # GIVEN 0.5 per mile on JFK-LGA (69 miles) and a Gold bonus of 50%
    option = by_program(
        earnings(request([segment("AA", "JFK", "LGA")], ["DIST"], userProfileContext=gold("DIST")))
    )["DIST"]
    # WHEN earned  THEN base 34.5 -> 35, bonus 17.5 -> 18: 53
    # (banker's rounding: 34 + 17 = 51; rounding only the total: 51.75 -> 52)
    assert option["segments"][0]["baseRedeemable"] == 35
    assert option["segments"][0]["eliteBonus"] == 18
    assert option["redeemableCurrency"]["amountEarned"] == 53


def test_earnings__minimum_redeemable_then_bonus_on_it(earnings: Call) -> None:
    # GIVEN 25% of distance with a 500 minimum, a 25% Gold bonus, a distance metric and a
    # same_as_redeemable metric
    response = earnings(
        request([segment("AA", "JFK", "DEN")], ["MINI"], userProfileContext=gold("MINI"))
    )
    option = by_program(response)["MINI"]
    # WHEN JFK-DEN (691 miles) is earned
    # THEN base max(172.75 -> 173, 500) = 500, bonus 25% of 500 = 125
    assert option["segments"][0]["baseRedeemable"] == 500
    assert option["segments"][0]["eliteBonus"] == 125
    assert option["redeemableCurrency"]["amountEarned"] == 625
    # AND the distance metric has no minimum (691), same_as_redeemable is base + bonus (625)
    assert metrics(option) == {"PQM": 691, "Total": 625}


def test_earnings__no_bonus_without_a_tier_of_that_program(earnings: Call) -> None:
    # GIVEN Gold held in DIST only  WHEN MINI earns  THEN no bonus: 500
    response = earnings(
        request([segment("AA", "JFK", "DEN")], ["MINI"], userProfileContext=gold("DIST"))
    )
    option = by_program(response)["MINI"]
    assert option["segments"][0]["eliteBonus"] == 0
    assert option["redeemableCurrency"]["amountEarned"] == 500


def test_earnings__no_bonus_on_a_rule_not_bonus_eligible(earnings: Call) -> None:
    # GIVEN a 100% tier held, and a rule with eliteBonusEligible false
    response = earnings(
        request([segment("AA", "JFK", "DEN")], ["NOBONUS"], userProfileContext=gold("NOBONUS"))
    )
    # WHEN earned  THEN the distance only (691)
    option = by_program(response)["NOBONUS"]
    assert option["segments"][0]["eliteBonus"] == 0
    assert option["redeemableCurrency"]["amountEarned"] == 691


PRICE_USD = {"baseFare": 1000.0, "carrierImposedSurcharges": 100.0, "currency": "USD"}
REVENUE_TRIP = [segment("AA", "JFK", "BOS"), segment("AA", "BOS", "DEN")]  # 207 + 484 = 691


def test_earnings__revenue_is_split_by_rounded_distance_and_not_rounded(earnings: Call) -> None:
    # GIVEN $1,100 eligible (base fare + carrier surcharges) over 207 + 484 miles, 5 per USD
    option = by_program(earnings(request(REVENUE_TRIP, ["REV"], ticketPrice=PRICE_USD)))["REV"]
    # WHEN earned
    # THEN shares 1100 x 207/691 = 329.522 and 1100 x 484/691 = 770.478, times 5:
    # 1647.61 -> 1648 and 3852.39 -> 3852 (rounding the shares first: 1650 and 3850)
    assert [s["baseRedeemable"] for s in option["segments"]] == [1648, 3852]
    assert option["redeemableCurrency"]["amountEarned"] == 5500
    # AND metrics per basis: revenue 330 + 770, distance 207 + 484, fixed 1 + 1
    assert metrics(option) == {"PQD": 1100, "PQM": 691, "PQF": 2}


def test_earnings__without_ticket_price_revenue_earns_nothing_but_other_metrics_count(
    earnings: Call,
) -> None:
    # GIVEN a revenue rule with revenue, distance and fixed metrics, and no ticketPrice
    option = by_program(earnings(request(REVENUE_TRIP, ["REV"])))["REV"]
    # WHEN earned  THEN 0 redeemable and 0 revenue metric; distance and fixed metrics count
    assert option["redeemableCurrency"]["amountEarned"] == 0
    assert metrics(option) == {"PQD": 0, "PQM": 691, "PQF": 2}
    # AND a note says the fare was not given
    assert any("ticketPrice" in note for note in option["calculationNotes"])


def test_earnings__no_currency_conversion(earnings: Call) -> None:
    # GIVEN a ticket in EUR, a USD revenue rule (REV) and a EUR revenue rule (REV_EUR)
    price_eur = {**PRICE_USD, "currency": "EUR"}
    options = by_program(earnings(request(REVENUE_TRIP, ["REV", "REV_EUR"], ticketPrice=price_eur)))
    # WHEN earned  THEN the USD rule's revenue part is 0 with a note naming both currencies
    assert options["REV"]["redeemableCurrency"]["amountEarned"] == 0
    assert metrics(options["REV"]) == {"PQD": 0, "PQM": 691, "PQF": 2}
    assert any("EUR" in n and "USD" in n for n in options["REV"]["calculationNotes"])
    # AND the EUR rule earns on the fare: 1648 + 3852
    assert options["REV_EUR"]["redeemableCurrency"]["amountEarned"] == 5500


def test_earnings__fixed_basis_per_segment(earnings: Call) -> None:
    # GIVEN 500 per segment  WHEN two segments are earned  THEN 1,000 whatever the distance
    option = by_program(earnings(request(REVENUE_TRIP, ["FIX"])))["FIX"]
    assert [s["baseRedeemable"] for s in option["segments"]] == [500, 500]
    assert option["redeemableCurrency"]["amountEarned"] == 1000


def test_earnings__calculated_distance_is_the_sum_of_rounded_segments(earnings: Call) -> None:
    # GIVEN JFK-BOS and BOS-ORD, 207.28 miles each
    option = by_program(
        earnings(request([segment("AA", "JFK", "BOS"), segment("AA", "BOS", "ORD")], ["DIST"]))
    )["DIST"]
    # WHEN earned  THEN 207 + 207 = 414 (the unrounded sum would round to 415)
    assert option["calculatedDistanceMiles"] == 414
    assert [s["distanceMiles"] for s in option["segments"]] == [207, 207]


# --- which programs are listed, and in which order ------------------------------------------------


def test_earnings__no_targets_lists_every_program_with_an_applicable_rule(earnings: Call) -> None:
    # GIVEN a ZZ flight in fare K: ZED_ONE, ZED_ALSO (1 per mile), ZED_TWO (2), STAR_ANY
    # ("*" operator, ZZ marketing, 0.5) apply; ZED_FARE (fare Y only) does not
    response = earnings(request([segment("ZZ", "JFK", "DEN")]))
    # WHEN no targetLoyaltyPrograms are given
    # THEN those four, by amount descending, then programId
    assert [
        (o["programId"], o["redeemableCurrency"]["amountEarned"])
        for o in response["earningOptions"]
    ] == [
        ("ZED_TWO", 1382),
        ("ZED_ALSO", 691),
        ("ZED_ONE", 691),
        ("STAR_ANY", 346),  # 345.5 -> 346
    ]


def test_earnings__a_requested_program_without_rule_is_listed_with_zero(earnings: Call) -> None:
    # GIVEN NORULE has no earning rule  WHEN it is requested with ZED_ONE
    response = earnings(request([segment("ZZ", "JFK", "DEN")], ["NORULE", "ZED_ONE"]))
    options = response["earningOptions"]
    # THEN ZED_ONE first, then NORULE with 0 and a null ruleId for its segment
    assert [o["programId"] for o in options] == ["ZED_ONE", "NORULE"]
    assert options[1]["redeemableCurrency"]["amountEarned"] == 0
    assert options[1]["segments"][0]["ruleId"] is None
    assert options[1]["segments"][0]["distanceMiles"] == 691


def test_earnings__segments_without_a_rule_earn_nothing(earnings: Call) -> None:
    # GIVEN DIST credits AA flights only  WHEN an AA and a ZZ segment are earned
    option = by_program(
        earnings(request([segment("AA", "JFK", "LGA"), segment("ZZ", "LGA", "BOS")], ["DIST"]))
    )["DIST"]
    # THEN the ZZ segment has no rule and earns 0; the AA one 35
    assert [(s["ruleId"], s["baseRedeemable"]) for s in option["segments"]] == [
        ("dist", 35),
        (None, 0),
    ]
    assert option["redeemableCurrency"]["amountEarned"] == 35


def test_earnings__operating_carrier_decides_over_marketing(earnings: Call) -> None:
    # GIVEN a ZZ-marketed flight operated by AA  WHEN DIST (AA-operated rules) earns
    seg = segment("ZZ", "JFK", "LGA", operatingCarrier="AA")
    option = by_program(earnings(request([seg], ["DIST"])))["DIST"]
    # THEN the AA rule applies
    assert option["segments"][0]["ruleId"] == "dist"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"targetLoyaltyPrograms": ["NOPE"]}, "targetLoyaltyPrograms[0]"),
        (
            {"userProfileContext": {"statusTiers": [{"programId": "NOPE", "tier": "gold"}]}},
            "userProfileContext.statusTiers[0].programId",
        ),
        (
            {"userProfileContext": {"statusTiers": [{"programId": "DIST", "tier": "platinum"}]}},
            "userProfileContext.statusTiers[0].tier",
        ),
        (
            {"flightItinerary": {"segments": [segment("AA", "QQQ", "JFK")]}},
            "flightItinerary.segments[0].originAirport",
        ),
        ({"flightItinerary": {"segments": []}}, "flightItinerary.segments"),
        (
            {"flightItinerary": {"segments": [segment("AA", "JFK", "LGA", fareClass="KK")]}},
            "flightItinerary.segments[0].fareClass",
        ),
    ],
)
def test_earnings__invalid_requests_name_the_field(
    earnings: Call, changes: dict[str, Any], field: str
) -> None:
    # GIVEN a request with one bad value  WHEN called  THEN invalid_request naming the field
    payload = {**request([segment("AA", "JFK", "LGA")]), **changes}
    with pytest.raises(InvalidRequest) as raised:
        earnings(payload)
    assert raised.value.field == field
