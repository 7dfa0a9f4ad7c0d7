"""The JWT authorizer of an API Gateway HTTP API, as API Gateway runs it.

What API Gateway documents (``http-api-jwt-authorizer``) and this module does:

1. take the token from the authorizer's identity source (``$request.header.Authorization``
   by default), either the bare token or ``Bearer <token>``;
2. decode it and check the signature with the key from the issuer's JWKS whose ``kid``
   matches (RSA algorithms only); the JWKS comes from ``<issuer>/.well-known/jwks.json``
   through an injected fetcher and is cached for two hours;
3. check the claims: ``iss`` equals the configured issuer; ``aud`` — or ``client_id`` when
   there is no ``aud`` — is one of the configured audiences; ``exp`` is in the future,
   ``nbf`` and ``iat`` are not (with a small leeway);
4. for a route with authorization scopes, the token's ``scope`` (or ``scp``) must hold at
   least one of them.

A failure in 1–3 is ``401 {"message":"Unauthorized"}`` with a ``www-authenticate`` header
in API Gateway's format (``Bearer scope="" error="invalid_token" error_description="..."``);
a failure in 4 is ``403 {"message":"Forbidden"}``.

Signature and claim checks are PyJWT's (``jwt``, in the lock file through ``mcp``).
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
import requests

logger = logging.getLogger(__name__)

#: ``fetch(jwks_url) -> JWKS document`` (``{"keys": [...]}``).
JwksFetcher = Callable[[str], Mapping[str, Any]]

#: The algorithms an HTTP API JWT authorizer accepts (it supports RSA keys only).
RSA_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512")

#: How long API Gateway may keep an issuer's public keys.
JWKS_CACHE_SECONDS = 2 * 60 * 60

_COGNITO_JWKS_URL = re.compile(
    r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/(?P<pool>[^/]+)/\.well-known/jwks\.json$"
)


class JwtAuthorizationError(Exception):
    """The authorizer refused the request: ``status`` 401 (bad or missing token) or 403
    (missing scope), with the parts of the ``www-authenticate`` challenge."""

    def __init__(
        self,
        status: int,
        description: str,
        *,
        error: str | None = "invalid_token",
        scope: str = "",
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.error = error
        self.scope = scope

    @property
    def message(self) -> str:
        """The body's ``message``, as API Gateway words it."""
        return "Unauthorized" if self.status == 401 else "Forbidden"

    @property
    def www_authenticate(self) -> str:
        """The ``www-authenticate`` header value API Gateway sends with the refusal."""
        if self.error is None:
            return "Bearer"
        return (
            f'Bearer scope="{self.scope}" error="{self.error}" '
            f'error_description="{self.description}"'
        )


@dataclass(frozen=True)
class JwtConfiguration:
    """An authorizer's ``JwtConfiguration`` and ``IdentitySource``."""

    issuer: str
    audience: tuple[str, ...]
    identity_source: tuple[str, ...] = ("$request.header.Authorization",)

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer.rstrip('/')}/.well-known/jwks.json"


@dataclass(frozen=True)
class JwtAuthorization:
    """What a successful authorization hands the integration."""

    claims: Mapping[str, Any]
    scopes: list[str] | None

    def event_claims(self) -> dict[str, str]:
        """The claims as ``requestContext.authorizer.jwt.claims`` carries them: every value a
        string (numbers as digits, booleans ``true``/``false``, lists as ``[a b]``)."""
        return {name: stringify_claim(value) for name, value in self.claims.items()}

    def event_authorizer(self) -> dict[str, Any]:
        """``requestContext.authorizer`` of a payload format 2.0 event."""
        return {"jwt": {"claims": self.event_claims(), "scopes": self.scopes}}


