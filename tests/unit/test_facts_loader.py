"""load_facts and write_quarantine against the file-level rules of contracts/facts.md:
line errors, references, duplicates and versions, all-or-nothing and quarantine."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.errors import FactIssue, FactsValidationError
from loyalty_maximizer.facts.loader import load_facts, write_quarantine
from loyalty_maximizer.facts.models import (
    Airline,
    AwardPrice,
    FactModel,
    Route,
    TransferPartnership,
)

WriteJsonl = Callable[..., Path]

# A small valid world the tests add records to.
WORLD: list[dict[str, Any]] = [
    {"type": "alliance", "allianceId": "star_alliance", "name": "Star Alliance"},
    {"type": "airline", "airlineId": "AC", "name": "Air Canada", "allianceId": "star_alliance"},
    {"type": "airline", "airlineId": "LH", "name": "Lufthansa", "allianceId": "star_alliance"},
    {"type": "airline", "airlineId": "VS", "name": "Virgin Atlantic"},
    {"type": "webSourceDocument", "documentId": "doc-1", "documentType": "html"},
    {
        "type": "loyaltyProgram",
        "programId": "AC_AEROPLAN",
        "name": "Aeroplan",
        "kind": "airline",
        "currencyName": "points",
        "operatorAirlineId": "AC",
    },
    {
        "type": "loyaltyProgram",
        "programId": "VS_FLYINGCLUB",
        "name": "Flying Club",
        "kind": "airline",
        "currencyName": "points",
        "operatorAirlineId": "VS",
    },
    {
        "type": "loyaltyProgram",
        "programId": "AMEX_MR",
        "name": "Membership Rewards",
        "kind": "bank",
        "currencyName": "points",
    },
    {"type": "awardRegion", "programId": "AC_AEROPLAN", "regionId": "europe"},
    {"type": "awardRegion", "programId": "AC_AEROPLAN", "regionId": "north_america"},
    {"type": "awardRegion", "programId": "VS_FLYINGCLUB", "regionId": "usa"},
]

PRICE = {
    "type": "awardPrice",
    "programId": "AC_AEROPLAN",
    "originRegionId": "north_america",
    "destinationRegionId": "europe",
    "cabin": "business",
    "points": 60000,
}
TRANSFER = {
    "type": "transferPartnership",
    "fromProgramId": "AMEX_MR",
    "toProgramId": "AC_AEROPLAN",
    "ratioFrom": 1,
    "ratioTo": 1,
}
ROUTE = {"type": "route", "airlineId": "AC", "origin": "YYZ", "destination": "FRA"}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def issues_of(paths: list[Path]) -> list[FactIssue]:
    with pytest.raises(FactsValidationError) as caught:
        load_facts(paths)
    return caught.value.issues


def of_type(facts: list[FactModel], model: type[FactModel]) -> list[Any]:
    return [f for f in facts if isinstance(f, model)]


def test_load_facts__valid_world_loads_every_record(write_jsonl: WriteJsonl) -> None:
    # GIVEN a valid file
    path = write_jsonl([*WORLD, PRICE, TRANSFER, ROUTE])

    # WHEN it is loaded
    result = load_facts([path])

    # THEN every record is there (plus the airports completed for the route) and nothing
    # was set aside
    assert result.quarantined == []
    assert len(result.facts) == len(WORLD) + 3 + 2
    assert of_type(result.facts, AwardPrice)[0].points == 60000


def test_load_facts__sample_knowledge_base_is_valid(sample_facts_path: Path) -> None:
    result = load_facts([sample_facts_path])
    lines = [x for x in sample_facts_path.read_text().splitlines() if x.strip()]
    assert result.quarantined == []
    assert len(result.facts) == len(lines)


# Line errors ---------------------------------------------------------------------------


def test_load_facts__malformed_json_names_file_and_line(write_jsonl: WriteJsonl) -> None:
    # GIVEN a file whose third line is not JSON
    path = write_jsonl([WORLD[0], WORLD[1], '{"type": "airline", "airlineId": "UA",'])

    # WHEN it is loaded
    issues = issues_of([path])

    # THEN one error names the file and line and says the JSON is malformed
    assert [(i.file, i.line, i.field) for i in issues] == [(str(path), 3, None)]
    assert issues[0].message.startswith("malformed JSON")
    assert str(issues[0]).startswith(f"{path}:3: malformed JSON")


@pytest.mark.parametrize("line", ["[1, 2]", '"airline"', "42", "null", "true"])
def test_load_facts__non_object_line_is_rejected(write_jsonl: WriteJsonl, line: str) -> None:
    path = write_jsonl([WORLD[0], line])
    issues = issues_of([path])
    assert [(i.line, i.field, i.message) for i in issues] == [
        (2, None, "a fact must be a JSON object")
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"allianceId": "x", "name": "X"}, "missing type"),
        ({"type": "hotel", "name": "X"}, 'unknown type "hotel"'),
        ({"type": "Airline", "airlineId": "UA", "name": "X"}, 'unknown type "Airline"'),
        ({"type": ["airline"], "airlineId": "UA", "name": "X"}, 'unknown type ["airline"]'),
        ({"type": {"airline": 1}, "airlineId": "UA"}, "unknown type {"),
        ({"type": 7}, "unknown type 7"),
    ],
)
def test_load_facts__missing_or_unknown_type_names_the_type_field(
    write_jsonl: WriteJsonl, line: dict[str, Any], message: str
) -> None:
    # GIVEN a record without a usable type
    path = write_jsonl([line])

    # WHEN it is loaded
    issues = issues_of([path])

    # THEN the error is on the type field
    assert [(i.line, i.field) for i in issues] == [(1, "type")]
    assert issues[0].message.startswith(message)


def test_load_facts__error_names_file_line_and_field(write_jsonl: WriteJsonl) -> None:
    # GIVEN a price whose points are a float (integers are JSON integers)
    path = write_jsonl([*WORLD, with_(PRICE, points=60000.0)])

    # WHEN it is loaded
    (issue,) = issues_of([path])

    # THEN the error says where: file, line and field
    assert (issue.file, issue.line, issue.field) == (str(path), len(WORLD) + 1, "points")
    assert str(issue) == f"{path}:{len(WORLD) + 1}: points: {issue.message}"
    assert issue.record == json.dumps(with_(PRICE, points=60000.0))


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (with_(PRICE, points="60000"), "points"),
        (with_(PRICE, cabin="Business"), "cabin"),
        (with_(PRICE, bonus=1), "bonus"),
        ({k: v for k, v in PRICE.items() if k != "points"}, "points"),
        (with_(TRANSFER, transferTime="weeks"), "transferTime"),
        (with_(ROUTE, origin="yyz"), "origin"),
        (with_(ROUTE, cabins=["economy", "coach"]), "cabins.1"),
        (with_(PRICE, effectiveDate="2026-02-30"), "effectiveDate"),
        (with_(PRICE, programId=""), "programId"),
    ],
)
def test_load_facts__field_error_is_reported_on_its_field(
    write_jsonl: WriteJsonl, bad: dict[str, Any], field: str
) -> None:
    path = write_jsonl([*WORLD, bad])
    issues = issues_of([path])
    assert [(i.file, i.line, i.field) for i in issues] == [(str(path), len(WORLD) + 1, field)]


def test_load_facts__snake_case_field_name_is_unknown(write_jsonl: WriteJsonl) -> None:
    # GIVEN a record written with the Python field names instead of the contract's
    path = write_jsonl([{"type": "alliance", "alliance_id": "star_alliance", "name": "Star"}])

    # WHEN it is loaded
    issues = issues_of([path])

    # THEN the snake_case key is an unknown field, and the camelCase one is missing
    assert {(i.field, i.message) for i in issues} == {
        ("alliance_id", "unknown field"),
        ("allianceId", "Field required"),
    }


def test_load_facts__every_error_of_a_line_is_reported(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([*WORLD, with_(PRICE, points=1.5, cabin="coach", extra=True)])
    issues = issues_of([path])
    assert {i.field for i in issues} == {"points", "cabin", "extra"}
    assert {i.line for i in issues} == {len(WORLD) + 1}


def test_load_facts__blank_lines_are_ignored_but_counted(write_jsonl: WriteJsonl) -> None:
    # GIVEN a file with empty and whitespace-only lines around its records
    lines: list[dict[str, Any] | str] = ["", *WORLD[:2], "   ", "\t", "", WORLD[2]]
    path = write_jsonl(lines)

    # WHEN it is loaded
    result = load_facts([path])

    # THEN the blank lines are no records
    assert len(result.facts) == 3

    # AND line numbers of later errors still count them
    bad = write_jsonl([*lines, "", {"type": "alliance"}], name="bad.jsonl")
    issues = issues_of([bad])
    assert {i.line for i in issues} == {len(lines) + 2}


def test_load_facts__crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\r\n" for r in WORLD[:3]))
    assert len(load_facts([path]).facts) == 3


def test_load_facts__issues_are_ordered_by_file_then_line(write_jsonl: WriteJsonl) -> None:
    # GIVEN two files with errors, the later file's errors coming first in the list
    first = write_jsonl([*WORLD, "{", with_(PRICE, regionId="x")], name="a.jsonl")
    second = write_jsonl(["[]", "{"], name="b.jsonl")

    # WHEN they are loaded together, second file first
    issues = issues_of([second, first])

    # THEN issues are sorted by file, then by line
    assert [(Path(i.file).name, i.line) for i in issues] == [
        ("a.jsonl", len(WORLD) + 1),
        ("a.jsonl", len(WORLD) + 2),
        ("b.jsonl", 1),
        ("b.jsonl", 2),
    ]


# References ----------------------------------------------------------------------------

DANGLING: list[tuple[dict[str, Any], str, str]] = [
    (with_(TRANSFER, fromProgramId="CHASE_UR"), "fromProgramId", '"CHASE_UR"'),
    (with_(TRANSFER, toProgramId="UA_MP"), "toProgramId", '"UA_MP"'),
    (
        {
            "type": "transferBonus",
            "fromProgramId": "AMEX_MR",
            "toProgramId": "BA_AVIOS",
            "bonusPercent": 30,
            "endDate": "2026-11-30",
        },
        "toProgramId",
        '"BA_AVIOS"',
    ),
    (
        {
            "type": "transferBonus",
            "fromProgramId": "CITI_TY",
            "toProgramId": "AC_AEROPLAN",
            "bonusPercent": 30,
            "endDate": "2026-11-30",
        },
        "fromProgramId",
        '"CITI_TY"',
    ),
    ({"type": "bookablePartner", "programId": "NOPE", "airlineId": "LH"}, "programId", '"NOPE"'),
    (
        {"type": "bookablePartner", "programId": "AC_AEROPLAN", "airlineId": "NH"},
        "airlineId",
        '"NH"',
    ),
    (
        {
            "type": "loyaltyProgram",
            "programId": "UA_MP",
            "name": "MileagePlus",
            "kind": "airline",
            "currencyName": "miles",
            "operatorAirlineId": "UA",
        },
        "operatorAirlineId",
        '"UA"',
    ),
    (
        {"type": "airline", "airlineId": "BA", "name": "British", "allianceId": "oneworld"},
        "allianceId",
        '"oneworld"',
    ),
    (with_(ROUTE, airlineId="BA"), "airlineId", '"BA"'),
    (with_(ROUTE, origin="QQQ"), "origin", '"QQQ"'),
    (with_(ROUTE, destination="QQQ"), "destination", '"QQQ"'),
    (
        {"type": "awardRegion", "programId": "BA_AVIOS", "regionId": "europe"},
        "programId",
        '"BA_AVIOS"',
    ),
    (
        {
            "type": "awardRegion",
            "programId": "AC_AEROPLAN",
            "regionId": "asia",
            "airports": ["NRT", "QQQ"],
        },
        "airports[1]",
        '"QQQ"',
    ),
    (
        with_(PRICE, programId="BA_AVIOS", originRegionId="*", destinationRegionId="*"),
        "programId",
        '"BA_AVIOS"',
    ),
    (with_(PRICE, originRegionId="asia"), "originRegionId", '"asia"'),
    (with_(PRICE, destinationRegionId="atlantic"), "destinationRegionId", '"atlantic"'),
    (with_(PRICE, operatingAirlineIds=["AC", "UA"]), "operatingAirlineIds[1]", '"UA"'),
    (with_(PRICE, excludedOperatingAirlineIds=["BA"]), "excludedOperatingAirlineIds[0]", '"BA"'),
    (
        {
            "type": "earningRule",
            "ruleId": "r1",
            "creditingProgramId": "UA_MP",
            "operatingAirlineIds": ["LH"],
            "basis": "distance",
            "redeemableRate": 1,
        },
        "creditingProgramId",
        '"UA_MP"',
    ),
    (
        {
            "type": "earningRule",
            "ruleId": "r1",
            "creditingProgramId": "AC_AEROPLAN",
            "operatingAirlineIds": ["LH", "UA"],
            "basis": "distance",
            "redeemableRate": 1,
        },
        "operatingAirlineIds[1]",
        '"UA"',
    ),
    (
        {
            "type": "earningRule",
            "ruleId": "r1",
            "creditingProgramId": "AC_AEROPLAN",
            "operatingAirlineIds": ["*"],
            "marketingAirlineIds": ["UA"],
            "basis": "distance",
            "redeemableRate": 1,
        },
        "marketingAirlineIds[0]",
        '"UA"',
    ),
    (
        {"type": "eliteTier", "programId": "UA_MP", "tierId": "gold", "name": "Gold", "rank": 1},
        "programId",
        '"UA_MP"',
    ),
    (
        {"type": "passage", "documentId": "doc-2", "passageId": "doc-2#1", "text": "t"},
        "documentId",
        '"doc-2"',
    ),
    (with_(PRICE, sourceDocumentId="doc-2"), "sourceDocumentId", '"doc-2"'),
    (with_(ROUTE, sourceDocumentId="doc-2"), "sourceDocumentId", '"doc-2"'),
    (
        {"type": "alliance", "allianceId": "oneworld", "name": "oneworld", "sourceDocumentId": "x"},
        "sourceDocumentId",
        '"x"',
    ),
]


@pytest.mark.parametrize(
    ("bad", "field", "value"),
    DANGLING,
    ids=[f"{bad['type']}-{field}" for bad, field, _ in DANGLING],
)
def test_load_facts__dangling_reference_is_an_error(
    write_jsonl: WriteJsonl, bad: dict[str, Any], field: str, value: str
) -> None:
    # GIVEN a valid world and one record referencing something nothing defines
    path = write_jsonl([*WORLD, bad])

    # WHEN it is loaded
    issues = issues_of([path])

    # THEN one error names that record's line, the referencing field and the missing value
    assert [(i.file, i.line, i.field) for i in issues] == [(str(path), len(WORLD) + 1, field)]
    assert value in issues[0].message


def test_load_facts__region_is_scoped_by_program(write_jsonl: WriteJsonl) -> None:
    # GIVEN "europe" declared for AC_AEROPLAN only
    ac_price = with_(PRICE, originRegionId="europe", destinationRegionId="europe")
    vs_price = with_(ac_price, programId="VS_FLYINGCLUB")
    vs_europe = {"type": "awardRegion", "programId": "VS_FLYINGCLUB", "regionId": "europe"}

    # WHEN prices of both programs use "europe"
    issues = issues_of([write_jsonl([*WORLD, ac_price, vs_price])])

    # THEN only VS_FLYINGCLUB's price dangles
    assert [(i.line, i.field) for i in issues] == [
        (len(WORLD) + 2, "originRegionId"),
        (len(WORLD) + 2, "destinationRegionId"),
    ]
    assert 'program "VS_FLYINGCLUB"' in issues[0].message

    # AND once VS_FLYINGCLUB declares its own "europe", both load as different regions
    result = load_facts([write_jsonl([*WORLD, vs_europe, ac_price, vs_price], name="ok.jsonl")])
    assert len(of_type(result.facts, AwardPrice)) == 2


def test_load_facts__star_region_needs_no_declaration(write_jsonl: WriteJsonl) -> None:
    # GIVEN a price from and to the reserved region "*", which no record declares
    price = with_(PRICE, originRegionId="*", destinationRegionId="*")

    # WHEN it is loaded
    result = load_facts([write_jsonl([*WORLD, price])])

    # THEN it loads
    (loaded,) = of_type(result.facts, AwardPrice)
    assert (loaded.origin_region_id, loaded.destination_region_id) == ("*", "*")


def test_load_facts__declaring_the_star_region_is_an_error(write_jsonl: WriteJsonl) -> None:
    region = {"type": "awardRegion", "programId": "AC_AEROPLAN", "regionId": "*"}
    issues = issues_of([write_jsonl([*WORLD, region])])
    assert [(i.line, i.field) for i in issues] == [(len(WORLD) + 1, "regionId")]


def test_load_facts__airport_known_only_to_the_database_is_accepted(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN a route and a region naming airports no airport record states
    region = {
        "type": "awardRegion",
        "programId": "AC_AEROPLAN",
        "regionId": "japan",
        "airports": ["NRT", "HND"],
    }
    path = write_jsonl([*WORLD, with_(ROUTE, origin="NRT", destination="YUL"), region])

    # WHEN they are loaded
    result = load_facts([path])

    # THEN they load
    assert len(of_type(result.facts, Route)) == 1


def test_load_facts__any_airline_wildcard_is_no_reference(write_jsonl: WriteJsonl) -> None:
    rule = {
        "type": "earningRule",
        "ruleId": "any",
        "creditingProgramId": "AC_AEROPLAN",
        "operatingAirlineIds": ["*"],
        "basis": "revenue",
        "redeemableRate": 5,
    }
    assert load_facts([write_jsonl([*WORLD, rule])]).quarantined == []


def test_load_facts__references_resolve_across_the_files_of_one_load(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN records in one file that reference definitions in another
    definitions = write_jsonl(WORLD, name="definitions.jsonl")
    rules = write_jsonl([PRICE, TRANSFER, ROUTE], name="rules.jsonl")

    # WHEN both are loaded together, in either order
    forward = load_facts([definitions, rules])
    backward = load_facts([rules, definitions])

    # THEN both load completely
    assert len(forward.facts) == len(backward.facts) == len(WORLD) + 3 + 2

    # AND alone, the referencing file fails
    assert {i.field for i in issues_of([rules])} >= {"programId", "fromProgramId", "airlineId"}


def test_load_facts__reference_may_precede_its_definition(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([PRICE, TRANSFER, *reversed(WORLD)])
    assert load_facts([path]).quarantined == []


# Duplicates and versions ---------------------------------------------------------------


def test_load_facts__identical_entity_is_one_entity(write_jsonl: WriteJsonl) -> None:
    # GIVEN the same airline twice, once with a sourceDocumentId
    airline = WORLD[1]
    path = write_jsonl([*WORLD, with_(airline, sourceDocumentId="doc-1")])

    # WHEN it is loaded
    result = load_facts([path])

    # THEN there is one AC airline
    assert [a.airline_id for a in of_type(result.facts, Airline)].count("AC") == 1


def test_load_facts__duplicate_with_dangling_source_document_is_an_error(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN an identical duplicate of an airline whose sourceDocumentId names no document
    path = write_jsonl([*WORLD, with_(WORLD[1], sourceDocumentId="doc-missing")])

    # WHEN it is loaded
    issues = issues_of([path])

    # THEN the duplicate's own reference is still checked
    assert [(i.line, i.field) for i in issues] == [(len(WORLD) + 1, "sourceDocumentId")]


@pytest.mark.parametrize(
    ("changed", "first_line"),
    [
        (with_(WORLD[1], name="Air Canada Rouge"), 2),
        ({k: v for k, v in WORLD[1].items() if k != "allianceId"}, 2),
        (with_(WORLD[5], kind="hotel"), 6),
        (with_(WORLD[8], name="Europe"), 9),
        ({"type": "webSourceDocument", "documentId": "doc-1", "documentType": "pdf"}, 5),
    ],
    ids=["airline-name", "airline-missing-field", "program", "region", "document"],
)
def test_load_facts__entity_defined_differently_is_an_error_naming_both_places(
    write_jsonl: WriteJsonl, changed: dict[str, Any], first_line: int
) -> None:
    # GIVEN an entity defined in one file and defined differently in another
    first = write_jsonl(WORLD, name="first.jsonl")
    second = write_jsonl([changed], name="second.jsonl")

    # WHEN they are loaded together
    issues = issues_of([first, second])

    # THEN the error is on the second definition and names the first
    assert [(i.file, i.line) for i in issues] == [(str(second), 1)]
    assert f"{first}:{first_line}" in issues[0].message
    assert "already defined differently" in issues[0].message


def test_load_facts__same_id_in_another_program_is_another_entity(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN the same tier and region ids in two programs
    tiers = [
        {"type": "eliteTier", "programId": p, "tierId": "gold", "name": f"{p} Gold", "rank": 2}
        for p in ("AC_AEROPLAN", "VS_FLYINGCLUB")
    ]
    region = {"type": "awardRegion", "programId": "VS_FLYINGCLUB", "regionId": "europe"}

    # WHEN they are loaded
    result = load_facts([write_jsonl([*WORLD, *tiers, region])])

    # THEN none collides
    assert result.quarantined == []
    assert len(result.facts) == len(WORLD) + 3


def test_load_facts__earning_rule_id_defined_twice_differently_is_an_error(
    write_jsonl: WriteJsonl,
) -> None:
    rule = {
        "type": "earningRule",
        "ruleId": "ac-lh",
        "creditingProgramId": "AC_AEROPLAN",
        "operatingAirlineIds": ["LH"],
        "basis": "distance",
        "redeemableRate": 0.25,
    }
    path = write_jsonl([*WORLD, rule, with_(rule, redeemableRate=0.5)])
    issues = issues_of([path])
    assert [i.line for i in issues] == [len(WORLD) + 2]
    assert "earningRule ac-lh" in issues[0].message


@pytest.mark.parametrize("record", [PRICE, TRANSFER, ROUTE], ids=["price", "transfer", "route"])
def test_load_facts__identical_non_entity_records_are_one(
    write_jsonl: WriteJsonl, record: dict[str, Any]
) -> None:
    # GIVEN the same non-entity record twice, once with its defaults written out
    explicit = dict(record)
    if record is PRICE:
        explicit.update(tripType="one_way", pricing="fixed", perSegment=False, symmetric=True)
    if record is ROUTE:
        explicit.update(bidirectional=True)
    path = write_jsonl([*WORLD, record, explicit])

    # WHEN it is loaded
    result = load_facts([path])

    # THEN it is one record
    same_type = [f for f in result.facts if f.to_json_dict()["type"] == record["type"]]
    assert len(same_type) == 1


def test_load_facts__non_entity_records_differing_in_one_field_are_both_kept(
    write_jsonl: WriteJsonl,
) -> None:
    path = write_jsonl([*WORLD, PRICE, with_(PRICE, points=70000)])
    result = load_facts([path])
    assert sorted(p.points for p in of_type(result.facts, AwardPrice)) == [60000, 70000]


def test_load_facts__transfer_versions_with_different_effective_dates_are_kept(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN two versions of one partnership, effective on different days
    old = with_(TRANSFER, expirationDate="2026-03-31")
    new = with_(TRANSFER, ratioTo=2, effectiveDate="2026-04-01")

    # WHEN they are loaded
    result = load_facts([write_jsonl([*WORLD, old, new])])

    # THEN both versions are kept
    versions = of_type(result.facts, TransferPartnership)
    assert sorted(v.ratio_to for v in versions) == [1, 2]


def test_load_facts__price_versions_with_different_windows_are_kept(
    write_jsonl: WriteJsonl,
) -> None:
    old = with_(PRICE, expirationDate="2026-03-31")
    new = with_(PRICE, points=70000, effectiveDate="2026-04-01")
    result = load_facts([write_jsonl([*WORLD, old, new])])
    assert sorted(p.points for p in of_type(result.facts, AwardPrice)) == [60000, 70000]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({}, {"ratioTo": 2}),
        ({"effectiveDate": "2026-01-01"}, {"effectiveDate": "2026-01-01", "ratioTo": 2}),
        (
            {"effectiveDate": "2026-01-01", "expirationDate": "2026-01-01"},
            {"effectiveDate": "2026-01-01", "expirationDate": "2026-12-31", "ratioTo": 2},
        ),
        ({"expirationDate": "2026-06-30"}, {"ratioTo": 2, "expirationDate": "2026-12-31"}),
    ],
    ids=["both-open", "same-start", "same-single-day", "same-absent-start"],
)
def test_load_facts__transfer_versions_with_same_effective_date_overlapping_are_an_error(
    write_jsonl: WriteJsonl, first: dict[str, Any], second: dict[str, Any]
) -> None:
    # GIVEN two versions of one pair starting on the same day (or both without a start)
    path = write_jsonl([*WORLD, with_(TRANSFER, **first), with_(TRANSFER, **second)])

    # WHEN they are loaded
    issues = issues_of([path])

    # THEN the later line is an error on effectiveDate naming the earlier one
    assert [(i.line, i.field) for i in issues] == [(len(WORLD) + 2, "effectiveDate")]
    assert f"{path}:{len(WORLD) + 1}" in issues[0].message


def test_load_facts__same_effective_date_for_different_pairs_is_no_conflict(
    write_jsonl: WriteJsonl,
) -> None:
    other = with_(TRANSFER, toProgramId="VS_FLYINGCLUB")
    reverse = with_(TRANSFER, fromProgramId="AC_AEROPLAN", toProgramId="AMEX_MR")
    result = load_facts([write_jsonl([*WORLD, TRANSFER, other, reverse])])
    assert len(of_type(result.facts, TransferPartnership)) == 3


def test_load_facts__per_segment_round_trip_price_is_an_error(write_jsonl: WriteJsonl) -> None:
    path = write_jsonl([*WORLD, with_(PRICE, perSegment=True, tripType="round_trip")])
    issues = issues_of([path])
    assert [i.line for i in issues] == [len(WORLD) + 1]
    assert "perSegment" in issues[0].message


def test_load_facts__elite_metric_rate_is_required_unless_same_as_redeemable(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN one rule whose distance metric has no rate, one whose same_as_redeemable has none
    rule = {
        "type": "earningRule",
        "creditingProgramId": "AC_AEROPLAN",
        "operatingAirlineIds": ["LH"],
        "basis": "distance",
        "redeemableRate": 1,
    }
    bad = with_(rule, ruleId="bad", eliteMetrics=[{"metricName": "SQM", "basis": "distance"}])
    good = with_(
        rule, ruleId="good", eliteMetrics=[{"metricName": "SQM", "basis": "same_as_redeemable"}]
    )

    # WHEN they are loaded
    issues = issues_of([write_jsonl([*WORLD, good, bad])])

    # THEN only the first is an error, on its metric
    assert [(i.line, i.field) for i in issues] == [(len(WORLD) + 2, "eliteMetrics.0")]


# All-or-nothing and quarantine ---------------------------------------------------------


def test_load_facts__one_bad_line_loads_nothing(write_jsonl: WriteJsonl) -> None:
    # GIVEN two files, one of whose lines is bad
    good = write_jsonl(WORLD, name="good.jsonl")
    bad = write_jsonl([PRICE, with_(TRANSFER, ratioFrom=0), ROUTE], name="bad.jsonl")

    # WHEN they are loaded together
    with pytest.raises(FactsValidationError) as caught:
        load_facts([good, bad])

    # THEN the load fails as a whole, with only the bad line reported
    error = caught.value
    assert [(i.file, i.line, i.field) for i in error.issues] == [(str(bad), 2, "ratioFrom")]
    assert "nothing was loaded" in str(error)
    assert f"{bad}:2: ratioFrom:" in str(error)
    assert error.to_json()["error"]["code"] == "invalid_facts"
    assert error.to_json()["error"]["errors"] == [
        {"file": str(bad), "line": 2, "field": "ratioFrom", "message": error.issues[0].message}
    ]


def test_load_facts__quarantine_sets_bad_lines_aside_and_loads_the_rest(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN a file with a malformed line, a wrong type and a dangling reference
    path = write_jsonl(
        [*WORLD, PRICE, "{oops", with_(TRANSFER, ratioTo=1.0), with_(ROUTE, origin="QQQ")]
    )

    # WHEN it is loaded with quarantine
    result = load_facts([path], quarantine=True)

    # THEN the three bad lines are set aside with their reasons, and the rest loads
    n = len(WORLD)
    assert [(i.line, i.field) for i in result.quarantined] == [
        (n + 2, None),
        (n + 3, "ratioTo"),
        (n + 4, "origin"),
    ]
    assert of_type(result.facts, AwardPrice) != []
    assert of_type(result.facts, TransferPartnership) == []
    assert of_type(result.facts, Route) == []
    assert len(result.facts) == n + 1


def test_load_facts__quarantine_cascades_to_records_referencing_quarantined_ones(
    write_jsonl: WriteJsonl,
) -> None:
    # GIVEN a chain of references whose first link is bad:
    # alliance (bad) <- airline <- program <- region <- price, and a transfer to the program
    chain = [
        {"type": "alliance", "allianceId": "oneworld", "name": 1},
        {"type": "airline", "airlineId": "BA", "name": "British", "allianceId": "oneworld"},
        {
            "type": "loyaltyProgram",
            "programId": "BA_AVIOS",
            "name": "Avios",
            "kind": "airline",
            "currencyName": "Avios",
            "operatorAirlineId": "BA",
        },
        {"type": "awardRegion", "programId": "BA_AVIOS", "regionId": "zone1"},
        with_(PRICE, programId="BA_AVIOS", originRegionId="zone1", destinationRegionId="zone1"),
        with_(TRANSFER, toProgramId="BA_AVIOS"),
    ]
    path = write_jsonl([*WORLD, *chain])

    # WHEN it is loaded with quarantine
    result = load_facts([path], quarantine=True)

    # THEN every record of the chain is set aside, each with its own reason
    n = len(WORLD)
    assert [(i.line, i.field) for i in result.quarantined] == [
        (n + 1, "name"),
        (n + 2, "allianceId"),
        (n + 3, "operatorAirlineId"),
        (n + 4, "programId"),
        (n + 5, "programId"),
        (n + 6, "toProgramId"),
    ]
    # AND the rest of the world is untouched
    assert len(result.facts) == n


def test_load_facts__quarantine_lists_every_copy_of_a_bad_line(write_jsonl: WriteJsonl) -> None:
    # GIVEN the same bad record twice
    bad = with_(ROUTE, airlineId="BA")
    path = write_jsonl([*WORLD, bad, bad])

    # WHEN it is loaded with quarantine
    result = load_facts([path], quarantine=True)

    # THEN both lines are set aside, none silently dropped
    assert [i.line for i in result.quarantined] == [len(WORLD) + 1, len(WORLD) + 2]


def test_load_facts__quarantine_keeps_a_good_copy_of_an_entity(write_jsonl: WriteJsonl) -> None:
    # GIVEN an entity whose first copy cites a missing document and whose second is clean
    path = write_jsonl([with_(WORLD[0], sourceDocumentId="doc-missing"), *WORLD])

    # WHEN it is loaded with quarantine
    result = load_facts([path], quarantine=True)

    # THEN the bad copy is set aside and the entity still loads from the good one
    assert [(i.line, i.field) for i in result.quarantined] == [(1, "sourceDocumentId")]
    assert len(result.facts) == len(WORLD)


def test_load_facts__quarantine_sets_aside_a_conflicting_redefinition(
    write_jsonl: WriteJsonl,
) -> None:
    path = write_jsonl([*WORLD, with_(WORLD[1], name="Rouge")])
    result = load_facts([path], quarantine=True)
    assert [i.line for i in result.quarantined] == [len(WORLD) + 1]
    (ac,) = [a for a in of_type(result.facts, Airline) if a.airline_id == "AC"]
    assert ac.name == "Air Canada"


def test_write_quarantine__writes_one_json_object_per_bad_line(
    write_jsonl: WriteJsonl, tmp_path: Path
) -> None:
    # GIVEN a quarantined load with two errors on one line and one on another
    two_errors = with_(PRICE, points=1.5, cabin="coach")
    path = write_jsonl([*WORLD, "not json", two_errors])
    result = load_facts([path], quarantine=True)

    # WHEN the quarantine is written
    out = tmp_path / "quarantine.jsonl"
    write_quarantine(out, result.quarantined)

    # THEN each bad line is one JSON object with its file, line, original text and errors
    entries = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    n = len(WORLD)
    assert [(e["file"], e["line"]) for e in entries] == [(str(path), n + 1), (str(path), n + 2)]
    assert entries[0]["record"] == "not json"
    assert entries[0]["errors"][0]["field"] is None
    assert entries[0]["errors"][0]["message"].startswith("malformed JSON")
    assert entries[1]["record"] == json.dumps(two_errors)
    assert {e["field"] for e in entries[1]["errors"]} == {"points", "cabin"}
    assert set(entries[1]) == {"file", "line", "record", "errors"}


def test_write_quarantine__keeps_non_ascii_text(tmp_path: Path) -> None:
    issue = FactIssue("f.jsonl", 3, "name", "bad", '{"name": "Zürich ✈"}')
    out = tmp_path / "q.jsonl"
    write_quarantine(out, [issue])
    assert json.loads(out.read_text(encoding="utf-8"))["record"] == '{"name": "Zürich ✈"}'


def test_write_quarantine__no_issues_writes_an_empty_file(tmp_path: Path) -> None:
    out = tmp_path / "q.jsonl"
    write_quarantine(out, [])
    assert out.read_text() == ""
