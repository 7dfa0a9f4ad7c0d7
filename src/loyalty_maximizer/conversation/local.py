"""``loyalty ask``: one conversational turn in this process, with the offline agent over an
embedded knowledge base — the same loop (``run_conversation``) the conversation state
machine runs, with in-memory stores; the conversation's messages persist in a JSON file
between turns, and the traveller's profile is a JSON file (updates are written back).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from loyalty_maximizer.conversation.agent import exchange_tool_calls, run_conversation
from loyalty_maximizer.conversation.memory import MemoryConversationStore, MemoryProfileStore
from loyalty_maximizer.conversation.messages import (
    Message,
    ToolResultMessage,
    UserMessage,
    current_exchange,
)
from loyalty_maximizer.conversation.offline_agent import OfflineAgent
from loyalty_maximizer.conversation.tool_runner import ToolRunner
from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import FileProfileStore, ProfileStore

LOCAL_USER = "local-user"
MAX_ITERATIONS = 6
_MESSAGES = TypeAdapter(list[Message])


def _load_messages(path: Path | None) -> list[Message]:
    if path is None or not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return _MESSAGES.validate_python(data.get("messages", []))
    except (ValueError, AttributeError) as exc:
        raise InvalidRequest(f"conversation file {path}: {exc}", "conversation") from None


def _save_messages(path: Path, messages: list[Message]) -> None:
    data = {"messages": _MESSAGES.dump_python(messages, mode="json", by_alias=True)}
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    temporary.replace(path)


def ask(
    question: str,
    repository: KnowledgeRepository,
    *,
    profile_file: Path | None = None,
    conversation_file: Path | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Answer ``question`` (continuing the conversation in ``conversation_file``):
    ``{"answer", "toolCalls": [{"name", "input", "output"}], "citations"}``."""
    if not question.strip():
        raise InvalidRequest("the question is empty", "question")
    profiles: ProfileStore
    if profile_file is not None:
        store = FileProfileStore(profile_file)
        profiles, user_id = store, store.profile.user_id
    else:
        profiles, user_id = MemoryProfileStore(), LOCAL_USER
    day = today or dt.datetime.now(dt.UTC).date()

    def clock() -> dt.datetime:
        return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)

    conversations = MemoryConversationStore(clock=clock)
    conversation = conversations.create(user_id, question[:80])
    for message in _load_messages(conversation_file):
        conversations.append(user_id, conversation.conversation_id, message)
    conversations.append(user_id, conversation.conversation_id, UserMessage(text=question))

    result = run_conversation(
        user_id,
        conversation.conversation_id,
        provider=OfflineAgent.for_repository(repository, day),
        profiles=profiles,
        conversations=conversations,
        tools=ToolRunner(repository, profiles),
        max_iterations=MAX_ITERATIONS,
        now=clock,
    )
    messages = conversations.messages[conversation.conversation_id]
    if conversation_file is not None:
        _save_messages(conversation_file, messages)
    exchange = current_exchange(messages)
    outputs = {
        m.tool_use_id: (m.content if m.ok else {"error": m.error.model_dump() if m.error else {}})
        for m in exchange
        if isinstance(m, ToolResultMessage)
    }
    calls = [
        {"name": c["name"], "input": c["input"], "output": outputs.get(c["toolUseId"])}
        for c in exchange_tool_calls(exchange)
    ]
    return {"answer": result["answer"], "toolCalls": calls, "citations": result["citations"]}
