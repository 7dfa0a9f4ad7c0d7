"""`loyalty mcp` (contracts/README.md): the tools of the registry over MCP on stdio, seen
from the SDK's own stdio client. One server per profile setting for the whole module: a
blocking portal keeps each client session open across the tests."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TextIO

import mcp.types as types
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from loyalty_maximizer.tools.registry import TOOLS

pytestmark = pytest.mark.integration

LOYALTY = Path(sys.executable).with_name("loyalty")
TOOL_NAMES = [
    "analyze_award_redemption_strategies",
    "calculate_flight_earnings",
    "recommend_crediting_program",
    "get_user_profile",
    "query_loyalty_knowledge",
    "extract_loyalty_info_from_document",
    "update_user_profile",
]
PROFILE: dict[str, Any] = {
    "userId": "user-1",
    "loyaltyPrograms": [
        {
            "programId": "AMEX_MR",
            "programName": "Membership Rewards",
            "statusTier": None,
            "redeemableBalance": {"amount": 150000, "currencyName": "points"},
            "eliteQualifyingMetrics": [],
        }
    ],
    "preferences": {
        "homeAirport": "JFK",
        "preferredAirlines": [],
        "preferredAlliances": [],
        "preferredCabin": "business",
    },
}
AWARD = {
    "origin": "NYC",
    "destination": "LHR",
    "cabinClass": "business",
    "userRewardsBalances": [{"programId": "AMEX_MR", "balance": 150000}],
    "asOfDate": "2026-11-22",
}


@asynccontextmanager
async def connect(args: list[str], errlog: TextIO) -> AsyncIterator[ClientSession]:
    """A session with `loyalty ARGS`, initialised."""
    server = StdioServerParameters(command=str(LOYALTY), args=args)
    async with (
        stdio_client(server, errlog=errlog) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


class Client:
    """A live session driven from synchronous tests."""

    def __init__(self, portal: BlockingPortal, session: ClientSession, errlog: Path) -> None:
        self.portal = portal
        self.session = session
        self.errlog = errlog

    def list_tools(self) -> list[types.Tool]:
        return self.portal.call(self.session.list_tools).tools

    def call(self, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        result = self.portal.call(self.session.call_tool, name, arguments)
        assert isinstance(result, types.CallToolResult)
        return result


@pytest.fixture(scope="module")
def portal() -> Iterator[BlockingPortal]:
    with start_blocking_portal() as running:
        yield running


@pytest.fixture(scope="module")
def profile_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mcp-profile") / "profile.json"
    path.write_text(json.dumps(PROFILE), encoding="utf-8")
    return path


def _client(portal: BlockingPortal, args: list[str], errlog: Path) -> Iterator[Client]:
    with (
        errlog.open("w", encoding="utf-8") as log,
        portal.wrap_async_context_manager(connect(args, log)) as session,
    ):
        yield Client(portal, session, errlog)


@pytest.fixture(scope="module")
def client(portal: BlockingPortal, sample_kb_dir: Path, profile_file: Path) -> Iterator[Client]:
    """`loyalty mcp --kb KB --profile FILE`: user-1 signed in."""
    args = ["mcp", "--kb", str(sample_kb_dir), "--profile", str(profile_file)]
    yield from _client(portal, args, profile_file.with_name("stderr.log"))


@pytest.fixture(scope="module")
def anonymous(
    portal: BlockingPortal, sample_kb_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Client]:
    """`loyalty mcp --kb KB`: no profile."""
    errlog = tmp_path_factory.mktemp("mcp-anonymous") / "stderr.log"
    yield from _client(portal, ["mcp", "--kb", str(sample_kb_dir)], errlog)


def payload(result: types.CallToolResult) -> Any:
    """The JSON of a result's text, which the structured content repeats."""
    [content] = result.content
    assert isinstance(content, types.TextContent)
    data = json.loads(content.text)
    assert result.structured_content == data
    return data


def test_list_tools__every_tool_with_its_request_models_schema(client: Client) -> None:
    # WHEN the tools are listed
    tools = client.list_tools()
    # THEN all seven, in the registry's order, each with its request model's JSON Schema
    assert [t.name for t in tools] == TOOL_NAMES == list(TOOLS)
    for tool in tools:
        assert tool.input_schema == TOOLS[tool.name].input_schema(), tool.name
        assert tool.description == TOOLS[tool.name].description


