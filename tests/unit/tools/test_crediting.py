"""recommend_crediting_program (contracts/tools.md): tier reached, qualification
alternatives, progress to the next tier, goals, and the ranking of programs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.graph.repository import KnowledgeRepository

Fact = dict[str, Any]
Call = Callable[[dict[str, Any]], dict[str, Any]]


def program(program_id: str, value: float | None = None) -> Fact:
    fact: Fact = {
        "type": "loyaltyProgram",
        "programId": program_id,
        "name": program_id.title(),
        "kind": "airline",
        "currencyName": "miles",
    }
    if value is not None:
        fact["pointValueCents"] = value
    return fact


def fixed_rule(program_id: str, redeemable: float, **metrics: float) -> Fact:
    """Fixed basis: `redeemable` miles and each metric's rate per segment."""
    return {
        "type": "earningRule",
        "ruleId": f"rule-{program_id}",
        "creditingProgramId": program_id,
        "operatingAirlineIds": ["AA"],
        "basis": "fixed",
        "redeemableRate": redeemable,
        "eliteMetrics": [
            {"metricName": m, "basis": "fixed", "rate": r} for m, r in metrics.items()
        ],
    }


def tier(program_id: str, tier_id: str, rank: int, *qualification: Fact, **fields: Any) -> Fact:
    return {
        "type": "eliteTier",
        "programId": program_id,
        "tierId": tier_id,
        "name": tier_id.title(),
        "rank": rank,
        "qualification": list(qualification),
        **fields,
    }


def at_least(metric: str, threshold: float) -> Fact:
    return {"metricName": metric, "threshold": threshold}


def all_of(*parts: Fact) -> Fact:
    return {"allOf": list(parts)}


CREDITING: list[Fact] = [
    {"type": "airline", "airlineId": "AA", "name": "American"},
    {"type": "airport", "airportId": "JFK", "country": "US", "latitude": 0.0, "longitude": 0.0},
    {"type": "airport", "airportId": "DEN", "country": "US", "latitude": 0.0, "longitude": 10.0},
    # ALPHA: 1,000 PQP and 1 PQF per segment
    program("ALPHA"),
    fixed_rule("ALPHA", 1000, PQP=1000, PQF=1),
    tier("ALPHA", "silver", 1, at_least("PQP", 5000)),
    tier(
        "ALPHA",
        "gold",
        2,
        at_least("PQP", 12000),
        all_of(at_least("PQP", 8000), at_least("PQF", 10)),
        allianceTier="star_gold",
        redeemableBonusPercent=50,
    ),
    tier("ALPHA", "platinum", 3, at_least("PQP", 20000), allianceTier="star_gold"),
    # BETA: its lowest tier already carries star_gold
    program("BETA"),
    fixed_rule("BETA", 1000, PQP=1000),
    tier("BETA", "silver", 1, at_least("PQP", 5000), allianceTier="star_gold"),
    tier("BETA", "gold", 2, at_least("PQP", 10000)),
    # TIE / TIE_REV: two alternatives at the same fraction, listed in opposite orders
    program("TIE"),
    fixed_rule("TIE", 100, PQP=1000, PQF=1),
    tier("TIE", "gold", 1, at_least("PQP", 10000), at_least("PQF", 10)),
    program("TIE_REV"),
    fixed_rule("TIE_REV", 100, PQP=1000, PQF=1),
    tier("TIE_REV", "gold", 1, at_least("PQF", 10), at_least("PQP", 10000)),
    # GAMMA: the held tier's bonus counts in a same_as_redeemable metric
    program("GAMMA"),
    {
        "type": "earningRule",
        "ruleId": "rule-GAMMA",
        "creditingProgramId": "GAMMA",
        "operatingAirlineIds": ["AA"],
        "basis": "distance",
        "redeemableRate": 1.0,
        "eliteMetrics": [{"metricName": "EQ", "basis": "same_as_redeemable"}],
    },
    tier("GAMMA", "gold", 1, at_least("EQ", 1000), redeemableBonusPercent=100),
    # ranking: Q per segment against tiers at Q 5 (rank 1) and Q 10 (rank 2); others untiered
    *(
        fact
        for program_id, q in [("R_TOP", 10), ("R_NINE", 9), ("R_FIVE", 5)]
        for fact in (
            program(program_id),
            fixed_rule(program_id, 100, Q=q),
            tier(program_id, "t1", 1, at_least("Q", 5)),
            tier(program_id, "t2", 2, at_least("Q", 10)),
        )
    ),
    *(
        fact
        for program_id, redeemable, value in [
            ("R_V2", 1000, 2.0),  # worth 2,000
            ("R_V1", 1500, None),  # no value: 1.0, worth 1,500
            ("R_VHALF", 2000, 0.5),  # worth 1,000
            ("R_A", 1000, 1.0),  # worth 1,000
            ("R_B", 1000, 1.0),  # worth 1,000
        ]
        for fact in (program(program_id, value), fixed_rule(program_id, redeemable))
    ),
]
RANKED = ["R_TOP", "R_NINE", "R_FIVE", "R_V2", "R_V1", "R_A", "R_B", "R_VHALF"]


