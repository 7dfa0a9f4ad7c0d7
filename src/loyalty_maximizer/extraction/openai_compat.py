"""Facts from a document with any OpenAI-compatible chat endpoint that supports tools
(``POST /v1/chat/completions``): a hosted API or a local model server.

Each chunk is one request that must answer with the ``record_facts`` function, at
temperature 0 and with ``max_tokens`` set. 429 and 5xx answers and unreachable servers are
retried with backoff, honouring ``Retry-After``; any other failure, and an answer whose
arguments are not readable, loses only that chunk, reported as a warning.
"""

from __future__ import annotations

import json
from typing import Any

import requests

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
from loyalty_maximizer.model_calls import (
    CallPacing,
    ModelCallFailed,
    post_chat_completion,
)
from loyalty_maximizer.model_calls import chat_completions_url as chat_completions_url

_USAGE = {
    "prompt_tokens": "inputTokens",
    "completion_tokens": "outputTokens",
    "total_tokens": "totalTokens",
}


class OpenAICompatibleExtractor(ModelExtractor):
    """Facts from a prepared document, one chat completion per chunk of ``max_chars``."""

    def __init__(
        self,
        base_url: str,
        model: str,
        catalogue: Catalogue,
        *,
        http: requests.Session,
        api_key: str | None = None,
        timeout: tuple[float, float] = (5, 120),
        max_tokens: int = 4096,
        max_chars: int = 12000,
        pacing: CallPacing | None = None,
    ) -> None:
        super().__init__(catalogue, max_tokens=max_tokens, max_chars=max_chars, pacing=pacing)
        self.url = chat_completions_url(base_url)
        self.model = model
        self.http = http
        self.api_key = api_key
        self.timeout = timeout

    def _ask(self, user_message: str) -> ModelReply:
        body = {
            "model": self.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": user_message},
            ],
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": TOOL_NAME,
                        "description": TOOL_DESCRIPTION,
                        "parameters": tool_input_schema(),
                    },
                }
            ],
            "tool_choice": {"type": "function", "function": {"name": TOOL_NAME}},
            "max_tokens": self.max_tokens,
            "temperature": 0,
        }
        answer = self.pacing.call(
            lambda: post_chat_completion(
                self.http, self.url, body, api_key=self.api_key, timeout=self.timeout
            )
        )
        return _reply(answer)


def _reply(answer: Any) -> ModelReply:
    try:
        choice = answer["choices"][0]
        message = choice["message"]
        if not isinstance(message, dict):
            raise TypeError("message is not an object")
    except (KeyError, IndexError, TypeError) as exc:
        raise ModelCallFailed(f"the answer has no choices[0].message: {answer!r:.200}") from exc
    usage = answer.get("usage")
    reply = ModelReply(
        usage={
            ours: int(usage[theirs])
            for theirs, ours in _USAGE.items()
            if isinstance(usage, dict) and isinstance(usage.get(theirs), int)
        }
    )
    if choice.get("finish_reason") == "length":
        reply.notes.append(
            "the answer was cut off at max_tokens; facts of this chunk may be missing"
        )
    calls = [
        call["function"]
        for call in message.get("tool_calls") or []
        if isinstance(call, dict)
        and isinstance(call.get("function"), dict)
        and call["function"].get("name") == TOOL_NAME
    ]
    if not calls:
        said = str(message.get("content") or "")[:200]
        missing = f"the model did not call {TOOL_NAME}: {said!r}"
        raise ModelCallFailed("; ".join([*reply.notes, missing]))
    for call in calls:
        arguments = call.get("arguments")
        try:
            # Some servers send the arguments as an object rather than a JSON string.
            parsed = json.loads(arguments) if isinstance(arguments, str) else arguments
            reply.items.extend(tool_facts(parsed))
        except json.JSONDecodeError as exc:
            reply.notes.append(
                f"{TOOL_NAME} arguments are not valid JSON ({exc}): {arguments!r:.120}"
            )
        except ModelCallFailed as exc:
            reply.notes.append(str(exc))
    return reply
