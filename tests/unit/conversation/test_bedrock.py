"""The Bedrock provider on a real ``bedrock-runtime`` client with botocore's Stubber: the
Converse request it sends, tool uses, retries on throttling, malformed tool input."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from tests.unit.conversation.conftest import TRAVELLER, asks, use

from loyalty_maximizer.conversation.errors import ModelUnavailable
from loyalty_maximizer.conversation.messages import (
    AssistantMessage,
    TokenUsage,
    ToolError,
    ToolResultMessage,
    ToolUse,
    UserMessage,
)
from loyalty_maximizer.conversation.providers.base import ModelRequest, tool_specs
from loyalty_maximizer.conversation.providers.bedrock import BedrockProvider
from loyalty_maximizer.model_calls import CallPacing
from loyalty_maximizer.tools.registry import TOOLS

MODEL_ID = "anthropic.claude-3-5-haiku-20241022-v1:0"
QUESTION = {"question": "Amex to Flying Club?"}


@dataclass
class Bedrock:
    client: Any
    stubber: Stubber
    requests: list[dict[str, Any]] = field(default_factory=list)

    def answer(self, *content: dict[str, Any], stop: str = "end_turn") -> None:
        self.stubber.add_response(
            "converse",
            {
                "output": {"message": {"role": "assistant", "content": list(content)}},
                "stopReason": stop,
                "usage": {"inputTokens": 1200, "outputTokens": 80, "totalTokens": 1280},
                "metrics": {"latencyMs": 700},
            },
        )

    def fail(self, code: str, status: int) -> None:
        self.stubber.add_client_error(
            "converse",
            service_error_code=code,
            service_message="slow down",
            http_status_code=status,
        )


@pytest.fixture
def bedrock() -> Iterator[Bedrock]:
    client = boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    fake = Bedrock(client, Stubber(client))

    def keep(params: dict[str, Any], **_: Any) -> None:
        fake.requests.append(copy.deepcopy(params))

    client.meta.events.register("provide-client-params.bedrock-runtime.Converse", keep)
    with fake.stubber:
        yield fake
    fake.stubber.assert_no_pending_responses()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def provider(bedrock: Bedrock, sleeps: list[float]) -> BedrockProvider:
    pacing = CallPacing(max_retries=2, base_delay=1.0, sleep=sleeps.append, random=lambda: 0.5)
    return BedrockProvider(bedrock.client, MODEL_ID, pacing=pacing)


def request(*messages: Any, final: bool = False) -> ModelRequest:
    return ModelRequest(
        system="You help frequent flyers.",
        messages=list(messages) or [UserMessage(text="Amex to VS?")],
        tools=tool_specs(),
        max_tokens=1024,
        final=final,
    )


def test_complete__a_tool_use_turn(bedrock: Bedrock, provider: BedrockProvider) -> None:
    # GIVEN a model that says something and asks for a tool
    bedrock.answer(
        {"text": "Let me check the transfer partners."},
        {
            "toolUse": {
                "toolUseId": "tooluse_1",
                "name": "query_loyalty_knowledge",
                "input": QUESTION,
            }
        },
        stop="tool_use",
    )

    # WHEN the provider completes a request
    reply = provider.complete(request())

    # THEN the reply carries the text, the tool use and the usage
    assert reply == AssistantMessage(
        text="Let me check the transfer partners.",
        tool_uses=[
            ToolUse(tool_use_id="tooluse_1", name="query_loyalty_knowledge", input=QUESTION)
        ],
        stop_reason="tool_use",
        usage=TokenUsage(input_tokens=1200, output_tokens=80),
    )
    # AND the request named the model, the system prompt, the limits and every tool
    (sent,) = bedrock.requests
    assert sent["modelId"] == MODEL_ID
    assert sent["system"] == [{"text": "You help frequent flyers."}]
    assert sent["inferenceConfig"] == {"maxTokens": 1024, "temperature": 0.0}
    specs = [t["toolSpec"] for t in sent["toolConfig"]["tools"]]
    assert [s["name"] for s in specs] == list(TOOLS)
    assert all(s["inputSchema"] == {"json": TOOLS[s["name"]].input_schema()} for s in specs)


def test_complete__history_becomes_alternating_converse_messages(
    bedrock: Bedrock, provider: BedrockProvider
) -> None:
    bedrock.answer({"text": "Yes, 1:1."})
    history = [
        UserMessage(text="Amex to VS?"),
        asks(
            use("query_loyalty_knowledge", QUESTION, "u1"),
            use("get_user_profile", {"userId": TRAVELLER}, "u2"),
        ),
        ToolResultMessage(
            tool_use_id="u1", name="query_loyalty_knowledge", ok=True, content={"answer": "1:1"}
        ),
        ToolResultMessage(
            tool_use_id="u2",
            name="get_user_profile",
            ok=False,
            error=ToolError(code="forbidden", message="not yours"),
        ),
    ]

    provider.complete(request(*history))

    assert bedrock.requests[0]["messages"] == [
        {"role": "user", "content": [{"text": "Amex to VS?"}]},
        {
            "role": "assistant",
            "content": [
                {
                    "toolUse": {
                        "toolUseId": "u1",
                        "name": "query_loyalty_knowledge",
                        "input": QUESTION,
                    }
                },
                {
                    "toolUse": {
                        "toolUseId": "u2",
                        "name": "get_user_profile",
                        "input": {"userId": TRAVELLER},
                    }
                },
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": "u1",
                        "content": [{"json": {"answer": "1:1"}}],
                        "status": "success",
                    }
                },
                {
                    "toolResult": {
                        "toolUseId": "u2",
                        "content": [
                            {"json": {"error": {"code": "forbidden", "message": "not yours"}}}
                        ],
                        "status": "error",
                    }
                },
            ],
        },
    ]


def test_complete__throttling_then_success_retries_with_backoff(
    bedrock: Bedrock, provider: BedrockProvider, sleeps: list[float]
) -> None:
    bedrock.fail("ThrottlingException", 429)
    bedrock.fail("ServiceUnavailableException", 503)
    bedrock.answer({"text": "Done."})

    reply = provider.complete(request())

    assert reply.text == "Done."
    assert sleeps == [0.75, 1.5]  # half to all of 1 s, then of 2 s; jitter drawn at 0.5


def test_complete__throttled_past_the_retries_is_model_unavailable(
    bedrock: Bedrock, provider: BedrockProvider
) -> None:
    for _ in range(3):
        bedrock.fail("ThrottlingException", 429)

    with pytest.raises(ModelUnavailable, match=r"ThrottlingException.*3 attempt"):
        provider.complete(request())


def test_complete__a_refused_request_is_not_retried(
    bedrock: Bedrock, provider: BedrockProvider, sleeps: list[float]
) -> None:
    bedrock.fail("ValidationException", 400)

    with pytest.raises(ModelUnavailable, match="ValidationException"):
        provider.complete(request())
    assert sleeps == []


def test_complete__a_malformed_tool_input_becomes_a_tool_use_with_an_error(
    bedrock: Bedrock, provider: BedrockProvider
) -> None:
    bedrock.answer(
        {
            "toolUse": {
                "toolUseId": "tooluse_bad",
                "name": "analyze_award_redemption_strategies",
                "input": '{"origin": "NYC", "destination": ',
            }
        },
        stop="tool_use",
    )

    reply = provider.complete(request())

    (bad,) = reply.tool_uses
    assert bad.input == {}
    assert bad.input_error is not None
    assert "not a JSON object" in bad.input_error


@pytest.mark.parametrize(
    ("stop", "reason"),
    [("end_turn", "end_turn"), ("max_tokens", "max_tokens"), ("guardrail_intervened", "other")],
)
def test_complete__maps_the_stop_reason(
    bedrock: Bedrock, provider: BedrockProvider, stop: str, reason: str
) -> None:
    bedrock.answer({"text": "..."}, stop=stop)

    assert provider.complete(request()).stop_reason == reason
