"""update_user_profile: changes merged into the caller's own profile (created when missing),
checked against the knowledge, saved through a writable profile store (memory, DynamoDB, or
a JSON file replaced atomically) and returned in the get_user_profile shape."""

from __future__ import annotations

import copy
import json
import stat
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.conversation.dynamo import DynamoProfileStore
from loyalty_maximizer.conversation.memory import MemoryProfileStore
from loyalty_maximizer.errors import Forbidden, InvalidRequest
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import (
    FileProfileStore,
    ProfileStore,
    UserProfile,
    WritableProfileStore,
)
from loyalty_maximizer.tools.registry import TOOLS, ProfileUnavailable, ToolContext, call_tool
from loyalty_maximizer.tools.requests import ProfileUpdateRequest

TOOL = "update_user_profile"
PROFILE: dict[str, Any] = {
    "userId": "user-1",
    "loyaltyPrograms": [
        {
            "programId": "UA_MILEAGEPLUS",
            "programName": "MileagePlus",
            "statusTier": "silver",
            "redeemableBalance": {"amount": 80000, "currencyName": "United miles"},
            "eliteQualifyingMetrics": [
                {"metricName": "PQP", "currentValue": 4200, "unit": "points"},
                {"metricName": "PQF", "currentValue": 10, "unit": "flights"},
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


def profile_store(data: dict[str, Any] = PROFILE) -> MemoryProfileStore:
    return MemoryProfileStore(UserProfile.model_validate(data))


def update(
    repo: KnowledgeRepository, store: ProfileStore | None, request: dict[str, Any]
) -> dict[str, Any]:
    return call_tool(ToolContext(repo, store, "user-1"), TOOL, {"userId": "user-1", **request})


def expected(**changes: Any) -> dict[str, Any]:
    """PROFILE as the tool returns it (floats for metric values), with ``changes``."""
    data = copy.deepcopy(PROFILE)
    for metric in data["loyaltyPrograms"][0]["eliteQualifyingMetrics"]:
        metric["currentValue"] = float(metric["currentValue"])
    data.update(changes)
    return data


# --- merging ---------------------------------------------------------------------------------


def test_update__balance_replaces_only_the_balance(
    sample_repository: KnowledgeRepository,
) -> None:
    # GIVEN a profile with 80,000 United miles  WHEN the balance becomes 95,000
    store = profile_store()
    response = update(
        sample_repository, store, {"programs": [{"programId": "UA_MILEAGEPLUS", "balance": 95000}]}
    )
    # THEN only the amount changed (the profile's currency name kept), and it was saved
    want = expected()
    want["loyaltyPrograms"][0]["redeemableBalance"]["amount"] = 95000
    assert response == want
    assert (
        call_tool(
            ToolContext(sample_repository, store, "user-1"),
            "get_user_profile",
            {"userId": "user-1"},
        )
        == want
    )


def test_update__a_new_membership_takes_name_and_currency_from_the_knowledge(
    sample_repository: KnowledgeRepository,
) -> None:
    # GIVEN no Flying Club membership  WHEN a balance and a metric are given for it
    response = update(
        sample_repository,
        profile_store(),
        {
            "programs": [
                {
                    "programId": "VS_FLYINGCLUB",
                    "balance": 12000,
                    "eliteQualifyingMetrics": [{"metricName": "Tier Points", "currentValue": 50}],
                }
            ]
        },
    )
    # THEN the membership is added after the others with the graph's name and currency
    assert response["loyaltyPrograms"][0] == expected()["loyaltyPrograms"][0]
    assert response["loyaltyPrograms"][1] == {
        "programId": "VS_FLYINGCLUB",
        "programName": "Flying Club",
        "statusTier": None,
        "redeemableBalance": {"amount": 12000, "currencyName": "points"},
        "eliteQualifyingMetrics": [
            {"metricName": "Tier Points", "currentValue": 50.0, "unit": None}
        ],
    }


def test_update__a_listed_metric_replaces_that_metric_only(
    sample_repository: KnowledgeRepository,
) -> None:
    # GIVEN PQP 4,200 and PQF 10  WHEN PQP (named in lower case) becomes 6,100 and a new
    # metric is given
    response = update(
        sample_repository,
        profile_store(),
        {
            "programs": [
                {
                    "programId": "UA_MILEAGEPLUS",
                    "eliteQualifyingMetrics": [
                        {"metricName": "pqp", "currentValue": 6100},
                        {"metricName": "Segments", "currentValue": 3, "unit": "segments"},
                    ],
                }
            ]
        },
    )
    # THEN PQP keeps its name and unit with the new value, PQF is untouched, Segments added
    assert response["loyaltyPrograms"][0]["eliteQualifyingMetrics"] == [
        {"metricName": "PQP", "currentValue": 6100.0, "unit": "points"},
        {"metricName": "PQF", "currentValue": 10.0, "unit": "flights"},
        {"metricName": "Segments", "currentValue": 3.0, "unit": "segments"},
    ]
    assert response["loyaltyPrograms"][0]["redeemableBalance"]["amount"] == 80000


@pytest.mark.parametrize(("tier", "held"), [("gold", "gold"), (None, None)])
def test_update__status_tier_is_set_or_cleared(
    sample_repository: KnowledgeRepository, tier: str | None, held: str | None
) -> None:
    # GIVEN Premier Silver  WHEN statusTier is "gold" (a tier id of the program) or null
    response = update(
        sample_repository,
        profile_store(),
        {"programs": [{"programId": "UA_MILEAGEPLUS", "statusTier": tier}]},
    )
    # THEN the tier is that one, or none
    assert response["loyaltyPrograms"][0]["statusTier"] == held


def test_update__given_preferences_replace_those_only(
    sample_repository: KnowledgeRepository,
) -> None:
    # GIVEN preferences for SFO, UA, Star Alliance, business
    # WHEN the home airport (lower case) and alliances change and the cabin is cleared
    response = update(
        sample_repository,
        profile_store(),
        {
            "preferences": {
                "homeAirport": "nyc",
                "preferredAlliances": ["oneworld"],
                "preferredCabin": None,
            }
        },
    )
    # THEN those three change and the airlines stay
    assert response["preferences"] == {
        "homeAirport": "NYC",
        "preferredAirlines": ["UA"],
        "preferredAlliances": ["oneworld"],
        "preferredCabin": None,
    }
    assert response["loyaltyPrograms"] == expected()["loyaltyPrograms"]


def test_update__creates_a_missing_profile(sample_repository: KnowledgeRepository) -> None:
    # GIVEN a store without the caller's profile  WHEN a balance is given
    store = MemoryProfileStore()
    response = update(
        sample_repository, store, {"programs": [{"programId": "AMEX_MR", "balance": 150000}]}
    )
    # THEN a profile is created with that one membership
    assert response == {
        "userId": "user-1",
        "loyaltyPrograms": [
            {
                "programId": "AMEX_MR",
                "programName": "Membership Rewards",
                "statusTier": None,
                "redeemableBalance": {"amount": 150000, "currencyName": "points"},
                "eliteQualifyingMetrics": [],
            }
        ],
        "preferences": {
            "homeAirport": None,
            "preferredAirlines": [],
            "preferredAlliances": [],
            "preferredCabin": None,
        },
    }
    assert store.get("user-1").loyalty_programs[0].program_id == "AMEX_MR"


# --- invalid requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        ({"programs": [{"programId": "NOPE", "balance": 1}]}, "programs[0].programId"),
        (
            {"programs": [{"programId": "AMEX_MR"}, {"programId": "AMEX_MR", "balance": 1}]},
            "programs[1].programId",
        ),
        (
            {"programs": [{"programId": "UA_MILEAGEPLUS", "statusTier": "platinum"}]},
            "programs[0].statusTier",
        ),
        (
            {"programs": [{"programId": "AMEX_MR", "statusTier": "gold"}]},
            "programs[0].statusTier",
        ),
        ({"programs": [{"programId": "AMEX_MR", "balance": -5}]}, "programs[0].balance"),
        ({"programs": [{"programId": "AMEX_MR", "balance": None}]}, "programs[0].balance"),
        ({"programs": [{"programId": "AMEX_MR", "balance": 1.5}]}, "programs[0].balance"),
        (
            {
                "programs": [
                    {
                        "programId": "UA_MILEAGEPLUS",
                        "eliteQualifyingMetrics": [{"metricName": "PQP", "currentValue": -1}],
                    }
                ]
            },
            "programs[0].eliteQualifyingMetrics[0].currentValue",
        ),
        ({"preferences": {"preferredAlliances": ["star"]}}, "preferences.preferredAlliances[0]"),
        ({"preferences": {"homeAirport": "QQQ"}}, "preferences.homeAirport"),
        ({"preferences": {"preferredCabin": "suite"}}, "preferences.preferredCabin"),
        ({"preferences": {"seat": "aisle"}}, "preferences.seat"),
        ({"programs": None}, "programs"),
    ],
)
def test_update__invalid_request_names_the_field_and_saves_nothing(
    sample_repository: KnowledgeRepository, request_: dict[str, Any], field: str
) -> None:
    # GIVEN a request naming an unknown program, a tier the program lacks, a negative or
    # non-integer or null balance, an unknown alliance or airport, or an unknown field
    store = profile_store()
    # WHEN called  THEN invalid_request naming the field, and the profile is unchanged
    with pytest.raises(InvalidRequest) as raised:
        update(sample_repository, store, request_)
    assert raised.value.field == field
    assert raised.value.to_json()["error"]["code"] == "invalid_request"
    assert store.get("user-1") == UserProfile.model_validate(PROFILE)


def test_update__another_users_profile_is_forbidden(
    sample_repository: KnowledgeRepository,
) -> None:
    # GIVEN user-1 signed in and user-2's profile stored
    store = profile_store({**PROFILE, "userId": "user-2"})
    context = ToolContext(sample_repository, store, "user-1")
    # WHEN user-1 updates user-2  THEN forbidden, and user-2's profile is unchanged
    with pytest.raises(Forbidden):
        call_tool(
            context,
            TOOL,
            {"userId": "user-2", "programs": [{"programId": "UA_MILEAGEPLUS", "balance": 0}]},
        )
    assert store.get("user-2").loyalty_programs[0].redeemable_balance.amount == 80000  # type: ignore[union-attr]


class _ReadOnlyStore:
    def get(self, user_id: str) -> UserProfile:
        return UserProfile.model_validate(PROFILE)


@pytest.mark.parametrize("store", [None, _ReadOnlyStore()])
def test_update__without_a_writable_store_is_profile_unavailable(
    sample_repository: KnowledgeRepository, store: ProfileStore | None
) -> None:
    # GIVEN no profile store, or one that can only read  WHEN an update is asked
    with pytest.raises(ProfileUnavailable) as raised:
        update(sample_repository, store, {"programs": [{"programId": "AMEX_MR", "balance": 1}]})
    # THEN profile_unavailable, saying why
    error = raised.value.to_json()["error"]
    assert error["code"] == "profile_unavailable"
    assert "--profile" in error["message"] if store is None else "read-only" in error["message"]


def test_writable_profile_store__the_stores_with_put() -> None:
    # GIVEN the stores  THEN memory, DynamoDB and file stores can save; a getter only cannot
    assert isinstance(MemoryProfileStore(), WritableProfileStore)
    assert isinstance(DynamoProfileStore(object(), "profiles"), WritableProfileStore)  # type: ignore[arg-type]
    assert not isinstance(_ReadOnlyStore(), WritableProfileStore)


# --- the profile file ------------------------------------------------------------------------


@pytest.fixture
def profile_file(tmp_path: Path) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    path.chmod(0o640)
    return path


def test_file_store__update_rewrites_the_file_in_the_profile_shape(
    sample_repository: KnowledgeRepository, profile_file: Path
) -> None:
    # GIVEN --profile FILE  WHEN the tool updates the balance
    store = FileProfileStore(profile_file)
    response = update(
        sample_repository, store, {"programs": [{"programId": "UA_MILEAGEPLUS", "balance": 1}]}
    )
    # THEN the file holds the get_user_profile response, which a new store reads back
    assert json.loads(profile_file.read_text(encoding="utf-8")) == response
    assert FileProfileStore(profile_file).profile == store.profile
    assert store.profile.loyalty_programs[0].redeemable_balance.amount == 1  # type: ignore[union-attr]
    # AND it was replaced: no temporary file left, the file's permissions kept
    assert [p.name for p in profile_file.parent.iterdir()] == ["profile.json"]
    assert stat.S_IMODE(profile_file.stat().st_mode) == 0o640


def test_file_store__a_failed_save_is_profile_unavailable_and_keeps_the_file(
    profile_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a profile file whose replacement fails (a full disk, say)
    store = FileProfileStore(profile_file)
    before = profile_file.read_text(encoding="utf-8")

    def refuse(source: str, target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("loyalty_maximizer.profiles.os.replace", refuse)
    # WHEN a profile is saved  THEN profile_unavailable saying so
    with pytest.raises(ProfileUnavailable) as raised:
        store.put(store.profile.model_copy(update={"loyalty_programs": []}))
    assert "could not be saved: No space left on device" in str(raised.value)
    # AND the file, the folder and the store still hold the profile as it was
    assert profile_file.read_text(encoding="utf-8") == before
    assert [p.name for p in profile_file.parent.iterdir()] == ["profile.json"]
    assert store.profile.loyalty_programs


def test_file_store__holds_one_travellers_profile(profile_file: Path) -> None:
    # GIVEN user-1's profile file  WHEN another user's profile is put  THEN forbidden
    store = FileProfileStore(profile_file)
    with pytest.raises(Forbidden):
        store.put(UserProfile(user_id="user-2"))
    assert json.loads(profile_file.read_text(encoding="utf-8")) == PROFILE


def test_update__registered_with_the_request_models_schema() -> None:
    # GIVEN the registry  THEN the tool is listed with its strict request model
    tool = TOOLS[TOOL]
    assert tool.request_model is ProfileUpdateRequest
    schema = tool.input_schema()
    assert schema["required"] == ["userId"]
    assert schema["additionalProperties"] is False
    # optional fields that may not be null say so: the balance is an integer, not a null
    assert schema["$defs"]["ProgramUpdate"]["properties"]["balance"]["type"] == "integer"
