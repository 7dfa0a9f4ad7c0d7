"""API Gateway HTTP API emulation for the local cloud.

moto keeps the control plane of an HTTP API (``apigatewayv2``: the API, its routes,
authorizers, integrations and stages, as ``terraform apply`` creates them) but serves no data
plane. This module is that data plane, for one API and its ``$default`` stage:

- :func:`load_http_api` reads the configuration through an ``apigatewayv2`` boto3 client;
- :class:`RouteTable` selects the route as API Gateway does (``METHOD /path`` with
  ``{param}`` and greedy ``{proxy+}``, most specific first, ``ANY``, ``$default``);
- :class:`TokenBucket` throttles per route from the stage's throttling settings;
- :class:`~loyalty_maximizer.localcloud.jwt_authorizer.JwtAuthorizer` checks JWTs;
- :func:`build_event_v2` builds the payload format 2.0 event;
- :func:`map_lambda_response` turns the function's answer into the HTTP response;
- :class:`ApiGatewayEmulator` puts these together (``handle(HttpRequest) -> HttpResponse``),
  and :class:`ApiGatewayServer` serves it over HTTP on a local port.

The function is called through an injected ``invoke(function_or_alias_arn, payload) ->
(status, payload, function_error)``, so the emulation does not care how Lambda is emulated.

What moto 5.2 stores: ``create_api``/``create_authorizer``/``create_integration``/
``create_route``/``create_stage`` keep every field and ``get_api``/``get_apis``/
``get_routes``/``get_authorizer``/``get_integration``/``get_stage`` return them unchanged
(``DefaultRouteSettings``, ``RouteSettings``, ``AccessLogSettings``, ``StageVariables``
included); ``get_authorizers`` is not implemented, so authorizers are read one by one by the
ids the routes name.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from botocore.exceptions import ClientError

from loyalty_maximizer.localcloud.jwt_authorizer import (
    JwksCache,
    JwksFetcher,
    JwtAuthorization,
    JwtAuthorizationError,
    JwtAuthorizer,
    JwtConfiguration,
)

logger = logging.getLogger(__name__)
access_logger = logging.getLogger(f"{__name__}.access")

#: An ``apigatewayv2`` boto3 client (boto3-stubs for it are not installed).
ApiGatewayV2Client = Any
#: ``invoke(function_or_alias_arn, payload) -> (status code, payload, function error or None)``.
Invoke = Callable[[str, bytes], tuple[int, bytes, str | None]]

DEFAULT_STAGE = "$default"
DEFAULT_ROUTE = "$default"
#: An HTTP API integration's timeout when the integration sets none.
DEFAULT_INTEGRATION_TIMEOUT_SECONDS = 30.0
#: The account id used when the integration ARN does not name one.
DEFAULT_ACCOUNT_ID = "123456789012"
#: The account-level throttling API Gateway applies where a stage sets no limit.
ACCOUNT_BURST_LIMIT = 5000
ACCOUNT_RATE_LIMIT = 10000.0

_INTEGRATION_URI = re.compile(
    r"^arn:[^:]+:apigateway:[^:]*:lambda:path/[^/]+/functions/(?P<arn>.+)/invocations$"
)
_CONTEXT_VARIABLE = re.compile(r"\$context\.([A-Za-z0-9_.:-]+)")
_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|xml|javascript|x-javascript|ecmascript|graphql|yaml|x-yaml"
    r"|x-ndjson|[\w.+-]+\+(json|xml)))$"
)
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class Authorizer:
    authorizer_id: str
    name: str
    authorizer_type: str
    jwt: JwtConfiguration | None


@dataclass(frozen=True)
class Integration:
    integration_id: str
    integration_type: str
    integration_uri: str
    payload_format_version: str
    timeout_seconds: float | None

    @property
    def function_arn(self) -> str | None:
        """The Lambda function (or alias/version) ARN the integration calls, from either form
        of ``IntegrationUri``; None for a non-Lambda integration."""
        match = _INTEGRATION_URI.match(self.integration_uri)
        if match:
            return match["arn"]
        if self.integration_uri.startswith("arn:") and ":lambda:" in self.integration_uri:
            return self.integration_uri
        return None


@dataclass(frozen=True)
class Route:
    route_id: str
    route_key: str
    authorization_type: str
    authorizer_id: str | None
    authorization_scopes: tuple[str, ...]
    integration_id: str | None


@dataclass(frozen=True)
class ThrottleSettings:
    """``ThrottlingBurstLimit`` / ``ThrottlingRateLimit``; None where not set (no limit)."""

    burst_limit: int | None = None
    rate_limit: float | None = None

    def merged(self, override: ThrottleSettings) -> ThrottleSettings:
        return ThrottleSettings(
            burst_limit=(
                override.burst_limit if override.burst_limit is not None else self.burst_limit
            ),
            rate_limit=override.rate_limit if override.rate_limit is not None else self.rate_limit,
        )

    @property
    def limited(self) -> bool:
        return self.burst_limit is not None or self.rate_limit is not None


@dataclass(frozen=True)
class Stage:
    name: str
    stage_variables: Mapping[str, str]
    default_throttle: ThrottleSettings
    route_throttle: Mapping[str, ThrottleSettings]
    access_log_format: str | None

    def throttle_for(self, route_key: str) -> ThrottleSettings:
        override = self.route_throttle.get(route_key)
        return self.default_throttle.merged(override) if override else self.default_throttle


@dataclass(frozen=True)
class CorsConfiguration:
    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    allow_credentials: bool = False
    max_age: int | None = None


@dataclass(frozen=True)
class HttpApi:
    api_id: str
    name: str
    api_endpoint: str
    routes: tuple[Route, ...]
    authorizers: Mapping[str, Authorizer]
    integrations: Mapping[str, Integration]
    stage: Stage | None
    cors: CorsConfiguration | None = None


def _pages(call: Callable[..., Mapping[str, Any]], **kwargs: Any) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        page = call(**kwargs, **({"NextToken": token} if token else {}))
        yield from page.get("Items", [])
        token = page.get("NextToken")
        if not token:
            return


def _not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in {"NotFoundException", "NotFound"}


def _throttle(settings: Mapping[str, Any] | None) -> ThrottleSettings:
    settings = settings or {}
    burst = settings.get("ThrottlingBurstLimit")
    rate = settings.get("ThrottlingRateLimit")
    return ThrottleSettings(
        burst_limit=int(burst) if burst is not None else None,
        rate_limit=float(rate) if rate is not None else None,
    )


def _authorizer(item: Mapping[str, Any]) -> Authorizer:
    jwt_config = item.get("JwtConfiguration")
    configuration = None
    if item.get("AuthorizerType") == "JWT" and jwt_config:
        configuration = JwtConfiguration(
            issuer=str(jwt_config.get("Issuer", "")),
            audience=tuple(str(a) for a in jwt_config.get("Audience") or ()),
            identity_source=tuple(item.get("IdentitySource") or ())
            or ("$request.header.Authorization",),
        )
    return Authorizer(
        authorizer_id=str(item["AuthorizerId"]),
        name=str(item.get("Name", "")),
        authorizer_type=str(item.get("AuthorizerType", "")),
        jwt=configuration,
    )


def _integration(item: Mapping[str, Any]) -> Integration:
    timeout = item.get("TimeoutInMillis")
    return Integration(
        integration_id=str(item["IntegrationId"]),
        integration_type=str(item.get("IntegrationType", "")),
        integration_uri=str(item.get("IntegrationUri", "")),
        payload_format_version=str(item.get("PayloadFormatVersion") or "2.0"),
        timeout_seconds=int(timeout) / 1000 if timeout else None,
    )


def _route(item: Mapping[str, Any]) -> Route:
    target = str(item.get("Target") or "")
    return Route(
        route_id=str(item.get("RouteId", "")),
        route_key=str(item["RouteKey"]),
        authorization_type=str(item.get("AuthorizationType") or "NONE"),
        authorizer_id=item.get("AuthorizerId") or None,
        authorization_scopes=tuple(item.get("AuthorizationScopes") or ()),
        integration_id=target.removeprefix("integrations/") if target else None,
    )


def _cors(item: Mapping[str, Any] | None) -> CorsConfiguration | None:
    if not item:
        return None
    max_age = item.get("MaxAge")
    return CorsConfiguration(
        allow_origins=tuple(item.get("AllowOrigins") or ()),
        allow_methods=tuple(m.upper() for m in item.get("AllowMethods") or ()),
        allow_headers=tuple(h.lower() for h in item.get("AllowHeaders") or ()),
        expose_headers=tuple(item.get("ExposeHeaders") or ()),
        allow_credentials=bool(item.get("AllowCredentials")),
        max_age=int(max_age) if max_age is not None else None,
    )


def load_http_api(
    client: ApiGatewayV2Client, api_id: str | None = None, stage_name: str = DEFAULT_STAGE
) -> HttpApi | None:
    """The HTTP API ``api_id`` (or the first HTTP API there is) with its routes, the
    authorizers and integrations they use, and its stage; None when there is no such API."""
    if api_id is None:
        apis = [api for api in _pages(client.get_apis) if api.get("ProtocolType") == "HTTP"]
        if not apis:
            return None
        if len(apis) > 1:
            logger.warning("%d HTTP APIs; serving %s", len(apis), apis[0]["ApiId"])
        api: Mapping[str, Any] = apis[0]
    else:
        try:
            api = client.get_api(ApiId=api_id)
        except ClientError as error:
            if _not_found(error):
                return None
            raise
    the_id = str(api["ApiId"])
    routes = tuple(_route(item) for item in _pages(client.get_routes, ApiId=the_id))
    authorizers: dict[str, Authorizer] = {}
    integrations: dict[str, Integration] = {}
    for route in routes:
        if route.authorizer_id and route.authorizer_id not in authorizers:
            with contextlib.suppress(ClientError):
                authorizers[route.authorizer_id] = _authorizer(
                    client.get_authorizer(ApiId=the_id, AuthorizerId=route.authorizer_id)
                )
        if route.integration_id and route.integration_id not in integrations:
            with contextlib.suppress(ClientError):
                integrations[route.integration_id] = _integration(
                    client.get_integration(ApiId=the_id, IntegrationId=route.integration_id)
                )
    stage: Stage | None = None
    try:
        item = client.get_stage(ApiId=the_id, StageName=stage_name)
    except ClientError as error:
        if not _not_found(error):
            raise
    else:
        access_log = item.get("AccessLogSettings") or {}
        stage = Stage(
            name=str(item.get("StageName", stage_name)),
            stage_variables=dict(item.get("StageVariables") or {}),
            default_throttle=_throttle(item.get("DefaultRouteSettings")),
            route_throttle={
                key: _throttle(value) for key, value in (item.get("RouteSettings") or {}).items()
            },
            access_log_format=access_log.get("Format") or None,
        )
    return HttpApi(
        api_id=the_id,
        name=str(api.get("Name", "")),
        api_endpoint=str(api.get("ApiEndpoint", "")),
        routes=routes,
        authorizers=authorizers,
        integrations=integrations,
        stage=stage,
        cors=_cors(api.get("CorsConfiguration")),
    )


# --------------------------------------------------------------------------- routing

_LITERAL, _PARAM, _GREEDY = 2, 1, 0


@dataclass(frozen=True)
class _Segment:
    kind: int
    text: str  # the literal, or the parameter's name


@dataclass(frozen=True)
class _CompiledRoute:
    route: Route
    method: str  # upper case, "ANY", or "" for $default
    segments: tuple[_Segment, ...]

    @property
    def specificity(self) -> tuple[tuple[int, ...], int]:
        return tuple(s.kind for s in self.segments), 0 if self.method == "ANY" else 1


def _split(path: str) -> list[str]:
    stripped = path[1:] if path.startswith("/") else path
    return stripped.split("/") if stripped else []


def _compile(route: Route) -> _CompiledRoute | None:
    if route.route_key == DEFAULT_ROUTE:
        return _CompiledRoute(route, "", ())
    method, _, path = route.route_key.partition(" ")
    if not path.startswith("/"):
        logger.warning("ignoring route key %r", route.route_key)
        return None
    segments = []
    parts = _split(path)
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}") and index == len(parts) - 1:
            segments.append(_Segment(_GREEDY, part[1:-2]))
        elif part.startswith("{") and part.endswith("}"):
            segments.append(_Segment(_PARAM, part[1:-1]))
        else:
            segments.append(_Segment(_LITERAL, part))
    return _CompiledRoute(route, method.upper(), tuple(segments))


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]


class RouteTable:
    """Route selection as API Gateway does it for HTTP APIs: among the routes whose path
    matches (``{name}`` is one non-empty segment, a trailing ``{name+}`` one or more), the most
    specific one wins — literal segments over ``{name}`` over ``{name+}``, segment by segment
    from the left, a route with the request's method over ``ANY`` — and ``$default`` catches
    what nothing else matches. Path parameter values are URL-decoded."""

    def __init__(self, routes: Iterable[Route]) -> None:
        compiled = [c for c in (_compile(route) for route in routes) if c is not None]
        self._default = next((c.route for c in compiled if c.method == ""), None)
        self._routes = sorted(
            (c for c in compiled if c.method), key=lambda c: c.specificity, reverse=True
        )

    @staticmethod
    def _match(route: _CompiledRoute, parts: Sequence[str]) -> dict[str, str] | None:
        segments = route.segments
        greedy = bool(segments) and segments[-1].kind == _GREEDY
        fixed = len(segments) - 1 if greedy else len(segments)
        if greedy:
            if len(parts) < len(segments) or not "/".join(parts[fixed:]):
                return None
        elif len(parts) != len(segments):
            return None
        parameters: dict[str, str] = {}
        for segment, part in zip(segments[:fixed], parts, strict=False):
            value = unquote(part)
            if segment.kind == _LITERAL:
                if value != segment.text:
                    return None
            elif not value:
                return None
            else:
                parameters[segment.text] = value
        if greedy:
            parameters[segments[-1].text] = unquote("/".join(parts[fixed:]))
        return parameters

    def match(self, method: str, path: str) -> RouteMatch | None:
        method = method.upper()
        parts = _split(path)
        for compiled in self._routes:
            if compiled.method not in (method, "ANY"):
                continue
            parameters = self._match(compiled, parts)
            if parameters is not None:
                return RouteMatch(compiled.route, parameters)
        if self._default is not None:
            return RouteMatch(self._default, {})
        return None


# --------------------------------------------------------------------------- throttling


class TokenBucket:
    """A token bucket holding ``burst`` tokens, refilled at ``rate`` per second. A limit that
    is not set is the account's default (burst 5,000, rate 10,000/s); a burst of 0 refuses
    every request, as it does on AWS."""

    def __init__(
        self, burst: int | None, rate: float | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = burst
        self.rate = rate
        self._capacity = float(burst if burst is not None else ACCOUNT_BURST_LIMIT)
        self._refill = float(rate if rate is not None else ACCOUNT_RATE_LIMIT)
        self._clock = clock
        self._tokens = self._capacity
        self._stamp = clock()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        """Take a token if there is one."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._stamp)
            self._tokens = min(self._capacity, self._tokens + elapsed * self._refill)
            self._stamp = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


