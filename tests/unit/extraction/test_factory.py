"""Choosing the extractor from configuration, building clients only when asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from loyalty_maximizer.extraction.bedrock import BedrockExtractor
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.factory import (
    ExtractorConfigurationError,
    extractor_from_env,
    make_extractor,
)
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.extraction.openai_compat import OpenAICompatibleExtractor
from loyalty_maximizer.facts.models import Airline, LoyaltyProgram

DATA = Path(__file__).parent / "data"
MODEL_ID = "us.anthropic.claude-3-5-haiku-20241022-v1:0"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    records = json.loads((DATA / "catalogue.json").read_text())
    return Catalogue.build(
        [LoyaltyProgram.model_validate(r) for r in records["programs"]],
        [Airline.model_validate(r) for r in records["airlines"]],
    )


@pytest.fixture
def no_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Building a boto3 client or a requests session fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a client was built")

    monkeypatch.setattr(boto3, "client", refuse)
    monkeypatch.setattr(requests, "Session", refuse)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.mark.usefixtures("no_clients")
@pytest.mark.parametrize("env", [{}, {"LOYALTY_EXTRACTOR": "offline"}, {"LOYALTY_EXTRACTOR": ""}])
def test_extractor_from_env__defaults_to_offline_without_clients(
    catalogue: Catalogue, env: dict[str, str]
) -> None:
    # GIVEN no extractor setting, or the offline one / WHEN the extractor is chosen
    extractor = extractor_from_env(catalogue, env)
    # THEN it is the offline extractor over the catalogue, and no client was built
    assert isinstance(extractor, OfflineExtractor)
    assert extractor.catalogue is catalogue


@pytest.mark.usefixtures("aws_env")
def test_extractor_from_env__bedrock_builds_its_runtime_client(catalogue: Catalogue) -> None:
    # GIVEN the Bedrock settings
    env = {"LOYALTY_EXTRACTOR": "Bedrock", "LOYALTY_BEDROCK_MODEL_ID": MODEL_ID}
    # WHEN the extractor is chosen
    extractor = extractor_from_env(catalogue, env)
    # THEN it calls that model through a bedrock-runtime client that leaves retrying to
    # the extractor
    assert isinstance(extractor, BedrockExtractor)
    assert extractor.model_id == MODEL_ID
    client: Any = extractor.client
    assert client.meta.service_model.service_name == "bedrock-runtime"
    assert client.meta.config.retries["total_max_attempts"] == 1
    assert client.meta.config.read_timeout == 300


@pytest.mark.usefixtures("no_clients")
def test_make_extractor__uses_an_injected_bedrock_client(catalogue: Catalogue) -> None:
    # GIVEN a client built by the caller
    client = object()
    # WHEN a Bedrock extractor is made with it and a token bound
    extractor = make_extractor(
        "bedrock",
        catalogue,
        bedrock_client=client,  # type: ignore[arg-type]
        model_id=MODEL_ID,
        max_tokens=1000,
    )
    # THEN that client is used and none is built
    assert isinstance(extractor, BedrockExtractor)
    assert extractor.client is client
    assert extractor.max_tokens == 1000


@pytest.mark.usefixtures("no_clients")
def test_extractor_from_env__bedrock_needs_a_model_id(catalogue: Catalogue) -> None:
    # GIVEN Bedrock chosen without a model / WHEN the extractor is chosen
    with pytest.raises(ExtractorConfigurationError, match="set LOYALTY_BEDROCK_MODEL_ID") as err:
        extractor_from_env(catalogue, {"LOYALTY_EXTRACTOR": "bedrock"})
    # THEN the error says which setting is missing, as a configuration error
    assert err.value.code == "invalid_configuration"


def test_extractor_from_env__openai_uses_the_endpoint_model_and_key(
    catalogue: Catalogue,
) -> None:
    # GIVEN the OpenAI-compatible settings of a local model server
    env = {
        "LOYALTY_EXTRACTOR": "openai",
        "LOYALTY_OPENAI_BASE_URL": "http://127.0.0.1:8080",
        "LOYALTY_OPENAI_MODEL": "qwen2.5-7b-instruct",
        "LOYALTY_OPENAI_API_KEY": "sk-local",
    }
    # WHEN the extractor is chosen
    extractor = extractor_from_env(catalogue, env)
    # THEN it posts to that endpoint, for that model, with the key, over its own session
    assert isinstance(extractor, OpenAICompatibleExtractor)
    assert extractor.url == "http://127.0.0.1:8080/v1/chat/completions"
    assert extractor.model == "qwen2.5-7b-instruct"
    assert extractor.api_key == "sk-local"
    assert isinstance(extractor.http, requests.Session)


@pytest.mark.usefixtures("no_clients")
@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"LOYALTY_OPENAI_MODEL": "m"}, "set LOYALTY_OPENAI_BASE_URL$"),
        ({"LOYALTY_OPENAI_BASE_URL": "http://h"}, "set LOYALTY_OPENAI_MODEL$"),
        ({}, "set LOYALTY_OPENAI_BASE_URL and LOYALTY_OPENAI_MODEL$"),
    ],
)
def test_extractor_from_env__openai_needs_an_endpoint_and_a_model(
    catalogue: Catalogue, env: dict[str, str], missing: str
) -> None:
    # GIVEN the OpenAI-compatible extractor chosen without all its settings
    # WHEN the extractor is chosen / THEN the error names what is missing
    with pytest.raises(ExtractorConfigurationError, match=missing):
        extractor_from_env(catalogue, {"LOYALTY_EXTRACTOR": "openai", **env})


@pytest.mark.usefixtures("no_clients")
def test_make_extractor__rejects_an_unknown_kind(catalogue: Catalogue) -> None:
    # GIVEN a kind that does not exist / WHEN made / THEN the error lists the kinds
    with pytest.raises(
        ExtractorConfigurationError,
        match="unknown extractor 'gpt': set LOYALTY_EXTRACTOR to one of offline, bedrock, openai",
    ):
        make_extractor("gpt", catalogue)
