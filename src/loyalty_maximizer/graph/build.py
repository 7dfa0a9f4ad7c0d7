"""Facts to graph rows: nodes and edges with deterministic ids and scalar properties."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from loyalty_maximizer.facts.models import (
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
from loyalty_maximizer.graph.schema import EDGE_OF_MODEL, LABEL_OF_MODEL, columns_of


@dataclass(frozen=True)
class NodeRow:
    label: str
    id: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class EdgeRow:
    label: str
    id: str
    from_label: str
    from_id: str
    to_label: str
    to_id: str
    properties: dict[str, Any]


@dataclass
class GraphRows:
    nodes: list[NodeRow]
    edges: list[EdgeRow]


def _digest(data: dict[str, Any]) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:20]


def node_id(fact: FactModel) -> str:
    """The deterministic id of the node a fact becomes."""
    match fact:
        case Alliance():
            return f"alliance:{fact.alliance_id}"
        case Airline():
            return f"airline:{fact.airline_id}"
        case Airport():
            return f"airport:{fact.airport_id}"
        case LoyaltyProgram():
            return f"program:{fact.program_id}"
        case AwardRegion():
            return f"region:{fact.program_id}:{fact.region_id}"
        case EarningRule():
            return f"rule:{fact.rule_id}"
        case EliteTier():
            return f"tier:{fact.program_id}:{fact.tier_id}"
        case WebSourceDocument():
            return f"doc:{fact.document_id}"
        case Passage():
            return f"passage:{fact.passage_id}"
        case AwardPrice():
            return f"price:{_digest(fact.to_json_dict())}"
    raise TypeError(f"{type(fact).__name__} is not a node fact")


def properties_of(fact: FactModel) -> dict[str, Any]:
    """Scalar properties of a fact: lists and objects become compact JSON text."""
    data = fact.model_dump(mode="json", by_alias=True)
    result: dict[str, Any] = {}
    for column in columns_of(type(fact)):
        value = data.get(column.name)
        if column.encoded and value is not None:
            value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        result[column.name] = value
    return result


def fact_from_properties(model: type[FactModel], row: dict[str, Any]) -> FactModel:
    """Rebuild a fact from the properties a query returned (the inverse of properties_of)."""
    data: dict[str, Any] = {}
    for column in columns_of(model):
        value = row.get(column.name)
        if value is None:
            continue
        data[column.name] = json.loads(value) if column.encoded else value
    return model.model_validate(data, strict=False)


def _edge(label: str, a: tuple[str, str], b: tuple[str, str], fact: FactModel | None) -> EdgeRow:
    props = properties_of(fact) if fact is not None else {}
    suffix = f":{_digest(fact.to_json_dict())}" if fact is not None else ""
    return EdgeRow(label, f"{label}:{a[1]}->{b[1]}{suffix}", a[0], a[1], b[0], b[1], props)


def _node_edges(fact: FactModel, me: tuple[str, str]) -> Iterable[EdgeRow]:
    program = ("LoyaltyProgram", "")
    match fact:
        case Airline(alliance_id=alliance) if alliance is not None:
            yield _edge("MEMBER_OF", me, ("Alliance", f"alliance:{alliance}"), None)
        case LoyaltyProgram(operator_airline_id=operator) if operator is not None:
            yield _edge("OPERATES_PROGRAM", ("Airline", f"airline:{operator}"), me, None)
        case AwardRegion() | AwardPrice() | EliteTier():
            label = {AwardRegion: "HAS_REGION", AwardPrice: "PRICES", EliteTier: "HAS_TIER"}[
                type(fact)
            ]
            program = ("LoyaltyProgram", f"program:{fact.program_id}")
            yield _edge(label, program, me, None)
        case EarningRule():
            program = ("LoyaltyProgram", f"program:{fact.crediting_program_id}")
            yield _edge("CREDITS_TO", me, program, None)
            for airline in sorted(set(fact.operating_airline_ids) - {"*"}):
                yield _edge("APPLIES_TO", me, ("Airline", f"airline:{airline}"), None)
        case Passage():
            yield _edge("HAS_PASSAGE", ("WebSourceDocument", f"doc:{fact.document_id}"), me, None)
    source = getattr(fact, "source_document_id", None)
    if source is not None:
        yield _edge("EXTRACTED_FROM", me, ("WebSourceDocument", f"doc:{source}"), None)


def _fact_edge(fact: FactModel) -> EdgeRow:
    label = EDGE_OF_MODEL[type(fact)]
    match fact:
        case TransferPartnership() | TransferBonus():
            a = ("LoyaltyProgram", f"program:{fact.from_program_id}")
            b = ("LoyaltyProgram", f"program:{fact.to_program_id}")
        case BookablePartner():
            a = ("LoyaltyProgram", f"program:{fact.program_id}")
            b = ("Airline", f"airline:{fact.airline_id}")
        case Route():
            a = ("Airport", f"airport:{fact.origin}")
            b = ("Airport", f"airport:{fact.destination}")
        case _:
            raise TypeError(f"{type(fact).__name__} is not an edge fact")
    return _edge(label, a, b, fact)


def graph_rows(facts: Iterable[FactModel]) -> GraphRows:
    """Nodes and edges of validated facts, sorted by id so a rebuild is byte-identical."""
    nodes: dict[str, NodeRow] = {}
    edges: dict[str, EdgeRow] = {}
    for fact in facts:
        if type(fact) in LABEL_OF_MODEL:
            me = (LABEL_OF_MODEL[type(fact)], node_id(fact))
            nodes.setdefault(me[1], NodeRow(me[0], me[1], properties_of(fact)))
            for edge in _node_edges(fact, me):
                edges.setdefault(edge.id, edge)
        else:
            edge = _fact_edge(fact)
            edges.setdefault(edge.id, edge)
    return GraphRows(
        sorted(nodes.values(), key=lambda n: n.id), sorted(edges.values(), key=lambda e: e.id)
    )
