"""Profiles and conversations in the single profiles table (docs/topology.md):

| item | pk | sk |
|---|---|---|
| profile | ``USER#<sub>`` | ``PROFILE`` |
| conversation | ``USER#<sub>`` | ``CONV#<conversationId>`` |
| turn | ``CONV#<conversationId>`` | ``TURN#<seq, 6 digits>`` |

JSON values (``profile``, a turn's ``content``) are stored as JSON strings, so numbers keep
their exact value without DynamoDB's decimal conversion. The client is injected; every
``ClientError`` becomes a domain error (``Throttled``, ``Conflict``, ``StorageUnavailable``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from loyalty_maximizer.conversation.errors import (
    Conflict,
    ConversationNotFound,
    StorageUnavailable,
    Throttled,
)
from loyalty_maximizer.conversation.messages import MESSAGE_ADAPTER, Message
from loyalty_maximizer.conversation.store import (
    DEFAULT_TTL_DAYS,
    Conversation,
    Turn,
    expires_at,
    utc_now,
)
from loyalty_maximizer.errors import Forbidden
from loyalty_maximizer.profiles import ProfileNotFound, UserProfile, profile_json

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

THROTTLING_CODES = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
)
MAX_SEQ = 999_999
APPEND_ATTEMPTS = 8  # sequence numbers to try before giving up on a busy conversation

Item = dict[str, "AttributeValueTypeDef"]


def user_key(user_id: str) -> str:
    return f"USER#{user_id}"


def conversation_key(conversation_id: str) -> str:
    return f"CONV#{conversation_id}"


def turn_key(seq: int) -> str:
    return f"TURN#{seq:06d}"


def _storage_error(exc: ClientError | BotoCoreError, table: str, action: str) -> Exception:
    if isinstance(exc, BotoCoreError):
        return StorageUnavailable(f"{action}: table {table} could not be reached: {exc}")
    error = exc.response.get("Error", {})
    code = error.get("Code", "Unknown")
    message = error.get("Message", "")
    if code in THROTTLING_CODES:
        return Throttled(f"{action}: table {table} is throttling requests ({code}); try again")
    if code == "ConditionalCheckFailedException":
        return Conflict(f"{action}: another writer changed the item first")
    if code == "ResourceNotFoundException":
        return StorageUnavailable(
            f"{action}: table {table} does not exist (check PROFILES_TABLE): {message}"
        )
    return StorageUnavailable(f"{action}: table {table} answered {code}: {message}")


class _Table:
    """The table's name and client, and ClientError mapping around each call."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self.client = client
        self.name = table_name

    def get(self, pk: str, sk: str, action: str) -> Item | None:
        try:
            answer = self.client.get_item(
                TableName=self.name,
                Key={"pk": {"S": pk}, "sk": {"S": sk}},
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as exc:
            raise _storage_error(exc, self.name, action) from exc
        item = answer.get("Item")
        return dict(item) if item is not None else None

    def put(self, item: Item, action: str, *, only_new: bool = False) -> None:
        try:
            if only_new:
                self.client.put_item(
                    TableName=self.name, Item=item, ConditionExpression="attribute_not_exists(pk)"
                )
            else:
                self.client.put_item(TableName=self.name, Item=item)
        except (ClientError, BotoCoreError) as exc:
            raise _storage_error(exc, self.name, action) from exc

    def query(
        self, pk: str, prefix: str, action: str, *, newest_first: bool = False, limit: int = 0
    ) -> Iterator[Item]:
        request: dict[str, Any] = {
            "TableName": self.name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
        }
        if limit:
            request["Limit"] = limit
        while True:
            try:
                answer = self.client.query(**request)
            except (ClientError, BotoCoreError) as exc:
                raise _storage_error(exc, self.name, action) from exc
            for item in answer.get("Items", []):
                yield dict(item)
            last = answer.get("LastEvaluatedKey")
            if not last or limit:
                return
            request["ExclusiveStartKey"] = last


class DynamoProfileStore:
    """``ProfileStore`` and ``ProfileWriter`` over the profiles table."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self._table = _Table(client, table_name)
        self._clock = clock

    def get(self, user_id: str) -> UserProfile:
        item = self._table.get(user_key(user_id), "PROFILE", f"reading the profile of {user_id}")
        if item is None:
            raise ProfileNotFound(f'no profile for user "{user_id}"')
        return UserProfile.model_validate_json(item["profile"]["S"])

    def put(self, profile: UserProfile) -> None:
        item: Item = {
            "pk": {"S": user_key(profile.user_id)},
            "sk": {"S": "PROFILE"},
            "profile": {"S": json.dumps(profile_json(profile), separators=(",", ":"))},
            "updatedAt": {"S": self._clock().isoformat()},
        }
        self._table.put(item, f"saving the profile of {profile.user_id}")


class DynamoConversationStore:
    """``ConversationStore`` over the profiles table; items expire ``ttl_days`` after the
    conversation was last used."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        ttl_days: int = DEFAULT_TTL_DAYS,
        clock: Callable[[], dt.datetime] = utc_now,
        new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
    ) -> None:
        self._table = _Table(client, table_name)
        self.ttl_days = ttl_days
        self._clock = clock
        self._new_id = new_id

    def create(self, user_id: str, title: str) -> Conversation:
        now = self._clock()
        conversation = Conversation(
            conversation_id=self._new_id(),
            user_id=user_id,
            title=title,
            created_at=now,
            expires_at=expires_at(now, self.ttl_days),
        )
        self._table.put(
            self._conversation_item(conversation), "creating a conversation", only_new=True
        )
        return conversation

    def get(self, user_id: str, conversation_id: str) -> Conversation:
        action = f"reading conversation {conversation_id}"
        item = self._table.get(user_key(user_id), conversation_key(conversation_id), action)
        if item is not None:
            return Conversation(
                conversation_id=conversation_id,
                user_id=user_id,
                title=item["title"]["S"],
                created_at=dt.datetime.fromisoformat(item["createdAt"]["S"]),
                expires_at=int(item["expiresAt"]["N"]),
            )
        # Not the caller's: another user's (its turns name the owner) or none at all.
        for turn in self._table.query(conversation_key(conversation_id), "TURN#", action, limit=1):
            if turn["userId"]["S"] != user_id:
                raise Forbidden("a caller may only read its own conversations")
        raise ConversationNotFound(f'no conversation "{conversation_id}"')

    def append(self, user_id: str, conversation_id: str, message: Message) -> Turn:
        pk = conversation_key(conversation_id)
        action = f"adding a turn to conversation {conversation_id}"
        content = message.model_dump(mode="json", by_alias=True, exclude={"role"})
        for _ in range(APPEND_ATTEMPTS):
            seq = self._last_seq(pk, action) + 1
            if seq > MAX_SEQ:
                raise Conflict(f"conversation {conversation_id} is full; start a new one")
            item: Item = {
                "pk": {"S": pk},
                "sk": {"S": turn_key(seq)},
                "role": {"S": message.role},
                "content": {"S": json.dumps(content, separators=(",", ":"))},
                "userId": {"S": user_id},
                "expiresAt": {"N": str(expires_at(self._clock(), self.ttl_days))},
            }
            try:
                self._table.put(item, action, only_new=True)
            except Conflict:
                continue  # another writer took this number: read the last one again
            return Turn(seq, message)
        raise Conflict(f"{action}: {APPEND_ATTEMPTS} writers took the next turn first; try again")

    def _last_seq(self, pk: str, action: str) -> int:
        for item in self._table.query(pk, "TURN#", action, newest_first=True, limit=1):
            return int(item["sk"]["S"].removeprefix("TURN#"))
        return 0

    def turns(self, conversation_id: str) -> list[Turn]:
        action = f"reading the turns of conversation {conversation_id}"
        items = self._table.query(conversation_key(conversation_id), "TURN#", action)
        return [_turn(item) for item in items]

    def recent_turns(self, conversation_id: str, exchanges: int) -> list[Turn]:
        action = f"reading the recent turns of conversation {conversation_id}"
        newest_first: list[Turn] = []
        users = 0
        # Newest first, and no further pages once the oldest wanted user message is read.
        for item in self._table.query(
            conversation_key(conversation_id), "TURN#", action, newest_first=True
        ):
            newest_first.append(_turn(item))
            users += item["role"]["S"] == "user"
            if users >= exchanges:
                break
        return newest_first[::-1] if users else []

    def touch(self, conversation: Conversation) -> None:
        renewed = dataclasses.replace(
            conversation, expires_at=expires_at(self._clock(), self.ttl_days)
        )
        self._table.put(
            self._conversation_item(renewed),
            f"renewing conversation {conversation.conversation_id}",
        )

    @staticmethod
    def _conversation_item(conversation: Conversation) -> Item:
        return {
            "pk": {"S": user_key(conversation.user_id)},
            "sk": {"S": conversation_key(conversation.conversation_id)},
            "createdAt": {"S": conversation.created_at.isoformat()},
            "title": {"S": conversation.title},
            "expiresAt": {"N": str(conversation.expires_at)},
        }


def _turn(item: Item) -> Turn:
    content = json.loads(item["content"]["S"])
    message = MESSAGE_ADAPTER.validate_python({"role": item["role"]["S"], **content})
    return Turn(int(item["sk"]["S"].removeprefix("TURN#")), message)
