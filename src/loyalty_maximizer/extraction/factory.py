"""The extractor a deployment is configured for: the offline one (the default), a Bedrock
model, or an OpenAI-compatible endpoint.

Clients are built only when the chosen extractor needs one and none was injected: a
``bedrock-runtime`` client (its own retries off, since the extractor retries throttling
with backoff itself) or a ``requests`` session.

Environment (``extractor_from_env``):

- ``LOYALTY_EXTRACTOR``: ``offline`` (default), ``bedrock`` or ``openai``
- ``LOYALTY_BEDROCK_MODEL_ID``: the Bedrock model or inference profile id (for ``bedrock``)
- ``LOYALTY_OPENAI_BASE_URL``, ``LOYALTY_OPENAI_MODEL``: the endpoint and model name (for
  ``openai``); ``LOYALTY_OPENAI_API_KEY`` when the endpoint wants one
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, Protocol, get_args

import boto3
import requests
from botocore.config import Config

from loyalty_maximizer.documents.model import PreparedDocument
from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.extraction.bedrock import BedrockExtractor, ConverseClient
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.extraction.openai_compat import OpenAICompatibleExtractor
from loyalty_maximizer.extraction.result import Extraction

ExtractorKind = Literal["offline", "bedrock", "openai"]
KINDS: tuple[str, ...] = get_args(ExtractorKind)

# A Converse call on a long chunk can outlast botocore's 60-second default read timeout.
BEDROCK_CLIENT_CONFIG = Config(
    connect_timeout=10, read_timeout=300, retries={"total_max_attempts": 1}
)


class Extractor(Protocol):
    def extract(self, document: PreparedDocument) -> Extraction: ...


class ExtractorConfigurationError(LoyaltyError):
    """The extractor configuration names an unknown kind or leaves out a required setting."""

    code = "invalid_configuration"


def make_extractor(
    kind: str,
    catalogue: Catalogue,
    *,
    bedrock_client: ConverseClient | None = None,
    model_id: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    http: requests.Session | None = None,
    max_tokens: int = 4096,
    max_chars: int = 12000,
) -> Extractor:
    """The ``kind`` extractor over ``catalogue``: ``model_id`` for ``bedrock``; ``base_url``
    and ``model`` for ``openai``. A client not given is built here."""
    if kind == "offline":
        return OfflineExtractor(catalogue)
    if kind == "bedrock":
        if not model_id:
            raise ExtractorConfigurationError(
                "the bedrock extractor needs a model id: set LOYALTY_BEDROCK_MODEL_ID"
            )
        return BedrockExtractor(
            bedrock_client or boto3.client("bedrock-runtime", config=BEDROCK_CLIENT_CONFIG),
            model_id,
            catalogue,
            max_tokens=max_tokens,
            max_chars=max_chars,
        )
    if kind == "openai":
        if not base_url or not model:
            missing = [
                name
                for name, value in (
                    ("LOYALTY_OPENAI_BASE_URL", base_url),
                    ("LOYALTY_OPENAI_MODEL", model),
                )
                if not value
            ]
            raise ExtractorConfigurationError(
                f"the openai extractor needs an endpoint and a model: set {' and '.join(missing)}"
            )
        return OpenAICompatibleExtractor(
            base_url,
            model,
            catalogue,
            http=http or requests.Session(),
            api_key=api_key,
            max_tokens=max_tokens,
            max_chars=max_chars,
        )
    raise ExtractorConfigurationError(
        f"unknown extractor {kind!r}: set LOYALTY_EXTRACTOR to one of {', '.join(KINDS)}"
    )


def extractor_from_env(catalogue: Catalogue, env: Mapping[str, str] = os.environ) -> Extractor:
    """The extractor the ``LOYALTY_*`` settings in ``env`` choose (see the module doc)."""
    return make_extractor(
        env.get("LOYALTY_EXTRACTOR", "offline").strip().lower() or "offline",
        catalogue,
        model_id=env.get("LOYALTY_BEDROCK_MODEL_ID") or None,
        base_url=env.get("LOYALTY_OPENAI_BASE_URL") or None,
        model=env.get("LOYALTY_OPENAI_MODEL") or None,
        api_key=env.get("LOYALTY_OPENAI_API_KEY") or None,
    )
