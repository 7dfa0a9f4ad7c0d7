"""The model provider chosen from the agent_step environment."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from loyalty_maximizer.conversation.errors import ConfigurationError
from loyalty_maximizer.conversation.offline_agent import OfflineAgent
from loyalty_maximizer.conversation.providers.bedrock import BedrockProvider
from loyalty_maximizer.conversation.providers.factory import provider_from_env
from loyalty_maximizer.conversation.providers.openai_compat import OpenAICompatibleProvider
from loyalty_maximizer.graph.repository import KnowledgeRepository


@pytest.fixture
def bedrock_client() -> Any:
    return boto3.client(
        "bedrock-runtime",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_provider_from_env__bedrock_uses_the_model_id(bedrock_client: Any) -> None:
    provider = provider_from_env(
        {"MODEL_PROVIDER": "bedrock", "BEDROCK_MODEL_ID": "amazon.nova-pro-v1:0"},
        bedrock_client=bedrock_client,
    )

    assert isinstance(provider, BedrockProvider)
    assert (provider.model_id, provider.client) == ("amazon.nova-pro-v1:0", bedrock_client)


def test_provider_from_env__openai_uses_the_endpoint_model_and_key() -> None:
    provider = provider_from_env(
        {
            "MODEL_PROVIDER": "OpenAI",
            "OPENAI_BASE_URL": "http://127.0.0.1:8080/v1",
            "OPENAI_MODEL": "qwen2.5-7b-instruct",
            "OPENAI_API_KEY": "sk-test",
        }
    )

    assert isinstance(provider, OpenAICompatibleProvider)
    assert provider.url == "http://127.0.0.1:8080/v1/chat/completions"
    assert (provider.model, provider.api_key) == ("qwen2.5-7b-instruct", "sk-test")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MODEL_PROVIDER": "bedrock"}, "BEDROCK_MODEL_ID"),
        ({"MODEL_PROVIDER": "openai"}, "OPENAI_BASE_URL"),
        ({"MODEL_PROVIDER": "offline"}, "set NEPTUNE_ENDPOINT"),
        ({}, "set NEPTUNE_ENDPOINT"),
        ({"MODEL_PROVIDER": "gpt"}, "unknown MODEL_PROVIDER 'gpt'"),
    ],
)
def test_provider_from_env__says_what_is_missing(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        provider_from_env(env)


def test_provider_from_env__offline_agent_over_the_knowledge(
    sample_repository: KnowledgeRepository,
) -> None:
    provider = provider_from_env({"MODEL_PROVIDER": "offline"}, repository=sample_repository)
    assert isinstance(provider, OfflineAgent)
    assert "AMEX_MR" in provider.vocabulary.program_names
