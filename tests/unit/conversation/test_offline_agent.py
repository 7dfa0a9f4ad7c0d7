"""The offline agent on the sample knowledge: what it understands, what it asks, and that
its answers carry the tools' numbers."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.conversation.local import ask
from loyalty_maximizer.conversation.offline_agent import (
    Vocabulary,
    balances,
    cabin,
    fare_class,
    origin_destination,
    party_size,
    travel_date,
)
from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import open_knowledge_base, write_knowledge_base
from loyalty_maximizer.graph.repository import KnowledgeRepository

REPO = Path(__file__).resolve().parents[3]
PROFILES = REPO / "tests" / "data" / "conversations" / "profiles"
TODAY = dt.date(2026, 11, 22)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeRepository]:
    directory = tmp_path_factory.mktemp("offline-kb")
    facts = load_facts(sorted((REPO / "samples" / "knowledge").glob("*.jsonl"))).facts
    write_knowledge_base(directory, graph_rows(facts))
    with open_knowledge_base(directory) as graph:
        yield KnowledgeRepository(graph)


@pytest.fixture(scope="module")
def vocabulary(repository: KnowledgeRepository) -> Vocabulary:
    return Vocabulary.from_repository(repository)


def _profile(tmp_path: Path, name: str) -> Path:
    target = tmp_path / name
    shutil.copy(PROFILES / name, target)
    return target


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("business class for two", "business"),
        ("a lie-flat seat", "business"),
        ("bussiness please", "business"),
        ("premium economy", "premium_economy"),
        ("first class to Tokyo", "first"),
        ("in coach", "economy"),
        ("to London", None),
    ],
)
def test_cabin(text: str, expected: str | None) -> None:
    assert cabin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("for two people", 2),
        ("me and my wife", 2),
        ("a family of four", 4),
        ("3 passengers", 3),
        ("just me", 1),
        ("to London", None),
    ],
)
def test_party_size(text: str, expected: int | None) -> None:
    assert party_size(text) == expected


def test_fare_class_dates_and_places(vocabulary: Vocabulary) -> None:
    assert fare_class("FRA to SIN in booking class K") == "K"
    assert fare_class("a K fare") == "K"
    assert travel_date("next September", TODAY) == "2027-09-01"
    assert travel_date("on 12 March 2027", TODAY) == "2027-03-12"
    assert travel_date("in December", TODAY) == "2026-12-01"
    assert origin_destination("fly New York to London", vocabulary) == ("NYC", "LON")
    assert origin_destination("the best way to fly New York to London", vocabulary) == (
        "NYC",
        "LON",
    )
    assert origin_destination("from SIN to FRA", vocabulary) == ("SIN", "FRA")
    assert origin_destination("to Lodon from Chicago", vocabulary) == ("CHI", "LON")


def test_balances_in_words(vocabulary: Vocabulary) -> None:
    found = balances("I have 100k Amex points, 50,000 United miles and 30k Delta", vocabulary)
    assert found == {"AMEX_MR": 100_000, "UA_MILEAGEPLUS": 50_000, "DL_SKYMILES": 30_000}


def _numbers(result: dict[str, Any]) -> str:
    return result["answer"].replace(",", "")


def test_us001_award_answer_states_the_tools_numbers(
    repository: KnowledgeRepository, tmp_path: Path
) -> None:
    result = ask(
        "New York to London in business for two next September: how do I use my points?",
        repository,
        profile_file=_profile(tmp_path, "us001.json"),
        today=TODAY,
    )
    (call,) = result["toolCalls"]
    assert call["name"] == "analyze_award_redemption_strategies"
    assert {k: call["input"][k] for k in ("origin", "destination", "cabinClass")} == {
        "origin": "NYC",
        "destination": "LON",
        "cabinClass": "business",
    }
    assert call["input"]["numberOfTravelers"] == 2
    best = call["output"]["awardOptions"][0]
    assert str(best["estimatedCost"]["amount"]) in _numbers(result)
    if best["pricing"] == "dynamic_from":
        assert "verify it live" in result["answer"]


def test_us002_earnings_answer_states_each_programs_miles(
    repository: KnowledgeRepository, tmp_path: Path
) -> None:
    result = ask(
        "How much would I earn on Lufthansa FRA to SIN in class K credited to Miles & More, "
        "MileagePlus or Aeroplan?",
        repository,
        profile_file=_profile(tmp_path, "us002.json"),
        today=TODAY,
    )
    (call,) = result["toolCalls"]
    assert set(call["input"]["targetLoyaltyPrograms"]) == {
        "LH_MILESANDMORE",
        "UA_MILEAGEPLUS",
        "AC_AEROPLAN",
    }
    for option in call["output"]["earningOptions"]:
        assert str(option["redeemableCurrency"]["amountEarned"]) in _numbers(result)


def test_a_question_outside_the_knowledge_is_declined(repository: KnowledgeRepository) -> None:
    result = ask("Which hotel nights in Paris are cheapest?", repository, today=TODAY)
    assert result["toolCalls"] == []
    assert "does not cover" in result["answer"]


def test_a_missing_destination_gets_a_clarifying_question(
    repository: KnowledgeRepository,
) -> None:
    result = ask("I want to book a business class award with my Amex points", repository)
    assert result["toolCalls"] == []
    assert result["answer"].rstrip().endswith("?") or "?" in result["answer"]


def test_a_follow_up_reuses_the_conversation(
    repository: KnowledgeRepository, tmp_path: Path
) -> None:
    conversation = tmp_path / "conversation.json"
    profile = _profile(tmp_path, "us001.json")
    ask(
        "Fly New York to London in business for two",
        repository,
        profile_file=profile,
        conversation_file=conversation,
        today=TODAY,
    )
    again = ask(
        "what about premium economy?",
        repository,
        profile_file=profile,
        conversation_file=conversation,
        today=TODAY,
    )
    (call,) = again["toolCalls"]
    assert call["input"]["cabinClass"] == "premium_economy"
    assert (call["input"]["origin"], call["input"]["destination"]) == ("NYC", "LON")
    assert call["input"]["numberOfTravelers"] == 2


def test_a_profile_status_the_knowledge_lacks_is_not_sent_to_the_tools(
    repository: KnowledgeRepository, tmp_path: Path
) -> None:
    import json

    profile = _profile(tmp_path, "us002.json")
    data = json.loads(profile.read_text())
    data["loyaltyPrograms"][0]["statusTier"] = "no-such-tier"
    profile.write_text(json.dumps(data))
    result = ask(
        "What do I earn on Lufthansa FRA to SIN in class K?",
        repository,
        profile_file=profile,
        today=TODAY,
    )
    (call,) = result["toolCalls"]
    assert "error" not in call["output"]
    tiers = call["input"].get("userProfileContext", {}).get("statusTiers", [])
    assert all(t["tier"] != "no-such-tier" for t in tiers)
