"""The API Gateway HTTP API emulation against moto: a Cognito user pool with real tokens, an
HTTP API created the way Terraform's aws provider creates it, and requests through the HTTP
front door to a fake Lambda."""

from __future__ import annotations

import base64
import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws
from moto.utilities.utils import load_resource

from loyalty_maximizer.localcloud.api_gateway import (
    ApiGatewayServer,
    HttpRequest,
    Route,
    RouteTable,
    TokenBucket,
    build_event_v2,
    load_http_api,
    map_lambda_response,
)
from loyalty_maximizer.localcloud.jwt_authorizer import (
    JwtAuthorization,
    http_jwks_fetcher,
    moto_jwks_fetcher,
)

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ALIAS_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:loyalty-local-api:live"
INTEGRATION_URI = (
    f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{ALIAS_ARN}/invocations"
)
PASSWORD = "Corr3ct-Horse!"
ROUTES = (
    "GET /v1/me/profile",
    "PUT /v1/me/profile",
    "POST /v1/conversations",
    "POST /v1/conversations/{id}/messages",
    "GET /v1/conversations/{id}",
    "POST /v1/tools/{name}",
    "GET /v1/programs",
    "GET /v1/files/{proxy+}",
    "GET /v1/limited",
)
ADMIN_SCOPE = "loyalty/admin"


# --------------------------------------------------------------------------- fixtures


@dataclass
class Cognito:
    pool_id: str
    client_id: str
    issuer: str
    id_token: str
    access_token: str
    sub: str
    other_client_id: str


@dataclass
class FakeLambda:
    """Records every invocation; answers with ``respond(event)`` (a Lambda result: status,
    payload, function error)."""

    respond: Callable[[dict[str, Any]], tuple[int, bytes, str | None]] = field(
        default=lambda event: (200, json.dumps({"statusCode": 200, "body": "ok"}).encode(), None)
    )
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, arn: str, payload: bytes) -> tuple[int, bytes, str | None]:
        event = json.loads(payload)
        self.calls.append((arn, event))
        return self.respond(event)

    def returns(self, value: Any) -> None:
        self.respond = lambda event: (200, json.dumps(value).encode(), None)

    @property
    def event(self) -> dict[str, Any]:
        assert self.calls, "the function was not invoked"
        return self.calls[-1][1]


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """One moto for the module: the pool, the API and the server are built once."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
        }.items():
            patch.setenv(name, value)
        patch.delenv("AWS_PROFILE", raising=False)
        with mock_aws():
            yield


@pytest.fixture(scope="module")
def cognito(aws: None) -> Cognito:
    idp = boto3.client("cognito-idp", region_name=REGION)
    pool_id = idp.create_user_pool(PoolName="loyalty-local-users")["UserPool"]["Id"]
    flows: Any = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=flows
    )["UserPoolClient"]["ClientId"]
    other_client_id = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="other", ExplicitAuthFlows=flows
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username="traveller",
        TemporaryPassword="Temp-Passw0rd!",
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username="traveller", Password=PASSWORD, Permanent=True
    )
    tokens = idp.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "traveller", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    sub = idp.admin_get_user(UserPoolId=pool_id, Username="traveller")["UserAttributes"]
    return Cognito(
        pool_id=pool_id,
        client_id=client_id,
        issuer=f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}",
        id_token=tokens["IdToken"],
        access_token=tokens["AccessToken"],
        sub=next(a["Value"] for a in sub if a["Name"] == "sub"),
        other_client_id=other_client_id,
    )


@pytest.fixture(scope="module")
def apigw(aws: None) -> Any:
    return boto3.client("apigatewayv2", region_name=REGION)


@pytest.fixture(scope="module")
def api_id(apigw: Any, cognito: Cognito) -> str:
    """The HTTP API as ``terraform apply`` creates it: API, JWT authorizer, AWS_PROXY
    integration to the ``live`` alias (payload 2.0), routes with JWT auth, ``$default``
    stage with throttling."""
    api = apigw.create_api(Name="loyalty-local-api", ProtocolType="HTTP")["ApiId"]
    authorizer = apigw.create_authorizer(
        ApiId=api,
        AuthorizerType="JWT",
        Name="cognito",
        IdentitySource=["$request.header.Authorization"],
        JwtConfiguration={"Audience": [cognito.client_id], "Issuer": cognito.issuer},
    )["AuthorizerId"]
    integration = apigw.create_integration(
        ApiId=api,
        IntegrationType="AWS_PROXY",
        IntegrationUri=INTEGRATION_URI,
        IntegrationMethod="POST",
        PayloadFormatVersion="2.0",
        TimeoutInMillis=29_000,
    )["IntegrationId"]
    target = f"integrations/{integration}"
    for route_key in ROUTES:
        apigw.create_route(
            ApiId=api,
            RouteKey=route_key,
            AuthorizationType="JWT",
            AuthorizerId=authorizer,
            Target=target,
        )
    apigw.create_route(
        ApiId=api,
        RouteKey="POST /v1/admin",
        AuthorizationType="JWT",
        AuthorizerId=authorizer,
        AuthorizationScopes=[ADMIN_SCOPE],
        Target=target,
    )
    apigw.create_route(ApiId=api, RouteKey="GET /v1/health", Target=target)
    apigw.create_stage(
        ApiId=api,
        StageName="$default",
        AutoDeploy=True,
        DefaultRouteSettings={"ThrottlingBurstLimit": 500, "ThrottlingRateLimit": 1000.0},
        RouteSettings={"GET /v1/limited": {"ThrottlingBurstLimit": 2, "ThrottlingRateLimit": 0.01}},
        AccessLogSettings={
            "DestinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigw/loyalty",
            "Format": json.dumps(
                {
                    "requestId": "$context.requestId",
                    "routeKey": "$context.routeKey",
                    "status": "$context.status",
                    "sub": "$context.authorizer.claims.sub",
                    "authorizerError": "$context.authorizer.error",
                }
            ),
        },
        StageVariables={"environment": "local"},
    )
    return str(api)


@pytest.fixture(scope="module")
def module_lambda() -> FakeLambda:
    return FakeLambda()


@pytest.fixture
def fake_lambda(module_lambda: FakeLambda) -> FakeLambda:
    """The server's function, forgotten and answering 200 again for each test."""
    module_lambda.calls.clear()
    module_lambda.respond = FakeLambda().respond
    return module_lambda


