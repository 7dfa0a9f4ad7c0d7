"""Fixtures for the tool tests: small knowledge bases built from fact records.

- ``make_repository(facts)``: a ``KnowledgeRepository`` over an embedded graph built from
  ``facts`` (a list of facts-format dicts, validated by the real loader). Identical fact
  lists share one graph for the whole session, so module-level worlds are built once.
- ``tool_caller(repo)``: ``call(name, payload)`` through ``call_tool`` (request validation
  included), the way the CLI, MCP and the agent call tools.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import (
    EmbeddedGraph,
    open_knowledge_base,
    write_knowledge_base,
)
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.registry import ToolContext, call_tool

Facts = Sequence[dict[str, Any]]
MakeRepository = Callable[[Facts], KnowledgeRepository]
ToolCall = Callable[[str, dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="session")
def make_repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeRepository]:
    built: dict[str, KnowledgeRepository] = {}
    graphs: list[EmbeddedGraph] = []

    def make(facts: Facts) -> KnowledgeRepository:
        text = "".join(json.dumps(f, sort_keys=True) + "\n" for f in facts)
        if text not in built:
            directory = tmp_path_factory.mktemp("tool-kb")
            path = directory / "facts.jsonl"
            path.write_text(text, encoding="utf-8")
            write_knowledge_base(directory / "kb", graph_rows(load_facts([path]).facts))
            graph = open_knowledge_base(directory / "kb")
            graphs.append(graph)
            built[text] = KnowledgeRepository(graph)
        return built[text]

    yield make
    for graph in graphs:
        graph.close()


@pytest.fixture(scope="session")
def tool_caller() -> Callable[[KnowledgeRepository], ToolCall]:
    def bind(repo: KnowledgeRepository) -> ToolCall:
        return lambda name, payload: call_tool(ToolContext(repo), name, payload)

    return bind