# --------------------------------------------------------------------------- request/response


@dataclass
class HttpRequest:
    """One HTTP request as the front door received it."""

    method: str
    path: str  # the raw path, without the query string
    query_string: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"

    @classmethod
    def from_target(
        cls,
        method: str,
        target: str,
        headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
        **kwargs: Any,
    ) -> HttpRequest:
        """From a request target (``/path?query``)."""
        path, _, query = target.partition("?")
        return cls(method.upper(), path or "/", query, headers, body, **kwargs)


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


def error_response(status: int, message: str, **headers: str) -> HttpResponse:
    """API Gateway's own error answer: ``{"message": ...}`` as JSON."""
    response = HttpResponse(
        status,
        [("content-type", "application/json")],
        json.dumps({"message": message}, separators=(",", ":")).encode(),
    )
    response.headers.extend((name.replace("_", "-"), value) for name, value in headers.items())
    return response


def _is_text(content_type: str | None, content_encoding: str | None) -> bool:
    if content_encoding and content_encoding.strip().lower() not in ("", "identity"):
        return False
    if not content_type:
        return False
    return bool(_TEXT_TYPES.match(content_type.split(";")[0].strip().lower()))


def combine_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header names lower-cased, repeated headers joined with commas."""
    combined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        combined[key] = f"{combined[key]},{value}" if key in combined else value
    return combined


def parse_query(query_string: str) -> dict[str, str]:
    """``queryStringParameters``: decoded, repeated names joined with commas."""
    parameters: dict[str, str] = {}
    for name, value in parse_qsl(query_string, keep_blank_values=True):
        parameters[name] = f"{parameters[name]},{value}" if name in parameters else value
    return parameters


def new_request_id() -> str:
    """An id shaped like API Gateway's (``Mc7UVioPPHcEKPA=``)."""
    return base64.b64encode(os.urandom(11)).decode()


