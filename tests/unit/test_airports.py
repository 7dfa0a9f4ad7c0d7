"""The bundled airport database, the curated metro table and airport completion."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import airportsdata
import pytest

from loyalty_maximizer.facts.airports import (
    METRO_AIRPORTS,
    METRO_OF_AIRPORT,
    known_airport,
    reference_airport,
)
from loyalty_maximizer.facts.loader import complete_airports, load_facts
from loyalty_maximizer.facts.models import Airport, FactModel, Route

WriteJsonl = Callable[..., Path]

AIRLINE = {"type": "airline", "airlineId": "NH", "name": "ANA"}


def airports_of(facts: list[FactModel]) -> dict[str, Airport]:
    return {f.airport_id: f for f in facts if isinstance(f, Airport)}


# The metro table ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metro", "some_airports"),
    [
        ("NYC", {"JFK", "EWR", "LGA"}),
        ("LON", {"LHR", "LGW", "STN", "LTN", "LCY"}),
        ("PAR", {"CDG", "ORY"}),
        ("TYO", {"HND", "NRT"}),
        ("CHI", {"ORD", "MDW"}),
        ("WAS", {"IAD", "DCA"}),
        ("SEL", {"ICN", "GMP"}),
        ("OSA", {"KIX", "ITM"}),
        ("MIL", {"MXP", "LIN"}),
        ("ROM", {"FCO", "CIA"}),
        ("BJS", {"PEK", "PKX"}),
        ("SHA", {"PVG", "SHA"}),
        ("MOW", {"SVO", "DME", "VKO"}),
        ("STO", {"ARN", "BMA"}),
        ("YTO", {"YYZ", "YTZ"}),
        ("YMQ", {"YUL"}),
        ("SAO", {"GRU", "CGH", "VCP"}),
        ("RIO", {"GIG", "SDU"}),
        ("BUE", {"EZE", "AEP"}),
    ],
)
def test_metro_airports__curated_metro_lists_its_airports(
    metro: str, some_airports: set[str]
) -> None:
    assert some_airports <= set(METRO_AIRPORTS[metro])


def test_metro_airports__every_member_is_a_known_airport() -> None:
    # GIVEN the curated metro table
    # WHEN its airports are looked up in the bundled database
    unknown = {m: [a for a in codes if not known_airport(a)] for m, codes in METRO_AIRPORTS.items()}

    # THEN every one of them is a real airport
    assert {m: codes for m, codes in unknown.items() if codes} == {}


def test_metro_of_airport__is_the_inverse_of_the_table() -> None:
    # GIVEN the table; no airport may sit in two metros or the inverse would lose one
    pairs = [(a, m) for m, codes in METRO_AIRPORTS.items() for a in codes]

    # THEN the inverse maps each airport back to its metro
    assert len(pairs) == len(METRO_OF_AIRPORT)
    assert all(METRO_OF_AIRPORT[a] == m for a, m in pairs)


# The database --------------------------------------------------------------------------


def test_known_airport__knows_iata_airports_and_not_invented_codes() -> None:
    assert known_airport("JFK")
    assert known_airport("NRT")
    assert not known_airport("QQQ")
    assert not known_airport("jfk")


def test_reference_airport__gives_facts_fields_with_metro_code() -> None:
    # WHEN the database is asked for JFK
    reference = reference_airport("JFK")

    # THEN it answers in facts field names, with the curated metro code
    assert reference is not None
    assert reference["airportId"] == "JFK"
    assert reference["country"] == "US"
    assert reference["metroCode"] == "NYC"
    assert reference["latitude"] == pytest.approx(40.64, abs=0.01)
    assert reference["longitude"] == pytest.approx(-73.78, abs=0.01)
    assert "Kennedy" in reference["name"]


def test_reference_airport__no_metro_code_outside_the_table() -> None:
    reference = reference_airport("FRA")
    assert reference is not None
    assert "metroCode" not in reference


def test_reference_airport__unknown_code_is_none() -> None:
    assert reference_airport("QQQ") is None


def test_reference_airport__every_bundled_airport_is_a_valid_record() -> None:
    # GIVEN every IATA code of the bundled database
    codes = list(airportsdata.load("IATA"))

    # WHEN each is completed into an airport record
    invalid = []
    for code in codes:
        try:
            Airport.model_validate(reference_airport(code), strict=False)
        except ValueError as exc:
            invalid.append((code, str(exc)))

    # THEN every one validates against the facts model
    assert invalid == []


# Completion ----------------------------------------------------------------------------


def test_load_facts__referenced_airports_get_records(write_jsonl: WriteJsonl) -> None:
    # GIVEN a route and a region naming airports without airport records
    region_owner = {
        "type": "loyaltyProgram",
        "programId": "NH_AMC",
        "name": "ANA Mileage Club",
        "kind": "airline",
        "currencyName": "miles",
    }
    region = {"type": "awardRegion", "programId": "NH_AMC", "regionId": "x", "airports": ["KIX"]}
    route = {"type": "route", "airlineId": "NH", "origin": "NRT", "destination": "SFO"}
    path = write_jsonl([AIRLINE, region_owner, region, route])

    # WHEN they are loaded
    airports = airports_of(load_facts([path]).facts)

    # THEN each referenced airport has a record completed from the database
    assert set(airports) == {"NRT", "SFO", "KIX"}
    assert airports["NRT"].country == "JP"
    assert airports["NRT"].metro_code == "TYO"
    assert airports["SFO"].latitude == pytest.approx(37.62, abs=0.01)
    assert airports["KIX"].metro_code == "OSA"


def test_load_facts__stated_fields_win_over_the_database(write_jsonl: WriteJsonl) -> None:
    # GIVEN an airport record stating its name, coordinates and metro code
    stated = {
        "type": "airport",
        "airportId": "JFK",
        "name": "Kennedy (as stated)",
        "latitude": 40.0,
        "longitude": -73.0,
        "metroCode": "XNY",
    }
    route = {"type": "route", "airlineId": "NH", "origin": "JFK", "destination": "HND"}

    # WHEN it is loaded
    airports = airports_of(load_facts([write_jsonl([AIRLINE, stated, route])]).facts)

    # THEN the stated fields are kept and only the missing ones come from the database
    jfk = airports["JFK"]
    assert (jfk.name, jfk.latitude, jfk.longitude, jfk.metro_code) == (
        "Kennedy (as stated)",
        40.0,
        -73.0,
        "XNY",
    )
    assert (jfk.country, jfk.city) == ("US", "New York")


def test_load_facts__partial_airport_record_is_completed(write_jsonl: WriteJsonl) -> None:
    # GIVEN an airport record with a country but no coordinates
    path = write_jsonl([{"type": "airport", "airportId": "CDG", "country": "FR"}])

    # WHEN it is loaded
    (cdg,) = airports_of(load_facts([path]).facts).values()

    # THEN coordinates, name and metro come from the database
    assert cdg.latitude == pytest.approx(49.01, abs=0.01)
    assert cdg.longitude == pytest.approx(2.55, abs=0.01)
    assert cdg.metro_code == "PAR"
    assert cdg.name is not None


def test_load_facts__airport_unknown_to_the_database_is_kept_as_stated(
    write_jsonl: WriteJsonl,
) -> None:
    stated = {"type": "airport", "airportId": "QQQ", "name": "Private strip", "country": "US"}
    route = {"type": "route", "airlineId": "NH", "origin": "QQQ", "destination": "JFK"}
    airports = airports_of(load_facts([write_jsonl([AIRLINE, stated, route])]).facts)
    assert airports["QQQ"].to_json_dict() == stated


def test_complete_airports__adds_no_unreferenced_airport() -> None:
    # GIVEN facts that reference no airport
    facts: list[FactModel] = []

    # WHEN they are completed
    # THEN no airport is invented
    assert complete_airports(facts) == []


def test_complete_airports__one_record_per_airport_and_other_facts_untouched() -> None:
    # GIVEN two routes through JFK and a stated JFK
    jfk = Airport(airport_id="JFK", country="US")
    routes: list[Any] = [
        Route(airline_id="NH", origin="JFK", destination="HND"),
        Route(airline_id="NH", origin="HND", destination="JFK"),
    ]

    # WHEN they are completed
    completed = complete_airports([jfk, *routes])

    # THEN the routes are unchanged and each airport has exactly one record
    assert [f for f in completed if isinstance(f, Route)] == routes
    assert sorted(a.airport_id for a in completed if isinstance(a, Airport)) == ["HND", "JFK"]


def test_complete_airports__keeps_the_source_document_of_a_stated_airport() -> None:
    stated = Airport(airport_id="LHR", source_document_id="doc-1")
    (lhr,) = complete_airports([stated])
    assert isinstance(lhr, Airport)
    assert lhr.source_document_id == "doc-1"
    assert lhr.metro_code == "LON"
