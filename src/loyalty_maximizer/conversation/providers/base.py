"""What a model provider is given and what it answers, whichever model it calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from loyalty_maximizer.conversation.messages import AssistantMessage, Message
from loyalty_maximizer.model_calls import CallPacing
from loyalty_maximizer.profiles import UserProfile
from loyalty_maximizer.tools.registry import TOOLS, Tool

DEFAULT_MAX_TOKENS = 2048


def conversation_pacing() -> CallPacing:
    """Retries that fit a conversation's 25-second budget: three, at most 4 s apart."""
    return CallPacing(max_retries=3, base_delay=0.5, max_delay=4.0)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    input_schema: dict[str, Any]  # JSON Schema of the tool's request


def tool_specs(tools: Mapping[str, Tool] = TOOLS) -> list[ToolSpec]:
    """The tools the model may call, their input schemas from the request models."""
    return [ToolSpec(t.name, t.description, t.input_schema()) for t in tools.values()]


@dataclass(frozen=True)
class ModelRequest:
    system: str
    messages: Sequence[Message]  # history as ``messages.for_model`` shapes it
    tools: Sequence[ToolSpec]
    max_tokens: int = DEFAULT_MAX_TOKENS
    # The exchange's last call: the model must answer without tools (a provider that can
    # forbid tool use does; the system prompt says so in any case).
    final: bool = False
    # What the step knows beyond the prompt, for a provider that reads it directly (the
    # offline agent); model providers read the profile from the system prompt.
    user_id: str | None = None
    profile: UserProfile | None = None
    today: dt.date | None = None


class ModelProvider(Protocol):
    def complete(self, request: ModelRequest) -> AssistantMessage:
        """One model call: the assistant's text and/or tool uses and its token usage.
        Raises ``ModelUnavailable`` when the model gives no usable answer."""
        ...
