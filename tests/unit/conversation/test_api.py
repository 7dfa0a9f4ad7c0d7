"""The conversation API's service functions, and the synchronous Express execution through
a Stubber'd ``stepfunctions`` client."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from tests.unit.conversation.conftest import (
    NOW_MS,
    OTHER,
    TRAVELLER,
    TRAVELLER_PROFILE,
    ScriptedProvider,
    says,
)

from loyalty_maximizer.conversation import api
from loyalty_maximizer.conversation.api import (
    Answer,
    InProcessExecutor,
    NewConversation,
    ProfileUpdate,
    StepFunctionsExecutor,
)
from loyalty_maximizer.conversation.errors import (
    ConversationFailed,
    ConversationTimedOut,
    Throttled,
)
from loyalty_maximizer.conversation.memory import MemoryConversationStore, MemoryProfileStore
from loyalty_maximizer.conversation.messages import UserMessage
from loyalty_maximizer.conversation.tool_runner import ToolRunner
from loyalty_maximizer.errors import Forbidden, InvalidRequest, LoyaltyError
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import ProfileNotFound

ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-conversation"
OUTPUT = {
    "conversationId": "conv-1",
    "answer": "Yes, at 1:1 [doc-amex-partners].",
    "toolCalls": [
        {
            "toolUseId": "u1",
            "name": "query_loyalty_knowledge",
            "input": {"question": "Amex to VS?"},
            "ok": True,
        }
    ],
    "citations": [{"documentId": "doc-amex-partners", "sourceUrl": None, "title": None}],
}


@dataclass
class FakeExecutor:
    runs: list[tuple[str, str, str]] = field(default_factory=list)

    def run(self, user_id: str, conversation_id: str, request_id: str) -> Answer:
        self.runs.append((user_id, conversation_id, request_id))
        return Answer.model_validate({**OUTPUT, "conversationId": conversation_id})


@pytest.fixture
def sfn(clock: Callable[[], dt.datetime]) -> Iterator[tuple[Stubber, StepFunctionsExecutor]]:
    client = boto3.client(
        "stepfunctions",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stub:
        yield stub, StepFunctionsExecutor(client, ARN, budget_seconds=22, clock=clock)
        stub.assert_no_pending_responses()


def sync_result(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "executionArn": f"{ARN.replace('stateMachine', 'express')}:run-1",
        "startDate": dt.datetime(2026, 11, 22, 10, 15, 30, tzinfo=dt.UTC),
        "stopDate": dt.datetime(2026, 11, 22, 10, 15, 38, tzinfo=dt.UTC),
        "status": status,
        **extra,
    }


EXPECTED_INPUT = {
    "stateMachineArn": ARN,
    "input": json.dumps(
        {
            "userId": TRAVELLER,
            "conversationId": "conv-1",
            "requestId": "req-1",
            "deadline": NOW_MS + 22_000,
        }
    ),
}


# The execution -----------------------------------------------------------------------------


def test_run__starts_the_machine_with_the_contract_input_and_reads_its_output(
    sfn: tuple[Stubber, StepFunctionsExecutor],
) -> None:
    stub, executor = sfn
    stub.add_response(
        "start_sync_execution",
        sync_result("SUCCEEDED", output=json.dumps(OUTPUT)),
        expected_params=EXPECTED_INPUT,
    )

    answer = executor.run(TRAVELLER, "conv-1", "req-1")

    assert answer.model_dump(mode="json", by_alias=True) == OUTPUT


@pytest.mark.parametrize(
    ("status", "error", "match"),
    [
        ("FAILED", ConversationFailed, r"could not answer \(IterationCapReached\)"),
        ("TIMED_OUT", ConversationTimedOut, "took too long"),
    ],
)
def test_run__a_failed_or_timed_out_execution_raises(
    sfn: tuple[Stubber, StepFunctionsExecutor],
    status: str,
    error: type[LoyaltyError],
    match: str,
) -> None:
    stub, executor = sfn
    stub.add_response(
        "start_sync_execution",
        sync_result(status, error="IterationCapReached", cause="6 model steps"),
        expected_params=EXPECTED_INPUT,
    )

    with pytest.raises(error, match=match) as raised:
        executor.run(TRAVELLER, "conv-1", "req-1")
    if isinstance(raised.value, ConversationFailed):
        assert (raised.value.error, raised.value.cause) == ("IterationCapReached", "6 model steps")


def test_run__an_output_that_is_not_an_answer_fails(
    sfn: tuple[Stubber, StepFunctionsExecutor],
) -> None:
    stub, executor = sfn
    stub.add_response("start_sync_execution", sync_result("SUCCEEDED", output='{"done": true}'))

    with pytest.raises(ConversationFailed, match="readable answer"):
        executor.run(TRAVELLER, "conv-1", "req-1")


def test_run__throttling_is_throttled(sfn: tuple[Stubber, StepFunctionsExecutor]) -> None:
    stub, executor = sfn
    stub.add_client_error("start_sync_execution", "ThrottlingException", http_status_code=400)

    with pytest.raises(Throttled):
        executor.run(TRAVELLER, "conv-1", "req-1")


def test_in_process_executor__runs_the_loop_here(
    conversations: MemoryConversationStore,
    profiles: MemoryProfileStore,
    tools: ToolRunner,
    clock: Callable[[], dt.datetime],
) -> None:
    conversation = conversations.create(TRAVELLER, "t")
    conversations.append(TRAVELLER, conversation.conversation_id, UserMessage(text="hello"))
    executor = InProcessExecutor(
        provider=ScriptedProvider([says("Hello!")]),
        profiles=profiles,
        conversations=conversations,
        tools=tools,
        max_iterations=3,
        budget_seconds=20,
        clock=clock,
    )

    answer = executor.run(TRAVELLER, conversation.conversation_id, "req-1")

    assert (answer.conversation_id, answer.answer) == (conversation.conversation_id, "Hello!")


# Routes' work ------------------------------------------------------------------------------


def test_put_profile__sets_the_callers_id_and_refuses_another(
    profiles: MemoryProfileStore,
) -> None:
    update = ProfileUpdate.model_validate(
        TRAVELLER_PROFILE.model_dump(by_alias=True, exclude={"user_id"})
    )

    saved = api.put_profile(profiles, OTHER, update)

    assert saved.user_id == OTHER
    assert profiles.get(OTHER) == saved
    with pytest.raises(Forbidden):
        api.put_profile(profiles, OTHER, update.model_copy(update={"user_id": TRAVELLER}))
    assert profiles.get(TRAVELLER) == TRAVELLER_PROFILE


def test_get_profile__own_only(profiles: MemoryProfileStore) -> None:
    assert api.get_profile(profiles, TRAVELLER) == TRAVELLER_PROFILE
    with pytest.raises(ProfileNotFound):
        api.get_profile(MemoryProfileStore(), TRAVELLER)


def test_create_conversation__with_a_first_message_answers_it(
    conversations: MemoryConversationStore,
) -> None:
    executor = FakeExecutor()

    created = api.create_conversation(
        conversations,
        executor,
        TRAVELLER,
        NewConversation(text="Where should I credit my LH flights?\nI fly 40k a year."),
        "req-1",
    )

    assert created.title == "Where should I credit my LH flights?"
    assert created.reply is not None
    assert created.reply.answer == OUTPUT["answer"]
    assert executor.runs == [(TRAVELLER, created.conversation_id, "req-1")]
    turns = conversations.turns(created.conversation_id)
    assert [t.message.role for t in turns] == ["user"]


def test_create_conversation__without_a_message_runs_nothing(
    conversations: MemoryConversationStore,
) -> None:
    executor = FakeExecutor()

    created = api.create_conversation(
        conversations, executor, TRAVELLER, NewConversation(), "req-1"
    )

    assert (created.title, created.reply, executor.runs) == ("New conversation", None, [])


def test_post_message__stores_the_message_and_renews_the_conversation(
    clock: Callable[[], dt.datetime],
) -> None:
    now = [clock()]
    conversations = MemoryConversationStore(clock=lambda: now[0])
    conversation = conversations.create(TRAVELLER, "t")
    renewed_at = now[0] = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    executor = FakeExecutor()

    answer = api.post_message(
        conversations, executor, TRAVELLER, conversation.conversation_id, "and Aeroplan?", "r"
    )

    assert answer.answer == OUTPUT["answer"]
    assert conversations.turns(conversation.conversation_id)[-1].message == UserMessage(
        text="and Aeroplan?"
    )
    renewed = conversations.get(TRAVELLER, conversation.conversation_id)
    assert renewed.expires_at == int((renewed_at + dt.timedelta(days=30)).timestamp())


def test_post_message__to_another_users_conversation_is_forbidden_and_stores_nothing(
    conversations: MemoryConversationStore,
) -> None:
    conversation = conversations.create(OTHER, "theirs")
    executor = FakeExecutor()

    with pytest.raises(Forbidden):
        api.post_message(
            conversations, executor, TRAVELLER, conversation.conversation_id, "hi", "r"
        )
    assert conversations.turns(conversation.conversation_id) == []
    assert executor.runs == []


def test_get_conversation__the_turns_in_order(conversations: MemoryConversationStore) -> None:
    conversation = conversations.create(TRAVELLER, "t")
    conversations.append(TRAVELLER, conversation.conversation_id, UserMessage(text="hi"))
    conversations.append(TRAVELLER, conversation.conversation_id, says("hello"))

    view = api.get_conversation(conversations, TRAVELLER, conversation.conversation_id)

    assert [(t.seq, t.message.role) for t in view.turns] == [(1, "user"), (2, "assistant")]
    assert view.title == "t"


def test_list_programs__from_the_graph(sample_repository: KnowledgeRepository) -> None:
    programs = api.list_programs(sample_repository).programs

    amex = next(p for p in programs if p.program_id == "AMEX_MR")
    assert (amex.name, amex.kind, amex.point_value_cents) == ("Membership Rewards", "bank", 2.0)


def test_invalid_request__names_the_field_like_the_tools() -> None:
    error = api.invalid_request(
        [
            {
                "type": "extra_forbidden",
                "loc": ("body", "loyaltyPrograms", 0, "tier"),
                "msg": "Extra inputs are not permitted",
            }
        ]
    )

    assert isinstance(error, InvalidRequest)
    assert (error.field, str(error)) == (
        "loyaltyPrograms[0].tier",
        "loyaltyPrograms[0].tier: unknown field",
    )
    assert "not valid JSON" in str(api.invalid_request([{"type": "json_invalid", "loc": ()}]))


def test_error_body_and_status() -> None:
    error = InvalidRequest("origin: bad", "origin")

    assert api.http_status(error) == 400
    assert api.error_body(error, "req-1") == {
        "error": {"code": "invalid_request", "message": "origin: bad", "field": "origin"},
        "requestId": "req-1",
    }
    assert api.http_status(Forbidden("no")) == 403
    assert api.http_status(ConversationTimedOut("slow")) == 504
    assert api.http_status(LoyaltyError("?")) == 500
