"""The agent's model behind any OpenAI-compatible ``POST /v1/chat/completions`` endpoint
with function tools (a hosted API or a local model server). 429 and 5xx answers and an
unreachable server are retried with backoff (``model_calls``); tool-call arguments that are
not a JSON object become a tool use with an error, which the loop reports to the model."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from loyalty_maximizer.conversation.errors import ModelUnavailable
from loyalty_maximizer.conversation.messages import (
    AssistantMessage,
    Message,
    StopReason,
    TokenUsage,
    ToolResultMessage,
    ToolUse,
    UserMessage,
)
from loyalty_maximizer.conversation.providers.base import ModelRequest, conversation_pacing
from loyalty_maximizer.model_calls import (
    CallPacing,
    ModelCallFailed,
    chat_completions_url,
    post_chat_completion,
)

_STOP_REASONS: dict[str, StopReason] = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
}


class OpenAICompatibleProvider:
    def __init__(
        self,
        base_url: str,
        *,
        http: requests.Session,
        model: str | None = None,
        api_key: str | None = None,
        timeout: tuple[float, float] = (5.0, 20.0),
        pacing: CallPacing | None = None,
        temperature: float = 0.0,
    ) -> None:
        self.url = chat_completions_url(base_url)
        self.http = http
        self.model = model  # left out of the request when None: single-model servers
        self.api_key = api_key
        self.timeout = timeout
        self.pacing = pacing or conversation_pacing()
        self.temperature = temperature

    def complete(self, request: ModelRequest) -> AssistantMessage:
        body: dict[str, Any] = {
            "messages": [
                {"role": "system", "content": request.system},
                *chat_messages(request.messages),
            ],
            "max_tokens": request.max_tokens,
            "temperature": self.temperature,
        }
        if self.model:
            body["model"] = self.model
        if request.tools:
            body["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": spec.name,
                        "description": spec.description,
                        "parameters": spec.input_schema,
                    },
                }
                for spec in request.tools
            ]
            body["tool_choice"] = "none" if request.final else "auto"
        try:
            answer = self.pacing.call(
                lambda: post_chat_completion(
                    self.http, self.url, body, api_key=self.api_key, timeout=self.timeout
                )
            )
            return assistant_message(answer)
        except ModelCallFailed as exc:
            raise ModelUnavailable(f"the model gave no answer: {exc}") from exc


def chat_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, UserMessage):
            out.append({"role": "user", "content": message.text})
        elif isinstance(message, ToolResultMessage):
            if message.ok:
                result: Any = message.content
            else:
                error = message.error
                result = {
                    "error": error.model_dump(by_alias=True, exclude_none=True) if error else {}
                }
            out.append(
                {
                    "role": "tool",
                    "tool_call_id": message.tool_use_id,
                    "content": json.dumps(result, ensure_ascii=False),
                }
            )
        else:
            entry: dict[str, Any] = {"role": "assistant", "content": message.text or None}
            if message.tool_uses:
                entry["tool_calls"] = [
                    {
                        "id": use.tool_use_id,
                        "type": "function",
                        "function": {"name": use.name, "arguments": json.dumps(use.input)},
                    }
                    for use in message.tool_uses
                ]
            out.append(entry)
    return out


def assistant_message(answer: Any) -> AssistantMessage:
    """The assistant message of a chat completion; ``ModelCallFailed`` when it has none."""
    try:
        choice = answer["choices"][0]
        message = choice["message"]
        if not isinstance(message, dict):
            raise TypeError("message is not an object")
    except (KeyError, IndexError, TypeError) as exc:
        raise ModelCallFailed(f"the answer has no choices[0].message: {answer!r:.200}") from exc
    uses = [
        _tool_use(call, n)
        for n, call in enumerate(message.get("tool_calls") or [])
        if isinstance(call, dict)
    ]
    raw_usage = answer.get("usage")
    usage: Mapping[str, Any] = raw_usage if isinstance(raw_usage, dict) else {}
    finish = str(choice.get("finish_reason") or "")
    return AssistantMessage(
        text=str(message.get("content") or "").strip(),
        tool_uses=uses,
        stop_reason="tool_use" if uses else _STOP_REASONS.get(finish, "other"),
        usage=TokenUsage(
            input_tokens=_count(usage, "prompt_tokens"),
            output_tokens=_count(usage, "completion_tokens"),
        ),
    )


def _count(usage: Mapping[str, Any], name: str) -> int:
    value = usage.get(name)
    return value if isinstance(value, int) else 0


def _tool_use(call: Mapping[str, Any], index: int) -> ToolUse:
    raw = call.get("function")
    function: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    tool_use_id = str(call.get("id") or f"call-{index + 1}-{uuid.uuid4().hex[:8]}")
    name = str(function.get("name", ""))
    arguments = function.get("arguments")
    try:
        # Some servers send the arguments as an object rather than a JSON string, or an
        # empty string for no arguments.
        if isinstance(arguments, str):
            parsed = json.loads(arguments) if arguments.strip() else {}
        else:
            parsed = arguments
    except json.JSONDecodeError as exc:
        return ToolUse(
            tool_use_id=tool_use_id,
            name=name,
            input_error=f"the arguments are not valid JSON ({exc}): {arguments!r:.120}",
        )
    if not isinstance(parsed, dict):
        return ToolUse(
            tool_use_id=tool_use_id,
            name=name,
            input_error=f"the arguments are not a JSON object: {arguments!r:.120}",
        )
    return ToolUse(tool_use_id=tool_use_id, name=name, input=parsed)
