"""In-memory profile and conversation stores with the DynamoDB stores' behaviour (ownership
checks, sequence numbers, time to live), for unit tests and a conversation on the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Callable

from loyalty_maximizer.conversation.errors import ConversationNotFound
from loyalty_maximizer.conversation.messages import Message, recent
from loyalty_maximizer.conversation.store import (
    DEFAULT_TTL_DAYS,
    Conversation,
    Turn,
    expires_at,
    utc_now,
)
from loyalty_maximizer.errors import Forbidden
from loyalty_maximizer.profiles import ProfileNotFound, UserProfile


class MemoryProfileStore:
    def __init__(self, *profiles: UserProfile) -> None:
        self.profiles = {p.user_id: p for p in profiles}

    def get(self, user_id: str) -> UserProfile:
        profile = self.profiles.get(user_id)
        if profile is None:
            raise ProfileNotFound(f'no profile for user "{user_id}"')
        return profile

    def put(self, profile: UserProfile) -> None:
        self.profiles[profile.user_id] = profile


class MemoryConversationStore:
    def __init__(
        self,
        *,
        ttl_days: int = DEFAULT_TTL_DAYS,
        clock: Callable[[], dt.datetime] = utc_now,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.ttl_days = ttl_days
        self._clock = clock
        counter = itertools.count(1)
        self._new_id = new_id or (lambda: f"conv-{next(counter)}")
        self.conversations: dict[str, Conversation] = {}
        self.messages: dict[str, list[Message]] = {}

    def create(self, user_id: str, title: str) -> Conversation:
        now = self._clock()
        conversation = Conversation(
            conversation_id=self._new_id(),
            user_id=user_id,
            title=title,
            created_at=now,
            expires_at=expires_at(now, self.ttl_days),
        )
        self.conversations[conversation.conversation_id] = conversation
        self.messages[conversation.conversation_id] = []
        return conversation

    def get(self, user_id: str, conversation_id: str) -> Conversation:
        conversation = self.conversations.get(conversation_id)
        if conversation is None:
            raise ConversationNotFound(f'no conversation "{conversation_id}"')
        if conversation.user_id != user_id:
            raise Forbidden("a caller may only read its own conversations")
        return conversation

    def append(self, user_id: str, conversation_id: str, message: Message) -> Turn:
        messages = self.messages.setdefault(conversation_id, [])
        messages.append(message)
        return Turn(len(messages), message)

    def turns(self, conversation_id: str) -> list[Turn]:
        return [Turn(n, m) for n, m in enumerate(self.messages.get(conversation_id, []), 1)]

    def recent_turns(self, conversation_id: str, exchanges: int) -> list[Turn]:
        turns = self.turns(conversation_id)
        kept = recent([t.message for t in turns], exchanges)
        return turns[len(turns) - len(kept) :]

    def touch(self, conversation: Conversation) -> None:
        self.conversations[conversation.conversation_id] = dataclasses.replace(
            conversation, expires_at=expires_at(self._clock(), self.ttl_days)
        )