@pytest.fixture(scope="module")
def crediting(
    make_repository: Callable[[list[Fact]], KnowledgeRepository],
    tool_caller: Callable[[KnowledgeRepository], Callable[[str, dict[str, Any]], dict[str, Any]]],
) -> Call:
    call = tool_caller(make_repository(CREDITING))
    return lambda payload: call("recommend_crediting_program", payload)


def request(flights: int, programs: list[str], **fields: Any) -> dict[str, Any]:
    segment = {"marketingCarrier": "AA", "originAirport": "JFK", "destinationAirport": "DEN"}
    return {
        "flightItinerary": {"segments": [segment] * flights},
        "targetLoyaltyPrograms": programs,
        "asOfDate": "2026-06-01",
        **fields,
    }


def progress(program_id: str, **values: float) -> list[dict[str, Any]]:
    return [
        {"programId": program_id, "metricName": m, "currentValue": v} for m, v in values.items()
    ]


def recommendation(response: dict[str, Any], program_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        r for r in response["recommendations"] if r["programId"] == program_id
    )
    return found


def test_recommend__held_tier_is_not_a_floor(crediting: Call) -> None:
    # GIVEN ALPHA Gold held, and 5 flights bringing PQP 5,000 and PQF 5
    payload = request(5, ["ALPHA"], currentTiers=[{"programId": "ALPHA", "tier": "gold"}])
    alpha = recommendation(crediting(payload), "ALPHA")
    # WHEN the tier reached is computed  THEN Silver (PQP 5,000), not the Gold held
    assert alpha["tierReached"] == "silver"
    assert alpha["metricsAfter"] == [
        {"metricName": "PQF", "value": 5},
        {"metricName": "PQP", "value": 5000},
    ]
    # AND the held Gold's 50% bonus applies to what is earned: 5 x 1,500
    assert alpha["redeemableEarned"] == 7500


def test_recommend__highest_rank_qualified_with_current_values(crediting: Call) -> None:
    # GIVEN PQP 15,000 already and 5 flights (PQP +5,000)
    payload = request(5, ["ALPHA"], currentEliteProgress=progress("ALPHA", PQP=15000))
    alpha = recommendation(crediting(payload), "ALPHA")
    # WHEN computed  THEN 20,000 PQP: Platinum, the top tier, so no next tier
    assert alpha["tierReached"] == "platinum"
    assert alpha["progressToNextTier"] is None


