"""The API handler with payload-2.0 sample events, in-memory stores, the sample graph and
a Stubber'd ``stepfunctions`` client.

``docs/openapi.json`` is the handler's OpenAPI document; after changing a route, refresh it
with::

    .venv/bin/python lambdas/api/handler.py > docs/openapi.json
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from tests.unit.lambdas.conftest import ROOT, LambdaContext, load_event, load_handler

from loyalty_maximizer.conversation.memory import MemoryConversationStore, MemoryProfileStore
from loyalty_maximizer.conversation.messages import UserMessage
from loyalty_maximizer.conversation.runtime import Runtime
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import UserProfile

# Routes that count nothing leave Powertools' metrics empty, which it warns about.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

SUB = "7c1f3b2a-5d4e-4f60-9a8b-1c2d3e4f5a6b"  # the sample events' caller
OTHER = "0b9e8d7c-6f5a-4b3c-2d1e-0f9a8b7c6d5e"
CONVERSATION = "3f2b6c1e-8d4a-4e7b-9c5f-0a1b2c3d4e5f"
REQUEST_ID = "JKJaXmPLvHcESHA="
NOW = dt.datetime(2026, 11, 22, 10, 15, 30, tzinfo=dt.UTC)
ARN = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-conversation"
ENV = {
    "PROFILES_TABLE": "loyalty-test-profiles",
    "CONVERSATION_STATE_MACHINE_ARN": ARN,
    "NEPTUNE_ENDPOINT": "http://127.0.0.1:8182",
    "CONVERSATION_TTL_DAYS": "30",
}
MACHINE_OUTPUT = {
    "conversationId": CONVERSATION,
    "answer": "Yes: Membership Rewards moves to Flying Club at 1:1 [doc-amex-partners].",
    "toolCalls": [
        {
            "toolUseId": "tooluse_1",
            "name": "query_loyalty_knowledge",
            "input": {"question": "Amex to Flying Club?"},
            "ok": True,
        }
    ],
    "citations": [
        {
            "documentId": "doc-amex-partners",
            "sourceUrl": "https://example.com/amex-transfer-partners",
            "title": "Membership Rewards transfer partners",
        }
    ],
}


@pytest.fixture(scope="module")
def handler() -> Iterator[ModuleType]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POWERTOOLS_SERVICE_NAME", "api")
        patch.setenv("POWERTOOLS_METRICS_NAMESPACE", "LoyaltyMaximizer")
        yield load_handler("api")


@pytest.fixture
def profiles() -> MemoryProfileStore:
    return MemoryProfileStore(
        UserProfile.model_validate({"userId": SUB, "preferences": {"homeAirport": "JFK"}}),
        UserProfile.model_validate({"userId": OTHER, "preferences": {"homeAirport": "LHR"}}),
    )


@pytest.fixture
def conversations() -> MemoryConversationStore:
    """Holds the caller's conversation of the sample events; later ones are conv-1, ..."""
    ids = itertools.chain([CONVERSATION], (f"conv-{n}" for n in itertools.count(1)))
    store = MemoryConversationStore(clock=lambda: NOW, new_id=lambda: next(ids))
    store.create(SUB, "Amex to Flying Club")
    return store


