"""analyze_award_redemption_strategies (contracts/tools.md) over small knowledge bases:
itineraries, bookability, cost, funding through transfers, fees, confidence, sort order
and request errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.awards import resolve_place

Call = Callable[[dict[str, Any]], dict[str, Any]]
Fact = dict[str, Any]


# --- fact builders --------------------------------------------------------------------------------


def airline(code: str, alliance: str | None = None) -> Fact:
    fact: Fact = {"type": "airline", "airlineId": code, "name": f"Airline {code}"}
    if alliance:
        fact["allianceId"] = alliance
    return fact


def program(
    program_id: str, operator: str | None = None, kind: str = "airline", value: float | None = None
) -> Fact:
    fact: Fact = {
        "type": "loyaltyProgram",
        "programId": program_id,
        "name": program_id.title(),
        "kind": kind,
        "currencyName": "points",
    }
    if operator:
        fact["operatorAirlineId"] = operator
    if value is not None:
        fact["pointValueCents"] = value
    return fact


def route(carrier: str, origin: str, destination: str, *cabins: str, **fields: Any) -> Fact:
    fact: Fact = {
        "type": "route",
        "airlineId": carrier,
        "origin": origin,
        "destination": destination,
    }
    if cabins:
        fact["cabins"] = list(cabins)
    return {**fact, **fields}


def price(program_id: str, points: int, **fields: Any) -> Fact:
    return {
        "type": "awardPrice",
        "programId": program_id,
        "originRegionId": "*",
        "destinationRegionId": "*",
        "cabin": "business",
        "points": points,
        **fields,
    }


def transfer(source: str, target: str, **fields: Any) -> Fact:
    return {
        "type": "transferPartnership",
        "fromProgramId": source,
        "toProgramId": target,
        "ratioFrom": 1,
        "ratioTo": 1,
        "minimumTransfer": 1000,
        "transferIncrement": 1000,
        **fields,
    }


# Airports on the equator (69.094 miles per degree of longitude, rounded half-up):
# JFK-LHR 50 degrees = 3,455 mi; EWR-LHR 49 = 3,386; EWR-FRA 39 = 2,695; FRA-LHR 10 = 691.
AIRPORTS: list[Fact] = [
    {"type": "airport", "airportId": code, "country": country, "latitude": 0.0, "longitude": lon}
    for code, country, lon in [
        ("JFK", "US", 0.0),
        ("EWR", "US", 1.0),
        ("FRA", "DE", 40.0),
        ("LHR", "GB", 50.0),
    ]
]
BASE: list[Fact] = [
    {"type": "alliance", "allianceId": "star_alliance", "name": "Star Alliance"},
    {"type": "alliance", "allianceId": "oneworld", "name": "oneworld"},
    airline("AC", "star_alliance"),
    airline("UA", "star_alliance"),
    airline("LH", "star_alliance"),
    airline("BA", "oneworld"),
    airline("VS"),
    airline("DL"),
    *AIRPORTS,
]


def request(**fields: Any) -> dict[str, Any]:
    return {
        "origin": "NYC",
        "destination": "LHR",
        "cabinClass": "business",
        "asOfDate": "2026-06-01",
        **fields,
    }


def itinerary(option: dict[str, Any]) -> str:
    airports = [option["segments"][0]["origin"], *(s["destination"] for s in option["segments"])]
    return "-".join(airports) + "/" + "+".join(s["airline"] for s in option["segments"])


def summary(response: dict[str, Any]) -> list[tuple[str, str]]:
    return [(o["programId"], itinerary(o)) for o in response["awardOptions"]]


@pytest.fixture(scope="module")
def bind(
    make_repository: Callable[[list[Fact]], KnowledgeRepository],
    tool_caller: Callable[[KnowledgeRepository], Callable[[str, dict[str, Any]], dict[str, Any]]],
) -> Callable[[list[Fact]], Call]:
    def world(facts: list[Fact]) -> Call:
        call = tool_caller(make_repository(facts))
        return lambda payload: call("analyze_award_redemption_strategies", payload)

    return world


# --- booking: itineraries and which programs can book them ----------------------------------------

BOOKING: list[Fact] = [
    *BASE,
    program("AC_AEROPLAN", "AC", value=1.5),
    program("BA_AVIOS", "BA", value=1.0),
    program("VS_FLYINGCLUB", "VS"),
    program("AMEX_MR", kind="bank", value=2.0),
    {"type": "bookablePartner", "programId": "AC_AEROPLAN", "airlineId": "BA"},
    {"type": "bookablePartner", "programId": "VS_FLYINGCLUB", "airlineId": "DL"},
    route("AC", "JFK", "LHR", "economy", "business"),
    route("BA", "JFK", "LHR", "business"),
    route("VS", "JFK", "LHR"),  # cabins not stated
    route("DL", "JFK", "LHR", "business", bidirectional=False),
    route("UA", "EWR", "FRA", "business"),
    route("LH", "FRA", "LHR", "business"),
    price("AC_AEROPLAN", 60_000, surchargeUsd=100.0),
    price("AC_AEROPLAN", 30_000, cabin="economy", surchargeUsd=50.0),
    price("BA_AVIOS", 50_000, perSegment=True, surchargeUsd=200.0),
    price("VS_FLYINGCLUB", 40_000, pricing="dynamic_from", surchargeUsd=300.0),
    price("AMEX_MR", 1_000),  # a bank program books nothing, whatever its prices
    {"type": "airport", "airportId": "HPN", "metroCode": "NYC"},  # no routes: no effect
]


@pytest.fixture(scope="module")
def booking(bind: Callable[[list[Fact]], Call]) -> Call:
    return bind(BOOKING)


def test_analyze__books_by_operator_alliance_and_partner(booking: Call) -> None:
    # GIVEN AC (star alliance) with BA as a bookable partner, BA (oneworld), VS with partner
    # DL, and a bank program with a price row
    # WHEN NYC -> LHR in business is asked, with no balances
    response = booking(request())
    # THEN AC books AC, UA+LH (alliance) and BA (partner); BA only BA; VS books VS and DL;
    # the bank nothing. All are infeasible (short by N), so the cheapest N comes first.
    assert sorted(summary(response)) == sorted(
        [
            ("VS_FLYINGCLUB", "JFK-LHR/VS"),
            ("VS_FLYINGCLUB", "JFK-LHR/DL"),
            ("BA_AVIOS", "JFK-LHR/BA"),
            ("AC_AEROPLAN", "JFK-LHR/AC"),
            ("AC_AEROPLAN", "JFK-LHR/BA"),
            ("AC_AEROPLAN", "EWR-FRA-LHR/UA+LH"),
        ]
    )
    programs = [o["programId"] for o in response["awardOptions"]]
    assert programs == ["VS_FLYINGCLUB"] * 2 + ["BA_AVIOS"] + ["AC_AEROPLAN"] * 3
    # AND at equal shortfall and N, fewer segments come first ("EWR" < "JFK" does not matter)
    assert itinerary(response["awardOptions"][-1]) == "EWR-FRA-LHR/UA+LH"
    assert [o["shortfall"] for o in response["awardOptions"]] == [
        40_000,
        40_000,
        50_000,
        60_000,
        60_000,
        60_000,
    ]
    assert all(o["feasible"] is False for o in response["awardOptions"])


def test_analyze__option_ids_follow_the_order(booking: Call) -> None:
    # GIVEN six options  WHEN asked  THEN numbered opt-1 to opt-6 in order
    options = booking(request())["awardOptions"]
    assert [o["optionId"] for o in options] == [f"opt-{n}" for n in range(1, 7)]


def test_analyze__an_airport_code_is_only_that_airport(booking: Call) -> None:
    # GIVEN routes from JFK and EWR  WHEN JFK (not NYC) is asked  THEN no EWR itinerary
    itineraries = {itinerary(o) for o in booking(request(origin="JFK"))["awardOptions"]}
    assert itineraries == {"JFK-LHR/AC", "JFK-LHR/BA", "JFK-LHR/VS", "JFK-LHR/DL"}


def test_analyze__max_stops_0_is_nonstop_only(booking: Call) -> None:
    # GIVEN the one-stop EWR-FRA-LHR  WHEN maxStops is 0  THEN only nonstops remain
    response = booking(request(preferences={"maxStops": 0}))
    assert all(len(o["segments"]) == 1 for o in response["awardOptions"])
    assert len(response["awardOptions"]) == 5


@pytest.mark.parametrize(
    ("alliances", "expected"),
    [
        (["star_alliance"], {("AC_AEROPLAN", "JFK-LHR/AC"), ("AC_AEROPLAN", "EWR-FRA-LHR/UA+LH")}),
        (["oneworld"], {("AC_AEROPLAN", "JFK-LHR/BA"), ("BA_AVIOS", "JFK-LHR/BA")}),
    ],
)
def test_analyze__preferred_alliances_keep_itineraries_operated_by_them(
    booking: Call, alliances: list[str], expected: set[tuple[str, str]]
) -> None:
    # GIVEN preferred alliances  WHEN asked
    response = booking(request(preferences={"preferredAlliances": alliances}))
    # THEN only itineraries whose every segment is operated by one of them
    assert set(summary(response)) == expected


def test_analyze__the_cabin_selects_routes_and_prices(booking: Call) -> None:
    # GIVEN an economy price for AC only; AC flies economy, VS does not state cabins
    response = booking(request(cabinClass="economy"))
    # WHEN economy is asked  THEN AC at its economy price (VS has no economy price)
    assert summary(response) == [("AC_AEROPLAN", "JFK-LHR/AC")]
    assert response["awardOptions"][0]["estimatedCost"]["amount"] == 30_000
    assert response["awardOptions"][0]["segments"][0]["cabin"] == "economy"


def test_analyze__segments_carry_rounded_distances(booking: Call) -> None:
    # GIVEN the one-stop EWR-FRA (39 degrees) + FRA-LHR (10 degrees)
    options = booking(request(preferences={"preferredAlliances": ["star_alliance"]}))
    one_stop = next(o for o in options["awardOptions"] if len(o["segments"]) == 2)
    # WHEN it is described  THEN 2,694.67 -> 2,695 and 690.94 -> 691 miles
    assert one_stop["segments"] == [
        {
            "airline": "UA",
            "origin": "EWR",
            "destination": "FRA",
            "cabin": "business",
            "distanceMiles": 2695,
        },
        {
            "airline": "LH",
            "origin": "FRA",
            "destination": "LHR",
            "cabin": "business",
            "distanceMiles": 691,
        },
    ]


def test_analyze__cost_and_fees_scale_with_travellers(booking: Call) -> None:
    # GIVEN AC at 60,000 points and $100 per passenger  WHEN 3 travel
    options = booking(request(origin="JFK", numberOfTravelers=3))["awardOptions"]
    ac = next(o for o in options if itinerary(o) == "JFK-LHR/AC")
    # THEN N = 180,000 and fees $300
    assert ac["estimatedCost"] == {
        "amount": 180_000,
        "currencyName": "points",
        "programId": "AC_AEROPLAN",
    }
    assert ac["taxesAndFeesEstimate"] == {"amount": 300.0, "currency": "USD"}


def test_analyze__round_trip_by_one_way_rows_doubles_cost_and_fees(booking: Call) -> None:
    # GIVEN one-way rows (AC whole-trip, BA per segment)  WHEN 2 travel round trip
    options = booking(request(origin="JFK", numberOfTravelers=2, tripType="round_trip"))
    by_itinerary = {(o["programId"], itinerary(o)): o for o in options["awardOptions"]}
    ac = by_itinerary[("AC_AEROPLAN", "JFK-LHR/AC")]
    ba = by_itinerary[("BA_AVIOS", "JFK-LHR/BA")]
    # THEN AC: 60,000 x 2 travellers x 2 = 240,000; fees $100 x 2 units x 2 = $400
    assert ac["estimatedCost"]["amount"] == 240_000
    assert ac["taxesAndFeesEstimate"]["amount"] == 400.0
    assert ac["tripType"] == "round_trip"
    # AND BA per segment: 50,000 x 2 x 2 = 200,000; $200 x 2 units x 2 = $800
    assert ba["estimatedCost"]["amount"] == 200_000
    assert ba["taxesAndFeesEstimate"]["amount"] == 800.0


def test_analyze__round_trip_needs_the_reverse_route(booking: Call) -> None:
    # GIVEN DL JFK -> LHR is one-directional  WHEN a round trip is asked
    options = booking(request(origin="JFK", tripType="round_trip"))["awardOptions"]
    # THEN no DL itinerary (the others fly back)
    assert {itinerary(o) for o in options} == {"JFK-LHR/AC", "JFK-LHR/BA", "JFK-LHR/VS"}


def test_analyze__dynamic_prices_say_so_with_medium_confidence(booking: Call) -> None:
    # GIVEN VS prices dynamic_from, AC fixed
    options = booking(request(origin="JFK"))["awardOptions"]
    vs = next(o for o in options if itinerary(o) == "JFK-LHR/VS")
    ac = next(o for o in options if itinerary(o) == "JFK-LHR/AC")
    # WHEN described  THEN VS is dynamic_from, medium, and tells to verify the live price
    assert (vs["pricing"], vs["confidence"]) == ("dynamic_from", "medium")
    assert any("verify" in r.lower() and "live" in r.lower() for r in vs["keyRulesOrBenefits"])
    # AND AC is fixed, high, without that warning
    assert (ac["pricing"], ac["confidence"]) == ("fixed", "high")
    assert not any("live" in r.lower() for r in ac["keyRulesOrBenefits"])


def test_analyze__routes_without_cabins_carry_a_caveat(booking: Call) -> None:
    # GIVEN the VS route states no cabins  WHEN its option is described  THEN a caveat says so
    options = booking(request(origin="JFK"))["awardOptions"]
    vs = next(o for o in options if itinerary(o) == "JFK-LHR/VS")
    assert any("VS JFK-LHR" in r and "cabins" in r for r in vs["keyRulesOrBenefits"])


def test_analyze__excluded_programs_are_not_booked(booking: Call) -> None:
    # GIVEN AC excluded  WHEN asked  THEN no AC option
    options = booking(request(preferences={"excludePrograms": ["AC_AEROPLAN"]}))["awardOptions"]
    assert {o["programId"] for o in options} == {"BA_AVIOS", "VS_FLYINGCLUB"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (
            {"userRewardsBalances": [{"programId": "NOPE", "balance": 1}]},
            "userRewardsBalances[0].programId",
        ),
        (
            {
                "userRewardsBalances": [
                    {"programId": "AMEX_MR", "balance": 1},
                    {"programId": "AMEX_MR", "balance": 2},
                ]
            },
            "userRewardsBalances[1].programId",
        ),
        (
            {"preferences": {"excludePrograms": ["AMEX_MR", "NOPE"]}},
            "preferences.excludePrograms[1]",
        ),
        ({"preferences": {"preferredAlliances": ["nope"]}}, "preferences.preferredAlliances[0]"),
        (
            {"userRewardsBalances": [{"programId": "AMEX_MR", "balance": -1}]},
            "userRewardsBalances[0].balance",
        ),
        ({"numberOfTravelers": 0}, "numberOfTravelers"),
        ({"cabinClass": "luxury"}, "cabinClass"),
        ({"tripType": "multi_city"}, "tripType"),
        ({"preferences": {"maxTransferHops": 3}}, "preferences.maxTransferHops"),
        ({"origin": "QQQ"}, "origin"),
        ({"destination": "JFK"}, "destination"),  # inside NYC, the origin
        ({"asOfDate": "2026-13-01"}, "asOfDate"),
        ({"bogus": True}, "bogus"),
    ],
)
def test_analyze__invalid_requests_name_the_field(
    booking: Call, changes: dict[str, Any], field: str
) -> None:
    # GIVEN a request with one bad value  WHEN called  THEN invalid_request naming the field
    with pytest.raises(InvalidRequest) as raised:
        booking(request(**changes))
    assert raised.value.field == field
    assert raised.value.to_json()["error"]["code"] == "invalid_request"


# --- metro codes ----------------------------------------------------------------------------------


def test_resolve_place__metro_codes_union_the_curated_table_and_the_facts(
    make_repository: Callable[[list[Fact]], KnowledgeRepository],
) -> None:
    # GIVEN a facts airport HPN stating metroCode NYC
    repo = make_repository(BOOKING)
    # WHEN NYC is resolved  THEN the curated JFK, EWR, LGA and the facts' HPN
    assert resolve_place(repo, "NYC", "origin") == {"JFK", "EWR", "LGA", "HPN"}
    # AND SHA (an airport and the Shanghai metro code) means the metro: PVG and SHA
    assert resolve_place(repo, "SHA", "origin") == {"PVG", "SHA"}
    # AND a plain airport is itself
    assert resolve_place(repo, "FRA", "origin") == {"FRA"}
    # AND an unknown code is an invalid request naming the field
    with pytest.raises(InvalidRequest) as raised:
        resolve_place(repo, "QQQ", "destination")
    assert raised.value.field == "destination"


# --- region membership, validity and price choice -------------------------------------------------

PRICING: list[Fact] = [
    *BASE,
    program("AC_AEROPLAN", "AC", value=1.5),
    route("AC", "JFK", "LHR", "business"),
    route("AC", "EWR", "LHR", "business"),
    {"type": "awardRegion", "programId": "AC_AEROPLAN", "regionId": "jfk", "airports": ["JFK"]},
    {"type": "awardRegion", "programId": "AC_AEROPLAN", "regionId": "na", "countries": ["US"]},
    {"type": "awardRegion", "programId": "AC_AEROPLAN", "regionId": "uk", "countries": ["GB"]},
    price("AC_AEROPLAN", 70_000, originRegionId="na", destinationRegionId="uk"),
    price("AC_AEROPLAN", 65_000, originRegionId="jfk", destinationRegionId="uk"),
    price(
        "AC_AEROPLAN",
        50_000,
        originRegionId="na",
        destinationRegionId="uk",
        effectiveDate="2026-07-01",
        expirationDate="2026-07-31",
    ),
    price(
        "AC_AEROPLAN", 100_000, originRegionId="na", destinationRegionId="uk", tripType="round_trip"
    ),
]


@pytest.fixture(scope="module")
def pricing(bind: Callable[[list[Fact]], Call]) -> Call:
    return bind(PRICING)


def costs(response: dict[str, Any]) -> dict[str, int]:
    return {itinerary(o): o["estimatedCost"]["amount"] for o in response["awardOptions"]}


def test_analyze__regions_by_airport_list_and_by_country(pricing: Call) -> None:
    # GIVEN region "jfk" listing JFK, region "na" listing country US
    # WHEN NYC -> LHR is priced on 2026-06-01
    # THEN JFK sits in both and takes the cheaper jfk row (65,000); EWR only the na row
    assert costs(pricing(request())) == {"JFK-LHR/AC": 65_000, "EWR-LHR/AC": 70_000}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-06-30", {"JFK-LHR/AC": 65_000, "EWR-LHR/AC": 70_000}),
        ("2026-07-01", {"JFK-LHR/AC": 50_000, "EWR-LHR/AC": 50_000}),  # effectiveDate inclusive
        ("2026-07-31", {"JFK-LHR/AC": 50_000, "EWR-LHR/AC": 50_000}),  # expirationDate inclusive
        ("2026-08-01", {"JFK-LHR/AC": 65_000, "EWR-LHR/AC": 70_000}),
    ],
)
def test_analyze__prices_valid_on_the_as_of_date(
    pricing: Call, day: str, expected: dict[str, int]
) -> None:
    # GIVEN a 50,000 row valid in July only  WHEN priced on `day`  THEN it applies only in July
    assert costs(pricing(request(asOfDate=day))) == expected


def test_analyze__round_trip_rows_compete_with_doubled_one_way_rows(pricing: Call) -> None:
    # GIVEN a 100,000 round-trip row (na <-> uk) and one-way rows of 65,000 (JFK) / 70,000
    # WHEN a round trip is asked  THEN 100,000 beats 130,000 and 140,000; one priced unit
    response = pricing(request(tripType="round_trip"))
    assert costs(response) == {"JFK-LHR/AC": 100_000, "EWR-LHR/AC": 100_000}


# --- funding through transfers --------------------------------------------------------------------

FUNDING: list[Fact] = [
    *BASE,
    program("AC_AEROPLAN", "AC", value=1.5),
    program("AMEX_MR", kind="bank", value=2.0),
    program("MARRIOTT", kind="hotel", value=0.7),
    program("CHASE_UR", kind="bank", value=1.0),
    program("HOTEL_X", kind="hotel", value=0.5),
    route("AC", "JFK", "LHR", "economy", "business", "first"),
    price("AC_AEROPLAN", 13_000, surchargeUsd=100.0),
    price("AC_AEROPLAN", 27_000, cabin="first"),
    price("AC_AEROPLAN", 2_250, cabin="economy"),
    transfer("AMEX_MR", "AC_AEROPLAN"),
    {
        "type": "transferBonus",
        "fromProgramId": "AMEX_MR",
        "toProgramId": "AC_AEROPLAN",
        "bonusPercent": 30,
        "startDate": "2026-05-01",
        "endDate": "2026-06-30",
    },
    transfer(
        "MARRIOTT",
        "AC_AEROPLAN",
        ratioFrom=3,
        minimumTransfer=3000,
        transferIncrement=3,
        blockBonus={"everySourcePoints": 60_000, "bonusTargetPoints": 5_000},
    ),
    {
        "type": "transferBonus",
        "fromProgramId": "MARRIOTT",
        "toProgramId": "AC_AEROPLAN",
        "bonusPercent": 10,
        "endDate": "2026-12-31",
    },
    transfer("CHASE_UR", "HOTEL_X"),
    transfer("HOTEL_X", "AC_AEROPLAN", transferIncrement=100),
]


@pytest.fixture(scope="module")
def funding(bind: Callable[[list[Fact]], Call]) -> Call:
    return bind(FUNDING)


def only_option(response: dict[str, Any]) -> dict[str, Any]:
    assert len(response["awardOptions"]) == 1
    option: dict[str, Any] = response["awardOptions"][0]
    return option


def test_analyze__transfer_with_an_active_bonus(funding: Call) -> None:
    # GIVEN 50,000 AMEX_MR (2.0 cents) moving 1:1 to Aeroplan with a 30% bonus
    response = funding(request(userRewardsBalances=[{"programId": "AMEX_MR", "balance": 50_000}]))
    option = only_option(response)
    # WHEN 13,000 points are needed
    # THEN 10,000 move and bring 13,000 (3,000 of them bonus); 10,000 x 2.0 = 20,000 cents
    assert option["feasible"] is True
    assert option["shortfall"] == 0
    assert option["fundingPlan"] == [{"programId": "AMEX_MR", "pointsUsed": 10_000}]
    assert option["transferPartnersPotentiallyNeeded"] == [
        {
            "fromProgram": "AMEX_MR",
            "toProgram": "AC_AEROPLAN",
            "estimatedPointsToTransfer": 10_000,
            "pointsReceived": 13_000,
            "transferBonusApplied": 3_000,
        }
    ]
    assert option["valueSpentCents"] == 20_000.0
    assert option["taxesAndFeesEstimate"] == {"amount": 100.0, "currency": "USD"}


def test_analyze__a_bonus_ends_with_its_end_date(funding: Call) -> None:
    # GIVEN the AMEX bonus ended on 2026-06-30  WHEN asked on 2026-07-01
    response = funding(
        request(
            asOfDate="2026-07-01", userRewardsBalances=[{"programId": "AMEX_MR", "balance": 50_000}]
        )
    )
    # THEN 13,000 move 1:1 with no bonus: 26,000 cents
    option = only_option(response)
    assert option["transferPartnersPotentiallyNeeded"][0]["estimatedPointsToTransfer"] == 13_000
    assert option["transferPartnersPotentiallyNeeded"][0]["transferBonusApplied"] == 0
    assert option["valueSpentCents"] == 26_000.0


def test_analyze__points_received_beyond_n_are_not_spent(funding: Call) -> None:
    # GIVEN 50,000 AMEX_MR moving in thousands with a 30% bonus, and no Aeroplan points
    balances = [{"programId": "AMEX_MR", "balance": 50_000}]
    option = only_option(funding(request(cabinClass="economy", userRewardsBalances=balances)))
    # WHEN 2,250 are needed  THEN 2,000 move and bring 2,600; the 350 extra stay unspent
    # and only the 2,000 AMEX points are valued: 4,000 cents
    assert option["fundingPlan"] == [{"programId": "AMEX_MR", "pointsUsed": 2_000}]
    assert option["transferPartnersPotentiallyNeeded"][0]["pointsReceived"] == 2_600
    assert option["valueSpentCents"] == 4_000.0


def test_analyze__own_points_and_transfers_combine(funding: Call) -> None:
    # GIVEN 20,000 Aeroplan (1.5 cents) and 50,000 AMEX_MR (2.0 cents, +30%), 2 travellers
    balances = [
        {"programId": "AC_AEROPLAN", "balance": 20_000},
        {"programId": "AMEX_MR", "balance": 50_000},
    ]
    option = only_option(funding(request(numberOfTravelers=2, userRewardsBalances=balances)))
    # WHEN N = 26,000 (own points cost 1.5 cents, AMEX 2.0 / 1.3 = 1.54 per point received)
    # THEN the fewest AMEX points that, with all 20,000 own points, reach N: 5,000 bring
    # 6,500, so own points used = 26,000 - 6,500 = 19,500:
    # 19,500 x 1.5 + 5,000 x 2.0 = 39,250 cents (6,000 AMEX would be 39,300; 10,000 39,500)
    assert option["fundingPlan"] == [
        {"programId": "AC_AEROPLAN", "pointsUsed": 19_500},
        {"programId": "AMEX_MR", "pointsUsed": 5_000},
    ]
    assert option["transferPartnersPotentiallyNeeded"][0]["pointsReceived"] == 6_500
    assert option["valueSpentCents"] == 39_250.0


def test_analyze__transfer_bonus_applied_excludes_the_block_bonus(funding: Call) -> None:
    # GIVEN 100,000 Marriott moving 3:1 with 5,000 per 60,000 and a 10% bonus
    response = funding(
        request(
            cabinClass="first", userRewardsBalances=[{"programId": "MARRIOTT", "balance": 100_000}]
        )
    )
    option = only_option(response)
    # WHEN 27,000 are needed  THEN 60,000 move: 20,000 + 5,000 block + 2,000 (10%) = 27,000
    # (59,997 would bring 19,999 + 1,999); only the 2,000 is the transfer bonus
    assert option["transferPartnersPotentiallyNeeded"] == [
        {
            "fromProgram": "MARRIOTT",
            "toProgram": "AC_AEROPLAN",
            "estimatedPointsToTransfer": 60_000,
            "pointsReceived": 27_000,
            "transferBonusApplied": 2_000,
        }
    ]
    assert option["valueSpentCents"] == 42_000.0  # 60,000 x 0.7


def test_analyze__without_transfers_only_own_points_count(funding: Call) -> None:
    # GIVEN 5,000 Aeroplan and 50,000 AMEX_MR, transfers not considered
    balances = [
        {"programId": "AC_AEROPLAN", "balance": 5_000},
        {"programId": "AMEX_MR", "balance": 50_000},
    ]
    option = only_option(
        funding(
            request(userRewardsBalances=balances, preferences={"considerPointTransfers": False})
        )
    )
    # WHEN 13,000 are needed  THEN short by 8,000, all 5,000 own points valued (7,500 cents)
    assert (option["feasible"], option["shortfall"]) == (False, 8_000)
    assert option["fundingPlan"] == [{"programId": "AC_AEROPLAN", "pointsUsed": 5_000}]
    assert option["transferPartnersPotentiallyNeeded"] == []
    assert option["valueSpentCents"] == 7_500.0


def test_analyze__excluded_programs_are_not_spent_from(funding: Call) -> None:
    # GIVEN 50,000 AMEX_MR, excluded  WHEN 13,000 are needed  THEN nothing funds it
    response = funding(
        request(
            userRewardsBalances=[{"programId": "AMEX_MR", "balance": 50_000}],
            preferences={"excludePrograms": ["AMEX_MR"]},
        )
    )
    option = only_option(response)
    assert (option["feasible"], option["shortfall"], option["valueSpentCents"]) == (
        False,
        13_000,
        0.0,
    )


def test_analyze__two_hop_chain_when_allowed(funding: Call) -> None:
    # GIVEN 5,000 CHASE_UR (1.0) -> HOTEL_X in thousands -> Aeroplan in hundreds from 1,000
    balances = [{"programId": "CHASE_UR", "balance": 5_000}]
    two_hops = request(
        cabinClass="economy", userRewardsBalances=balances, preferences={"maxTransferHops": 2}
    )
    option = only_option(funding(two_hops))
    # WHEN 2,250 are needed  THEN 3,000 to HOTEL_X and the smallest allowed 2,300 onward,
    # listed as two hops, valued on the 3,000 CHASE_UR points
    assert option["feasible"] is True
    assert option["fundingPlan"] == [{"programId": "CHASE_UR", "pointsUsed": 3_000}]
    assert [
        (h["fromProgram"], h["toProgram"], h["estimatedPointsToTransfer"], h["pointsReceived"])
        for h in option["transferPartnersPotentiallyNeeded"]
    ] == [("CHASE_UR", "HOTEL_X", 3_000, 3_000), ("HOTEL_X", "AC_AEROPLAN", 2_300, 2_300)]
    assert option["valueSpentCents"] == 3_000.0


def test_analyze__one_hop_by_default(funding: Call) -> None:
    # GIVEN CHASE_UR reaches Aeroplan only through HOTEL_X  WHEN hops are not raised
    balances = [{"programId": "CHASE_UR", "balance": 5_000}]
    option = only_option(funding(request(cabinClass="economy", userRewardsBalances=balances)))
    # THEN it cannot fund the award
    assert (option["feasible"], option["shortfall"]) == (False, 2_250)


def test_analyze__excluded_intermediate_breaks_the_chain(funding: Call) -> None:
    # GIVEN the two-hop chain through HOTEL_X, and HOTEL_X excluded
    balances = [{"programId": "CHASE_UR", "balance": 5_000}]
    payload = request(
        cabinClass="economy",
        userRewardsBalances=balances,
        preferences={"maxTransferHops": 2, "excludePrograms": ["HOTEL_X"]},
    )
    # WHEN asked  THEN nothing is transferred through HOTEL_X
    option = only_option(funding(payload))
    assert (option["feasible"], option["shortfall"]) == (False, 2_250)


def test_analyze__intermediate_balance_funds_as_its_own_one_hop(funding: Call) -> None:
    # GIVEN 5,000 CHASE_UR (1.0) and 1,000 HOTEL_X (0.5) of one's own, two hops allowed
    balances = [
        {"programId": "CHASE_UR", "balance": 5_000},
        {"programId": "HOTEL_X", "balance": 1_000},
    ]
    payload = request(
        cabinClass="economy", userRewardsBalances=balances, preferences={"maxTransferHops": 2}
    )
    option = only_option(funding(payload))
    # WHEN 2,250 are needed
    # THEN HOTEL_X moves its 1,000 (500 cents) and CHASE_UR's chain the other 1,250:
    # 2,000 to HOTEL_X, 1,300 onward (the smallest allowed covering 1,250): 2,000 cents
    assert option["fundingPlan"] == [
        {"programId": "CHASE_UR", "pointsUsed": 2_000},
        {"programId": "HOTEL_X", "pointsUsed": 1_000},
    ]
    assert sorted(
        (h["fromProgram"], h["toProgram"], h["estimatedPointsToTransfer"])
        for h in option["transferPartnersPotentiallyNeeded"]
    ) == [
        ("CHASE_UR", "HOTEL_X", 2_000),
        ("HOTEL_X", "AC_AEROPLAN", 1_000),
        ("HOTEL_X", "AC_AEROPLAN", 1_300),
    ]
    assert option["valueSpentCents"] == 2_500.0


# --- sort order and the 20-option limit -----------------------------------------------------------

SORTING: list[Fact] = [
    *BASE,
    route("AC", "JFK", "LHR", "business"),
    route("AC", "EWR", "LHR", "business"),
    # (programId, points, pointValueCents)
    *(
        fact
        for program_id, points, value in [
            ("UMB", 5_000, 2.0),
            ("VAN", 10_000, None),  # no value: 1.0
            ("ZED", 10_000, 1.0),
            ("YAK", 8_000, 2.0),
            ("WAX", 9_000, 1.0),
            ("QED", 4_000, 3.0),
            ("XEN", 5_000, 1.0),
        ]
        for fact in (program(program_id, "AC", value=value), price(program_id, points))
    ),
]


def test_analyze__sorts_feasible_by_value_then_infeasible_by_shortfall(
    bind: Callable[[list[Fact]], Call],
) -> None:
    # GIVEN own balances only
    balances = [
        {"programId": "UMB", "balance": 5_000},  # feasible, 10,000 cents, N 5,000
        {"programId": "VAN", "balance": 10_000},  # feasible, 10,000 cents, N 10,000
        {"programId": "ZED", "balance": 10_000},  # feasible, 10,000 cents, N 10,000
        {"programId": "YAK", "balance": 8_000},  # feasible, 16,000 cents
        {"programId": "WAX", "balance": 6_000},  # short 3,000, 6,000 cents
        {"programId": "QED", "balance": 1_000},  # short 3,000, 3,000 cents
        {"programId": "XEN", "balance": 0},  # short 5,000
    ]
    # WHEN NYC -> LHR is asked (JFK-LHR and EWR-LHR for each program)
    response = bind(SORTING)(request(userRewardsBalances=balances))
    # THEN feasible by value, then N, then programId; infeasible by shortfall, then value;
    # within a program the itinerary whose airports joined with "-" are smaller first
    order = ["UMB", "VAN", "ZED", "YAK", "QED", "WAX", "XEN"]
    assert summary(response) == [
        (p, f"{origin}-LHR/AC") for p in order for origin in ("EWR", "JFK")
    ]
    values = [o["valueSpentCents"] for o in response["awardOptions"]][::2]
    assert values == [10_000.0, 10_000.0, 10_000.0, 16_000.0, 3_000.0, 6_000.0, 0.0]
    assert response["summaryAdvice"]


def test_analyze__returns_at_most_20_options(bind: Callable[[list[Fact]], Call]) -> None:
    # GIVEN 21 programs that can all book JFK-LHR at the same price
    facts = [*BASE, route("AC", "JFK", "LHR", "business")]
    for n in range(21):
        facts += [program(f"P{n:02d}", "AC"), price(f"P{n:02d}", 10_000)]
    # WHEN asked
    options = bind(facts)(request())["awardOptions"]
    # THEN the first 20 by programId, numbered opt-1 to opt-20
    assert [o["optionId"] for o in options] == [f"opt-{n}" for n in range(1, 21)]
    assert [o["programId"] for o in options] == [f"P{n:02d}" for n in range(20)]
