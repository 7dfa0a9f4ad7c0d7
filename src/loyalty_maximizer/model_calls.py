"""What every call to a language model shares, whoever makes it (the fact extractors, the
conversation agent): pacing and retries with backoff and jitter, and one way each to send a
Bedrock ``Converse`` request and an OpenAI-compatible chat completion and tell a failure
worth another attempt (throttling, a busy or unreachable server) from a final one.
"""

from __future__ import annotations

import datetime as dt
import random as random_module
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol, TypeVar

import requests
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

T = TypeVar("T")

# Bedrock errors that a later attempt can get past.
BEDROCK_RETRYABLE_CODES = frozenset(
    {
        "ThrottlingException",
        "ServiceUnavailableException",
        "ModelTimeoutException",
        "ModelNotReadyException",
        "InternalServerException",
    }
)


class ModelCallFailed(Exception):
    """A model call that got no usable answer (after any retries)."""


class RetryableFailure(Exception):
    """A failure worth another attempt (throttling, a busy or unreachable server)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class CallPacing:
    """At most one call per ``min_interval`` seconds, and retries with exponential backoff
    and jitter: before retry ``n`` (0-based) a wait of between half and all of
    ``base_delay * 2**n`` (at most ``max_delay``), or the server's own ``retry_after``."""

    max_retries: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    min_interval: float = 0.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random_module.random
    clock: Callable[[], float] = time.monotonic
    _last_call: float | None = field(default=None, init=False, repr=False)

    def call(self, attempt: Callable[[], T]) -> T:
        """``attempt()`` until it returns, retrying ``RetryableFailure``; the last failure
        becomes ``ModelCallFailed``."""
        for retry in range(self.max_retries + 1):
            self._pace()
            try:
                return attempt()
            except RetryableFailure as exc:
                if retry == self.max_retries:
                    raise ModelCallFailed(f"{exc}; gave up after {retry + 1} attempt(s)") from exc
                self.sleep(self.delay(retry, exc.retry_after))
        raise AssertionError("unreachable")  # the loop returns or raises

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        ceiling = min(self.base_delay * 2.0**retry, self.max_delay)
        return ceiling / 2 + self.random() * ceiling / 2

    def _pace(self) -> None:
        if self.min_interval > 0 and self._last_call is not None:
            wait = self._last_call + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_call = self.clock()


# Bedrock -----------------------------------------------------------------------------------


class ConverseClient(Protocol):
    """The part of a ``bedrock-runtime`` client a model call uses. A callable attribute
    rather than a method, so the typed boto3 client (whose ``converse`` takes named
    parameters, not any ``**kwargs``) satisfies it."""

    @property
    def converse(self) -> Callable[..., Mapping[str, Any]]: ...


def converse(client: ConverseClient, request: Mapping[str, Any]) -> Mapping[str, Any]:
    """One ``Converse`` call: ``RetryableFailure`` for throttling and the other transient
    errors Bedrock names, ``ModelCallFailed`` for any other error."""
    try:
        return client.converse(**request)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "Unknown")
        message = f"Bedrock {code}: {error.get('Message', '')}".rstrip(": ")
        if code in BEDROCK_RETRYABLE_CODES:
            raise RetryableFailure(message) from exc
        raise ModelCallFailed(message) from exc
    except (BotoConnectionError, HTTPClientError) as exc:
        raise RetryableFailure(f"Bedrock unreachable: {exc}") from exc
    except BotoCoreError as exc:
        raise ModelCallFailed(f"Bedrock call failed: {exc}") from exc


# OpenAI-compatible chat completions --------------------------------------------------------


def chat_completions_url(base_url: str) -> str:
    """``{base_url}/v1/chat/completions``; a base URL that already ends in ``/v1`` (as
    OpenAI client settings usually do) is not given a second one."""
    base = base_url.rstrip("/")
    return f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions"


def post_chat_completion(
    http: requests.Session,
    url: str,
    body: Mapping[str, Any],
    *,
    api_key: str | None,
    timeout: float | tuple[float, float],
) -> Any:
    """One ``POST`` of a chat completion, its decoded JSON answer: ``RetryableFailure`` for
    429, 5xx and an unreachable server (with the ``Retry-After`` it names), else
    ``ModelCallFailed`` for any error."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = http.post(url, json=body, headers=headers, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise RetryableFailure(f"{url} unreachable: {exc}") from exc
    status = response.status_code
    if status == 429 or status >= 500:
        raise RetryableFailure(
            f"HTTP {status} from {url}",
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status >= 400:
        raise ModelCallFailed(f"HTTP {status} from {url}: {response.text[:200]}")
    try:
        return response.json()
    except ValueError as exc:
        raise ModelCallFailed(f"the answer from {url} is not JSON") from exc


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)
