"""Every openCypher query of graph/queries.py on the embedded engine, and the typed reads
and bookability rule of KnowledgeRepository, over the sample knowledge base."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import (
    CABINS,
    Airline,
    Airport,
    Alliance,
    AwardPrice,
    AwardRegion,
    BookablePartner,
    EarningRule,
    EliteTier,
    FactModel,
    LoyaltyProgram,
    Passage,
    Route,
    TransferBonus,
    TransferPartnership,
    WebSourceDocument,
)
from loyalty_maximizer.graph import queries
from loyalty_maximizer.graph.build import fact_from_properties, graph_rows
from loyalty_maximizer.graph.embedded import (
    EmbeddedGraph,
    open_knowledge_base,
    write_knowledge_base,
)
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.graph.schema import EDGE_TABLES, NODE_TABLES, columns_of

pytestmark = pytest.mark.integration

# Added to the sample (in a second file) for what the sample does not hold: booking
# partners, an airline program without an operator, and metro codes stated by the facts.
EXTRAS: list[dict[str, Any]] = [
    {"type": "airline", "airlineId": "NH", "name": "ANA", "allianceId": "star_alliance"},
    {"type": "bookablePartner", "programId": "VS_FLYINGCLUB", "airlineId": "NH"},
    {"type": "bookablePartner", "programId": "AMEX_MR", "airlineId": "NH"},
    {
        "type": "loyaltyProgram",
        "programId": "INDIE",
        "name": "Independent",
        "kind": "airline",
        "currencyName": "points",
    },
    {"type": "bookablePartner", "programId": "INDIE", "airlineId": "LH"},
    {"type": "airport", "airportId": "HPN", "metroCode": "NYC"},
    {"type": "airport", "airportId": "BFI", "metroCode": "SEA"},
]


@pytest.fixture(scope="module")
def extras_graph(
    tmp_path_factory: pytest.TempPathFactory, sample_facts_path: Path
) -> Iterator[EmbeddedGraph]:
    """The sample plus EXTRAS, loaded together into their own knowledge base."""
    work = tmp_path_factory.mktemp("extras")
    extras = work / "extras.jsonl"
    extras.write_text("".join(json.dumps(r) + "\n" for r in EXTRAS), encoding="utf-8")
    write_knowledge_base(work / "kb", graph_rows(load_facts([sample_facts_path, extras]).facts))
    with open_knowledge_base(work / "kb") as graph:
        yield graph


@pytest.fixture(scope="module")
def extras_repository(extras_graph: EmbeddedGraph) -> KnowledgeRepository:
    return KnowledgeRepository(extras_graph)


@dataclass(frozen=True)
class Case:
    """One query run: its parameters, the model its rows rebuild into, and the expected
    values of ``columns`` per row (in order when the query orders, else as a sorted list)."""

    query: str
    model: type[FactModel]
    columns: tuple[str, ...]
    expected: list[tuple[Any, ...]]
    params: dict[str, Any] = field(default_factory=dict)
    ordered: bool = True
    graph: str = "sample"


SAMPLE_PROGRAMS = [
    "AC_AEROPLAN",
    "AF_FLYINGBLUE",
    "AMEX_MR",
    "BA_AVIOS",
    "CAPONE_MILES",
    "CHASE_UR",
    "LH_MILESANDMORE",
    "MARRIOTT_BONVOY",
    "UA_MILEAGEPLUS",
    "VS_FLYINGCLUB",
]

CASES: dict[str, Case] = {
    "alliances": Case(
        "ALLIANCES",
        Alliance,
        ("allianceId",),
        [("oneworld",), ("skyteam",), ("star_alliance",)],
    ),
    "airlines": Case(
        "AIRLINES",
        Airline,
        ("airlineId", "allianceId"),
        [
            ("AA", "oneworld"),
            ("AC", "star_alliance"),
            ("AF", "skyteam"),
            ("BA", "oneworld"),
            ("DL", "skyteam"),
            ("LH", "star_alliance"),
            ("UA", "star_alliance"),
            ("VS", "skyteam"),
        ],
    ),
    "programs": Case("PROGRAMS", LoyaltyProgram, ("programId",), [(p,) for p in SAMPLE_PROGRAMS]),
    "bookable-partners": Case(
        "BOOKABLE_PARTNERS",
        BookablePartner,
        ("programId", "airlineId"),
        [("AMEX_MR", "NH"), ("INDIE", "LH"), ("VS_FLYINGCLUB", "NH")],
        graph="extras",
    ),
    "transfers-from-amex": Case(
        "TRANSFERS_FROM",
        TransferPartnership,
        ("fromProgramId", "toProgramId"),
        [
            ("AMEX_MR", "AC_AEROPLAN"),
            ("AMEX_MR", "AF_FLYINGBLUE"),
            ("AMEX_MR", "BA_AVIOS"),
            ("AMEX_MR", "VS_FLYINGCLUB"),
        ],
        {"programIds": ["AMEX_MR"]},
    ),
    "transfers-from-airline-program": Case(
        "TRANSFERS_FROM", TransferPartnership, ("toProgramId",), [], {"programIds": ["AC_AEROPLAN"]}
    ),
    "transfers-from-marriott-keep-block-bonus": Case(
        "TRANSFERS_FROM",
        TransferPartnership,
        ("ratioFrom", "ratioTo", "transferIncrement", "blockBonus"),
        [(3, 1, 3, '{"everySourcePoints":60000,"bonusTargetPoints":5000}')],
        {"programIds": ["MARRIOTT_BONVOY"]},
    ),
    "transfers-touching-aeroplan": Case(
        "TRANSFERS_TOUCHING",
        TransferPartnership,
        ("fromProgramId", "toProgramId"),
        [
            ("AMEX_MR", "AC_AEROPLAN"),
            ("CAPONE_MILES", "AC_AEROPLAN"),
            ("CHASE_UR", "AC_AEROPLAN"),
            ("MARRIOTT_BONVOY", "AC_AEROPLAN"),
        ],
        {"programIds": ["AC_AEROPLAN"]},
    ),
    "transfer-bonuses-touching-target": Case(
        "TRANSFER_BONUSES_TOUCHING",
        TransferBonus,
        ("fromProgramId", "toProgramId", "bonusPercent", "startDate", "endDate"),
        [("AMEX_MR", "VS_FLYINGCLUB", 30.0, "2026-11-01", "2026-11-30")],
        {"programIds": ["VS_FLYINGCLUB"]},
    ),
    "transfer-bonuses-touching-source": Case(
        "TRANSFER_BONUSES_TOUCHING",
        TransferBonus,
        ("toProgramId",),
        [("VS_FLYINGCLUB",)],
        {"programIds": ["AMEX_MR"]},
    ),
    "transfer-bonuses-touching-none": Case(
        "TRANSFER_BONUSES_TOUCHING",
        TransferBonus,
        ("toProgramId",),
        [],
        {"programIds": ["BA_AVIOS"]},
    ),
    "airports-by-code": Case(
        "AIRPORTS_BY_CODE",
        Airport,
        ("airportId", "name"),
        [("JFK", "John F. Kennedy International"), ("LHR", "London Heathrow")],
        {"codes": ["LHR", "NRT", "JFK"]},
    ),
    "all-airports": Case(
        "ALL_AIRPORTS",
        Airport,
        ("airportId",),
        [("CDG",), ("EWR",), ("FRA",), ("JFK",), ("LHR",), ("SIN",)],
    ),
    "airports-by-metro": Case(
        "AIRPORTS_BY_METRO", Airport, ("airportId",), [("EWR",), ("JFK",)], {"metro": "NYC"}
    ),
    "airports-by-facts-only-metro": Case(
        "AIRPORTS_BY_METRO",
        Airport,
        ("airportId",),
        [("BFI",)],
        {"metro": "SEA"},
        graph="extras",
    ),
    "routes-touching-jfk": Case(
        "ROUTES_TOUCHING",
        Route,
        ("airlineId", "origin", "destination"),
        [("AF", "JFK", "CDG"), ("BA", "JFK", "LHR"), ("VS", "JFK", "LHR")],
        {"codes": ["JFK"]},
        ordered=False,
    ),
    "routes-touching-destination": Case(
        "ROUTES_TOUCHING",
        Route,
        ("airlineId", "origin", "destination"),
        [("BA", "JFK", "LHR"), ("UA", "EWR", "LHR"), ("VS", "JFK", "LHR")],
        {"codes": ["LHR"]},
        ordered=False,
    ),
    "routes-touching-both-ends-once": Case(
        "ROUTES_TOUCHING",
        Route,
        ("airlineId", "origin", "destination"),
        [("AF", "JFK", "CDG"), ("BA", "JFK", "LHR"), ("UA", "EWR", "LHR"), ("VS", "JFK", "LHR")],
        {"codes": ["JFK", "LHR"]},
        ordered=False,
    ),
    "regions-of-programs": Case(
        "REGIONS_OF_PROGRAMS",
        AwardRegion,
        ("programId", "regionId", "countries"),
        [
            ("AC_AEROPLAN", "atlantic", '["GB","DE","FR"]'),
            ("AC_AEROPLAN", "north_america", '["US","CA","MX"]'),
            ("VS_FLYINGCLUB", "uk", '["GB"]'),
            ("VS_FLYINGCLUB", "usa", '["US"]'),
        ],
        {"programIds": ["VS_FLYINGCLUB", "AC_AEROPLAN"]},
    ),
    "award-prices-business": Case(
        "AWARD_PRICES",
        AwardPrice,
        ("programId", "points", "perSegment"),
        [
            ("AC_AEROPLAN", 60000, False),
            ("AC_AEROPLAN", 70000, False),
            ("AF_FLYINGBLUE", 55000, False),
            ("BA_AVIOS", 60000, True),
            ("UA_MILEAGEPLUS", 80000, False),
            ("VS_FLYINGCLUB", 50000, False),
        ],
        {"cabin": "business"},
        ordered=False,
    ),
    "award-prices-filter-by-cabin": Case(
        "AWARD_PRICES",
        AwardPrice,
        ("programId", "cabin", "points"),
        [("AC_AEROPLAN", "economy", 35000), ("BA_AVIOS", "economy", 20000)],
        {"cabin": "economy"},
        ordered=False,
    ),
    "award-prices-none-in-cabin": Case(
        "AWARD_PRICES",
        AwardPrice,
        ("points",),
        [],
        {"cabin": "first"},
    ),
    "earning-rules-of-programs": Case(
        "EARNING_RULES_OF_PROGRAMS",
        EarningRule,
        ("ruleId", "creditingProgramId"),
        [("ua-lh-k", "UA_MILEAGEPLUS"), ("ua-ua-rev", "UA_MILEAGEPLUS")],
        {"programIds": ["UA_MILEAGEPLUS"]},
    ),
    "earning-rules-for-airlines": Case(
        "EARNING_RULES_FOR_AIRLINES",
        EarningRule,
        ("ruleId",),
        [("ac-lh-k",), ("lh-lh-k",), ("ua-lh-k",)],
        {"airlineIds": ["LH", "BA"]},
        ordered=False,
    ),
    "earning-rules-for-airlines-skip-wildcard": Case(
        "EARNING_RULES_FOR_AIRLINES", EarningRule, ("ruleId",), [], {"airlineIds": ["UA"]}
    ),
    "earning-rules-for-any-airline": Case(
        "EARNING_RULES_FOR_ANY_AIRLINE",
        EarningRule,
        ("ruleId", "operatingAirlineIds", "marketingAirlineIds", "priority"),
        [("ua-ua-rev", '["*"]', '["UA"]', 10)],
    ),
    "elite-tiers-by-rank": Case(
        "ELITE_TIERS",
        EliteTier,
        ("tierId", "rank", "redeemableBonusPercent"),
        [("silver", 1, 40.0), ("gold", 2, 60.0)],
        {"programIds": ["UA_MILEAGEPLUS", "AC_AEROPLAN"]},
    ),
    "documents-by-id": Case(
        "DOCUMENTS_BY_ID",
        WebSourceDocument,
        ("documentId", "documentType"),
        [("doc-amex-partners", "html")],
        {"documentIds": ["doc-missing", "doc-amex-partners"]},
    ),
    "passages": Case(
        "PASSAGES",
        Passage,
        ("documentId", "passageId"),
        [("doc-amex-partners", "doc-amex-partners#1")],
    ),
}


def test_queries__every_query_has_a_case() -> None:
    # A query added to queries.py without a case here fails this test.
    assert {c.query for c in CASES.values()} == set(queries.__all__)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_query__returns_the_expected_rows(case: Case, request: pytest.FixtureRequest) -> None:
    # GIVEN a knowledge base built from the sample
    graph: EmbeddedGraph = request.getfixturevalue(f"{case.graph}_graph")

    # WHEN the query runs with its parameters
    rows = graph.query(getattr(queries, case.query), case.params)

    # THEN it returns the expected rows, in the query's order when it has one
    got = [tuple(row[c] for c in case.columns) for row in rows]
    assert (got if case.ordered else sorted(got)) == case.expected

    # AND every row has the model's columns and rebuilds into a valid record
    model_columns = {c.name for c in columns_of(case.model)}
    assert all(set(row) - {"id"} == model_columns for row in rows)
    assert all(isinstance(fact_from_properties(case.model, row), case.model) for row in rows)


@pytest.mark.parametrize("table", NODE_TABLES, ids=lambda t: t.label)
def test_node_count__counts_the_nodes_of_a_label(
    sample_graph: EmbeddedGraph, sample_facts: list[FactModel], table: Any
) -> None:
    expected = sum(type(f) is table.model for f in sample_facts)
    (row,) = sample_graph.query(queries.NODE_COUNT.format(label=table.label))
    assert row == {"c": expected}


def test_edge_count__counts_the_edges_of_a_label(sample_graph: EmbeddedGraph) -> None:
    counts = {
        t.label: sample_graph.query(queries.EDGE_COUNT.format(label=t.label))[0]["c"]
        for t in EDGE_TABLES
    }
    assert (counts["TRANSFERS_TO"], counts["FLIES"], counts["CAN_BOOK"]) == (9, 6, 0)


# The repository ------------------------------------------------------------------------


def canonical(facts: list[Any]) -> list[str]:
    return sorted(json.dumps(f.to_json_dict(), sort_keys=True) for f in facts)


def test_repository__reads_back_every_sample_record(
    sample_repository: KnowledgeRepository, sample_facts: list[FactModel]
) -> None:
    # GIVEN the sample knowledge base
    repo = sample_repository
    airports = [f.airport_id for f in sample_facts if isinstance(f, Airport)]

    # WHEN every record is read through the repository's typed reads
    read: list[FactModel] = [
        *repo.alliances.values(),
        *repo.airlines.values(),
        *repo.airports(airports).values(),
        *repo.programs.values(),
        *repo.regions(SAMPLE_PROGRAMS),
        *[p for cabin in CABINS for rows in repo.award_prices(cabin).values() for p in rows],
        *repo.transfers_touching(SAMPLE_PROGRAMS),
        *repo.transfer_bonuses_touching(SAMPLE_PROGRAMS),
        *repo.earning_rules_of_programs(SAMPLE_PROGRAMS),
        *repo.elite_tiers(SAMPLE_PROGRAMS),
        *repo.documents(["doc-amex-partners"]).values(),
        *repo.passages,
        *repo.routes_touching(airports),
    ]

    # THEN they are exactly the records that were loaded
    assert canonical(read) == canonical(sample_facts)


def test_airports__graph_records_first_then_the_database(
    sample_repository: KnowledgeRepository,
) -> None:
    # WHEN airports in the graph, only in the database, and unknown are asked for
    found = sample_repository.airports(["JFK", "NRT", "QQQ"])

    # THEN the graph's record wins, the database fills in, and unknown codes are absent
    assert set(found) == {"JFK", "NRT"}
    assert found["JFK"].name == "John F. Kennedy International"
    assert found["NRT"].metro_code == "TYO"
    assert found["NRT"].country == "JP"


@pytest.mark.parametrize(
    ("metro", "expected"),
    [
        ("NYC", ["EWR", "JFK", "LGA"]),
        ("PAR", ["BVA", "CDG", "ORY"]),
        ("TYO", ["HND", "NRT"]),
        ("JFK", []),
    ],
)
def test_metro_airports__union_of_table_and_facts(
    sample_repository: KnowledgeRepository, metro: str, expected: list[str]
) -> None:
    assert sample_repository.metro_airports(metro) == expected


def test_metro_airports__facts_metro_code_joins_the_table(
    extras_repository: KnowledgeRepository,
) -> None:
    # GIVEN facts that put HPN in NYC and BFI in a metro the table does not have
    # WHEN the metros are expanded
    # THEN NYC is the table's airports plus HPN, and the facts-only metro is BFI
    assert extras_repository.metro_airports("NYC") == ["EWR", "HPN", "JFK", "LGA"]
    assert extras_repository.metro_airports("SEA") == ["BFI"]


def test_is_metro__table_and_facts_codes_are_metros(
    extras_repository: KnowledgeRepository,
) -> None:
    assert extras_repository.is_metro("LON")
    assert extras_repository.is_metro("SEA")  # also an airport: the metro wins
    assert not extras_repository.is_metro("JFK")


def test_is_airport__graph_or_database(sample_repository: KnowledgeRepository) -> None:
    assert sample_repository.is_airport("JFK")
    assert sample_repository.is_airport("NRT")
    assert not sample_repository.is_airport("QQQ")
    assert not sample_repository.is_airport("NYC")


def test_earning_rules_for_airlines__adds_any_airline_rules(
    sample_repository: KnowledgeRepository,
) -> None:
    # WHEN rules for LH, and for an airline only the "*" rule covers, are read
    lh = sample_repository.earning_rules_for_airlines(["LH"])
    ba = sample_repository.earning_rules_for_airlines(["BA"])

    # THEN the airline's own rules and the "*" rules come back once each, by rule id
    assert [r.rule_id for r in lh] == ["ac-lh-k", "lh-lh-k", "ua-lh-k", "ua-ua-rev"]
    assert [r.rule_id for r in ba] == ["ua-ua-rev"]


def test_elite_tiers__ordered_by_rank(sample_repository: KnowledgeRepository) -> None:
    tiers = sample_repository.elite_tiers(["UA_MILEAGEPLUS"])
    assert [(t.tier_id, t.rank) for t in tiers] == [("silver", 1), ("gold", 2)]
    assert tiers[1].qualification is not None
    assert tiers[1].to_json_dict()["qualification"] == [{"metricName": "PQP", "threshold": 10000}]


def test_documents__only_existing_ids(sample_repository: KnowledgeRepository) -> None:
    docs = sample_repository.documents(["doc-amex-partners", "doc-missing"])
    assert list(docs) == ["doc-amex-partners"]
    assert docs["doc-amex-partners"].source_url == "https://example.com/amex-transfer-partners"


# Bookability ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("program", "airline", "bookable"),
    [
        ("UA_MILEAGEPLUS", "UA", True),  # operator airline
        ("UA_MILEAGEPLUS", "LH", True),  # same alliance as the operator
        ("AC_AEROPLAN", "UA", True),
        ("BA_AVIOS", "AA", True),
        ("VS_FLYINGCLUB", "DL", True),
        ("UA_MILEAGEPLUS", "BA", False),  # another alliance
        ("BA_AVIOS", "VS", False),
        ("VS_FLYINGCLUB", "UA", False),
        ("AMEX_MR", "UA", False),  # a bank program books nothing
        ("CHASE_UR", "UA", False),
        ("MARRIOTT_BONVOY", "AC", False),  # nor does a hotel program
        ("NO_SUCH_PROGRAM", "UA", False),
        ("UA_MILEAGEPLUS", "ZZ", False),  # an airline the graph does not know
    ],
)
def test_can_book__operator_or_alliance(
    sample_repository: KnowledgeRepository, program: str, airline: str, bookable: bool
) -> None:
    assert sample_repository.can_book(program, airline) is bookable


@pytest.mark.parametrize(
    ("program", "airline", "bookable"),
    [
        ("VS_FLYINGCLUB", "NH", True),  # bookablePartner link across alliances
        ("BA_AVIOS", "NH", False),  # no link, no alliance
        ("UA_MILEAGEPLUS", "NH", True),  # NH joined the operator's alliance
        ("INDIE", "LH", True),  # a link is enough without an operator airline
        ("INDIE", "UA", False),  # and without one there is no alliance rule
        ("AMEX_MR", "NH", False),  # a bank program books nothing even when linked
    ],
)
def test_can_book__bookable_partner_link(
    extras_repository: KnowledgeRepository, program: str, airline: str, bookable: bool
) -> None:
    assert extras_repository.can_book(program, airline) is bookable


@pytest.mark.integration
def test_award_prices__rows_by_program_read_once_per_cabin(
    sample_repository: KnowledgeRepository,
) -> None:
    # GIVEN the sample  WHEN a cabin's rows are asked for twice
    first = sample_repository.award_prices("economy")
    second = sample_repository.award_prices("economy")
    # THEN they come grouped by program, and the second answer is the one already read
    assert {p: sorted(r.points for r in rows) for p, rows in first.items()} == {
        "AC_AEROPLAN": [35000],
        "BA_AVIOS": [20000],
    }
    assert second is first
