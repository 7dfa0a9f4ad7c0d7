"""The ports through which the conversation side keeps profiles and conversations, and the
records they hold. ``dynamo`` implements them over the single profiles table of
docs/topology.md; ``memory`` in memory, for tests and the CLI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from loyalty_maximizer.conversation.messages import Message
from loyalty_maximizer.profiles import ProfileStore, UserProfile

DEFAULT_TTL_DAYS = 30
TITLE_LENGTH = 80


class ProfileWriter(Protocol):
    def put(self, profile: UserProfile) -> None: ...


class ProfileRepository(ProfileStore, ProfileWriter, Protocol):
    """Profiles read (``ProfileStore.get``, ``ProfileNotFound`` when absent) and written."""


@dataclass(frozen=True)
class Conversation:
    conversation_id: str
    user_id: str
    title: str
    created_at: dt.datetime
    expires_at: int  # epoch seconds: DynamoDB's TTL attribute


@dataclass(frozen=True)
class Turn:
    seq: int
    message: Message


class ConversationStore(Protocol):
    def create(self, user_id: str, title: str) -> Conversation:
        """A new, empty conversation owned by ``user_id``."""
        ...

    def get(self, user_id: str, conversation_id: str) -> Conversation:
        """The conversation if ``user_id`` owns it; ``Forbidden`` when another user does,
        ``ConversationNotFound`` when there is none."""
        ...

    def append(self, user_id: str, conversation_id: str, message: Message) -> Turn:
        """``message`` stored as the conversation's next turn. Concurrent writers (the
        parallel tool runs) never share a sequence number."""
        ...

    def turns(self, conversation_id: str) -> list[Turn]:
        """Every turn, in sequence order (ownership is the caller's ``get`` to check)."""
        ...

    def recent_turns(self, conversation_id: str, exchanges: int) -> list[Turn]:
        """The turns of the last ``exchanges`` exchanges (from the ``exchanges``-th last
        user message on), in sequence order, reading no further back than that."""
        ...

    def touch(self, conversation: Conversation) -> None:
        """Restart the conversation's time to live: it is in use again."""
        ...


def title_of(text: str | None) -> str:
    """A conversation's title: its first message's first line, shortened."""
    stripped = (text or "").strip()
    if not stripped:
        return "New conversation"
    line = stripped.splitlines()[0].strip()
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def expires_at(now: dt.datetime, ttl_days: int) -> int:
    return int((now + dt.timedelta(days=ttl_days)).timestamp())


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