def test_call__award_analysis_answers_with_award_options(client: Client) -> None:
    # WHEN analyze_award_redemption_strategies is called for NYC-LHR in business
    result = client.call("analyze_award_redemption_strategies", AWARD)
    # THEN a JSON result (text and structured content) with the options
    assert not result.is_error
    answer = payload(result)
    assert answer["awardOptions"]
    assert answer["awardOptions"][0]["optionId"] == "opt-1"
    assert {o["programId"] for o in answer["awardOptions"]} >= {"VS_FLYINGCLUB"}


@pytest.mark.parametrize(
    ("name", "arguments", "field"),
    [
        ("analyze_award_redemption_strategies", {**AWARD, "cabinClass": "suite"}, "cabinClass"),
        ("analyze_award_redemption_strategies", {"origin": "NYC"}, "destination"),
        ("calculate_flight_earnings", {"flightItinerary": {"segments": []}}, None),
        ("book_flight", {}, "name"),
    ],
)
def test_call__invalid_request_is_an_error_result(
    client: Client, name: str, arguments: dict[str, Any], field: str | None
) -> None:
    # GIVEN a bad request or an unknown tool  WHEN called
    result = client.call(name, arguments)
    # THEN a tool result with isError and the contract's error JSON, no traceback
    assert result.is_error
    error = payload(result)["error"]
    assert error["code"] == "invalid_request"
    if field is not None:
        assert error["field"] == field
    else:
        assert error["field"].startswith("flightItinerary.segments")
    assert "Traceback" not in error["message"]


def test_get_user_profile__the_profile_files_traveller(client: Client) -> None:
    # GIVEN --profile of user-1  WHEN user-1's profile is read  THEN the file's profile
    result = client.call("get_user_profile", {"userId": "user-1"})
    assert not result.is_error
    profile = payload(result)
    assert profile["userId"] == "user-1"
    assert profile["loyaltyPrograms"][0]["programId"] == "AMEX_MR"
    # AND another traveller's is forbidden
    other = client.call("get_user_profile", {"userId": "user-2"})
    assert other.is_error
    assert payload(other)["error"]["code"] == "forbidden"


def test_update_user_profile__saves_to_the_profile_file(client: Client, profile_file: Path) -> None:
    # WHEN user-1 sets a Flying Club balance
    result = client.call(
        "update_user_profile",
        {"userId": "user-1", "programs": [{"programId": "VS_FLYINGCLUB", "balance": 20000}]},
    )
    # THEN the updated profile comes back, and the file holds it
    assert not result.is_error
    updated = payload(result)
    assert updated["loyaltyPrograms"][-1]["redeemableBalance"] == {
        "amount": 20000,
        "currencyName": "points",
    }
    assert json.loads(profile_file.read_text(encoding="utf-8")) == updated
    assert payload(client.call("get_user_profile", {"userId": "user-1"})) == updated


def test_profile_tools__without_a_profile_are_unavailable(anonymous: Client) -> None:
    # GIVEN no --profile  WHEN the profile tools are called  THEN profile_unavailable
    for name, arguments in [
        ("get_user_profile", {"userId": "user-1"}),
        ("update_user_profile", {"userId": "user-1", "preferences": {"homeAirport": "JFK"}}),
    ]:
        result = anonymous.call(name, arguments)
        assert result.is_error, name
        assert payload(result)["error"]["code"] == "profile_unavailable", name
    # AND the other tools answer as usual
    assert not anonymous.call("analyze_award_redemption_strategies", AWARD).is_error


def test_logs_go_to_stderr(client: Client) -> None:
    # GIVEN a working session (stdout carries only the protocol)
    client.list_tools()
    # THEN the server's log is on stderr
    assert "serving 7 tools over MCP on stdio for user-1" in client.errlog.read_text()


@pytest.mark.parametrize("kb_args", [["--kb", "{missing}"], []])
def test_mcp__missing_knowledge_base_exits_2_with_a_json_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kb_args: list[str]
) -> None:
    # GIVEN --kb naming no knowledge base, or no --kb and no LOYALTY_KB
    monkeypatch.delenv("LOYALTY_KB", raising=False)
    args = [a.format(missing=tmp_path / "none") for a in kb_args]
    done = subprocess.run(
        [str(LOYALTY), "mcp", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    # THEN exit 2, nothing on stdout, a JSON error on stderr
    assert done.returncode == 2
    assert done.stdout == ""
    error = json.loads(done.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] in {"knowledge_base", "invalid_request"}