def _trace_id(now: float) -> str:
    return f"Root=1-{int(now):08x}-{os.urandom(12).hex()}"


def build_event_v2(
    request: HttpRequest,
    *,
    api_id: str,
    route_key: str,
    path_parameters: Mapping[str, str],
    stage: str = DEFAULT_STAGE,
    stage_variables: Mapping[str, str] | None = None,
    authorization: JwtAuthorization | None = None,
    request_id: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    domain_name: str | None = None,
    now: float | None = None,
    server_port: int | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event for ``request`` (``http-api-develop-integrations-lambda``):
    headers lower-cased with repeats comma-joined, cookies moved from the ``cookie`` header to
    ``cookies``, ``x-forwarded-*`` and ``x-amzn-trace-id`` added, empty sections left out, and
    the body base64-encoded unless its content type is text."""
    now = time.time() if now is None else now
    request_id = request_id or new_request_id()
    headers = combine_headers(request.headers)
    cookies = [c.strip() for c in headers.pop("cookie", "").split(";") if c.strip()]
    forwarded = headers.get("x-forwarded-for")
    headers["x-forwarded-for"] = (
        f"{forwarded}, {request.source_ip}" if forwarded else request.source_ip
    )
    if server_port is not None:
        headers.setdefault("x-forwarded-port", str(server_port))
    headers.setdefault("x-forwarded-proto", "http")
    headers.setdefault("x-amzn-trace-id", _trace_id(now))
    domain = domain_name or headers.get("host") or f"{api_id}.execute-api.localhost"
    host_only = domain.split(":")[0]
    prefix = (
        api_id
        if not host_only or host_only == "localhost" or host_only.replace(".", "").isdigit()
        else host_only.split(".")[0]
    )
    context: dict[str, Any] = {"accountId": account_id, "apiId": api_id}
    if authorization is not None:
        context["authorizer"] = authorization.event_authorizer()
    context.update(
        {
            "domainName": domain,
            "domainPrefix": prefix,
            "http": {
                "method": request.method.upper(),
                "path": request.path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": stage,
            "time": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now * 1000),
        }
    )
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": request.path,
        "rawQueryString": request.query_string,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    query = parse_query(request.query_string)
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    is_base64 = False
    if request.body:
        text = _is_text(headers.get("content-type"), headers.get("content-encoding"))
        if text:
            try:
                event["body"] = request.body.decode("utf-8")
            except UnicodeDecodeError:
                text = False
        if not text:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            is_base64 = True
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    event["isBase64Encoded"] = is_base64
    if stage_variables:
        event["stageVariables"] = dict(stage_variables)
    return event


def map_lambda_response(payload: bytes) -> HttpResponse | None:
    """The HTTP response for a function's payload under format 2.0; None when the payload
    is not a valid response (API Gateway answers 500 then).

    A JSON object with ``statusCode`` is a response (``headers``, ``cookies`` as
    ``set-cookie`` headers, ``body``, ``isBase64Encoded``); any other valid JSON is the body of
    a 200 ``application/json`` response."""
    try:
        parsed = json.loads(payload) if payload.strip() else None
    except (ValueError, UnicodeDecodeError):
        return None
    if not (isinstance(parsed, dict) and "statusCode" in parsed):
        body = payload.strip() if payload.strip() else b"null"
        return HttpResponse(200, [("content-type", "application/json")], body)
    status = parsed.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        return None
    headers_in = parsed.get("headers") or {}
    cookies = parsed.get("cookies") or []
    body_in = parsed.get("body")
    if not isinstance(headers_in, dict) or not isinstance(cookies, list):
        return None
    if body_in is not None and not isinstance(body_in, str):
        return None
    headers: list[tuple[str, str]] = []
    for name, value in headers_in.items():
        if isinstance(value, dict | list):
            return None
        headers.append((str(name), stringify_header(value)))
    headers.extend(("set-cookie", str(cookie)) for cookie in cookies)
    body = b""
    if body_in:
        if parsed.get("isBase64Encoded") is True:
            try:
                body = base64.b64decode(body_in, validate=True)
            except (binascii.Error, ValueError):
                return None
        else:
            body = body_in.encode("utf-8")
    return HttpResponse(status, headers, body)


def stringify_header(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else DEFAULT_ACCOUNT_ID


def _invoke_with_timeout(
    invoke: Invoke, arn: str, payload: bytes, timeout: float
) -> tuple[int, bytes, str | None] | None:
    """Run ``invoke`` on a daemon thread; None when it has not answered within ``timeout``."""
    outcome: list[tuple[int, bytes, str | None] | BaseException] = []
    done = threading.Event()

    def run() -> None:
        try:
            outcome.append(invoke(arn, payload))
        except BaseException as exc:  # reported to the caller
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, name="apigw-invoke", daemon=True).start()
    if not done.wait(timeout):
        return None
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


# --------------------------------------------------------------------------- the emulator


@dataclass
class _Outcome:
    """What the access log needs to know about one request."""

    request_id: str
    started: float
    route_key: str = "-"
    authorization: JwtAuthorization | None = None
    authorizer_error: str = "-"
    integration_status: str = "-"
    integration_error: str = "-"
    integration_latency: str = "-"
    extra: dict[str, str] = field(default_factory=dict)


class ApiGatewayEmulator:
    """The data plane of one HTTP API's ``$default`` stage.

    ``api_id`` None serves the first HTTP API found. The configuration is read again from
    the control plane when older than ``config_ttl_seconds`` (so a ``terraform apply`` while
    the emulator runs is picked up); :meth:`reload` forces it. ``integration_timeout``
    overrides every integration's timeout (default: the integration's ``TimeoutInMillis``,
    else 30 s, after which the answer is 503)."""

    def __init__(
        self,
        apigw_client: ApiGatewayV2Client,
        jwks_fetcher: JwksFetcher,
        invoke: Invoke,
        *,
        api_id: str | None = None,
        stage_name: str = DEFAULT_STAGE,
        config_ttl_seconds: float = 2.0,
        integration_timeout: float | None = None,
        jwt_leeway_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = apigw_client
        self._invoke = invoke
        self._api_id = api_id
        self._stage_name = stage_name
        self._ttl = config_ttl_seconds
        self._integration_timeout = integration_timeout
        self._leeway = jwt_leeway_seconds
        self._clock = clock
        self._jwks = JwksCache(jwks_fetcher)
        self._lock = threading.Lock()
        self._loaded_at: float | None = None
        self._api: HttpApi | None = None
        self._routes = RouteTable(())
        self._authorizers: dict[str, JwtAuthorizer] = {}
        self._buckets: dict[str, TokenBucket] = {}

    # configuration -------------------------------------------------------------------

    def reload(self) -> HttpApi | None:
        """Read the API's configuration from the control plane now."""
        api = load_http_api(self._client, self._api_id, self._stage_name)
        with self._lock:
            self._api = api
            self._routes = RouteTable(api.routes if api else ())
            self._authorizers = {
                authorizer_id: JwtAuthorizer(
                    authorizer.jwt, self._jwks, leeway_seconds=self._leeway
                )
                for authorizer_id, authorizer in (api.authorizers.items() if api else ())
                if authorizer.jwt is not None
            }
            self._loaded_at = self._clock()
        return api

    def _current(self) -> tuple[HttpApi | None, RouteTable, dict[str, JwtAuthorizer]]:
        with self._lock:
            fresh = self._loaded_at is not None and self._clock() - self._loaded_at < self._ttl
            if fresh:
                return self._api, self._routes, self._authorizers
        self.reload()
        with self._lock:
            return self._api, self._routes, self._authorizers

    @property
    def api(self) -> HttpApi | None:
        return self._current()[0]

    def _bucket(self, route_key: str, settings: ThrottleSettings) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(route_key)
            if (
                bucket is None
                or bucket.burst != settings.burst_limit
                or bucket.rate != settings.rate_limit
            ):
                bucket = TokenBucket(settings.burst_limit, settings.rate_limit)
                self._buckets[route_key] = bucket
            return bucket

    # requests --------------------------------------------------------------------------

    def handle(self, request: HttpRequest, *, server_port: int | None = None) -> HttpResponse:
        """Answer one request as API Gateway would."""
        outcome = _Outcome(request_id=new_request_id(), started=time.time())
        api: HttpApi | None = None
        try:
            api, routes, authorizers = self._current()
            response = self._handle(request, api, routes, authorizers, outcome, server_port)
        except Exception:
            logger.exception("API Gateway emulation failed on %s %s", request.method, request.path)
            response = error_response(500, "Internal Server Error")
        if api is not None and api.cors is not None:
            _add_cors_headers(response, api.cors, combine_headers(request.headers))
        response.headers.append(("apigw-requestid", outcome.request_id))
        if api is not None and api.stage is not None and api.stage.access_log_format:
            self._access_log(api, api.stage.access_log_format, request, response, outcome)
        return response

    def _handle(
        self,
        request: HttpRequest,
        api: HttpApi | None,
        routes: RouteTable,
        authorizers: Mapping[str, JwtAuthorizer],
        outcome: _Outcome,
        server_port: int | None,
    ) -> HttpResponse:
        if api is None or api.stage is None:
            return error_response(404, "Not Found")
        headers = combine_headers(request.headers)
        if api.cors is not None and _is_preflight(request.method, headers):
            return _preflight_response(api.cors, headers)
        match = routes.match(request.method, request.path)
        if match is None:
            return error_response(404, "Not Found")
        route = match.route
        outcome.route_key = route.route_key
        throttle = api.stage.throttle_for(route.route_key)
        if throttle.limited and not self._bucket(route.route_key, throttle).allow():
            return error_response(429, "Too Many Requests")
        authorization: JwtAuthorization | None = None
        if route.authorization_type == "JWT":
            authorizer = authorizers.get(route.authorizer_id or "")
            if authorizer is None:
                logger.error("route %s names no usable JWT authorizer", route.route_key)
                return error_response(500, "Internal Server Error")
            try:
                token = authorizer.extract_token(headers, parse_query(request.query_string))
                authorization = authorizer.authorize(token, route.authorization_scopes)
            except JwtAuthorizationError as refusal:
                outcome.authorizer_error = refusal.description
                return error_response(
                    refusal.status, refusal.message, www_authenticate=refusal.www_authenticate
                )
            outcome.authorization = authorization
        elif route.authorization_type not in ("NONE", ""):
            logger.error(
                "route %s: authorization type %s is not emulated",
                route.route_key,
                route.authorization_type,
            )
            return error_response(500, "Internal Server Error")
        integration = api.integrations.get(route.integration_id or "")
        if integration is None:
            logger.error("route %s has no integration", route.route_key)
            return error_response(500, "Internal Server Error")
        function_arn = integration.function_arn
        if (
            integration.integration_type != "AWS_PROXY"
            or function_arn is None
            or integration.payload_format_version != "2.0"
        ):
            logger.error(
                "integration %s (%s %s, payload %s) is not emulated",
                integration.integration_id,
                integration.integration_type,
                integration.integration_uri,
                integration.payload_format_version,
            )
            return error_response(500, "Internal Server Error")
        event = build_event_v2(
            request,
            api_id=api.api_id,
            route_key=route.route_key,
            path_parameters=match.path_parameters,
            stage=api.stage.name,
            stage_variables=api.stage.stage_variables,
            authorization=authorization,
            request_id=outcome.request_id,
            account_id=_account_of(function_arn),
            now=outcome.started,
            server_port=server_port,
        )
        return self._call(function_arn, event, integration, outcome)

    def _call(
        self,
        function_arn: str,
        event: Mapping[str, Any],
        integration: Integration,
        outcome: _Outcome,
    ) -> HttpResponse:
        timeout = (
            self._integration_timeout
            if self._integration_timeout is not None
            else integration.timeout_seconds or DEFAULT_INTEGRATION_TIMEOUT_SECONDS
        )
        started = time.monotonic()
        try:
            result = _invoke_with_timeout(
                self._invoke, function_arn, json.dumps(event).encode(), timeout
            )
        except Exception as exc:
            logger.warning("invoking %s failed: %s", function_arn, exc, exc_info=True)
            outcome.integration_error = str(exc)
            return error_response(500, "Internal Server Error")
        finally:
            outcome.integration_latency = str(int((time.monotonic() - started) * 1000))
        if result is None:
            outcome.integration_error = f"timed out after {timeout:g} s"
            logger.warning("%s did not answer within %g s", function_arn, timeout)
            return error_response(503, "Service Unavailable")
        status, payload, function_error = result
        outcome.integration_status = str(status)
        if function_error or not 200 <= status < 300:
            outcome.integration_error = function_error or f"invoke status {status}"
            logger.warning(
                "%s failed (%s): %s",
                function_arn,
                outcome.integration_error,
                payload[:2000].decode("utf-8", "replace"),
            )
            return error_response(500, "Internal Server Error")
        response = map_lambda_response(payload)
        if response is None:
            outcome.integration_error = "invalid Lambda response"
            logger.warning(
                "%s returned an invalid response: %s",
                function_arn,
                payload[:2000].decode("utf-8", "replace"),
            )
            return error_response(500, "Internal Server Error")
        return response

    # access log ------------------------------------------------------------------------

    def _access_log(
        self,
        api: HttpApi,
        log_format: str,
        request: HttpRequest,
        response: HttpResponse,
        outcome: _Outcome,
    ) -> None:
        headers = combine_headers(request.headers)
        claims = outcome.authorization.event_claims() if outcome.authorization else {}
        values = {
            "accountId": DEFAULT_ACCOUNT_ID,
            "apiId": api.api_id,
            "domainName": headers.get("host", "-"),
            "httpMethod": request.method.upper(),
            "path": request.path,
            "protocol": request.protocol,
            "requestId": outcome.request_id,
            "extendedRequestId": outcome.request_id,
            "requestTime": datetime.fromtimestamp(outcome.started, UTC).strftime(
                "%d/%b/%Y:%H:%M:%S +0000"
            ),
            "requestTimeEpoch": str(int(outcome.started * 1000)),
            "responseLength": str(len(response.body)),
            "responseLatency": str(int((time.time() - outcome.started) * 1000)),
            "routeKey": outcome.route_key,
            "stage": api.stage.name if api.stage else DEFAULT_STAGE,
            "status": str(response.status),
            "identity.sourceIp": request.source_ip,
            "identity.userAgent": headers.get("user-agent", "-"),
            "integrationErrorMessage": outcome.integration_error,
            "integration.error": outcome.integration_error,
            "integrationStatus": outcome.integration_status,
            "integration.status": outcome.integration_status,
            "integrationLatency": outcome.integration_latency,
            "integration.latency": outcome.integration_latency,
            "authorizer.error": outcome.authorizer_error,
            "error.message": _message_of(response) if response.status >= 400 else "-",
        }
        for name, value in claims.items():
            values[f"authorizer.claims.{name}"] = value

        def substitute(match: re.Match[str]) -> str:
            value = values.get(match[1], "-") or "-"
            return json.dumps(value)[1:-1] if log_format.lstrip().startswith("{") else value

        access_logger.info(_CONTEXT_VARIABLE.sub(substitute, log_format))


