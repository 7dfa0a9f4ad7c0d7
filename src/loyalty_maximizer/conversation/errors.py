"""Errors of the conversation side, each with the code the API turns into an HTTP status
(``api.http_status``)."""

from __future__ import annotations

from loyalty_maximizer.errors import LoyaltyError


class Unauthenticated(LoyaltyError):
    """A request that carries no verified caller identity."""

    code = "unauthenticated"


class ConversationNotFound(LoyaltyError):
    code = "not_found"


class Conflict(LoyaltyError):
    """A write that lost a race with another writer and could not be redone."""

    code = "conflict"


class Throttled(LoyaltyError):
    """A service the request needs is throttling it; trying again later may succeed."""

    code = "throttled"


class StorageUnavailable(LoyaltyError):
    """The profiles table refused or failed a request."""

    code = "storage_unavailable"


class ModelUnavailable(LoyaltyError):
    """The language model gave no usable answer (after retries)."""

    code = "model_unavailable"


class ConversationFailed(LoyaltyError):
    """The conversation execution failed; ``error`` is the state machine's error name and
    ``cause`` its cause (for the logs, not for the caller)."""

    code = "execution_failed"

    def __init__(self, message: str, *, error: str | None = None, cause: str | None = None):
        super().__init__(message)
        self.error = error
        self.cause = cause


class ConversationTimedOut(LoyaltyError):
    code = "timeout"


class ConfigurationError(LoyaltyError):
    """A deployment setting is missing or invalid; the message names the variable."""

    code = "invalid_configuration"
