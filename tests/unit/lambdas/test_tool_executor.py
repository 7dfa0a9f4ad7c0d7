"""The tool_executor handler on the sample ``RunTools`` event, over the sample graph."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from tests.unit.conversation.conftest import asks, use
from tests.unit.lambdas.conftest import LambdaContext, load_event, load_handler

from loyalty_maximizer.conversation.memory import MemoryConversationStore, MemoryProfileStore
from loyalty_maximizer.conversation.messages import ToolResultMessage, UserMessage
from loyalty_maximizer.conversation.runtime import Runtime
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import UserProfile

EVENT = load_event("sfn_tool_call")
SUB, CONVERSATION = EVENT["userId"], EVENT["conversationId"]
CALL = EVENT["toolCall"]
OTHER = "0b9e8d7c-6f5a-4b3c-2d1e-0f9a8b7c6d5e"
NOW = dt.datetime(2026, 11, 22, 10, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def handler() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POWERTOOLS_SERVICE_NAME", "tool_executor")
        patch.setenv("POWERTOOLS_METRICS_NAMESPACE", "LoyaltyMaximizer")
        yield load_handler("tool_executor")


@pytest.fixture
def conversations() -> MemoryConversationStore:
    """The conversation of the sample event, its model step having asked for the sample
    call and for another user's profile."""
    store = MemoryConversationStore(clock=lambda: NOW, new_id=lambda: CONVERSATION)
    store.create(SUB, "Transfers")
    store.append(SUB, CONVERSATION, UserMessage(text="Amex to Flying Club?"))
    store.append(
        SUB,
        CONVERSATION,
        asks(
            use(CALL["name"], CALL["input"], CALL["toolUseId"]),
            use("get_user_profile", {"userId": OTHER}, "tooluse_other"),
        ),
    )
    return store


@pytest.fixture
def invoke(
    handler: ModuleType,
    conversations: MemoryConversationStore,
    sample_repository: KnowledgeRepository,
    lambda_context: LambdaContext,
) -> Any:
    handler.runtime = Runtime(
        {"PROFILES_TABLE": "t", "NEPTUNE_ENDPOINT": "http://127.0.0.1:8182"},
        profiles=MemoryProfileStore(UserProfile(user_id=OTHER)),
        conversations=conversations,
        repository=sample_repository,
        clock=lambda: NOW,
    )
    return lambda event: handler.lambda_handler(event, lambda_context)


def test_tool_call__runs_and_stores_the_result_but_returns_only_its_status(
    invoke: Any, conversations: MemoryConversationStore
) -> None:
    result = invoke(EVENT)

    assert result == {"toolUseId": CALL["toolUseId"], "name": "query_loyalty_knowledge", "ok": True}
    stored = conversations.turns(CONVERSATION)[-1].message
    assert isinstance(stored, ToolResultMessage)
    assert stored.content["citations"][0]["documentId"] == "doc-amex-partners"


def test_tool_call__another_users_profile_is_ok_false_forbidden(
    invoke: Any, conversations: MemoryConversationStore
) -> None:
    event = copy.deepcopy(EVENT)
    event["toolCall"] = {
        "toolUseId": "tooluse_other",
        "name": "get_user_profile",
        "input": {"userId": OTHER},
    }

    result = invoke(event)

    assert result["ok"] is False
    assert result["error"]["code"] == "forbidden"
    stored = conversations.turns(CONVERSATION)[-1].message
    assert isinstance(stored, ToolResultMessage)
    assert stored.content is None
