"""Facts from a document with a model on Amazon Bedrock (the Converse API, tool use).

Each chunk is one ``Converse`` call that must answer with the ``record_facts`` tool, at
temperature 0 and with a bound on output tokens. Throttling and the other transient errors
Bedrock names are retried with backoff; any other error loses only that chunk, reported as
a warning. The client is injected (``boto3.client("bedrock-runtime")``, built by
``extraction.factory`` when asked).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.model_output import (
    SYSTEM_PROMPT,
    TOOL_DESCRIPTION,
    TOOL_NAME,
    ModelExtractor,
    ModelReply,
    tool_facts,
    tool_input_schema,
)
from loyalty_maximizer.model_calls import CallPacing, ModelCallFailed, converse
from loyalty_maximizer.model_calls import ConverseClient as ConverseClient

_USAGE = ("inputTokens", "outputTokens", "totalTokens")
_STOP_NOTES = {
    "max_tokens": "the answer was cut off at maxTokens; facts of this chunk may be missing",
    "guardrail_intervened": "a guardrail stopped the answer",
    "content_filtered": "the answer was filtered",
    "malformed_tool_use": "the model's tool call was malformed",
    "malformed_model_output": "the model's output was malformed",
    "model_context_window_exceeded": "the chunk exceeded the model's context window",
}


class BedrockExtractor(ModelExtractor):
    """Facts from a prepared document, one Converse call per chunk of ``max_chars``."""

    def __init__(
        self,
        client: ConverseClient,
        model_id: str,
        catalogue: Catalogue,
        *,
        max_tokens: int = 4096,
        max_chars: int = 12000,
        pacing: CallPacing | None = None,
    ) -> None:
        super().__init__(catalogue, max_tokens=max_tokens, max_chars=max_chars, pacing=pacing)
        self.client = client
        self.model_id = model_id

    def _ask(self, user_message: str) -> ModelReply:
        request: dict[str, Any] = {
            "modelId": self.model_id,
            "system": [{"text": SYSTEM_PROMPT}],
            "messages": [{"role": "user", "content": [{"text": user_message}]}],
            "toolConfig": {
                "tools": [
                    {
                        "toolSpec": {
                            "name": TOOL_NAME,
                            "description": TOOL_DESCRIPTION,
                            "inputSchema": {"json": tool_input_schema()},
                        }
                    }
                ],
                "toolChoice": {"tool": {"name": TOOL_NAME}},
            },
            "inferenceConfig": {"maxTokens": self.max_tokens, "temperature": 0},
        }
        response = self.pacing.call(lambda: converse(self.client, request))
        return _reply(response)


def _reply(response: Mapping[str, Any]) -> ModelReply:
    reply = ModelReply()
    usage = response.get("usage", {})
    reply.usage = {name: int(usage[name]) for name in _USAGE if name in usage}
    stop = response.get("stopReason")
    if stop in _STOP_NOTES:
        reply.notes.append(f"{_STOP_NOTES[stop]} (stopReason {stop})")
    content = response.get("output", {}).get("message", {}).get("content", [])
    calls = [
        block["toolUse"]
        for block in content
        if "toolUse" in block and block["toolUse"].get("name") == TOOL_NAME
    ]
    if not calls:
        said = " ".join(block["text"] for block in content if "text" in block)[:200]
        missing = f"the model did not call {TOOL_NAME} (stopReason {stop}): {said!r}"
        raise ModelCallFailed("; ".join([*reply.notes, missing]))
    for call in calls:
        try:
            reply.items.extend(tool_facts(call.get("input")))
        except ModelCallFailed as exc:
            reply.notes.append(str(exc))
    return reply
