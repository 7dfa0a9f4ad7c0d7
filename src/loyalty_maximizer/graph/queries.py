"""Every openCypher query the tools run, parameterised, in the subset that both Amazon
Neptune and the embedded engine accept (scalar properties, ``IN $list``, explicit RETURN
columns, no engine-specific functions). The Neptune adapter sends the same text.
"""

from __future__ import annotations

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
from loyalty_maximizer.graph.schema import columns_of


def _returning(var: str, model: type[FactModel]) -> str:
    return ", ".join(f"{var}.{c.name} AS {c.name}" for c in columns_of(model))


ALLIANCES = f"MATCH (n:Alliance) RETURN {_returning('n', Alliance)} ORDER BY n.allianceId"

AIRLINES = f"MATCH (n:Airline) RETURN {_returning('n', Airline)} ORDER BY n.airlineId"

PROGRAMS = f"MATCH (n:LoyaltyProgram) RETURN {_returning('n', LoyaltyProgram)} ORDER BY n.programId"

BOOKABLE_PARTNERS = (
    "MATCH (:LoyaltyProgram)-[e:CAN_BOOK]->(:Airline) "
    f"RETURN {_returning('e', BookablePartner)} ORDER BY e.id"
)

TRANSFERS_FROM = (
    "MATCH (a:LoyaltyProgram)-[e:TRANSFERS_TO]->(:LoyaltyProgram) WHERE a.programId IN $programIds "
    f"RETURN {_returning('e', TransferPartnership)} ORDER BY e.id"
)

TRANSFERS_TOUCHING = (
    "MATCH (a:LoyaltyProgram)-[e:TRANSFERS_TO]->(b:LoyaltyProgram) "
    "WHERE a.programId IN $programIds OR b.programId IN $programIds "
    f"RETURN {_returning('e', TransferPartnership)} ORDER BY e.id"
)

TRANSFER_BONUSES_TOUCHING = (
    "MATCH (a:LoyaltyProgram)-[e:HAS_TRANSFER_BONUS]->(b:LoyaltyProgram) "
    "WHERE a.programId IN $programIds OR b.programId IN $programIds "
    f"RETURN {_returning('e', TransferBonus)} ORDER BY e.id"
)

AIRPORTS_BY_CODE = (
    f"MATCH (n:Airport) WHERE n.airportId IN $codes RETURN {_returning('n', Airport)} "
    "ORDER BY n.airportId"
)

AIRPORTS_BY_METRO = (
    f"MATCH (n:Airport) WHERE n.metroCode = $metro RETURN {_returning('n', Airport)} "
    "ORDER BY n.airportId"
)

ALL_AIRPORTS = f"MATCH (n:Airport) RETURN {_returning('n', Airport)} ORDER BY n.airportId"

ROUTES_TOUCHING = (
    "MATCH (a:Airport)-[e:FLIES]-(:Airport) WHERE a.airportId IN $codes "
    f"RETURN DISTINCT e.id AS id, {_returning('e', Route)} ORDER BY id"
)

REGIONS_OF_PROGRAMS = (
    "MATCH (n:AwardRegion) WHERE n.programId IN $programIds "
    f"RETURN n.id AS id, {_returning('n', AwardRegion)}"
)

AWARD_PRICES = (
    "MATCH (n:AwardPrice) WHERE n.cabin = $cabin "
    f"RETURN n.id AS id, {_returning('n', AwardPrice)} ORDER BY n.id"
)

EARNING_RULES_OF_PROGRAMS = (
    "MATCH (n:EarningRule)-[:CREDITS_TO]->(p:LoyaltyProgram) WHERE p.programId IN $programIds "
    f"RETURN n.id AS id, {_returning('n', EarningRule)} ORDER BY n.ruleId"
)

EARNING_RULES_FOR_AIRLINES = (
    "MATCH (n:EarningRule)-[:APPLIES_TO]->(a:Airline) WHERE a.airlineId IN $airlineIds "
    f"RETURN DISTINCT n.id AS id, {_returning('n', EarningRule)} ORDER BY id"
)

EARNING_RULES_FOR_ANY_AIRLINE = (
    "MATCH (n:EarningRule) WHERE n.operatingAirlineIds CONTAINS '\"*\"' "
    f"RETURN n.id AS id, {_returning('n', EarningRule)} ORDER BY n.ruleId"
)

ELITE_TIERS = (
    "MATCH (p:LoyaltyProgram)-[:HAS_TIER]->(n:EliteTier) WHERE p.programId IN $programIds "
    f"RETURN n.id AS id, {_returning('n', EliteTier)} ORDER BY n.programId, n.rank"
)

DOCUMENTS_BY_ID = (
    "MATCH (n:WebSourceDocument) WHERE n.documentId IN $documentIds "
    f"RETURN {_returning('n', WebSourceDocument)} ORDER BY n.documentId"
)

PASSAGES = (
    "MATCH (d:WebSourceDocument)-[:HAS_PASSAGE]->(n:Passage) "
    f"RETURN {_returning('n', Passage)} ORDER BY n.passageId"
)

NODE_COUNT = "MATCH (n:{label}) RETURN count(n) AS c"
EDGE_COUNT = "MATCH ()-[r:{label}]->() RETURN count(r) AS c"

__all__ = [
    "AIRLINES",
    "AIRPORTS_BY_CODE",
    "AIRPORTS_BY_METRO",
    "ALLIANCES",
    "ALL_AIRPORTS",
    "AWARD_PRICES",
    "BOOKABLE_PARTNERS",
    "DOCUMENTS_BY_ID",
    "EARNING_RULES_FOR_AIRLINES",
    "EARNING_RULES_FOR_ANY_AIRLINE",
    "EARNING_RULES_OF_PROGRAMS",
    "ELITE_TIERS",
    "PASSAGES",
    "PROGRAMS",
    "REGIONS_OF_PROGRAMS",
    "ROUTES_TOUCHING",
    "TRANSFERS_FROM",
    "TRANSFERS_TOUCHING",
    "TRANSFER_BONUSES_TOUCHING",
]


def all_nodes(label: str) -> str:
    """Every node of one label with its properties (graph export)."""
    from loyalty_maximizer.graph.schema import NODE_TABLES

    model = next(t.model for t in NODE_TABLES if t.label == label)
    return f"MATCH (n:{label}) RETURN n.id AS id, {_returning('n', model)} ORDER BY n.id"


def all_fact_edges(label: str) -> str:
    """Every edge of one fact-carrying label with its properties (graph export)."""
    from loyalty_maximizer.graph.schema import EDGE_TABLES

    model = next(t.model for t in EDGE_TABLES if t.label == label)
    assert model is not None
    return f"MATCH ()-[e:{label}]->() RETURN e.id AS id, {_returning('e', model)} ORDER BY e.id"
