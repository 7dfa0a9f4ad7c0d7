"""The agent loop's two steps, as the conversation state machine runs them
(docs/topology.md), and ``run_conversation``, which runs the same loop in one process.

``model_step`` makes one model call over the stored history and stores the assistant's
turn; ``run_tool_call`` runs one tool the model asked for and stores its result. Both
read everything from the conversation store, so the state machine carries only ids, and
both are safe to retry: a step that finds its own turn already stored returns it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from loyalty_maximizer.conversation.messages import (
    AssistantMessage,
    Message,
    ToolError,
    ToolResultMessage,
    ToolUse,
    current_exchange,
    exchange_citations,
    for_model,
)
from loyalty_maximizer.conversation.prompts import system_prompt
from loyalty_maximizer.conversation.providers.base import (
    DEFAULT_MAX_TOKENS,
    ModelProvider,
    ModelRequest,
    tool_specs,
)
from loyalty_maximizer.conversation.store import ConversationStore, utc_now
from loyalty_maximizer.conversation.tool_runner import ToolRunner
from loyalty_maximizer.errors import InvalidRequest, LoyaltyError
from loyalty_maximizer.profiles import ProfileNotFound, ProfileStore, UserProfile

M = TypeVar("M", bound=BaseModel)

HISTORY_EXCHANGES = 10  # earlier exchanges are not sent to the model
FINAL_ANSWER_MS = 8_000  # with less time than this left, a step asks for the final answer
# A result whose JSON is longer than this is not stored (a DynamoDB item holds 400 KB; the
# store writes ASCII JSON) nor shown to the model; it is told to narrow the request.
MAX_TOOL_RESULT_BYTES = 300_000
# Errors of a tool's own that go back to the model (it can fix its request or tell the
# traveller); any other error fails the step.
TOOL_ERROR_CODES = frozenset({"invalid_request", "not_found", "forbidden", "profile_unavailable"})

COULD_NOT_FINISH = (
    "I could not finish working this out within the limits of one answer. Please ask again, "
    "perhaps about one part of the question at a time."
)
CUT_OFF = "(This answer was cut off at the length limit.)"


class _Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class StepInput(_Input):
    user_id: Annotated[str, Field(min_length=1)]
    conversation_id: Annotated[str, Field(min_length=1)]
    iteration: Annotated[int, Field(ge=0)] = 0  # model steps already taken this exchange
    deadline: int | None = None  # epoch milliseconds


class ToolCallRef(_Input):
    tool_use_id: Annotated[str, Field(min_length=1)]
    name: str
    input: Any = None


class ToolCallInput(_Input):
    user_id: Annotated[str, Field(min_length=1)]
    conversation_id: Annotated[str, Field(min_length=1)]
    tool_call: ToolCallRef


def _parse(model: type[M], payload: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in error["loc"])
        raise InvalidRequest(f"{where}: {error['msg']}", where or None) from None


# The model step ----------------------------------------------------------------------------


def model_step(
    state: Mapping[str, Any],
    *,
    provider: ModelProvider,
    profiles: ProfileStore,
    conversations: ConversationStore,
    max_iterations: int,
    now: Callable[[], dt.datetime] = utc_now,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> dict[str, Any]:
    """One model call for the conversation's open exchange; the step's output:
    ``{"done", "answer"?, "toolCalls", "citations", "iteration", "usage"}``.

    The call that reaches ``max_iterations``, or that starts with less than
    ``FINAL_ANSWER_MS`` before the deadline, asks for the final answer without tools; a
    step past either limit answers ``COULD_NOT_FINISH`` without calling the model. So an
    exchange always ends done, with an answer stored."""
    step = _parse(StepInput, state)
    conversations.get(step.user_id, step.conversation_id)
    recent = conversations.recent_turns(step.conversation_id, HISTORY_EXCHANGES)
    messages = [turn.message for turn in recent]
    exchange = current_exchange(messages)
    if not exchange:
        raise InvalidRequest(
            f"conversation {step.conversation_id} has no message to answer", "conversationId"
        )
    iteration = step.iteration + 1
    last = exchange[-1]
    if isinstance(last, AssistantMessage) and last.iteration == iteration:
        return _step_output(last, exchange, iteration)  # a retry of a step that got this far

    left = None if step.deadline is None else step.deadline - _epoch_ms(now())
    if step.iteration >= max_iterations or (left is not None and left <= 0):
        reply = AssistantMessage(text=COULD_NOT_FINISH)
    else:
        final = iteration >= max_iterations or (left is not None and left < FINAL_ANSWER_MS)
        profile = _profile(profiles, step.user_id)
        request = ModelRequest(
            system=system_prompt(step.user_id, profile, final=final),
            messages=for_model(messages),
            tools=tool_specs(),
            max_tokens=max_tokens,
            final=final,
            user_id=step.user_id,
            profile=profile,
            today=now().date(),
        )
        reply = provider.complete(request)
        if final and reply.tool_uses:
            reply = reply.model_copy(
                update={"tool_uses": [], "text": _join(reply.text, COULD_NOT_FINISH)}
            )
    if not reply.tool_uses:
        text = reply.text.strip() or COULD_NOT_FINISH
        if reply.stop_reason == "max_tokens":
            text = _join(text, CUT_OFF)
        reply = reply.model_copy(update={"text": text, "citations": exchange_citations(exchange)})
    stored = reply.model_copy(update={"iteration": iteration})
    conversations.append(step.user_id, step.conversation_id, stored)
    return _step_output(stored, [*exchange, stored], iteration)


def _profile(profiles: ProfileStore, user_id: str) -> UserProfile | None:
    try:
        return profiles.get(user_id)
    except ProfileNotFound:
        return None


def _join(*parts: str) -> str:
    return "\n\n".join(p.strip() for p in parts if p.strip())


def _epoch_ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _step_output(
    message: AssistantMessage, exchange: Sequence[Message], iteration: int
) -> dict[str, Any]:
    output: dict[str, Any] = {"done": not message.tool_uses}
    if message.tool_uses:
        output["toolCalls"] = [
            {"toolUseId": use.tool_use_id, "name": use.name, "input": use.input}
            for use in message.tool_uses
        ]
    else:
        output["answer"] = message.text
        output["toolCalls"] = exchange_tool_calls(exchange)
    output["citations"] = [
        c.model_dump(by_alias=True) for c in message.citations or exchange_citations(exchange)
    ]
    output["iteration"] = iteration
    output["usage"] = message.usage.model_dump(by_alias=True)
    return output


def exchange_tool_calls(exchange: Sequence[Message]) -> list[dict[str, Any]]:
    """Every tool the exchange called, with whether it succeeded."""
    results = {m.tool_use_id: m.ok for m in exchange if isinstance(m, ToolResultMessage)}
    return [
        {
            "toolUseId": use.tool_use_id,
            "name": use.name,
            "input": use.input,
            "ok": results.get(use.tool_use_id, False),
        }
        for message in exchange
        if isinstance(message, AssistantMessage)
        for use in message.tool_uses
    ]


# The tool call -----------------------------------------------------------------------------


def run_tool_call(
    event: Mapping[str, Any], *, tools: ToolRunner, conversations: ConversationStore
) -> dict[str, Any]:
    """Run one tool the model asked for, as ``userId`` (whatever the input names), and
    store its result; ``{"toolUseId", "name", "ok", "error"?}``.

    The tool use is the one stored with the assistant's turn (the state machine's copy
    only names it). Its input is validated against the tool's request model before the
    tool runs; an unreadable or invalid input, an unknown tool, and the tool's own errors
    (``TOOL_ERROR_CODES``) are ``ok: false`` and go back to the model. Anything else
    raises and fails the step."""
    call = _parse(ToolCallInput, event)
    conversations.get(call.user_id, call.conversation_id)
    exchange = [turn.message for turn in conversations.recent_turns(call.conversation_id, 1)]
    wanted = call.tool_call.tool_use_id
    for message in exchange:
        if isinstance(message, ToolResultMessage) and message.tool_use_id == wanted:
            return _tool_output(message)  # a retry of a call that got this far
    use = _stored_tool_use(exchange, wanted, call.conversation_id)
    result = _run(tools, call.user_id, use)
    conversations.append(call.user_id, call.conversation_id, result)
    return _tool_output(result)


def _stored_tool_use(exchange: Sequence[Message], tool_use_id: str, conversation: str) -> ToolUse:
    for message in exchange:
        if isinstance(message, AssistantMessage):
            for use in message.tool_uses:
                if use.tool_use_id == tool_use_id:
                    return use
    raise InvalidRequest(
        f"conversation {conversation} has no pending tool use {tool_use_id!r}",
        "toolCall.toolUseId",
    )


def _run(tools: ToolRunner, caller_id: str, use: ToolUse) -> ToolResultMessage:
    def failed(error: ToolError) -> ToolResultMessage:
        return ToolResultMessage(tool_use_id=use.tool_use_id, name=use.name, ok=False, error=error)

    if use.input_error is not None:
        return failed(
            ToolError(
                code="invalid_request",
                message=f"{use.input_error}; call {use.name} again with a JSON object that "
                "matches its input schema",
            )
        )
    try:
        content = tools.call(caller_id, use.name, use.input)
    except LoyaltyError as exc:
        if exc.code not in TOOL_ERROR_CODES:
            raise
        return failed(ToolError.model_validate(exc.to_json()["error"]))
    if len(json.dumps(content, separators=(",", ":"))) > MAX_TOOL_RESULT_BYTES:
        return failed(
            ToolError(
                code="result_too_large",
                message=f"the result of {use.name} is too large to use; ask for less "
                "(fewer programs or segments, a smaller limit)",
            )
        )
    return ToolResultMessage(tool_use_id=use.tool_use_id, name=use.name, ok=True, content=content)


def _tool_output(result: ToolResultMessage) -> dict[str, Any]:
    output: dict[str, Any] = {"toolUseId": result.tool_use_id, "name": result.name, "ok": result.ok}
    if result.error is not None:
        output["error"] = result.error.model_dump(by_alias=True, exclude_none=True)
    return output


# The loop in one process -------------------------------------------------------------------


def run_conversation(
    user_id: str,
    conversation_id: str,
    *,
    provider: ModelProvider,
    profiles: ProfileStore,
    conversations: ConversationStore,
    tools: ToolRunner,
    max_iterations: int,
    deadline: int | None = None,
    now: Callable[[], dt.datetime] = utc_now,
) -> dict[str, Any]:
    """Answer the conversation's open exchange by running the state machine's loop here:
    model step, tool calls, model step, ... until done; the machine's output,
    ``{"conversationId", "answer", "toolCalls", "citations"}``."""
    iteration = 0
    while True:
        state = {
            "userId": user_id,
            "conversationId": conversation_id,
            "iteration": iteration,
            "deadline": deadline,
        }
        step = model_step(
            state,
            provider=provider,
            profiles=profiles,
            conversations=conversations,
            max_iterations=max_iterations,
            now=now,
        )
        if step["done"]:
            return {
                "conversationId": conversation_id,
                "answer": step["answer"],
                "toolCalls": step["toolCalls"],
                "citations": step["citations"],
            }
        # model_step answers without tools at the cap, so unlike the state machine this
        # loop needs no IterationCapReached branch.
        iteration = step["iteration"]
        for call in step["toolCalls"]:
            run_tool_call(
                {"userId": user_id, "conversationId": conversation_id, "toolCall": call},
                tools=tools,
                conversations=conversations,
            )
