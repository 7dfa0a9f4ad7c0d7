"""What the conversation API does, route by route, and the shapes it answers with; the
Lambda handler only reads the caller and the request and calls these.

Posting a message stores it as a turn and runs the conversation: on AWS the Express state
machine, started synchronously (``StepFunctionsExecutor``); in one process the same loop
(``InProcessExecutor``, for the CLI).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from loyalty_maximizer.conversation.errors import (
    ConversationFailed,
    ConversationTimedOut,
    Throttled,
)
from loyalty_maximizer.conversation.messages import Citation, Message, UserMessage
from loyalty_maximizer.conversation.store import (
    ConversationStore,
    ProfileRepository,
    title_of,
    utc_now,
)
from loyalty_maximizer.errors import Forbidden, InvalidRequest, LoyaltyError
from loyalty_maximizer.profiles import (
    Preferences,
    ProfileStore,
    ProgramMembership,
    UserProfile,
    read_own_profile,
)
from loyalty_maximizer.tools.requests import _field_path

if TYPE_CHECKING:
    # Types only: the API Lambda's cold start must not import the agent, the model
    # providers and every tool (InProcessExecutor imports the loop when it runs).
    from mypy_boto3_stepfunctions import SFNClient

    from loyalty_maximizer.conversation.providers.base import ModelProvider
    from loyalty_maximizer.conversation.tool_runner import ToolRunner
    from loyalty_maximizer.graph.repository import KnowledgeRepository

# The conversation machine's TimeoutSeconds is 25 and the API's limit 30: model steps stop
# starting model calls after this budget, leaving the machine time to answer.
CONVERSATION_BUDGET_SECONDS = 22.0
MAX_MESSAGE_CHARS = 4000

HTTP_STATUS = {
    "invalid_request": 400,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "throttled": 429,
    "execution_failed": 502,
    "model_unavailable": 502,
    "storage_unavailable": 502,
    "neptune": 502,
    "timeout": 504,
}


def http_status(error: LoyaltyError) -> int:
    """The HTTP status of a domain error; 500 for codes the caller cannot act on."""
    return HTTP_STATUS.get(error.code, 500)


# Shapes ------------------------------------------------------------------------------------


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class RequestModel(ApiModel):
    model_config = ConfigDict(extra="forbid")


class ProfileUpdate(RequestModel):
    """A profile as the traveller writes it: ``userId`` may be left out (it is the
    caller's) and, when given, must be the caller's."""

    user_id: Annotated[str, Field(min_length=1)] | None = None
    loyalty_programs: list[ProgramMembership] = []
    preferences: Preferences = Preferences()


class NewMessage(RequestModel):
    text: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)]


class NewConversation(RequestModel):
    title: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    text: Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS)] | None = None


class ToolCallSummary(ApiModel):
    tool_use_id: str
    name: str
    input: dict[str, Any] = {}
    ok: bool | None = None


class Answer(ApiModel):
    """The conversation machine's output."""

    conversation_id: str
    answer: str
    tool_calls: list[ToolCallSummary] = []
    citations: list[Citation] = []


class ConversationCreated(ApiModel):
    conversation_id: str
    title: str
    created_at: dt.datetime
    reply: Answer | None = None  # the answer to the first message, when there was one


class TurnView(ApiModel):
    seq: int
    message: Message


class ConversationView(ApiModel):
    conversation_id: str
    title: str
    created_at: dt.datetime
    expires_at: int
    turns: list[TurnView]


class ProgramView(ApiModel):
    program_id: str
    name: str
    kind: str
    currency_name: str
    operator_airline_id: str | None = None
    point_value_cents: float | None = None


class ProgramList(ApiModel):
    programs: list[ProgramView]


class ErrorDetail(ApiModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(ApiModel):
    error: ErrorDetail
    request_id: str | None = None


def error_body(error: LoyaltyError, request_id: str | None) -> dict[str, Any]:
    """``{"error": {"code", "message", "field"?}, "requestId"}``."""
    detail = {k: v for k, v in error.to_json()["error"].items() if k in ErrorDetail.model_fields}
    return {"error": {k: v for k, v in detail.items() if v is not None}, "requestId": request_id}


def invalid_request(errors: Sequence[Mapping[str, Any]]) -> InvalidRequest:
    """The first of a request's validation errors (pydantic's ``errors()``) as
    ``InvalidRequest`` naming the field, e.g. ``loyaltyPrograms[0].programId``."""
    if not errors:
        return InvalidRequest("the request is not valid")
    error = errors[0]
    if error.get("type") == "json_invalid":
        return InvalidRequest("the request body is not valid JSON")
    # Powertools puts the body's fields under "body"; the path names them as the tools do.
    field = _field_path(tuple(p for p in error.get("loc", ()) if p != "body")) or None
    reason = "unknown field" if error.get("type") == "extra_forbidden" else error.get("msg", "")
    return InvalidRequest(f"{field}: {reason}" if field else str(reason), field)


# Running a conversation --------------------------------------------------------------------


class ConversationExecutor(Protocol):
    def run(self, user_id: str, conversation_id: str, request_id: str) -> Answer:
        """Answer the conversation's newest message."""
        ...


class StepFunctionsExecutor:
    """The Express conversation machine, started synchronously with the input of
    docs/topology.md: ``{"userId", "conversationId", "requestId", "deadline"}``."""

    def __init__(
        self,
        client: SFNClient,
        state_machine_arn: str,
        *,
        budget_seconds: float = CONVERSATION_BUDGET_SECONDS,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.client = client
        self.state_machine_arn = state_machine_arn
        self.budget_seconds = budget_seconds
        self._clock = clock

    def run(self, user_id: str, conversation_id: str, request_id: str) -> Answer:
        deadline = int((self._clock().timestamp() + self.budget_seconds) * 1000)
        execution_input = {
            "userId": user_id,
            "conversationId": conversation_id,
            "requestId": request_id,
            "deadline": deadline,
        }
        try:
            result = self.client.start_sync_execution(
                stateMachineArn=self.state_machine_arn, input=json.dumps(execution_input)
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "Unknown")
            if code in {"ThrottlingException", "TooManyRequestsException"}:
                raise Throttled("too many conversations are running; try again shortly") from exc
            raise ConversationFailed(
                f"the conversation could not start ({code})", error=code, cause=str(exc)
            ) from exc
        except BotoCoreError as exc:
            raise ConversationFailed(
                "the conversation could not start", error=type(exc).__name__, cause=str(exc)
            ) from exc
        status = result["status"]
        if status == "SUCCEEDED":
            try:
                return Answer.model_validate_json(result.get("output") or "")
            except ValidationError as exc:
                raise ConversationFailed(
                    "the conversation ended without a readable answer",
                    error="InvalidOutput",
                    cause=str(exc),
                ) from exc
        if status == "TIMED_OUT":
            raise ConversationTimedOut(
                "the assistant took too long to answer; ask again, perhaps about one part of "
                "the question at a time"
            )
        error = result.get("error") or "ExecutionFailed"
        raise ConversationFailed(
            f"the assistant could not answer ({error}); try again",
            error=error,
            cause=result.get("cause"),
        )


class InProcessExecutor:
    """The conversation loop run in this process (``agent.run_conversation``)."""

    def __init__(
        self,
        *,
        provider: ModelProvider,
        profiles: ProfileStore,
        conversations: ConversationStore,
        tools: ToolRunner,
        max_iterations: int,
        budget_seconds: float | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.provider = provider
        self.profiles = profiles
        self.conversations = conversations
        self.tools = tools
        self.max_iterations = max_iterations
        self.budget_seconds = budget_seconds
        self._clock = clock

    def run(self, user_id: str, conversation_id: str, request_id: str) -> Answer:
        deadline = (
            None
            if self.budget_seconds is None
            else int((self._clock().timestamp() + self.budget_seconds) * 1000)
        )
        from loyalty_maximizer.conversation.agent import run_conversation

        output = run_conversation(
            user_id,
            conversation_id,
            provider=self.provider,
            profiles=self.profiles,
            conversations=self.conversations,
            tools=self.tools,
            max_iterations=self.max_iterations,
            deadline=deadline,
            now=self._clock,
        )
        return Answer.model_validate(output)


# The routes' work --------------------------------------------------------------------------


def get_profile(profiles: ProfileStore, caller_id: str) -> UserProfile:
    return read_own_profile(profiles, caller_id, caller_id)


def put_profile(profiles: ProfileRepository, caller_id: str, update: ProfileUpdate) -> UserProfile:
    if update.user_id is not None and update.user_id != caller_id:
        raise Forbidden("a caller may only write its own profile (userId is not yours)")
    profile = UserProfile(
        user_id=caller_id,
        loyalty_programs=update.loyalty_programs,
        preferences=update.preferences,
    )
    profiles.put(profile)
    return profile


def post_message(
    conversations: ConversationStore,
    executor: ConversationExecutor,
    caller_id: str,
    conversation_id: str,
    text: str,
    request_id: str,
) -> Answer:
    """Store the caller's message in its conversation and answer it."""
    conversation = conversations.get(caller_id, conversation_id)
    conversations.append(caller_id, conversation_id, UserMessage(text=text))
    conversations.touch(conversation)
    return executor.run(caller_id, conversation_id, request_id)


def create_conversation(
    conversations: ConversationStore,
    executor: ConversationExecutor,
    caller_id: str,
    request: NewConversation,
    request_id: str,
) -> ConversationCreated:
    """A new conversation; with a first message, that message answered."""
    conversation = conversations.create(caller_id, request.title or title_of(request.text))
    reply = None
    if request.text is not None:
        conversations.append(
            caller_id, conversation.conversation_id, UserMessage(text=request.text)
        )
        reply = executor.run(caller_id, conversation.conversation_id, request_id)
    return ConversationCreated(
        conversation_id=conversation.conversation_id,
        title=conversation.title,
        created_at=conversation.created_at,
        reply=reply,
    )


def get_conversation(
    conversations: ConversationStore, caller_id: str, conversation_id: str
) -> ConversationView:
    conversation = conversations.get(caller_id, conversation_id)
    return ConversationView(
        conversation_id=conversation.conversation_id,
        title=conversation.title,
        created_at=conversation.created_at,
        expires_at=conversation.expires_at,
        turns=[
            TurnView(seq=turn.seq, message=turn.message)
            for turn in conversations.turns(conversation_id)
        ],
    )


def run_tool(tools: ToolRunner, caller_id: str, name: str, payload: Any) -> dict[str, Any]:
    """A tool called directly by the caller (who reads only its own profile)."""
    return tools.call(caller_id, name, payload)


def list_programs(repository: KnowledgeRepository) -> ProgramList:
    repository.refresh_if_stale()
    return ProgramList(
        programs=[
            ProgramView(
                program_id=p.program_id,
                name=p.name,
                kind=p.kind,
                currency_name=p.currency_name,
                operator_airline_id=p.operator_airline_id,
                point_value_cents=p.point_value_cents,
            )
            for p in repository.programs.values()
        ]
    )
