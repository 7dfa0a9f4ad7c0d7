"""Fixtures for the conversation tests.

- ``clock``: a fixed "now" (2026-11-22 10:15:30 UTC) for stores and steps.
- ``profiles`` / ``conversations``: in-memory stores; ``profiles`` holds ``TRAVELLER``'s
  profile and ``OTHER``'s.
- ``tools``: a ``ToolRunner`` over the session's sample knowledge graph.
- ``ScriptedProvider``: a model provider that answers from a script and keeps requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pytest

from loyalty_maximizer.conversation.memory import MemoryConversationStore, MemoryProfileStore
from loyalty_maximizer.conversation.messages import AssistantMessage, ToolUse
from loyalty_maximizer.conversation.providers.base import ModelRequest
from loyalty_maximizer.conversation.tool_runner import ToolRunner
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import UserProfile

NOW = dt.datetime(2026, 11, 22, 10, 15, 30, tzinfo=dt.UTC)
NOW_MS = int(NOW.timestamp() * 1000)
TRAVELLER = "7c1f3b2a-5d4e-4f60-9a8b-1c2d3e4f5a6b"
OTHER = "0b9e8d7c-6f5a-4b3c-2d1e-0f9a8b7c6d5e"

TRAVELLER_PROFILE = UserProfile.model_validate(
    {
        "userId": TRAVELLER,
        "loyaltyPrograms": [
            {
                "programId": "AMEX_MR",
                "redeemableBalance": {"amount": 100000, "currencyName": "points"},
            }
        ],
        "preferences": {"homeAirport": "JFK"},
    }
)
OTHER_PROFILE = UserProfile.model_validate({"userId": OTHER})


def use(name: str, tool_input: dict[str, object], tool_use_id: str | None = None) -> ToolUse:
    return ToolUse(tool_use_id=tool_use_id or f"use-{name}", name=name, input=tool_input)


def asks(*uses: ToolUse, text: str = "") -> AssistantMessage:
    return AssistantMessage(text=text, tool_uses=list(uses), stop_reason="tool_use")


def says(text: str) -> AssistantMessage:
    return AssistantMessage(text=text, stop_reason="end_turn")


@dataclass
class ScriptedProvider:
    """Answers each ``complete`` with the next scripted reply (a message, or a function of
    the request); keeps every request."""

    script: list[AssistantMessage | Callable[[ModelRequest], AssistantMessage]]
    requests: list[ModelRequest] = field(default_factory=list)

    def complete(self, request: ModelRequest) -> AssistantMessage:
        self.requests.append(request)
        if not self.script:
            raise AssertionError("the provider was called more often than scripted")
        reply = self.script.pop(0)
        return reply(request) if callable(reply) else reply


def scripted(replies: Iterable[AssistantMessage]) -> ScriptedProvider:
    return ScriptedProvider(list(replies))


@pytest.fixture
def clock() -> Callable[[], dt.datetime]:
    return lambda: NOW


@pytest.fixture
def profiles() -> MemoryProfileStore:
    return MemoryProfileStore(TRAVELLER_PROFILE, OTHER_PROFILE)


@pytest.fixture
def conversations(clock: Callable[[], dt.datetime]) -> MemoryConversationStore:
    return MemoryConversationStore(clock=clock)


@pytest.fixture
def tools(sample_repository: KnowledgeRepository, profiles: MemoryProfileStore) -> ToolRunner:
    return ToolRunner(sample_repository, profiles)
