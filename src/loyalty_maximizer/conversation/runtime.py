"""What the conversation Lambdas run against, built from their environment
(docs/topology.md) on first use and kept for the container's life: the profiles table's
stores, the knowledge repository over Neptune, the tool runner, the model provider and the
conversation machine. Any piece can be injected instead (tests, the local cloud).

Nothing is built at import or construction: a handler creates its ``Runtime`` at module
level and each piece appears when a request first needs it. The pieces' modules are imported
then too, so a cold start pays only for what its first request uses.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING

from loyalty_maximizer.conversation.api import StepFunctionsExecutor
from loyalty_maximizer.conversation.dynamo import DynamoConversationStore, DynamoProfileStore
from loyalty_maximizer.conversation.errors import ConfigurationError
from loyalty_maximizer.conversation.store import (
    DEFAULT_TTL_DAYS,
    ConversationStore,
    ProfileRepository,
    utc_now,
)

if TYPE_CHECKING:
    import boto3
    import requests
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_stepfunctions import SFNClient

    from loyalty_maximizer.conversation.providers.base import ModelProvider
    from loyalty_maximizer.conversation.tool_runner import ToolRunner
    from loyalty_maximizer.graph.repository import CypherRunner, KnowledgeRepository
    from loyalty_maximizer.model_calls import ConverseClient

DEFAULT_MAX_TOOL_ITERATIONS = 6
# How long a warm container trusts its cached reference data before reading the graph
# again, so a finished graph load shows within minutes.
KNOWLEDGE_MAX_AGE_SECONDS = 300.0
# A synchronous execution runs up to the machine's 25 s; the call must outwait it, and must
# not be retried (that would run the conversation twice).
STEPFUNCTIONS_READ_TIMEOUT_SECONDS = 40


class Runtime:
    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        session: boto3.Session | None = None,
        dynamodb: DynamoDBClient | None = None,
        stepfunctions: SFNClient | None = None,
        bedrock: ConverseClient | None = None,
        http: requests.Session | None = None,
        cypher: CypherRunner | None = None,
        profiles: ProfileRepository | None = None,
        conversations: ConversationStore | None = None,
        repository: KnowledgeRepository | None = None,
        provider: ModelProvider | None = None,
        clock: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        self._session = session
        self._dynamodb = dynamodb
        self._stepfunctions = stepfunctions
        self._bedrock = bedrock
        self._http = http
        self._cypher = cypher
        self._profiles = profiles
        self._conversations = conversations
        self._repository = repository
        self._provider = provider
        self.clock = clock

    def _require(self, name: str) -> str:
        value = self.env.get(name, "").strip()
        if not value:
            raise ConfigurationError(f"the environment variable {name} is not set")
        return value

    def _positive_int(self, name: str, default: int) -> int:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1:
            raise ConfigurationError(f"{name} must be a positive whole number, not {raw!r}")
        return value

    # Settings

    @property
    def ttl_days(self) -> int:
        return self._positive_int("CONVERSATION_TTL_DAYS", DEFAULT_TTL_DAYS)

    @property
    def max_iterations(self) -> int:
        return self._positive_int("MAX_TOOL_ITERATIONS", DEFAULT_MAX_TOOL_ITERATIONS)

    # Clients

    @cached_property
    def session(self) -> boto3.Session:
        if self._session is not None:
            return self._session
        import boto3  # on first use: the SDK is a large part of a cold start

        return boto3.Session()

    @cached_property
    def http(self) -> requests.Session:
        if self._http is not None:
            return self._http
        import requests

        return requests.Session()

    @cached_property
    def dynamodb(self) -> DynamoDBClient:
        return self._dynamodb or self.session.client("dynamodb")

    @cached_property
    def stepfunctions(self) -> SFNClient:
        if self._stepfunctions is not None:
            return self._stepfunctions
        from botocore.config import Config

        config = Config(
            connect_timeout=5,
            read_timeout=STEPFUNCTIONS_READ_TIMEOUT_SECONDS,
            retries={"total_max_attempts": 1},
        )
        return self.session.client("stepfunctions", config=config)

    @cached_property
    def cypher(self) -> CypherRunner:
        if self._cypher is not None:
            return self._cypher
        region = self.env.get("AWS_REGION") or self.session.region_name
        if not region:
            raise ConfigurationError("no AWS region: set AWS_REGION")
        from loyalty_maximizer.graph.neptune import NeptuneClient

        return NeptuneClient.from_session(
            self._require("NEPTUNE_ENDPOINT"), region, self.session, self.http
        )

    # Services

    @cached_property
    def profiles(self) -> ProfileRepository:
        if self._profiles is not None:
            return self._profiles
        return DynamoProfileStore(self.dynamodb, self._require("PROFILES_TABLE"), clock=self.clock)

    @cached_property
    def conversations(self) -> ConversationStore:
        if self._conversations is not None:
            return self._conversations
        return DynamoConversationStore(
            self.dynamodb,
            self._require("PROFILES_TABLE"),
            ttl_days=self.ttl_days,
            clock=self.clock,
        )

    @cached_property
    def repository(self) -> KnowledgeRepository:
        if self._repository is not None:
            return self._repository
        from loyalty_maximizer.graph.repository import KnowledgeRepository

        return KnowledgeRepository(self.cypher, max_age=KNOWLEDGE_MAX_AGE_SECONDS)

    @cached_property
    def tools(self) -> ToolRunner:
        from loyalty_maximizer.conversation.tool_runner import ToolRunner

        return ToolRunner(self.repository, self.profiles)

    @cached_property
    def provider(self) -> ModelProvider:
        if self._provider is not None:
            return self._provider
        from loyalty_maximizer.conversation.providers.factory import provider_from_env

        offline = (self.env.get("MODEL_PROVIDER", "").strip().lower() or "offline") == "offline"
        return provider_from_env(
            self.env,
            bedrock_client=self._bedrock,
            http=self.http,
            repository=self.repository if offline and self.env.get("NEPTUNE_ENDPOINT") else None,
        )

    @cached_property
    def executor(self) -> StepFunctionsExecutor:
        return StepFunctionsExecutor(
            self.stepfunctions, self._require("CONVERSATION_STATE_MACHINE_ARN"), clock=self.clock
        )
