"""Tools run for a caller, over a knowledge repository that lives as long as the process
(a warm Lambda container): the repository's cached reference data is refreshed when it
has grown stale, and the passage search index is rebuilt only when it was."""

from __future__ import annotations

from typing import Any

from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import ProfileStore
from loyalty_maximizer.tools.knowledge import KnowledgeSearch
from loyalty_maximizer.tools.registry import ToolContext, call_tool


class ToolRunner:
    def __init__(self, repository: KnowledgeRepository, profiles: ProfileStore | None) -> None:
        self.repository = repository
        self.profiles = profiles
        self._search: KnowledgeSearch | None = None
        self._search_generation = -1

    def context(self, caller_id: str) -> ToolContext:
        """A tool context for one request by ``caller_id``, who may read only its own
        profile whatever a request names."""
        self.repository.refresh_if_stale()
        if self._search is None or self._search_generation != self.repository.generation:
            self._search = KnowledgeSearch(self.repository)
            self._search_generation = self.repository.generation
        context = ToolContext(self.repository, self.profiles, caller_id)
        # ToolContext.search is a cached_property: seeding it shares one index (built on
        # first use) across requests instead of building one per request.
        vars(context)["search"] = self._search
        return context

    def call(self, caller_id: str, name: str, payload: Any) -> dict[str, Any]:
        """Validate ``payload`` against the tool's request model, then run it for
        ``caller_id`` (``InvalidRequest`` for an unknown tool or a bad request)."""
        return call_tool(self.context(caller_id), name, payload)
