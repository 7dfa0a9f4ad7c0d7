"""The tools of contracts/tools.md by name: request model, description and implementation.
The CLI, the MCP server and the agent all call tools through ``call_tool``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from loyalty_maximizer.errors import InvalidRequest, LoyaltyError
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.profiles import ProfileStore, profile_json, read_own_profile
from loyalty_maximizer.tools.awards import analyze_award_redemption_strategies
from loyalty_maximizer.tools.crediting import recommend_crediting_program
from loyalty_maximizer.tools.earnings import calculate_flight_earnings
from loyalty_maximizer.tools.knowledge import KnowledgeSearch, query_loyalty_knowledge
from loyalty_maximizer.tools.requests import (
    AwardRequest,
    CreditingRequest,
    EarningsRequest,
    KnowledgeRequest,
    ProfileRequest,
    ToolRequest,
    parse_request,
)


class ProfileUnavailable(LoyaltyError):
    code = "profile_unavailable"


@dataclass
class ToolContext:
    """What tools run against: the knowledge, the profiles, and who is asking."""

    repo: KnowledgeRepository
    profiles: ProfileStore | None = None
    caller_id: str | None = None

    @cached_property
    def search(self) -> KnowledgeSearch:
        return KnowledgeSearch(self.repo)


def _profile(context: ToolContext, request: ProfileRequest) -> dict[str, Any]:
    if context.profiles is None:
        raise ProfileUnavailable("no profile store is configured (CLI: pass --profile FILE)")
    return profile_json(read_own_profile(context.profiles, context.caller_id, request.user_id))


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    request_model: type[ToolRequest]
    run: Callable[[ToolContext, Any], dict[str, Any]]

    def input_schema(self) -> dict[str, Any]:
        return self.request_model.model_json_schema(by_alias=True)


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool(
            "analyze_award_redemption_strategies",
            "Find the programs that can book an award trip, what it costs in points, and the "
            "cheapest way to fund it from the traveller's balances and transfer partners.",
            AwardRequest,
            lambda c, r: analyze_award_redemption_strategies(c.repo, r),
        ),
        Tool(
            "calculate_flight_earnings",
            "Calculate the redeemable miles and elite-qualifying metrics a paid itinerary "
            "earns in each loyalty program it can be credited to.",
            EarningsRequest,
            lambda c, r: calculate_flight_earnings(c.repo, r),
        ),
        Tool(
            "recommend_crediting_program",
            "Recommend which program to credit flights to in order to reach or keep an elite "
            "status (for example Star Alliance Gold).",
            CreditingRequest,
            lambda c, r: recommend_crediting_program(c.repo, r),
        ),
        Tool(
            "get_user_profile",
            "Read the signed-in traveller's loyalty profile: memberships, balances, statuses, "
            "elite progress and preferences.",
            ProfileRequest,
            _profile,
        ),
        Tool(
            "query_loyalty_knowledge",
            "Answer a loyalty rule question from the knowledge graph and its source passages, "
            "with citations.",
            KnowledgeRequest,
            lambda c, r: query_loyalty_knowledge(c.search, r),
        ),
    )
}


def call_tool(context: ToolContext, name: str, payload: Any) -> dict[str, Any]:
    """Validate ``payload`` against the tool's request model and run the tool."""
    tool = TOOLS.get(name)
    if tool is None:
        known = ", ".join(sorted(TOOLS))
        raise InvalidRequest(f'unknown tool "{name}" (known: {known})', "name")
    return tool.run(context, parse_request(tool.request_model, payload))