@pytest.fixture(scope="module")
def server(apigw: Any, api_id: str, module_lambda: FakeLambda) -> Iterator[ApiGatewayServer]:
    # Under mock_aws, requests to the Cognito issuer's JWKS URL are answered by moto.
    gateway = ApiGatewayServer(
        apigw, http_jwks_fetcher(), module_lambda, api_id=api_id, integration_timeout=1.0
    )
    with gateway:
        yield gateway


@functools.cache
def _moto_private_key() -> Any:
    return jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key


def forge(claims: dict[str, Any], key: Any = None, kid: str = "dummy") -> str:
    """A token signed with moto's Cognito private key (or ``key``)."""
    return jwt.encode(claims, key or _moto_private_key(), algorithm="RS256", headers={"kid": kid})


def id_claims(cognito: Cognito, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": cognito.issuer,
        "sub": cognito.sub,
        "aud": cognito.client_id,
        "token_use": "id",
        "iat": now,
        "auth_time": now,
        "exp": now + 3600,
        "cognito:username": "traveller",
    }
    claims.update(overrides)
    return claims


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --------------------------------------------------------------------------- through the server


def test_request__valid_id_token_invokes_live_alias_with_v2_event(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda, api_id: str
) -> None:
    fake_lambda.returns(
        {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": '{"ok":1}'}
    )

    response = requests.post(
        f"{server.url}/v1/conversations/conv-42/messages?lang=en",
        json={"text": "NYC to LHR in business"},
        headers=bearer(cognito.id_token),
        timeout=10,
    )

    assert response.status_code == 201
    assert response.json() == {"ok": 1}
    assert response.headers["apigw-requestid"]
    arn, event = fake_lambda.calls[-1]
    assert arn == ALIAS_ARN
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /v1/conversations/{id}/messages"
    assert event["rawPath"] == "/v1/conversations/conv-42/messages"
    assert event["rawQueryString"] == "lang=en"
    assert event["queryStringParameters"] == {"lang": "en"}
    assert event["pathParameters"] == {"id": "conv-42"}
    assert event["isBase64Encoded"] is False
    assert json.loads(event["body"]) == {"text": "NYC to LHR in business"}
    assert event["stageVariables"] == {"environment": "local"}
    context = event["requestContext"]
    claims = context["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == cognito.sub
    assert claims["aud"] == cognito.client_id
    assert all(isinstance(value, str) for value in claims.values())
    assert claims["exp"].isdigit()
    assert context["authorizer"]["jwt"]["scopes"] is None
    assert context["apiId"] == api_id
    assert context["accountId"] == ACCOUNT
    assert context["routeKey"] == event["routeKey"]
    assert context["stage"] == "$default"
    assert context["requestId"] == response.headers["apigw-requestid"]
    assert context["http"]["method"] == "POST"
    assert context["http"]["path"] == "/v1/conversations/conv-42/messages"
    assert context["http"]["sourceIp"] == "127.0.0.1"
    assert context["http"]["userAgent"].startswith("python-requests")
    assert isinstance(context["timeEpoch"], int)
    assert event["headers"]["authorization"] == f"Bearer {cognito.id_token}"
    assert event["headers"]["content-type"] == "application/json"
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"


def test_request__access_token_without_bearer_prefix_is_accepted(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    response = requests.get(
        f"{server.url}/v1/me/profile", headers={"Authorization": cognito.access_token}, timeout=10
    )

    assert response.status_code == 200
    claims = fake_lambda.event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["client_id"] == cognito.client_id
    assert claims["token_use"] == "access"


def test_request__no_token_is_401(server: ApiGatewayServer, fake_lambda: FakeLambda) -> None:
    response = requests.get(f"{server.url}/v1/me/profile", timeout=10)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["apigw-requestid"]
    assert not fake_lambda.calls


def test_request__expired_token_is_401(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    past = int(time.time()) - 7200
    token = forge(id_claims(cognito, iat=past, auth_time=past, exp=past + 3600))

    response = requests.get(f"{server.url}/v1/me/profile", headers=bearer(token), timeout=10)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert "expired" in response.headers["www-authenticate"]
    assert not fake_lambda.calls


def test_request__wrong_audience_is_401(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    token = forge(id_claims(cognito, aud=cognito.other_client_id))

    response = requests.get(f"{server.url}/v1/me/profile", headers=bearer(token), timeout=10)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == (
        'Bearer scope="" error="invalid_token" '
        'error_description="the token does not have a valid audience"'
    )
    assert not fake_lambda.calls


def test_request__wrong_issuer_is_401(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    token = forge(id_claims(cognito, iss=f"{cognito.issuer}-elsewhere"))

    response = requests.get(f"{server.url}/v1/me/profile", headers=bearer(token), timeout=10)

    assert response.status_code == 401
    assert "issuer" in response.headers["www-authenticate"]
    assert not fake_lambda.calls


def test_request__tampered_signature_is_401(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    header, _, signature = cognito.id_token.split(".")
    claims = jwt.decode(cognito.id_token, options={"verify_signature": False})
    claims["sub"] = "someone-else"
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered = f"{header}.{payload}.{signature}"

    response = requests.get(f"{server.url}/v1/me/profile", headers=bearer(tampered), timeout=10)

    assert response.status_code == 401
    assert "signature" in response.headers["www-authenticate"]
    assert not fake_lambda.calls


def test_request__token_signed_by_a_foreign_key_is_401(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    foreign = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = forge(id_claims(cognito), key=foreign)

    response = requests.get(f"{server.url}/v1/me/profile", headers=bearer(token), timeout=10)

    assert response.status_code == 401
    assert not fake_lambda.calls


def test_request__garbage_token_is_401(server: ApiGatewayServer, fake_lambda: FakeLambda) -> None:
    response = requests.get(f"{server.url}/v1/me/profile", headers=bearer("not-a-jwt"), timeout=10)

    assert response.status_code == 401
    assert response.json() == {"message": "Unauthorized"}
    assert not fake_lambda.calls


def test_request__route_scope_missing_is_403(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    response = requests.post(
        f"{server.url}/v1/admin", headers=bearer(cognito.access_token), timeout=10
    )

    assert response.status_code == 403
    assert response.json() == {"message": "Forbidden"}
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert not fake_lambda.calls


def test_request__route_scope_held_passes_scopes(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    token = forge(id_claims(cognito, token_use="access", scope=f"openid {ADMIN_SCOPE}"))

    response = requests.post(f"{server.url}/v1/admin", headers=bearer(token), timeout=10)

    assert response.status_code == 200
    assert fake_lambda.event["requestContext"]["authorizer"]["jwt"]["scopes"] == [ADMIN_SCOPE]


def test_request__route_without_authorizer_needs_no_token(
    server: ApiGatewayServer, fake_lambda: FakeLambda
) -> None:
    response = requests.get(f"{server.url}/v1/health", timeout=10)

    assert response.status_code == 200
    assert "authorizer" not in fake_lambda.event["requestContext"]


def test_request__unknown_route_is_404(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    for method, path in (("GET", "/v2/nothing"), ("DELETE", "/v1/me/profile"), ("GET", "/")):
        response = requests.request(
            method, f"{server.url}{path}", headers=bearer(cognito.id_token), timeout=10
        )
        assert response.status_code == 404, (method, path)
        assert response.json() == {"message": "Not Found"}
    assert not fake_lambda.calls


def test_request__lambda_function_error_is_500(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    error = {"errorMessage": "boom", "errorType": "RuntimeError"}
    fake_lambda.respond = lambda event: (200, json.dumps(error).encode(), "Unhandled")

    response = requests.get(
        f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10
    )

    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_request__invalid_lambda_response_is_500(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    fake_lambda.returns({"statusCode": "two hundred", "body": "x"})

    response = requests.get(
        f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10
    )

    assert response.status_code == 500
    assert response.json() == {"message": "Internal Server Error"}


def test_request__non_dict_lambda_result_is_200_json(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    fake_lambda.returns(["AAdvantage", "MileagePlus"])

    response = requests.get(
        f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == ["AAdvantage", "MileagePlus"]


def test_request__dict_without_status_code_is_200_json(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    fake_lambda.returns({"programs": 3})

    response = requests.get(
        f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10
    )

    assert response.status_code == 200
    assert response.json() == {"programs": 3}


def test_request__base64_response_cookies_and_headers_are_mapped(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    fake_lambda.returns(
        {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream", "x-count": 3},
            "cookies": ["a=1; Path=/", "b=2"],
            "body": base64.b64encode(b"\x00\x01binary").decode(),
            "isBase64Encoded": True,
        }
    )

    response = requests.get(
        f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10
    )

    assert response.status_code == 200
    assert response.content == b"\x00\x01binary"
    assert response.headers["x-count"] == "3"
    assert response.raw.headers.getlist("set-cookie") == ["a=1; Path=/", "b=2"]


def test_request__binary_body_is_base64_encoded(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    payload = bytes(range(256))

    response = requests.put(
        f"{server.url}/v1/me/profile",
        data=payload,
        headers=bearer(cognito.id_token) | {"Content-Type": "application/octet-stream"},
        timeout=10,
    )

    assert response.status_code == 200
    assert fake_lambda.event["isBase64Encoded"] is True
    assert base64.b64decode(fake_lambda.event["body"]) == payload


def test_request__greedy_path_parameter_takes_the_rest_of_the_path(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    response = requests.get(
        f"{server.url}/v1/files/reports/2026/run%201.json",
        headers=bearer(cognito.id_token),
        timeout=10,
    )

    assert response.status_code == 200
    assert fake_lambda.event["routeKey"] == "GET /v1/files/{proxy+}"
    assert fake_lambda.event["pathParameters"] == {"proxy": "reports/2026/run 1.json"}
    assert fake_lambda.event["rawPath"] == "/v1/files/reports/2026/run%201.json"


def test_request__path_parameter_of_tool_route(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    response = requests.post(
        f"{server.url}/v1/tools/find_award_pathways",
        json={"origin": "JFK"},
        headers=bearer(cognito.id_token),
        timeout=10,
    )

    assert response.status_code == 200
    assert fake_lambda.event["routeKey"] == "POST /v1/tools/{name}"
    assert fake_lambda.event["pathParameters"] == {"name": "find_award_pathways"}


def test_request__throttled_route_is_429(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    responses = [
        requests.get(f"{server.url}/v1/limited", headers=bearer(cognito.id_token), timeout=10)
        for _ in range(4)
    ]
    other = requests.get(f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10)

    assert [r.status_code for r in responses] == [200, 200, 429, 429]
    assert responses[-1].json() == {"message": "Too Many Requests"}
    assert other.status_code == 200
    assert len(fake_lambda.calls) == 3


def test_request__integration_timeout_is_503(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    release = threading.Event()

    def slow(event: dict[str, Any]) -> tuple[int, bytes, str | None]:
        release.wait(5)
        return 200, b'{"statusCode": 200}', None

    fake_lambda.respond = slow
    try:
        started = time.monotonic()
        response = requests.get(
            f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10
        )
        elapsed = time.monotonic() - started
    finally:
        release.set()

    assert response.status_code == 503
    assert response.json() == {"message": "Service Unavailable"}
    assert elapsed < 4


def test_request__headers_query_and_cookies_are_combined(
    server: ApiGatewayServer, cognito: Cognito, fake_lambda: FakeLambda
) -> None:
    response = requests.get(
        f"{server.url}/v1/conversations/c-1?tag=a&tag=b&q=new%20york&empty=",
        headers=bearer(cognito.id_token) | {"X-Custom": "one", "Cookie": "session=abc; theme=dark"},
        timeout=10,
    )

    assert response.status_code == 200
    event = fake_lambda.event
    assert event["rawQueryString"] == "tag=a&tag=b&q=new%20york&empty="
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "new york", "empty": ""}
    assert event["cookies"] == ["session=abc", "theme=dark"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-custom"] == "one"
    assert "body" not in event
    assert event["pathParameters"] == {"id": "c-1"}


def test_request__access_log_line_uses_stage_format(
    server: ApiGatewayServer,
    cognito: Cognito,
    fake_lambda: FakeLambda,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="loyalty_maximizer.localcloud.api_gateway.access"):
        ok = requests.get(f"{server.url}/v1/programs", headers=bearer(cognito.id_token), timeout=10)
        refused = requests.get(f"{server.url}/v1/programs", timeout=10)

    lines = [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "loyalty_maximizer.localcloud.api_gateway.access"
    ]
    assert lines[0] == {
        "requestId": ok.headers["apigw-requestid"],
        "routeKey": "GET /v1/programs",
        "status": "200",
        "sub": cognito.sub,
        "authorizerError": "-",
    }
    assert lines[1]["requestId"] == refused.headers["apigw-requestid"]
    assert lines[1]["status"] == "401"
    assert lines[1]["sub"] == "-"


# --------------------------------------------------------------------------- pieces


def test_load_http_api__reads_what_terraform_created(
    apigw: Any, api_id: str, cognito: Cognito
) -> None:
    api = load_http_api(apigw)

    assert api is not None
    assert api.api_id == api_id
    assert {route.route_key for route in api.routes} >= set(ROUTES)
    route = next(r for r in api.routes if r.route_key == "GET /v1/conversations/{id}")
    assert route.authorization_type == "JWT"
    authorizer = api.authorizers[route.authorizer_id or ""]
    assert authorizer.jwt is not None
    assert authorizer.jwt.issuer == cognito.issuer
    assert authorizer.jwt.audience == (cognito.client_id,)
    assert authorizer.jwt.identity_source == ("$request.header.Authorization",)
    integration = api.integrations[route.integration_id or ""]
    assert integration.function_arn == ALIAS_ARN
    assert integration.payload_format_version == "2.0"
    assert integration.timeout_seconds == 29.0
    assert api.stage is not None
    assert api.stage.throttle_for("GET /v1/programs").burst_limit == 500
    assert api.stage.throttle_for("GET /v1/limited").burst_limit == 2
    assert api.stage.access_log_format is not None


def test_load_http_api__none_for_an_unknown_api(apigw: Any, api_id: str) -> None:
    assert load_http_api(apigw, api_id="nosuchapi") is None


def _routes(*keys: str) -> RouteTable:
    return RouteTable(
        Route(
            route_id=str(i),
            route_key=key,
            authorization_type="NONE",
            authorizer_id=None,
            authorization_scopes=(),
            integration_id="x",
        )
        for i, key in enumerate(keys)
    )


def test_route_table__most_specific_route_wins() -> None:
    table = _routes(
        "$default",
        "ANY /pets/{proxy+}",
        "GET /pets/{proxy+}",
        "GET /pets/{id}",
        "GET /pets/dog",
        "ANY /pets/cat",
        "GET /{proxy+}",
    )

    def key(method: str, path: str) -> str | None:
        match = table.match(method, path)
        return match.route.route_key if match else None

    assert key("GET", "/pets/dog") == "GET /pets/dog"
    assert key("GET", "/pets/7") == "GET /pets/{id}"
    assert key("GET", "/pets/7/toys") == "GET /pets/{proxy+}"
    assert key("POST", "/pets/7/toys") == "ANY /pets/{proxy+}"
    assert key("DELETE", "/pets/cat") == "ANY /pets/cat"
    assert key("GET", "/owners/1") == "GET /{proxy+}"
    assert key("POST", "/owners/1") == "$default"
    assert key("GET", "/") == "$default"


def test_route_table__no_match_without_default_route() -> None:
    table = _routes("GET /v1/conversations/{id}")

    assert table.match("GET", "/v1/conversations") is None
    assert table.match("GET", "/v1/conversations/") is None
    assert table.match("GET", "/v1/conversations/a/b") is None
    assert table.match("POST", "/v1/conversations/a") is None
    match = table.match("get", "/v1/conversations/a%2Fb")
    assert match is not None
    assert match.path_parameters == {"id": "a/b"}


def test_token_bucket__refills_at_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(2, 1.0, clock=lambda: now[0])

    assert [bucket.allow() for _ in range(3)] == [True, True, False]
    now[0] = 1.0
    assert [bucket.allow() for _ in range(2)] == [True, False]
    assert not TokenBucket(0, 0.0).allow()


def test_build_event_v2__text_and_binary_bodies() -> None:
    def event(content_type: str | None, body: bytes) -> dict[str, Any]:
        headers = [("Content-Type", content_type)] if content_type else []
        return build_event_v2(
            HttpRequest("POST", "/v1/conversations", headers=headers, body=body),
            api_id="abc",
            route_key="POST /v1/conversations",
            path_parameters={},
        )

    assert event("application/json; charset=utf-8", b'{"a":1}')["body"] == '{"a":1}'
    assert event("text/plain", b"hi")["isBase64Encoded"] is False
    form = event("application/x-www-form-urlencoded", b"a=1")
    assert form["isBase64Encoded"] is True
    assert base64.b64decode(form["body"]) == b"a=1"
    assert event(None, b"raw")["isBase64Encoded"] is True
    empty = event("application/json", b"")
    assert "body" not in empty
    assert empty["isBase64Encoded"] is False
    assert "pathParameters" not in empty
    assert "queryStringParameters" not in empty


def test_build_event_v2__duplicate_headers_are_comma_joined() -> None:
    event = build_event_v2(
        HttpRequest("GET", "/v1/programs", headers=[("Accept", "a/b"), ("ACCEPT", "c/d")]),
        api_id="abc",
        route_key="GET /v1/programs",
        path_parameters={},
    )

    assert event["headers"]["accept"] == "a/b,c/d"


def test_claims__values_are_strings_as_api_gateway_writes_them() -> None:
    authorization = JwtAuthorization(
        claims={
            "sub": "u-1",
            "exp": 1718722804,
            "email_verified": True,
            "cognito:groups": ["admins", "travellers"],
        },
        scopes=None,
    )

    assert authorization.event_claims() == {
        "sub": "u-1",
        "exp": "1718722804",
        "email_verified": "true",
        "cognito:groups": "[admins travellers]",
    }


def test_map_lambda_response__plain_string_is_json_body() -> None:
    response = map_lambda_response(b'"hello"')

    assert response is not None
    assert response.status == 200
    assert response.body == b'"hello"'
    assert map_lambda_response(b"not json") is None
    assert map_lambda_response(b'{"statusCode": 200, "body": {"nested": 1}}') is None


def test_moto_jwks_fetcher__maps_the_cognito_issuer_to_the_moto_server() -> None:
    """The fetcher asks the moto server for ``/<pool id>/.well-known/jwks.json`` (the path
    moto's server serves the pool's JWKS at); other URLs are fetched as they are."""
    paths: list[str] = []
    jwks = json.dumps(load_resource("cognitoidp/resources/jwks-public.json")).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(jwks)))
            self.end_headers()
            self.wfile.write(jwks)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    stub = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{stub.server_address[1]}"
        fetch = moto_jwks_fetcher(endpoint)
        pool = f"{REGION}_abc"
        document = fetch(f"https://cognito-idp.{REGION}.amazonaws.com/{pool}/.well-known/jwks.json")
        fetch(f"{endpoint}/elsewhere/.well-known/jwks.json")
    finally:
        stub.shutdown()
        stub.server_close()

    assert paths == [f"/{pool}/.well-known/jwks.json", "/elsewhere/.well-known/jwks.json"]
    assert [key["kid"] for key in document["keys"]] == ["dummy"]
