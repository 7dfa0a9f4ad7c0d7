"""Tools for a caller over a long-lived repository: stale reference data is re-read, the
passage index follows it, and a caller reads only its own profile."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import pytest
from tests.unit.conversation.conftest import OTHER, TRAVELLER

from loyalty_maximizer.conversation.memory import MemoryProfileStore
from loyalty_maximizer.conversation.tool_runner import ToolRunner
from loyalty_maximizer.errors import Forbidden
from loyalty_maximizer.graph import queries, repository
from loyalty_maximizer.graph.embedded import EmbeddedGraph
from loyalty_maximizer.graph.repository import KnowledgeRepository


class CountingRunner:
    def __init__(self, graph: EmbeddedGraph) -> None:
        self.graph = graph
        self.texts: list[str] = []

    def query(self, text: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.texts.append(text)
        return self.graph.query(text, params)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_refresh__forgets_every_cached_read() -> None:
    cached = {n for n, v in vars(KnowledgeRepository).items() if isinstance(v, cached_property)}
    assert cached == set(repository._CACHED_PROPERTIES)


def test_refresh_if_stale__rereads_reference_data_only_after_max_age(
    sample_graph: EmbeddedGraph,
) -> None:
    runner, clock = CountingRunner(sample_graph), Clock()
    repo = KnowledgeRepository(runner, max_age=300, clock=clock)
    assert "AMEX_MR" in repo.programs
    repo.award_prices("business")

    clock.now += 299
    assert repo.refresh_if_stale() is False
    repo.programs  # noqa: B018 - still cached
    assert runner.texts.count(queries.PROGRAMS) == 1

    clock.now += 1
    assert repo.refresh_if_stale() is True
    assert repo.generation == 1
    assert "AMEX_MR" in repo.programs
    repo.award_prices("business")
    assert runner.texts.count(queries.PROGRAMS) == 2
    assert runner.texts.count(queries.AWARD_PRICES) == 2


def test_refresh_if_stale__never_without_max_age(sample_graph: EmbeddedGraph) -> None:
    clock = Clock()
    repo = KnowledgeRepository(sample_graph, clock=clock)
    clock.now += 10**9
    assert repo.refresh_if_stale() is False


def test_context__shares_one_search_index_until_the_repository_refreshes(
    sample_graph: EmbeddedGraph,
) -> None:
    clock = Clock()
    runner = ToolRunner(KnowledgeRepository(sample_graph, max_age=60, clock=clock), None)

    first, second = runner.context(TRAVELLER), runner.context(OTHER)
    assert first.search is second.search
    assert (first.caller_id, second.caller_id) == (TRAVELLER, OTHER)

    clock.now += 60
    assert runner.context(TRAVELLER).search is not first.search


def test_call__a_caller_reads_only_its_own_profile(
    sample_repository: KnowledgeRepository, profiles: MemoryProfileStore
) -> None:
    runner = ToolRunner(sample_repository, profiles)

    assert runner.call(TRAVELLER, "get_user_profile", {"userId": TRAVELLER})["userId"] == (
        TRAVELLER
    )
    with pytest.raises(Forbidden):
        runner.call(TRAVELLER, "get_user_profile", {"userId": OTHER})
