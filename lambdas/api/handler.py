"""<prefix>-api: the conversation HTTP API (API Gateway HTTP API, JWT authorizer, payload
format 2.0).

| route | does |
|---|---|
| ``GET /v1/me/profile`` | the caller's profile |
| ``PUT /v1/me/profile`` | replace the caller's profile |
| ``POST /v1/conversations`` | a new conversation, with the answer to an optional first message |
| ``POST /v1/conversations/<id>/messages`` | a message, answered by the conversation machine |
| ``GET /v1/conversations/<id>`` | a conversation and its turns |
| ``POST /v1/tools/<name>`` | one tool, called directly |
| ``GET /v1/programs`` | the loyalty programs the knowledge graph holds |

The caller is the JWT's ``sub`` claim and nothing else. Every error answers
``{"error": {"code", "message"}, "requestId"}``. The OpenAPI document is
``docs/openapi.json``: ``python lambdas/api/handler.py > docs/openapi.json`` refreshes it.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.conversation import api
from loyalty_maximizer.conversation.api import (
    Answer,
    ConversationCreated,
    ConversationView,
    ErrorBody,
    NewConversation,
    NewMessage,
    ProfileUpdate,
    ProgramList,
)
from loyalty_maximizer.conversation.errors import ConversationFailed, Unauthenticated
from loyalty_maximizer.conversation.runtime import Runtime
from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.profiles import UserProfile

logger = Logger()
metrics = Metrics()
tracer = Tracer()
app = APIGatewayHttpResolver(enable_validation=True)
runtime = Runtime()  # clients and stores appear on first use, once per container

API_TITLE = "AI Loyalty Maximizer API"
API_VERSION = "1.0.0"


def caller_id() -> str:
    """The caller: the ``sub`` claim the JWT authorizer verified."""
    sub = app.current_event.request_context.authorizer.jwt_claim.get("sub")
    if not isinstance(sub, str) or not sub:
        raise Unauthenticated("no verified caller: send a valid bearer token (JWT with a sub)")
    return sub


def request_id() -> str:
    return app.current_event.request_context.request_id


def _errors(*statuses: int) -> dict[int, Any]:
    """OpenAPI error responses, all with the error body."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
        }
        for status in (401, *statuses, 500)
    }


# /v1/me -------------------------------------------------------------------------------------

me = Router()


@me.get("/v1/me/profile", summary="The caller's profile", responses=_errors(404))
def read_profile() -> UserProfile:
    return api.get_profile(runtime.profiles, caller_id())


@me.put("/v1/me/profile", summary="Replace the caller's profile", responses=_errors(400, 403))
def write_profile(update: ProfileUpdate) -> UserProfile:
    return api.put_profile(runtime.profiles, caller_id(), update)


# /v1/conversations --------------------------------------------------------------------------

conversations = Router()
_CONVERSATION_ERRORS = _errors(400, 403, 404, 409, 429, 502, 504)


@conversations.post(
    "/v1/conversations",
    summary="Start a conversation, optionally with its first message",
    status_code=201,
    responses=_CONVERSATION_ERRORS,
)
def start_conversation(request: NewConversation | None = None) -> Response[ConversationCreated]:
    created = api.create_conversation(
        runtime.conversations,
        runtime.executor,
        caller_id(),
        request or NewConversation(),
        request_id(),
    )
    metrics.add_metric(name="ConversationsStarted", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=HTTPStatus.CREATED,
        content_type=content_types.APPLICATION_JSON,
        body=created,
    )


@conversations.post(
    "/v1/conversations/<conversation_id>/messages",
    summary="Send a message and get the assistant's answer",
    responses=_CONVERSATION_ERRORS,
)
def send_message(conversation_id: str, message: NewMessage) -> Answer:
    answer = api.post_message(
        runtime.conversations,
        runtime.executor,
        caller_id(),
        conversation_id,
        message.text,
        request_id(),
    )
    metrics.add_metric(name="MessagesAnswered", unit=MetricUnit.Count, value=1)
    return answer


@conversations.get(
    "/v1/conversations/<conversation_id>",
    summary="A conversation and its turns",
    responses=_errors(403, 404),
)
def read_conversation(conversation_id: str) -> ConversationView:
    return api.get_conversation(runtime.conversations, caller_id(), conversation_id)


# /v1/tools, /v1/programs --------------------------------------------------------------------

knowledge = Router()


@knowledge.post(
    "/v1/tools/<name>",
    summary="Call one tool (contracts/tools.md) with its request",
    responses=_errors(400, 403, 404, 502),
)
def call_tool(name: str, payload: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    result = api.run_tool(runtime.tools, caller_id(), name, payload)
    metrics.add_metric(name="ToolCalls", unit=MetricUnit.Count, value=1)
    return result


@knowledge.get(
    "/v1/programs", summary="The loyalty programs the knowledge holds", responses=_errors(502)
)
def programs() -> ProgramList:
    return api.list_programs(runtime.repository)


def authenticated(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Every route, even one that does not use the caller, wants a verified caller."""
    caller_id()
    return next_middleware(app)


app.use(middlewares=[authenticated])
app.include_router(me)
app.include_router(conversations)
app.include_router(knowledge)


# Errors: the one place exceptions become responses ------------------------------------------


@app.exception_handler(Exception)
def error_response(exc: Exception) -> Response[Any]:
    if isinstance(exc, RequestValidationError):
        exc = api.invalid_request(exc.errors())
    headers: dict[str, str] = {}
    if isinstance(exc, LoyaltyError):
        status = api.http_status(exc)
        body = api.error_body(exc, request_id())
        if isinstance(exc, Unauthenticated):
            headers["WWW-Authenticate"] = "Bearer"
        if isinstance(exc, ConversationFailed):
            logger.error("conversation failed", extra={"error": exc.error, "cause": exc.cause})
        elif status >= 500:
            logger.warning("request failed", extra={"code": exc.code, "detail": str(exc)})
    elif isinstance(exc, ServiceError):  # Powertools' own: no such route, ...
        status = exc.status_code
        code = "not_found" if status == HTTPStatus.NOT_FOUND else "error"
        message = "no such route" if status == HTTPStatus.NOT_FOUND else exc.msg
        body = {"error": {"code": code, "message": message}, "requestId": request_id()}
    else:
        logger.exception("unhandled error")
        status = HTTPStatus.INTERNAL_SERVER_ERROR
        body = {
            "error": {"code": "internal_error", "message": "internal error; quote the requestId"},
            "requestId": request_id(),
        }
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers,
    )


def openapi_schema() -> str:
    """The OpenAPI document (docs/openapi.json). Request validation errors answer 400 with
    the error body, so Powertools' generic 422 response is left out."""
    schema = json.loads(
        app.get_openapi_json_schema(
            title=API_TITLE,
            version=API_VERSION,
            description="Profiles, conversations with the loyalty assistant, and its tools. "
            "Every route needs a Cognito JWT; the caller is its sub claim.",
            security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
            security=[{"cognito": []}],
        )
    )
    for path in schema["paths"].values():
        for operation in path.values():
            operation["responses"].pop("422", None)
    for name in ("HTTPValidationError", "ValidationError"):
        schema["components"]["schemas"].pop(name, None)
    return json.dumps(schema, indent=2, sort_keys=False) + "\n"


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


if __name__ == "__main__":  # python lambdas/api/handler.py > docs/openapi.json
    print(openapi_schema(), end="")
