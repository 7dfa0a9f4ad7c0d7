"""History as a model may see it: tool uses answered once each, in order."""

from __future__ import annotations

from tests.unit.conversation.conftest import asks, says, use

from loyalty_maximizer.conversation.messages import (
    MESSAGE_ADAPTER,
    AssistantMessage,
    Citation,
    ToolError,
    ToolResultMessage,
    UserMessage,
    current_exchange,
    exchange_citations,
    for_model,
    recent,
)


def result(tool_use_id: str, ok: bool = True, content: object = None) -> ToolResultMessage:
    return ToolResultMessage(
        tool_use_id=tool_use_id,
        name="query_loyalty_knowledge",
        ok=ok,
        content=content,
        error=None if ok else ToolError(code="invalid_request", message="bad"),
    )


def test_for_model__orders_results_as_the_uses_whatever_order_they_were_stored_in() -> None:
    # GIVEN two parallel tool runs that stored their results in reverse order
    ask = asks(use("a", {}, "u1"), use("b", {}, "u2"))
    history = [UserMessage(text="hi"), ask, result("u2"), result("u1"), says("done")]

    # WHEN the history is shaped for a model
    shaped = for_model(history)

    # THEN each use is followed by its result, in the order the model asked
    assert [getattr(m, "tool_use_id", m.role) for m in shaped] == [
        "user",
        "assistant",
        "u1",
        "u2",
        "assistant",
    ]


def test_for_model__answers_a_use_without_a_result_and_drops_repeats_and_strays() -> None:
    history = [
        UserMessage(text="hi"),
        asks(use("a", {}, "u1"), use("b", {}, "u2")),
        result("u1", content={"first": True}),
        result("u1", content={"first": False}),  # a retried run stored it twice
        result("zz"),  # answers nothing pending
        UserMessage(text="again"),
    ]

    shaped = for_model(history)

    assert len(shaped) == 5
    first, missing = shaped[2], shaped[3]
    assert isinstance(first, ToolResultMessage)
    assert first.content == {"first": True}
    assert isinstance(missing, ToolResultMessage)
    assert (missing.tool_use_id, missing.ok) == ("u2", False)
    assert missing.error is not None
    assert missing.error.code == "tool_not_run"
    assert shaped[4] == UserMessage(text="again")


def test_current_exchange_and_recent__cut_at_user_messages() -> None:
    history = [
        UserMessage(text="one"),
        says("1"),
        UserMessage(text="two"),
        says("2"),
        UserMessage(text="three"),
    ]

    assert current_exchange(history) == [UserMessage(text="three")]
    assert recent(history, 2) == history[2:]
    assert recent(history, 10) == history
    assert current_exchange([says("orphan")]) == []


def test_exchange_citations__from_successful_results_each_document_once() -> None:
    cited = {
        "citations": [
            {"documentId": "doc-a", "sourceUrl": "https://example.com/a", "title": "A"},
            {"documentId": "doc-b", "sourceUrl": None, "title": None},
        ]
    }
    again = {"citations": [{"documentId": "doc-a", "sourceUrl": "x", "title": "other"}]}
    history = [
        result("u1", content=cited),
        result("u2", content=again),
        result("u3", ok=False),
        result("u4", content=["not", "a", "dict"]),
    ]

    assert exchange_citations(history) == [
        Citation(document_id="doc-a", source_url="https://example.com/a", title="A"),
        Citation(document_id="doc-b"),
    ]


def test_message_adapter__round_trips_every_role_through_json() -> None:
    messages = [
        UserMessage(text="hi"),
        AssistantMessage(text="", tool_uses=[use("a", {"x": 1})], stop_reason="tool_use"),
        result("u1", content={"n": 1.5}),
    ]
    for message in messages:
        text = message.model_dump_json(by_alias=True)
        assert MESSAGE_ADAPTER.validate_json(text) == message
