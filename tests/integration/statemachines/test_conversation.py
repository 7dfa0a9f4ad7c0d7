"""The conversation state machine (statemachines/conversation.asl.json, Express) run by
moto's interpreter with Python doubles for agent_step and tool_executor. moto has no
StartSyncExecution, so these start the Express machine with StartExecution and wait for
it (the ``execute`` fixture); the machine's states and payloads are what is under test.
The payloads asserted are docs/topology.md's ("Conversation execution")."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.integration

ITERATION_CAP = 8  # the StepOutcome choice's cap, as shipped

TURN = {
    "userId": "user-sub-1",
    "conversationId": "c-42",
    "requestId": "r-7",
    "deadline": 1_767_000_000_000,
}

TOOL_CALLS = [
    {
        "toolUseId": "t-1",
        "name": "find_award_pathways",
        "input": {"origin": "JFK", "destination": "LHR", "cabin": "business"},
    },
    {"toolUseId": "t-2", "name": "get_user_profile", "input": {}},
]


def wants_tools(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "done": False,
        "toolCalls": TOOL_CALLS,
        "citations": [],
        "iteration": event["iteration"],
    }


def tool_ok(event: dict[str, Any]) -> dict[str, Any]:
    return {
        "toolUseId": event["toolCall"]["toolUseId"],
        "name": event["toolCall"]["name"],
        "ok": True,
    }


def test_start_execution__one_tool_round_then_answer(
    conversation: Any, cloud: Any, execute: Any
) -> None:
    answer = {
        "done": True,
        "answer": "Transfer 110k Amex points to Virgin Atlantic.",
        "toolCalls": [],
        "citations": [{"source": "virgin-atlantic-awards.html"}],
        "iteration": 1,
    }
    cloud.on("agent-step", lambda event: wants_tools(event) if event["iteration"] == 0 else answer)
    cloud.on("tool-executor", tool_ok)

    result = execute(conversation, TURN)

    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == {
        "conversationId": "c-42",
        "answer": answer["answer"],
        "toolCalls": [],
        "citations": answer["citations"],
    }
    targets = cloud.targets()
    assert targets[0] == "agent-step"
    assert sorted(targets[1:3]) == ["tool-executor", "tool-executor"]
    assert targets[3:] == ["agent-step"]
    step = {"userId": "user-sub-1", "conversationId": "c-42", "deadline": TURN["deadline"]}
    assert cloud.payloads("agent-step") == [step | {"iteration": 0}, step | {"iteration": 1}]
    tool_payloads = sorted(
        cloud.payloads("tool-executor"), key=lambda p: p["toolCall"]["toolUseId"]
    )
    assert tool_payloads == [
        {"userId": "user-sub-1", "conversationId": "c-42", "toolCall": call} for call in TOOL_CALLS
    ]


def test_start_execution__tool_error_answer_goes_back_to_the_model(
    conversation: Any, cloud: Any, execute: Any
) -> None:
    done = {
        "done": True,
        "answer": "Which airport?",
        "toolCalls": [],
        "citations": [],
        "iteration": 1,
    }
    cloud.on("agent-step", lambda event: wants_tools(event) if event["iteration"] == 0 else done)
    cloud.on("tool-executor", lambda event: {**tool_ok(event), "ok": False, "error": "not_found"})

    result = execute(conversation, TURN)

    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"])["answer"] == "Which airport?"


def test_start_execution__failing_tool_executor_ends_in_tool_failed(
    conversation: Any, cloud: Any, execute: Any
) -> None:
    def broken_tool(event: dict[str, Any]) -> Any:
        raise ConnectionError("Neptune endpoint unreachable")

    cloud.on("agent-step", wants_tools)
    cloud.on("tool-executor", broken_tool)

    result = execute(conversation, TURN)

    assert result["status"] == "FAILED"
    assert result["error"] == "ToolFailed"
    assert json.loads(result["cause"])["Error"] == "ConnectionError"
    assert cloud.targets().count("agent-step") == 1


def test_start_execution__model_that_never_finishes_hits_the_iteration_cap(
    conversation: Any, cloud: Any, execute: Any
) -> None:
    cloud.on("agent-step", wants_tools)
    cloud.on("tool-executor", tool_ok)

    result = execute(conversation, TURN)

    assert result["status"] == "FAILED"
    assert result["error"] == "IterationCapReached"
    iterations = [payload["iteration"] for payload in cloud.payloads("agent-step")]
    assert iterations == list(range(ITERATION_CAP + 1))
    assert len(cloud.payloads("tool-executor")) == ITERATION_CAP * len(TOOL_CALLS)
