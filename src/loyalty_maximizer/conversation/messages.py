"""The messages of a conversation, as stored (one per turn) and as every model provider
reads and writes them: the traveller's text, the assistant's text and tool uses, and the
result of each tool use.

``for_model`` turns stored history into what a model may be shown: every tool use followed
by exactly one result, in the order the model asked for them, whatever order parallel tool
runs stored them in, and whatever a failed or retried run left behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.alias_generators import to_camel

StopReason = Literal["end_turn", "tool_use", "max_tokens", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Citation(_Model):
    document_id: str
    source_url: str | None = None
    title: str | None = None


class ToolUse(_Model):
    """A tool the model asked for. ``input_error`` says why the provider could not read
    the input the model wrote (then ``input`` is empty); the tool is not run and the error
    goes back to the model."""

    tool_use_id: str
    name: str
    input: dict[str, Any] = {}
    input_error: str | None = None


class ToolError(_Model):
    code: str
    message: str
    field: str | None = None


class TokenUsage(_Model):
    input_tokens: int = 0
    output_tokens: int = 0


class UserMessage(_Model):
    role: Literal["user"] = "user"
    text: Annotated[str, Field(min_length=1)]


class AssistantMessage(_Model):
    role: Literal["assistant"] = "assistant"
    text: str = ""
    tool_uses: list[ToolUse] = []
    stop_reason: StopReason = "end_turn"
    usage: TokenUsage = TokenUsage()
    # Set when stored: the model step of the exchange that produced it (1, 2, ...), so a
    # retried step finds its own answer instead of calling the model twice.
    iteration: int | None = None
    # A final answer's sources: what the exchange's tool results cited.
    citations: list[Citation] = []


class ToolResultMessage(_Model):
    role: Literal["tool"] = "tool"
    tool_use_id: str
    name: str
    ok: bool
    content: Any = None  # the tool's JSON result when ok
    error: ToolError | None = None


Message = Annotated[UserMessage | AssistantMessage | ToolResultMessage, Field(discriminator="role")]
MESSAGE_ADAPTER: TypeAdapter[Message] = TypeAdapter(Message)

TOOL_NOT_RUN = ToolError(
    code="tool_not_run", message="the tool did not run (the request that asked for it failed)"
)


def current_exchange(messages: Sequence[Message]) -> list[Message]:
    """The messages from the last user message on (empty when there is none)."""
    for index in range(len(messages) - 1, -1, -1):
        if isinstance(messages[index], UserMessage):
            return list(messages[index:])
    return []


def recent(messages: Sequence[Message], exchanges: int) -> list[Message]:
    """The last ``exchanges`` exchanges: from the ``exchanges``-th last user message on."""
    starts = [i for i, m in enumerate(messages) if isinstance(m, UserMessage)]
    if not starts:
        return []
    return list(messages[starts[-min(exchanges, len(starts))] :])


def for_model(messages: Iterable[Message]) -> list[Message]:
    """History a model can be shown: each assistant message with tool uses followed by one
    result per use, in the order of the uses. A use without a stored result gets a
    ``tool_not_run`` error; results that answer no pending use (repeats, strays) are
    dropped."""
    out: list[Message] = []
    pending: list[ToolUse] = []
    results: dict[str, ToolResultMessage] = {}

    def settle() -> None:
        for use in pending:
            out.append(
                results.get(use.tool_use_id)
                or ToolResultMessage(
                    tool_use_id=use.tool_use_id, name=use.name, ok=False, error=TOOL_NOT_RUN
                )
            )
        pending.clear()
        results.clear()

    for message in messages:
        if isinstance(message, ToolResultMessage):
            wanted = any(u.tool_use_id == message.tool_use_id for u in pending)
            if wanted and message.tool_use_id not in results:
                results[message.tool_use_id] = message
            continue
        settle()
        out.append(message)
        if isinstance(message, AssistantMessage):
            pending.extend(message.tool_uses)
    settle()
    return out


def exchange_citations(messages: Iterable[Message]) -> list[Citation]:
    """The citations of the successful tool results, each document once, in first-cited
    order."""
    seen: dict[str, Citation] = {}
    for message in messages:
        if not isinstance(message, ToolResultMessage) or not message.ok:
            continue
        content = message.content
        cited = content.get("citations") if isinstance(content, dict) else None
        for item in cited if isinstance(cited, list) else []:
            if isinstance(item, dict) and isinstance(item.get("documentId"), str):
                citation = Citation.model_validate(
                    {k: item.get(k) for k in ("documentId", "sourceUrl", "title")}
                )
                seen.setdefault(citation.document_id, citation)
    return list(seen.values())