def _message_of(response: HttpResponse) -> str:
    try:
        message = json.loads(response.body).get("message", "-")
    except (ValueError, AttributeError):
        return "-"
    return str(message)


# --------------------------------------------------------------------------- CORS


def _is_preflight(method: str, headers: Mapping[str, str]) -> bool:
    return (
        method.upper() == "OPTIONS"
        and "origin" in headers
        and "access-control-request-method" in headers
    )


def _allowed_origin(cors: CorsConfiguration, origin: str | None) -> str | None:
    if not origin:
        return None
    if "*" in cors.allow_origins:
        return origin if cors.allow_credentials else "*"
    return origin if origin in cors.allow_origins else None


def _preflight_response(cors: CorsConfiguration, headers: Mapping[str, str]) -> HttpResponse:
    response = HttpResponse(204)
    origin = _allowed_origin(cors, headers.get("origin"))
    method = headers.get("access-control-request-method", "").upper()
    if origin is None or not ("*" in cors.allow_methods or method in cors.allow_methods):
        return response
    response.headers.append(("access-control-allow-origin", origin))
    response.headers.append(
        ("access-control-allow-methods", ",".join(cors.allow_methods) or method)
    )
    requested = headers.get("access-control-request-headers")
    if requested and cors.allow_headers:
        allow = requested if "*" in cors.allow_headers else ",".join(cors.allow_headers)
        response.headers.append(("access-control-allow-headers", allow))
    if cors.allow_credentials:
        response.headers.append(("access-control-allow-credentials", "true"))
    if cors.max_age is not None:
        response.headers.append(("access-control-max-age", str(cors.max_age)))
    return response


