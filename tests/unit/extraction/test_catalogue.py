"""The catalogue: every way a page names a program, an airline, an alliance or a program's
award region, turned into ids. Invented names keep the tests independent of real-world
aliases, except for one curated alias ("Amex")."""

from __future__ import annotations

import pytest

from loyalty_maximizer.extraction.catalogue import Catalogue, Mention, region_key
from loyalty_maximizer.facts.models import (
    Airline,
    Alliance,
    AwardRegion,
    EliteTier,
    LoyaltyProgram,
)


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue.build(
        programs=[
            LoyaltyProgram(
                program_id="NOVA_POINTS", name="Nova Points", kind="bank", currency_name="points"
            ),
            LoyaltyProgram(
                program_id="STAY_REWARDS", name="Stay Rewards", kind="hotel", currency_name="pts"
            ),
            LoyaltyProgram(
                program_id="SKY_MILES_X",
                name="Skyward Miles",
                kind="airline",
                currency_name="miles",
                operator_airline_id="XA",
            ),
            # A program named like an airline: pages mean the program.
            LoyaltyProgram(
                program_id="BLUE_CLUB",
                name="Bluebird Club",
                kind="airline",
                currency_name="points",
                operator_airline_id="XB",
            ),
            LoyaltyProgram(
                program_id="AMEX_MR",
                name="Membership Rewards",
                kind="bank",
                currency_name="points",
            ),
        ],
        airlines=[
            Airline(airline_id="XA", name="Xanadu Air", alliance_id="ORBIT"),
            Airline(airline_id="XB", name="Bluebird Club"),
            Airline(airline_id="XC", name="Coral Wings"),
        ],
        alliances=[Alliance(alliance_id="ORBIT", name="Orbit Alliance")],
        regions=[
            AwardRegion(
                program_id="SKY_MILES_X",
                region_id="us_canada",
                name="Contiguous 48 U.S. and Canada",
            ),
            AwardRegion(program_id="SKY_MILES_X", region_id="asia_1", name="Asia Region 1"),
            AwardRegion(program_id="BLUE_CLUB", region_id="zone_a"),
        ],
        tiers=[EliteTier(program_id="BLUE_CLUB", tier_id="tier_2", name="Gold Wing", rank=2)],
    )


def test_mentions__finds_programs_airlines_and_alliances_in_text_order(
    catalogue: Catalogue,
) -> None:
    # GIVEN a sentence naming an airline, an alliance and a program
    text = "Fly Coral Wings or any Orbit Alliance carrier with Nova Points."

    # WHEN its mentions are found
    found = catalogue.mentions(text)

    # THEN each comes with its kind, id and word position (fly=0 coral=1 wings=2 or=3 any=4
    # orbit=5 alliance=6 carrier=7 with=8 nova=9 points=10)
    assert found == [
        Mention("airline", "XC", 1, 2),
        Mention("alliance", "ORBIT", 5, 2),
        Mention("program", "NOVA_POINTS", 9, 2),
    ]


def test_mentions__program_id_words_name_the_program(catalogue: Catalogue) -> None:
    # GIVEN a page that writes the program id's words ("SKY MILES X")
    # WHEN its mentions are found
    found = catalogue.mentions("Transfers to SKY_MILES_X post instantly")

    # THEN the program is found
    assert [(m.kind, m.id) for m in found] == [("program", "SKY_MILES_X")]


def test_mentions__curated_alias_names_the_program(catalogue: Catalogue) -> None:
    # GIVEN a catalogue with AMEX_MR, whose curated aliases include "Amex"
    # WHEN a sentence says "Amex"
    found = catalogue.first("Move your Amex points today", "program")

    # THEN it is AMEX_MR
    assert found == "AMEX_MR"


def test_mentions__program_wins_over_an_airline_of_the_same_name(catalogue: Catalogue) -> None:
    # GIVEN "Bluebird Club" is both the program's and the airline's name
    # WHEN the phrase is found
    found = catalogue.mentions("Bluebird Club")

    # THEN it is read as the program
    assert [(m.kind, m.id) for m in found] == [("program", "BLUE_CLUB")]


