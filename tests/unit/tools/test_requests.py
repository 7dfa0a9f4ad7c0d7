"""Tool requests (contracts/tools.md): strict validation with the offending field named,
defaults, and dispatch through call_tool, including get_user_profile's ownership rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.errors import Forbidden, InvalidRequest
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import FileProfileStore, ProfileNotFound
from loyalty_maximizer.tools.registry import ProfileUnavailable, ToolContext, call_tool
from loyalty_maximizer.tools.requests import (
    AllianceGoal,
    AwardRequest,
    CreditingRequest,
    EarningsRequest,
    KnowledgeRequest,
    TierGoal,
    parse_request,
)

AWARD = {"origin": "nyc", "destination": "lhr", "cabinClass": "business"}


def field_of(model: type[Any], data: Any) -> str | None:
    with pytest.raises(InvalidRequest) as raised:
        parse_request(model, data)
    return raised.value.field


def test_parse_request__award_defaults_and_upper_case_codes() -> None:
    # GIVEN the minimal award request, codes in lower case
    request = parse_request(AwardRequest, AWARD)
    # WHEN parsed  THEN codes are upper-cased and the contract's defaults are filled in
    assert (request.origin, request.destination) == ("NYC", "LHR")
    assert request.number_of_travelers == 1
    assert request.trip_type == "one_way"
    assert request.user_rewards_balances == []
    prefs = request.preferences
    assert (prefs.max_stops, prefs.consider_point_transfers, prefs.max_transfer_hops) == (
        1,
        True,
        1,
    )
    assert (prefs.preferred_alliances, prefs.exclude_programs) == ([], [])


def test_parse_request__as_of_date_fixes_today() -> None:
    # GIVEN asOfDate  WHEN parsed  THEN today() is that date; without it, today in UTC
    assert parse_request(AwardRequest, {**AWARD, "asOfDate": "2026-11-22"}).today() == dt.date(
        2026, 11, 22
    )
    assert parse_request(AwardRequest, AWARD).today() == dt.datetime.now(dt.UTC).date()


def test_parse_request__accepts_json_text() -> None:
    # GIVEN the request as JSON text  WHEN parsed  THEN the same request
    assert parse_request(AwardRequest, json.dumps(AWARD)) == parse_request(AwardRequest, AWARD)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"numberOfTravelers": "2"}, "numberOfTravelers"),  # strict: no string for an int
        ({"numberOfTravelers": 10}, "numberOfTravelers"),
        ({"origin": "NY"}, "origin"),
        ({"preferences": {"maxStops": 2}}, "preferences.maxStops"),
        ({"preferences": {"considerPointTransfers": "yes"}}, "preferences.considerPointTransfers"),
        (
            {
                "userRewardsBalances": [
                    {"programId": "A", "balance": 1},
                    {"programId": "B", "balance": 1.5},
                ]
            },
            "userRewardsBalances[1].balance",
        ),
        ({"userRewardsBalances": [{"programId": "A"}]}, "userRewardsBalances[0].balance"),
        ({"asOfDate": "22/11/2026"}, "asOfDate"),
        ({"maxStops": 0}, "maxStops"),  # belongs in preferences: an unknown field here
    ],
)
def test_parse_request__names_the_bad_field(changes: dict[str, Any], field: str) -> None:
    # GIVEN an award request with one bad value  WHEN parsed  THEN the field is named
    assert field_of(AwardRequest, {**AWARD, **changes}) == field


def test_parse_request__missing_required_field() -> None:
    # GIVEN no cabinClass  WHEN parsed  THEN invalid_request naming cabinClass
    data = {k: v for k, v in AWARD.items() if k != "cabinClass"}
    with pytest.raises(InvalidRequest) as raised:
        parse_request(AwardRequest, data)
    assert raised.value.to_json()["error"]["code"] == "invalid_request"
    assert raised.value.to_json()["error"]["field"] == "cabinClass"


def test_parse_request__unknown_field_says_so() -> None:
    # GIVEN an extra field  WHEN parsed  THEN "unknown field" and its name
    with pytest.raises(InvalidRequest) as raised:
        parse_request(AwardRequest, {**AWARD, "budget": 5})
    assert raised.value.field == "budget"
    assert "unknown field" in str(raised.value)


def test_parse_request__malformed_json() -> None:
    # GIVEN text that is not JSON  WHEN parsed  THEN invalid_request without a field
    with pytest.raises(InvalidRequest) as raised:
        parse_request(AwardRequest, '{"origin": ')
    assert raised.value.field is None
    assert "JSON" in str(raised.value)


def test_parse_request__earnings_segments_upper_case_and_operator() -> None:
    # GIVEN a segment in lower case with no operating carrier
    data = {
        "flightItinerary": {
            "segments": [
                {
                    "marketingCarrier": "lh",
                    "originAirport": "fra",
                    "destinationAirport": "sin",
                    "fareClass": "k",
                }
            ]
        }
    }
    segment = parse_request(EarningsRequest, data).flight_itinerary.segments[0]
    # WHEN parsed  THEN codes are upper case and the operator is the marketing carrier
    assert (segment.marketing_carrier, segment.origin_airport, segment.fare_class) == (
        "LH",
        "FRA",
        "K",
    )
    assert segment.operator == "LH"


@pytest.mark.parametrize(
    ("goal", "kind"),
    [({"allianceTier": "star_gold"}, AllianceGoal), ({"programId": "P", "tierId": "t"}, TierGoal)],
)
def test_parse_request__crediting_goal_shapes(goal: dict[str, str], kind: type[Any]) -> None:
    # GIVEN either goal shape  WHEN parsed  THEN the matching goal type
    segment = {"marketingCarrier": "UA", "originAirport": "SFO", "destinationAirport": "EWR"}
    data = {"flightItinerary": {"segments": [segment]}, "goal": goal}
    assert isinstance(parse_request(CreditingRequest, data).goal, kind)


def test_parse_request__knowledge_limit_bounds() -> None:
    # GIVEN limit 0 or 51  WHEN parsed  THEN invalid; the default is 10
    assert field_of(KnowledgeRequest, {"question": "q", "limit": 0}) == "limit"
    assert field_of(KnowledgeRequest, {"question": "q", "limit": 51}) == "limit"
    assert parse_request(KnowledgeRequest, {"question": "q"}).limit == 10


# --- call_tool and get_user_profile -------------------------------------------------------------


class _NoKnowledge:
    """A graph that fails the test when read: these calls must not touch the knowledge."""

    def query(self, text: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        raise AssertionError("the knowledge graph was queried")


NO_KNOWLEDGE = KnowledgeRepository(_NoKnowledge())

PROFILE = {
    "userId": "user-1",
    "loyaltyPrograms": [
        {
            "programId": "UA_MILEAGEPLUS",
            "programName": "MileagePlus",
            "statusTier": "gold",
            "redeemableBalance": {"amount": 80000, "currencyName": "miles"},
            "eliteQualifyingMetrics": [
                {"metricName": "PQP", "currentValue": 4200, "unit": "points"}
            ],
        }
    ],
    "preferences": {
        "homeAirport": "SFO",
        "preferredAirlines": ["UA"],
        "preferredAlliances": ["star_alliance"],
        "preferredCabin": "business",
    },
}


@pytest.fixture
def store(tmp_path: Path) -> FileProfileStore:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    return FileProfileStore(path)


def test_get_user_profile__returns_the_callers_own_profile(store: FileProfileStore) -> None:
    # GIVEN a file profile of user-1, read by user-1
    context = ToolContext(NO_KNOWLEDGE, store, "user-1")
    # WHEN get_user_profile is called  THEN the profile in the response shape
    assert call_tool(context, "get_user_profile", {"userId": "user-1"}) == PROFILE


def test_get_user_profile__another_users_profile_is_forbidden(store: FileProfileStore) -> None:
    # GIVEN user-1 signed in  WHEN asking for user-2  THEN Forbidden
    context = ToolContext(NO_KNOWLEDGE, store, "user-1")
    with pytest.raises(Forbidden):
        call_tool(context, "get_user_profile", {"userId": "user-2"})


def test_get_user_profile__unknown_user_without_caller(store: FileProfileStore) -> None:
    # GIVEN no caller identity  WHEN asking for a user the store does not hold  THEN not found
    with pytest.raises(ProfileNotFound):
        call_tool(ToolContext(NO_KNOWLEDGE, store), "get_user_profile", {"userId": "user-2"})


def test_get_user_profile__without_a_store() -> None:
    # GIVEN no profile store  WHEN get_user_profile is called  THEN profile_unavailable
    with pytest.raises(ProfileUnavailable) as raised:
        call_tool(ToolContext(NO_KNOWLEDGE), "get_user_profile", {"userId": "user-1"})
    assert raised.value.to_json()["error"]["code"] == "profile_unavailable"


def test_file_profile_store__invalid_file_names_the_field(tmp_path: Path) -> None:
    # GIVEN a profile whose balance is negative  WHEN loaded  THEN invalid naming the field
    bad = json.loads(json.dumps(PROFILE))
    bad["loyaltyPrograms"][0]["redeemableBalance"]["amount"] = -1
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(InvalidRequest) as raised:
        FileProfileStore(path)
    assert raised.value.field == "loyaltyPrograms.0.redeemableBalance.amount"


def test_call_tool__unknown_tool_is_an_invalid_request() -> None:
    # GIVEN a tool name that does not exist  WHEN called  THEN invalid_request on "name"
    with pytest.raises(InvalidRequest) as raised:
        call_tool(ToolContext(NO_KNOWLEDGE), "book_flight", {})
    assert raised.value.field == "name"


def test_call_tool__validates_before_running() -> None:
    # GIVEN a bad award request  WHEN called  THEN invalid_request before any graph read
    with pytest.raises(InvalidRequest) as raised:
        call_tool(
            ToolContext(NO_KNOWLEDGE),
            "analyze_award_redemption_strategies",
            {**AWARD, "numberOfTravelers": 0},
        )
    assert raised.value.field == "numberOfTravelers"