def _add_cors_headers(
    response: HttpResponse, cors: CorsConfiguration, headers: Mapping[str, str]
) -> None:
    if response.header("access-control-allow-origin") is not None:
        return
    origin = _allowed_origin(cors, headers.get("origin"))
    if origin is None:
        return
    response.headers.append(("access-control-allow-origin", origin))
    if cors.allow_credentials:
        response.headers.append(("access-control-allow-credentials", "true"))
    if cors.expose_headers:
        response.headers.append(("access-control-expose-headers", ",".join(cors.expose_headers)))


# --------------------------------------------------------------------------- HTTP front door


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _serve(self) -> None:
        body = self._read_body()
        request = HttpRequest.from_target(
            self.command,
            self.path,
            list(self.headers.items()),
            body,
            source_ip=self.client_address[0],
            protocol=self.request_version,
        )
        response = self.server.emulator.handle(request, server_port=self.server.server_port)
        self.send_response_only(response.status, HTTPStatus(response.status).phrase)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        if "date" not in names:
            self.send_header("date", formatdate(usegmt=True))
        self.send_header("content-length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)


for _method in _METHODS:
    setattr(_Handler, f"do_{_method}", _Handler._serve)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: ApiGatewayEmulator) -> None:
        self.emulator = emulator
        super().__init__(address, _Handler)


class ApiGatewayServer:
    """The HTTP API's front door on ``http://host:port`` (``port`` 0: a free port): every
    request goes through :class:`ApiGatewayEmulator` for the API's ``$default`` stage, served
    at the root path. Keyword arguments go to the emulator."""

    def __init__(
        self,
        apigw_client: ApiGatewayV2Client,
        jwks_fetcher: JwksFetcher,
        invoke: Invoke,
        host: str = "127.0.0.1",
        port: int = 0,
        **emulator_options: Any,
    ) -> None:
        self.emulator = ApiGatewayEmulator(apigw_client, jwks_fetcher, invoke, **emulator_options)
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ApiGatewayServer:
        if self._server is not None:
            return self
        self._server = _Server((self._host, self._port), self.emulator)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="apigw-server",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the server is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> ApiGatewayServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
