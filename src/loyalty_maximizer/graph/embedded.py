"""The embedded knowledge graph: LadybugDB in a knowledge-base directory.

A knowledge-base directory holds the database (``graph/``) and ``manifest.json``; loading
replaces both. Rows are bulk-copied from CSV files, the embedded engine's counterpart of
Neptune's bulk loader; the tools read the graph only through openCypher (``queries.py``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ladybug

from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.graph import queries
from loyalty_maximizer.graph.build import EdgeRow, GraphRows, NodeRow
from loyalty_maximizer.graph.schema import EDGE_TABLES, NODE_TABLES, Column, columns_of, ddl

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class KnowledgeBaseError(LoyaltyError):
    code = "knowledge_base"


def _csv_value(column: Column, value: Any) -> str | None:
    if value is None:
        return None
    if column.type == "BOOLEAN":
        return "true" if value else "false"
    return str(value)


def _csv_line(values: Sequence[str | None]) -> str:
    # The engine reads an unquoted empty field as null and a quoted one as "", so every
    # value is quoted and only null is left bare: an empty string survives the load.
    return ",".join("" if v is None else '"' + v.replace('"', '""') + '"' for v in values)


class EmbeddedGraph:
    """An open embedded graph; ``query`` runs parameterised openCypher."""

    def __init__(self, path: Path, *, read_only: bool = True) -> None:
        self.path = path
        self._db = ladybug.Database(str(path), read_only=read_only)
        self._conn = ladybug.Connection(self._db)

    def query(self, text: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        result = self._conn.execute(text, params or {})
        if isinstance(result, list):
            result = result[-1]
        names = result.get_column_names()
        return [dict(zip(names, row, strict=True)) for row in result.get_all()]

    def close(self) -> None:
        self._conn.close()
        self._db.close()

    def __enter__(self) -> EmbeddedGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _copy(
        self,
        table: str,
        header: list[str],
        rows: list[list[str | None]],
        work: Path,
        pair: tuple[str, str] | None = None,
    ) -> None:
        if not rows:
            return
        name = f"{table}_{pair[0]}_{pair[1]}" if pair else table
        path = work / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            handle.write(f"{_csv_line(header)}\n")
            handle.writelines(f"{_csv_line(row)}\n" for row in rows)
        options = "HEADER=true, PARALLEL=false"
        if pair is not None:
            options += f", from='{pair[0]}', to='{pair[1]}'"
        self._conn.execute(f"COPY {table} FROM '{path.as_posix()}' ({options})")

    def bulk_load(self, rows: GraphRows) -> None:
        """Create the schema and copy every node and edge into an empty database."""
        for statement in ddl():
            self._conn.execute(statement)
        with tempfile.TemporaryDirectory(prefix="loyalty-load-") as tmp:
            work = Path(tmp)
            for node in NODE_TABLES:
                columns = columns_of(node.model)
                self._copy(
                    node.label,
                    ["id", *(c.name for c in columns)],
                    [
                        [n.id, *(_csv_value(c, n.properties[c.name]) for c in columns)]
                        for n in rows.nodes
                        if n.label == node.label
                    ],
                    work,
                )
            for edge in EDGE_TABLES:
                columns = columns_of(edge.model) if edge.model else ()
                for pair in edge.pairs:
                    selected = [
                        _edge_csv(e, columns)
                        for e in rows.edges
                        if e.label == edge.label and (e.from_label, e.to_label) == pair
                    ]
                    header = ["from", "to", "id", *(c.name for c in columns)]
                    self._copy(
                        edge.label, header, selected, work, pair if len(edge.pairs) > 1 else None
                    )


def _edge_csv(edge: EdgeRow, columns: tuple[Column, ...]) -> list[str | None]:
    values = [_csv_value(c, edge.properties[c.name]) for c in columns]
    return [edge.from_id, edge.to_id, edge.id, *values]


def _check_kb_dir(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise KnowledgeBaseError(f"{directory} exists and is not a directory")
    if directory.is_dir() and any(directory.iterdir()) and not (directory / MANIFEST).exists():
        raise KnowledgeBaseError(
            f"{directory} is not empty and holds no knowledge base ({MANIFEST} missing); "
            "refusing to replace it: choose an empty or new directory"
        )


def stats_of(rows_nodes: list[NodeRow], rows_edges: list[EdgeRow]) -> dict[str, Any]:
    nodes = Counter(n.label for n in rows_nodes)
    edges = Counter(e.label for e in rows_edges)
    return {
        "nodes": len(rows_nodes),
        "edges": len(rows_edges),
        "nodesByType": dict(sorted(nodes.items())),
        "edgesByType": dict(sorted(edges.items())),
    }


def write_knowledge_base(directory: Path, rows: GraphRows) -> dict[str, Any]:
    """Replace the knowledge base in ``directory`` with ``rows``; return its summary."""
    _check_kb_dir(directory)
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".loading-", dir=directory))
    try:
        with EmbeddedGraph(staging / "graph", read_only=False) as graph:
            graph.bulk_load(rows)
        summary = stats_of(rows.nodes, rows.edges)
        manifest = {"formatVersion": FORMAT_VERSION, **summary}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for name in ("graph", MANIFEST):
            target = directory / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
            (staging / name).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return summary


def open_knowledge_base(directory: Path) -> EmbeddedGraph:
    if not (directory / MANIFEST).exists() or not (directory / "graph").exists():
        raise KnowledgeBaseError(
            f"{directory} holds no knowledge base: build one with `loyalty kb load FACTS --kb "
            f"{directory}`"
        )
    return EmbeddedGraph(directory / "graph")


def graph_stats(graph: EmbeddedGraph) -> dict[str, Any]:
    """Node and edge counts by type, read from the graph itself."""
    nodes = {
        t.label: graph.query(queries.NODE_COUNT.format(label=t.label))[0]["c"] for t in NODE_TABLES
    }
    edges = {
        t.label: graph.query(queries.EDGE_COUNT.format(label=t.label))[0]["c"] for t in EDGE_TABLES
    }
    nodes = {k: v for k, v in sorted(nodes.items()) if v}
    edges = {k: v for k, v in sorted(edges.items()) if v}
    return {
        "nodes": sum(nodes.values()),
        "edges": sum(edges.values()),
        "nodesByType": nodes,
        "edgesByType": edges,
    }
