"""Facts to graph rows and the embedded knowledge base: ids, properties, counts, writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import (
    FACT_ADAPTER,
    AwardPrice,
    BookablePartner,
    FactModel,
    Passage,
    WebSourceDocument,
)
from loyalty_maximizer.graph.build import (
    fact_from_properties,
    graph_rows,
    node_id,
    properties_of,
)
from loyalty_maximizer.graph.embedded import (
    EmbeddedGraph,
    KnowledgeBaseError,
    graph_stats,
    open_knowledge_base,
    stats_of,
    write_knowledge_base,
)
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.graph.schema import EDGE_TABLES, NODE_TABLES

pytestmark = pytest.mark.integration

WriteJsonl = Callable[..., Path]

SAMPLE_NODES = {
    "Airline": 8,
    "Airport": 6,
    "Alliance": 3,
    "AwardPrice": 8,
    "AwardRegion": 8,
    "EarningRule": 4,
    "EliteTier": 2,
    "LoyaltyProgram": 10,
    "Passage": 1,
    "WebSourceDocument": 1,
}
SAMPLE_EDGES = {
    "APPLIES_TO": 3,
    "CREDITS_TO": 4,
    "FLIES": 6,
    "HAS_PASSAGE": 1,
    "HAS_REGION": 8,
    "HAS_TIER": 2,
    "HAS_TRANSFER_BONUS": 1,
    "MEMBER_OF": 8,
    "OPERATES_PROGRAM": 6,
    "PRICES": 8,
    "TRANSFERS_TO": 9,
}

# A small consistent world whose records set every optional field, nested objects and
# dates included, and whose text is hard to carry through CSV.
RICH: list[dict[str, Any]] = [
    {"type": "alliance", "allianceId": "star", "name": "Star", "sourceDocumentId": "d1"},
    {"type": "airline", "airlineId": "UA", "name": "United", "allianceId": "star",
     "country": "US"},
    {"type": "airline", "airlineId": "LH", "name": "Lufthansa"},
    {"type": "airline", "airlineId": "AC", "name": "Air Canada"},
    {"type": "airport", "airportId": "EWR", "name": "Newark", "city": "Newark",
     "country": "US", "latitude": 40.6925, "longitude": -74.1687, "metroCode": "NYC"},
    {"type": "airport", "airportId": "FRA", "latitude": 50.0333, "longitude": 8.5706},
    {"type": "loyaltyProgram", "programId": "A", "name": "Bank", "kind": "bank",
     "currencyName": "points"},
    {"type": "loyaltyProgram", "programId": "B", "name": "Air", "kind": "airline",
     "currencyName": "miles", "operatorAirlineId": "UA", "pointValueCents": 1.25,
     "awardPricing": "hybrid"},
    {"type": "awardRegion", "programId": "B", "regionId": "eu", "name": "Europe",
     "countries": ["DE", "FR"], "airports": ["FRA"]},
    {"type": "bookablePartner", "programId": "B", "airlineId": "AC"},
    {"type": "webSourceDocument", "documentId": "d1", "documentType": "pdf",
     "sourceUrl": "https://example.com/a.pdf", "title": "Chart", "retrievedDate": "2026-01-15"},
    {"type": "passage", "documentId": "d1", "passageId": "d1#1", "heading": "Europe",
     "text": 'Quotes "q", commas, C:\\path\\n, a newline\nand ünïcode ✈', "sourceDocumentId": "d1"},
    {"type": "passage", "documentId": "d1", "passageId": "d1#2",
     "text": 'escaped quote \\",b and C:\\"dir"\\ and a trailing backslash \\'},
    {"type": "transferPartnership", "fromProgramId": "A", "toProgramId": "B", "ratioFrom": 3,
     "ratioTo": 1, "minimumTransfer": 3000, "transferIncrement": 3,
     "blockBonus": {"everySourcePoints": 60000, "bonusTargetPoints": 5000},
     "transferTime": "days", "effectiveDate": "2026-01-01", "expirationDate": "2026-12-31",
     "sourceDocumentId": "d1"},
    {"type": "awardPrice", "programId": "B", "originRegionId": "*", "destinationRegionId": "eu",
     "cabin": "first", "points": 120000, "tripType": "round_trip", "pricing": "dynamic_from",
     "operatingAirlineIds": ["LH", "UA"], "excludedOperatingAirlineIds": ["AC"],
     "minDistance": 0, "maxDistance": 4000, "perSegment": False, "symmetric": False,
     "surchargeUsd": 12.5, "notes": "note", "effectiveDate": "2026-02-01"},
    {"type": "earningRule", "ruleId": "r", "creditingProgramId": "B",
     "operatingAirlineIds": ["*", "LH"], "basis": "revenue", "redeemableRate": 5,
     "marketingAirlineIds": ["UA"], "fareClasses": ["K", "L"], "minimumRedeemable": 500,
     "eliteMetrics": [{"metricName": "PQP", "rate": 1, "basis": "revenue"},
                      {"metricName": "PQM", "basis": "same_as_redeemable"}],
     "eliteBonusEligible": False, "revenueCurrency": "EUR", "priority": -1,
     "description": "d", "expirationDate": "2027-01-01"},
    {"type": "eliteTier", "programId": "B", "tierId": "g", "name": "Gold", "rank": 2,
     "redeemableBonusPercent": 60.5,
     "qualification": [{"metricName": "PQP", "threshold": 10000},
                       {"allOf": [{"metricName": "PQF", "threshold": 30},
                                  {"metricName": "PQP", "threshold": 8000}]}],
     "allianceTier": "star_gold"},
    {"type": "route", "airlineId": "UA", "origin": "EWR", "destination": "FRA",
     "cabins": ["business"], "bidirectional": False},
    {"type": "transferBonus", "fromProgramId": "A", "toProgramId": "B", "bonusPercent": 25.5,
     "startDate": "2026-11-01", "endDate": "2026-11-30"},
]  # fmt: skip


def rich_facts() -> list[FactModel]:
    return [FACT_ADAPTER.validate_json(json.dumps(r)) for r in RICH]


def canonical(facts: list[FactModel]) -> list[str]:
    return sorted(json.dumps(f.to_json_dict(), sort_keys=True) for f in facts)


# Rows ----------------------------------------------------------------------------------


def test_graph_rows__sample_counts_by_type(sample_facts: list[FactModel]) -> None:
    # WHEN the sample becomes rows
    rows = graph_rows(sample_facts)

    # THEN there is one node per entity or price and one edge per relation, by type
    stats = stats_of(rows.nodes, rows.edges)
    assert stats["nodesByType"] == SAMPLE_NODES
    assert stats["edgesByType"] == SAMPLE_EDGES
    assert (stats["nodes"], stats["edges"]) == (51, 56)


def test_graph_rows__node_ids_are_readable_and_deterministic(
    sample_facts: list[FactModel],
) -> None:
    # WHEN the sample becomes rows
    ids = {n.id for n in graph_rows(sample_facts).nodes}

    # THEN entity ids are built from their keys, regions and tiers scoped by program
    assert {
        "alliance:star_alliance",
        "airline:UA",
        "airport:JFK",
        "program:AC_AEROPLAN",
        "region:AC_AEROPLAN:north_america",
        "region:UA_MILEAGEPLUS:north_america",
        "rule:ua-lh-k",
        "tier:UA_MILEAGEPLUS:gold",
        "doc:doc-amex-partners",
        "passage:doc-amex-partners#1",
    } <= ids
    assert len([i for i in ids if i.startswith("price:")]) == 8


def test_graph_rows__rebuild_gives_identical_rows(sample_facts_path: Path) -> None:
    # GIVEN the sample loaded twice
    first = load_facts([sample_facts_path]).facts
    second = load_facts([sample_facts_path]).facts

    # WHEN each load becomes rows, the second in reverse record order
    # THEN the rows are identical, ids and properties
    assert graph_rows(first) == graph_rows(list(reversed(second)))


def test_node_id__price_id_does_not_depend_on_stating_defaults() -> None:
    # GIVEN the same price with defaults left out and written out
    implicit = AwardPrice(
        program_id="P", origin_region_id="a", destination_region_id="b", cabin="economy", points=1
    )
    explicit = AwardPrice(
        program_id="P",
        origin_region_id="a",
        destination_region_id="b",
        cabin="economy",
        points=1,
        trip_type="one_way",
        pricing="fixed",
        per_segment=False,
        symmetric=True,
    )
    other = implicit.model_copy(update={"points": 2})

    # THEN the ids are equal, and a different price has another id
    assert node_id(implicit) == node_id(explicit)
    assert node_id(implicit) != node_id(other)


def test_graph_rows__two_routes_between_one_pair_are_two_edges(
    sample_facts: list[FactModel],
) -> None:
    # GIVEN the sample, where VS and BA both fly JFK-LHR
    edges = [e for e in graph_rows(sample_facts).edges if e.label == "FLIES"]

    # THEN each route is its own edge
    jfk_lhr = [e for e in edges if (e.from_id, e.to_id) == ("airport:JFK", "airport:LHR")]
    assert sorted(e.properties["airlineId"] for e in jfk_lhr) == ["BA", "VS"]
    assert len({e.id for e in jfk_lhr}) == 2


def test_graph_rows__sourced_records_are_extracted_from_their_document() -> None:
    # GIVEN records citing the document they came from
    rows = graph_rows(rich_facts())

    # THEN node records get an EXTRACTED_FROM edge; edge records keep the id as a property
    extracted = {(e.from_id, e.to_id) for e in rows.edges if e.label == "EXTRACTED_FROM"}
    assert extracted == {("passage:d1#1", "doc:d1"), ("alliance:star", "doc:d1")}
    (transfer,) = [e for e in rows.edges if e.label == "TRANSFERS_TO"]
    assert transfer.properties["sourceDocumentId"] == "d1"


def test_properties_of__are_scalars_only(sample_facts: list[FactModel]) -> None:
    # GIVEN every record of the sample and the rich records
    # WHEN their properties are taken (Neptune has no list or map properties)
    values = [
        value for fact in [*sample_facts, *rich_facts()] for value in properties_of(fact).values()
    ]

    # THEN every value is a scalar or null
    assert all(v is None or isinstance(v, str | int | float | bool) for v in values)


def test_fact_from_properties__round_trips_every_sample_record(
    sample_facts: list[FactModel],
) -> None:
    # GIVEN every record of the sample and records setting every optional field
    facts = [*sample_facts, *rich_facts()]

    # WHEN each becomes properties and back
    mismatched = [f for f in facts if fact_from_properties(type(f), properties_of(f)) != f]

    # THEN each is the record it was
    assert mismatched == []


# The embedded knowledge base -----------------------------------------------------------


def test_graph_stats__sample_graph_holds_every_row(
    sample_graph: EmbeddedGraph, sample_kb_dir: Path
) -> None:
    # WHEN the built sample graph is counted from the engine itself
    stats = graph_stats(sample_graph)

    # THEN it holds every node and edge, and the manifest says the same
    assert stats["nodesByType"] == SAMPLE_NODES
    assert stats["edgesByType"] == SAMPLE_EDGES
    manifest = json.loads((sample_kb_dir / "manifest.json").read_text())
    assert manifest == {"formatVersion": 1, **stats}


def test_write_knowledge_base__two_loads_give_identical_graphs(
    tmp_path: Path, sample_facts_path: Path
) -> None:
    # GIVEN the sample loaded into two knowledge bases
    summaries = [
        write_knowledge_base(tmp_path / name, graph_rows(load_facts([sample_facts_path]).facts))
        for name in ("one", "two")
    ]

    # WHEN both are read back
    results = []
    for name in ("one", "two"):
        with open_knowledge_base(tmp_path / name) as graph:
            ids = graph.query("MATCH (n:AwardPrice) RETURN n.id AS id ORDER BY id")
            results.append((graph_stats(graph), ids))

    # THEN their summaries, counts and ids are identical
    assert summaries[0] == summaries[1]
    assert results[0] == results[1]
    assert results[0][0]["nodes"] == 51


def test_write_knowledge_base__graph_round_trips_every_optional_field(tmp_path: Path) -> None:
    # GIVEN records setting every optional field, text with quotes, newlines and backslashes
    facts = rich_facts()

    # WHEN they are written to a knowledge base and read back through openCypher
    write_knowledge_base(tmp_path / "kb", graph_rows(facts))
    with open_knowledge_base(tmp_path / "kb") as graph:
        repo = KnowledgeRepository(graph)
        read: list[FactModel] = [
            *repo.alliances.values(),
            *repo.airlines.values(),
            *repo.airports(["EWR", "FRA"]).values(),
            *repo.programs.values(),
            *repo.regions(["B"]),
            *repo.documents(["d1"]).values(),
            *repo.passages,
            *repo.transfers_touching(["A"]),
            *repo.transfer_bonuses_touching(["A"]),
            *repo.award_prices("first").get("B", []),
            *repo.earning_rules_of_programs(["B"]),
            *repo.elite_tiers(["B"]),
            *repo.routes_touching(["EWR"]),
        ]
        partners = repo.booking_partners

    # THEN every record comes back as it was
    assert canonical(read) == canonical([f for f in facts if not isinstance(f, BookablePartner)])
    assert partners == {("B", "AC")}


def test_write_knowledge_base__empty_string_property_survives(tmp_path: Path) -> None:
    # GIVEN a passage whose heading is an empty string (not absent)
    facts: list[FactModel] = [
        WebSourceDocument(document_id="d", document_type="text"),
        Passage(document_id="d", passage_id="p", text="t", heading=""),
    ]
    write_knowledge_base(tmp_path / "kb", graph_rows(facts))

    # WHEN it is read back
    with open_knowledge_base(tmp_path / "kb") as graph:
        (passage,) = KnowledgeRepository(graph).passages

    # THEN the heading is still an empty string
    assert passage.heading == ""


def test_write_knowledge_base__replaces_an_existing_knowledge_base(
    tmp_path: Path, sample_facts: list[FactModel]
) -> None:
    # GIVEN a directory holding the sample knowledge base
    kb = tmp_path / "kb"
    write_knowledge_base(kb, graph_rows(sample_facts))

    # WHEN a smaller knowledge base is written into it
    summary = write_knowledge_base(kb, graph_rows(rich_facts()))

    # THEN only the new graph is there, and no staging directory is left behind
    with open_knowledge_base(kb) as graph:
        assert graph_stats(graph) == summary
        programs = graph.query("MATCH (n:LoyaltyProgram) RETURN n.programId AS p ORDER BY p")
    assert programs == [{"p": "A"}, {"p": "B"}]
    assert sorted(p.name for p in kb.iterdir()) == ["graph", "manifest.json"]


def test_write_knowledge_base__creates_a_new_directory(
    tmp_path: Path, sample_facts: list[FactModel]
) -> None:
    kb = tmp_path / "new" / "kb"
    write_knowledge_base(kb, graph_rows(sample_facts))
    assert sorted(p.name for p in kb.iterdir()) == ["graph", "manifest.json"]


def test_write_knowledge_base__writes_into_an_empty_directory(
    tmp_path: Path, sample_facts: list[FactModel]
) -> None:
    kb = tmp_path / "empty"
    kb.mkdir()
    summary = write_knowledge_base(kb, graph_rows(sample_facts))
    assert summary["nodesByType"] == SAMPLE_NODES


def test_write_knowledge_base__refuses_a_directory_holding_something_else(
    tmp_path: Path, sample_facts: list[FactModel]
) -> None:
    # GIVEN a non-empty directory that holds no knowledge base
    kb = tmp_path / "photos"
    kb.mkdir()
    (kb / "holiday.jpg").write_bytes(b"\xff\xd8")

    # WHEN a knowledge base is written there
    with pytest.raises(KnowledgeBaseError) as caught:
        write_knowledge_base(kb, graph_rows(sample_facts))

    # THEN it refuses, says why, and leaves the directory as it was
    assert "holds no knowledge base" in str(caught.value)
    assert str(kb) in str(caught.value)
    assert sorted(p.name for p in kb.iterdir()) == ["holiday.jpg"]


def test_write_knowledge_base__refuses_a_file(
    tmp_path: Path, sample_facts: list[FactModel]
) -> None:
    path = tmp_path / "kb"
    path.write_text("not a directory")
    with pytest.raises(KnowledgeBaseError, match="not a directory"):
        write_knowledge_base(path, graph_rows(sample_facts))
    assert path.read_text() == "not a directory"


@pytest.mark.parametrize("state", ["missing", "empty", "manifest-only"])
def test_open_knowledge_base__without_a_knowledge_base_is_a_clear_error(
    tmp_path: Path, state: str
) -> None:
    # GIVEN a directory that does not hold a complete knowledge base
    kb = tmp_path / "kb"
    if state != "missing":
        kb.mkdir()
    if state == "manifest-only":
        (kb / "manifest.json").write_text("{}")

    # WHEN it is opened
    with pytest.raises(KnowledgeBaseError) as caught:
        open_knowledge_base(kb)

    # THEN the error names the directory and says how to build one
    message = str(caught.value)
    assert str(kb) in message
    assert "loyalty kb load" in message
    assert caught.value.to_json()["error"]["code"] == "knowledge_base"


def test_schema__every_node_and_edge_label_is_a_table(sample_graph: EmbeddedGraph) -> None:
    # GIVEN the schema's tables
    # WHEN each is counted on the engine (an unknown table would be a query error)
    counts = {
        t.label: sample_graph.query(f"MATCH (n:{t.label}) RETURN count(n) AS c")[0]["c"]
        for t in NODE_TABLES
    } | {
        t.label: sample_graph.query(f"MATCH ()-[r:{t.label}]->() RETURN count(r) AS c")[0]["c"]
        for t in EDGE_TABLES
    }

    # THEN the sample fills every table except those it has no record for
    assert {label for label, c in counts.items() if c == 0} == {"CAN_BOOK", "EXTRACTED_FROM"}
