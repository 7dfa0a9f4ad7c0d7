"""The facts a graph holds, read back through openCypher: the inverse of building it.
Incremental ingestion merges new facts into these, and backups use them."""

from __future__ import annotations

from loyalty_maximizer.facts.models import FactModel
from loyalty_maximizer.graph import queries
from loyalty_maximizer.graph.build import fact_from_properties
from loyalty_maximizer.graph.repository import CypherRunner
from loyalty_maximizer.graph.schema import EDGE_TABLES, NODE_TABLES


def export_facts(runner: CypherRunner) -> list[FactModel]:
    """Every fact of the graph: node facts, then the facts edges carry."""
    facts: list[FactModel] = []
    for node in NODE_TABLES:
        for row in runner.query(queries.all_nodes(node.label)):
            facts.append(fact_from_properties(node.model, row))
    for edge in EDGE_TABLES:
        if edge.model is None:
            continue
        for row in runner.query(queries.all_fact_edges(edge.label)):
            facts.append(fact_from_properties(edge.model, row))
    return facts
