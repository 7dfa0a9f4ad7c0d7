"""The model provider a deployment is configured for (docs/topology.md, agent_step):

- ``MODEL_PROVIDER``: ``bedrock``, ``openai`` or ``offline``
- ``BEDROCK_MODEL_ID``: the Bedrock model or inference profile id (``bedrock``)
- ``OPENAI_BASE_URL``: the endpoint (``openai``); ``OPENAI_MODEL`` and ``OPENAI_API_KEY``
  when the endpoint wants them

Clients are built only when the chosen provider needs one and none was injected.
"""

from __future__ import annotations

from collections.abc import Mapping

import boto3
import requests
from botocore.config import Config

from loyalty_maximizer.conversation.errors import ConfigurationError
from loyalty_maximizer.conversation.providers.base import ModelProvider
from loyalty_maximizer.conversation.providers.bedrock import BedrockProvider
from loyalty_maximizer.conversation.providers.openai_compat import OpenAICompatibleProvider
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.model_calls import ConverseClient

PROVIDERS = ("bedrock", "openai", "offline")

# The provider retries throttling itself; a model step must end well inside the
# conversation's 25 seconds.
BEDROCK_CLIENT_CONFIG = Config(
    connect_timeout=5, read_timeout=20, retries={"total_max_attempts": 1}
)


def provider_from_env(
    env: Mapping[str, str],
    *,
    bedrock_client: ConverseClient | None = None,
    http: requests.Session | None = None,
    repository: KnowledgeRepository | None = None,
) -> ModelProvider:
    kind = env.get("MODEL_PROVIDER", "").strip().lower() or "offline"
    if kind == "bedrock":
        model_id = env.get("BEDROCK_MODEL_ID", "").strip()
        if not model_id:
            raise ConfigurationError("MODEL_PROVIDER=bedrock needs BEDROCK_MODEL_ID")
        client = bedrock_client or boto3.client("bedrock-runtime", config=BEDROCK_CLIENT_CONFIG)
        return BedrockProvider(client, model_id)
    if kind == "openai":
        base_url = env.get("OPENAI_BASE_URL", "").strip()
        if not base_url:
            raise ConfigurationError("MODEL_PROVIDER=openai needs OPENAI_BASE_URL")
        return OpenAICompatibleProvider(
            base_url,
            http=http or requests.Session(),
            model=env.get("OPENAI_MODEL", "").strip() or None,
            api_key=env.get("OPENAI_API_KEY", "").strip() or None,
        )
    if kind == "offline":
        if repository is None:
            raise ConfigurationError(
                "MODEL_PROVIDER=offline reads its vocabulary from the knowledge graph: set "
                "NEPTUNE_ENDPOINT"
            )
        from loyalty_maximizer.conversation.offline_agent import OfflineAgent

        return OfflineAgent.for_repository(repository)
    raise ConfigurationError(
        f"unknown MODEL_PROVIDER {kind!r}: set it to one of {', '.join(PROVIDERS)}"
    )
