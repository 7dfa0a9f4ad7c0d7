"""The knowledge graph's node and edge model, derived from the facts models.

Every property is a scalar so the same graph fits Amazon Neptune's openCypher (which has no
list properties) and the embedded engine: lists and objects are stored as JSON text. Node
and edge ids are deterministic, so reloading the same facts gives the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

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

ColumnType = Literal["STRING", "INT64", "DOUBLE", "BOOLEAN"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    encoded: bool = False  # a list or object stored as JSON text


@dataclass(frozen=True)
class NodeTable:
    label: str
    model: type[FactModel]


@dataclass(frozen=True)
class EdgeTable:
    label: str
    pairs: tuple[tuple[str, str], ...]
    model: type[FactModel] | None = None  # the fact an edge carries, when it carries one


NODE_TABLES: tuple[NodeTable, ...] = (
    NodeTable("Alliance", Alliance),
    NodeTable("Airline", Airline),
    NodeTable("Airport", Airport),
    NodeTable("LoyaltyProgram", LoyaltyProgram),
    NodeTable("AwardRegion", AwardRegion),
    NodeTable("AwardPrice", AwardPrice),
    NodeTable("EarningRule", EarningRule),
    NodeTable("EliteTier", EliteTier),
    NodeTable("WebSourceDocument", WebSourceDocument),
    NodeTable("Passage", Passage),
)

_SOURCED_LABELS = tuple(t.label for t in NODE_TABLES if t.label != "WebSourceDocument")

EDGE_TABLES: tuple[EdgeTable, ...] = (
    EdgeTable("MEMBER_OF", (("Airline", "Alliance"),)),
    EdgeTable("OPERATES_PROGRAM", (("Airline", "LoyaltyProgram"),)),
    EdgeTable("TRANSFERS_TO", (("LoyaltyProgram", "LoyaltyProgram"),), TransferPartnership),
    EdgeTable("HAS_TRANSFER_BONUS", (("LoyaltyProgram", "LoyaltyProgram"),), TransferBonus),
    EdgeTable("CAN_BOOK", (("LoyaltyProgram", "Airline"),), BookablePartner),
    EdgeTable("FLIES", (("Airport", "Airport"),), Route),
    EdgeTable("HAS_REGION", (("LoyaltyProgram", "AwardRegion"),)),
    EdgeTable("PRICES", (("LoyaltyProgram", "AwardPrice"),)),
    EdgeTable("CREDITS_TO", (("EarningRule", "LoyaltyProgram"),)),
    EdgeTable("APPLIES_TO", (("EarningRule", "Airline"),)),
    EdgeTable("HAS_TIER", (("LoyaltyProgram", "EliteTier"),)),
    EdgeTable("HAS_PASSAGE", (("WebSourceDocument", "Passage"),)),
    EdgeTable("EXTRACTED_FROM", tuple((label, "WebSourceDocument") for label in _SOURCED_LABELS)),
)

LABEL_OF_MODEL: dict[type[FactModel], str] = {t.model: t.label for t in NODE_TABLES}
EDGE_OF_MODEL: dict[type[FactModel], str] = {
    t.model: t.label for t in EDGE_TABLES if t.model is not None
}

_JSON_TYPES: dict[str, ColumnType] = {
    "string": "STRING",
    "integer": "INT64",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
}


def _column(name: str, spec: dict[str, Any]) -> Column:
    options = spec.get("anyOf", [spec])
    kinds = {o.get("type") for o in options if o.get("type") != "null"}
    if kinds & {"array", "object"} or not kinds or "$ref" in str(options):
        return Column(name, "STRING", encoded=True)
    if len(kinds) != 1:
        raise TypeError(f"column {name} has several scalar types: {kinds}")
    return Column(name, _JSON_TYPES[kinds.pop()])


@cache
def columns_of(model: type[FactModel]) -> tuple[Column, ...]:
    """The property columns of a fact model (JSON field names; ``type`` left out)."""
    properties = model.model_json_schema(by_alias=True)["properties"]
    return tuple(_column(name, spec) for name, spec in properties.items() if name != "type")


def ddl() -> list[str]:
    """CREATE statements of the embedded engine for the whole model."""
    statements = []
    for node in NODE_TABLES:
        cols = ", ".join(f"{c.name} {c.type}" for c in columns_of(node.model))
        statements.append(f"CREATE NODE TABLE {node.label}(id STRING, {cols}, PRIMARY KEY(id))")
    for edge in EDGE_TABLES:
        pairs = ", ".join(f"FROM {a} TO {b}" for a, b in edge.pairs)
        cols = "".join(f", {c.name} {c.type}" for c in columns_of(edge.model)) if edge.model else ""
        statements.append(f"CREATE REL TABLE {edge.label}({pairs}, id STRING{cols})")
    return statements
