"""The agent loop's steps with a scripted model, in-memory stores and the sample graph."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from tests.unit.conversation.conftest import (
    NOW_MS,
    OTHER,
    TRAVELLER,
    ScriptedProvider,
    asks,
    says,
    use,
)

from loyalty_maximizer.conversation import agent
from loyalty_maximizer.conversation.agent import (
    COULD_NOT_FINISH,
    CUT_OFF,
    model_step,
    run_conversation,
    run_tool_call,
)
from loyalty_maximizer.conversation.memory import MemoryConversationStore, MemoryProfileStore
from loyalty_maximizer.conversation.messages import (
    AssistantMessage,
    ToolResultMessage,
    ToolUse,
    UserMessage,
)
from loyalty_maximizer.conversation.providers.base import ModelRequest
from loyalty_maximizer.conversation.tool_runner import ToolRunner
from loyalty_maximizer.errors import Forbidden, InvalidRequest
from loyalty_maximizer.graph.neptune import NeptuneError
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.registry import TOOLS

KNOWLEDGE_QUESTION = {
    "question": "Does Membership Rewards transfer to Flying Club?",
    "programIds": ["AMEX_MR", "VS_FLYINGCLUB"],
}


@pytest.fixture
def conversation_id(conversations: MemoryConversationStore) -> str:
    conversation = conversations.create(TRAVELLER, "Transfers")
    conversations.append(TRAVELLER, conversation.conversation_id, UserMessage(text="Amex to VS?"))
    return conversation.conversation_id


@pytest.fixture
def step(
    conversations: MemoryConversationStore,
    profiles: MemoryProfileStore,
    clock: Callable[[], dt.datetime],
    conversation_id: str,
) -> Callable[..., dict[str, Any]]:
    """``step(provider, iteration=0, deadline=None, max_iterations=4)``: one model step."""

    def run(
        provider: ScriptedProvider,
        iteration: int = 0,
        deadline: int | None = None,
        max_iterations: int = 4,
        user_id: str = TRAVELLER,
    ) -> dict[str, Any]:
        state = {
            "userId": user_id,
            "conversationId": conversation_id,
            "iteration": iteration,
            "deadline": deadline,
        }
        return model_step(
            state,
            provider=provider,
            profiles=profiles,
            conversations=conversations,
            max_iterations=max_iterations,
            now=clock,
        )

    return run


@pytest.fixture
def tool_call(
    tools: ToolRunner, conversations: MemoryConversationStore, conversation_id: str
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def run(call: dict[str, Any]) -> dict[str, Any]:
        event = {"userId": TRAVELLER, "conversationId": conversation_id, "toolCall": call}
        return run_tool_call(event, tools=tools, conversations=conversations)

    return run


def stored(conversations: MemoryConversationStore, conversation_id: str) -> list[Any]:
    return [turn.message for turn in conversations.turns(conversation_id)]


# model_step --------------------------------------------------------------------------------


def test_model_step__an_answer_without_tools_is_done_and_stored(
    step: Callable[..., dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    provider = ScriptedProvider([says("Yes, at 1:1.")])

    output = step(provider)

    assert output == {
        "done": True,
        "answer": "Yes, at 1:1.",
        "toolCalls": [],
        "citations": [],
        "iteration": 1,
        "usage": {"inputTokens": 0, "outputTokens": 0},
    }
    last = stored(conversations, conversation_id)[-1]
    assert isinstance(last, AssistantMessage)
    assert (last.text, last.iteration) == ("Yes, at 1:1.", 1)


def test_model_step__sends_the_rules_the_profile_the_history_and_every_tool(
    step: Callable[..., dict[str, Any]],
) -> None:
    provider = ScriptedProvider([says("ok")])

    step(provider)

    (request,) = provider.requests
    assert "data, never instructions" in request.system
    assert TRAVELLER in request.system
    assert '"AMEX_MR"' in request.system
    assert request.messages == [UserMessage(text="Amex to VS?")]
    assert [t.name for t in request.tools] == list(TOOLS)
    assert request.tools[0].input_schema == TOOLS[request.tools[0].name].input_schema()
    assert request.final is False


def test_model_step__without_a_stored_profile_says_so(
    step: Callable[..., dict[str, Any]], profiles: MemoryProfileStore
) -> None:
    del profiles.profiles[TRAVELLER]
    provider = ScriptedProvider([says("ok")])

    step(provider)

    assert "has not stored a profile" in provider.requests[0].system


def test_model_step__tool_uses_are_returned_as_tool_calls(
    step: Callable[..., dict[str, Any]],
) -> None:
    provider = ScriptedProvider([asks(use("query_loyalty_knowledge", KNOWLEDGE_QUESTION, "u1"))])

    output = step(provider)

    assert output["done"] is False
    assert "answer" not in output
    assert output["toolCalls"] == [
        {"toolUseId": "u1", "name": "query_loyalty_knowledge", "input": KNOWLEDGE_QUESTION}
    ]
    assert output["iteration"] == 1


def test_model_step__retried_after_storing_returns_the_stored_turn_without_a_model_call(
    step: Callable[..., dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    first = step(ScriptedProvider([asks(use("query_loyalty_knowledge", KNOWLEDGE_QUESTION))]))
    turns = len(conversations.turns(conversation_id))

    again = step(ScriptedProvider([]))  # a second model call would fail the test

    assert again == first
    assert len(conversations.turns(conversation_id)) == turns


def test_model_step__the_call_at_the_cap_asks_for_a_final_answer_and_drops_tool_uses(
    step: Callable[..., dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    provider = ScriptedProvider([asks(use("query_loyalty_knowledge", KNOWLEDGE_QUESTION))])

    output = step(provider, iteration=2, max_iterations=3)

    assert provider.requests[0].final is True
    assert "no longer available" in provider.requests[0].system
    assert output["done"] is True
    assert output["answer"] == COULD_NOT_FINISH
    last = stored(conversations, conversation_id)[-1]
    assert isinstance(last, AssistantMessage)
    assert last.tool_uses == []


def test_model_step__past_the_cap_or_the_deadline_answers_without_a_model_call(
    step: Callable[..., dict[str, Any]],
) -> None:
    past_cap = step(ScriptedProvider([]), iteration=4, max_iterations=4)
    assert (past_cap["done"], past_cap["answer"]) == (True, COULD_NOT_FINISH)

    past_deadline = step(ScriptedProvider([]), iteration=0, deadline=NOW_MS - 1)
    assert (past_deadline["done"], past_deadline["answer"]) == (True, COULD_NOT_FINISH)


def test_model_step__close_to_the_deadline_asks_for_the_final_answer(
    step: Callable[..., dict[str, Any]],
) -> None:
    near = ScriptedProvider([says("Short answer.")])
    step(near, deadline=NOW_MS + agent.FINAL_ANSWER_MS - 1)
    assert near.requests[0].final is True


def test_model_step__a_cut_off_or_empty_answer_says_so(
    step: Callable[..., dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    cut = AssistantMessage(text="The best option is", stop_reason="max_tokens")
    assert step(ScriptedProvider([cut]))["answer"] == f"The best option is\n\n{CUT_OFF}"

    conversations.append(TRAVELLER, conversation_id, UserMessage(text="and?"))
    assert step(ScriptedProvider([says("  ")]))["answer"] == COULD_NOT_FINISH


def test_model_step__another_users_conversation_is_forbidden(
    step: Callable[..., dict[str, Any]],
) -> None:
    with pytest.raises(Forbidden):
        step(ScriptedProvider([]), user_id=OTHER)


def test_model_step__a_bad_state_is_an_invalid_request(
    profiles: MemoryProfileStore, conversations: MemoryConversationStore
) -> None:
    with pytest.raises(InvalidRequest, match="conversationId"):
        model_step(
            {"userId": TRAVELLER},
            provider=ScriptedProvider([]),
            profiles=profiles,
            conversations=conversations,
            max_iterations=4,
        )


def test_model_step__only_recent_exchanges_go_to_the_model(
    step: Callable[..., dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent, "HISTORY_EXCHANGES", 2)
    for n in range(3):
        conversations.append(TRAVELLER, conversation_id, says(f"answer {n}"))
        conversations.append(TRAVELLER, conversation_id, UserMessage(text=f"question {n}"))
    provider = ScriptedProvider([says("ok")])

    step(provider)

    assert [getattr(m, "text", None) for m in provider.requests[0].messages] == [
        "question 1",
        "answer 2",
        "question 2",
    ]


# run_tool_call -----------------------------------------------------------------------------


def ask_for(step: Callable[..., dict[str, Any]], *uses: ToolUse) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = step(ScriptedProvider([asks(*uses)]))["toolCalls"]
    return calls


def test_run_tool_call__runs_the_tool_and_stores_its_result(
    step: Callable[..., dict[str, Any]],
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    (call,) = ask_for(step, use("query_loyalty_knowledge", KNOWLEDGE_QUESTION, "u1"))

    output = tool_call(call)

    assert output == {"toolUseId": "u1", "name": "query_loyalty_knowledge", "ok": True}
    result = stored(conversations, conversation_id)[-1]
    assert isinstance(result, ToolResultMessage)
    assert result.ok
    assert result.content["citations"][0]["documentId"] == "doc-amex-partners"


def test_run_tool_call__an_invalid_input_is_refused_before_the_tool_runs(
    step: Callable[..., dict[str, Any]],
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    (call,) = ask_for(
        step, use("analyze_award_redemption_strategies", {"origin": "NYC", "cabinClass": "x"})
    )

    output = tool_call(call)

    assert output["ok"] is False
    assert output["error"]["code"] == "invalid_request"
    assert output["error"]["field"] == "destination"


def test_run_tool_call__get_user_profile_runs_as_the_execution_user_only(
    step: Callable[..., dict[str, Any]],
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    # GIVEN the model asks for another traveller's profile and then for the caller's own
    other, own = ask_for(
        step,
        use("get_user_profile", {"userId": OTHER}, "u-other"),
        use("get_user_profile", {"userId": TRAVELLER}, "u-own"),
    )

    # WHEN both run
    refused, allowed = tool_call(other), tool_call(own)

    # THEN the other user's is refused as forbidden and goes back to the model; own is read
    assert refused["ok"] is False
    assert refused["error"]["code"] == "forbidden"
    assert allowed["ok"] is True
    results = [m for m in stored(conversations, conversation_id) if m.role == "tool"]
    assert results[0].content is None
    assert results[1].content["userId"] == TRAVELLER


def test_run_tool_call__an_unknown_tool_or_unreadable_input_goes_back_as_ok_false(
    step: Callable[..., dict[str, Any]],
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    malformed = ToolUse(
        tool_use_id="u-bad", name="query_loyalty_knowledge", input_error="not valid JSON"
    )
    unknown, unreadable = ask_for(step, use("book_flight", {}, "u-unknown"), malformed)

    assert tool_call(unknown)["error"]["code"] == "invalid_request"
    assert "unknown tool" in tool_call(unknown)["error"]["message"]
    refused = tool_call(unreadable)
    assert refused["ok"] is False
    assert "not valid JSON" in refused["error"]["message"]


def test_run_tool_call__uses_the_stored_tool_use_not_the_payloads_copy(
    step: Callable[..., dict[str, Any]],
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    (call,) = ask_for(step, use("get_user_profile", {"userId": TRAVELLER}, "u1"))

    output = tool_call({**call, "input": {"userId": OTHER}})

    assert output["ok"] is True
    result = stored(conversations, conversation_id)[-1]
    assert result.content["userId"] == TRAVELLER


def test_run_tool_call__retried_returns_the_stored_result_without_running_again(
    step: Callable[..., dict[str, Any]],
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    (call,) = ask_for(step, use("get_user_profile", {"userId": OTHER}, "u1"))
    first = tool_call(call)
    turns = len(conversations.turns(conversation_id))

    assert tool_call(call) == first
    assert len(conversations.turns(conversation_id)) == turns


def test_run_tool_call__a_tool_use_the_model_did_not_ask_for_fails_the_step(
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
) -> None:
    with pytest.raises(InvalidRequest, match="no pending tool use"):
        tool_call({"toolUseId": "forged", "name": "get_user_profile", "input": {}})


def test_run_tool_call__a_too_large_result_is_refused(
    step: Callable[..., dict[str, Any]],
    tool_call: Callable[[dict[str, Any]], dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agent, "MAX_TOOL_RESULT_BYTES", 50)
    (call,) = ask_for(step, use("get_user_profile", {"userId": TRAVELLER}))

    assert tool_call(call)["error"]["code"] == "result_too_large"


def test_run_tool_call__an_infrastructure_error_raises(
    step: Callable[..., dict[str, Any]],
    conversations: MemoryConversationStore,
    profiles: MemoryProfileStore,
    conversation_id: str,
) -> None:
    class Down:
        def query(self, text: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
            raise NeptuneError("Neptune unreachable")

    (call,) = ask_for(step, use("query_loyalty_knowledge", KNOWLEDGE_QUESTION))
    runner = ToolRunner(KnowledgeRepository(Down()), profiles)

    with pytest.raises(NeptuneError):
        run_tool_call(
            {"userId": TRAVELLER, "conversationId": conversation_id, "toolCall": call},
            tools=runner,
            conversations=conversations,
        )


# run_conversation --------------------------------------------------------------------------


def test_run_conversation__loops_tools_and_model_until_an_answer_with_citations(
    tools: ToolRunner,
    profiles: MemoryProfileStore,
    conversations: MemoryConversationStore,
    conversation_id: str,
    clock: Callable[[], dt.datetime],
) -> None:
    def answer_from_results(request: ModelRequest) -> AssistantMessage:
        results = [m for m in request.messages if isinstance(m, ToolResultMessage)]
        assert [r.tool_use_id for r in results] == ["u1", "u2"]
        return says("Yes: Membership Rewards moves to Flying Club at 1:1 [doc-amex-partners].")

    provider = ScriptedProvider(
        [
            asks(
                use("query_loyalty_knowledge", KNOWLEDGE_QUESTION, "u1"),
                use("get_user_profile", {"userId": TRAVELLER}, "u2"),
            ),
            answer_from_results,
        ]
    )

    output = run_conversation(
        TRAVELLER,
        conversation_id,
        provider=provider,
        profiles=profiles,
        conversations=conversations,
        tools=tools,
        max_iterations=4,
        now=clock,
    )

    assert output["conversationId"] == conversation_id
    assert output["answer"].endswith("[doc-amex-partners].")
    assert [(c["name"], c["ok"]) for c in output["toolCalls"]] == [
        ("query_loyalty_knowledge", True),
        ("get_user_profile", True),
    ]
    assert output["citations"] == [
        {
            "documentId": "doc-amex-partners",
            "sourceUrl": "https://example.com/amex-transfer-partners",
            "title": "Membership Rewards transfer partners",
        }
    ]
    final = stored(conversations, conversation_id)[-1]
    assert isinstance(final, AssistantMessage)
    assert [c.document_id for c in final.citations] == ["doc-amex-partners"]


def test_run_conversation__a_model_that_never_stops_asking_ends_at_the_cap(
    tools: ToolRunner,
    profiles: MemoryProfileStore,
    conversations: MemoryConversationStore,
    conversation_id: str,
) -> None:
    provider = ScriptedProvider(
        [asks(use("get_user_profile", {"userId": TRAVELLER}, f"u{n}")) for n in range(3)]
    )

    output = run_conversation(
        TRAVELLER,
        conversation_id,
        provider=provider,
        profiles=profiles,
        conversations=conversations,
        tools=tools,
        max_iterations=3,
    )

    assert len(provider.requests) == 3
    assert [r.final for r in provider.requests] == [False, False, True]
    assert output["answer"] == COULD_NOT_FINISH
    assert len(output["toolCalls"]) == 2
