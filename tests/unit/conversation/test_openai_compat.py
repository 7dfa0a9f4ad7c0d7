"""The OpenAI-compatible provider against a local chat-completions server (``http.server``
on 127.0.0.1 in a thread): the request, tool calls, 429 retries, malformed arguments."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from tests.unit.conversation.conftest import TRAVELLER, asks, use

from loyalty_maximizer.conversation.errors import ModelUnavailable
from loyalty_maximizer.conversation.messages import (
    TokenUsage,
    ToolError,
    ToolResultMessage,
    UserMessage,
)
from loyalty_maximizer.conversation.providers.base import ModelRequest, tool_specs
from loyalty_maximizer.conversation.providers.openai_compat import OpenAICompatibleProvider
from loyalty_maximizer.model_calls import CallPacing
from loyalty_maximizer.tools.registry import TOOLS

QUESTION = {"question": "Amex to Flying Club?"}


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ChatServer:
    """Answers ``POST /v1/chat/completions`` with the queued replies; keeps each request."""

    url: str = ""
    replies: list[Reply] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def completion(self, message: dict[str, Any], finish: str = "stop") -> None:
        self.replies.append(
            Reply(
                200,
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": {"prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940},
                },
            )
        )


@pytest.fixture(scope="module")
def server() -> Iterator[ChatServer]:
    state = ChatServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization"),
                    "body": json.loads(self.rfile.read(length)),
                }
            )
            reply = state.replies.pop(0) if state.replies else Reply(500, {"error": "no reply"})
            data = json.dumps(reply.body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def chat(server: ChatServer) -> Iterator[ChatServer]:
    server.replies.clear()
    server.requests.clear()
    yield server
    assert not server.replies, "queued replies were not used"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def provider(chat: ChatServer, sleeps: list[float]) -> Iterator[OpenAICompatibleProvider]:
    with requests.Session() as http:
        yield OpenAICompatibleProvider(
            chat.url,
            http=http,
            model="llama-3.1-8b-instruct",
            api_key="sk-local",
            pacing=CallPacing(max_retries=2, sleep=sleeps.append, random=lambda: 0.5),
        )


def request(*messages: Any, final: bool = False) -> ModelRequest:
    return ModelRequest(
        system="You help frequent flyers.",
        messages=list(messages) or [UserMessage(text="Amex to VS?")],
        tools=tool_specs(),
        max_tokens=512,
        final=final,
    )


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def test_complete__a_tool_call(chat: ChatServer, provider: OpenAICompatibleProvider) -> None:
    # GIVEN a server whose model calls a tool
    chat.completion(
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [tool_call("call_1", "query_loyalty_knowledge", json.dumps(QUESTION))],
        },
        finish="tool_calls",
    )

    # WHEN the provider completes a request
    reply = provider.complete(request())

    # THEN the reply is the tool use with the usage
    (tool_use,) = reply.tool_uses
    assert (tool_use.tool_use_id, tool_use.name, tool_use.input) == (
        "call_1",
        "query_loyalty_knowledge",
        QUESTION,
    )
    assert reply.stop_reason == "tool_use"
    assert reply.usage == TokenUsage(input_tokens=900, output_tokens=40)
    # AND the request went to /v1/chat/completions with the key, the system prompt first,
    # and every tool as a function
    (sent,) = chat.requests
    assert sent["path"] == "/v1/chat/completions"
    assert sent["authorization"] == "Bearer sk-local"
    body = sent["body"]
    assert body["model"] == "llama-3.1-8b-instruct"
    assert body["messages"][0] == {"role": "system", "content": "You help frequent flyers."}
    assert body["max_tokens"] == 512
    assert body["tool_choice"] == "auto"
    functions = [t["function"] for t in body["tools"]]
    assert [f["name"] for f in functions] == list(TOOLS)
    assert all(f["parameters"] == TOOLS[f["name"]].input_schema() for f in functions)


def test_complete__a_429_is_retried_after_what_retry_after_says(
    chat: ChatServer, provider: OpenAICompatibleProvider, sleeps: list[float]
) -> None:
    chat.replies.append(Reply(429, {"error": "rate limited"}, {"Retry-After": "0"}))
    chat.replies.append(Reply(503, {"error": "busy"}))
    chat.completion({"role": "assistant", "content": "Yes, 1:1."})

    reply = provider.complete(request())

    assert reply.text == "Yes, 1:1."
    assert len(chat.requests) == 3
    assert sleeps == [0.0, 1.5]  # Retry-After 0, then half to all of 2 s at jitter 0.5


def test_complete__malformed_json_arguments_become_a_tool_use_with_an_error(
    chat: ChatServer, provider: OpenAICompatibleProvider
) -> None:
    chat.completion(
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                tool_call("call_bad", "query_loyalty_knowledge", '{"question": "Amex'),
                tool_call("call_list", "query_loyalty_knowledge", "[1, 2]"),
            ],
        },
        finish="tool_calls",
    )

    bad, listed = provider.complete(request()).tool_uses

    assert bad.input == {}
    assert bad.input_error is not None
    assert "not valid JSON" in bad.input_error
    assert listed.input_error is not None
    assert "not a JSON object" in listed.input_error


def test_complete__history_and_a_final_call(
    chat: ChatServer, provider: OpenAICompatibleProvider
) -> None:
    chat.completion({"role": "assistant", "content": "Final answer."})
    history = [
        UserMessage(text="Amex to VS?"),
        asks(use("get_user_profile", {"userId": TRAVELLER}, "call_1"), text="Checking."),
        ToolResultMessage(
            tool_use_id="call_1",
            name="get_user_profile",
            ok=False,
            error=ToolError(code="forbidden", message="not yours"),
        ),
    ]

    provider.complete(request(*history, final=True))

    body = chat.requests[0]["body"]
    assert body["tool_choice"] == "none"
    assert body["messages"][1:] == [
        {"role": "user", "content": "Amex to VS?"},
        {
            "role": "assistant",
            "content": "Checking.",
            "tool_calls": [
                tool_call("call_1", "get_user_profile", json.dumps({"userId": TRAVELLER}))
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": json.dumps({"error": {"code": "forbidden", "message": "not yours"}}),
        },
    ]


def test_complete__a_client_error_is_model_unavailable_without_retry(
    chat: ChatServer, provider: OpenAICompatibleProvider, sleeps: list[float]
) -> None:
    chat.replies.append(Reply(400, {"error": {"message": "unknown model"}}))

    with pytest.raises(ModelUnavailable, match="HTTP 400"):
        provider.complete(request())
    assert sleeps == []


def test_complete__an_answer_without_a_message_is_model_unavailable(
    chat: ChatServer, provider: OpenAICompatibleProvider
) -> None:
    chat.replies.append(Reply(200, {"choices": []}))

    with pytest.raises(ModelUnavailable, match=r"choices\[0\]\.message"):
        provider.complete(request())


def test_complete__leaves_the_model_out_when_none_is_configured(chat: ChatServer) -> None:
    chat.completion({"role": "assistant", "content": "ok"})
    with requests.Session() as http:
        OpenAICompatibleProvider(f"{chat.url}/v1", http=http).complete(request())

    sent = chat.requests[0]
    assert sent["path"] == "/v1/chat/completions"
    assert "model" not in sent["body"]
    assert sent["authorization"] is None
