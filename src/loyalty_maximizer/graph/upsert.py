"""Amazon Neptune's bulk-loader semantics over graph rows: a load adds the nodes and
relationships it names by id and updates the properties of those the graph already holds;
it deletes nothing.

- ``graph_rows_of`` reads every node and relationship back from an open graph (the inverse
  of ``EmbeddedGraph.bulk_load``).
- ``read_load`` reads a load's bulk-load CSV files as ``read_neptune_csv`` does, except that a
  relationship may start or end at a node the graph already holds (Neptune resolves
  relationship ends against the whole graph, not only the files of the load).
- ``upsert_rows`` merges a load into the graph's rows: a property the load leaves empty
  keeps its value, as an empty field is no property to Neptune's loader.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from loyalty_maximizer.graph.build import EdgeRow, GraphRows, NodeRow
from loyalty_maximizer.graph.neptune_csv import (
    NeptuneCsvError,
    read_neptune_csv,
    write_neptune_csv,
)
from loyalty_maximizer.graph.repository import CypherRunner
from loyalty_maximizer.graph.schema import EDGE_TABLES, NODE_TABLES, columns_of

# Files that stand in for nodes the graph already holds sort after the load's own files.
_EXISTING_PREFIX = "~graph-existing-"


def _returning(variable: str, names: list[str]) -> str:
    return ", ".join(f"{variable}.`{name}` AS `{name}`" for name in names)


def graph_rows_of(runner: CypherRunner) -> GraphRows:
    """Every node and relationship of a graph as rows, sorted by id."""
    nodes: list[NodeRow] = []
    for node in NODE_TABLES:
        names = [c.name for c in columns_of(node.model)]
        text = f"MATCH (n:{node.label}) RETURN n.id AS `~id`, {_returning('n', names)}"
        for row in runner.query(text):
            nodes.append(NodeRow(node.label, row["~id"], {name: row[name] for name in names}))
    edges: list[EdgeRow] = []
    for edge in EDGE_TABLES:
        names = [c.name for c in columns_of(edge.model)] if edge.model else []
        properties = f", {_returning('e', names)}" if names else ""
        for start, end in edge.pairs:
            text = (
                f"MATCH (a:{start})-[e:{edge.label}]->(b:{end}) "
                f"RETURN e.id AS `~id`, a.id AS `~from`, b.id AS `~to`{properties}"
            )
            for row in runner.query(text):
                edges.append(
                    EdgeRow(
                        edge.label,
                        row["~id"],
                        start,
                        row["~from"],
                        end,
                        row["~to"],
                        {name: row[name] for name in names},
                    )
                )
    return GraphRows(sorted(nodes, key=lambda n: n.id), sorted(edges, key=lambda e: e.id))


def _is_relationship_file(path: Path) -> bool:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader([handle.readline()]), [])
    return ":START_ID" in header


def read_load(directory: Path, current: GraphRows) -> GraphRows:
    """The rows of the bulk-load files (``*.csv``) in ``directory``; a relationship may end at
    a node of ``current`` that the files do not hold. Raises ``NeptuneCsvError`` as
    ``read_neptune_csv`` does, naming the files in ``directory``."""
    paths = sorted(directory.glob("*.csv"))
    relationship_files = [p for p in paths if _is_relationship_file(p)]
    if not relationship_files or not current.nodes:
        return read_neptune_csv(directory)
    with tempfile.TemporaryDirectory(prefix="loyalty-upsert-") as tmp:
        work = Path(tmp)
        node_dir, combined = work / "nodes", work / "combined"
        node_dir.mkdir()
        combined.mkdir()
        node_files = [p for p in paths if p not in relationship_files]
        for path in paths:
            shutil.copyfile(path, combined / path.name)
        for path in node_files:
            shutil.copyfile(path, node_dir / path.name)
        try:
            loaded = {n.id for n in read_neptune_csv(node_dir).nodes} if node_files else set()
            existing = [n for n in current.nodes if n.id not in loaded]
            for written in write_neptune_csv(GraphRows(existing, []), work / "existing"):
                shutil.copyfile(written, combined / f"{_EXISTING_PREFIX}{written.name}")
            rows = read_neptune_csv(combined)
        except NeptuneCsvError as error:
            message = str(error)
            for place in (node_dir, combined):
                message = message.replace(str(place), str(directory))
            raise NeptuneCsvError(message) from error
    stand_ins = {n.id for n in existing}
    return GraphRows([n for n in rows.nodes if n.id not in stand_ins], rows.edges)


@dataclass(frozen=True)
class UpsertConflict:
    """A record of the load that contradicts the graph (and is left out of it)."""

    kind: Literal["node", "relationship"]
    id: str
    message: str


@dataclass
class Upsert:
    """The graph after a load, and what the load did to it."""

    rows: GraphRows
    added: int = 0
    updated: int = 0
    unchanged: int = 0  # records the graph already held exactly (Neptune's duplicates)
    conflicts: list[UpsertConflict] = field(default_factory=list)


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    return old | {name: value for name, value in new.items() if value is not None}


def upsert_rows(current: GraphRows, loaded: GraphRows) -> Upsert:
    """``current`` with ``loaded`` merged in by id. A node that exists under another label, or
    a relationship that exists with another type or other ends, is a conflict: it is left
    out, and so is every loaded relationship that ends at such a node."""
    result = Upsert(GraphRows([], []))
    nodes = {n.id: n for n in current.nodes}
    for node in loaded.nodes:
        old = nodes.get(node.id)
        if old is None:
            nodes[node.id] = node
            result.added += 1
        elif old.label != node.label:
            result.conflicts.append(
                UpsertConflict(
                    "node",
                    node.id,
                    f"node {node.id} is a {old.label} in the graph; the load makes it a "
                    f"{node.label} (a node keeps its label)",
                )
            )
        else:
            properties = _merged(old.properties, node.properties)
            if properties == old.properties:
                result.unchanged += 1
            else:
                nodes[node.id] = NodeRow(old.label, old.id, properties)
                result.updated += 1
    edges = {e.id: e for e in current.edges}
    for edge in loaded.edges:
        ends = [nodes.get(edge.from_id), nodes.get(edge.to_id)]
        wrong = [
            f"{node_id} is a {node.label if node else 'missing node'}, not a {label}"
            for node, node_id, label in zip(
                ends, (edge.from_id, edge.to_id), (edge.from_label, edge.to_label), strict=True
            )
            if node is None or node.label != label
        ]
        old_edge = edges.get(edge.id)
        if wrong:
            message = f"relationship {edge.id}: {'; '.join(wrong)} in the graph"
            result.conflicts.append(UpsertConflict("relationship", edge.id, message))
        elif old_edge is None:
            edges[edge.id] = edge
            result.added += 1
        elif (old_edge.label, old_edge.from_id, old_edge.to_id) != (
            edge.label,
            edge.from_id,
            edge.to_id,
        ):
            result.conflicts.append(
                UpsertConflict(
                    "relationship",
                    edge.id,
                    f"relationship {edge.id} is {old_edge.from_id}-[{old_edge.label}]->"
                    f"{old_edge.to_id} in the graph; the load gives {edge.from_id}-"
                    f"[{edge.label}]->{edge.to_id} (a relationship keeps its type and ends)",
                )
            )
        else:
            properties = _merged(old_edge.properties, edge.properties)
            if properties == old_edge.properties:
                result.unchanged += 1
            else:
                edges[edge.id] = EdgeRow(
                    old_edge.label,
                    old_edge.id,
                    old_edge.from_label,
                    old_edge.from_id,
                    old_edge.to_label,
                    old_edge.to_id,
                    properties,
                )
                result.updated += 1
    result.rows = GraphRows(
        sorted(nodes.values(), key=lambda n: n.id), sorted(edges.values(), key=lambda e: e.id)
    )
    return result
