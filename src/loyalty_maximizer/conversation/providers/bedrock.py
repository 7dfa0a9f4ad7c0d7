"""The agent's model on Amazon Bedrock: one ``Converse`` call per model step, with the
tools as ``toolConfig``. Throttling and Bedrock's other transient errors are retried with
backoff and jitter (``model_calls``); the client is injected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
from loyalty_maximizer.model_calls import CallPacing, ConverseClient, ModelCallFailed, converse

_STOP_REASONS: dict[str, StopReason] = {
    "end_turn": "end_turn",
    "stop_sequence": "end_turn",
    "tool_use": "tool_use",
    "max_tokens": "max_tokens",
}


class BedrockProvider:
    def __init__(
        self,
        client: ConverseClient,
        model_id: str,
        *,
        pacing: CallPacing | None = None,
        temperature: float = 0.0,
    ) -> None:
        self.client = client
        self.model_id = model_id
        self.pacing = pacing or conversation_pacing()
        self.temperature = temperature

    def complete(self, request: ModelRequest) -> AssistantMessage:
        body: dict[str, Any] = {
            "modelId": self.model_id,
            "system": [{"text": request.system}],
            "messages": converse_messages(request.messages),
            "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": self.temperature},
        }
        # Converse has no "no tools" choice, and wants toolConfig whenever the history holds
        # tool blocks; a final call keeps the tools and the system prompt forbids them.
        if request.tools:
            body["toolConfig"] = {
                "tools": [
                    {
                        "toolSpec": {
                            "name": spec.name,
                            "description": spec.description,
                            "inputSchema": {"json": spec.input_schema},
                        }
                    }
                    for spec in request.tools
                ]
            }
        try:
            response = self.pacing.call(lambda: converse(self.client, body))
        except ModelCallFailed as exc:
            raise ModelUnavailable(f"the model gave no answer: {exc}") from exc
        return assistant_message(response)


def converse_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Converse messages: tool results travel in a user message, and consecutive messages of
    one role are merged, since Converse wants the roles to alternate."""
    out: list[dict[str, Any]] = []
    for message in messages:
        role, content = _converse_content(message)
        if not content:
            continue
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(content)
        else:
            out.append({"role": role, "content": content})
    return out


def _converse_content(message: Message) -> tuple[str, list[dict[str, Any]]]:
    if isinstance(message, UserMessage):
        return "user", [{"text": message.text}]
    if isinstance(message, ToolResultMessage):
        if message.ok:
            value = message.content
            document = value if isinstance(value, dict) else {"result": value}
        else:
            error = (
                message.error.model_dump(by_alias=True, exclude_none=True) if message.error else {}
            )
            document = {"error": error}
        result = {
            "toolUseId": message.tool_use_id,
            "content": [{"json": document}],
            "status": "success" if message.ok else "error",
        }
        return "user", [{"toolResult": result}]
    blocks: list[dict[str, Any]] = []
    if message.text.strip():
        blocks.append({"text": message.text})
    blocks.extend(
        {"toolUse": {"toolUseId": use.tool_use_id, "name": use.name, "input": use.input}}
        for use in message.tool_uses
    )
    return "assistant", blocks


def assistant_message(response: Mapping[str, Any]) -> AssistantMessage:
    """The assistant message of a Converse response. A tool use whose input is not a JSON
    object keeps an ``input_error`` the loop reports back to the model."""
    content = response.get("output", {}).get("message", {}).get("content", [])
    texts: list[str] = []
    uses: list[ToolUse] = []
    for block in content:
        if "text" in block:
            texts.append(str(block["text"]))
        elif "toolUse" in block:
            uses.append(_tool_use(block["toolUse"], len(uses)))
    usage = response.get("usage", {})
    stop = str(response.get("stopReason", ""))
    return AssistantMessage(
        text="\n".join(t for t in texts if t.strip()),
        tool_uses=uses,
        stop_reason="tool_use" if uses else _STOP_REASONS.get(stop, "other"),
        usage=TokenUsage(
            input_tokens=int(usage.get("inputTokens", 0)),
            output_tokens=int(usage.get("outputTokens", 0)),
        ),
    )


def _tool_use(block: Mapping[str, Any], index: int) -> ToolUse:
    tool_use_id = str(block.get("toolUseId") or f"tooluse-{index + 1}")
    name = str(block.get("name", ""))
    arguments = block.get("input")
    if isinstance(arguments, dict):
        return ToolUse(tool_use_id=tool_use_id, name=name, input=arguments)
    shown = repr(arguments)[:120]
    return ToolUse(
        tool_use_id=tool_use_id,
        name=name,
        input_error=f"the tool input is not a JSON object: {shown}",
    )