def stringify_claim(value: Any) -> str:
    """One claim value the way API Gateway writes it into the event (its Go formatting)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(stringify_claim(item) for item in value) + "]"
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def http_jwks_fetcher(timeout_seconds: float = 5.0) -> JwksFetcher:
    """A fetcher that GETs the JWKS URL as it is."""

    def fetch(url: str) -> Mapping[str, Any]:
        response = requests.get(url, timeout=timeout_seconds)
        response.raise_for_status()
        document = response.json()
        if not isinstance(document, dict):
            raise ValueError(f"{url} did not return a JSON object")
        return document

    return fetch


def moto_jwks_fetcher(moto_endpoint: str, timeout_seconds: float = 5.0) -> JwksFetcher:
    """A fetcher for the local cloud: the JWKS of a Cognito issuer
    (``https://cognito-idp.<region>.amazonaws.com/<pool id>``, which is also what moto writes
    into its tokens' ``iss``) comes from the moto server at ``moto_endpoint``
    (``<moto_endpoint>/<pool id>/.well-known/jwks.json``); any other URL is fetched as is."""
    base = moto_endpoint.rstrip("/")
    plain = http_jwks_fetcher(timeout_seconds)

    def fetch(url: str) -> Mapping[str, Any]:
        match = _COGNITO_JWKS_URL.match(url)
        if match:
            url = f"{base}/{match['pool']}/.well-known/jwks.json"
        return plain(url)

    return fetch


class JwksCache:
    """The issuers' signing keys by JWKS URL and ``kid``, fetched on first use, kept for two
    hours, and fetched again early (at most every ``refresh_interval_seconds``) when a token
    names a ``kid`` the cached set lacks."""

    def __init__(
        self,
        fetcher: JwksFetcher,
        *,
        ttl_seconds: float = JWKS_CACHE_SECONDS,
        refresh_interval_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._fetcher = fetcher
        self._ttl = ttl_seconds
        self._refresh_interval = refresh_interval_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, dict[str, jwt.PyJWK]]] = {}

    def _fetch(self, url: str) -> dict[str, jwt.PyJWK]:
        document = self._fetcher(url)
        keys: dict[str, jwt.PyJWK] = {}
        for entry in document.get("keys", []):
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue
            try:
                key = jwt.PyJWK(entry)
            except jwt.PyJWTError:
                logger.warning("skipping an unusable key in %s", url)
                continue
            keys[str(entry.get("kid", ""))] = key
        return keys

    def signing_key(self, url: str, kid: str) -> jwt.PyJWK | None:
        """The key ``kid`` of the JWKS at ``url``; None when the set has no such key.
        Raises whatever the fetcher raises when the set cannot be fetched."""
        with self._lock:
            now = self._clock()
            entry = self._entries.get(url)
            if entry is None or self._needs_refresh(entry, kid, now):
                entry = (now, self._fetch(url))
                self._entries[url] = entry
            return entry[1].get(kid)

    def _needs_refresh(
        self, entry: tuple[float, dict[str, jwt.PyJWK]], kid: str, now: float
    ) -> bool:
        age = now - entry[0]
        return age >= self._ttl or (kid not in entry[1] and age >= self._refresh_interval)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _token_scopes(claims: Mapping[str, Any]) -> list[str]:
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(item) for item in value]
    return []


class JwtAuthorizer:
    """One JWT authorizer of an HTTP API."""

    def __init__(
        self,
        configuration: JwtConfiguration,
        jwks: JwksCache,
        *,
        leeway_seconds: float = 5.0,
    ) -> None:
        self.configuration = configuration
        self._jwks = jwks
        self._leeway = leeway_seconds

    def extract_token(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str:
        """The token from the identity source (``headers`` with lower-case names, ``query``
        as ``queryStringParameters``), without a ``Bearer`` prefix."""
        value: str | None = None
        for source in self.configuration.identity_source:
            if source.startswith("$request.header."):
                value = headers.get(source.removeprefix("$request.header.").lower())
            elif source.startswith("$request.querystring."):
                value = query.get(source.removeprefix("$request.querystring."))
            if value:
                break
        if not value or not value.strip():
            raise JwtAuthorizationError(401, "no token in the identity source", error=None)
        token = value.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if not token:
            raise JwtAuthorizationError(401, "no token in the identity source", error=None)
        return token

    def authorize(self, token: str, required_scopes: Sequence[str] = ()) -> JwtAuthorization:
        """Verify ``token`` and, when the route names scopes, that it holds one of them."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise JwtAuthorizationError(401, "the token is malformed") from exc
        algorithm = header.get("alg")
        if algorithm not in RSA_ALGORITHMS:
            raise JwtAuthorizationError(401, "the token's signing algorithm is not supported")
        kid = str(header.get("kid", ""))
        try:
            key = self._jwks.signing_key(self.configuration.jwks_url, kid)
        except Exception as exc:
            logger.warning(
                "cannot fetch the JWKS of %s: %s", self.configuration.issuer, exc, exc_info=True
            )
            raise JwtAuthorizationError(
                401, "the issuer's signing keys could not be retrieved"
            ) from exc
        if key is None:
            raise JwtAuthorizationError(401, "the token's signing key is not in the issuer's JWKS")
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[str(algorithm)],
                issuer=self.configuration.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError as exc:
            raise JwtAuthorizationError(401, "the token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise JwtAuthorizationError(401, "the token is not valid yet") from exc
        except (jwt.InvalidIssuerError, jwt.MissingRequiredClaimError) as exc:
            if isinstance(exc, jwt.MissingRequiredClaimError) and exc.claim == "exp":
                raise JwtAuthorizationError(401, "the token has no expiry") from exc
            raise JwtAuthorizationError(401, "the token does not have a valid issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise JwtAuthorizationError(401, "the token's signature is invalid") from exc
        except jwt.PyJWTError as exc:
            raise JwtAuthorizationError(401, "the token is malformed") from exc
        self._check_audience(claims)
        return JwtAuthorization(claims=claims, scopes=self._check_scopes(claims, required_scopes))

    def _check_audience(self, claims: Mapping[str, Any]) -> None:
        # API Gateway evaluates aud when present and client_id only without aud.
        if "aud" in claims:
            audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        else:
            audiences = [claims.get("client_id")]
        allowed = set(self.configuration.audience)
        if not any(isinstance(value, str) and value in allowed for value in audiences):
            raise JwtAuthorizationError(401, "the token does not have a valid audience")

    @staticmethod
    def _check_scopes(claims: Mapping[str, Any], required: Sequence[str]) -> list[str] | None:
        if not required:
            return None
        held = _token_scopes(claims)
        granted = [scope for scope in held if scope in set(required)]
        if not granted:
            raise JwtAuthorizationError(
                403,
                f"expected scopes: [{' '.join(required)}]",
                error="insufficient_scope",
                scope=" ".join(required),
            )
        return granted