@pytest.fixture
def sfn() -> Iterator[Stubber]:
    client = boto3.client(
        "stepfunctions",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def call(
    handler: ModuleType,
    profiles: MemoryProfileStore,
    conversations: MemoryConversationStore,
    sfn: Stubber,
    sample_repository: KnowledgeRepository,
    lambda_context: LambdaContext,
) -> Any:
    """``call(event) -> (status, body, headers)`` through the handler, with this test's
    stores, graph and Step Functions client injected."""
    handler.runtime = Runtime(
        ENV,
        profiles=profiles,
        conversations=conversations,
        repository=sample_repository,
        stepfunctions=sfn.client,
        clock=lambda: NOW,
    )

    def invoke(event: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        response = handler.lambda_handler(event, lambda_context)
        return response["statusCode"], json.loads(response["body"]), response["headers"]

    return invoke


def event(name: str, **changes: Any) -> dict[str, Any]:
    """A sample event; ``path`` changes rawPath and http.path, ``body`` the JSON body."""
    data = copy.deepcopy(load_event(name))
    if "path" in changes:
        data["rawPath"] = data["requestContext"]["http"]["path"] = changes["path"]
    if "body" in changes:
        body = changes["body"]
        data["body"] = body if body is None or isinstance(body, str) else json.dumps(body)
    return data


def expect_sync_execution(
    sfn: Stubber, result: dict[str, Any], conversation_id: str = CONVERSATION
) -> None:
    execution_input = {
        "userId": SUB,
        "conversationId": conversation_id,
        "requestId": REQUEST_ID,
        "deadline": int(NOW.timestamp() * 1000) + 22_000,
    }
    sfn.add_response(
        "start_sync_execution",
        {
            "executionArn": f"{ARN}:run-1",
            "startDate": NOW,
            "stopDate": NOW + dt.timedelta(seconds=8),
            **result,
        },
        expected_params={"stateMachineArn": ARN, "input": json.dumps(execution_input)},
    )


# Identity and profiles ---------------------------------------------------------------------


def test_get_profile__returns_the_callers_own_profile(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_get_profile"))

    assert status == 200
    assert body["userId"] == SUB
    assert body["preferences"]["homeAirport"] == "JFK"


def test_get_profile__without_a_stored_profile_is_404_even_if_others_exist(
    call: Any, profiles: MemoryProfileStore
) -> None:
    del profiles.profiles[SUB]

    status, body, _ = call(event("apigw_v2_get_profile"))

    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert body["requestId"] == REQUEST_ID


def test_no_jwt__is_401_with_the_error_body(call: Any) -> None:
    status, body, headers = call(event("apigw_v2_no_jwt"))

    assert status == 401
    assert body["error"]["code"] == "unauthenticated"
    assert body["requestId"] == "JKJbYnQMvHcESJB="
    assert headers["WWW-Authenticate"] == "Bearer"


def test_no_jwt__is_401_on_every_route(call: Any) -> None:
    anonymous = event("apigw_v2_no_jwt", path="/v1/programs")

    assert call(anonymous)[0] == 401


def test_put_profile__stores_the_callers_profile(call: Any, profiles: MemoryProfileStore) -> None:
    status, body, _ = call(event("apigw_v2_put_profile"))

    assert status == 200
    assert body["loyaltyPrograms"][1]["statusTier"] == "gold"
    assert profiles.get(SUB).loyalty_programs[0].program_id == "AMEX_MR"


def test_put_profile__without_user_id_takes_the_callers(
    call: Any, profiles: MemoryProfileStore
) -> None:
    profile = json.loads(load_event("apigw_v2_put_profile")["body"])
    del profile["userId"]

    status, body, _ = call(event("apigw_v2_put_profile", body=profile))

    assert status == 200
    assert body["userId"] == SUB
    assert profiles.get(SUB).preferences.preferred_cabin == "business"


def test_put_profile__for_another_user_is_403_and_changes_nothing(
    call: Any, profiles: MemoryProfileStore
) -> None:
    profile = json.loads(load_event("apigw_v2_put_profile")["body"])
    before = profiles.get(OTHER)

    status, body, _ = call(event("apigw_v2_put_profile", body={**profile, "userId": OTHER}))

    assert status == 403
    assert body == {
        "error": {
            "code": "forbidden",
            "message": "a caller may only write its own profile (userId is not yours)",
        },
        "requestId": REQUEST_ID,
    }
    assert profiles.get(OTHER) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"loyaltyPrograms": [{"programId": "AMEX_MR", "tier": "gold"}]},
            "loyaltyPrograms[0].tier",
        ),
        ({"preferences": {"preferredCabin": "sofa"}}, "preferences.preferredCabin"),
        ("{not json", None),
    ],
)
def test_put_profile__an_invalid_body_is_400_naming_the_field(
    call: Any, body: Any, field: str | None
) -> None:
    status, answer, _ = call(event("apigw_v2_put_profile", body=body))

    assert status == 400
    assert answer["error"]["code"] == "invalid_request"
    assert answer["error"].get("field") == field
    assert answer["requestId"] == REQUEST_ID


# Conversations -----------------------------------------------------------------------------


def test_post_message__runs_the_conversation_machine_and_returns_its_answer(
    call: Any, sfn: Stubber, conversations: MemoryConversationStore
) -> None:
    # GIVEN the machine answers with a tool call and a citation
    expect_sync_execution(sfn, {"status": "SUCCEEDED", "output": json.dumps(MACHINE_OUTPUT)})

    # WHEN the caller posts a message
    status, body, _ = call(event("apigw_v2_post_message"))

    # THEN the machine ran with the contract input and its answer came back
    assert status == 200
    assert body == MACHINE_OUTPUT
    # AND the message was stored first, as the conversation's turn
    (turn,) = conversations.turns(CONVERSATION)
    assert turn.message == UserMessage(
        text="Can I transfer Amex Membership Rewards to Flying Club, and at what ratio?"
    )


@pytest.mark.parametrize(("status", "http"), [("FAILED", 502), ("TIMED_OUT", 504)])
def test_post_message__a_failed_or_timed_out_execution_is_an_error_with_the_request_id(
    call: Any, sfn: Stubber, status: str, http: int
) -> None:
    expect_sync_execution(
        sfn, {"status": status, "error": "ToolFailed", "cause": "Neptune unreachable"}
    )

    code, body, _ = call(event("apigw_v2_post_message"))

    assert code == http
    assert body["error"]["code"] == ("execution_failed" if status == "FAILED" else "timeout")
    assert "Neptune" not in body["error"]["message"]  # the cause goes to the logs only
    assert body["requestId"] == REQUEST_ID


def test_post_message__to_another_users_conversation_is_403(
    call: Any, conversations: MemoryConversationStore
) -> None:
    mine = conversations.conversations[CONVERSATION]
    conversations.conversations[CONVERSATION] = dataclasses.replace(mine, user_id=OTHER)

    status, body, _ = call(event("apigw_v2_post_message"))

    assert status == 403
    assert body["error"]["code"] == "forbidden"
    assert conversations.turns(CONVERSATION) == []


