"""The agent_step handler on the sample ``ModelStep`` event, with a scripted model."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from tests.unit.conversation.conftest import ScriptedProvider, asks, use
from tests.unit.lambdas.conftest import LambdaContext, load_event, load_handler

from loyalty_maximizer.conversation.errors import ModelUnavailable
from loyalty_maximizer.conversation.memory import MemoryConversationStore, MemoryProfileStore
from loyalty_maximizer.conversation.messages import AssistantMessage, TokenUsage, UserMessage
from loyalty_maximizer.conversation.providers.base import ModelRequest
from loyalty_maximizer.conversation.runtime import Runtime

# A failed step publishes no metric, which Powertools warns about.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

EVENT = load_event("sfn_agent_step")
SUB, CONVERSATION = EVENT["userId"], EVENT["conversationId"]
NOW = dt.datetime(2026, 11, 22, 10, 15, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def handler() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POWERTOOLS_SERVICE_NAME", "agent_step")
        patch.setenv("POWERTOOLS_METRICS_NAMESPACE", "LoyaltyMaximizer")
        yield load_handler("agent_step")


@pytest.fixture
def conversations() -> MemoryConversationStore:
    store = MemoryConversationStore(clock=lambda: NOW, new_id=lambda: CONVERSATION)
    store.create(SUB, "Transfers")
    store.append(SUB, CONVERSATION, UserMessage(text="Can Amex points go to Flying Club?"))
    return store


def run(
    handler: ModuleType,
    provider: Any,
    conversations: MemoryConversationStore,
    context: LambdaContext,
) -> dict[str, Any]:
    handler.runtime = Runtime(
        {"PROFILES_TABLE": "t", "MAX_TOOL_ITERATIONS": "4"},
        profiles=MemoryProfileStore(),
        conversations=conversations,
        provider=provider,
        clock=lambda: NOW,
    )
    result: dict[str, Any] = handler.lambda_handler(EVENT, context)
    return result


def test_model_step__returns_the_tool_calls_and_counts_tokens(
    handler: ModuleType,
    conversations: MemoryConversationStore,
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reply = asks(use("query_loyalty_knowledge", {"question": "Amex to VS?"}, "tooluse_1"))
    provider = ScriptedProvider(
        [reply.model_copy(update={"usage": TokenUsage(input_tokens=1500, output_tokens=60)})]
    )

    result = run(handler, provider, conversations, lambda_context)

    assert result["done"] is False
    assert result["iteration"] == 1
    assert result["toolCalls"] == [
        {
            "toolUseId": "tooluse_1",
            "name": "query_loyalty_knowledge",
            "input": {"question": "Amex to VS?"},
        }
    ]
    json.dumps(result)  # the state machine's payload is JSON
    stored = conversations.turns(CONVERSATION)[-1].message
    assert isinstance(stored, AssistantMessage)
    assert stored.iteration == 1
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    metrics = {k: v for record in emf for k, v in record.items() if k != "_aws"}
    assert (metrics["ModelSteps"], metrics["InputTokens"], metrics["OutputTokens"]) == (
        [1.0],
        [1500.0],
        [60.0],
    )


def test_model_step__an_answer_is_done(
    handler: ModuleType, conversations: MemoryConversationStore, lambda_context: LambdaContext
) -> None:
    def answer(request: ModelRequest) -> AssistantMessage:
        assert SUB in request.system
        return AssistantMessage(text="Yes, at 1:1.")

    result = run(handler, ScriptedProvider([answer]), conversations, lambda_context)

    assert (result["done"], result["answer"], result["toolCalls"]) == (True, "Yes, at 1:1.", [])


def test_model_step__a_model_without_an_answer_fails_the_task(
    handler: ModuleType, conversations: MemoryConversationStore, lambda_context: LambdaContext
) -> None:
    class Down:
        def complete(self, request: ModelRequest) -> AssistantMessage:
            raise ModelUnavailable("the model gave no answer: Bedrock ThrottlingException")

    with pytest.raises(ModelUnavailable):
        run(handler, Down(), conversations, lambda_context)
    assert len(conversations.turns(CONVERSATION)) == 1
