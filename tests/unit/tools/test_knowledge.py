"""query_loyalty_knowledge (contracts/tools.md): entities named in a question, graph facts
around them, BM25 passages, and citations for everything the answer uses."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.knowledge import KnowledgeSearch

Fact = dict[str, Any]
Call = Callable[[dict[str, Any]], dict[str, Any]]


def document(document_id: str, title: str) -> Fact:
    return {
        "type": "webSourceDocument",
        "documentId": document_id,
        "documentType": "html",
        "sourceUrl": f"https://example.com/{document_id}",
        "title": title,
    }


def passage(document_id: str, text: str) -> Fact:
    return {
        "type": "passage",
        "documentId": document_id,
        "passageId": f"{document_id}#1",
        "text": text,
    }


KNOWLEDGE: list[Fact] = [
    {"type": "alliance", "allianceId": "star_alliance", "name": "Star Alliance"},
    {"type": "airline", "airlineId": "AC", "name": "Air Canada", "allianceId": "star_alliance"},
    *(
        {
            "type": "loyaltyProgram",
            "programId": p,
            "name": name,
            "kind": kind,
            "currencyName": "points",
        }
        for p, name, kind in [
            ("AMEX_MR", "Membership Rewards", "bank"),
            ("AC_AEROPLAN", "Aeroplan", "airline"),
            ("MARRIOTT_BONVOY", "Marriott Bonvoy", "hotel"),
        ]
    ),
    document("doc-amex", "Membership Rewards transfer partners"),
    document("doc-hotel", "Marriott Bonvoy terms"),
    document("doc-elite", "Aeroplan status"),
    document("doc-misc", "Unrelated"),
    {
        "type": "transferPartnership",
        "fromProgramId": "AMEX_MR",
        "toProgramId": "AC_AEROPLAN",
        "ratioFrom": 1,
        "ratioTo": 1,
        "minimumTransfer": 1000,
        "sourceDocumentId": "doc-amex",
    },
    {
        "type": "transferPartnership",
        "fromProgramId": "MARRIOTT_BONVOY",
        "toProgramId": "AC_AEROPLAN",
        "ratioFrom": 3,
        "ratioTo": 1,
        "expirationDate": "2025-12-31",  # no longer in force
        "sourceDocumentId": "doc-hotel",
    },
    {
        "type": "eliteTier",
        "programId": "AC_AEROPLAN",
        "tierId": "25k",
        "name": "25K",
        "rank": 1,
        "sourceDocumentId": "doc-elite",
    },
    passage(
        "doc-amex",
        "Membership Rewards points transfer to Aeroplan at a 1:1 ratio in increments of 1,000.",
    ),
    passage("doc-hotel", "Marriott Bonvoy points expire after 24 months without activity."),
    passage("doc-elite", "Aeroplan 25K status requires 25,000 status qualifying miles."),
    passage("doc-misc", "The lounge serves coffee and croissants every morning."),
]


@pytest.fixture(scope="module")
def repo(make_repository: Callable[[list[Fact]], KnowledgeRepository]) -> KnowledgeRepository:
    return make_repository(KNOWLEDGE)


@pytest.fixture(scope="module")
def ask(
    repo: KnowledgeRepository,
    tool_caller: Callable[[KnowledgeRepository], Callable[[str, dict[str, Any]], dict[str, Any]]],
) -> Call:
    call = tool_caller(repo)
    return lambda payload: call("query_loyalty_knowledge", {"asOfDate": "2026-06-01", **payload})


@pytest.mark.parametrize(
    ("question", "kind", "expected"),
    [
        ("Can I move my Amex points to Aeroplan?", "program", {"AMEX_MR", "AC_AEROPLAN"}),
        ("membership rewards to marriott", "program", {"AMEX_MR", "MARRIOTT_BONVOY"}),
        ("Does Air Canada fly there? And AC?", "airline", {"AC"}),
        ("Is it in Star Alliance?", "alliance", {"star_alliance"}),
        ("Flights from NYC to FRA", "airport", {"JFK", "EWR", "LGA", "FRA"}),
    ],
)
def test_entities__recognises_names_aliases_and_codes(
    repo: KnowledgeRepository, question: str, kind: str, expected: set[str]
) -> None:
    # GIVEN a question naming entities by name, curated alias or code
    # WHEN entities are recognised  THEN the entity ids of that kind
    assert KnowledgeSearch(repo).entities(question)[kind] == expected


def test_entities__words_inside_other_words_do_not_match(repo: KnowledgeRepository) -> None:
    # GIVEN "citizens" (contains no alias) and "Amexico" (not the word "amex")
    # WHEN entities are recognised  THEN no program
    assert KnowledgeSearch(repo).entities("Amexico citizens")["program"] == set()


def test_query__ranks_the_relevant_passage_first(ask: Call) -> None:
    # GIVEN four passages  WHEN asked about Marriott points expiring
    response = ask({"question": "When do Marriott Bonvoy points expire?"})
    # THEN the expiry passage is first, with a positive score
    assert response["passages"][0]["passageId"] == "doc-hotel#1"
    assert response["passages"][0]["score"] > 0
    # AND the unrelated passage is not returned
    assert "doc-misc#1" not in {p["passageId"] for p in response["passages"]}


def test_query__returns_facts_around_named_programs(ask: Call) -> None:
    # GIVEN Amex and Aeroplan named  WHEN asked
    response = ask({"question": "Do Amex points transfer to Aeroplan?"})
    facts = {(f["type"], f.get("fromProgramId"), f.get("tierId")) for f in response["facts"]}
    # THEN the programs, the transfer in force and Aeroplan's tier, with their sources;
    # the expired Marriott transfer is left out
    assert ("transferPartnership", "AMEX_MR", None) in facts
    assert ("transferPartnership", "MARRIOTT_BONVOY", None) not in facts
    assert ("eliteTier", None, "25k") in facts
    assert {f["programId"] for f in response["facts"] if f["type"] == "loyaltyProgram"} == {
        "AMEX_MR",
        "AC_AEROPLAN",
    }
    transfer = next(f for f in response["facts"] if f["type"] == "transferPartnership")
    assert transfer["sourceDocumentId"] == "doc-amex"


def test_query__every_document_used_in_the_answer_is_cited(ask: Call) -> None:
    # GIVEN facts and passages from several documents
    response = ask({"question": "Do Amex points transfer to Aeroplan?"})
    # WHEN answered
    used = set(re.findall(r"\[([^\]]+)\]", response["answer"]))
    cited = {c["documentId"]: c for c in response["citations"]}
    # THEN the answer cites the transfer's and the tier's documents, each listed in citations
    assert {"doc-amex", "doc-elite"} <= used
    assert used <= set(cited)
    assert cited["doc-amex"] == {
        "documentId": "doc-amex",
        "sourceUrl": "https://example.com/doc-amex",
        "title": "Membership Rewards transfer partners",
    }


def test_query__program_ids_add_programs_and_limit_caps_passages(ask: Call) -> None:
    # GIVEN a question naming nothing, programIds [MARRIOTT_BONVOY] and limit 1
    response = ask({"question": "points expire", "programIds": ["MARRIOTT_BONVOY"], "limit": 1})
    # WHEN answered  THEN the Marriott program is among the facts and one passage is returned
    assert {f.get("programId") for f in response["facts"]} >= {"MARRIOTT_BONVOY"}
    assert [p["passageId"] for p in response["passages"]] == ["doc-hotel#1"]


def test_query__unknown_program_id_is_an_invalid_request(ask: Call) -> None:
    # GIVEN programIds naming an unknown program  WHEN asked  THEN invalid_request on the field
    with pytest.raises(InvalidRequest) as raised:
        ask({"question": "anything", "programIds": ["AMEX_MR", "NOPE"]})
    assert raised.value.field == "programIds[1]"