def test_post_message__an_empty_text_is_400(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_post_message", body={"text": ""}))

    assert status == 400
    assert body["error"]["field"] == "text"


def test_start_conversation__with_a_first_message_is_201_with_the_reply(
    call: Any, sfn: Stubber
) -> None:
    output = {**MACHINE_OUTPUT, "conversationId": "conv-1"}
    expect_sync_execution(sfn, {"status": "SUCCEEDED", "output": json.dumps(output)}, "conv-1")
    new = event(
        "apigw_v2_post_message",
        path="/v1/conversations",
        body={"text": "Amex to Flying Club?"},
    )

    status, body, _ = call(new)

    assert status == 201
    assert body["conversationId"] == "conv-1"
    assert body["title"] == "Amex to Flying Club?"
    assert body["reply"]["answer"] == MACHINE_OUTPUT["answer"]


def test_start_conversation__without_a_body_is_201_and_runs_nothing(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_post_message", path="/v1/conversations", body=None))

    assert status == 201
    assert (body["title"], body["reply"]) == ("New conversation", None)


def test_get_conversation__own_turns_other_forbidden_missing_404(
    call: Any, conversations: MemoryConversationStore
) -> None:
    conversations.append(SUB, CONVERSATION, UserMessage(text="hi"))
    path = f"/v1/conversations/{CONVERSATION}"
    read = event("apigw_v2_get_profile", path=path)

    status, body, _ = call(read)
    assert status == 200
    assert body["turns"] == [{"seq": 1, "message": {"role": "user", "text": "hi"}}]

    assert call(event("apigw_v2_get_profile", path="/v1/conversations/missing"))[0] == 404
    theirs = conversations.create(OTHER, "theirs")
    other = event("apigw_v2_get_profile", path=f"/v1/conversations/{theirs.conversation_id}")
    assert call(other)[0] == 403


# Tools and programs ------------------------------------------------------------------------


def test_tool_call__runs_the_tool_for_the_caller(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_tool_call"))

    assert status == 200
    programs = {o["programId"]: o for o in body["earningOptions"]}
    assert programs["UA_MILEAGEPLUS"]["segments"][0]["ruleId"] == "ua-lh-k"


def test_tool_call__an_unknown_tool_is_400(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_tool_call", path="/v1/tools/book_flight"))

    assert status == 400
    assert body["error"]["code"] == "invalid_request"
    assert 'unknown tool "book_flight"' in body["error"]["message"]


def test_tool_call__another_users_profile_is_403(call: Any) -> None:
    status, body, _ = call(
        event("apigw_v2_tool_call", path="/v1/tools/get_user_profile", body={"userId": OTHER})
    )

    assert status == 403
    assert body["error"]["code"] == "forbidden"


def test_tool_call__an_invalid_request_is_400_naming_the_field(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_tool_call", body={"flightItinerary": {"segments": []}}))

    assert status == 400
    assert body["error"]["field"] == "flightItinerary.segments"


def test_programs__lists_the_graphs_programs(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_get_profile", path="/v1/programs"))

    assert status == 200
    ids = [p["programId"] for p in body["programs"]]
    assert "AMEX_MR" in ids
    assert "UA_MILEAGEPLUS" in ids


# Errors and the OpenAPI document -----------------------------------------------------------


def test_unknown_route__is_404_with_the_error_body(call: Any) -> None:
    status, body, _ = call(event("apigw_v2_get_profile", path="/v1/nothing"))

    assert status == 404
    assert body == {
        "error": {"code": "not_found", "message": "no such route"},
        "requestId": REQUEST_ID,
    }


def test_unexpected_error__is_500_without_details(
    call: Any, profiles: MemoryProfileStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(user_id: str) -> UserProfile:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(profiles, "get", broken)

    status, body, _ = call(event("apigw_v2_get_profile"))

    assert status == 500
    assert body["error"]["code"] == "internal_error"
    assert "secret" not in json.dumps(body)
    assert body["requestId"] == REQUEST_ID


def test_openapi__the_committed_document_is_current(handler: ModuleType) -> None:
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")

    assert handler.openapi_schema() == committed, (
        "docs/openapi.json is stale: refresh it with the command in this module's docstring"
    )


def test_openapi__documents_every_route_and_the_error_body(handler: ModuleType) -> None:
    schema = json.loads(handler.openapi_schema())

    assert {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops} == {
        ("GET", "/v1/me/profile"),
        ("PUT", "/v1/me/profile"),
        ("POST", "/v1/conversations"),
        ("POST", "/v1/conversations/{conversation_id}/messages"),
        ("GET", "/v1/conversations/{conversation_id}"),
        ("POST", "/v1/tools/{name}"),
        ("GET", "/v1/programs"),
    }
    responses = schema["paths"]["/v1/me/profile"]["put"]["responses"]
    assert "422" not in responses
    assert responses["403"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