@pytest.mark.parametrize(("pqf_now", "reached"), [(5, "gold"), (4, "silver")])
def test_recommend__all_of_alternative_needs_every_part(
    crediting: Call, pqf_now: int, reached: str
) -> None:
    # GIVEN PQP 3,000 and PQF `pqf_now`, plus 5 flights (PQP +5,000, PQF +5)
    payload = request(5, ["ALPHA"], currentEliteProgress=progress("ALPHA", PQP=3000, PQF=pqf_now))
    # WHEN computed  THEN Gold by allOf(PQP 8,000, PQF 10) only when PQF reaches 10
    assert recommendation(crediting(payload), "ALPHA")["tierReached"] == reached


def test_recommend__next_tier_progress_is_the_largest_alternative(crediting: Call) -> None:
    # GIVEN PQP 8,000 and PQF 9 after the flights (Silver reached)
    payload = request(5, ["ALPHA"], currentEliteProgress=progress("ALPHA", PQP=3000, PQF=4))
    alpha = recommendation(crediting(payload), "ALPHA")
    # WHEN progress to Gold is computed
    # THEN PQP 12,000 is at 0.667, allOf(PQP 8,000 -> 1, PQF 10 -> 0.9) at 0.9: the allOf,
    # with what remains of each of its parts
    assert alpha["progressToNextTier"] == {
        "tierId": "gold",
        "fraction": 0.9,
        "remaining": [
            {"metricName": "PQP", "remaining": 0},
            {"metricName": "PQF", "remaining": 1},
        ],
    }


def test_recommend__on_a_tie_the_first_listed_alternative_is_reported(crediting: Call) -> None:
    # GIVEN 5 flights: PQP 5,000 and PQF 5; Gold needs PQP 10,000 or PQF 10 (both at 0.5),
    # listed PQP first in TIE and PQF first in TIE_REV
    response = crediting(request(5, ["TIE", "TIE_REV"]))
    # WHEN progress is computed  THEN each reports its first-listed alternative
    assert recommendation(response, "TIE")["progressToNextTier"] == {
        "tierId": "gold",
        "fraction": 0.5,
        "remaining": [{"metricName": "PQP", "remaining": 5000}],
    }
    assert recommendation(response, "TIE_REV")["progressToNextTier"] == {
        "tierId": "gold",
        "fraction": 0.5,
        "remaining": [{"metricName": "PQF", "remaining": 5}],
    }


def test_recommend__held_tier_bonus_counts_in_same_as_redeemable_metrics(crediting: Call) -> None:
    # GIVEN GAMMA earning 691 miles on JFK-DEN, EQ = redeemable, Gold needing EQ 1,000 and
    # giving 100% bonus
    held = request(1, ["GAMMA"], currentTiers=[{"programId": "GAMMA", "tier": "gold"}])
    # WHEN Gold is held  THEN 691 + 691 = 1,382 EQ: Gold kept
    assert recommendation(crediting(held), "GAMMA")["tierReached"] == "gold"
    # AND without a tier: 691 EQ, 0.691 of the way
    plain = recommendation(crediting(request(1, ["GAMMA"])), "GAMMA")
    assert plain["tierReached"] is None
    assert plain["progressToNextTier"]["fraction"] == 0.691


def test_recommend__alliance_goal_uses_the_lowest_tier_carrying_it(crediting: Call) -> None:
    # GIVEN 5 flights: ALPHA reaches Silver (star_gold from Gold up), BETA reaches Silver
    # (which carries star_gold)
    response = crediting(request(5, ["ALPHA", "BETA"], goal={"allianceTier": "star_gold"}))
    # WHEN the goal is checked  THEN BETA reaches it and ranks first
    assert [(r["programId"], r["goalReached"]) for r in response["recommendations"]] == [
        ("BETA", True),
        ("ALPHA", False),
    ]


def test_recommend__alliance_goal_is_met_by_a_higher_tier(crediting: Call) -> None:
    # GIVEN ALPHA reaching Platinum (rank 3, above Gold, the lowest tier with star_gold)
    payload = request(
        5,
        ["ALPHA"],
        currentEliteProgress=progress("ALPHA", PQP=15000),
        goal={"allianceTier": "star_gold"},
    )
    # WHEN the goal is checked  THEN it is reached
    assert recommendation(crediting(payload), "ALPHA")["goalReached"] is True