def test_mentions__longest_phrase_wins_without_overlaps() -> None:
    # GIVEN an airline "Nova" and a program "Nova Points"
    catalogue = Catalogue.build(
        programs=[
            LoyaltyProgram(
                program_id="NOVA_POINTS", name="Nova Points", kind="bank", currency_name="points"
            )
        ],
        airlines=[Airline(airline_id="NV", name="Nova")],
    )

    # WHEN a sentence names "Nova Points" and, later, "Nova" alone
    found = catalogue.mentions("Nova Points move to Nova flights")

    # THEN the longer phrase is one mention, and the lone word is the airline
    assert found == [Mention("program", "NOVA_POINTS", 0, 2), Mention("airline", "NV", 4, 1)]


def test_mentions__case_and_punctuation_do_not_matter(catalogue: Catalogue) -> None:
    # GIVEN a name in capitals with punctuation around it
    # WHEN it is found / THEN it names the program
    assert catalogue.first("(NOVA POINTS!)", "program") == "NOVA_POINTS"


def test_mentions__a_partial_name_is_not_a_mention(catalogue: Catalogue) -> None:
    # GIVEN only one word of a two-word name / WHEN mentions are found / THEN none is
    assert catalogue.mentions("Earn Nova with every purchase") == []


def test_first__returns_the_first_mention_of_the_kind(catalogue: Catalogue) -> None:
    # GIVEN a sentence naming an airline before two programs
    text = "Xanadu Air flights earn Stay Rewards or Nova Points"

    # WHEN the first program and the first airline are asked for
    # THEN each is the earliest of its kind, and an absent kind is None
    assert catalogue.first(text, "program") == "STAY_REWARDS"
    assert catalogue.first(text, "airline") == "XA"
    assert catalogue.first(text, "alliance") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("Contiguous 48 U.S. and Canada", "contiguous 48 u s and canada", id="dots"),
        pytest.param("ASIA REGION 1 (Japan, Korea)", "asia region 1", id="explanation-dropped"),
        pytest.param("asia_region_1", "asia region 1", id="id-underscores"),
        pytest.param("North America & Hawaii", "north america & hawaii", id="ampersand-kept"),
    ],
)
def test_region_key__compares_names_loosely(name: str, expected: str) -> None:
    # GIVEN a region name as a page writes it / WHEN normalised / THEN words, lower case
    assert region_key(name) == expected


@pytest.mark.parametrize(
    ("program", "name", "expected"),
    [
        pytest.param("SKY_MILES_X", "Contiguous 48 U.S. and Canada", "us_canada", id="by-name"),
        pytest.param("SKY_MILES_X", "Asia Region 1 (Japan)", "asia_1", id="with-explanation"),
        pytest.param("SKY_MILES_X", "us canada", "us_canada", id="by-id-words"),
        pytest.param("BLUE_CLUB", "Zone A", "zone_a", id="id-only-region"),
        pytest.param("BLUE_CLUB", "Asia Region 1", None, id="scoped-by-program"),
        pytest.param("NOVA_POINTS", "Europe", None, id="program-without-regions"),
    ],
)
def test_region_id__resolves_names_the_knowledge_uses(
    catalogue: Catalogue, program: str, name: str, expected: str | None
) -> None:
    # GIVEN regions known for some programs / WHEN a page's region name is resolved
    # THEN it is the id the knowledge uses for that program, or None
    assert catalogue.region_id(program, name) == expected


def test_program_of_airline__finds_the_operated_program(catalogue: Catalogue) -> None:
    # GIVEN programs operated by XA and XB, none by XC
    # WHEN asked which program an airline operates / THEN the operator's program, or None
    assert catalogue.program_of_airline("XA") == "SKY_MILES_X"
    assert catalogue.program_of_airline("XC") is None


@pytest.mark.parametrize(
    ("program", "name", "expected"),
    [
        pytest.param("BLUE_CLUB", "GOLD WING", "tier_2", id="by-name"),
        pytest.param("BLUE_CLUB", "Tier 2", "tier_2", id="by-id-words"),
        pytest.param("SKY_MILES_X", "Gold Wing", None, id="scoped-by-program"),
    ],
)
def test_tier_id__resolves_names_the_knowledge_uses(
    catalogue: Catalogue, program: str, name: str, expected: str | None
) -> None:
    # GIVEN a tier known for one program / WHEN a page's tier name is resolved
    # THEN it is the id the knowledge uses for that program, or None
    assert catalogue.tier_id(program, name) == expected
