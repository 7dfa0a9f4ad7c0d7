"""The DynamoDB stores against moto's DynamoDB: the single-table keys of docs/topology.md,
sequence numbers under concurrent writers, time to live, and ClientError mapping."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from tests.unit.conversation.conftest import (
    NOW,
    OTHER,
    TRAVELLER,
    TRAVELLER_PROFILE,
    asks,
    use,
)

from loyalty_maximizer.conversation.dynamo import DynamoConversationStore, DynamoProfileStore
from loyalty_maximizer.conversation.errors import (
    Conflict,
    ConversationNotFound,
    StorageUnavailable,
    Throttled,
)
from loyalty_maximizer.conversation.messages import (
    AssistantMessage,
    ToolError,
    ToolResultMessage,
    UserMessage,
)
from loyalty_maximizer.errors import Forbidden
from loyalty_maximizer.profiles import ProfileNotFound

TTL_DAYS = 7


@pytest.fixture(scope="module")
def aws_credentials() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "eu-west-1",
        }.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def mocked_aws(aws_credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def dynamodb(mocked_aws: None) -> Any:
    """One client per test (tests replace its methods), on a module-wide mock."""
    return boto3.client("dynamodb", region_name="eu-west-1")


@pytest.fixture
def table(dynamodb: Any) -> str:
    name = f"loyalty-test-profiles-{uuid.uuid4().hex[:8]}"
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture
def store(dynamodb: Any, table: str) -> DynamoConversationStore:
    ids = (f"conv-{n}" for n in itertools.count(1))
    return DynamoConversationStore(
        dynamodb, table, ttl_days=TTL_DAYS, clock=lambda: NOW, new_id=lambda: next(ids)
    )


def item(dynamodb: Any, table: str, pk: str, sk: str) -> dict[str, Any]:
    found: dict[str, Any] = dynamodb.get_item(
        TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}
    )["Item"]
    return found


EXPIRES = int((NOW + dt.timedelta(days=TTL_DAYS)).timestamp())


# Profiles ----------------------------------------------------------------------------------


def test_put_profile__stores_the_profile_json_under_the_users_key(
    dynamodb: Any, table: str
) -> None:
    profiles = DynamoProfileStore(dynamodb, table, clock=lambda: NOW)

    profiles.put(TRAVELLER_PROFILE)

    stored = item(dynamodb, table, f"USER#{TRAVELLER}", "PROFILE")
    assert json.loads(stored["profile"]["S"])["loyaltyPrograms"][0]["programId"] == "AMEX_MR"
    assert stored["updatedAt"] == {"S": NOW.isoformat()}
    assert profiles.get(TRAVELLER) == TRAVELLER_PROFILE


def test_get_profile__missing_is_profile_not_found(dynamodb: Any, table: str) -> None:
    with pytest.raises(ProfileNotFound, match=OTHER):
        DynamoProfileStore(dynamodb, table).get(OTHER)


def test_get_profile__a_missing_table_names_the_setting(dynamodb: Any) -> None:
    with pytest.raises(StorageUnavailable, match="PROFILES_TABLE"):
        DynamoProfileStore(dynamodb, "no-such-table").get(TRAVELLER)


def test_get_profile__throttling_is_throttled() -> None:
    client = boto3.client(
        "dynamodb", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    with Stubber(client) as stub:
        stub.add_client_error("get_item", "ProvisionedThroughputExceededException")
        with pytest.raises(Throttled):
            DynamoProfileStore(client, "profiles").get(TRAVELLER)


# Conversations -----------------------------------------------------------------------------


def test_create__writes_the_conversation_item_with_its_ttl(
    store: DynamoConversationStore, dynamodb: Any, table: str
) -> None:
    conversation = store.create(TRAVELLER, "Amex to London")

    stored = item(dynamodb, table, f"USER#{TRAVELLER}", "CONV#conv-1")
    assert stored["title"] == {"S": "Amex to London"}
    assert stored["createdAt"] == {"S": NOW.isoformat()}
    assert stored["expiresAt"] == {"N": str(EXPIRES)}
    assert store.get(TRAVELLER, "conv-1") == conversation


def test_get__another_users_conversation_is_forbidden_and_none_is_not_found(
    store: DynamoConversationStore,
) -> None:
    conversation = store.create(TRAVELLER, "mine")
    store.append(TRAVELLER, conversation.conversation_id, UserMessage(text="hi"))

    with pytest.raises(Forbidden):
        store.get(OTHER, conversation.conversation_id)
    with pytest.raises(ConversationNotFound):
        store.get(TRAVELLER, "conv-404")


def test_append__numbers_turns_and_stores_role_content_owner_and_ttl(
    store: DynamoConversationStore, dynamodb: Any, table: str
) -> None:
    conversation = store.create(TRAVELLER, "t")
    messages = [
        UserMessage(text="How far does 100k Amex go?"),
        asks(use("get_user_profile", {"userId": TRAVELLER}, "u1")),
        ToolResultMessage(
            tool_use_id="u1",
            name="get_user_profile",
            ok=False,
            error=ToolError(code="forbidden", message="no"),
        ),
        AssistantMessage(text="About 1.5 return trips.", iteration=2),
    ]

    turns = [store.append(TRAVELLER, conversation.conversation_id, m) for m in messages]

    assert [t.seq for t in turns] == [1, 2, 3, 4]
    first = item(dynamodb, table, "CONV#conv-1", "TURN#000001")
    assert first["role"] == {"S": "user"}
    assert json.loads(first["content"]["S"]) == {"text": "How far does 100k Amex go?"}
    assert first["userId"] == {"S": TRAVELLER}
    assert first["expiresAt"] == {"N": str(EXPIRES)}
    assert [t.message for t in store.turns(conversation.conversation_id)] == messages


def test_append__a_concurrent_writer_never_shares_a_sequence_number(
    store: DynamoConversationStore, dynamodb: Any, table: str
) -> None:
    # GIVEN another writer that stores turn 2 between this writer's read and its write
    conversation = store.create(TRAVELLER, "t")
    store.append(TRAVELLER, conversation.conversation_id, UserMessage(text="one"))
    real_put = dynamodb.put_item
    raced = []

    def put_item(**request: Any) -> Any:
        if not raced and request["Item"]["sk"]["S"] == "TURN#000002":
            raced.append(True)
            real_put(**{**request, "Item": {**request["Item"], "userId": {"S": "rival"}}})
        return real_put(**request)

    dynamodb.put_item = put_item

    # WHEN this writer appends
    turn = store.append(TRAVELLER, conversation.conversation_id, UserMessage(text="two"))

    # THEN it lost turn 2 to the rival and took turn 3
    assert raced
    assert turn.seq == 3
    assert item(dynamodb, table, "CONV#conv-1", "TURN#000002")["userId"] == {"S": "rival"}
    assert item(dynamodb, table, "CONV#conv-1", "TURN#000003")["userId"] == {"S": TRAVELLER}


def test_append__gives_up_with_conflict_when_every_number_is_taken(
    store: DynamoConversationStore, dynamodb: Any
) -> None:
    conversation = store.create(TRAVELLER, "t")
    real_put = dynamodb.put_item

    def put_item(**request: Any) -> Any:
        real_put(**{**request, "Item": {**request["Item"], "userId": {"S": "rival"}}})
        return real_put(**request)

    dynamodb.put_item = put_item

    with pytest.raises(Conflict, match="try again"):
        store.append(TRAVELLER, conversation.conversation_id, UserMessage(text="x"))


def test_touch__restarts_the_time_to_live(
    store: DynamoConversationStore, dynamodb: Any, table: str
) -> None:
    conversation = store.create(TRAVELLER, "t")
    later = NOW + dt.timedelta(days=3)
    renewing = DynamoConversationStore(dynamodb, table, ttl_days=TTL_DAYS, clock=lambda: later)

    renewing.touch(conversation)

    expected = int((later + dt.timedelta(days=TTL_DAYS)).timestamp())
    assert renewing.get(TRAVELLER, conversation.conversation_id).expires_at == expected
    assert item(dynamodb, table, f"USER#{TRAVELLER}", "CONV#conv-1")["title"] == {"S": "t"}


def test_recent_turns__from_the_nth_last_user_message_on(store: DynamoConversationStore) -> None:
    conversation = store.create(TRAVELLER, "t")
    messages = [
        UserMessage(text="one"),
        AssistantMessage(text="1"),
        UserMessage(text="two"),
        asks(use("get_user_profile", {"userId": TRAVELLER}, "u1")),
        ToolResultMessage(tool_use_id="u1", name="get_user_profile", ok=True, content={}),
        AssistantMessage(text="2"),
        UserMessage(text="three"),
    ]
    for message in messages:
        store.append(TRAVELLER, conversation.conversation_id, message)

    recent = store.recent_turns(conversation.conversation_id, 2)

    assert [t.seq for t in recent] == [3, 4, 5, 6, 7]
    assert [t.message for t in recent] == messages[2:]
    assert len(store.recent_turns(conversation.conversation_id, 10)) == 7
    assert store.recent_turns("conv-404", 1) == []