@pytest.mark.parametrize(
    ("goal_tier", "reached"), [("silver", True), ("gold", True), ("platinum", False)]
)
def test_recommend__program_tier_goal_is_met_at_that_tier_or_higher(
    crediting: Call, goal_tier: str, reached: bool
) -> None:
    # GIVEN ALPHA reaching Gold (PQP 12,000 after the flights), and BETA in the running
    payload = request(
        5,
        ["ALPHA", "BETA"],
        currentEliteProgress=progress("ALPHA", PQP=7000),
        goal={"programId": "ALPHA", "tierId": goal_tier},
    )
    response = crediting(payload)
    # WHEN the goal {ALPHA, goal_tier} is checked  THEN reached at that tier or above, and
    # never by another program
    assert recommendation(response, "ALPHA")["goalReached"] is reached
    assert recommendation(response, "BETA")["goalReached"] is False


def test_recommend__ranking_order(crediting: Call) -> None:
    # GIVEN one flight and programs that differ in one criterion at a time:
    # R_TOP rank 2; R_NINE rank 1 at 0.9 to rank 2; R_FIVE rank 1 at 0.5; untiered programs
    # worth R_V2 2,000, R_V1 1,500 (no value: 1.0), R_A = R_B = R_VHALF 1,000 cents
    response = crediting(request(1, sorted(RANKED)))
    # WHEN ranked  THEN rank, then progress, then redeemable value, then programId
    assert [r["programId"] for r in response["recommendations"]] == RANKED
    assert [r["tierReached"] for r in response["recommendations"][:3]] == ["t2", "t1", "t1"]


def test_recommend__a_reached_goal_ranks_first(crediting: Call) -> None:
    # GIVEN the same programs and the goal {R_FIVE, t1}
    response = crediting(request(1, sorted(RANKED), goal={"programId": "R_FIVE", "tierId": "t1"}))
    # WHEN ranked  THEN R_FIVE first, the rest in their order
    assert [r["programId"] for r in response["recommendations"]] == [
        "R_FIVE",
        *(p for p in RANKED if p != "R_FIVE"),
    ]


def test_recommend__candidates_default_to_programs_with_an_applicable_rule(
    crediting: Call,
) -> None:
    # GIVEN no targetLoyaltyPrograms  WHEN an AA flight is recommended on
    payload = request(1, [])
    del payload["targetLoyaltyPrograms"]
    programs = {r["programId"] for r in crediting(payload)["recommendations"]}
    # THEN every program with an AA rule
    assert programs == {"ALPHA", "BETA", "TIE", "TIE_REV", "GAMMA", *RANKED}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"targetLoyaltyPrograms": ["NOPE"]}, "targetLoyaltyPrograms[0]"),
        ({"currentEliteProgress": progress("NOPE", PQP=1)}, "currentEliteProgress[0].programId"),
        ({"currentTiers": [{"programId": "ALPHA", "tier": "nope"}]}, "currentTiers[0].tier"),
        ({"goal": {"programId": "NOPE", "tierId": "gold"}}, "goal.programId"),
        ({"goal": {"programId": "ALPHA", "tierId": "nope"}}, "goal.tierId"),
        (
            {"currentEliteProgress": progress("ALPHA", PQP=-1)},
            "currentEliteProgress[0].currentValue",
        ),
    ],
)
def test_recommend__invalid_requests_name_the_field(
    crediting: Call, changes: dict[str, Any], field: str
) -> None:
    # GIVEN a request with one bad value  WHEN called  THEN invalid_request naming the field
    with pytest.raises(InvalidRequest) as raised:
        crediting({**request(1, ["ALPHA"]), **changes})
    assert raised.value.field == field
